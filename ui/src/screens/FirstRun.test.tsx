/** First run: the password rule as the core applies it, asked as one types; opening an existing vault. */
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { fail } from "../backend";
import type { PasswordCheck } from "../bindings/PasswordCheck";
import { fakeBackend, type FakeBackend } from "../test/backend";
import { renderWithQueries as render } from "../test/render";
import { FirstRun } from "./FirstRun";

const WEAK: PasswordCheck = {
  acceptable: false,
  score: 0,
  problem: "This password is too easy to guess (this is a top-10 common password): use a longer one, for example four or more random words.",
  suggestions: ["Add another word or two. Uncommon words are better."],
};
const GOOD: PasswordCheck = { acceptable: true, score: 4, problem: null, suggestions: [] };

let backend: FakeBackend;

beforeEach(() => {
  backend = fakeBackend({
    check_password: ({ password }) => (password.split(" ").length >= 4 ? GOOD : WEAK),
  });
});

describe("first run", () => {
  it("checks the password with the core as it is typed, once typing pauses, and explains the rule", async () => {
    const user = userEvent.setup();
    render(<FirstRun vaultPath="/tmp/v.db" onCreated={() => {}} onOpened={() => {}} />);
    expect(screen.getByText(/At least 8 characters, and hard to guess/)).toBeInTheDocument();
    await user.type(screen.getByTestId("create-owner"), "ana");
    await user.type(screen.getByTestId("create-display-name"), "Ana Lima");
    await user.type(screen.getByTestId("create-password"), "password");
    expect(await screen.findByTestId("password-problem")).toHaveTextContent(/too easy to guess/);
    expect(screen.getByTestId("password-suggestions")).toHaveTextContent("Add another word or two.");
    expect(screen.getByTestId("password-strength")).toHaveAttribute("data-acceptable", "false");
    // Debounced: one check for the whole word, with the names as context.
    expect(backend.calls("check_password")).toEqual([{ password: "password", context: ["ana", "Ana Lima"] }]);
    expect(screen.getByTestId("create-submit")).toBeDisabled();
    expect(screen.getByTestId("create-hint")).toHaveTextContent("The password does not meet the rule yet");
  });

  it("enables Create once the password is acceptable and confirmed", async () => {
    const user = userEvent.setup();
    backend.answer({ create_vault: () => fail("io", "the disk is full") });
    render(<FirstRun vaultPath="/tmp/v.db" onCreated={() => {}} onOpened={() => {}} />);
    await user.type(screen.getByTestId("create-owner"), "ana");
    await user.type(screen.getByTestId("create-password"), "sea otter violin kettle");
    await waitFor(() => expect(screen.getByTestId("password-strength")).toHaveAttribute("data-acceptable", "true"));
    expect(screen.getByTestId("create-hint")).toHaveTextContent("Type the password again to confirm it.");
    await user.type(screen.getByTestId("create-password-confirm"), "sea otter violin kettle");
    expect(screen.getByTestId("create-submit")).toBeEnabled();
    expect(screen.queryByTestId("create-hint")).toBeNull();
    await user.click(screen.getByTestId("create-submit"));
    expect(await screen.findByTestId("create-error")).toHaveTextContent("The disk is full.");
  });

  it("opens an existing vault by its path", async () => {
    const onOpened = vi.fn();
    backend.answer({ open_vault: ({ path }) => (path === "/srv/team.db" ? null : fail("not_found", "there is no file at that path: choose an existing Coffer vault")) });
    const user = userEvent.setup();
    render(<FirstRun vaultPath="/tmp/v.db" onCreated={() => {}} onOpened={onOpened} />);
    await user.click(screen.getByTestId("open-existing"));
    await user.type(screen.getByTestId("open-vault-path"), "/srv/nothing.db");
    await user.click(screen.getByTestId("open-vault-submit"));
    expect(await screen.findByTestId("open-vault-error")).toHaveTextContent("There is no file at that path");
    await user.clear(screen.getByTestId("open-vault-path"));
    await user.type(screen.getByTestId("open-vault-path"), "/srv/team.db");
    await user.click(screen.getByTestId("open-vault-submit"));
    await waitFor(() => expect(onOpened).toHaveBeenCalledTimes(1));
  });
});
