/**
 * First run: create the vault and its owner, then straight into the table;
 * or open a vault file that already exists (a team's shared one, a copy).
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Form, ProgressBar } from "react-aria-components";

import { createVault } from "../api";
import type { SessionInfo } from "../bindings/SessionInfo";
import { AuthLayout } from "../components/AuthLayout";
import { MessageSlot, type FormMessage } from "../components/Banner";
import { Btn, TextInput } from "../components/controls";
import { NewPasswordFields } from "../components/NewPasswordFields";
import { usePasswordCheck } from "../hooks/usePasswordCheck";
import { newPasswordBlocker } from "../lib/password";
import { sentence } from "../lib/text";
import { OpenVaultForm } from "./team/OpenVault";

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

export function FirstRun({
  vaultPath,
  onCreated,
  onOpened,
}: {
  vaultPath: string;
  onCreated: (s: SessionInfo) => void;
  /** Another vault file is now the app's: start again from its status. */
  onOpened: () => void;
}) {
  const [mode, setMode] = useState<"create" | "open">("create");
  return mode === "create" ? (
    <CreateVault vaultPath={vaultPath} onCreated={onCreated} onOpenInstead={() => setMode("open")} />
  ) : (
    <OpenVault onOpened={onOpened} onCreateInstead={() => setMode("create")} />
  );
}

function CreateVault({ vaultPath, onCreated, onOpenInstead }: { vaultPath: string; onCreated: (s: SessionInfo) => void; onOpenInstead: () => void }) {
  const [owner, setOwner] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const check = usePasswordCheck(password, [owner, displayName]);
  const create = useMutation({
    mutationFn: createVault,
    onSuccess: (session) => {
      setPassword("");
      setConfirm("");
      onCreated(session);
    },
  });
  const busy = create.isPending;

  const blocker =
    owner.trim() === ""
      ? "Choose the owner's username."
      : !USERNAME.test(owner.trim())
        ? "Owner username: use 1 to 64 letters, digits, “.”, “_”, “-” or “@” (for example ana.lima)."
        : newPasswordBlocker(password, confirm, check);
  const message: FormMessage | null = create.error
    ? { tone: "danger", text: sentence(create.error.message), testId: "create-error" }
    : blocker
      ? { tone: "hint", text: blocker, testId: "create-hint" }
      : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (blocker || busy) return;
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
        <TextInput label="Owner username" value={owner} onChange={setOwner} testId="create-owner" autoFocus autoComplete="username" placeholder="ana.lima" />
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
          check={check}
          testId="create-password"
        />
        {busy ? (
          <ProgressBar className="progress" isIndeterminate aria-label="Creating the vault" data-testid="create-progress">
            <span className="progress-label">Creating the vault and hardening your password… this takes a few seconds.</span>
            <div className="progress-track">
              <div className="progress-fill" />
            </div>
          </ProgressBar>
        ) : (
          <Btn type="submit" variant="primary" testId="create-submit" className="btn-block" isDisabled={blocker !== null}>
            Create vault
          </Btn>
        )}
        <MessageSlot message={message} testId="create-message" />
      </Form>
      <p className="auth-alternative">
        Your team already has a vault?{" "}
        <Btn variant="ghost" className="btn-link" onPress={onOpenInstead} testId="open-existing" isDisabled={busy}>
          Open an existing vault…
        </Btn>
      </p>
    </AuthLayout>
  );
}

function OpenVault({ onOpened, onCreateInstead }: { onOpened: () => void; onCreateInstead: () => void }) {
  return (
    <AuthLayout title="Open an existing vault" subtitle="A team vault on a server, or a vault file. Coffer works on it from now on, and opens it at the next start too.">
      <OpenVaultForm onOpened={onOpened} />
      <p className="auth-alternative">
        <Btn variant="ghost" className="btn-link" onPress={onCreateInstead} testId="create-new-instead">
          Create a new vault instead
        </Btn>
      </p>
    </AuthLayout>
  );
}
