/** The password strength hint under a new-password box. */
import { Meter } from "react-aria-components";

import { passwordStrength } from "../lib/password";

export function StrengthMeter({ password }: { password: string }) {
  const s = passwordStrength(password);
  return (
    <Meter className="strength" value={s.score} minValue={0} maxValue={4} aria-label="Password strength" valueLabel={s.label}>
      <div className={`strength-bar strength-${s.score}`} aria-hidden="true">
        {[1, 2, 3, 4].map((i) => (
          <span key={i} className={i <= s.score && password !== "" ? "on" : ""} />
        ))}
      </div>
      <div className="strength-text" data-testid="password-strength">
        <strong>{password === "" ? "" : s.label}</strong> {s.hint}
      </div>
    </Meter>
  );
}
