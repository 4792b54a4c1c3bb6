/**
 * A new password, the rule it must meet with the core's verdict as it is
 * typed, and its confirmation: shared by vault creation, password change
 * and an admin's typed initial password.
 */
import { Meter } from "react-aria-components";

import type { PasswordCheckState } from "../hooks/usePasswordCheck";
import { PASSWORD_RULE, strengthLabel } from "../lib/password";
import { PasswordInput } from "./controls";

/**
 * The strength meter and what the core says about the password. Its box
 * keeps a fixed minimum height, so the fields below do not move as the
 * verdict changes while typing.
 */
export function PasswordVerdict({ password, state }: { password: string; state: PasswordCheckState }) {
  const check = password === "" ? null : state.check;
  const score = check?.score ?? 0;
  const tone = check === null ? "none" : check.acceptable ? "ok" : "bad";
  return (
    <Meter
      className="strength"
      value={score}
      minValue={0}
      maxValue={4}
      aria-label="Password strength"
      valueLabel={check ? strengthLabel(score) : "not rated yet"}
      data-testid="password-strength"
      // For tests: set only while the verdict is about what is typed now.
      data-acceptable={check && state.current ? String(check.acceptable) : undefined}
    >
      <div className={`strength-bar strength-${check ? score : 0}`} aria-hidden="true">
        {[1, 2, 3, 4].map((i) => (
          <span key={i} className={check && i <= score ? "on" : ""} />
        ))}
      </div>
      <div className={`strength-text strength-${tone}`} aria-live="polite">
        {check === null ? (
          password === "" ? null : (
            <span className="muted">Checking…</span>
          )
        ) : (
          <>
            <strong>{strengthLabel(score)}.</strong>{" "}
            <span data-testid="password-problem">{check.problem ?? "Hard enough to guess."}</span>
            {check.suggestions.length > 0 && (
              <span className="strength-suggestions" data-testid="password-suggestions">
                {" "}
                {check.suggestions.join(" ")}
              </span>
            )}
          </>
        )}
      </div>
    </Meter>
  );
}

export function NewPasswordFields(p: {
  /** "Password" or "New password"; the confirmation is labelled after it. */
  label: string;
  password: string;
  confirm: string;
  onPassword: (v: string) => void;
  onConfirm: (v: string) => void;
  check: PasswordCheckState;
  /** Test id of the password box; the confirmation gets `${testId}-confirm`. */
  testId: string;
  autoFocus?: boolean;
}) {
  return (
    <>
      <PasswordInput
        label={p.label}
        value={p.password}
        onChange={p.onPassword}
        description={PASSWORD_RULE}
        testId={p.testId}
        autoComplete="new-password"
        autoFocus={p.autoFocus ?? false}
      />
      <PasswordVerdict password={p.password} state={p.check} />
      <PasswordInput
        label={`Confirm ${p.label.toLowerCase()}`}
        value={p.confirm}
        onChange={p.onConfirm}
        testId={`${p.testId}-confirm`}
        autoComplete="new-password"
      />
    </>
  );
}
