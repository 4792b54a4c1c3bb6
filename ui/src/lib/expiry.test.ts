import { describe, expect, it } from "vitest";

import { DAY_MS, expiringSoon, expiryBadge, HOUR_MS } from "./expiry";
import { summary } from "../test/fixtures";

const NOW = Date.UTC(2030, 5, 1, 12);

describe("expiryBadge", () => {
  it("shows nothing for secrets that never expire or expire after a week", () => {
    expect(expiryBadge(null, NOW)).toBeNull();
    expect(expiryBadge(NOW + 7 * DAY_MS + 1, NOW)).toBeNull();
    expect(expiryBadge(NOW + 30 * DAY_MS, NOW)).toBeNull();
  });

  it("says Expired at and after the instant of expiry", () => {
    expect(expiryBadge(NOW, NOW)).toEqual({ tone: "expired", label: "Expired" });
    expect(expiryBadge(NOW - 5 * DAY_MS, NOW)).toEqual({ tone: "expired", label: "Expired" });
  });

  it("counts whole days within the week, rounding up", () => {
    expect(expiryBadge(NOW + 7 * DAY_MS, NOW)).toEqual({ tone: "soon", label: "Expires in 7 days" });
    expect(expiryBadge(NOW + 2 * DAY_MS + HOUR_MS, NOW)?.label).toBe("Expires in 3 days");
    expect(expiryBadge(NOW + DAY_MS, NOW)?.label).toBe("Expires in 1 day");
  });

  it("uses hours on the last day", () => {
    expect(expiryBadge(NOW + 5 * HOUR_MS + 10, NOW)?.label).toBe("Expires in 5 hours");
    expect(expiryBadge(NOW + HOUR_MS, NOW)?.label).toBe("Expires in 1 hour");
    expect(expiryBadge(NOW + 59 * 60_000, NOW)?.label).toBe("Expires in under an hour");
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
