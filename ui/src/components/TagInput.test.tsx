/** Tags: several at once with commas; a duplicate is said and cleared, not silently kept in the box. */
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { expect, it } from "vitest";

import { TagInput } from "./TagInput";

function Harness({ start }: { start: string[] }) {
  const [tags, setTags] = useState(start);
  return <TagInput tags={tags} onChange={setTags} />;
}

it("adds comma-separated tags, and says so when one is already there", async () => {
  const user = userEvent.setup();
  render(<Harness start={["prod"]} />);
  const input = screen.getByTestId("secret-tag-input");

  await user.type(input, "team-1, team-2,");
  expect(screen.getByTestId("tag-chip-team-1")).toBeInTheDocument();
  expect(screen.getByTestId("tag-chip-team-2")).toBeInTheDocument();
  expect(input).toHaveValue("");

  await user.type(input, "PROD{Enter}");
  expect(screen.getByTestId("secret-tag-error")).toHaveTextContent("“PROD” is already there.");
  expect(input).toHaveValue("");
  // The next tag starts clean instead of merging with the duplicate's text.
  await user.type(input, "ops{Enter}");
  expect(screen.getByTestId("tag-chip-ops")).toBeInTheDocument();
  expect(screen.queryByTestId("secret-tag-error")).toBeNull();
  expect(screen.getAllByRole("row").map((r) => r.textContent)).toEqual(["prod", "team-1", "team-2", "ops"]);
});
