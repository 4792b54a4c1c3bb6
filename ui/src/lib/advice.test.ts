import { describe, expect, it } from "vitest";

import { summary } from "../test/fixtures";
import { existingSecret, withAdvice } from "./advice";

const FIN = { departments: { kind: "departments" as const, codes: ["FIN"] }, users: "all" as const };
const conflict = { code: "conflict" as const, message: "a secret with this key and scope already exists: choose another key or scope", retry_after_secs: null };

describe("withAdvice", () => {
  it("tells a member who cannot edit the existing secret who can, never to edit it", () => {
    const theirs = summary({ id: 7, key: "DB_PASSWORD", scope: FIN, created_by: "olga", can: { reveal: true, copy: true, edit: false, delete: false, activate: false } });
    const text = withAdvice(conflict, theirs);
    expect(text).toBe(
      "A secret with this key and scope already exists: choose another key or scope. The existing one was created by olga: only they (while in its scope) or an admin can change it.",
    );
    expect(text).not.toMatch(/edit it|edit the existing/i);
  });

  it("offers editing to whoever may edit it", () => {
    const mine = summary({ id: 7, key: "DB_PASSWORD", scope: FIN, can: { reveal: true, copy: true, edit: true, delete: true, activate: false } });
    expect(withAdvice(conflict, mine)).toMatch(/You can edit the existing DB_PASSWORD instead\.$/);
  });

  it("words inactive and expired for the role: an admin acts, a member asks", () => {
    const inactive = { code: "inactive" as const, message: "this secret is inactive: admins and the owner can activate it", retry_after_secs: null };
    const forAdmin = summary({ id: 1, key: "K", can: { reveal: false, copy: false, edit: true, delete: true, activate: true } });
    const forMember = summary({ id: 1, key: "K", created_by: "olga", can: { reveal: false, copy: false, edit: false, delete: false, activate: false } });
    expect(withAdvice(inactive, forAdmin)).toMatch(/Turn its Active switch on/);
    expect(withAdvice(inactive, forMember)).toMatch(/Ask an admin to activate it\.$/);
    const expired = { code: "expired" as const, message: "this secret has expired: its creator or an admin can extend its expiry date", retry_after_secs: null };
    expect(withAdvice(expired, forAdmin)).toMatch(/Edit it to set a later expiry date\.$/);
    expect(withAdvice(expired, forMember)).toMatch(/Ask olga or an admin to extend it\.$/);
  });

  it("keeps the core's message alone when there is nothing to add", () => {
    expect(withAdvice({ code: "io", message: "the disk is full", retry_after_secs: null }, null)).toBe("The disk is full.");
  });
});

describe("existingSecret", () => {
  it("finds the secret with the same key and scope, departments in any order", () => {
    const rows = [
      summary({ id: 1, key: "DB", scope: { departments: { kind: "departments", codes: ["OPS", "FIN"] }, users: "all" } }),
      summary({ id: 2, key: "DB", scope: FIN }),
      summary({ id: 3, key: "DB", scope: { ...FIN, users: "creator" }, created_by: "olga" }),
    ];
    expect(existingSecret(rows, { key: "DB", scope: FIN }, "ana")?.id).toBe(2);
    expect(existingSecret(rows, { key: "DB", scope: { departments: { kind: "departments", codes: ["FIN", "OPS"] }, users: "all" } }, "ana")?.id).toBe(1);
    // Someone else's private secret never collides with mine.
    expect(existingSecret(rows, { key: "DB", scope: { ...FIN, users: "creator" } }, "ana")).toBeNull();
    expect(existingSecret(rows, { key: "DB", scope: FIN }, "ana", 2)).toBeNull();
  });
});
