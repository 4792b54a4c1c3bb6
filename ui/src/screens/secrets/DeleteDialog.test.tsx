/** Deleting a secret in use is refused, and the dialog names every usage. */
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { fail } from "../../backend";
import { fakeBackend, type FakeBackend } from "../../test/backend";
import { summary } from "../../test/fixtures";
import { renderWithQueries as render } from "../../test/render";
import { DeleteDialog } from "./DeleteDialog";

let backend: FakeBackend;

beforeEach(() => {
  backend = fakeBackend({ delete_secret: () => null, list_usages: () => [] });
});

describe("delete dialog", () => {
  it("asks for confirmation, then deletes and drops the row from the list", async () => {
    const onDeleted = vi.fn();
    const user = userEvent.setup();
    const { client } = render(<DeleteDialog secret={summary({ id: 5, key: "OLD_KEY" })} onClose={() => {}} onDeleted={onDeleted} />);
    client.setQueryData(["secrets"], [summary({ id: 4, key: "KEEP" }), summary({ id: 5, key: "OLD_KEY" })]);
    expect(screen.getByRole("alertdialog")).toHaveTextContent("Delete OLD_KEY?");
    expect(backend.calls("delete_secret")).toEqual([]);
    await user.click(screen.getByTestId("delete-confirm"));
    expect(backend.calls("delete_secret")).toEqual([{ id: 5, expectedVersion: 1 }]);
    expect(onDeleted).toHaveBeenCalled();
    expect(client.getQueryData<{ key: string }[]>(["secrets"])?.map((s) => s.key)).toEqual(["KEEP"]);
  });

  it("lists each usage when the secret is in use", async () => {
    backend.answer({
      delete_secret: () => fail("in_use", "the secret is in use by nightly-etl (pipeline), dashboard (service): remove those usages first"),
      list_usages: () => [
        { id: 1, secret_id: 5, name: "nightly-etl", kind: "pipeline", field: null, created_by: "ana", created_at: 0, can_remove: true },
        { id: 2, secret_id: 5, name: "dashboard", kind: "service", field: "password", created_by: "ana", created_at: 0, can_remove: true },
      ],
    });
    const onDeleted = vi.fn();
    const user = userEvent.setup();
    render(<DeleteDialog secret={summary({ id: 5, key: "DB" })} onClose={() => {}} onDeleted={onDeleted} />);
    await user.click(screen.getByTestId("delete-confirm"));
    const box = await screen.findByTestId("delete-in-use");
    expect(box).toHaveTextContent("The secret is in use by nightly-etl (pipeline), dashboard (service)");
    expect(backend.calls("list_usages")).toEqual([{ id: 5 }]);
    expect(screen.getByTestId("in-use-1")).toHaveTextContent("nightly-etl");
    expect(screen.getByTestId("in-use-2")).toHaveTextContent("field password");
    expect(screen.queryByTestId("delete-confirm")).toBeNull();
    expect(onDeleted).not.toHaveBeenCalled();
  });

  it("shows any other refusal in the dialog, which stays open to try again", async () => {
    backend.answer({ delete_secret: () => Promise.reject("database is locked") });
    const onDeleted = vi.fn();
    const user = userEvent.setup();
    render(<DeleteDialog secret={summary({ id: 5, key: "DB" })} onClose={() => {}} onDeleted={onDeleted} />);
    await user.click(screen.getByTestId("delete-confirm"));
    // A plain-string rejection becomes an io error with its text.
    expect(await screen.findByTestId("delete-error")).toHaveTextContent("Database is locked.");
    expect(screen.getByTestId("delete-confirm")).toBeEnabled();
    expect(onDeleted).not.toHaveBeenCalled();
  });

  it("deletes nothing a teammate saved since it was shown, says who, and deletes the newer version only when asked again", async () => {
    const shown = summary({ id: 5, key: "DB", version: 3 });
    backend.answer({
      delete_secret: ({ expectedVersion }) => {
        if (expectedVersion !== 4) {
          const e = { code: "conflict", message: "changed by Ana Lopez at 10:42 (2026-12-03) since you loaded it: reload to see it (nothing was deleted)", retry_after_secs: null, current_version: 4 };
          throw e;
        }
        return null;
      },
      secret: () => ({ ...shown, version: 4 }),
    });
    const onDeleted = vi.fn();
    const user = userEvent.setup();
    const { client } = render(<DeleteDialog secret={shown} onClose={() => {}} onDeleted={onDeleted} />);
    client.setQueryData(["secrets"], [shown]);
    await user.click(screen.getByTestId("delete-confirm"));
    expect(await screen.findByTestId("delete-error")).toHaveTextContent("Changed by Ana Lopez at 10:42");
    expect(backend.calls("delete_secret")).toEqual([{ id: 5, expectedVersion: 3 }]);
    expect(onDeleted).not.toHaveBeenCalled();
    // The row behind the dialog now shows the newer version.
    await vi.waitFor(() => expect(client.getQueryData<{ version: number }[]>(["secrets"])?.[0]?.version).toBe(4));
    const confirm = screen.getByTestId("delete-confirm");
    expect(confirm).toHaveTextContent("Delete version 4");
    await user.click(confirm);
    expect(backend.calls("delete_secret")).toEqual([{ id: 5, expectedVersion: 3 }, { id: 5, expectedVersion: 4 }]);
    expect(onDeleted).toHaveBeenCalled();
  });
});
