/** Team vaults: opening one by URL, the header's name, live changes, offline, moving a file vault to a server. */
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { App } from "../../App";
import { fail } from "../../backend";
import type { AppStatus } from "../../bindings/AppStatus";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { VaultLocations } from "../../bindings/VaultLocations";
import { OfflineBanner } from "../../components/OfflineBanner";
import { setOnline, setVaultOnServer } from "../../lib/connection";
import { fakeBackend, type FakeBackend } from "../../test/backend";
import { summary } from "../../test/fixtures";
import { renderWithQueries as render } from "../../test/render";
import { MoveVaultDialog } from "./MoveVaultDialog";
import { OpenVaultDialog } from "./OpenVault";

const SERVER = "postgres://ana@db.example.com:5433/team";
const UNREACHABLE = "cannot reach the vault at postgres://ana@db.example.com:5433/team: no answer within 3 s";

const places = (onServer: boolean): VaultLocations => {
  const file = { location: "/home/ana/vault.db", short_name: "vault.db", on_server: false };
  const server = { location: SERVER, short_name: "team @ db.example.com", on_server: true };
  return onServer ? { current: server, recent: [server, file] } : { current: file, recent: [file, server] };
};

const status = (p: Partial<AppStatus> = {}): AppStatus => ({
  vault_path: SERVER,
  vault_exists: true,
  unlocked: true,
  remembered_user: "ana",
  device_remembered: false,
  keyring_problem: null,
  locked_by_user: false,
  kdf_profile: "standard",
  ...p,
});

const session = (role: SessionInfo["user"]["role"] = "owner"): SessionInfo => ({
  user: {
    id: 1,
    username: "ana",
    display_name: "Ana Lima",
    role,
    departments: ["DEFAULT"],
    primary_department: "DEFAULT",
    disabled: false,
    must_change_password: false,
    created_at: 0,
  },
  vault_id: "v",
  kdf_profile: "standard",
  kdf: { m_kib: 65536, t: 3, p: 4 },
  fingerprint: "ABCD-EFGH-JKLM-NPQR-STUV",
  keys_pending: false,
});

let backend: FakeBackend;

beforeEach(() => {
  backend = fakeBackend({
    app_status: () => status(),
    vault_locations: () => places(true),
    list_secrets: () => [],
    list_departments: () => [],
    session: () => session(),
    lock: () => null,
    touch: () => null,
  });
});

afterEach(() => {
  act(() => {
    setVaultOnServer(false);
    setOnline(true);
  });
});

describe("open a team vault", () => {
  it("shows the core's refusal when the server cannot be reached, and opens a recent vault in one click", async () => {
    const onOpened = vi.fn();
    backend.answer({
      vault_locations: () => places(false),
      open_vault: ({ path }) => (path === SERVER ? null : fail("io", UNREACHABLE)),
    });
    const user = userEvent.setup();
    render(<OpenVaultDialog onClose={() => {}} onOpened={onOpened} />);
    await user.type(screen.getByTestId("open-vault-path"), "postgres://ana@db.example.com:5433/other");
    await user.click(screen.getByTestId("open-vault-submit"));
    expect(await screen.findByTestId("open-vault-error")).toHaveTextContent("Cannot reach the vault at postgres://ana@db.example.com:5433/team: no answer within 3 s.");
    expect(onOpened).not.toHaveBeenCalled();
    // The open vault is not offered again; the other recent one is.
    const recent = await screen.findAllByTestId("recent-vault");
    expect(recent).toHaveLength(1);
    expect(recent[0]).toHaveTextContent("team @ db.example.com");
    await user.click(recent[0]!);
    await waitFor(() => expect(onOpened).toHaveBeenCalledTimes(1));
    expect(backend.calls("open_vault").map((a) => a.path)).toEqual(["postgres://ana@db.example.com:5433/other", SERVER]);
  });
});

describe("the open vault", () => {
  it("is named short in the header, with the full URL in its tooltip", async () => {
    render(<App />);
    const badge = await screen.findByTestId("vault-name");
    expect(badge).toHaveTextContent("team @ db.example.com");
    expect(badge).toHaveAttribute("title", `Team vault on a server: ${SERVER}`);
  });

  it("shows a teammate's change without a refresh when the server says the vault changed", async () => {
    let rows = [summary({ id: 1, key: "API_KEY" })];
    backend.answer({ list_secrets: () => rows });
    render(<App />);
    expect(await screen.findByTestId("secret-row-API_KEY")).toBeInTheDocument();
    rows = [...rows, summary({ id: 2, key: "DB_PASSWORD" })];
    act(() => backend.emit({ kind: "vault_changed" }));
    expect(await screen.findByTestId("secret-row-DB_PASSWORD")).toBeInTheDocument();
  });
});

