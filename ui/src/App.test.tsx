/** Which screen shows when, and the sign-in flow's messages. */
import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { App } from "./App";
import { fail } from "./backend";
import type { AppStatus } from "./bindings/AppStatus";
import type { SessionInfo } from "./bindings/SessionInfo";
import { fakeBackend, type FakeBackend } from "./test/backend";
import { summary } from "./test/fixtures";
import { renderWithQueries as render } from "./test/render";

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

let backend: FakeBackend;

beforeEach(() => {
  backend = fakeBackend({
    app_status: () => status(),
    list_secrets: () => [],
    list_departments: () => [],
    session: () => session(),
    lock: () => null,
    touch: () => null,
  });
});

describe("app screens", () => {
  it("asks to create the vault on first run", async () => {
    backend.answer({ app_status: () => status({ vault_exists: false, remembered_user: null, kdf_profile: null }) });
    render(<App />);
    expect(await screen.findByTestId("create-owner")).toBeInTheDocument();
    expect(screen.getByText("/tmp/vault.db")).toBeInTheDocument();
  });

  it("prefills the remembered user and says so clearly when the password is wrong", async () => {
    backend.answer({ unlock: () => fail("auth_failed", "wrong username or password") });
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByTestId("unlock-username")).toHaveValue("ana");
    await user.type(screen.getByTestId("unlock-password"), "nope");
    await user.click(screen.getByTestId("remember-device"));
    await user.click(screen.getByTestId("unlock-submit"));
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent("Wrong username or password.");
    expect(backend.calls("unlock")).toEqual([{ username: "ana", password: "nope", remember: true }]);
    expect(screen.getByTestId("unlock-password")).toHaveValue("");
  });

  it("counts down and disables the button while sign-in is locked", async () => {
    backend.answer({ unlock: () => fail("locked", "too many failed attempts", 5) });
    const user = userEvent.setup();
    render(<App />);
    await user.type(await screen.findByTestId("unlock-password"), "nope");
    await user.click(screen.getByTestId("unlock-submit"));
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent(/^Too many failed sign-ins\. Try again in [45] s\.$/);
    expect(screen.getByTestId("unlock-submit")).toBeDisabled();
  });

  it("counts down after a wrong password that makes the next attempt wait", async () => {
    backend.answer({ unlock: () => fail("auth_failed", "wrong username or password: wait 2 s before the next attempt", 2) });
    const user = userEvent.setup();
    render(<App />);
    await user.type(await screen.findByTestId("unlock-password"), "nope");
    await user.click(screen.getByTestId("unlock-submit"));
    // One message: the core's own "wait 2 s" would go stale.
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent(/^Wrong username or password\. Try again in [12] s\.$/);
    expect(screen.getByTestId("unlock-countdown")).toHaveTextContent(/Try again in [12] s/);
    expect(screen.getByTestId("unlock-submit")).toBeDisabled();
  });

  it("unlocks with the device key at start when one is remembered", async () => {
    backend.answer({ app_status: () => status({ device_remembered: true }), unlock_with_device: () => session() });
    render(<App />);
    expect(await screen.findByTestId("new-secret")).toBeInTheDocument();
    expect(backend.calls("unlock_with_device")).toEqual([{ username: "ana" }]);
    // Members get no admin screens.
    expect(screen.queryByTestId("nav-users")).toBeNull();
    expect(screen.queryByTestId("nav-departments")).toBeNull();
  });

  it("after a Lock, waits for a deliberate 'Unlock with this device'", async () => {
    backend.answer({ app_status: () => status({ device_remembered: true, locked_by_user: true }), unlock_with_device: () => session() });
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByTestId("unlock-password")).toBeInTheDocument();
    expect(backend.calls("unlock_with_device")).toEqual([]);
    // The checkbox says what is true: this device remembers ana.
    expect(screen.getByTestId("remember-device")).toHaveAttribute("data-selected", "true");
    await user.click(screen.getByTestId("unlock-device"));
    expect(await screen.findByTestId("new-secret")).toBeInTheDocument();
    expect(backend.calls("unlock_with_device")).toEqual([{ username: "ana" }]);
  });

  it("signs out to an empty sign-in form", async () => {
    backend.answer({ app_status: () => status({ unlocked: true }), sign_out: () => null });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId("new-secret");
    backend.answer({ app_status: () => status({ remembered_user: null }) });
    await user.click(screen.getByTestId("user-menu"));
    await user.click(await screen.findByTestId("menu-sign-out"));
    expect(await screen.findByTestId("unlock-username")).toHaveValue("");
    expect(backend.calls("sign_out")).toHaveLength(1);
    expect(screen.queryByTestId("unlock-device")).toBeNull();
  });

  it("says when the keyring is unavailable and falls back to the password", async () => {
    backend.answer({ app_status: () => status({ keyring_problem: "no Secret Service" }) });
    render(<App />);
    expect(await screen.findByTestId("keyring-problem")).toHaveTextContent("no Secret Service");
    expect(screen.getByTestId("unlock-password")).toBeInTheDocument();
  });

  it("forces a password change before anything else", async () => {
    backend.answer({ app_status: () => status({ unlocked: true }), session: () => session({ must_change_password: true }) });
    render(<App />);
    expect(await screen.findByTestId("new-password")).toBeInTheDocument();
    expect(screen.queryByTestId("new-secret")).toBeNull();
  });

  it("flags a test vault on every screen", async () => {
    backend.answer({ app_status: () => status({ kdf_profile: "insecure-test" }) });
    render(<App />);
    expect(await screen.findByTestId("insecure-kdf-banner")).toHaveTextContent("weak password hashing");
  });

  it("locks with Ctrl+L and on the auto-lock event", async () => {
    backend.answer({ app_status: () => status({ unlocked: true }) });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId("new-secret");
    backend.answer({ app_status: () => status() });
    await user.keyboard("{Control>}l{/Control}");
    await waitFor(() => expect(backend.calls("lock")).toHaveLength(1));
    expect(await screen.findByTestId("unlock-password")).toBeInTheDocument();

    // Back in, then the Rust side locks after idling.
    backend.answer({ unlock: () => ({ session: session(), remember_error: null }) });
    await user.type(screen.getByTestId("unlock-password"), "correct horse");
    await user.click(screen.getByTestId("unlock-submit"));
    await screen.findByTestId("new-secret");
    await act(async () => backend.emit({ kind: "auto_locked" }));
    expect(await screen.findByTestId("unlock-notice")).toHaveTextContent(/without activity/);
  });

  it("goes back to sign-in when a command finds the vault locked behind its back", async () => {
    // The idle watchdog locked the vault between app_status and the first list.
    let asked = 0;
    backend.answer({ app_status: () => status({ unlocked: asked++ === 0 }), list_secrets: () => fail("auth_failed", "the vault is locked") });
    render(<App />);
    expect(await screen.findByTestId("unlock-notice")).toHaveTextContent("The vault is locked. Sign in again.");
  });

  it("forgets what the last user saw: the next one starts from their own list", async () => {
    backend.answer({ app_status: () => status({ unlocked: true }), list_secrets: () => [summary({ id: 1, key: "ANAS_SECRET" })] });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId("secret-row-ANAS_SECRET");
    backend.answer({ app_status: () => status() });
    await user.click(screen.getByTestId("lock"));
    await screen.findByTestId("unlock-password");

    // The next list is slow to come: nothing of the last one may show meanwhile.
    let arrive: (rows: ReturnType<typeof summary>[]) => void = () => {};
    backend.answer({
      unlock: () => ({ session: session({ username: "bruno", display_name: "Bruno" }), remember_error: null }),
      list_secrets: () => new Promise((resolve) => (arrive = resolve)),
    });
    await user.clear(screen.getByTestId("unlock-username"));
    await user.type(screen.getByTestId("unlock-username"), "bruno");
    await user.type(screen.getByTestId("unlock-password"), "correct horse");
    await user.click(screen.getByTestId("unlock-submit"));
    await screen.findByTestId("new-secret");
    expect(screen.queryByTestId("secret-row-ANAS_SECRET")).toBeNull();
    await act(async () => arrive([summary({ id: 2, key: "BRUNOS_SECRET" })]));
    expect(await screen.findByTestId("secret-row-BRUNOS_SECRET")).toBeInTheDocument();
  });
});
