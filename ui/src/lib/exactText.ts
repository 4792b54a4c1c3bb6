/**
 * Keeping a value byte for byte while a `<textarea>` edits it.
 *
 * A textarea's value is normalized: every CRLF and every lone CR reads back
 * as LF (HTML's "API value"). A secret pasted with Windows line endings
 * (a PEM key exported on Windows, a CSV row) would lose its CRs if the form
 * stored what the textarea reports. So the form keeps the exact text, the
 * textarea shows its normalized form, and each edit is carried back to the
 * exact text: the unchanged start and end keep their original bytes, and
 * only the edited middle is replaced. Pastes are inserted from the
 * clipboard's own text, so their line endings survive too.
 */

/** What a textarea shows for `exact`: CRLF and lone CR become LF. */
export function shownText(exact: string): string {
  return exact.replace(/\r\n?/g, "\n");
}

/**
 * The offset in `exact` of the character at `shown` in `shownText(exact)`.
 * A shown LF that stands for CRLF covers two exact characters.
 */
export function exactOffset(exact: string, shown: number): number {
  let e = 0;
  for (let s = 0; s < shown && e < exact.length; s++) {
    e += exact[e] === "\r" && exact[e + 1] === "\n" ? 2 : 1;
  }
  return e;
}

/**
 * Replaces the shown range [start, end) with `inserted`, which is kept
 * exactly as given (line endings included).
 */
export function replaceShownRange(exact: string, start: number, end: number, inserted: string): string {
  return exact.slice(0, exactOffset(exact, start)) + inserted + exact.slice(exactOffset(exact, end));
}

/**
 * Carries a textarea edit back to the exact text: `before` is what the
 * textarea showed, `after` what it shows now. The longest common start and
 * end are kept as they were in `exact`; the rest is the edit.
 */
export function applyShownEdit(exact: string, before: string, after: string): string {
  if (before === after) return exact;
  let prefix = 0;
  const max = Math.min(before.length, after.length);
  while (prefix < max && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  return replaceShownRange(exact, prefix, before.length - suffix, after.slice(prefix, after.length - suffix));
}

/** Lines the text takes when shown (at least one). */
export function lineCount(exact: string): number {
  let n = 1;
  for (let i = 0; i < exact.length; i++) {
    if (exact[i] === "\n" || (exact[i] === "\r" && exact[i + 1] !== "\n")) n++;
  }
  return n;
}
