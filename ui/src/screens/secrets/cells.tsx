/**
 * The cells of one secrets-table row. Each shows exactly the controls the
 * row's `can` permissions allow; values appear only in a revealed row.
 */
import {
  Copy,
  Eye,
  EyeOff,
  History,
  Link2,
  Lock,
  Pencil,
  ShieldAlert,
  ShieldOff,
  Trash2,
  Users,
} from "lucide-react";
import { Switch } from "react-aria-components";

import type { RevealedFieldView } from "../../bindings/RevealedFieldView";
import type { SecretSummary } from "../../bindings/SecretSummary";
import { RowButton } from "../../components/controls";
import { expiryBadge } from "../../lib/expiry";
import type { Unreadable } from "../../lib/readable";
import { exactTime, formatDate, pastTime } from "../../lib/time";

export interface RowActions {
  /** Opens the secret in full (every field, whole values). */
  details(s: SecretSummary): void;
  toggleReveal(s: SecretSummary): void;
  copy(s: SecretSummary, field: string): void;
  /** Copies every field as `.env` lines. */
  copyEnv(s: SecretSummary): void;
  edit(s: SecretSummary): void;
  remove(s: SecretSummary): void;
  setActive(s: SecretSummary, active: boolean): void;
  history(s: SecretSummary): void;
  usages(s: SecretSummary): void;
  filterByTag(tag: string): void;
}

export const MASK = "••••••";
/** Collapsed rows show this many field chips; the column fits one. */
const MAX_COLLAPSED_FIELDS = 1;
/** Tags shown as chips; the rest collapse to "+N", listed in its tooltip. */
const MAX_TAGS = 1;

export function KeyCell({ s, actions }: { s: SecretSummary; actions: RowActions }) {
  return (
    <div role="cell" className="td col-key">
      <button
        type="button"
        className="secret-key-button"
        title={`${s.key}: show details`}
        aria-label={`Details of ${s.key}`}
        onClick={() => actions.details(s)}
        data-testid={`details-${s.id}`}
      >
        <span className="secret-key" data-testid={`key-${s.id}`}>
          {s.key}
        </span>
      </button>
      {s.description && (
        <span className="secret-desc" title={s.description}>
          {s.description}
        </span>
      )}
    </div>
  );
}

