import { describe, expect, it } from "vitest";

import { endOfLocalDay, lastValidDay, pastTime, relativeTime, todayIso } from "./time";

const NOW = new Date(2030, 5, 15, 12, 0, 0).getTime();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("relativeTime", () => {
  it.each([
    [NOW - 10_000, "just now"],
    [NOW - 50_000, "1 minute ago"],
    [NOW - 5 * MIN, "5 minutes ago"],
    [NOW - 59 * MIN, "59 minutes ago"],
    [NOW - 3 * HOUR, "3 hours ago"],
    [NOW - DAY, "yesterday"],
    [NOW - 3 * DAY, "3 days ago"],
    [NOW - 14 * DAY, "2 weeks ago"],
    [NOW - 65 * DAY, "2 months ago"],
    [NOW - 800 * DAY, "2 years ago"],
    [NOW + 2 * DAY, "in 2 days"],
  ])("%s -> %s", (at, text) => {
    expect(relativeTime(at, NOW)).toBe(text);
  });
});

describe("pastTime", () => {
  it.each([
    [NOW, "just now"],
    [NOW - 44_000, "just now"],
    [NOW - 50_000, "1 minute ago"],
    [NOW - 2 * MIN, "2 minutes ago"],
    // Saved after the clock was read (or by a clock a little ahead): never "in 1 minute".
    [NOW + 50_000, "just now"],
    [NOW + 2 * MIN, "just now"],
  ])("%s -> %s", (at, text) => {
    expect(pastTime(at, NOW)).toBe(text);
  });
});

describe("local dates", () => {
  it("a date lasts through its whole local day", () => {
    const end = endOfLocalDay("2030-01-31");
    const start = endOfLocalDay("2030-01-30");
    expect(end).toBe(new Date(2030, 1, 1).getTime());
    expect(new Date(end - 1).getDate()).toBe(31);
    expect(end - start).toBe(DAY);
  });

  it("round-trips through lastValidDay", () => {
    for (const d of ["2030-01-31", "2030-02-28", "2032-02-29", "2030-12-31"]) {
      expect(lastValidDay(endOfLocalDay(d))).toBe(d);
    }
  });

  it("rejects anything but YYYY-MM-DD", () => {
    expect(() => endOfLocalDay("31/01/2030")).toThrow();
  });

  it("formats today", () => {
    expect(todayIso(NOW)).toBe("2030-06-15");
  });
});
