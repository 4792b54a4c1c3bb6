/** The Import dialog: preview from the core, per-row replace, progress from events, errors as given, the CLI's scopes. */
import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { fail } from "../../backend";
import type { ImportPreview } from "../../bindings/ImportPreview";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { reportImportProgress } from "../../lib/importProgress";
import { fakeBackend, type FakeBackend } from "../../test/backend";
import { renderWithQueries as render } from "../../test/render";
import { ImportDialog } from "./ImportDialog";

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
  fingerprint: "ABCD",
  keys_pending: false,
};

const preview: ImportPreview = {
  format: "env",
  items: [
    { entry: 1, line: 1, key: "DB_PASSWORD", field_names: ["value"], tags: [], action: "skip", existing: 7, reason: null },
    { entry: 2, line: 2, key: "NEW_TOKEN", field_names: ["value"], tags: [], action: "new", existing: null, reason: null },
  ],
  new: 1,
  skip: 1,
  replace: 0,
  refused: 0,
};

let backend: FakeBackend;
let finish: (() => void) | null = null;

beforeEach(() => {
  finish = null;
  backend = fakeBackend({
    list_departments: () => [{ id: 1, code: "FIN", name: "Finance", members: 2 }],
    import_preview: () => preview,
    import_secrets: () =>
      new Promise((resolve) => {
        finish = () => resolve({ format: "env", created: 1, replaced: 1, skipped: 0, dry_run: false });
      }),
  });
});

describe("import dialog", () => {
  it("previews, lets a row be replaced, shows progress and imports with that choice", async () => {
    const onClose = vi.fn();
    const user = userEvent.setup();
    render(<ImportDialog session={session} onClose={onClose} />);
    await user.type(screen.getByTestId("import-path"), "/home/carla/team.env");
    await user.click(screen.getByTestId("import-preview"));
    expect(await screen.findByTestId("import-summary")).toHaveTextContent("env: 1 new secret, 1 already at that scope");
    expect(backend.calls("import_preview")[0]).toMatchObject({ path: "/home/carla/team.env", format: null, password: null });
    await user.click(screen.getByTestId("import-replace-1"));
    await user.click(screen.getByTestId("import-submit"));
    await act(async () => reportImportProgress({ done: 1, total: 2 }));
    expect(await screen.findByTestId("import-progress-text")).toHaveTextContent("1 of 2");
    expect(backend.calls("import_secrets")[0]?.options.choices).toEqual([{ entry: 1, on_conflict: "replace" }]);
    await act(async () => finish?.());
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
  });

  it("shows the core's message for a bad file and imports nothing", async () => {
    backend.answer({ import_preview: () => fail("invalid_input", "line 3: expected NAME=value") });
    const user = userEvent.setup();
    render(<ImportDialog session={session} onClose={() => {}} />);
    await user.type(screen.getByTestId("import-path"), "/tmp/bad.env");
    await user.click(screen.getByTestId("import-preview"));
    expect(await screen.findByTestId("import-error")).toHaveTextContent("Line 3: expected NAME=value");
    expect(screen.getByTestId("import-submit")).toBeDisabled();
  });

  it("imports into the departments chosen (several, all, or the primary one by default), privately if asked", async () => {
    backend.answer({
      list_departments: () => [
        { id: 1, code: "FIN", name: "Finance", members: 2 },
        { id: 2, code: "OPS", name: "Operations", members: 2 },
        { id: 3, code: "LEGAL", name: "Legal", members: 1 },
      ],
    });
    const member = { ...session, user: { ...session.user, departments: ["FIN", "OPS"] } };
    const user = userEvent.setup();
    render(<ImportDialog session={member} onClose={() => {}} />);
    const scopeOf = (n: number) => {
      const c = backend.calls("import_preview")[n];
      return { departments: c?.options.departments, private: c?.options.private };
    };
    await user.type(screen.getByTestId("import-path"), "/home/carla/team.env");
    expect(screen.getByTestId("import-departments")).toHaveTextContent("My primary department (FIN)");
    await user.click(screen.getByTestId("import-preview"));
    await screen.findByTestId("import-summary");
    expect(scopeOf(0)).toEqual({ departments: null, private: false });

    // Two of her own departments; another one is not offered to a member.
    await user.click(screen.getByTestId("import-departments"));
    await user.click(await screen.findByTestId("dept-option-FIN"));
    await user.click(screen.getByTestId("dept-option-OPS"));
    expect(screen.queryByTestId("dept-option-LEGAL")).toBeNull();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("import-summary")).toBeNull();
    await user.click(screen.getByTestId("import-preview"));
    await screen.findByTestId("import-summary");
    expect(scopeOf(1)).toEqual({ departments: { kind: "departments", codes: ["FIN", "OPS"] }, private: false });

    // "All departments" replaces the others; private is its own choice.
    await user.click(screen.getByTestId("import-departments"));
    await user.click(await screen.findByTestId("dept-option-all"));
    await user.keyboard("{Escape}");
    expect(screen.getByTestId("import-departments")).toHaveTextContent("All departments");
    await user.click(screen.getByTestId("import-private"));
    await user.click(screen.getByTestId("import-preview"));
    await screen.findByTestId("import-summary");
    expect(scopeOf(2)).toEqual({ departments: { kind: "all" }, private: true });
    await user.click(screen.getByTestId("import-submit"));
    await vi.waitFor(() => expect(backend.calls("import_secrets")[0]?.options).toMatchObject({ departments: { kind: "all" }, private: true }));
  });
});
