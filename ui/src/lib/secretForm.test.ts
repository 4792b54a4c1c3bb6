import { describe, expect, it } from "vitest";

import {
  emptyForm,
  formFromSummary,
  hasErrors,
  isEmptyUpdate,
  newFieldRow,
  addTags,
  tagProblem,
  toNewSecret,
  toSecretUpdate,
  validateForm,
  type SecretForm,
} from "./secretForm";
import { endOfLocalDay } from "./time";
import { summary } from "../test/fixtures";

function filled(patch: Partial<SecretForm> = {}): SecretForm {
  const f = emptyForm("FIN");
  const row = f.fields[0];
  if (row) row.value = "s3cret";
  return { ...f, key: "DB_PASSWORD", ...patch };
}

describe("validateForm", () => {
  it("accepts a complete form", () => {
    expect(hasErrors(validateForm(filled(), "create"))).toBe(false);
  });

  it("explains an empty or badly spaced key", () => {
    expect(validateForm(filled({ key: "" }), "create").key).toMatch(/Enter a key/);
    expect(validateForm(filled({ key: " KEY" }), "create").key).toMatch(/space/);
    expect(validateForm(filled({ key: "A\tB" }), "create").key).toMatch(/tabs/);
    expect(validateForm(filled({ key: "k".repeat(257) }), "create").key).toMatch(/256/);
    expect(validateForm(filled({ key: "KEY 1" }), "create").key).toBeUndefined();
  });

  it("flags duplicate field names on the second occurrence only", () => {
    const a = { ...newFieldRow("host"), value: "h" };
    const b = { ...newFieldRow("host"), value: "h2" };
    const e = validateForm(filled({ fields: [a, b] }), "create");
    expect(e.fields[a.uid]).toBeUndefined();
    expect(e.fields[b.uid]?.name).toMatch(/unique/);
  });

  it("requires names and values; an empty value on an existing field means keep in edit mode", () => {
    const fresh = newFieldRow("");
    const existing = newFieldRow("password", "password");
    const create = validateForm(filled({ fields: [fresh] }), "create");
    expect(create.fields[fresh.uid]).toEqual({ name: "Name this field.", value: "Enter a value, or remove this field." });
    const edit = validateForm(filled({ fields: [existing] }), "edit");
    expect(edit.fields[existing.uid]).toBeUndefined();
    const newInEdit = newFieldRow("extra");
    expect(validateForm(filled({ fields: [existing, newInEdit] }), "edit").fields[newInEdit.uid]?.value).toMatch(/Enter a value/);
  });

  it("needs at least one field", () => {
    expect(validateForm(filled({ fields: [] }), "create").fieldList).toMatch(/at least one field/);
  });

  it("needs a department unless All departments is chosen", () => {
    expect(validateForm(filled({ allDepartments: false, departments: [] }), "create").departments).toMatch(/at least one department/);
    expect(validateForm(filled({ allDepartments: true, departments: [] }), "create").departments).toBeUndefined();
  });

  it("needs a date when expiry is on", () => {
    expect(validateForm(filled({ expiryEnabled: true, expiresOn: null }), "create").expiry).toMatch(/Pick a date/);
    expect(validateForm(filled({ expiryEnabled: false, expiresOn: null }), "create").expiry).toBeUndefined();
  });

  it("checks value size in bytes", () => {
    const big = { ...newFieldRow("value"), value: "é".repeat(33 * 1024) }; // 66 KiB in UTF-8
    expect(validateForm(filled({ fields: [big] }), "create").fields[big.uid]?.value).toMatch(/64 KiB/);
  });
});

describe("addTags", () => {
  it("adds several comma-separated tags at once", () => {
    expect(addTags("a, b ,c", ["x"])).toEqual({ tags: ["x", "a", "b", "c"], rest: "", problem: null });
  });

  it("drops a duplicate with a message instead of leaving its text behind", () => {
    expect(addTags("Prod", ["prod"])).toEqual({ tags: ["prod"], rest: "", problem: "“Prod” is already there." });
    expect(addTags("prod, new, ops", ["prod", "ops"])).toEqual({
      tags: ["prod", "ops", "new"],
      rest: "",
      problem: "“prod” and “ops” are already there.",
    });
    expect(addTags("a, a", [])).toEqual({ tags: ["a"], rest: "", problem: "“a” is already there." });
  });

  it("keeps what cannot be added in the box, to be fixed", () => {
    const long = "x".repeat(41);
    expect(addTags(`ok, ${long}`, [])).toEqual({ tags: ["ok"], rest: long, problem: expect.stringMatching(/40/) });
  });
});

describe("tagProblem", () => {
  it("refuses empty, comma, duplicate and overlong tags", () => {
    expect(tagProblem("  ", [])).toMatch(/Type a tag/);
    expect(tagProblem("a,b", [])).toMatch(/comma/);
    expect(tagProblem("Prod", ["prod"])).toMatch(/already/);
    expect(tagProblem("x".repeat(41), [])).toMatch(/40/);
    expect(tagProblem("ok", ["prod"])).toBeNull();
  });
});