export function DamagedCell({ s }: { s: SecretSummary }) {
  return (
    <div role="cell" className="td col-damaged" data-testid={`damaged-${s.id}`}>
      <ShieldAlert size={18} aria-hidden="true" className="damaged-icon" />
      <div>
        <strong>Integrity check failed (secret #{s.id})</strong>
        <span className="secret-desc" title="This row was damaged or tampered with: its key and fields cannot be read. The rest of the vault is fine.">
          This row was damaged or tampered with: its key and fields cannot be read. The rest of the vault is fine.
        </span>
      </div>
    </div>
  );
}

function FieldChip({
  s,
  name,
  value,
  masked,
  onCopy,
}: {
  s: SecretSummary;
  name: string;
  value: string | null;
  /** Show the mask (off when the values cannot be had at all: the reason is shown instead). */
  masked: boolean;
  onCopy: (field: string) => void;
}) {
  // A plain-text field is shown with the row, revealed or not.
  const plain = value === null ? (s.plain_fields.find((p) => p.name === name)?.value ?? null) : null;
  const text = value ?? plain;
  return (
    <span
      className={`field-chip${value !== null ? " is-revealed" : ""}${plain !== null ? " is-plain" : ""}`}
      data-testid={`field-${s.id}-${name}`}
    >
      <span className="field-chip-name" title={name}>
        {name}
      </span>
      {text !== null ? (
        <span className="field-chip-value" data-testid={`value-${s.id}-${name}`} title={plain !== null ? `${name}: ${plain}` : undefined}>
          {text}
        </span>
      ) : masked ? (
        <span className="field-chip-mask" aria-label="hidden value">
          {MASK}
        </span>
      ) : null}
      {s.can.copy && (
        <RowButton
          label={`Copy ${name} of ${s.key}`}
          icon={<Copy size={14} />}
          onPress={() => onCopy(name)}
          testId={`copy-${s.id}-${name}`}
        />
      )}
    </span>
  );
}

export function FieldsCell({
  s,
  fields,
  why,
  actions,
}: {
  s: SecretSummary;
  fields: RevealedFieldView[] | undefined;
  /** Why values cannot be shown or copied (null when they can). */
  why: Unreadable | null;
  actions: RowActions;
}) {
  const names = fields ? fields.map((f) => f.name) : s.field_names;
  // Collapsed rows stay one line tall: a few chips, then "+N more".
  const shown = fields ? names : names.slice(0, MAX_COLLAPSED_FIELDS);
  const hidden = names.length - shown.length;
  return (
    <div role="cell" className="td col-fields">
      {s.can.reveal ? (
        <RowButton
          label={fields ? `Hide values of ${s.key}` : `Reveal values of ${s.key}`}
          icon={fields ? <EyeOff size={16} /> : <Eye size={16} />}
          onPress={() => actions.toggleReveal(s)}
          testId={`reveal-${s.id}`}
          tone={fields ? "active" : "default"}
        />
      ) : (
        <span className="reveal-placeholder" aria-hidden="true">
          <EyeOff size={16} />
        </span>
      )}
      <div className="field-stack">
        <div className="field-chips">
          {shown.map((name) => (
            <FieldChip
              key={name}
              s={s}
              name={name}
              value={fields?.find((f) => f.name === name)?.value ?? null}
              masked={why === null}
              onCopy={(f) => actions.copy(s, f)}
            />
          ))}
          {hidden > 0 && (
            <span className="more" title={names.slice(shown.length).join(", ")} aria-label={`and ${hidden} more: ${names.slice(shown.length).join(", ")}`}>
              +{hidden}
            </span>
          )}
        </div>
        {why && (
          <span className="unreadable" title={why.detail} data-testid={`unreadable-${s.id}`} data-reason={why.kind}>
            <Lock size={11} aria-hidden="true" /> {why.label}
          </span>
        )}
      </div>
    </div>
  );
}

export function DepartmentsCell({ s }: { s: SecretSummary }) {
  const d = s.scope.departments;
  return (
    <div role="cell" className="td col-departments">
      {d.kind === "all" ? (
        <span className="muted">All</span>
      ) : (
        <span className="chips">
          {d.codes.map((c) => (
            <span key={c} className="chip chip-dept">
              {c}
            </span>
          ))}
        </span>
      )}
    </div>
  );
}

export function UsersCell({ s }: { s: SecretSummary }) {
  return (
    <div role="cell" className="td col-users">
      {s.scope.users === "all" ? (
        <span className="scope-users">
          <Users size={14} aria-hidden="true" /> All
        </span>
      ) : (
        <span className="scope-users scope-private">
          <Lock size={14} aria-hidden="true" /> Only me
        </span>
      )}
    </div>
  );
}

export function TagsCell({ s, actions }: { s: SecretSummary; actions: RowActions }) {
  return (
    <div role="cell" className="td col-tags">
      <span className="chips">
        {s.tags.slice(0, MAX_TAGS).map((t) => (
          <button type="button" key={t} className="chip chip-tag chip-button" title={`${t}: show only this tag`} onClick={() => actions.filterByTag(t)}>
            {t}
          </button>
        ))}
        {s.tags.length > MAX_TAGS && (
          <span
            className="more"
            title={s.tags.join(", ")}
            aria-label={`and ${s.tags.length - MAX_TAGS} more: ${s.tags.slice(MAX_TAGS).join(", ")}`}
            data-testid={`more-tags-${s.id}`}
          >
            +{s.tags.length - MAX_TAGS}
          </span>
        )}
      </span>
    </div>
  );
}

export function ExpiryCell({ s, now }: { s: SecretSummary; now: number }) {
  const badge = expiryBadge(s.expires_at, now);
  return (
    <div role="cell" className="td col-expiry">
      {badge ? (
        <span
          className={`badge ${badge.tone === "expired" ? "badge-danger" : "badge-warning"}`}
          title={s.expires_at !== null ? `${badge.label}: ${exactTime(s.expires_at)}` : undefined}
          data-testid={`expiry-${s.id}`}
          aria-label={badge.label}
        >
          {badge.short}
        </span>
      ) : s.expires_at !== null ? (
        <span className="muted" title={exactTime(s.expires_at)}>
          {formatDate(s.expires_at - 1)}
        </span>
      ) : (
        <span className="muted" aria-label="never expires">
          —
        </span>
      )}
    </div>
  );
}

export function ActiveCell({ s, actions }: { s: SecretSummary; actions: RowActions }) {
  return (
    <div role="cell" className="td col-active">
      {s.can.activate && !s.damaged ? (
        <Switch
          className="switch switch-compact"
          isSelected={s.active}
          onChange={(v) => actions.setActive(s, v)}
          aria-label={`Active: ${s.key}`}
          data-testid={`toggle-active-${s.id}`}
        >
          <span className="switch-track" aria-hidden="true">
            <span className="switch-thumb" />
          </span>
        </Switch>
      ) : s.damaged ? null : s.active ? (
        <span className="badge badge-success">Active</span>
      ) : (
        <span className="badge badge-neutral">
          <ShieldOff size={12} aria-hidden="true" /> Inactive
        </span>
      )}
    </div>
  );
}

export function UpdatedCell({ s, now }: { s: SecretSummary; now: number }) {
  return (
    <div role="cell" className="td col-updated">
      {!s.damaged && (
        <span title={`${exactTime(s.updated_at)} by ${s.updated_by}`} data-testid={`updated-${s.id}`}>
          {pastTime(s.updated_at, now)}
        </span>
      )}
    </div>
  );
}

export function ActionsCell({ s, actions }: { s: SecretSummary; actions: RowActions }) {
  return (
    <div role="cell" className="td col-actions">
      {!s.damaged && s.can.edit && (
        <RowButton label={`Edit ${s.key}`} icon={<Pencil size={16} />} onPress={() => actions.edit(s)} testId={`edit-${s.id}`} />
      )}
      {!s.damaged && (
        <RowButton label={`History of ${s.key}`} icon={<History size={16} />} onPress={() => actions.history(s)} testId={`history-${s.id}`} />
      )}
      {!s.damaged && (
        <RowButton label={`Usages of ${s.key}`} icon={<Link2 size={16} />} onPress={() => actions.usages(s)} testId={`usages-${s.id}`} />
      )}
      {s.can.delete && (
        <RowButton
          label={`Delete ${s.damaged ? `damaged secret #${s.id}` : s.key}`}
          icon={<Trash2 size={16} />}
          onPress={() => actions.remove(s)}
          testId={`delete-${s.id}`}
          tone="danger"
        />
      )}
    </div>
  );
}
