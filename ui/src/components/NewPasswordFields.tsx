/**
 * A new password, its strength and its confirmation: the trio shared by
 * vault creation and password change.
 */
import { PasswordInput } from "./controls";
import { StrengthMeter } from "./StrengthMeter";

export function NewPasswordFields(p: {
  /** "Password" or "New password"; the confirmation is labelled after it. */
  label: string;
  password: string;
  confirm: string;
  onPassword: (v: string) => void;
  onConfirm: (v: string) => void;
  passwordError: string | null;
  confirmError: string | null;
  /** Whether to show errors yet (after the first submit). */
  touched: boolean;
  /** Test id of the password box; the confirmation gets `${testId}-confirm`. */
  testId: string;
}) {
  return (
    <>
      <PasswordInput
        label={p.label}
        value={p.password}
        onChange={p.onPassword}
        error={p.touched ? p.passwordError : null}
        testId={p.testId}
        autoComplete="new-password"
      />
      <StrengthMeter password={p.password} />
      <PasswordInput
        label={`Confirm ${p.label.toLowerCase()}`}
        value={p.confirm}
        onChange={p.onConfirm}
        error={p.touched ? p.confirmError : null}
        testId={`${p.testId}-confirm`}
        autoComplete="new-password"
      />
    </>
  );
}
