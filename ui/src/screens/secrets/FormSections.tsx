/**
 * Sections of the create/edit dialog, each memoized: typing in one input
 * re-renders that section only, not every React Aria widget in the dialog.
 * Callbacks passed in must be stable (the dialog builds them with
 * functional state updates).
 */
import { KeyRound, Minus, Plus, Type } from "lucide-react";
import { memo, useMemo } from "react";
import { Label, Radio, RadioGroup } from "react-aria-components";

import type { Scope } from "../../bindings/Scope";
import type { UserScope } from "../../bindings/UserScope";
import { Banner } from "../../components/Banner";
import {
  Btn,
  CheckboxField,
  IconButton,
  MultiSelectField,
  SecretTextArea,
  SwitchField,
  TextAreaInput,
  TextInput,
  type Option,
} from "../../components/controls";
import { inScope, type Reader } from "../../lib/readable";
import type { FieldRow, FormErrors } from "../../lib/secretForm";
import { useUsages } from "../../queries";

export const ALL_DEPARTMENTS = "__all__";

export const KeyInput = memo(function KeyInput(p: { value: string; error: string | undefined; autoFocus: boolean; onChange: (v: string) => void }) {
  return (
    <TextInput
      label="Key"
      value={p.value}
      onChange={p.onChange}
      error={p.error}
      testId="secret-key"
      placeholder="DB_PASSWORD"
      autoFocus={p.autoFocus}
      description="The name scripts fetch it by. The same key can exist once per scope."
    />
  );
});

const FieldRowEditor = memo(function FieldRowEditor(p: {
  row: FieldRow;
  index: number;
  keeps: boolean;
  nameError: string | undefined;
  valueError: string | undefined;
  canRemove: boolean;
  onField: (uid: string, patch: { name?: string; value?: string; plain?: boolean }) => void;
  onRemove: (uid: string) => void;
}) {
  const { row, index: i } = p;
  const unchanged = row.current !== null ? `${row.current} (unchanged)` : "unchanged";
  return (
    <div className="field-row" data-testid={`field-row-${i}`}>
      <TextInput
        label={`Field ${i + 1} name`}
        hideLabel
        value={row.name}
        onChange={(name) => p.onField(row.uid, { name })}
        error={p.nameError}
        testId={`field-name-${i}`}
        placeholder="name"
        className="field-row-name"
      />
      <SecretTextArea
        label={`Field ${i + 1} value`}
        revealLabel="value"
        hideLabel
        value={row.value}
        onChange={(value) => p.onField(row.uid, { value })}
        error={p.valueError}
        testId={`field-value-${i}`}
        placeholder={p.keeps ? unchanged : "value"}
        className="field-row-value"
        plain={row.plain}
      />
      <IconButton
        label={row.plain ? `Plain text: make ${row.name || `field ${i + 1}`} secret` : `Secret: make ${row.name || `field ${i + 1}`} plain text`}
        icon={row.plain ? <Type size={16} /> : <KeyRound size={16} />}
        tone={row.plain ? "active" : "default"}
        onPress={() => p.onField(row.uid, { plain: !row.plain })}
        testId={`field-plain-${i}`}
      />
      <IconButton
        label={`Remove field ${row.name || i + 1}`}
        icon={<Minus size={16} />}
        onPress={() => p.onRemove(row.uid)}
        testId={`remove-field-${i}`}
        isDisabled={!p.canRemove}
      />
    </div>
  );
});

export const FieldsEditor = memo(function FieldsEditor(p: {
  fields: FieldRow[];
  mode: "create" | "edit";
  errors: FormErrors["fields"];
  listError: string | undefined;
  onField: (uid: string, patch: { name?: string; value?: string; plain?: boolean }) => void;
  onRemove: (uid: string) => void;
  onAdd: () => void;
}) {
  return (
    <fieldset className="fields-editor">
      <legend className="field-label">Fields</legend>
      <p className="field-help">
        {p.mode === "edit" ? "Values stay unchanged unless you type a new one. " : ""}
        <KeyRound size={12} aria-hidden="true" /> secret, masked; <Type size={12} aria-hidden="true" /> plain text, shown with the secret to everyone who can
        see it, even when its values are write-only.
      </p>
      {p.fields.map((row, i) => (
        <FieldRowEditor
          key={row.uid}
          row={row}
          index={i}
          keeps={p.mode === "edit" && row.original !== null}
          nameError={p.errors[row.uid]?.name}
          valueError={p.errors[row.uid]?.value}
          canRemove={p.fields.length > 1}
          onField={p.onField}
          onRemove={p.onRemove}
        />
      ))}
      {p.listError && (
        <p className="field-error" role="alert" data-testid="fields-error">
          {p.listError}
        </p>
      )}
      <Btn variant="ghost" icon={<Plus size={16} />} onPress={p.onAdd} testId="add-field">
        Add field
      </Btn>
    </fieldset>
  );
});

/**
 * The departments a secret (or an import) can go to, with "All departments"
 * first. Codes already chosen stay choosable even if `choices` lacks them.
 */
