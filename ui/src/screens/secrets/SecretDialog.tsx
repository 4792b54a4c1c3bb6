/**
 * Create or edit a secret. Validation runs here first (lib/secretForm.ts)
 * so the common mistakes get a message beside the input; whatever the
 * backend still refuses is shown inline too.
 */
import { Minus, Plus } from "lucide-react";
import { useMemo, useState, type FormEvent } from "react";
import { Form, Radio, RadioGroup, Label } from "react-aria-components";

import { createSecret, setSecretActive, toApiError, updateSecret } from "../../api";
import type { SecretSummary } from "../../bindings/SecretSummary";
import type { UserScope } from "../../bindings/UserScope";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import {
  Btn,
  CheckboxField,
  IconButton,
  MultiSelectField,
  PasswordInput,
  SwitchField,
  TextAreaInput,
  TextInput,
  type Option,
} from "../../components/controls";
import { ExpiryPicker } from "../../components/ExpiryPicker";
import { TagInput } from "../../components/TagInput";
import { toast } from "../../components/toasts";
import {
  emptyForm,
  formFromSummary,
  hasErrors,
  isEmptyUpdate,
  newFieldRow,
  toNewSecret,
  toSecretUpdate,
  validateForm,
  type FormErrors,
  type SecretForm,
} from "../../lib/secretForm";
import { todayIso } from "../../lib/time";
import { sentence } from "../../lib/text";

export const ALL_DEPARTMENTS = "__all__";

export interface SecretDialogProps {
  mode: "create" | "edit";
  /** The secret being edited (edit mode). */
  secret?: SecretSummary;
  /** Departments the user may scope a secret to. */
  departments: readonly { code: string; name: string }[];
  primaryDepartment: string | null;
  isAdmin: boolean;
  onClose: () => void;
  onSaved: (id: number) => void;
}

