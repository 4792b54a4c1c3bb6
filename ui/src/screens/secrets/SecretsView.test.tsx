/**
 * The table never renders a value unless the user revealed that row, and
 * shows exactly the controls each row's permissions allow.
 */
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Department } from "../../bindings/Department";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { fakeBackend, type FakeBackend } from "../../test/backend";
import { summary } from "../../test/fixtures";
import { renderWithQueries as render } from "../../test/render";
import { SecretsView } from "./SecretsView";

const session: SessionInfo = {
  user: {
    id: 3,
    username: "carla",
    display_name: "Carla",
    role: "member",
    departments: ["FIN"],
    primary_department: "FIN",
    disabled: false,
    must_change_password: false,
    created_at: 0,
  },
  vault_id: "v",
  kdf_profile: "standard",
  kdf: { m_kib: 65536, t: 3, p: 4 },
    fingerprint: "ABCD-EFGH-JKLM-NPQR-STUV",
    keys_pending: false,
};

const rows = [
  summary({ id: 1, key: "DB_PASSWORD", field_names: ["value"], description: "Primary" }),
  summary({ id: 2, key: "database-config", field_names: ["host", "password"], tags: ["prod"] }),
  summary({ id: 3, key: "READ_ONLY", can: { reveal: false, copy: false, edit: false, delete: false, activate: false } }),
  summary({ id: 4, key: "", damaged: true, field_names: [] }),
];

const SECRET_VALUES = ["s3cret-Pa55", "db.internal", "hunter2"];

function pageText() {
  return document.body.textContent ?? "";
}

let backend: FakeBackend;

