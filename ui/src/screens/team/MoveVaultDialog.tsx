/**
 * "Move this vault to a server…": copies the open vault file into an empty
 * PostgreSQL database (all or nothing, checked by the core), then the app
 * works on the server vault. The file is kept as it was; the team points
 * their apps at the server from then on.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { moveVaultToServer } from "../../api";
import type { MovedVault } from "../../bindings/MovedVault";
import { AppDialog } from "../../components/AppDialog";
import { MessageSlot, type FormMessage } from "../../components/Banner";
import { Btn, TextInput } from "../../components/controls";
import { sentence } from "../../lib/text";

export function MoveVaultDialog({ fileLocation, onClose, onMoved }: { fileLocation: string; onClose: () => void; onMoved: () => void }) {
  const [url, setUrl] = useState("");
  const [done, setDone] = useState<MovedVault | null>(null);
  const move = useMutation({ mutationFn: moveVaultToServer, onSuccess: setDone });
  const busy = move.isPending;
  const trimmed = url.trim();
  const blocker = trimmed === "" ? "Enter the URL of an empty PostgreSQL database." : !/^postgres(ql)?:\/\//i.test(trimmed) ? "A team vault URL starts with postgres://" : null;
  const message: FormMessage | null = move.error
    ? { tone: "danger", text: sentence(move.error.message), testId: "move-vault-error" }
    : busy
      ? { tone: "info", text: "Copying and checking every row…", testId: "move-vault-busy" }
      : blocker
        ? { tone: "hint", text: blocker, testId: "move-vault-hint" }
        : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || blocker) return;
    move.mutate(trimmed);
  }

  if (done) {
    return (
      <AppDialog
        isOpen
        onClose={onMoved}
        title="The vault is on the server"
        size="medium"
        testId="move-vault-dialog"
        isDismissable={false}
        footer={
          <Btn variant="primary" onPress={onMoved} testId="move-vault-done" autoFocus>
            Sign in to the server vault
          </Btn>
        }
      >
        <div className="stack" data-testid="move-vault-result">
          <p>
            Coffer copied {done.rows} rows to <code className="path">{done.to.location}</code>, checked the copy, and works on it from now on.
          </p>
          <p>
            The file <code className="path">{done.from.location}</code> was kept as it was. It no longer receives changes: keep it as a backup or delete it.
          </p>
          <p>
            <strong>Everyone should point their app at the server from now on:</strong> account menu, “Open a team vault…”, and enter the URL above.
          </p>
          <p className="muted">
            Vault fingerprint: <code className="path">{done.fingerprint}</code>
          </p>
        </div>
      </AppDialog>
    );
  }

  return (
    <AppDialog isOpen onClose={onClose} title="Move this vault to a server" size="medium" testId="move-vault-dialog" isDismissable={false} raw>
      <Form className="dialog-body stack" onSubmit={submit} validationBehavior="aria" id="move-vault-form">
        <p className="muted">
          Copies the vault <code className="path">{fileLocation}</code> into an empty PostgreSQL database, all or nothing, and checks the copy. Then this app works on the server vault
          (sign in again). The file is kept as it was.
        </p>
        <TextInput
          label="Empty database URL"
          value={url}
          onChange={(v) => {
            setUrl(v);
            move.reset();
          }}
          testId="move-vault-url"
          autoFocus
          placeholder="postgres://ana@db.example.com/team"
          description="postgres://USER@HOST[:PORT]/DATABASE; the database password comes from PGPASSWORD, ~/.pgpass or the keyring."
        />
      </Form>
      <div className="dialog-message">
        <MessageSlot message={message} testId="move-vault-message" />
      </div>
      <footer className="dialog-footer">
        <Btn variant="secondary" onPress={onClose} isDisabled={busy} testId="move-vault-cancel">
          Cancel
        </Btn>
        <Btn type="submit" form="move-vault-form" variant="primary" isDisabled={busy || blocker !== null} testId="move-vault-submit">
          {busy ? "Moving…" : "Move to server"}
        </Btn>
      </footer>
    </AppDialog>
  );
}
