/**
 * Changing one's password: forced at first sign-in (`must_change_password`,
 * before anything else works) or chosen from the user menu.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { changePassword } from "../api";
import type { UserInfo } from "../bindings/UserInfo";
import { DialogMessage } from "../components/AppDialog";
import { AuthLayout } from "../components/AuthLayout";
import { MessageSlot, type FormMessage } from "../components/Banner";
import { Btn, CheckboxField, PasswordInput } from "../components/controls";
import { NewPasswordFields } from "../components/NewPasswordFields";
import { usePasswordCheck } from "../hooks/usePasswordCheck";
import { newPasswordBlocker } from "../lib/password";
import { sentence } from "../lib/text";
import { invalidate, keys } from "../queries";

/**
 * `offerSignOut`: offer to sign out the user's other remembered devices
 * (not at the first, forced change: there are none yet).
 */
export function ChangePasswordForm({
  user,
  onDone,
  onCancel,
  offerSignOut = false,
  inDialog = false,
}: {
  /** Whose password: their names count against the new one. */
  user: UserInfo;
  onDone: () => void;
  onCancel?: () => void;
  offerSignOut?: boolean;
  /** Rendered inside a raw AppDialog: body, message and footer. */
  inDialog?: boolean;
}) {
  const [current, setCurrent] = useState("");
  const [signOut, setSignOut] = useState(true);
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const check = usePasswordCheck(next, [user.username, user.display_name]);
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

  const blocker =
    current === ""
      ? "Enter your current password."
      : next !== "" && next === current
        ? "Choose a password different from the current one."
        : newPasswordBlocker(next, confirm, check);
  const message: FormMessage | null = change.error
    ? { tone: "danger", text: change.error.code === "auth_failed" ? "Your current password is wrong." : sentence(change.error.message), testId: "change-password-error" }
    : blocker
      ? { tone: "hint", text: blocker, testId: "change-password-hint" }
      : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (blocker || change.isPending) return;
    change.mutate({ current, next, signOutOthers: offerSignOut && signOut });
  }

  const fields = (
    <Form id="change-password-form" className="stack" onSubmit={submit} validationBehavior="aria">
      <PasswordInput
        label="Current password"
        value={current}
        onChange={(v) => {
          setCurrent(v);
          if (change.error?.code === "auth_failed") change.reset();
        }}
        testId="current-password"
        autoComplete="current-password"
        autoFocus
      />
      <NewPasswordFields label="New password" password={next} confirm={confirm} onPassword={setNext} onConfirm={setConfirm} check={check} testId="new-password" />
      {offerSignOut && (
        <CheckboxField
          label="Sign out my other devices and replace my keys (do, if a device may be lost or the old password known)"
          isSelected={signOut}
          onChange={setSignOut}
          testId="sign-out-other-devices"
        />
      )}
    </Form>
  );
  const buttons = (
    <>
      {onCancel && (
        <Btn variant="secondary" onPress={onCancel} testId="change-password-cancel">
          Cancel
        </Btn>
      )}
      <Btn type="submit" form="change-password-form" variant="primary" isDisabled={change.isPending || blocker !== null} testId="change-password-submit">
        {change.isPending ? "Changing…" : "Change password"}
      </Btn>
    </>
  );

  // In a dialog (AppDialog raw): the buttons in its footer, always in view.
  if (inDialog) {
    return (
      <>
        <div className="dialog-body">{fields}</div>
        <DialogMessage message={message} testId="change-password-message" />
        <footer className="dialog-footer">{buttons}</footer>
      </>
    );
  }
  return (
    <div className="stack">
      {fields}
      <div className="form-actions">{buttons}</div>
      <MessageSlot message={message} testId="change-password-message" />
    </div>
  );
}

export function ForcedPasswordChange({ user, onDone, onLock }: { user: UserInfo; onDone: () => void; onLock: () => void }) {
  return (
    <AuthLayout
      title="Choose your own password"
      subtitle={`Welcome, ${user.display_name || user.username}. Your account was created with an initial password: replace it before you continue.`}
    >
      <ChangePasswordForm user={user} onDone={onDone} />
      <Btn variant="ghost" onPress={onLock} testId="lock" className="btn-block">
        Lock instead
      </Btn>
    </AuthLayout>
  );
}
