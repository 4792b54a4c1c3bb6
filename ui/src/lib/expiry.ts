/**
 * Expiry badges and the "expiring soon" notice. Computed from `expires_at`
 * against the current clock (not the state the list was fetched with), so a
 * table left open keeps telling the truth. The horizon matches the core's:
 * seven days.
 */
import type { SecretSummary } from "../bindings/SecretSummary";

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
export const WARNING_MS = 7 * DAY_MS;

export type ExpiryBadge = { tone: "expired" | "soon"; label: string } | null;

export function isExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt <= now;
}

export function isExpiringSoon(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt > now && expiresAt - now <= WARNING_MS;
}

/** "Expired", "Expires in 3 days", "Expires in 5 hours", or nothing. */
export function expiryBadge(expiresAt: number | null, now: number): ExpiryBadge {
  if (expiresAt === null) return null;
  if (isExpired(expiresAt, now)) return { tone: "expired", label: "Expired" };
  if (!isExpiringSoon(expiresAt, now)) return null;
  const left = expiresAt - now;
  if (left < HOUR_MS) return { tone: "soon", label: "Expires in under an hour" };
  if (left < DAY_MS) {
    const hours = Math.floor(left / HOUR_MS);
    return { tone: "soon", label: `Expires in ${hours} ${hours === 1 ? "hour" : "hours"}` };
  }
  const days = Math.ceil(left / DAY_MS);
  return { tone: "soon", label: `Expires in ${days} ${days === 1 ? "day" : "days"}` };
}

/** Active, readable secrets that expire within seven days, soonest first. */
export function expiringSoon(list: readonly SecretSummary[], now: number): SecretSummary[] {
  return list
    .filter((s) => !s.damaged && s.active && isExpiringSoon(s.expires_at, now))
    .sort((a, b) => (a.expires_at ?? 0) - (b.expires_at ?? 0));
}
