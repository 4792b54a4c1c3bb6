/**
 * Carrying an edit over to a newer version of the secret.
 *
 * When a save is refused because someone else saved the secret since the
 * form was opened, the user reloads it. Their input must survive that, and
 * so must the other person's change: each part of the form the user
 * changed keeps the user's input; each part they left alone takes the
 * newer version's. A part both changed keeps the user's input and is
 * named, so the user knows that saving replaces the other change there.
 */
import type { FieldRow, SecretForm } from "./secretForm";

/** The parts of the form, as the user reads them, for naming overlaps. */
export type FormPart = "key" | "fields" | "departments" | "user scope" | "description" | "tags" | "expiry" | "active" | "write-only";

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const lower = new Set(a.map((x) => x.toLowerCase()));
  return a.length === b.length && b.every((x) => lower.has(x.toLowerCase()));
}

/** Each part other than the fields: how to compare it and how to copy it. */
const PARTS: Array<[FormPart, (a: SecretForm, b: SecretForm) => boolean, (from: SecretForm) => Partial<SecretForm>]> = [
  ["key", (a, b) => a.key === b.key, (f) => ({ key: f.key })],
  [
    "departments",
    (a, b) => a.allDepartments === b.allDepartments && (a.allDepartments || sameSet(a.departments, b.departments)),
    (f) => ({ allDepartments: f.allDepartments, departments: [...f.departments] }),
  ],
  ["user scope", (a, b) => a.userScope === b.userScope, (f) => ({ userScope: f.userScope })],
  ["description", (a, b) => a.description === b.description, (f) => ({ description: f.description })],
  ["tags", (a, b) => sameList(a.tags, b.tags), (f) => ({ tags: [...f.tags] })],
  [
    "expiry",
    (a, b) => a.expiryEnabled === b.expiryEnabled && (!a.expiryEnabled || a.expiresOn === b.expiresOn),
    (f) => ({ expiryEnabled: f.expiryEnabled, expiresOn: f.expiresOn }),
  ],
  ["active", (a, b) => a.active === b.active, (f) => ({ active: f.active })],
  ["write-only", (a, b) => a.neverReveal === b.neverReveal, (f) => ({ neverReveal: f.neverReveal })],
];

/** A row the user left as loaded: same name, same marking, no new value. */
function untouched(row: FieldRow, loaded: FieldRow): boolean {
  return row.name === loaded.name && row.value === "" && row.plain === loaded.plain;
}

/** The field list as the vault shows it: names, order and plain-text marks (values are never in the form). */
function sameFields(a: readonly FieldRow[], b: readonly FieldRow[]): boolean {
  return a.length === b.length && a.every((r, i) => r.name === b[i]?.name && r.plain === b[i]?.plain && r.current === b[i]?.current);
}

/**
 * The user's rows over the newer version's: a row the user changed stays
 * (its stored field's newer plain-text mark and value shown, unless the
 * user changed the mark), an untouched row becomes the newer one (or goes,
 * if the other person removed that field), rows the user added or removed
 * stay added or removed, and fields the other person added come last.
 */
function rebaseFields(mine: readonly FieldRow[], was: readonly FieldRow[], now: readonly FieldRow[]): FieldRow[] {
  const loaded = new Map(was.map((r) => [r.uid, r]));
  const fresh = new Map(now.map((r) => [r.original, r]));
  const known = new Set(was.map((r) => r.original));
  const out: FieldRow[] = [];
  for (const row of mine) {
    const o = loaded.get(row.uid);
    if (o === undefined) {
      out.push(row);
      continue;
    }
    const n = fresh.get(o.original);
    if (untouched(row, o)) {
      if (n !== undefined) out.push(n);
    } else if (n !== undefined) {
      out.push({ ...row, plain: row.plain !== o.plain ? row.plain : n.plain, current: n.current });
    } else {
      // The stored field is gone: what the user typed becomes a new field.
      out.push({ ...row, original: null, current: null });
    }
  }
  return [...out, ...now.filter((r) => !known.has(r.original))];
}

/**
 * `mine` (the form as the user left it, opened as `was`) carried over to
 * `now` (the form of the newer version), and the parts both changed.
 */
export function rebaseForm(mine: SecretForm, was: SecretForm, now: SecretForm): { form: SecretForm; overlap: FormPart[] } {
  let form: SecretForm = { ...now };
  const overlap: FormPart[] = [];
  for (const [part, same, copy] of PARTS) {
    if (same(mine, was)) continue;
    form = { ...form, ...copy(mine) };
    if (!same(now, was) && !same(mine, now)) overlap.push(part);
  }
  const fieldsMine = !sameFields(mine.fields, was.fields) || mine.fields.some((r) => r.value !== "");
  form.fields = fieldsMine ? rebaseFields(mine.fields, was.fields, now.fields) : now.fields;
  if (fieldsMine && !sameFields(now.fields, was.fields)) overlap.push("fields");
  return { form, overlap };
}
