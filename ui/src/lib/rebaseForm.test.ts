import { describe, expect, it } from "vitest";

import { summary } from "../test/fixtures";
import { rebaseForm } from "./rebaseForm";
import { formFromSummary, type SecretForm } from "./secretForm";

const fields = (f: SecretForm) => f.fields.map((r) => ({ name: r.name, value: r.value, original: r.original, plain: r.plain }));

describe("rebaseForm", () => {
  it("keeps each part the user changed and takes the newer version's elsewhere", () => {
    const was = formFromSummary(summary({ id: 1, key: "K", description: "old", tags: ["a"] }));
    const mine = { ...was, description: "mine" };
    const now = formFromSummary(summary({ id: 1, key: "K2", description: "old", tags: ["a", "b"], active: false }));
    const { form, overlap } = rebaseForm(mine, was, now);
    expect(form).toMatchObject({ key: "K2", description: "mine", tags: ["a", "b"], active: false });
    expect(overlap).toEqual([]);
  });

  it("names the parts both changed, keeping the user's input there", () => {
    const was = formFromSummary(summary({ id: 1, key: "K", description: "old", tags: ["a"] }));
    const mine = { ...was, description: "mine", tags: ["x"] };
    const now = formFromSummary(summary({ id: 1, key: "K", description: "theirs", tags: ["x"] }));
    const { form, overlap } = rebaseForm(mine, was, now);
    expect(form).toMatchObject({ description: "mine", tags: ["x"] });
    // The same tags on both sides replace nothing.
    expect(overlap).toEqual(["description"]);
  });

  it("takes the newer fields when the user left them alone", () => {
    const was = formFromSummary(summary({ id: 1, key: "K", field_names: ["host", "pw"] }));
    const now = formFromSummary(summary({ id: 1, key: "K", field_names: ["host", "pw", "port"], plain_fields: [{ name: "host", value: "db" }] }));
    const { form, overlap } = rebaseForm({ ...was, key: "K9" }, was, now);
    expect(form.fields).toBe(now.fields);
    expect(form.key).toBe("K9");
    expect(overlap).toEqual([]);
  });

  it("carries typed values, added and removed rows over to the newer fields", () => {
    const was = formFromSummary(summary({ id: 1, key: "K", field_names: ["host", "pw", "old"] }));
    const [host, pw] = was.fields;
    if (!host || !pw) throw new Error("fixture");
    const mine: SecretForm = {
      ...was,
      // A new value for pw, "old" removed, "extra" added; host untouched.
      fields: [host, { ...pw, value: "new-pw" }, { uid: "added", name: "extra", value: "e", original: null, plain: false, current: null }],
    };
    // Meanwhile: host became plain text, "pw" stays, "old" is gone, "port" is new.
    const now = formFromSummary(
      summary({ id: 1, key: "K", field_names: ["host", "pw", "port"], plain_fields: [{ name: "host", value: "db" }, { name: "port", value: "5432" }] }),
    );
    const { form, overlap } = rebaseForm(mine, was, now);
    expect(fields(form)).toEqual([
      { name: "host", value: "", original: "host", plain: true },
      { name: "pw", value: "new-pw", original: "pw", plain: false },
      { name: "extra", value: "e", original: null, plain: false },
      { name: "port", value: "", original: "port", plain: true },
    ]);
    expect(overlap).toEqual(["fields"]);
  });

  it("turns a changed row whose field was removed meanwhile into a new field", () => {
    const was = formFromSummary(summary({ id: 1, key: "K", field_names: ["token"] }));
    const [token] = was.fields;
    if (!token) throw new Error("fixture");
    const now = formFromSummary(summary({ id: 1, key: "K", field_names: ["value"] }));
    const { form } = rebaseForm({ ...was, fields: [{ ...token, value: "t" }] }, was, now);
    expect(fields(form)).toEqual([
      { name: "token", value: "t", original: null, plain: false },
      { name: "value", value: "", original: "value", plain: false },
    ]);
  });
});
