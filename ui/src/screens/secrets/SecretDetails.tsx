/**
 * One secret in full: every field with its own copy button, values shown
 * whole (a certificate or a private key in a scrolling, pre-wrapped block,
 * never cut off), "Copy as .env" for a multi-field secret, and its
 * metadata. Values come from the same reveal as the row's (useRevealed:
 * in memory, 30 seconds at most); copying goes through the Rust side.
 */
import { Copy, Eye, EyeOff, FileCode2, History, Link2, Pencil } from "lucide-react";

import type { RevealedFieldView } from "../../bindings/RevealedFieldView";
import type { SecretSummary } from "../../bindings/SecretSummary";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn, IconButton } from "../../components/controls";
import { REVEAL_MS } from "../../hooks/useRevealed";
import { expiryBadge } from "../../lib/expiry";
import { unreadable, type Reader } from "../../lib/readable";
import { departmentsLabel, userScopeLabel } from "../../lib/scope";
import { exactTime, pastTime } from "../../lib/time";
import { MASK, type RowActions } from "./cells";

export interface SecretDetailsProps {
  secret: SecretSummary;
  /** Values, while revealed. */
  fields: RevealedFieldView[] | undefined;
  reader: Reader;
  now: number;
  actions: RowActions;
  onClose: () => void;
}

export function SecretDetails({ secret: s, fields, reader, now, actions, onClose }: SecretDetailsProps) {
  const names = fields ? fields.map((f) => f.name) : s.field_names;
  const why = unreadable(s, reader, now);
  const badge = expiryBadge(s.expires_at, now);
  const shown = fields !== undefined;
  return (
    <AppDialog isOpen onClose={onClose} title={s.key} size="large" testId="secret-details">
      {s.description && <p className="details-description">{s.description}</p>}

      <section className="details-fields" aria-label="Fields">
        <div className="details-fields-head">
          <h3>{names.length === 1 ? "Value" : `Fields (${names.length})`}</h3>
          {s.can.reveal && (
            <Btn
              variant="secondary"
              icon={shown ? <EyeOff size={16} /> : <Eye size={16} />}
              onPress={() => actions.toggleReveal(s)}
              testId="details-reveal"
            >
              {shown ? "Hide values" : "Show values"}
            </Btn>
          )}
          {s.can.copy && names.length > 1 && (
            <Btn variant="secondary" icon={<FileCode2 size={16} />} onPress={() => actions.copyEnv(s)} testId="details-copy-env">
              Copy as .env
            </Btn>
          )}
        </div>
        {why && (
          <Banner tone="info" testId="details-unreadable" title={`Values cannot be shown: ${why.label}`}>
            {why.detail}
          </Banner>
        )}
        {shown && <p className="field-help">Shown for {REVEAL_MS / 1000} seconds, then hidden again.</p>}
        <ul className="details-field-list">
          {names.map((name) => {
            const plain = s.plain_fields.find((p) => p.name === name)?.value;
            const value = fields?.find((f) => f.name === name)?.value ?? plain;
            return (
              <li key={name} data-testid={`details-field-${name}`}>
                <div className="details-field-head">
                  <span className="details-field-name">{name}</span>
                  {plain !== undefined && (
                    <span className="chip" title="Not secret: shown to everyone who can see this secret" data-testid={`details-plain-${name}`}>
                      plain text
                    </span>
                  )}
                  {s.can.copy && (
                    <IconButton
                      label={`Copy ${name}`}
                      icon={<Copy size={15} />}
                      onPress={() => actions.copy(s, name)}
                      testId={`details-copy-${name}`}
                    />
                  )}
                </div>
                {value !== undefined ? (
                  // Focusable, so a long value can be scrolled from the keyboard.
                  <pre className="details-value" tabIndex={0} data-testid={`details-value-${name}`}>
                    {value}
                  </pre>
                ) : (
                  <span className="details-mask" aria-label="hidden value">
                    {MASK}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      </section>

      <dl className="details-meta" data-testid="details-meta">
        <dt>Departments</dt>
        <dd>{departmentsLabel(s.scope)}</dd>
        <dt>Users</dt>
        <dd>{userScopeLabel(s.scope)}</dd>
        <dt>Tags</dt>
        <dd>
          {s.tags.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            <span className="chips">
              {s.tags.map((t) => (
                <span key={t} className="chip chip-tag">
                  {t}
                </span>
              ))}
            </span>
          )}
        </dd>
        <dt>Expires</dt>
        <dd>
          {s.expires_at === null ? <span className="muted">never</span> : exactTime(s.expires_at)}
          {badge && <span className={`badge ${badge.tone === "expired" ? "badge-danger" : "badge-warning"}`}>{badge.label}</span>}
        </dd>
        <dt>State</dt>
        <dd>{s.active ? "Active" : "Inactive"}</dd>
        <dt>Updated</dt>
        <dd title={exactTime(s.updated_at)}>
          {pastTime(s.updated_at, now)} by {s.updated_by} (version {s.version})
        </dd>
        <dt>Created</dt>
        <dd title={exactTime(s.created_at)}>
          {pastTime(s.created_at, now)} by {s.created_by}
        </dd>
      </dl>

      <div className="details-actions">
        <Btn variant="ghost" icon={<History size={16} />} onPress={() => actions.history(s)} testId="details-history">
          History
        </Btn>
        <Btn variant="ghost" icon={<Link2 size={16} />} onPress={() => actions.usages(s)} testId="details-usages">
          Usages
        </Btn>
        {s.can.edit && (
          <Btn variant="secondary" icon={<Pencil size={16} />} onPress={() => actions.edit(s)} testId="details-edit">
            Edit
          </Btn>
        )}
      </div>
    </AppDialog>
  );
}
