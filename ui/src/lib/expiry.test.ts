import { describe, expect, it } from "vitest";

import { DAY_MS, expiringSoon, expiryBadge, HOUR_MS } from "./expiry";
import { summary } from "../test/fixtures";

const NOW = Date.UTC(2030, 5, 1, 12);

describe("expiryBadge", () => {
  it("shows nothing for secrets that never expire or expire after a week", () => {
    expect(expiryBadge(null, NOW)).toBeNull();
    expect(expiryBadge(NOW + 7 * DAY_MS + 1, NOW)).toBeNull();
    expect(expiryBadge(NOW + 7 * DAY_MS, NOW)?.tone).toBe("soon");
    expect(expiryBadge(NOW + 30 * DAY_MS, NOW)).toBeNull();
  });

  it("says Expired at and after the instant of expiry", () => {
    expect(expiryBadge(NOW, NOW)).toEqual({ tone: "expired", label: "Expired", short: "Expired" });
    expect(expiryBadge(NOW - 5 * DAY_MS, NOW)).toEqual({ tone: "expired", label: "Expired", short: "Expired" });
  });

  it("counts calendar days to the last valid day", () => {
    // Valid through the 4th (expires at the start of the 5th, local time).
    const through4th = new Date(2030, 5, 5).getTime();
    expect(expiryBadge(through4th, new Date(2030, 5, 1, 9).getTime())?.label).toBe("Expires in 3 days");
    expect(expiryBadge(through4th, new Date(2030, 5, 1, 9).getTime())?.short).toBe("In 3 days");
    expect(expiryBadge(through4th, new Date(2030, 5, 1, 23).getTime())?.label).toBe("Expires in 3 days");
    expect(expiryBadge(through4th, new Date(2030, 5, 3, 8).getTime())?.label).toBe("Expires tomorrow");
    expect(expiryBadge(through4th, new Date(2030, 5, 4, 23, 59).getTime())?.label).toBe("Expires today");
  });

  it("handles an exact time later today", () => {
    const at = new Date(2030, 5, 1, 18).getTime();
    expect(expiryBadge(at, new Date(2030, 5, 1, 9).getTime())).toEqual({ tone: "soon", label: "Expires today", short: "Today" });
    expect(expiryBadge(at + HOUR_MS, at)).toEqual({ tone: "soon", label: "Expires today", short: "Today" });
  });
});

describe("expiringSoon", () => {
  it("lists active, readable secrets expiring within 7 days, soonest first", () => {
    const list = [
      summary({ id: 1, key: "LATER", expires_at: NOW + 6 * DAY_MS }),
      summary({ id: 2, key: "SOONER", expires_at: NOW + DAY_MS }),
      summary({ id: 3, key: "EXPIRED", expires_at: NOW - DAY_MS }),
      summary({ id: 4, key: "FAR", expires_at: NOW + 20 * DAY_MS }),
      summary({ id: 5, key: "INACTIVE", expires_at: NOW + DAY_MS, active: false }),
      summary({ id: 6, key: "", expires_at: NOW + DAY_MS, damaged: true }),
      summary({ id: 7, key: "NEVER", expires_at: null }),
    ];
    expect(expiringSoon(list, NOW).map((s) => s.key)).toEqual(["SOONER", "LATER"]);
  });
});
