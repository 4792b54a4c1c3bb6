/**
 * Changing one's password: forced at first sign-in (`must_change_password`,
 * before anything else works) or chosen from the user menu.
 */
import { useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { changePassword, toApiError } from "../api";
import { AuthLayout } from "../components/AuthLayout";
import { FormError } from "../components/Banner";
import { Btn, CheckboxField, PasswordInput } from "../components/controls";
import { NewPasswordFields } from "../components/NewPasswordFields";
import { newPasswordProblem } from "../lib/password";
import { sentence } from "../lib/text";

/**
 * `offerSignOut`: offer to sign out the user's other remembered devices
 * (not at the first, forced change: there are none yet).
 */
export function ChangePasswordForm({ onDone, onCancel, offerSignOut = false }: { onDone: () => void; onCancel?: () => void; offerSignOut?: boolean }) {
  const [current, setCurrent] = useState("");
  const [signOut, setSignOut] = useState(true);
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [currentError, setCurrentError] = useState<string | null>(null);

  const nextError = newPasswordProblem(next) ?? (next === current && next !== "" ? "Choose a password different from the current one." : null);
  const confirmError = confirm !== next ? "The two passwords differ." : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setCurrentError(current === "" ? "Enter your current password." : null);
    if (current === "" || nextError || confirmError) return;
    setBusy(true);
    setError(null);
    try {
      await changePassword(current, next, offerSignOut && signOut);
      setCurrent("");
      setNext("");
      setConfirm("");
      onDone();
    } catch (err) {
      const e2 = toApiError(err);
      if (e2.code === "auth_failed") setCurrentError(sentence(e2.message));
      else setError(sentence(e2.message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Form className="stack" onSubmit={submit} validationBehavior="aria">
      <PasswordInput
        label="Current password"
        value={current}
        onChange={setCurrent}
        error={currentError}
        testId="current-password"
        autoComplete="current-password"
        autoFocus
      />
      <NewPasswordFields
        label="New password"
        password={next}
        confirm={confirm}
        onPassword={setNext}
        onConfirm={setConfirm}
        passwordError={nextError}
        confirmError={confirmError}
        touched={touched}
        testId="new-password"
      />
      {offerSignOut && (
        <CheckboxField
          label="Sign out my other devices (they will need the new password)"
          isSelected={signOut}
          onChange={setSignOut}
          testId="sign-out-other-devices"
        />
      )}
      <FormError message={error} />
      <div className="form-actions">
        {onCancel && (
          <Btn variant="secondary" onPress={onCancel} testId="change-password-cancel">
            Cancel
          </Btn>
        )}
        <Btn type="submit" variant="primary" isDisabled={busy} testId="change-password-submit">
          {busy ? "Changing…" : "Change password"}
        </Btn>
      </div>
    </Form>
  );
}

export function ForcedPasswordChange({ name, onDone, onLock }: { name: string; onDone: () => void; onLock: () => void }) {
  return (
    <AuthLayout
      title="Choose your own password"
      subtitle={`Welcome, ${name}. Your account was created with an initial password: replace it before you continue.`}
    >
      <ChangePasswordForm onDone={onDone} />
      <Btn variant="ghost" onPress={onLock} testId="lock" className="btn-block">
        Lock instead
      </Btn>
    </AuthLayout>
  );
}