describe("offline", () => {
  it("says the server is not answering, with a Retry that explains a failure and clears when it answers", async () => {
    let up = false;
    backend.answer({ reconnect: () => (up ? null : fail("io", UNREACHABLE)) });
    const user = userEvent.setup();
    render(<OfflineBanner />);
    expect(screen.queryByTestId("offline-banner")).toBeNull();
    act(() => setOnline(false));
    expect(screen.getByTestId("offline-banner")).toHaveTextContent("Offline: the vault's server is not answering.");
    await user.click(screen.getByTestId("offline-retry"));
    expect(await screen.findByTestId("offline-detail")).toHaveTextContent("Cannot reach the vault");
    up = true;
    await user.click(screen.getByTestId("offline-retry"));
    await waitFor(() => expect(screen.queryByTestId("offline-banner")).toBeNull());
    expect(backend.calls("reconnect")).toHaveLength(2);
  });

  it("goes offline when a command on a server vault fails with io, and back online on the server's word", async () => {
    render(<App />);
    await screen.findByTestId("vault-name");
    backend.answer({ list_secrets: () => fail("io", UNREACHABLE) });
    act(() => backend.emit({ kind: "vault_changed" }));
    expect(await screen.findByTestId("offline-banner")).toBeInTheDocument();
    backend.answer({ list_secrets: () => [] });
    act(() => backend.emit({ kind: "connection", online: true }));
    await waitFor(() => expect(screen.queryByTestId("offline-banner")).toBeNull());
  });

  it("shows an offline screen, not an error, when the server is down at start", async () => {
    backend.answer({ app_status: () => fail("io", UNREACHABLE) });
    render(<App />);
    expect(await screen.findByTestId("offline-screen")).toHaveTextContent("Offline: the vault's server is not answering");
    expect(screen.queryByTestId("fatal-error")).toBeNull();
    expect(screen.getByTestId("fatal-open-vault")).toBeInTheDocument();
  });

  it("is never shown for an io failure of a file vault", async () => {
    backend.answer({ vault_locations: () => places(false), list_secrets: () => fail("io", "the disk is full") });
    render(<App />);
    expect(await screen.findByTestId("vault-name")).toHaveTextContent("vault.db");
    await waitFor(() => expect(backend.calls("list_secrets").length).toBeGreaterThan(0));
    expect(screen.queryByTestId("offline-banner")).toBeNull();
  });
});

describe("move a vault to a server", () => {
  it("is offered to the owner of a file vault, not for a server vault", async () => {
    backend.answer({ vault_locations: () => places(false) });
    const user = userEvent.setup();
    const { unmount } = render(<App />);
    await screen.findByTestId("vault-name");
    await user.click(screen.getByTestId("user-menu"));
    expect(await screen.findByTestId("menu-move-vault")).toBeInTheDocument();
    unmount();
    backend.answer({ vault_locations: () => places(true) });
    render(<App />);
    await screen.findByTestId("vault-name");
    await user.click(screen.getByTestId("user-menu"));
    expect(await screen.findByTestId("menu-open-vault")).toBeInTheDocument();
    expect(screen.queryByTestId("menu-move-vault")).toBeNull();
  });

  it("copies, says the file is kept and that everyone should use the server, or shows why not", async () => {
    const onMoved = vi.fn();
    backend.answer({
      move_vault_to_server: ({ url }) =>
        url.endsWith("/full")
          ? fail("conflict", "postgres://ana@db.example.com:5433/full already holds a Coffer vault: open it, or choose another database")
          : {
              from: places(false).current,
              to: places(true).current,
              rows: 42,
              fingerprint: "ABCD-EFGH",
            },
    });
    const user = userEvent.setup();
    render(<MoveVaultDialog fileLocation="/home/ana/vault.db" onClose={() => {}} onMoved={onMoved} />);
    expect(screen.getByTestId("move-vault-submit")).toBeDisabled();
    await user.type(screen.getByTestId("move-vault-url"), "/tmp/x.db");
    expect(screen.getByTestId("move-vault-hint")).toHaveTextContent("starts with postgres://");
    await user.clear(screen.getByTestId("move-vault-url"));
    await user.type(screen.getByTestId("move-vault-url"), "postgres://ana@db.example.com:5433/full");
    await user.click(screen.getByTestId("move-vault-submit"));
    expect(await screen.findByTestId("move-vault-error")).toHaveTextContent("already holds a Coffer vault");
    await user.clear(screen.getByTestId("move-vault-url"));
    await user.type(screen.getByTestId("move-vault-url"), SERVER);
    await user.click(screen.getByTestId("move-vault-submit"));
    const result = await screen.findByTestId("move-vault-result");
    expect(within(result).getByText(/copied 42 rows to/)).toBeInTheDocument();
    expect(result).toHaveTextContent("/home/ana/vault.db was kept as it was");
    expect(result).toHaveTextContent("Everyone should point their app at the server from now on");
    expect(onMoved).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("move-vault-done"));
    expect(onMoved).toHaveBeenCalledTimes(1);
  });
});
