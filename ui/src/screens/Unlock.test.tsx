/** The sign-in form: one throttle message with a live countdown, the device's own unlock. */
import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { fail } from "../backend";
import type { AppStatus } from "../bindings/AppStatus";
import { fakeBackend, type FakeBackend } from "../test/backend";
import { renderWithQueries as render } from "../test/render";
import { Unlock } from "./Unlock";

const status = (p: Partial<AppStatus> = {}): AppStatus => ({
  vault_path: "/tmp/vault.db",
  vault_exists: true,
  unlocked: false,
  remembered_user: "ana",
  device_remembered: false,
  keyring_problem: null,
  locked_by_user: false,
  kdf_profile: "standard",
  ...p,
});

const fixtureSession = {
  user: {
    id: 1,
    username: "ana",
    display_name: "Ana Lima",
    role: "member" as const,
    departments: ["DEFAULT"],
    primary_department: "DEFAULT",
    disabled: false,
    must_change_password: false,
    created_at: 0,
  },
  vault_id: "v",
  kdf_profile: "standard" as const,
  kdf: { m_kib: 65536, t: 3, p: 4 },
  fingerprint: "ABCD-EFGH-JKLM-NPQR-STUV",
  keys_pending: false,
};

let backend: FakeBackend;

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  backend = fakeBackend({});
});

afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => act(async () => void vi.advanceTimersByTime(ms));

describe("sign-in throttle", () => {
  it("says the wait once, counts it down live, and drops it when the wait is over", async () => {
    backend.answer({ unlock: () => fail("auth_failed", "wrong username or password: wait 4 s before the next attempt", 4) });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    render(<Unlock status={status()} onUnlocked={() => {}} />);
    await user.type(screen.getByTestId("unlock-password"), "nope");
    await user.click(screen.getByTestId("unlock-submit"));

    const message = await screen.findByTestId("unlock-error");
    expect(message).toHaveTextContent(/^Wrong username or password\. Try again in 4 s\.$/);
    // Said once: not again on the button, and not the core's own number.
    expect(screen.getByTestId("unlock-submit")).toHaveTextContent(/^Unlock$/);
    expect(screen.getByTestId("unlock-message")).not.toHaveTextContent(/wait/i);
    expect(screen.getByTestId("unlock-submit")).toBeDisabled();

    await advance(1000);
    expect(screen.getByTestId("unlock-error")).toHaveTextContent("Try again in 3 s.");
    await advance(2000);
    expect(screen.getByTestId("unlock-error")).toHaveTextContent("Try again in 1 s.");
    await advance(1000);
    expect(screen.queryByTestId("unlock-countdown")).toBeNull();
    expect(screen.getByTestId("unlock-error")).toHaveTextContent(/^Wrong username or password\.$/);
    expect(screen.getByTestId("unlock-submit")).toBeEnabled();
  });

  it("lets 'too many attempts' go once the wait is over", async () => {
    backend.answer({ unlock: () => fail("locked", "too many failed sign-ins: try again in 2 s", 2) });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    render(<Unlock status={status()} onUnlocked={() => {}} />);
    await user.type(screen.getByTestId("unlock-password"), "nope");
    await user.click(screen.getByTestId("unlock-submit"));
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent(/^Too many failed sign-ins\. Try again in 2 s\.$/);
    await advance(2000);
    expect(screen.queryByTestId("unlock-error")).toBeNull();
    expect(screen.getByTestId("unlock-submit")).toBeEnabled();
  });
});

describe("a remembered device", () => {
  it("shows as checked, and unlocks only when asked", async () => {
    const onUnlocked = vi.fn();
    backend.answer({ unlock_with_device: () => ({ ...fixtureSession }) });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    render(<Unlock status={status({ device_remembered: true, locked_by_user: true })} onUnlocked={onUnlocked} />);
    expect(screen.getByTestId("remember-device")).toHaveAttribute("data-selected", "true");
    expect(backend.calls("unlock_with_device")).toEqual([]);
    await user.click(screen.getByTestId("unlock-device"));
    await vi.waitFor(() => expect(onUnlocked).toHaveBeenCalledTimes(1));
  });

  it("forgets the device when the box is unchecked at a password sign-in", async () => {
    backend.answer({
      unlock: () => ({ session: { ...fixtureSession }, remember_error: null }),
      forget_device: () => true,
    });
    const onUnlocked = vi.fn();
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    render(<Unlock status={status({ device_remembered: true })} onUnlocked={onUnlocked} />);
    await user.click(screen.getByTestId("remember-device"));
    await user.type(screen.getByTestId("unlock-password"), "correct horse");
    await user.click(screen.getByTestId("unlock-submit"));
    await vi.waitFor(() => expect(onUnlocked).toHaveBeenCalledTimes(1));
    expect(backend.calls("unlock")).toEqual([{ username: "ana", password: "correct horse", remember: false }]);
    expect(backend.calls("forget_device")).toEqual([{ username: "ana" }]);
  });

  it("says so when the device key no longer works, and keeps the password form", async () => {
    backend.answer({ unlock_with_device: () => fail("auth_failed", "this device's key no longer opens the vault") });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    render(<Unlock status={status({ device_remembered: true, locked_by_user: true })} onUnlocked={() => {}} />);
    await user.click(screen.getByTestId("unlock-device"));
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent("This device's key no longer opens the vault. Sign in with your password.");
    expect(screen.queryByTestId("unlock-device")).toBeNull();
    expect(screen.getByTestId("remember-device")).not.toHaveAttribute("data-selected", "true");
  });
});