beforeEach(() => {
  backend = fakeBackend({
    list_secrets: () => rows,
    reveal_secret: ({ id }) =>
      id === 1
        ? [{ name: "value", value: "s3cret-Pa55" }]
        : [
            { name: "host", value: "db.internal" },
            { name: "password", value: "hunter2" },
          ],
    copy_field: ({ field }) => ({ field, clear_after_secs: 30 }),
    list_departments: () => [],
    session: () => session,
  });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("secrets table", () => {
  it("masks every value until a row is revealed, and only that row", async () => {
    const user = userEvent.setup();
    render(<SecretsView session={session} />);
    await screen.findByTestId("secret-row-DB_PASSWORD");

    for (const v of SECRET_VALUES) expect(pageText()).not.toContain(v);
    const collapsed = within(screen.getByTestId("secret-row-database-config"));
    expect(collapsed.getAllByText("••••••")).toHaveLength(1);
    expect(collapsed.getByText("+1")).toHaveAccessibleName("and 1 more: password");

    await user.click(screen.getByTestId("reveal-2"));
    await screen.findByTestId("value-2-host");
    expect(backend.calls("reveal_secret")).toEqual([{ id: 2 }]);
    expect(screen.getByTestId("value-2-password")).toHaveTextContent("hunter2");
    expect(pageText()).not.toContain("s3cret-Pa55");

    // Clicking again hides the values: they leave the DOM entirely.
    await user.click(screen.getByTestId("reveal-2"));
    await waitFor(() => expect(pageText()).not.toContain("hunter2"));
    expect(pageText()).not.toContain("db.internal");
  });

  it("hides revealed values again after 30 seconds", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    render(<SecretsView session={session} />);
    await screen.findByTestId("secret-row-DB_PASSWORD");
    await user.click(screen.getByTestId("reveal-1"));
    await screen.findByTestId("value-1-value");
    act(() => {
      vi.advanceTimersByTime(29_000);
    });
    expect(pageText()).toContain("s3cret-Pa55");
    act(() => {
      vi.advanceTimersByTime(1_500);
    });
    expect(pageText()).not.toContain("s3cret-Pa55");
  });

  it("copies through the backend without ever receiving the value", async () => {
    const user = userEvent.setup();
    render(<SecretsView session={session} />);
    await screen.findByTestId("secret-row-DB_PASSWORD");
    await user.click(screen.getByTestId("copy-1-value"));
    expect(backend.calls("copy_field")).toEqual([{ id: 1, field: "value" }]);
    expect(backend.calls("reveal_secret")).toEqual([]);
    expect(pageText()).not.toContain("s3cret-Pa55");
  });

  it("shows only the controls a row allows", async () => {
    render(<SecretsView session={session} />);
    const ro = await screen.findByTestId("secret-row-READ_ONLY");
    expect(within(ro).queryByTestId("reveal-3")).toBeNull();
    expect(within(ro).queryByTestId("copy-3-value")).toBeNull();
    expect(within(ro).queryByTestId("edit-3")).toBeNull();
    expect(within(ro).queryByTestId("delete-3")).toBeNull();
    // Members never get the activate switch.
    expect(screen.queryByTestId("toggle-active-1")).toBeNull();
    expect(screen.getByTestId("edit-1")).toHaveAccessibleName("Edit DB_PASSWORD");
  });

  it("flags damaged rows instead of showing key and fields", async () => {
    render(<SecretsView session={session} />);
    const row = await screen.findByTestId("secret-row-damaged-4");
    expect(within(row).getByText(/Integrity check failed/)).toBeInTheDocument();
    expect(within(row).queryByTestId("reveal-4")).toBeNull();
  });

  it("filters in memory as you type, without another backend call", async () => {
    const user = userEvent.setup();
    render(<SecretsView session={session} />);
    await screen.findByTestId("secret-row-DB_PASSWORD");
    await user.type(screen.getByTestId("search"), "prod");
    expect(screen.queryByTestId("secret-row-DB_PASSWORD")).toBeNull();
    expect(screen.getByTestId("secret-row-database-config")).toBeInTheDocument();
    expect(backend.calls("list_secrets")).toHaveLength(1);
  });

  it("offers a call to action when the vault is empty", async () => {
    backend.answer({ list_secrets: () => [] });
    render(<SecretsView session={session} />);
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No secrets yet");
    expect(screen.getByTestId("empty-new-secret")).toBeInTheDocument();
  });
});

describe("departments offered when creating", () => {
  const dept = (code: string, name: string): Department => ({ id: 0, code, name, members: 1 });
  const moved: SessionInfo = { ...session, user: { ...session.user, departments: ["FIN", "OPS"] } };

  beforeEach(() => {
    backend.answer({ list_departments: () => [dept("FIN", "Finance"), dept("HR", "People"), dept("OPS", "Operations")] });
  });

  /** The department options "New secret" offers, as shown. */
  async function offered(user: ReturnType<typeof userEvent.setup>): Promise<string[]> {
    await user.click(screen.getByTestId("new-secret"));
    await user.click(await screen.findByTestId("secret-departments"));
    await screen.findByTestId("dept-option-all");
    const options = screen.getAllByRole("option").map((o) => o.textContent ?? "");
    await user.keyboard("{Escape}");
    await user.click(screen.getByTestId("secret-cancel"));
    await waitFor(() => expect(screen.queryByTestId("secret-dialog")).toBeNull());
    return options;
  }

  it("are the member's own, by code and name", async () => {
    const user = userEvent.setup();
    render(<SecretsView session={session} />);
    await screen.findByTestId("secret-row-DB_PASSWORD");
    await waitFor(() => expect(backend.calls("list_departments")).toHaveLength(1));
    expect(await offered(user)).toEqual(["All departments", "FIN — Finance"]);
  });

  it("follow a membership changed outside the app once Refresh is pressed", async () => {
    const user = userEvent.setup();
    render(<SecretsView session={session} />);
    await screen.findByTestId("secret-row-DB_PASSWORD");
    // The department filter in the toolbar lists the same choices.
    const filterChoices = async () => {
      await user.click(screen.getByTestId("department-filter"));
      // The choices in the popover's list (not the hidden native select's).
      const list = await screen.findByRole("listbox");
      const options = within(list)
        .getAllByRole("option")
        .map((o) => o.textContent ?? "");
      await user.keyboard("{Escape}");
      return options;
    };
    // Each try opens and closes the dropdown: slow on a busy machine.
    await waitFor(async () => expect(await filterChoices()).toEqual(["All departments", "FIN — Finance"]), { timeout: 10_000 });
    // Someone added carla to OPS (the CLI, an admin); her session still says FIN.
    backend.answer({ session: () => moved });
    await user.click(screen.getByTestId("refresh"));
    await waitFor(async () => expect(await filterChoices()).toEqual(["All departments", "FIN — Finance", "OPS — Operations"]), { timeout: 10_000 });
  });

  it("follow a membership changed outside the app when the dialog opens", async () => {
    const user = userEvent.setup();
    render(<SecretsView session={session} />);
    await screen.findByTestId("secret-row-DB_PASSWORD");
    await waitFor(() => expect(backend.calls("list_departments")).toHaveLength(1));
    backend.answer({ session: () => moved });
    await user.click(screen.getByTestId("new-secret"));
    await user.click(await screen.findByTestId("secret-departments"));
    expect(await screen.findByTestId("dept-option-OPS")).toHaveTextContent("OPS — Operations");
    expect(screen.getByTestId("dept-option-FIN")).toHaveTextContent("FIN — Finance");
    expect(screen.queryByTestId("dept-option-HR")).toBeNull();
  });
});
