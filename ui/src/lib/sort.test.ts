import { describe, expect, it } from "vitest";

import { sortSecrets } from "./sort";
import { summary } from "../test/fixtures";

const list = [
  summary({ id: 1, key: "key10", updated_at: 3, expires_at: null, active: true }),
  summary({ id: 2, key: "Key2", updated_at: 1, expires_at: 500, active: false }),
  summary({ id: 3, key: "alpha", updated_at: 2, expires_at: 100, active: true }),
  summary({ id: 4, key: "alpha", updated_at: 9, expires_at: null, active: true }),
];
const keys = (xs: { id: number }[]) => xs.map((x) => x.id);

describe("sortSecrets", () => {
  it("sorts keys naturally and case-insensitively, ties by id", () => {
    expect(keys(sortSecrets(list, { id: "key", desc: false }))).toEqual([3, 4, 2, 1]);
    expect(keys(sortSecrets(list, { id: "key", desc: true }))).toEqual([1, 2, 3, 4]);
  });

  it("puts never-expiring secrets last", () => {
    expect(keys(sortSecrets(list, { id: "expiry", desc: false }))).toEqual([3, 2, 4, 1]);
  });

  it("sorts by last update and by active state", () => {
    expect(keys(sortSecrets(list, { id: "updated", desc: true }))).toEqual([4, 1, 3, 2]);
    expect(keys(sortSecrets(list, { id: "active", desc: false }))).toEqual([3, 4, 1, 2]);
  });

  it("does not mutate its input", () => {
    const copy = [...list];
    sortSecrets(list, { id: "updated", desc: false });
    expect(list).toEqual(copy);
  });
});
