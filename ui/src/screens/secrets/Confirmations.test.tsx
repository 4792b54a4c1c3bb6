/**
 * Deactivating asks first (more strongly, naming the usages, when the
 * secret is in use), offers Undo, and keeps the row in view greyed until
 * a refresh; removing a usage asks first too.
 */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import type { SecretSummary } from "../../bindings/SecretSummary";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { Usage } from "../../bindings/Usage";
import { Toasts } from "../../components/toasts";
import { fakeBackend, type FakeBackend } from "../../test/backend";
import { summary } from "../../test/fixtures";
import { renderWithQueries as render } from "../../test/render";
import { SecretsView } from "./SecretsView";

const session: SessionInfo = {
  user: {
    id: 1,
    username: "ana",
    display_name: "Ana",
    role: "admin",
    departments: ["DEFAULT"],
    primary_department: "DEFAULT",
    disabled: false,
    must_change_password: false,
    created_at: 0,
  },
  vault_id: "v",
  kdf_profile: "standard",
  kdf: { m_kib: 65536, t: 3, p: 4 },
  fingerprint: "ABCD",
  keys_pending: false,
};

const ADMIN = { reveal: true, copy: true, edit: true, delete: true, activate: true };
const usage = (id: number, name: string): Usage => ({ id, secret_id: 1, name, kind: "pipeline", field: null, created_by: "ana", created_at: 0, can_remove: true });

let backend: FakeBackend;
let secrets: Map<number, SecretSummary>;
let usages: Usage[];

beforeEach(() => {
  secrets = new Map([
    [1, summary({ id: 1, key: "DB_PASSWORD", can: ADMIN })],
    [2, summary({ id: 2, key: "UNUSED", can: ADMIN })],
  ]);
  usages = [usage(7, "nightly-etl"), usage(8, "finance-dashboard")];
  backend = fakeBackend({
    list_secrets: () => [...secrets.values()],
    secret: ({ id }) => secrets.get(id) as SecretSummary,
    set_secret_active: ({ id, active }) => {
      secrets.set(id, { ...(secrets.get(id) as SecretSummary), active });
      return active ? [] : usages.filter((u) => u.secret_id === id).map((u) => u.name);
    },
    list_usages: ({ id }) => usages.filter((u) => u.secret_id === id),
    remove_usage: ({ usageId }) => {
      usages = usages.filter((u) => u.id !== usageId);
      return null;
    },
    list_departments: () => [],
    session: () => session,
  });
});

function app() {
  return render(
    <>
      <SecretsView session={session} />
      <Toasts />
    </>,
  );
}

describe("deactivating", () => {
  it("asks first, naming the usages, and does nothing on Cancel", async () => {
    const user = userEvent.setup();
    app();
    await user.click(await screen.findByTestId("toggle-active-1"));
    const dialog = await screen.findByTestId("deactivate-dialog");
    expect(within(dialog).getByRole("heading")).toHaveTextContent("DB_PASSWORD is in use: deactivate it?");
    await within(dialog).findByTestId("deactivate-usage-7");
    expect(within(dialog).getByTestId("deactivate-in-use")).toHaveTextContent(/nightly-etl.*finance-dashboard/);
    expect(within(dialog).getByTestId("deactivate-confirm")).toHaveTextContent("Deactivate anyway");
    await user.click(within(dialog).getByTestId("deactivate-cancel"));
    await waitFor(() => expect(screen.queryByTestId("deactivate-dialog")).toBeNull());
    expect(backend.calls("set_secret_active")).toEqual([]);
  });

  it("keeps the row in view, greyed, with Undo, until Refresh", async () => {
    const user = userEvent.setup();
    app();
    await user.click(await screen.findByTestId("toggle-active-2"));
    const dialog = await screen.findByTestId("deactivate-dialog");
    expect(within(dialog).getByRole("heading")).toHaveTextContent("Deactivate UNUSED?");
    await waitFor(() => expect(within(dialog).getByTestId("deactivate-confirm")).toBeEnabled());
    await user.click(within(dialog).getByTestId("deactivate-confirm"));
    await waitFor(() => expect(backend.calls("set_secret_active")).toEqual([{ id: 2, active: false }]));
    await waitFor(() => expect(screen.getByTestId("secret-row-UNUSED")).toHaveClass("is-dormant"));

    // Undo in the toast activates it again.
    await user.click(await screen.findByTestId("toast-action"));
    await waitFor(() => expect(backend.calls("set_secret_active")).toEqual([{ id: 2, active: false }, { id: 2, active: true }]));
    await waitFor(() => expect(screen.getByTestId("secret-row-UNUSED")).not.toHaveClass("is-dormant"));

    // Deactivated again, it leaves the default view on Refresh.
    await user.click(screen.getByTestId("toggle-active-2"));
    await user.click(await screen.findByTestId("deactivate-confirm"));
    await waitFor(() => expect(screen.getByTestId("secret-row-UNUSED")).toHaveClass("is-dormant"));
    await user.click(screen.getByTestId("refresh"));
    await waitFor(() => expect(screen.queryByTestId("secret-row-UNUSED")).toBeNull());
  });
});

describe("removing a usage", () => {
  it("asks in place, and Keep keeps it", async () => {
    const user = userEvent.setup();
    app();
    await user.click(await screen.findByTestId("usages-1"));
    await user.click(await screen.findByTestId("remove-usage-7"));
    await user.click(await screen.findByTestId("cancel-remove-usage-7"));
    expect(backend.calls("remove_usage")).toEqual([]);
    // Focus stays in the dialog (Esc still closes it).
    await waitFor(() => expect(screen.getByTestId("remove-usage-7")).toHaveFocus());
    await user.click(screen.getByTestId("remove-usage-7"));
    await user.click(await screen.findByTestId("confirm-remove-usage-7"));
    await waitFor(() => expect(screen.queryByTestId("usage-7")).toBeNull());
    expect(backend.calls("remove_usage")).toEqual([{ usageId: 7 }]);
    expect(screen.getByTestId("usage-name")).toHaveFocus();
    expect(screen.getByTestId("usage-8")).toBeInTheDocument();
  });
});
