/** The create/edit dialog validates before calling the backend and shows backend refusals inline. */
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { fail } from "../../backend";
import type { ApiError } from "../../bindings/ApiError";
import { fakeBackend, type FakeBackend } from "../../test/backend";
import { summary } from "../../test/fixtures";
import { renderWithQueries as render } from "../../test/render";
import { SecretDialog } from "./SecretDialog";

const departments = [
  { code: "FIN", name: "Finance" },
  { code: "OPS", name: "Operations" },
];

const READER = { username: "carla", departments: ["FIN", "OPS"] };

function renderCreate() {
  const onSaved = vi.fn();
  render(
    <SecretDialog mode="create" departments={departments} primaryDepartment="FIN" reader={READER} isAdmin={false} onClose={() => {}} onSaved={onSaved} />,
  );
  return { onSaved };
}

let backend: FakeBackend;

beforeEach(() => {
  backend = fakeBackend({
    create_secret: () => 42,
    update_secret: ({ id }) => summary({ id, key: "K" }),
    secret: ({ id }) => summary({ id, key: "K" }),
    list_usages: () => [],
  });
});

describe("secret dialog", () => {
  it("shows clear messages and does not call the backend for an invalid form", async () => {
    const user = userEvent.setup();
    renderCreate();
    await user.click(screen.getByTestId("secret-save"));
    expect(await screen.findByTestId("secret-key-error")).toHaveTextContent("Enter a key");
    expect(screen.getByTestId("field-value-0-error")).toHaveTextContent("Enter a value");
    expect(backend.calls("create_secret")).toEqual([]);
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
    await waitFor(() => expect(backend.calls("create_secret")).toHaveLength(1));
    const sent = backend.calls("create_secret")[0]?.secret;
    expect(sent?.fields).toEqual([{ name: "value", value: { kind: "set", value: `${pem}tail  \n\n  more` }, plain: false }]);
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
    expect(backend.calls("create_secret")).toEqual([]);
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
    await waitFor(() => expect(backend.calls("create_secret")).toHaveLength(1));
    expect(backend.calls("create_secret")[0]?.secret).toEqual({
      key: "DB_PASSWORD",
      fields: [{ name: "value", value: { kind: "set", value: "s3cret" }, plain: false }],
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
    backend.answer({ create_secret: () => fail("conflict", "a secret with this key and scope already exists") });
    const user = userEvent.setup();
    renderCreate();
    await user.type(screen.getByTestId("secret-key"), "DB_PASSWORD");
    await user.type(screen.getByTestId("field-value-0"), "x");
    await user.click(screen.getByTestId("secret-save"));
    expect(await screen.findByTestId("secret-key-error")).toHaveTextContent("A secret with this key and scope already exists.");
    expect(screen.queryByTestId("secret-form-error")).toBeNull();
    // Changing the key takes the refusal away.
    await user.type(screen.getByTestId("secret-key"), "_2");
    expect(screen.queryByTestId("secret-key-error")).toBeNull();
  });

  it("shows any other refusal below the form, as a sentence", async () => {
    backend.answer({ create_secret: () => fail("permission_denied", "you are not a member of FIN") });
    const user = userEvent.setup();
    const { onSaved } = renderCreate();
    await user.type(screen.getByTestId("secret-key"), "DB_PASSWORD");
    await user.type(screen.getByTestId("field-value-0"), "x");
    await user.click(screen.getByTestId("secret-save"));
    expect(await screen.findByTestId("secret-form-error")).toHaveTextContent("You are not a member of FIN.");
    expect(screen.queryByTestId("secret-key-error")).toBeNull();
    expect(screen.getByTestId("secret-save")).toBeEnabled();
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("keeps unchanged fields in edit mode and never asks for their values", async () => {
    const user = userEvent.setup();
    const s = summary({ id: 7, key: "database-config", field_names: ["host", "password"], scope: { departments: { kind: "departments", codes: ["FIN"] }, users: "all" } });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" reader={READER} isAdmin={false} onClose={() => {}} onSaved={() => {}} />);
    expect(screen.getByTestId("field-value-0")).toHaveValue("");
    expect(screen.getByTestId("field-value-0")).toHaveAttribute("placeholder", "unchanged");
    await user.type(screen.getByTestId("field-value-1"), "new-pass");
    await user.click(screen.getByTestId("secret-save"));
    await waitFor(() => expect(backend.calls("update_secret")).toHaveLength(1));
    expect(backend.calls("update_secret")).toEqual([
      {
        id: 7,
        update: {
          key: null,
          fields: {
            kind: "replace",
            fields: [
              { name: "host", value: { kind: "keep", from: "host" }, plain: false },
              { name: "password", value: { kind: "set", value: "new-pass" }, plain: false },
            ],
          },
          departments: null,
          users: null,
          description: null,
          tags: null,
          expires: null,
          reveal: null,
          active: null,
          expected_version: 1,
        },
      },
    ]);
    expect(backend.calls("list_usages")).toEqual([]);
  });

  it("marks fields plain text: shown unmasked, sent marked, and kept marked when editing", async () => {
    const user = userEvent.setup();
    renderCreate();
    await user.type(screen.getByTestId("secret-key"), "DB");
    await user.clear(screen.getByTestId("field-name-0"));
    await user.type(screen.getByTestId("field-name-0"), "host");
    await user.type(screen.getByTestId("field-value-0"), "db.internal");
    expect(screen.getByTestId("field-value-0")).toHaveAttribute("data-masked", "true");
    await user.click(screen.getByTestId("field-plain-0"));
    expect(screen.getByTestId("field-value-0")).toHaveAttribute("data-masked", "false");
    expect(screen.queryByTestId("field-value-0-toggle")).toBeNull();
    await user.click(screen.getByTestId("add-field"));
    await user.type(screen.getByTestId("field-name-1"), "password");
    await user.type(screen.getByTestId("field-value-1"), "pw");
    await user.click(screen.getByTestId("secret-save"));
    await waitFor(() => expect(backend.calls("create_secret")).toHaveLength(1));
    const sent = (backend.calls("create_secret")[0] as { secret: { fields: unknown[] } }).secret;
    expect(sent.fields).toEqual([
      { name: "host", value: { kind: "set", value: "db.internal" }, plain: true },
      { name: "password", value: { kind: "set", value: "pw" }, plain: false },
    ]);
  });

  it("shows a plain field's value as the placeholder and can make it secret again", async () => {
    const user = userEvent.setup();
    const s = summary({ id: 8, key: "DB", field_names: ["host", "password"], plain_fields: [{ name: "host", value: "db.internal" }] });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" reader={READER} isAdmin={true} onClose={() => {}} onSaved={() => {}} />);
    expect(screen.getByTestId("field-value-0")).toHaveAttribute("placeholder", "db.internal (unchanged)");
    expect(screen.getByTestId("field-value-1")).toHaveAttribute("placeholder", "unchanged");
    await user.click(screen.getByTestId("field-plain-0"));
    await user.click(screen.getByTestId("secret-save"));
    await waitFor(() => expect(backend.calls("update_secret")).toHaveLength(1));
    const upd = (backend.calls("update_secret")[0] as { update: { fields: unknown } }).update;
    expect(upd.fields).toEqual({
      kind: "replace",
      fields: [
        { name: "host", value: { kind: "keep", from: "host" }, plain: false },
        { name: "password", value: { kind: "keep", from: "password" }, plain: false },
      ],
    });
  });

  it("saves an edit and a deactivation as one update, then names the usages that still use it", async () => {
    const user = userEvent.setup();
    backend.answer({
      list_usages: () => [{ id: 1, secret_id: 7, name: "nightly-etl", kind: "pipeline", field: null, created_by: "ana", created_at: 0, can_remove: true }],
    });
    const s = summary({ id: 7, key: "K", active: true, can: { reveal: true, copy: true, edit: true, delete: true, activate: true } });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" reader={READER} isAdmin onClose={() => {}} onSaved={() => {}} />);
    await user.type(screen.getByTestId("secret-description"), "rotated");
    await user.click(screen.getByTestId("secret-active"));
    // Said before saving, with the usages.
    expect(await screen.findByTestId("deactivation-note")).toHaveTextContent(/used by nightly-etl/);
    await user.click(screen.getByTestId("secret-save"));
    await waitFor(() => expect(backend.calls("update_secret")).toHaveLength(1));
    expect(backend.calls("update_secret")[0]?.update).toMatchObject({ description: "rotated", active: false });
    expect(backend.calls("set_secret_active")).toEqual([]);
    // Asked again after saving, for the toast that names them.
    await waitFor(() => expect(backend.calls("list_usages")).toEqual([{ id: 7 }, { id: 7 }]));
  });
});

describe("a save after someone else's", () => {
  const STALE = "changed by Ana Lopez at 10:42 (2026-12-03) since you loaded it: reload to see it (nothing was saved)";
  const stale = (): never => {
    const e: ApiError = { code: "conflict", message: STALE, retry_after_secs: null, current_version: 4 };
    throw e;
  };

  it("is refused with who and when, keeps the input, and saves over the reloaded version", async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    backend.answer({ update_secret: stale });
    const s = summary({ id: 7, key: "DB_PASSWORD", version: 3, description: "old", field_names: ["value"] });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" reader={READER} isAdmin={false} onClose={() => {}} onSaved={onSaved} />);
    await user.type(screen.getByTestId("secret-description"), " and mine");
    await user.type(screen.getByTestId("field-value-0"), "typed-secret");
    await user.click(screen.getByTestId("secret-save"));

    // The update named the version it was loaded from; the refusal is shown in the dialog.
    await waitFor(() => expect(backend.calls("update_secret")).toHaveLength(1));
    expect(backend.calls("update_secret")[0]?.update.expected_version).toBe(3);
    const banner = await screen.findByTestId("secret-stale");
    expect(banner).toHaveTextContent("Changed by Ana Lopez at 10:42 (2026-12-03) since you loaded it");
    expect(banner).toHaveTextContent("Everything you entered is still here.");
    expect(screen.queryByTestId("secret-key-error")).toBeNull();
    expect(screen.queryByTestId("secret-form-error")).toBeNull();
    // Nothing typed is lost, and the dialog stays open.
    expect(screen.getByTestId("secret-description")).toHaveValue("old and mine");
    expect(screen.getByTestId("field-value-0")).toHaveValue("typed-secret");
    expect(screen.getByTestId("secret-dialog")).toBeInTheDocument();
    expect(onSaved).not.toHaveBeenCalled();

    // Reload: Ana's change (a tag) comes in; the user's changes stay on top.
    backend.answer({
      secret: ({ id }) => summary({ id, key: "DB_PASSWORD", version: 4, description: "old", tags: ["rotated"], updated_by: "ana" }),
      update_secret: ({ id }) => summary({ id, key: "DB_PASSWORD", version: 5 }),
    });
    await user.click(screen.getByTestId("secret-reload"));
    expect(await screen.findByTestId("secret-reloaded")).toHaveTextContent("Reloaded version 4, saved by ana");
    expect(backend.calls("secret")).toEqual([{ id: 7 }]);
    expect(screen.queryByTestId("secret-stale")).toBeNull();
    expect(screen.getByTestId("tag-chip-rotated")).toBeInTheDocument();
    expect(screen.getByTestId("secret-description")).toHaveValue("old and mine");
    expect(screen.getByTestId("field-value-0")).toHaveValue("typed-secret");

    // Saving again sends the user's changes, from the version now loaded, and keeps Ana's tag.
    await user.click(screen.getByTestId("secret-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(7));
    expect(backend.calls("update_secret")[1]?.update).toMatchObject({
      expected_version: 4,
      description: "old and mine",
      tags: null,
      fields: { kind: "replace", fields: [{ name: "value", value: { kind: "set", value: "typed-secret" }, plain: false }] },
    });
  });

  it("says so when the secret is gone on reload, and still keeps the input", async () => {
    const user = userEvent.setup();
    backend.answer({ update_secret: stale, secret: () => fail("not_found", "no secret with that id is visible to you") });
    const s = summary({ id: 7, key: "K", version: 3 });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" reader={READER} isAdmin={false} onClose={() => {}} onSaved={() => {}} />);
    await user.type(screen.getByTestId("secret-description"), "mine");
    await user.click(screen.getByTestId("secret-save"));
    await user.click(await screen.findByTestId("secret-reload"));
    expect(await screen.findByTestId("secret-reload-error")).toHaveTextContent("No secret with that id is visible to you.");
    expect(screen.getByTestId("secret-description")).toHaveValue("mine");
  });

  it("is told apart from a key that is taken, which shows beside the key with no Reload", async () => {
    const user = userEvent.setup();
    backend.answer({ update_secret: () => fail("conflict", "a secret with this key and scope already exists") });
    const s = summary({ id: 7, key: "K", version: 3 });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" reader={READER} isAdmin={false} onClose={() => {}} onSaved={() => {}} />);
    await user.type(screen.getByTestId("secret-key"), "2");
    await user.click(screen.getByTestId("secret-save"));
    expect(await screen.findByTestId("secret-key-error")).toHaveTextContent("A secret with this key and scope already exists.");
    expect(screen.queryByTestId("secret-stale")).toBeNull();
    expect(screen.queryByTestId("secret-reload")).toBeNull();
  });
});

describe("secret dialog keyboard", () => {
  it("closes on Escape", async () => {
    const user = userEvent.setup();
    const onClose = vi.fn();
    render(<SecretDialog mode="create" departments={departments} primaryDepartment="FIN" reader={READER} isAdmin={false} onClose={onClose} onSaved={() => {}} />);
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
  });

  it("asks before Escape or Cancel throw away a filled-in form", async () => {
    const user = userEvent.setup();
    const onClose = vi.fn();
    render(<SecretDialog mode="create" departments={departments} primaryDepartment="FIN" reader={READER} isAdmin={false} onClose={onClose} onSaved={() => {}} />);
    await user.type(screen.getByTestId("secret-key"), "HALF_DONE");
    await user.keyboard("{Escape}");
    expect(await screen.findByTestId("discard-dialog")).toHaveTextContent("Discard this new secret?");
    expect(onClose).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("discard-cancel"));
    await waitFor(() => expect(screen.queryByTestId("discard-dialog")).toBeNull());
    expect(screen.getByTestId("secret-key")).toHaveValue("HALF_DONE");

    // Escape in the question closes the question, not the form.
    await user.click(screen.getByTestId("secret-cancel"));
    await screen.findByTestId("discard-dialog");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("discard-dialog")).toBeNull());
    expect(screen.getByTestId("secret-dialog")).toBeInTheDocument();
    expect(onClose).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("secret-cancel"));
    await user.click(await screen.findByTestId("discard-confirm"));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("closes an untouched edit form without asking", async () => {
    const user = userEvent.setup();
    const onClose = vi.fn();
    const s = summary({ id: 3, key: "K", field_names: ["host", "password"], tags: ["prod"] });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" reader={READER} isAdmin onClose={onClose} onSaved={() => {}} />);
    await user.click(screen.getByTestId("secret-cancel"));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("discard-dialog")).toBeNull();
  });

  it("offers the Active switch to admins only", () => {
    const { unmount } = render(
      <SecretDialog mode="create" departments={departments} primaryDepartment="FIN" reader={READER} isAdmin={false} onClose={() => {}} onSaved={() => {}} />,
    );
    expect(screen.queryByTestId("secret-active")).toBeNull();
    unmount();
    render(<SecretDialog mode="create" departments={departments} primaryDepartment="FIN" reader={READER} isAdmin onClose={() => {}} onSaved={() => {}} />);
    expect(screen.getByTestId("secret-active")).toBeInTheDocument();
  });
});

describe("a scope that leaves the user out", () => {
  it("is warned about before saving", async () => {
    const user = userEvent.setup();
    const ana = { username: "ana", departments: ["FIN"] };
    render(<SecretDialog mode="create" departments={departments} primaryDepartment="FIN" reader={ana} isAdmin onClose={() => {}} onSaved={() => {}} />);
    expect(screen.queryByTestId("scope-unreadable")).toBeNull();
    await user.click(screen.getByTestId("secret-departments"));
    await user.click(await screen.findByTestId("dept-option-OPS"));
    await user.click(screen.getByTestId("dept-option-FIN"));
    await user.keyboard("{Escape}");
    expect(await screen.findByTestId("scope-unreadable")).toHaveTextContent("You will not be able to read this secret");
    expect(screen.getByTestId("scope-unreadable")).toHaveTextContent("not a member of OPS");
    await user.click(screen.getByTestId("secret-departments"));
    await user.click(await screen.findByTestId("dept-option-all"));
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("scope-unreadable")).toBeNull());
  });

  it("warns when editing someone else's private secret", () => {
    const s = summary({ id: 3, key: "MINE", created_by: "bruno", scope: { departments: { kind: "all" }, users: "creator" } });
    render(<SecretDialog mode="edit" secret={s} departments={departments} primaryDepartment="FIN" reader={READER} isAdmin onClose={() => {}} onSaved={() => {}} />);
    expect(screen.getByTestId("scope-unreadable")).toHaveTextContent("private to bruno");
  });
});
