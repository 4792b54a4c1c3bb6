/** Deleting a secret in use is refused, and the dialog names every usage. */
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { summary } from "../../test/fixtures";

vi.mock("../../api", () => ({
  deleteSecret: vi.fn(),
  listUsages: vi.fn(),
  toApiError: (e: unknown) => e,
}));

import * as api from "../../api";
import { DeleteDialog } from "./DeleteDialog";

beforeEach(() => {
  vi.clearAllMocks();
});

describe("delete dialog", () => {
  it("asks for confirmation, then deletes", async () => {
    vi.mocked(api.deleteSecret).mockResolvedValue(null);
    const onDeleted = vi.fn();
    const user = userEvent.setup();
    render(<DeleteDialog secret={summary({ id: 5, key: "OLD_KEY" })} onClose={() => {}} onDeleted={onDeleted} />);
    expect(screen.getByRole("alertdialog")).toHaveTextContent("Delete OLD_KEY?");
    expect(api.deleteSecret).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("delete-confirm"));
    expect(api.deleteSecret).toHaveBeenCalledWith(5);
    expect(onDeleted).toHaveBeenCalled();
  });

  it("lists each usage when the secret is in use", async () => {
    vi.mocked(api.deleteSecret).mockRejectedValue({
      code: "in_use",
      message: "the secret is in use by nightly-etl (pipeline), dashboard (service): remove those usages first",
      retry_after_secs: null,
    });
    vi.mocked(api.listUsages).mockResolvedValue([
      { id: 1, secret_id: 5, name: "nightly-etl", kind: "pipeline", field: null, created_by: "ana", created_at: 0 },
      { id: 2, secret_id: 5, name: "dashboard", kind: "service", field: "password", created_by: "ana", created_at: 0 },
    ]);
    const onDeleted = vi.fn();
    const user = userEvent.setup();
    render(<DeleteDialog secret={summary({ id: 5, key: "DB" })} onClose={() => {}} onDeleted={onDeleted} />);
    await user.click(screen.getByTestId("delete-confirm"));
    const box = await screen.findByTestId("delete-in-use");
    expect(box).toHaveTextContent("The secret is in use by nightly-etl (pipeline), dashboard (service)");
    expect(screen.getByTestId("in-use-1")).toHaveTextContent("nightly-etl");
    expect(screen.getByTestId("in-use-2")).toHaveTextContent("field password");
    expect(screen.queryByTestId("delete-confirm")).toBeNull();
    expect(onDeleted).not.toHaveBeenCalled();
  });
});
