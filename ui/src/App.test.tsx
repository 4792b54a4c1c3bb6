/** Which screen shows when, and the sign-in flow's messages. */
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { AppStatus } from "./bindings/AppStatus";
import type { SessionInfo } from "./bindings/SessionInfo";

vi.mock("./api", () => ({
  appStatus: vi.fn(),
  subscribe: vi.fn(),
  onSessionLost: vi.fn(() => () => {}),
  session: vi.fn(),
  unlock: vi.fn(),
  unlockWithDevice: vi.fn(),
  forgetDevice: vi.fn(),
  lock: vi.fn(),
  touch: vi.fn(),
  createVault: vi.fn(),
  changePassword: vi.fn(),
  listSecrets: vi.fn(),
  listDepartments: vi.fn(),
  toApiError: (e: unknown) => e,
  errorMessage: (e: { message: string }) => e.message,
}));

import * as api from "./api";
import { App } from "./App";

const status = (p: Partial<AppStatus> = {}): AppStatus => ({
  vault_path: "/tmp/vault.db",
  vault_exists: true,
  unlocked: false,
  remembered_user: "ana",
  device_remembered: false,
  keyring_problem: null,
  kdf_profile: "standard",
  ...p,
});

const session = (p: Partial<SessionInfo["user"]> = {}, kdf: SessionInfo["kdf_profile"] = "standard"): SessionInfo => ({
  user: {
    id: 1,
    username: "ana",
    display_name: "Ana Lima",
    role: "member",
    departments: ["DEFAULT"],
    primary_department: "DEFAULT",
    disabled: false,
    must_change_password: false,
    created_at: 0,
    ...p,
  },
  vault_id: "v",
  kdf_profile: kdf,
  kdf: { m_kib: 65536, t: 3, p: 4 },
    fingerprint: "ABCD-EFGH-JKLM-NPQR-STUV",
    keys_pending: false,
});

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(api.subscribe).mockResolvedValue(undefined);
  vi.mocked(api.listSecrets).mockResolvedValue([]);
  vi.mocked(api.lock).mockResolvedValue(null);
  vi.mocked(api.touch).mockResolvedValue(null);
});

describe("app screens", () => {
  it("asks to create the vault on first run", async () => {
    vi.mocked(api.appStatus).mockResolvedValue(status({ vault_exists: false, remembered_user: null, kdf_profile: null }));
    render(<App />);
    expect(await screen.findByTestId("create-owner")).toBeInTheDocument();
    expect(screen.getByText("/tmp/vault.db")).toBeInTheDocument();
  });

  it("prefills the remembered user and says so clearly when the password is wrong", async () => {
    vi.mocked(api.appStatus).mockResolvedValue(status());
    vi.mocked(api.unlock).mockRejectedValue({ code: "auth_failed", message: "wrong username or password", retry_after_secs: null });
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByTestId("unlock-username")).toHaveValue("ana");
    await user.type(screen.getByTestId("unlock-password"), "nope");
    await user.click(screen.getByTestId("remember-device"));
    await user.click(screen.getByTestId("unlock-submit"));
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent("Wrong username or password.");
    expect(api.unlock).toHaveBeenCalledWith("ana", "nope", true);
    expect(screen.getByTestId("unlock-password")).toHaveValue("");
  });

  it("counts down and disables the button while sign-in is locked", async () => {
    vi.mocked(api.appStatus).mockResolvedValue(status());
    vi.mocked(api.unlock).mockRejectedValue({ code: "locked", message: "too many failed attempts", retry_after_secs: 5 });
    const user = userEvent.setup();
    render(<App />);
    await user.type(await screen.findByTestId("unlock-password"), "nope");
    await user.click(screen.getByTestId("unlock-submit"));
    expect(await screen.findByTestId("unlock-countdown")).toHaveTextContent(/try again in [45] s/);
    expect(screen.getByTestId("unlock-submit")).toBeDisabled();
  });

  it("counts down after a wrong password that makes the next attempt wait", async () => {
    vi.mocked(api.appStatus).mockResolvedValue(status());
    vi.mocked(api.unlock).mockRejectedValue({
      code: "auth_failed",
      message: "wrong username or password: wait 2 s before the next attempt",
      retry_after_secs: 2,
    });
    const user = userEvent.setup();
    render(<App />);
    await user.type(await screen.findByTestId("unlock-password"), "nope");
    await user.click(screen.getByTestId("unlock-submit"));
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent(/wrong username or password/i);
    expect(screen.getByTestId("unlock-countdown")).toHaveTextContent(/try again in [12] s/);
    expect(screen.getByTestId("unlock-submit")).toBeDisabled();
  });

  it("unlocks with the device key at start when one is remembered", async () => {
    vi.mocked(api.appStatus).mockResolvedValue(status({ device_remembered: true }));
    vi.mocked(api.unlockWithDevice).mockResolvedValue(session());
    render(<App />);
    expect(await screen.findByTestId("new-secret")).toBeInTheDocument();
    expect(api.unlockWithDevice).toHaveBeenCalledWith("ana");
    // Members get no admin screens.
    expect(screen.queryByTestId("nav-users")).toBeNull();
    expect(screen.queryByTestId("nav-departments")).toBeNull();
  });

  it("says when the keyring is unavailable and falls back to the password", async () => {
    vi.mocked(api.appStatus).mockResolvedValue(status({ keyring_problem: "no Secret Service" }));
    render(<App />);
    expect(await screen.findByTestId("keyring-problem")).toHaveTextContent("no Secret Service");
    expect(screen.getByTestId("unlock-password")).toBeInTheDocument();
  });

  it("forces a password change before anything else", async () => {
    vi.mocked(api.appStatus).mockResolvedValue(status({ unlocked: true }));
    vi.mocked(api.session).mockResolvedValue(session({ must_change_password: true }));
    render(<App />);
    expect(await screen.findByTestId("new-password")).toBeInTheDocument();
    expect(screen.queryByTestId("new-secret")).toBeNull();
  });

  it("flags a test vault on every screen", async () => {
    vi.mocked(api.appStatus).mockResolvedValue(status({ kdf_profile: "insecure-test" }));
    render(<App />);
    expect(await screen.findByTestId("insecure-kdf-banner")).toHaveTextContent("weak password hashing");
  });

  it("locks with Ctrl+L and on the auto-lock event", async () => {
    vi.mocked(api.appStatus).mockResolvedValue(status({ unlocked: true }));
    vi.mocked(api.session).mockResolvedValue(session());
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId("new-secret");
    vi.mocked(api.appStatus).mockResolvedValue(status());
    await user.keyboard("{Control>}l{/Control}");
    await waitFor(() => expect(api.lock).toHaveBeenCalledTimes(1));
    expect(await screen.findByTestId("unlock-password")).toBeInTheDocument();

    // Back in, then the Rust side locks after idling.
    vi.mocked(api.unlock).mockResolvedValue({ session: session(), remember_error: null });
    await user.type(screen.getByTestId("unlock-password"), "correct horse");
    await user.click(screen.getByTestId("unlock-submit"));
    await screen.findByTestId("new-secret");
    const onEvent = vi.mocked(api.subscribe).mock.calls[0]?.[0];
    expect(onEvent).toBeDefined();
    await act(async () => onEvent?.({ kind: "auto_locked" }));
    expect(await screen.findByTestId("unlock-notice")).toHaveTextContent(/without activity/);
  });
});