describe("toNewSecret", () => {
  it("builds the payload with set values, scope, expiry at the end of the day and reveal", () => {
    const form = filled({
      allDepartments: false,
      departments: ["FIN", "OPS"],
      userScope: "creator",
      description: "Primary",
      tags: ["prod"],
      expiryEnabled: true,
      expiresOn: "2030-03-31",
      neverReveal: true,
    });
    expect(toNewSecret(form)).toEqual({
      key: "DB_PASSWORD",
      fields: [{ name: "value", value: { kind: "set", value: "s3cret" }, plain: false }],
      departments: { kind: "departments", codes: ["FIN", "OPS"] },
      users: "creator",
      description: "Primary",
      tags: ["prod"],
      expires_at: endOfLocalDay("2030-03-31"),
      active: true,
      reveal: "never",
    });
  });

  it("sends no expiry when the toggle is off, whatever the date", () => {
    expect(toNewSecret(filled({ expiryEnabled: false, expiresOn: "2030-03-31" })).expires_at).toBeNull();
    expect(toNewSecret(filled({ allDepartments: true })).departments).toEqual({ kind: "all" });
  });
});

describe("toSecretUpdate", () => {
  const s = summary({
    id: 7,
    key: "database-config",
    field_names: ["host", "password"],
    scope: { departments: { kind: "departments", codes: ["FIN"] }, users: "all" },
    tags: ["prod"],
    description: "Warehouse",
    expires_at: endOfLocalDay("2030-03-31"),
  });

  it("opens with every field unchanged and the expiry date it was saved with", () => {
    const f = formFromSummary(s);
    expect(f.fields.map((r) => [r.name, r.value, r.original])).toEqual([
      ["host", "", "host"],
      ["password", "", "password"],
    ]);
    expect(f.expiresOn).toBe("2030-03-31");
    expect(f.allDepartments).toBe(false);
  });

  it("sends nothing when nothing changed", () => {
    const initial = formFromSummary(s);
    expect(isEmptyUpdate(toSecretUpdate({ ...initial }, initial))).toBe(true);
    // The version the form was loaded from is not a change.
    expect(isEmptyUpdate(toSecretUpdate({ ...initial }, initial, 4))).toBe(true);
  });

  it("keeps untouched fields by their old name and sets typed ones", () => {
    const initial = formFromSummary(s);
    const [host, password] = initial.fields;
    if (!host || !password) throw new Error("fixture");
    const form = { ...initial, fields: [host, { ...password, value: "new-pass" }] };
    const u = toSecretUpdate(form, initial);
    expect(u.fields).toEqual({
      kind: "replace",
      fields: [
        { name: "host", value: { kind: "keep", from: "host" }, plain: false },
        { name: "password", value: { kind: "set", value: "new-pass" }, plain: false },
      ],
    });
    expect(u.key).toBeNull();
    expect(u.departments).toBeNull();
    expect(u.users).toBeNull();
    expect(u.expires).toBeNull();
  });

  it("renames a field without knowing its value, and drops removed fields", () => {
    const initial = formFromSummary(s);
    const [host] = initial.fields;
    if (!host) throw new Error("fixture");
    const u = toSecretUpdate({ ...initial, fields: [{ ...host, name: "hostname" }] }, initial);
    expect(u.fields).toEqual({ kind: "replace", fields: [{ name: "hostname", value: { kind: "keep", from: "host" }, plain: false }] });
  });

  it("sends only the changed metadata", () => {
    const initial = formFromSummary(s);
    const u = toSecretUpdate(
      { ...initial, key: "warehouse", tags: ["prod", "etl"], allDepartments: true, expiryEnabled: false, neverReveal: true },
      initial,
      3,
    );
    expect(u).toEqual({
      key: "warehouse",
      fields: null,
      departments: { kind: "all" },
      users: null,
      description: null,
      tags: ["prod", "etl"],
      expires: { kind: "never" },
      reveal: "never",
      active: null,
      expected_version: 3,
    });
  });

  it("sends the users half alone when only it changed, and a change of active state with the rest", () => {
    const initial = formFromSummary(s);
    const u = toSecretUpdate({ ...initial, userScope: "creator", active: false }, initial);
    expect(u.departments).toBeNull();
    expect(u.users).toBe("creator");
    expect(u.active).toBe(false);
    expect(isEmptyUpdate(toSecretUpdate({ ...initial, active: false }, initial))).toBe(false);
  });

  it("sets a new expiry date as the end of that local day", () => {
    const initial = formFromSummary(s);
    const u = toSecretUpdate({ ...initial, expiresOn: "2030-04-30" }, initial);
    expect(u.expires).toEqual({ kind: "at", at: endOfLocalDay("2030-04-30") });
  });

  it("treats the same departments in another order as unchanged", () => {
    const two = summary({ ...s, scope: { departments: { kind: "departments", codes: ["FIN", "OPS"] }, users: "all" } });
    const initial = formFromSummary(two);
    expect(toSecretUpdate({ ...initial, departments: ["OPS", "FIN"] }, initial).departments).toBeNull();
  });
});
