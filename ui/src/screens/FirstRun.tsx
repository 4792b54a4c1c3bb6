/** First run: create the vault and its owner, then straight into the table. */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Form, ProgressBar } from "react-aria-components";

import { createVault, errorMessage } from "../api";
import type { SessionInfo } from "../bindings/SessionInfo";
import { AuthLayout } from "../components/AuthLayout";
import { FormError } from "../components/Banner";
import { Btn, TextInput } from "../components/controls";
import { NewPasswordFields } from "../components/NewPasswordFields";
import { newPasswordProblem } from "../lib/password";

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

export function FirstRun({ vaultPath, onCreated }: { vaultPath: string; onCreated: (s: SessionInfo) => void }) {
  const [owner, setOwner] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [touched, setTouched] = useState(false);
  const create = useMutation({
    mutationFn: createVault,
    onSuccess: (session) => {
      setPassword("");
      setConfirm("");
      onCreated(session);
    },
  });
  const busy = create.isPending;
  const error = create.error ? errorMessage(create.error) : null;

  const ownerError = !USERNAME.test(owner.trim())
    ? "Use 1 to 64 letters, digits, “.”, “_”, “-” or “@” (for example ana.lima)."
    : null;
  const passwordError = newPasswordProblem(password);
  const confirmError = confirm !== password ? "The two passwords differ." : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (ownerError || passwordError || confirmError) return;
    create.mutate({ owner: owner.trim(), display_name: displayName.trim(), password });
  }

  return (
    <AuthLayout
      title="Create your team's vault"
      subtitle={
        <>
          You will be its owner. The vault is created at <code className="path">{vaultPath}</code>.
        </>
      }
    >
      <Form className="stack" onSubmit={submit} validationBehavior="aria">
        <TextInput
          label="Owner username"
          value={owner}
          onChange={setOwner}
          error={touched ? ownerError : null}
          testId="create-owner"
          autoFocus
          autoComplete="username"
        />
        <TextInput
          label="Display name"
          value={displayName}
          onChange={setDisplayName}
          testId="create-display-name"
          placeholder="Ana Lima"
          description="Optional: how your name appears to others."
        />
        <NewPasswordFields
          label="Password"
          password={password}
          confirm={confirm}
          onPassword={setPassword}
          onConfirm={setConfirm}
          passwordError={passwordError}
          confirmError={confirmError}
          touched={touched}
          testId="create-password"
        />
        <FormError message={error} />
        {busy ? (
          <ProgressBar className="progress" isIndeterminate aria-label="Creating the vault" data-testid="create-progress">
            <span className="progress-label">Creating the vault and hardening your password… this takes a few seconds.</span>
            <div className="progress-track">
              <div className="progress-fill" />
            </div>
          </ProgressBar>
        ) : (
          <Btn type="submit" variant="primary" testId="create-submit" className="btn-block">
            Create vault
          </Btn>
        )}
      </Form>
    </AuthLayout>
  );
}
