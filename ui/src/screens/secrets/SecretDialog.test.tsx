/** The create/edit dialog validates before calling the backend and shows backend refusals inline. */
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { summary } from "../../test/fixtures";

vi.mock("../../api", () => ({
  createSecret: vi.fn(),
  updateSecret: vi.fn(),
  listUsages: vi.fn(),
  toApiError: (e: unknown) => e,
}));

import * as api from "../../api";
import { SecretDialog } from "./SecretDialog";

const departments = [
  { code: "FIN", name: "Finance" },
  { code: "OPS", name: "Operations" },
];

function renderCreate() {
  const onSaved = vi.fn();
  render(
    <SecretDialog mode="create" departments={departments} primaryDepartment="FIN" isAdmin={false} onClose={() => {}} onSaved={onSaved} />,
  );
  return { onSaved };
}

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(api.createSecret).mockResolvedValue(42);
  vi.mocked(api.updateSecret).mockResolvedValue(summary({ id: 7, key: "K" }));
  vi.mocked(api.listUsages).mockResolvedValue([]);
});

describe("secret dialog", () => {
  it("shows clear messages and does not call the backend for an invalid form", async () => {
    const user = userEvent.setup();
    renderCreate();
    await user.click(screen.getByTestId("secret-save"));
    expect(await screen.findByTestId("secret-key-error")).toHaveTextContent("Enter a key");
    expect(screen.getByTestId("field-value-0-error")).toHaveTextContent("Enter a value");
    expect(api.createSecret).not.toHaveBeenCalled();
  });

  it("saves a pasted multi-line value byte for byte, and typed line breaks too", async () => {
    const user = userEvent.setup();
    renderCreate();
    await user.type(screen.getByTestId("secret-key"), "TLS_KEY");
    const pem = "-----BEGIN PRIVATE KEY-----\r\nMIIEv\tQ  \r\nélan\r\n-----END PRIVATE KEY-----\r\n";
    const box = screen.getByTestId("field-value-0");
    await user.click(box);
    await user.paste(pem);
    // The textarea shows LF line breaks; the form keeps the CRLFs.
    expect(box).toHaveValue(pem.replace(/\r\n/g, "\n"));
    await user.type(box, "tail  {Enter}{Enter}  more");
    await user.click(screen.getByTestId("secret-save"));
    await waitFor(() => expect(api.createSecret).toHaveBeenCalledTimes(1));
    const sent = vi.mocked(api.createSecret).mock.calls[0]?.[0];
    expect(sent?.fields).toEqual([{ name: "value", value: { kind: "set", value: `${pem}tail  \n\n  more` } }]);
  });

  it("masks a value until shown", async () => {
    const user = userEvent.setup();
    renderCreate();
    const box = screen.getByTestId("field-value-0");
    expect(box).toHaveAttribute("data-masked", "true");
    expect(box).toHaveClass("is-masked");
    await user.click(screen.getByTestId("field-value-0-toggle"));
    expect(box).toHaveAttribute("data-masked", "false");
  });

  it("catches duplicate field names", async () => {
    const user = userEvent.setup();
    renderCreate();
    await user.type(screen.getByTestId("secret-key"), "DB");
    await user.type(screen.getByTestId("field-value-0"), "one");
    await user.click(screen.getByTestId("add-field"));
    await user.type(screen.getByTestId("field-name-1"), "value");
    await user.type(screen.getByTestId("field-value-1"), "two");
    await user.click(screen.getByTestId("secret-save"));
    expect(await screen.findByTestId("field-name-1-error")).toHaveTextContent("unique");
    expect(api.createSecret).not.toHaveBeenCalled();
  });

  it("creates a valid secret with the typed values, scope and tags", async () => {
    const user = userEvent.setup();
    const { onSaved } = renderCreate();
    await user.type(screen.getByTestId("secret-key"), "DB_PASSWORD");
    await user.type(screen.getByTestId("field-value-0"), "s3cret");
    await user.type(screen.getByTestId("secret-tag-input"), "prod{Enter}");
    expect(screen.getByTestId("tag-chip-prod")).toBeInTheDocument();
    await user.click(screen.getByTestId("scope-only-me"));
    await user.click(screen.getByTestId("secret-save"));
    await waitFor(() => expect(api.createSecret).toHaveBeenCalledTimes(1));
    expect(vi.mocked(api.createSecret).mock.calls[0]?.[0]).toEqual({
      key: "DB_PASSWORD",
      fields: [{ name: "value", value: { kind: "set", value: "s3cret" } }],
      departments: { kind: "departments", codes: ["FIN"] },
      users: "creator",
      description: "",
      tags: ["prod"],
      expires_at: null,
      active: true,
      reveal: "allowed",
    });
    expect(onSaved).toHaveBeenCalledWith(42);
  });

  it("shows a backend conflict beside the key", async () => {
    vi.mocked(api.createSecret).mockRejectedValue({ code: "conflict", message: "a secret with this key and scope already exists", retry_after_secs: null });
    const user = userEvent.setup();
    renderCreate();
    await user.type(screen.getByTestId("secret-key"), "DB_PASSWORD");
    await user.type(screen.getByTestId("field-value-0"), "x");
    await user.click(screen.getByTestId("secret-save"));
    expect(await screen.findByTestId("secret-key-error")).toHaveTextContent("A secret with this key and scope already exists.");
  });

  it("keeps unchanged fields in edit mode and never asks for their values", async () => {
    const user = userEvent.setup();
    const s = summary({ id: 7, key: "database-config", field_names: ["host", "password"], scope: { departments: { kind: "departments", codes: ["FIN"] }, users: "all" } });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" isAdmin={false} onClose={() => {}} onSaved={() => {}} />);
    expect(screen.getByTestId("field-value-0")).toHaveValue("");
    expect(screen.getByTestId("field-value-0")).toHaveAttribute("placeholder", "unchanged");
    await user.type(screen.getByTestId("field-value-1"), "new-pass");
    await user.click(screen.getByTestId("secret-save"));
    await waitFor(() => expect(api.updateSecret).toHaveBeenCalledTimes(1));
    expect(vi.mocked(api.updateSecret).mock.calls[0]).toEqual([
      7,
      {
        key: null,
        fields: {
          kind: "replace",
          fields: [
            { name: "host", value: { kind: "keep", from: "host" } },
            { name: "password", value: { kind: "set", value: "new-pass" } },
          ],
        },
        departments: null,
        users: null,
        description: null,
        tags: null,
        expires: null,
        reveal: null,
        active: null,
      },
    ]);
    expect(api.listUsages).not.toHaveBeenCalled();
  });

  it("saves an edit and a deactivation as one update, then names the usages that still use it", async () => {
    const user = userEvent.setup();
    vi.mocked(api.listUsages).mockResolvedValue([
      { id: 1, secret_id: 7, name: "nightly-etl", kind: "pipeline", field: null, created_by: "ana", created_at: 0 },
    ]);
    const s = summary({ id: 7, key: "K", active: true, can: { reveal: true, copy: true, edit: true, delete: true, activate: true } });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" isAdmin onClose={() => {}} onSaved={() => {}} />);
    await user.type(screen.getByTestId("secret-description"), "rotated");
    await user.click(screen.getByTestId("secret-active"));
    await user.click(screen.getByTestId("secret-save"));
    await waitFor(() => expect(api.updateSecret).toHaveBeenCalledTimes(1));
    const [, update] = vi.mocked(api.updateSecret).mock.calls[0] ?? [];
    expect(update).toMatchObject({ description: "rotated", active: false });
    await waitFor(() => expect(api.listUsages).toHaveBeenCalledWith(7));
  });
});

describe("secret dialog keyboard", () => {
  it("closes on Escape", async () => {
    const user = userEvent.setup();
    const onClose = vi.fn();
    render(<SecretDialog mode="create" departments={departments} primaryDepartment="FIN" isAdmin={false} onClose={onClose} onSaved={() => {}} />);
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
  });

  it("offers the Active switch to admins only", () => {
    const { unmount } = render(
      <SecretDialog mode="create" departments={departments} primaryDepartment="FIN" isAdmin={false} onClose={() => {}} onSaved={() => {}} />,
    );
    expect(screen.queryByTestId("secret-active")).toBeNull();
    unmount();
    render(<SecretDialog mode="create" departments={departments} primaryDepartment="FIN" isAdmin onClose={() => {}} onSaved={() => {}} />);
    expect(screen.getByTestId("secret-active")).toBeInTheDocument();
  });
});