export function SecretDialog({ mode, secret, departments, primaryDepartment, isAdmin, onClose, onSaved }: SecretDialogProps) {
  const initial = useMemo(
    () => (mode === "edit" && secret ? formFromSummary(secret) : emptyForm(primaryDepartment)),
    [mode, secret, primaryDepartment],
  );
  const [form, setForm] = useState<SecretForm>(initial);
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [backendError, setBackendError] = useState<string | null>(null);
  const [keyConflict, setKeyConflict] = useState<string | null>(null);

  function apply(next: SecretForm) {
    setForm(next);
    if (submitted) setErrors(validateForm(next, mode));
  }

  function update(patch: Partial<SecretForm>) {
    apply({ ...form, ...patch });
    if (patch.key !== undefined) setKeyConflict(null);
  }

  function updateField(uid: string, patch: { name?: string; value?: string }) {
    apply({ ...form, fields: form.fields.map((r) => (r.uid === uid ? { ...r, ...patch } : r)) });
  }

  const deptOptions: Option[] = [
    { id: ALL_DEPARTMENTS, label: "All departments", short: "All departments", testId: "dept-option-all" },
    ...departments.map((d) => ({
      id: d.code,
      label: d.name && d.name !== d.code ? `${d.code} — ${d.name}` : d.code,
      short: d.code,
      testId: `dept-option-${d.code}`,
    })),
  ];
  // Codes already on the secret stay choosable even if this user's list lacks them.
  for (const c of form.departments) {
    if (!deptOptions.some((o) => o.id === c)) deptOptions.push({ id: c, label: c, testId: `dept-option-${c}` });
  }
  const deptValue = form.allDepartments ? [ALL_DEPARTMENTS] : form.departments;

  function onDepartments(ids: string[]) {
    const hadAll = form.allDepartments;
    const picksAll = ids.includes(ALL_DEPARTMENTS);
    if (picksAll && !hadAll) update({ allDepartments: true, departments: [] });
    else update({ allDepartments: false, departments: ids.filter((i) => i !== ALL_DEPARTMENTS) });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    const v = validateForm(form, mode);
    setErrors(v);
    setBackendError(null);
    if (hasErrors(v)) return;
    setBusy(true);
    try {
      if (mode === "create") {
        const id = await createSecret(toNewSecret(form));
        toast(`Created ${form.key}`);
        onSaved(id);
      } else if (secret) {
        const u = toSecretUpdate(form, initial);
        if (!isEmptyUpdate(u)) await updateSecret(secret.id, u);
        if (isAdmin && secret.can.activate && form.active !== initial.active) {
          const warn = await setSecretActive(secret.id, form.active);
          if (warn.length > 0) toast("Deactivated a secret in use", { tone: "info", description: `Still used by: ${warn.join(", ")}` });
        }
        toast(`Saved ${form.key}`);
        onSaved(secret.id);
      }
    } catch (err) {
      const e2 = toApiError(err);
      if (e2.code === "conflict") setKeyConflict(sentence(e2.message));
      else setBackendError(sentence(e2.message));
    } finally {
      setBusy(false);
    }
  }

  const title = mode === "create" ? "New secret" : `Edit ${secret?.key ?? "secret"}`;
  const wasWriteOnly = mode === "edit" && secret?.reveal === "never";
  const fieldErrors = errors.fields;

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title={title}
      size="large"
      testId="secret-dialog"
      isDismissable={false}
      footer={
        <>
          <Btn variant="secondary" onPress={onClose} testId="secret-cancel">
            Cancel
          </Btn>
          <Btn variant="primary" type="submit" form="secret-form" isDisabled={busy} testId="secret-save">
            {busy ? "Saving…" : mode === "create" ? "Create secret" : "Save changes"}
          </Btn>
        </>
      }
    >
      <Form className="secret-form" onSubmit={submit} validationBehavior="aria" id="secret-form">
        <TextInput
          label="Key"
          value={form.key}
          onChange={(key) => update({ key })}
          error={errors.key ?? keyConflict}
          testId="secret-key"
          placeholder="DB_PASSWORD"
          autoFocus={mode === "create"}
          description="The name scripts fetch it by. The same key can exist once per scope."
        />

        <fieldset className="fields-editor">
          <legend className="field-label">Fields</legend>
          {mode === "edit" && (
            <p className="field-help">Values stay unchanged unless you type a new one.</p>
          )}
          {form.fields.map((row, i) => {
            const fe = fieldErrors[row.uid];
            const keeps = mode === "edit" && row.original !== null;
            return (
              <div className="field-row" key={row.uid} data-testid={`field-row-${i}`}>
                <TextInput
                  label={`Field ${i + 1} name`}
                  hideLabel
                  value={row.name}
                  onChange={(name) => updateField(row.uid, { name })}
                  error={fe?.name}
                  testId={`field-name-${i}`}
                  placeholder="name"
                  className="field-row-name"
                />
                <PasswordInput
                  label={`Field ${i + 1} value`}
                  revealLabel="value"
                  hideLabel
                  value={row.value}
                  onChange={(value) => updateField(row.uid, { value })}
                  error={fe?.value}
                  testId={`field-value-${i}`}
                  placeholder={keeps ? "unchanged" : "value"}
                  className="field-row-value"
                />
                <IconButton
                  label={`Remove field ${row.name || i + 1}`}
                  icon={<Minus size={16} />}
                  onPress={() => update({ fields: form.fields.filter((r) => r.uid !== row.uid) })}
                  testId={`remove-field-${i}`}
                  isDisabled={form.fields.length === 1}
                />
              </div>
            );
          })}
          {errors.fieldList && (
            <p className="field-error" role="alert" data-testid="fields-error">
              {errors.fieldList}
            </p>
          )}
          <Btn variant="ghost" icon={<Plus size={16} />} onPress={() => update({ fields: [...form.fields, newFieldRow()] })} testId="add-field">
            Add field
          </Btn>
        </fieldset>

        <div className="form-grid">
          <MultiSelectField
            label="Departments"
            value={deptValue}
            options={deptOptions}
            onChange={onDepartments}
            error={errors.departments}
            testId="secret-departments"
            placeholder="Choose departments"
          />
          <RadioGroup
            className="field radio-group"
            value={form.userScope}
            onChange={(v) => update({ userScope: v as UserScope })}
            orientation="horizontal"
          >
            <Label className="field-label">Users</Label>
            <div className="segmented">
              <Radio value="all" className="segment" data-testid="scope-all-users">
                All users
              </Radio>
              <Radio value="creator" className="segment" data-testid="scope-only-me">
                Only me
              </Radio>
            </div>
          </RadioGroup>
        </div>
        {form.userScope === "creator" && (
          <p className="field-help">
            Only you will be able to read it: not admins, not the owner. If you lose your password, it is gone.
          </p>
        )}

        <TextAreaInput
          label="Description"
          value={form.description}
          onChange={(description) => update({ description })}
          error={errors.description}
          testId="secret-description"
          placeholder="What it is for, who to ask"
        />

        <TagInput tags={form.tags} onChange={(tags) => update({ tags })} error={errors.tags} />

        <ExpiryPicker
          enabled={form.expiryEnabled}
          onEnabledChange={(expiryEnabled) => update({ expiryEnabled })}
          date={form.expiresOn}
          onDateChange={(expiresOn) => update({ expiresOn })}
          error={errors.expiry}
          today={todayIso(Date.now())}
        />

        {isAdmin && (mode === "create" || secret?.can.activate) && (
          <SwitchField label="Active" isSelected={form.active} onChange={(active) => update({ active })} testId="secret-active" />
        )}

        <div className="never-reveal">
          <CheckboxField
            label="Never show again after saving"
            isSelected={form.neverReveal}
            onChange={(neverReveal) => update({ neverReveal })}
            testId="never-reveal"
            isDisabled={wasWriteOnly}
          />
          <p className="field-help">
            {wasWriteOnly
              ? "This secret is write-only: it can be replaced or deleted, and scripts can still get it, but nobody can show or copy it here."
              : "Write-only: once saved, nobody can reveal or copy the values in the app again. Scripts can still get it, and it can be replaced or deleted."}
          </p>
        </div>

        {backendError && (
          <Banner tone="danger" testId="secret-form-error" live="assertive">
            {backendError}
          </Banner>
        )}
      </Form>
    </AppDialog>
  );
}
