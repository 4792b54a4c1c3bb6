/**
 * The create/edit secret form as plain data: its state, validation, and the
 * payloads sent to the backend.
 *
 * The UI never holds a stored value unless the user revealed it, so in edit
 * mode every existing field starts "unchanged": an empty value box means
 * `{kind: "keep", from: <old name>}`, which also lets a field be renamed
 * without knowing its value. Only what changed goes into a `SecretUpdate`.
 */
import type { FieldInput } from "../bindings/FieldInput";
import type { NewSecret } from "../bindings/NewSecret";
import type { Scope } from "../bindings/Scope";
import type { SecretSummary } from "../bindings/SecretSummary";
import type { SecretUpdate } from "../bindings/SecretUpdate";
import type { UserScope } from "../bindings/UserScope";
import { LIMITS } from "../bindings/limit-values";
import { endOfLocalDay, lastValidDay } from "./time";

// The core's limits, checked here first for a message beside the input.
const MAX_KEY_CHARS = LIMITS.key_chars;
const MAX_FIELD_NAME_CHARS = LIMITS.field_name_chars;
const MAX_FIELDS = LIMITS.fields;
const MAX_VALUE_BYTES = LIMITS.value_bytes;
const MAX_DESCRIPTION_CHARS = LIMITS.description_chars;
const MAX_TAG_CHARS = LIMITS.tag_chars;
const MAX_TAGS = LIMITS.tags;

export interface FieldRow {
  /** Stable identity for React keys and test ids; never sent. */
  uid: string;
  name: string;
  /** What the user typed; empty on an existing field means "unchanged". */
  value: string;
  /** The stored field's name for rows that existed before editing. */
  original: string | null;
  /** Plain text (not secret): shown unmasked, here and to whoever sees the secret. */
  plain: boolean;
  /** The stored value of a plain field being edited (shown as the placeholder). */
  current: string | null;
}

export interface SecretForm {
  key: string;
  fields: FieldRow[];
  allDepartments: boolean;
  departments: string[];
  userScope: UserScope;
  description: string;
  tags: string[];
  expiryEnabled: boolean;
  /** Valid through this local date, as YYYY-MM-DD. */
  expiresOn: string | null;
  active: boolean;
  neverReveal: boolean;
}

export interface FormErrors {
  key?: string;
  /** Problems with the field list as a whole (none, too many). */
  fieldList?: string;
  /** Per row, by uid. */
  fields: Record<string, { name?: string; value?: string }>;
  departments?: string;
  description?: string;
  tags?: string;
  expiry?: string;
}

let nextUid = 0;
export function newFieldRow(name = "", original: string | null = null, plain = false, current: string | null = null): FieldRow {
  nextUid += 1;
  return { uid: `f${nextUid}`, name, value: "", original, plain, current };
}

export function emptyForm(primaryDepartment: string | null): SecretForm {
  return {
    key: "",
    fields: [newFieldRow("value")],
    allDepartments: primaryDepartment === null,
    departments: primaryDepartment === null ? [] : [primaryDepartment],
    userScope: "all",
    description: "",
    tags: [],
    expiryEnabled: false,
    expiresOn: null,
    active: true,
    neverReveal: false,
  };
}

/** The form for editing an existing secret: every field "unchanged". */
export function formFromSummary(s: SecretSummary): SecretForm {
  const d = s.scope.departments;
  return {
    key: s.key,
    fields: s.field_names.map((n) => {
      const plain = s.plain_fields.find((p) => p.name === n);
      return newFieldRow(n, n, plain !== undefined, plain?.value ?? null);
    }),
    allDepartments: d.kind === "all",
    departments: d.kind === "all" ? [] : [...d.codes],
    userScope: s.scope.users,
    description: s.description,
    tags: [...s.tags],
    expiryEnabled: s.expires_at !== null,
    expiresOn: s.expires_at === null ? null : lastValidDay(s.expires_at),
    active: s.active,
    neverReveal: s.reveal === "never",
  };
}

