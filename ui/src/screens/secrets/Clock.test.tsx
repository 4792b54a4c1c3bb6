/**
 * Relative times move on by themselves: a row saved a moment ago says
 * "just now" (never "in 1 minute"), and two minutes later "2 minutes ago",
 * without a refresh.
 */
import { act, screen } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";

import type { SessionInfo } from "../../bindings/SessionInfo";
import { fakeBackend } from "../../test/backend";
import { summary } from "../../test/fixtures";
import { renderWithQueries as render } from "../../test/render";
import { SecretsView } from "./SecretsView";

const session: SessionInfo = {
  user: {
    id: 1,
    username: "ana",
    display_name: "Ana",
    role: "member",
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

afterEach(() => {
  vi.useRealTimers();
});

it("says just now, then 1 and 2 minutes ago as the clock moves, without a refetch", async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  const start = Date.now();
  const backend = fakeBackend({
    list_secrets: () => [
      // Saved after the UI read its clock (or by a clock ahead of it).
      summary({ id: 1, key: "FRESH", updated_at: start + 50_000 }),
      summary({ id: 2, key: "OLDER", updated_at: start - 40_000 }),
    ],
    list_departments: () => [],
    session: () => session,
  });
  render(<SecretsView session={session} />);
  const fresh = await screen.findByTestId("updated-1");
  const older = screen.getByTestId("updated-2");
  expect(fresh).toHaveTextContent(/^just now$/);
  expect(older).toHaveTextContent(/^just now$/);

  // The clock is read again every 30 s.
  await act(async () => {
    vi.advanceTimersByTime(31_000);
  });
  expect(older).toHaveTextContent("1 minute ago");
  expect(fresh).toHaveTextContent(/^just now$/);
  await act(async () => {
    vi.advanceTimersByTime(120_000);
  });
  expect(older).toHaveTextContent("3 minutes ago");
  expect(fresh).toHaveTextContent("2 minutes ago");
  expect(backend.calls("list_secrets")).toHaveLength(1);
});
