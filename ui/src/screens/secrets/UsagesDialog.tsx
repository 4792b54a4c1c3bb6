/** Where a secret is used: list, add, remove. A secret in use cannot be deleted. */
import { Plus, Trash2 } from "lucide-react";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { addUsage, listUsages, removeUsage, toApiError } from "../../api";
import type { SecretSummary } from "../../bindings/SecretSummary";
import type { Usage } from "../../bindings/Usage";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn, IconButton, SelectField, TextInput } from "../../components/controls";
import { exactTime } from "../../lib/time";
import { sentence } from "../../lib/text";

const KINDS = ["pipeline", "data sink", "form", "script", "service", "other"];
const ANY_FIELD = "__any__";

export function UsagesDialog({ secret, onClose }: { secret: SecretSummary; onClose: () => void }) {
  const [usages, setUsages] = useState<Usage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [kind, setKind] = useState("pipeline");
  const [field, setField] = useState(ANY_FIELD);
  const [nameError, setNameError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    listUsages(secret.id)
      .then(setUsages)
      .catch((e) => setError(sentence(toApiError(e).message)));
  }, [secret.id]);
  useEffect(load, [load]);

  async function add(e: FormEvent) {
    e.preventDefault();
    if (name.trim() === "") {
      setNameError("Name the place that uses this secret, e.g. “nightly-etl”.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await addUsage(secret.id, { name: name.trim(), kind, field: field === ANY_FIELD ? null : field });
      setName("");
      setNameError(null);
      load();
    } catch (err) {
      setError(sentence(toApiError(err).message));
    } finally {
      setBusy(false);
    }
  }

  async function remove(u: Usage) {
    setError(null);
    try {
      await removeUsage(u.id);
      load();
    } catch (err) {
      setError(sentence(toApiError(err).message));
    }
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
            <li key={u.id} data-testid={`usage-${u.id}`}>
              <strong>{u.name}</strong>
              <span className="chip">{u.kind}</span>
              {u.field && <span className="muted">field {u.field}</span>}
              <span className="muted grow" title={exactTime(u.created_at)}>
                added by {u.created_by}
              </span>
              <IconButton label={`Remove usage ${u.name}`} icon={<Trash2 size={15} />} tone="danger" onPress={() => remove(u)} testId={`remove-usage-${u.id}`} />
            </li>
          ))}
        </ul>
      )}
      <Form className="usage-form" onSubmit={add} validationBehavior="aria">
        <TextInput label="Used by" value={name} onChange={setName} error={nameError} testId="usage-name" placeholder="nightly-etl" />
        <SelectField label="Kind" value={kind} onChange={setKind} options={KINDS.map((k) => ({ id: k, label: k }))} testId="usage-kind" />
        <SelectField
          label="Field"
          value={field}
          onChange={setField}
          options={[{ id: ANY_FIELD, label: "Whole secret" }, ...secret.field_names.map((f) => ({ id: f, label: f }))]}
          testId="usage-field"
        />
        <Btn type="submit" variant="primary" icon={<Plus size={16} />} isDisabled={busy} testId="usage-add">
          Add
        </Btn>
      </Form>
    </AppDialog>
  );
}
