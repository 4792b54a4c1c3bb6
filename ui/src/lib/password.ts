/**
 * Password helpers for the first-run, change-password and add-user forms:
 * a strength hint (a rough guide, not a gate: the core only insists on
 * 8 characters and no leading/trailing space) and a generator for initial
 * passwords built on the Web Crypto RNG.
 */

export const MIN_PASSWORD_CHARS = 8;

export interface Strength {
  /** 0 (very weak) to 4 (strong). */
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  hint: string;
}

const LABELS = ["Very weak", "Weak", "Fair", "Good", "Strong"] as const;

/** Estimated entropy from length and the kinds of characters used. */
export function estimateBits(password: string): number {
  if (password === "") return 0;
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(password)) pool += 33;
  const distinct = new Set(password).size;
  // Repeats add little: count characters beyond the distinct ones at half weight.
  const length = [...password].length;
  const effective = Math.min(length, distinct + (length - distinct) / 2);
  return effective * Math.log2(Math.max(pool, 2));
}

export function passwordStrength(password: string): Strength {
  const length = [...password].length;
  if (length === 0) return { score: 0, label: LABELS[0], hint: `Use at least ${MIN_PASSWORD_CHARS} characters.` };
  if (length < MIN_PASSWORD_CHARS) {
    return { score: 0, label: LABELS[0], hint: `Too short: use at least ${MIN_PASSWORD_CHARS} characters.` };
  }
  const bits = estimateBits(password);
  const score: Strength["score"] = bits < 40 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  const hint =
    score >= 4
      ? "A strong password. Keep it somewhere safe: it cannot be recovered."
      : score === 3
        ? "Good. A few more words make it stronger."
        : "Longer is stronger: try four or more random words.";
  return { score, label: LABELS[score], hint };
}

/** Why a new password is refused, or null (the core's rules). */
export function newPasswordProblem(password: string, confirmation?: string): string | null {
  if ([...password].length < MIN_PASSWORD_CHARS) return `Use at least ${MIN_PASSWORD_CHARS} characters.`;
  if (password.trim() !== password) return "Remove the space at the start or end: it is easy to mistype.";
  if (confirmation !== undefined && confirmation !== password) return "The two passwords differ.";
  return null;
}

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.";

/** A random password without look-alike characters (no 0/O, 1/l/I). */
export function generatePassword(
  length = 20,
  random: (buf: Uint32Array<ArrayBuffer>) => void = (b) => {
    crypto.getRandomValues(b);
  },
): string {
  const n = ALPHABET.length;
  // Reject values that would bias the modulo.
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  let out = "";
  const buf = new Uint32Array(length * 2);
  while (out.length < length) {
    random(buf);
    for (const v of buf) {
      if (v < limit) out += ALPHABET[v % n];
      if (out.length === length) break;
    }
  }
  return out;
}
