/** Disabling a user asks first, names them, and says what it does. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import type { SessionInfo } from "../../bindings/SessionInfo";
import type { UserInfo } from "../../bindings/UserInfo";
import { fakeBackend, type FakeBackend } from "../../test/backend";
import { renderWithQueries as render } from "../../test/render";
import { UsersView } from "./UsersView";

const user = (p: Partial<UserInfo> & { id: number; username: string }): UserInfo => ({
  display_name: "",
  role: "member",
  departments: ["DEFAULT"],
  primary_department: "DEFAULT",
  disabled: false,
  must_change_password: false,
  created_at: 0,
  ...p,
});

const OLGA = user({ id: 1, username: "olga", display_name: "Olga Ortiz", role: "owner" });
const BRUNO = user({ id: 2, username: "bruno", display_name: "Bruno Costa", departments: ["FIN", "OPS"], primary_department: "FIN" });

const session: SessionInfo = {
  user: OLGA,
  vault_id: "v",
  kdf_profile: "standard",
  kdf: { m_kib: 65536, t: 3, p: 4 },
  fingerprint: "ABCD-EFGH-JKLM-NPQR-STUV",
  keys_pending: false,
};

let backend: FakeBackend;

beforeEach(() => {
  backend = fakeBackend({
    list_users: () => [OLGA, BRUNO],
    list_departments: () => [],
    set_user_disabled: () => null,
  });
});

describe("disabling a user", () => {
  it("asks first, naming them and what happens; Cancel changes nothing", async () => {
    const u = userEvent.setup();
    render(<UsersView session={session} />);
    await u.click(await screen.findByTestId("user-enabled-bruno"));
    const dialog = await screen.findByTestId("disable-user-dialog");
    expect(within(dialog).getByRole("heading")).toHaveTextContent("Disable Bruno Costa (bruno)?");
    const text = within(dialog).getByTestId("disable-user-consequences").textContent ?? "";
    expect(text).toMatch(/can no longer sign in/);
    expect(text).toMatch(/session .* stops/);
    expect(text).toMatch(/device that remembers Bruno Costa is signed out/);
    expect(text).toMatch(/keys of FIN, OPS are replaced \(re-keyed\)/);
    await u.click(within(dialog).getByTestId("disable-user-cancel"));
    await waitFor(() => expect(screen.queryByTestId("disable-user-dialog")).toBeNull());
    expect(backend.calls("set_user_disabled")).toEqual([]);
    expect(screen.getByTestId("user-enabled-bruno")).toHaveAttribute("data-selected", "true");
  });

  it("disables on confirmation; enabling again needs no confirmation", async () => {
    let disabled = false;
    backend.answer({
      list_users: () => [OLGA, { ...BRUNO, disabled }],
      set_user_disabled: (a) => {
        disabled = a.disabled;
        return null;
      },
    });
    const u = userEvent.setup();
    render(<UsersView session={session} />);
    await u.click(await screen.findByTestId("user-enabled-bruno"));
    await u.click(await screen.findByTestId("disable-user-confirm"));
    await waitFor(() => expect(backend.calls("set_user_disabled")).toEqual([{ username: "bruno", disabled: true }]));
    await waitFor(() => expect(screen.getByTestId("user-enabled-bruno")).not.toHaveAttribute("data-selected", "true"));
    await u.click(screen.getByTestId("user-enabled-bruno"));
    await waitFor(() => expect(backend.calls("set_user_disabled")).toHaveLength(2));
    expect(backend.calls("set_user_disabled")[1]).toEqual({ username: "bruno", disabled: false });
    expect(screen.queryByTestId("disable-user-dialog")).toBeNull();
  });
});
