/**
 * Filtering says what it hides: matches the "inactive & expired" switch
 * leaves out are counted, with a button that shows them. Tags are listed
 * in natural order and can be searched.
 */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, expect, it } from "vitest";

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

beforeEach(() => {
  fakeBackend({
    list_secrets: () => [
      summary({ id: 1, key: "PROD_DB", tags: ["team-10"] }),
      summary({ id: 2, key: "PROD_OLD", active: false, tags: ["team-2"] }),
      summary({ id: 3, key: "PROD_EXPIRED", expires_at: Date.now() - 1000, expiry: "expired", tags: ["team-1"] }),
      summary({ id: 4, key: "STAGING", tags: ["other"] }),
    ],
    list_departments: () => [],
    session: () => session,
  });
});

it("counts the matches it hides and shows them on request", async () => {
  const user = userEvent.setup();
  render(<SecretsView session={session} />);
  await screen.findByTestId("secret-row-PROD_DB");
  expect(screen.queryByTestId("hidden-matches")).toBeNull();
  await user.type(screen.getByTestId("search"), "prod");
  expect(await screen.findByTestId("hidden-matches")).toHaveTextContent("2 hidden matches (inactive or expired): show them");
  expect(screen.queryByTestId("secret-row-PROD_OLD")).toBeNull();
  await user.click(screen.getByTestId("show-hidden-matches"));
  expect(await screen.findByTestId("secret-row-PROD_OLD")).toBeInTheDocument();
  expect(screen.getByTestId("secret-row-PROD_EXPIRED")).toBeInTheDocument();
  expect(screen.getByTestId("show-inactive")).toHaveAttribute("data-selected", "true");
  await waitFor(() => expect(screen.queryByTestId("hidden-matches")).toBeNull());
});

it("lists tags in natural order, and finds one by typing", async () => {
  const user = userEvent.setup();
  render(<SecretsView session={session} />);
  await screen.findByTestId("secret-row-PROD_DB");
  await user.click(screen.getByTestId("tag-filter"));
  const options = () => screen.getAllByRole("option").map((o) => o.textContent);
  expect(options()).toEqual(["All tags", "#other", "#team-1", "#team-2", "#team-10"]);
  await user.type(screen.getByTestId("tag-filter-search"), "team-1");
  await waitFor(() => expect(options()).toEqual(["#team-1", "#team-10"]));
  await user.click(within(screen.getByRole("listbox")).getByText("#team-10"));
  await waitFor(() => expect(screen.queryByTestId("secret-row-STAGING")).toBeNull());
  expect(screen.getByTestId("secret-row-PROD_DB")).toBeInTheDocument();
});
