/** The audit screen over the mock backend: filters, paging as you scroll, integrity check. */
import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setBackend } from "../../api";
import type { Backend } from "../../backend";
import type { AuditQuery } from "../../bindings/AuditQuery";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { UserInfo } from "../../bindings/UserInfo";
import { createMockBackend } from "../../dev/mockBackend";
import { renderWithQueries as render } from "../../test/render";
import { AuditView } from "./AuditView";

const sessionAs = (role: UserInfo["role"]): SessionInfo => ({
  user: { id: 1, username: "ana", display_name: "Ana Lima", role, departments: ["DEFAULT"], primary_department: "DEFAULT", disabled: false, must_change_password: false, created_at: 0 },
  vault_id: "v",
  kdf_profile: "standard",
  kdf: { m_kib: 65536, t: 3, p: 4 },
  fingerprint: "ABCD-EFGH-JKLM-NPQR-STUV",
  keys_pending: false,
});

/** The mock backend with `?audit=n` entries, its calls recorded. */
function mock(n: number, mode = "") {
  window.history.replaceState(null, "", `/?audit=${n}${mode ? `&mock=${mode}` : ""}`);
  const inner = createMockBackend();
  const invoke = vi.fn<Backend["invoke"]>((c, a) => inner.invoke(c, a));
  setBackend({ invoke, subscribe: inner.subscribe });
  return { invoke, auditQueries: () => invoke.mock.calls.filter(([c]) => c === "audit_log").map(([, a]) => (a as { query: AuditQuery }).query) };
}

afterEach(() => window.history.replaceState(null, "", "/"));

describe("AuditView", () => {
  it("shows a member the newest of their own entries and says so", async () => {
    // The mock signs in carla, a member; entry 300 is hers.
    mock(300, "member");
    render(<AuditView session={sessionAs("member")} />);
    expect(await screen.findByTestId("audit-row-300")).toBeInTheDocument();
    expect(screen.getByText(/Your own entries/)).toBeInTheDocument();
    const rows = screen.getAllByTestId(/^audit-row-/);
    expect(rows.every((r) => r.textContent?.includes("carla"))).toBe(true);
    // Members cannot pick a user, nor check the log's integrity.
    expect(screen.queryByTestId("audit-user")).toBeNull();
    expect(screen.queryByTestId("audit-verify")).toBeNull();
  });

  it("filtering by action asks the backend and shows only those rows", async () => {
    const u = userEvent.setup();
    const b = mock(300);
    render(<AuditView session={sessionAs("admin")} />);
    await screen.findByTestId("audit-row-300");
    await u.click(screen.getByTestId("audit-action"));
    await u.click(await screen.findByTestId("audit-action-option-reveal"));
    await waitFor(() => {
      const rows = screen.getAllByTestId(/^audit-row-/);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.getAttribute("data-action") === "reveal")).toBe(true);
    });
    expect(screen.getAllByTestId("audit-cell-action")[0]).toHaveTextContent("Revealed");
    expect(b.auditQueries().at(-1)).toMatchObject({ action: "reveal", before: null, limit: 500 });
  });

  it("loads the next page (before the last entry's seq) when scrolled near the end", async () => {
    const b = mock(1200);
    render(<AuditView session={sessionAs("admin")} />);
    await screen.findByTestId("audit-row-1200");
    await waitFor(() => expect(screen.getByTestId("audit-status")).toHaveTextContent("500 entries"));
    expect(b.auditQueries()).toHaveLength(1);
    const scroller = screen.getByTestId("audit-scroll");
    scroller.scrollTop = 500 * 40 - 800;
    fireEvent.scroll(scroller);
    await waitFor(() => expect(screen.getByTestId("audit-status")).toHaveTextContent("1,000 entries"));
    expect(b.auditQueries()[1]).toMatchObject({ before: 701, limit: 500 });
  });

  it("Check integrity shows the result, or the integrity error", async () => {
    const u = userEvent.setup();
    const b = mock(300);
    render(<AuditView session={sessionAs("owner")} />);
    await u.click(await screen.findByTestId("audit-verify"));
    expect(await screen.findByTestId("audit-verify-result")).toHaveTextContent("all 300 entries are sound");
    b.invoke.mockImplementation(async (c) => {
      if (c === "verify_audit") throw { code: "integrity", message: "entry 17 does not check out", retry_after_secs: null };
      return [];
    });
    await u.click(screen.getByTestId("audit-verify"));
    await waitFor(() => expect(screen.getByTestId("audit-verify-result")).toHaveTextContent(/damaged: Entry 17 does not check out/i));
  });
});
