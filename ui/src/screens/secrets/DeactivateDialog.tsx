/**
 * Asks before deactivating: from that moment nobody can reveal, copy or
 * `get` the secret, so scripts that fetch it stop getting it. When
 * something uses the secret the question is stronger and names each usage,
 * before anything happens rather than after.
 */
import { Link2 } from "lucide-react";

import type { SecretSummary } from "../../bindings/SecretSummary";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn } from "../../components/controls";
import { plural, sentence } from "../../lib/text";
import { useUsages } from "../../queries";

export function DeactivateDialog({ secret, onClose, onConfirm }: { secret: SecretSummary; onClose: () => void; onConfirm: () => void }) {
  const usages = useUsages(secret.id);
  const list = usages.data ?? null;
  const inUse = list !== null && list.length > 0;
  // Until the usages are known, the question may be the wrong one.
  const ready = list !== null || usages.isError;
  return (
    <AppDialog
      isOpen
      onClose={onClose}
      role="alertdialog"
      size="small"
      title={inUse ? `${secret.key} is in use: deactivate it?` : `Deactivate ${secret.key}?`}
      testId="deactivate-dialog"
      footer={
        <>
          <Btn variant="secondary" onPress={onClose} testId="deactivate-cancel" autoFocus>
            Cancel
          </Btn>
          <Btn variant="danger" onPress={onConfirm} isDisabled={!ready} testId="deactivate-confirm">
            {inUse ? "Deactivate anyway" : "Deactivate"}
          </Btn>
        </>
      }
    >
      <div className="stack">
        <p>
          From now on nobody can reveal, copy or <code>get</code> <strong>{secret.key}</strong>: scripts that fetch it stop getting
          this value at once. You can activate it again later.
        </p>
        {usages.isError && (
          <Banner tone="warning" testId="deactivate-usages-error">
            Its usages could not be checked: {sentence(usages.error.message)}
          </Banner>
        )}
        {inUse && (
          <Banner tone="danger" testId="deactivate-in-use" title={`Used by ${plural(list.length, "place")}, which will stop working:`}>
            <ul className="usage-list deactivate-usages">
              {list.map((u) => (
                <li key={u.id} data-testid={`deactivate-usage-${u.id}`}>
                  <Link2 size={14} aria-hidden="true" />
                  <strong>{u.name}</strong>
                  <span className="chip">{u.kind}</span>
                  {u.field && <span className="muted">field {u.field}</span>}
                </li>
              ))}
            </ul>
          </Banner>
        )}
      </div>
    </AppDialog>
  );
}
