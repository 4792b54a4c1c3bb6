/** api.ts: what reaches the backend, what every rejection becomes, and who hears of a lost session. */
import { afterEach, describe, expect, it, vi } from "vitest";

import { changePassword, isApiError, listSecrets, onSessionLost, toApiError, unlock } from "./api";
import { fail } from "./backend";
import { ERROR_CODES } from "./bindings/commands";
import { fakeBackend } from "./test/backend";

const stops: (() => void)[] = [];
function listen() {
  const heard = vi.fn();
  stops.push(onSessionLost(heard));
  return heard;
}

afterEach(() => {
  stops.splice(0).forEach((stop) => stop());
});

describe("toApiError", () => {
  it("keeps an error body as it came, with no wait when none was given", () => {
    expect(toApiError({ code: "locked", message: "too many attempts", retry_after_secs: 4 })).toEqual({
      code: "locked",
      message: "too many attempts",
      retry_after_secs: 4,
    });
    expect(toApiError({ code: "conflict", message: "taken" })).toEqual({ code: "conflict", message: "taken", retry_after_secs: null });
  });

  it("keeps the current version of a stale edit's conflict", () => {
    expect(toApiError({ code: "conflict", message: "changed by ana", retry_after_secs: null, current_version: 3 })).toEqual({
      code: "conflict",
      message: "changed by ana",
      retry_after_secs: null,
      current_version: 3,
    });
    expect(toApiError({ code: "conflict", message: "taken", current_version: "3" })).not.toHaveProperty("current_version");
  });

  it("knows every code the core sends, rollback included", () => {
    for (const code of ERROR_CODES) {
      expect(isApiError({ code, message: "m" })).toBe(true);
      expect(toApiError({ code, message: `the ${code} message` })).toMatchObject({ code, message: `the ${code} message` });
    }
  });

  it("turns anything else into an io error with whatever text there is", () => {
    expect(toApiError("invalid args `id` for command `secret`")).toEqual({
      code: "io",
      message: "invalid args `id` for command `secret`",
      retry_after_secs: null,
    });
    expect(toApiError(new Error("boom"))).toMatchObject({ code: "io", message: "boom" });
    expect(toApiError({ code: "no_such_code", message: "x" })).toMatchObject({ code: "io", message: "something went wrong" });
    expect(toApiError({ code: "conflict" })).toMatchObject({ code: "io" });
    expect(toApiError(null)).toMatchObject({ code: "io", message: "something went wrong" });
  });
});

describe("calling a command", () => {
  it("sends the command's name and its arguments as the Rust side names them", async () => {
    const backend = fakeBackend({ change_password: () => null, list_secrets: () => [] });
    await changePassword("old password", "new password", true);
    await listSecrets();
    expect(backend.invoke.mock.calls).toEqual([
      ["change_password", { current: "old password", new: "new password", signOutOtherDevices: true }],
      ["list_secrets", { query: { search: null, tag: null, department: null, include_inactive: true } }],
    ]);
  });

  it("rejects with the normalised error, whatever the backend threw", async () => {
    fakeBackend({ list_secrets: () => fail("rollback", "the vault went back in time", null) });
    await expect(listSecrets()).rejects.toEqual({ code: "rollback", message: "the vault went back in time", retry_after_secs: null });
    // A command the backend does not know: Tauri rejects with a string.
    fakeBackend({});
    await expect(listSecrets()).rejects.toEqual({ code: "io", message: "command list_secrets not found", retry_after_secs: null });
  });

  it("tells session listeners when a command finds the vault locked", async () => {
    fakeBackend({ list_secrets: () => fail("auth_failed", "the vault is locked") });
    const heard = listen();
    await expect(listSecrets()).rejects.toMatchObject({ code: "auth_failed" });
    expect(heard).toHaveBeenCalledExactlyOnceWith("locked");
  });

  it("tells them when the core demands a password change", async () => {
    fakeBackend({ list_secrets: () => fail("password_change_required", "choose your own password first") });
    const heard = listen();
    await expect(listSecrets()).rejects.toMatchObject({ code: "password_change_required" });
    expect(heard).toHaveBeenCalledExactlyOnceWith("password_change_required");
  });

  it("does not take a wrong password at sign-in for a lost session", async () => {
    fakeBackend({
      unlock: () => fail("auth_failed", "wrong username or password", 2),
      change_password: () => fail("auth_failed", "the current password is wrong"),
    });
    const heard = listen();
    await expect(unlock("ana", "nope", false)).rejects.toEqual({ code: "auth_failed", message: "wrong username or password", retry_after_secs: 2 });
    await expect(changePassword("nope", "new password")).rejects.toMatchObject({ code: "auth_failed" });
    expect(heard).not.toHaveBeenCalled();
  });

  it("leaves other errors alone, and stops telling a listener that unsubscribed", async () => {
    const backend = fakeBackend({ list_secrets: () => fail("permission_denied", "no") });
    const heard = listen();
    await expect(listSecrets()).rejects.toMatchObject({ code: "permission_denied" });
    expect(heard).not.toHaveBeenCalled();
    stops.splice(0).forEach((stop) => stop());
    backend.answer({ list_secrets: () => fail("auth_failed", "the vault is locked") });
    await expect(listSecrets()).rejects.toMatchObject({ code: "auth_failed" });
    expect(heard).not.toHaveBeenCalled();
  });
});
