/**
 * Changing one's password: forced at first sign-in (`must_change_password`,
 * before anything else works) or chosen from the user menu.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { changePassword } from "../api";
import { AuthLayout } from "../components/AuthLayout";
import { FormError } from "../components/Banner";
import { Btn, CheckboxField, PasswordInput } from "../components/controls";
import { NewPasswordFields } from "../components/NewPasswordFields";
import { newPasswordProblem } from "../lib/password";
import { sentence } from "../lib/text";
import { invalidate, keys } from "../queries";

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
  const [emptyCurrent, setEmptyCurrent] = useState(false);
  const client = useQueryClient();
  const change = useMutation({
    mutationFn: (v: { current: string; next: string; signOutOthers: boolean }) => changePassword(v.current, v.next, v.signOutOthers),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      setConfirm("");
      // Signing out the other devices changed the list in Settings.
      void invalidate(client, keys.devices);
      onDone();
    },
  });
  const refused = change.error ? sentence(change.error.message) : null;
  // A wrong current password shows beside it; anything else below the form.
  const currentError = emptyCurrent ? "Enter your current password." : change.error?.code === "auth_failed" ? refused : null;
  const error = change.error?.code === "auth_failed" ? null : refused;

  const nextError = newPasswordProblem(next) ?? (next === current && next !== "" ? "Choose a password different from the current one." : null);
  const confirmError = confirm !== next ? "The two passwords differ." : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setEmptyCurrent(current === "");
    change.reset();
    if (current === "" || nextError || confirmError) return;
    change.mutate({ current, next, signOutOthers: offerSignOut && signOut });
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
        <Btn type="submit" variant="primary" isDisabled={change.isPending} testId="change-password-submit">
          {change.isPending ? "Changing…" : "Change password"}
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
