/** History says what each version changed. */
import { screen } from "@testing-library/react";
import { expect, it } from "vitest";

import type { VersionInfo } from "../../bindings/VersionInfo";
import { fakeBackend } from "../../test/backend";
import { summary } from "../../test/fixtures";
import { renderWithQueries as render } from "../../test/render";
import { HistoryDialog } from "./HistoryDialog";

const v = (version: number, p: Partial<VersionInfo>): VersionInfo => ({
  version,
  current: false,
  key: "DB",
  field_names: ["host", "password"],
  description: "",
  tags: [],
  updated_by: "ana",
  updated_at: 0,
  changes: [],
  ...p,
});

it("says what changed in each version", async () => {
  fakeBackend({
    history: () => [
      v(3, { current: true, changes: [{ kind: "field_value", field: "password" }, { kind: "tags" }] }),
      v(2, { changes: [{ kind: "field_added", field: "host" }, { kind: "key" }] }),
      v(1, {}),
    ],
  });
  render(<HistoryDialog secret={summary({ id: 1, key: "DB" })} onClose={() => {}} onRestored={() => {}} />);
  expect(await screen.findByTestId("changes-3")).toHaveTextContent("Changed: the value of password; the tags.");
  expect(screen.getByTestId("changes-2")).toHaveTextContent("Changed: added field host; the key.");
  expect(screen.getByTestId("changes-1")).toHaveTextContent("Created.");
});

it("says when earlier versions are no longer kept", async () => {
  fakeBackend({ history: () => [v(12, { current: true }), v(11, {})] });
  render(<HistoryDialog secret={summary({ id: 1, key: "DB" })} onClose={() => {}} onRestored={() => {}} />);
  expect(await screen.findByTestId("changes-11")).toHaveTextContent("The oldest version kept: earlier ones are no longer stored.");
  expect(screen.getByTestId("changes-12")).toHaveTextContent(/No change to its key, fields/);
});
