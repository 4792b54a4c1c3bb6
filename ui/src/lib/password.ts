/**
 * The words around a new password: the rule the core applies
 * (`check_password`: at least LIMITS.password_min_chars characters, and a
 * zxcvbn score of 3 of 4), and why a form's button is still disabled.
 * Initial passwords come from the core (`generate_password`).
 */
import { LIMITS } from "../bindings/limit-values";
import type { PasswordCheckState } from "../hooks/usePasswordCheck";

/** The rule, as the form explains it. */
export const PASSWORD_RULE = `At least ${LIMITS.password_min_chars} characters, and hard to guess: four or more random words work well; names and common words do not.`;

/** zxcvbn's scores 0 to 4 (new passwords need 3). */
export const STRENGTH_LABELS = ["Very weak", "Weak", "Fair", "Good", "Strong"] as const;

export function strengthLabel(score: number): string {
  return STRENGTH_LABELS[Math.max(0, Math.min(4, Math.round(score)))] ?? STRENGTH_LABELS[0];
}

/**
 * Why a new password (and its confirmation) cannot be submitted yet, or
 * null. While a check is on its way the answer is "checking"; when the
 * check itself failed, the core decides at submit.
 */
export function newPasswordBlocker(password: string, confirm: string, state: PasswordCheckState): string | null {
  if (password === "") return "Choose a password.";
  if (!state.current) return "Checking the password…";
  if (state.check && !state.check.acceptable) return "The password does not meet the rule yet (see above).";
  if (confirm === "") return "Type the password again to confirm it.";
  if (confirm !== password) return "The two passwords differ.";
  return null;
}