/** Whether closing would lose something the user typed or chose. */
export function formChanged(form: SecretForm, initial: SecretForm): boolean {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return (
    form.key !== initial.key ||
    form.fields.length !== initial.fields.length ||
    form.fields.some((r, i) => {
      const o = initial.fields[i];
      return o === undefined || r.name !== o.name || r.value !== o.value || r.original !== o.original || r.plain !== o.plain;
    }) ||
    form.allDepartments !== initial.allDepartments ||
    !same(form.departments, initial.departments) ||
    form.userScope !== initial.userScope ||
    form.description !== initial.description ||
    !same(form.tags, initial.tags) ||
    form.expiryEnabled !== initial.expiryEnabled ||
    (form.expiryEnabled && form.expiresOn !== initial.expiresOn) ||
    form.active !== initial.active ||
    form.neverReveal !== initial.neverReveal
  );
}

export function hasErrors(e: FormErrors): boolean {
  return (
    e.key !== undefined ||
    e.fieldList !== undefined ||
    Object.keys(e.fields).length > 0 ||
    e.departments !== undefined ||
    e.description !== undefined ||
    e.tags !== undefined ||
    e.expiry !== undefined
  );
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Description may hold newlines and tabs.
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_WHITESPACE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function chars(s: string): number {
  return [...s].length;
}

function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Why a tag cannot be added, or null when it can. */
export function tagProblem(tag: string, existing: readonly string[]): string | null {
  const t = tag.trim();
  if (t === "") return "Type a tag first.";
  if (chars(t) > MAX_TAG_CHARS) return `A tag can be at most ${MAX_TAG_CHARS} characters.`;
  if (t.includes(",") || CONTROL.test(t)) return "A tag cannot contain a comma.";
  if (existing.some((x) => x.toLowerCase() === t.toLowerCase())) return "That tag is already there.";
  if (existing.length >= MAX_TAGS) return `A secret can have at most ${MAX_TAGS} tags.`;
  return null;
}

/**
 * Adds what was typed in the tag box: several tags at once when separated
 * by commas (as the CLI's `--tag a,b` takes them). A tag already there is
 * dropped with a message, so its text does not linger and merge with the
 * next one; a tag that cannot be added (too long, too many) stays in
 * `rest`, the box's new text, to be fixed.
 */
export function addTags(draft: string, existing: readonly string[]): { tags: string[]; rest: string; problem: string | null } {
  const tags = [...existing];
  const rest: string[] = [];
  const dups: string[] = [];
  let problem: string | null = null;
  for (const part of draft.split(",").map((p) => p.trim())) {
    if (part === "") continue;
    const p = tagProblem(part, tags);
    if (p === null) tags.push(part);
    else if (tags.some((t) => t.toLowerCase() === part.toLowerCase())) dups.push(part);
    else {
      rest.push(part);
      problem ??= p;
    }
  }
  if (problem === null && dups.length > 0) {
    const names = dups.map((d) => `“${d}”`);
    problem = names.length === 1 ? `${names[0]} is already there.` : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} are already there.`;
  }
  return { tags, rest: rest.join(", "), problem };
}

/** Checks the form as the core would, with messages that say what to do. */
export function validateForm(form: SecretForm, mode: "create" | "edit"): FormErrors {
  const errors: FormErrors = { fields: {} };

  const key = form.key;
  if (key.trim() === "") errors.key = "Enter a key, such as DB_PASSWORD.";
  else if (key !== key.trim()) errors.key = "The key starts or ends with a space: remove it.";
  else if (chars(key) > MAX_KEY_CHARS) errors.key = `The key can be at most ${MAX_KEY_CHARS} characters.`;
  else if (CONTROL.test(key)) errors.key = "The key cannot contain tabs or line breaks.";

  if (form.fields.length === 0) errors.fieldList = "Add at least one field (a single value is usually named “value”).";
  else if (form.fields.length > MAX_FIELDS) errors.fieldList = `A secret can have at most ${MAX_FIELDS} fields.`;

  const seen = new Map<string, string>();
  for (const row of form.fields) {
    const e: { name?: string; value?: string } = {};
    if (row.name.trim() === "") e.name = "Name this field.";
    else if (row.name !== row.name.trim()) e.name = "Remove the space at the start or end.";
    else if (chars(row.name) > MAX_FIELD_NAME_CHARS) e.name = `At most ${MAX_FIELD_NAME_CHARS} characters.`;
    else if (CONTROL.test(row.name)) e.name = "No tabs or line breaks in a field name.";
    else if (seen.has(row.name)) e.name = "Another field has this name: field names must be unique.";
    else seen.set(row.name, row.uid);

    const keeps = mode === "edit" && row.original !== null && row.value === "";
    if (!keeps) {
      if (row.value === "") e.value = "Enter a value, or remove this field.";
      else if (utf8Bytes(row.value) > MAX_VALUE_BYTES) e.value = `A value can be at most ${MAX_VALUE_BYTES / 1024} KiB.`;
    }
    if (e.name !== undefined || e.value !== undefined) errors.fields[row.uid] = e;
  }

  if (!form.allDepartments && form.departments.length === 0) {
    errors.departments = "Choose at least one department, or “All departments”.";
  }
  if (chars(form.description) > MAX_DESCRIPTION_CHARS) {
    errors.description = `The description can be at most ${MAX_DESCRIPTION_CHARS} characters.`;
  } else if (CONTROL_BUT_WHITESPACE.test(form.description)) {
    errors.description = "The description contains a control character.";
  }
  if (form.tags.length > MAX_TAGS) errors.tags = `A secret can have at most ${MAX_TAGS} tags.`;
  if (form.expiryEnabled && form.expiresOn === null) errors.expiry = "Pick a date, or turn expiry off.";
  return errors;
}

export function scopeOf(form: SecretForm): Scope {
  return {
    departments: form.allDepartments ? { kind: "all" } : { kind: "departments", codes: [...form.departments] },
    users: form.userScope,
  };
}

function expiresAtOf(form: SecretForm): number | null {
  return form.expiryEnabled && form.expiresOn !== null ? endOfLocalDay(form.expiresOn) : null;
}

function fieldInputs(form: SecretForm, mode: "create" | "edit"): FieldInput[] {
  return form.fields.map((row) =>
    mode === "edit" && row.original !== null && row.value === ""
      ? { name: row.name, value: { kind: "keep", from: row.original }, plain: row.plain }
      : { name: row.name, value: { kind: "set", value: row.value }, plain: row.plain },
  );
}

export function toNewSecret(form: SecretForm): NewSecret {
  const scope = scopeOf(form);
  return {
    key: form.key,
    fields: fieldInputs(form, "create"),
    departments: scope.departments,
    users: scope.users,
    description: form.description,
    tags: [...form.tags],
    expires_at: expiresAtOf(form),
    active: form.active,
    reveal: form.neverReveal ? "never" : "allowed",
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const lower = new Set(a.map((x) => x.toLowerCase()));
  return b.every((x) => lower.has(x.toLowerCase()));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Only the parts that differ from `initial` (the form as it was opened);
 * `null` everywhere means nothing to save. A change of active state goes in
 * the same update, so the core applies everything in one transaction.
 * `version` is the version `initial` was loaded from: the core refuses the
 * update if someone saved since, rather than let it replace their change.
 */
export function toSecretUpdate(form: SecretForm, initial: SecretForm, version: number | null = null): SecretUpdate {
  const fieldsUnchanged =
    form.fields.length === initial.fields.length &&
    form.fields.every(
      (row, i) =>
        row.value === "" &&
        row.original !== null &&
        row.original === row.name &&
        initial.fields[i]?.original === row.original &&
        initial.fields[i]?.plain === row.plain,
    );
  const departmentsUnchanged =
    form.allDepartments === initial.allDepartments && (form.allDepartments || sameSet(form.departments, initial.departments));
  const expiryUnchanged =
    form.expiryEnabled === initial.expiryEnabled && (!form.expiryEnabled || form.expiresOn === initial.expiresOn);
  const at = expiresAtOf(form);
  const scope = scopeOf(form);
  return {
    key: form.key === initial.key ? null : form.key,
    fields: fieldsUnchanged ? null : { kind: "replace", fields: fieldInputs(form, "edit") },
    departments: departmentsUnchanged ? null : scope.departments,
    users: form.userScope === initial.userScope ? null : scope.users,
    description: form.description === initial.description ? null : form.description,
    tags: sameList(form.tags, initial.tags) ? null : [...form.tags],
    expires: expiryUnchanged ? null : at === null ? { kind: "never" } : { kind: "at", at },
    reveal: form.neverReveal === initial.neverReveal ? null : form.neverReveal ? "never" : "allowed",
    active: form.active === initial.active ? null : form.active,
    expected_version: version,
  };
}

/** Whether an update changes nothing (the version it names is not a change). */
export function isEmptyUpdate(u: SecretUpdate): boolean {
  return Object.entries(u).every(([k, v]) => k === "expected_version" || v === null);
}
