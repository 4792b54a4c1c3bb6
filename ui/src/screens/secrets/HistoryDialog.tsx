/** Earlier versions of a secret (metadata only) and restoring one. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { RotateCcw } from "lucide-react";

import { restoreVersion } from "../../api";
import type { SecretSummary } from "../../bindings/SecretSummary";
import type { VersionInfo } from "../../bindings/VersionInfo";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn } from "../../components/controls";
import { toast } from "../../components/toasts";
import type { VersionChange } from "../../bindings/VersionChange";
import { exactTime, pastTime } from "../../lib/time";
import { sentence } from "../../lib/text";
import { refreshSecret, useHistory } from "../../queries";

/** One change in words: "the value of password", "added field host". */
export function changeText(c: VersionChange): string {
  switch (c.kind) {
    case "key":
      return "the key";
    case "description":
      return "the description";
    case "tags":
      return "the tags";
    case "field_added":
      return `added field ${c.field}`;
    case "field_removed":
      return `removed field ${c.field}`;
    case "field_value":
      return `the value of ${c.field}`;
    case "field_plain":
      return c.plain ? `${c.field} shown as plain text` : `${c.field} hidden as a secret`;
    case "field_order":
      return "the order of the fields";
  }
}

/** What a version did, in a sentence. */
export function versionSummary(v: VersionInfo, all: readonly VersionInfo[]): string {
  if (v.changes.length > 0) return `Changed: ${v.changes.map(changeText).join("; ")}.`;
  if (v.version === 1) return "Created.";
  if (all.every((o) => o.version >= v.version)) return "The oldest version kept: earlier ones are no longer stored.";
  return "No change to its key, fields, description or tags (its scope, expiry or state, perhaps).";
}

export function HistoryDialog({ secret, onClose, onRestored }: { secret: SecretSummary; onClose: () => void; onRestored: () => void }) {
  const client = useQueryClient();
  const list = useHistory(secret.id);
  const versions = list.data ?? null;
  const restore = useMutation({
    mutationFn: (v: VersionInfo) => restoreVersion(secret.id, v.version),
    onSuccess: (_, v) => {
      toast(`Restored version ${v.version} of ${secret.key}`, { description: "It is saved as a new version." });
      void refreshSecret(client, secret.id);
      onRestored();
    },
  });
  const busy = restore.isPending ? restore.variables.version : null;
  const failed = restore.error ?? list.error;
  const error = failed ? sentence(failed.message) : null;

  const now = Date.now();
  return (
    <AppDialog isOpen onClose={onClose} title={`History of ${secret.key}`} size="medium" testId="history-dialog">
      {error && (
        <Banner tone="danger" live="assertive" testId="history-error">
          {error}
        </Banner>
      )}
      {versions === null && !error && <p className="muted">Loading…</p>}
      {versions !== null && (
        <ol className="version-list">
          {versions.map((v) => (
            <li key={v.version} className={`version${v.current ? " is-current" : ""}`} data-testid={`version-${v.version}`}>
              <div className="version-head">
                <strong>Version {v.version}</strong>
                {v.current && <span className="badge badge-success">Current</span>}
                <span className="muted" title={exactTime(v.updated_at)}>
                  {pastTime(v.updated_at, now)} by {v.updated_by}
                </span>
              </div>
              <p className="version-changes" data-testid={`changes-${v.version}`}>
                {versionSummary(v, versions)}
              </p>
              <div className="version-meta">
                {v.key !== secret.key && (
                  <span>
                    key <code>{v.key}</code>
                  </span>
                )}
                <span>
                  fields{" "}
                  {v.field_names.map((f) => (
                    <span key={f} className="chip">
                      {f}
                    </span>
                  ))}
                </span>
                {v.tags.length > 0 && (
                  <span>
                    tags{" "}
                    {v.tags.map((t) => (
                      <span key={t} className="chip chip-tag">
                        {t}
                      </span>
                    ))}
                  </span>
                )}
                {v.description && <span className="muted">{v.description}</span>}
              </div>
              {!v.current && secret.can.edit && (
                <Btn
                  variant="secondary"
                  icon={<RotateCcw size={14} />}
                  onPress={() => restore.mutate(v)}
                  isDisabled={busy !== null}
                  testId={`restore-${v.version}`}
                >
                  {busy === v.version ? "Restoring…" : "Restore"}
                </Btn>
              )}
            </li>
          ))}
        </ol>
      )}
    </AppDialog>
  );
}
