/** Where a secret is used: list, add, remove. A secret in use cannot be deleted. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Plus, Trash2 } from "lucide-react";
import { useRef, useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { addUsage, removeUsage } from "../../api";
import type { NewUsage } from "../../bindings/NewUsage";
import type { SecretSummary } from "../../bindings/SecretSummary";
import type { Usage } from "../../bindings/Usage";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn, IconButton, SelectField, TextInput } from "../../components/controls";
import { toast } from "../../components/toasts";
import { exactTime } from "../../lib/time";
import { sentence } from "../../lib/text";
import { invalidate, keys, useUsages } from "../../queries";

const KINDS = ["pipeline", "data sink", "form", "script", "service", "other"];
const ANY_FIELD = "__any__";

export function UsagesDialog({ secret, onClose }: { secret: SecretSummary; onClose: () => void }) {
  const client = useQueryClient();
  const list = useUsages(secret.id);
  const usages = list.data ?? null;
  const [name, setName] = useState("");
  const [kind, setKind] = useState("pipeline");
  const [field, setField] = useState(ANY_FIELD);
  const [nameError, setNameError] = useState<string | null>(null);
  const changed = () => invalidate(client, keys.usages(secret.id));
  const add = useMutation({
    mutationFn: (usage: NewUsage) => addUsage(secret.id, usage),
    onSuccess: () => {
      setName("");
      setNameError(null);
      return changed();
    },
  });
  // Removing one lifts the protection against deletion: asked in place first.
  const [confirming, setConfirming] = useState<number | null>(null);
  // Focus never falls out of the dialog (Esc would stop closing it): back
  // to the remove button after Keep, to the name box after removing.
  const [kept, setKept] = useState<number | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const remove = useMutation({
    mutationFn: (u: Usage) => removeUsage(u.id),
    onSuccess: (_, u) => {
      setConfirming(null);
      setKept(null);
      toast(`Removed usage ${u.name}`);
      nameRef.current?.focus();
      return changed();
    },
  });
  const failed = add.error ?? remove.error ?? list.error;
  const error = failed ? sentence(failed.message) : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (name.trim() === "") {
      setNameError("Name the place that uses this secret, e.g. “nightly-etl”.");
      return;
    }
    remove.reset();
    add.mutate({ name: name.trim(), kind, field: field === ANY_FIELD ? null : field });
  }

  function removeOne(u: Usage) {
    add.reset();
    remove.mutate(u);
  }

  return (
    <AppDialog isOpen onClose={onClose} title={`Usages of ${secret.key}`} size="medium" testId="usages-dialog">
      <p className="muted">Record what depends on this secret. A secret in use cannot be deleted, and deactivating it warns.</p>
      {error && (
        <Banner tone="danger" live="assertive" testId="usages-error">
          {error}
        </Banner>
      )}
      {usages === null && !error && <p className="muted">Loading…</p>}
      {usages !== null && usages.length === 0 && <p className="empty-note">No usages recorded.</p>}
      {usages !== null && usages.length > 0 && (
        <ul className="usage-list">
          {usages.map((u) => (
            <li key={u.id} data-testid={`usage-${u.id}`} className={confirming === u.id ? "is-confirming" : undefined}>
              <strong>{u.name}</strong>
              <span className="chip">{u.kind}</span>
              {u.field && <span className="muted">field {u.field}</span>}
              <span className="muted grow" title={exactTime(u.created_at)}>
                added by {u.created_by}
              </span>
              {confirming === u.id ? (
                <span className="usage-confirm" role="group" aria-label={`Remove usage ${u.name}?`}>
                  <span className="usage-confirm-text">
                    {usages.length === 1 ? `Remove it? ${secret.key} could then be deleted.` : "Remove it?"}
                  </span>
                  <Btn
                    variant="secondary"
                    onPress={() => {
                      setConfirming(null);
                      setKept(u.id);
                    }}
                    testId={`cancel-remove-usage-${u.id}`}
                    autoFocus
                  >
                    Keep
                  </Btn>
                  {/* Not disabled while removing: a focused button that turns disabled drops focus out of the dialog. */}
                  <Btn variant="danger" onPress={() => !remove.isPending && removeOne(u)} testId={`confirm-remove-usage-${u.id}`}>
                    Remove
                  </Btn>
                </span>
              ) : !u.can_remove ? (
                <span className="muted" title={`Recorded by ${u.created_by}: only they or an admin can remove it`} data-testid={`no-remove-usage-${u.id}`}>
                  {u.created_by}'s
                </span>
              ) : (
                <IconButton
                  label={`Remove usage ${u.name}`}
                  icon={<Trash2 size={15} />}
                  tone="danger"
                  onPress={() => {
                    setKept(null);
                    setConfirming(u.id);
                  }}
                  testId={`remove-usage-${u.id}`}
                  autoFocus={kept === u.id}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      <Form className="usage-form" onSubmit={submit} validationBehavior="aria">
        <TextInput label="Used by" value={name} onChange={setName} error={nameError} testId="usage-name" placeholder="nightly-etl" inputRef={nameRef} />
        <SelectField label="Kind" value={kind} onChange={setKind} options={KINDS.map((k) => ({ id: k, label: k }))} testId="usage-kind" />
        <SelectField
          label="Field"
          value={field}
          onChange={setField}
          options={[{ id: ANY_FIELD, label: "Whole secret" }, ...secret.field_names.map((f) => ({ id: f, label: f }))]}
          testId="usage-field"
        />
        <Btn type="submit" variant="primary" icon={<Plus size={16} />} isDisabled={add.isPending} testId="usage-add">
          Add
        </Btn>
      </Form>
    </AppDialog>
  );
}
