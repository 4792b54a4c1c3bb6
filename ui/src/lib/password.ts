/**
 * Password helpers for the first-run, change-password and add-user forms:
 * a strength hint (a rough guide, not a gate: the core only insists on its
 * minimum length, LIMITS.password_min_chars, and no leading/trailing
 * space). Initial passwords come from the core (`generate_password`).
 */
import { LIMITS } from "../bindings/limit-values";

const MIN_PASSWORD_CHARS = LIMITS.password_min_chars;

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
  if (new TextEncoder().encode(password).length > LIMITS.password_max_bytes) return `Too long: a password can be at most ${LIMITS.password_max_bytes} bytes.`;
  if (password.trim() !== password) return "Remove the space at the start or end: it is easy to mistype.";
  if (confirmation !== undefined && confirmation !== password) return "The two passwords differ.";
  return null;
}
