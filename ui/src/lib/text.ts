/** Backend messages are lower-case clauses ("wrong username or password"); show them as sentences. */
export function sentence(message: string): string {
  const m = message.trim();
  if (m === "") return m;
  const first = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
