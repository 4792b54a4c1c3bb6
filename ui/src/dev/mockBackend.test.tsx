/**
 * The development mock still drives the whole app, and the permissions
 * shown are the ones written in its fixtures.
 */
import { screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { setBackend } from "../api";
import { App } from "../App";
import { renderWithQueries as render } from "../test/render";
import { createMockBackend } from "./mockBackend";

function openWith(search: string) {
  window.history.replaceState(null, "", `/${search}`);
  setBackend(createMockBackend());
  render(<App />);
}

afterEach(() => {
  window.history.replaceState(null, "", "/");
});

describe("mock backend", () => {
  it("signs in as the owner, who sees every fixture with its controls", async () => {
    openWith("?rows=12");
    const row = await screen.findByTestId("secret-row-DB_PASSWORD", {}, { timeout: 5000 });
    expect(within(row).getByTestId("toggle-active-1")).toBeInTheDocument();
    expect(screen.getByTestId("secret-row-KEY 1")).toBeInTheDocument();
    expect(screen.getByTestId("nav-users")).toBeInTheDocument();
  });

  it("as a member, shows what the fixtures let that member see and do", async () => {
    openWith("?mock=member&rows=12");
    const row = await screen.findByTestId("secret-row-DB_PASSWORD", {}, { timeout: 5000 });
    expect(within(row).getByTestId("reveal-1")).toBeInTheDocument();
    expect(within(row).queryByTestId("toggle-active-1")).toBeNull();
    expect(within(row).queryByTestId("edit-1")).toBeNull();
    expect(screen.queryByTestId("secret-row-KEY 1")).toBeNull();
    expect(screen.queryByTestId("nav-users")).toBeNull();
  });
});
