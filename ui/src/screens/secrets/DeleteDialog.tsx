/**
 * Delete with confirmation. A secret in use cannot be deleted: the core
 * refuses with `in_use` and a message naming each usage; we show that and
 * the usages themselves, so the user knows what to change first.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link2 } from "lucide-react";
import { useState } from "react";

import { deleteSecret, isApiError } from "../../api";
import type { SecretSummary } from "../../bindings/SecretSummary";
import type { Usage } from "../../bindings/Usage";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn } from "../../components/controls";
import { toast } from "../../components/toasts";
import { sentence } from "../../lib/text";
import { dropSecret, refreshSecret, usagesQuery } from "../../queries";

export function DeleteDialog({ secret, onClose, onDeleted }: { secret: SecretSummary; onClose: () => void; onDeleted: () => void }) {
  const client = useQueryClient();
  const name = secret.damaged ? `damaged secret #${secret.id}` : secret.key;
  // The version the user agreed to delete: the one shown, or, after a
  // teammate saved a newer one (the core refuses a stale delete), that one.
  const [version, setVersion] = useState(secret.version);
  // Resolves to null once deleted, or to why it is still in use.
  const del = useMutation({
    mutationFn: async (): Promise<{ message: string; usages: Usage[] } | null> => {
      try {
        await deleteSecret(secret.id, version);
        return null;
      } catch (e) {
        if (isApiError(e) && e.code === "conflict" && e.current_version !== undefined) {
          // Nothing was deleted: show the newer version behind the dialog.
          setVersion(e.current_version);
          void refreshSecret(client, secret.id);
        }
        if (!isApiError(e) || e.code !== "in_use") throw e;
        const usages = await client.fetchQuery(usagesQuery(secret.id)).catch(() => [] as Usage[]);
        return { message: sentence(e.message), usages };
      }
    },
    onSuccess: (inUse) => {
      if (inUse) return;
      toast(`Deleted ${name}`);
      dropSecret(client, secret.id);
      onDeleted();
    },
  });
  const inUse = del.data ?? null;
  const busy = del.isPending;
  const error = del.error ? sentence(del.error.message) : null;
  const newer = version !== secret.version;

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      role="alertdialog"
      size="small"
      title={inUse ? "Cannot delete: in use" : `Delete ${name}?`}
      testId="delete-dialog"
      footer={
        inUse ? (
          <Btn variant="primary" onPress={onClose} testId="delete-close" autoFocus>
            OK
          </Btn>
        ) : (
          <>
            <Btn variant="secondary" onPress={onClose} testId="delete-cancel" autoFocus>
              Cancel
            </Btn>
            <Btn variant="danger" onPress={() => del.mutate()} isDisabled={busy} testId="delete-confirm">
              {busy ? "Deleting…" : newer ? `Delete version ${version}` : "Delete"}
            </Btn>
          </>
        )
      }
    >
      {inUse ? (
        <div className="stack" data-testid="delete-in-use">
          <Banner tone="warning">{inUse.message}</Banner>
          {inUse.usages.length > 0 && (
            <>
              <p>Remove these usages first (or point them at another secret):</p>
              <ul className="usage-list">
                {inUse.usages.map((u) => (
                  <li key={u.id} data-testid={`in-use-${u.id}`}>
                    <Link2 size={14} aria-hidden="true" />
                    <strong>{u.name}</strong>
                    <span className="chip">{u.kind}</span>
                    {u.field && <span className="muted">field {u.field}</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      ) : (
        <div className="stack">
          <p>
            This deletes <strong>{name}</strong> and its history for everyone who can see it. Scripts that fetch it will stop
            getting a value. This cannot be undone.
          </p>
          {error && (
            <Banner tone="danger" live="assertive" testId="delete-error">
              {error}
            </Banner>
          )}
        </div>
      )}
    </AppDialog>
  );
}
