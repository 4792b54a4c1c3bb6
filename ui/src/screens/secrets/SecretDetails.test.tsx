/**
 * The details view shows every field whole (a multi-line value exactly as
 * stored, in a scrolling block), a copy button per field, "Copy as .env"
 * for a multi-field secret, and says why values cannot be shown.
 */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import type { SessionInfo } from "../../bindings/SessionInfo";
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

const PEM = "-----BEGIN CERTIFICATE-----\r\nMIIB\tIjAN  \r\nÿé€ 秘密\r\n-----END CERTIFICATE-----\r\n";
const NONE = { reveal: false, copy: false, edit: true, delete: true, activate: true };

let backend: FakeBackend;

beforeEach(() => {
  backend = fakeBackend({
    list_secrets: () => [
      summary({ id: 1, key: "TLS_CERT", field_names: ["cert", "password"], scope: { departments: { kind: "departments", codes: ["FIN"] }, users: "all" } }),
      summary({ id: 2, key: "OPS_TOKEN", scope: { departments: { kind: "departments", codes: ["OPS"] }, users: "all" }, can: NONE }),
      summary({ id: 3, key: "OLD", active: false, can: NONE }),
      summary({ id: 4, key: "HOOK", reveal: "never", can: NONE }),
    ],
    reveal_secret: () => [
      { name: "cert", value: PEM },
      { name: "password", value: "pw" },
    ],
    copy_field: ({ field }) => ({ field, clear_after_secs: 30 }),
    copy_as_env: () => ({ field: ".env", clear_after_secs: 30 }),
    list_departments: () => [],
    session: () => session,
  });
});

describe("secret details", () => {
  it("shows every value whole, copies each field and the whole secret as .env", async () => {
    const user = userEvent.setup();
    render(<SecretsView session={session} />);
    await user.click(await screen.findByTestId("details-1"));
    const dialog = await screen.findByTestId("secret-details");
    expect(within(dialog).queryByTestId("details-value-cert")).toBeNull();
    expect(document.body.textContent).not.toContain("MIIB");

    const reveal = within(dialog).getByTestId("details-reveal");
    expect(reveal).toHaveAccessibleName("Show values");
    await user.click(reveal);
    const cert = await within(dialog).findByTestId("details-value-cert");
    // Byte for byte: CRLF, tabs, trailing spaces and non-ASCII text, not cut off.
    expect(cert.textContent).toBe(PEM);
    expect(cert.tagName).toBe("PRE");
    expect(within(dialog).getByTestId("details-reveal")).toHaveAccessibleName("Hide values");
    // The row shows the same reveal, and its button says Hide too.
    expect(screen.getByTestId("reveal-1")).toHaveAccessibleName("Hide values of TLS_CERT");

    await user.click(within(dialog).getByTestId("details-copy-password"));
    expect(backend.calls("copy_field")).toEqual([{ id: 1, field: "password" }]);
    await user.click(within(dialog).getByTestId("details-copy-env"));
    expect(backend.calls("copy_as_env")).toEqual([{ id: 1 }]);

    await user.click(within(dialog).getByTestId("details-reveal"));
    await waitFor(() => expect(document.body.textContent).not.toContain("MIIB"));
  });

  it("shows plain-text fields with the row and in the details without a reveal, even when write-only", async () => {
    const user = userEvent.setup();
    backend.answer({
      list_secrets: () => [
        summary({ id: 6, key: "DB", field_names: ["host", "password"], plain_fields: [{ name: "host", value: "db.internal" }], reveal: "never", can: NONE }),
      ],
    });
    render(<SecretsView session={session} />);
    expect(await screen.findByTestId("value-6-host")).toHaveTextContent("db.internal");
    expect(screen.queryByTestId("value-6-password")).toBeNull();
    await user.click(screen.getByTestId("details-6"));
    const dialog = await screen.findByTestId("secret-details");
    expect(within(dialog).getByTestId("details-value-host")).toHaveTextContent("db.internal");
    expect(within(dialog).getByTestId("details-plain-host")).toHaveTextContent("plain text");
    expect(within(dialog).queryByTestId("details-value-password")).toBeNull();
    expect(backend.calls("reveal_secret")).toEqual([]);
  });

  it("offers Copy as .env only for a multi-field secret", async () => {
    const user = userEvent.setup();
    backend.answer({ list_secrets: () => [summary({ id: 5, key: "ONE" })] });
    render(<SecretsView session={session} />);
    await user.click(await screen.findByTestId("details-5"));
    const dialog = await screen.findByTestId("secret-details");
    expect(within(dialog).getByTestId("details-copy-value")).toBeInTheDocument();
    expect(within(dialog).queryByTestId("details-copy-env")).toBeNull();
  });

  it("says why values cannot be read, in the row and in the details", async () => {
    const user = userEvent.setup();
    render(<SecretsView session={session} />);
    await screen.findByTestId("secret-row-OPS_TOKEN");
    expect(screen.getByTestId("unreadable-2")).toHaveTextContent("not in scope");
    await user.click(screen.getByTestId("show-inactive"));
    expect(await screen.findByTestId("unreadable-3")).toHaveTextContent("inactive");
    expect(screen.getByTestId("unreadable-4")).toHaveTextContent("write-only");
    expect(screen.queryByTestId("unreadable-1")).toBeNull();

    await user.click(screen.getByTestId("details-2"));
    const dialog = await screen.findByTestId("secret-details");
    expect(within(dialog).getByTestId("details-unreadable")).toHaveTextContent(/not in this secret's scope/);
    expect(within(dialog).queryByTestId("details-reveal")).toBeNull();
    expect(within(dialog).queryByTestId("details-copy-value")).toBeNull();
  });
});
