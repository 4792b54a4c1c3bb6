/**
 * Expiry badges and the "expiring soon" notice. Computed from `expires_at`
 * against the current clock (not the state the list was fetched with), so a
 * table left open keeps telling the truth. The horizon is the core's
 * (LIMITS.expiry_warning_ms, seven days).
 */
import { LIMITS } from "../bindings/limit-values";
import type { SecretSummary } from "../bindings/SecretSummary";

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
export const WARNING_MS = LIMITS.expiry_warning_ms;
/** The horizon in whole days, for messages ("expire within 7 days"). */
export const WARNING_DAYS = Math.round(WARNING_MS / DAY_MS);

/** `short` fits the table's Expiry column ("In 3 days"); `label` reads alone. */
export type ExpiryBadge = { tone: "expired" | "soon"; label: string; short: string } | null;

export function isExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt <= now;
}

export function isExpiringSoon(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt > now && expiresAt - now <= WARNING_MS;
}

function localDayNumber(at: number): number {
  const d = new Date(at);
  return Math.round(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / DAY_MS);
}

/**
 * "Expired", "Expires today", "Expires tomorrow", "Expires in 3 days", or
 * nothing. Days count calendar days to the last day the secret is valid
 * (the CLI's "through <date>"), so a secret valid through Friday says
 * "in 3 days" all Tuesday long.
 */
export function expiryBadge(expiresAt: number | null, now: number): ExpiryBadge {
  if (expiresAt === null) return null;
  if (isExpired(expiresAt, now)) return { tone: "expired", label: "Expired", short: "Expired" };
  if (!isExpiringSoon(expiresAt, now)) return null;
  const days = localDayNumber(expiresAt - 1) - localDayNumber(now);
  if (days <= 0) return { tone: "soon", label: "Expires today", short: "Today" };
  if (days === 1) return { tone: "soon", label: "Expires tomorrow", short: "Tomorrow" };
  return { tone: "soon", label: `Expires in ${days} days`, short: `In ${days} days` };
}

/** Active, readable secrets that expire within the horizon, soonest first. */
export function expiringSoon(list: readonly SecretSummary[], now: number): SecretSummary[] {
  return list
    .filter((s) => !s.damaged && s.active && isExpiringSoon(s.expires_at, now))
    .sort((a, b) => (a.expires_at ?? 0) - (b.expires_at ?? 0));
}