export function departmentOptions(choices: readonly { code: string; name: string }[], chosen: readonly string[]): Option[] {
  const o: Option[] = [
    { id: ALL_DEPARTMENTS, label: "All departments", short: "All departments", testId: "dept-option-all" },
    ...choices.map((d) => ({
      id: d.code,
      label: d.name && d.name !== d.code ? `${d.code} — ${d.name}` : d.code,
      short: d.code,
      testId: `dept-option-${d.code}`,
    })),
  ];
  for (const c of chosen) if (!o.some((x) => x.id === c)) o.push({ id: c, label: c, short: c, testId: `dept-option-${c}` });
  return o;
}

/** "All departments" excludes the others, and picking a department clears "All". */
export function pickDepartments(ids: readonly string[], wasAll: boolean): { all: boolean; codes: string[] } {
  if (ids.includes(ALL_DEPARTMENTS) && !wasAll) return { all: true, codes: [] };
  return { all: false, codes: ids.filter((i) => i !== ALL_DEPARTMENTS) };
}

export const ScopeSection = memo(function ScopeSection(p: {
  allDepartments: boolean;
  departments: string[];
  choices: readonly { code: string; name: string }[];
  userScope: UserScope;
  error: string | undefined;
  onDepartments: (all: boolean, codes: string[]) => void;
  onUserScope: (s: UserScope) => void;
}) {
  // Codes already on the secret stay choosable even if this user's list lacks them.
  const options = useMemo(() => departmentOptions(p.choices, p.departments), [p.choices, p.departments]);

  function change(ids: string[]) {
    const next = pickDepartments(ids, p.allDepartments);
    p.onDepartments(next.all, next.codes);
  }

  return (
    <>
      <div className="form-grid">
        <MultiSelectField
          label="Departments"
          value={p.allDepartments ? [ALL_DEPARTMENTS] : p.departments}
          options={options}
          onChange={change}
          error={p.error}
          testId="secret-departments"
          placeholder="Choose departments"
        />
        <RadioGroup className="field radio-group" value={p.userScope} onChange={(v) => p.onUserScope(v as UserScope)} orientation="horizontal">
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
      {p.userScope === "creator" && (
        <p className="field-help">Only you will be able to read it: not admins, not the owner. If you lose your password, it is gone.</p>
      )}
    </>
  );
});

/**
 * Said before saving, not discovered after: a scope that leaves out the
 * person saving it (an admin choosing a department she is not in).
 */
export const ScopeWarning = memo(function ScopeWarning(p: {
  allDepartments: boolean;
  departments: string[];
  userScope: UserScope;
  reader: Reader;
  creator: string;
}) {
  if (!p.allDepartments && p.departments.length === 0) return null;
  const scope: Scope = {
    departments: p.allDepartments ? { kind: "all" } : { kind: "departments", codes: p.departments },
    users: p.userScope,
  };
  if (inScope(scope, p.reader, p.creator)) return null;
  const where = p.departments.length === 1 ? p.departments[0] : `any of ${p.departments.join(", ")}`;
  return (
    <Banner tone="warning" testId="scope-unreadable" title="You will not be able to read this secret">
      {p.userScope === "creator" && p.creator.toLowerCase() !== p.reader.username.toLowerCase()
        ? `It is private to ${p.creator}: only they can read its values.`
        : `You are not a member of ${where}: you will see it in the list, but not its values, and you cannot copy them.`}
    </Banner>
  );
});

export const DescriptionInput = memo(function DescriptionInput(p: { value: string; error: string | undefined; onChange: (v: string) => void }) {
  return (
    <TextAreaInput
      label="Description"
      value={p.value}
      onChange={p.onChange}
      error={p.error}
      testId="secret-description"
      placeholder="What it is for, who to ask"
    />
  );
});

export const ActiveSwitch = memo(function ActiveSwitch(p: { value: boolean; onChange: (v: boolean) => void }) {
  return <SwitchField label="Active" isSelected={p.value} onChange={p.onChange} testId="secret-active" />;
});

/** Switching Active off in the form: what saving will do, and what uses the secret, before Save. */
export function DeactivationNote({ id }: { id: number }) {
  const usages = useUsages(id).data ?? [];
  return (
    <Banner tone={usages.length > 0 ? "danger" : "warning"} testId="deactivation-note" title="Saving deactivates this secret">
      Nobody will be able to reveal, copy or <code>get</code> it until it is activated again.
      {usages.length > 0 && ` It is used by ${usages.map((u) => u.name).join(", ")}, which will stop getting it.`}
    </Banner>
  );
}

export const NeverReveal = memo(function NeverReveal(p: { value: boolean; wasWriteOnly: boolean; onChange: (v: boolean) => void }) {
  return (
    <div className="never-reveal">
      <CheckboxField
        label="Never show again after saving"
        isSelected={p.value}
        onChange={p.onChange}
        testId="never-reveal"
        isDisabled={p.wasWriteOnly}
      />
      <p className="field-help">
        {p.wasWriteOnly
          ? "This secret is write-only: it can be replaced or deleted, and scripts can still get it, but nobody can show or copy it here."
          : "Write-only: once saved, nobody can reveal or copy the values in the app again. Scripts can still get it, and it can be replaced or deleted."}
      </p>
    </div>
  );
});
