/**
 * Times as people read them. The vault stores UTC milliseconds; a date
 * typed in the UI means "valid through that day where I am" (it expires at
 * the start of the next local day), the same rule as the CLI's `--expires`.
 */

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 24 * 3600 * 1000],
  ["month", 30 * 24 * 3600 * 1000],
  ["week", 7 * 24 * 3600 * 1000],
  ["day", 24 * 3600 * 1000],
  ["hour", 3600 * 1000],
  ["minute", 60 * 1000],
];

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "just now", "5 minutes ago", "yesterday", "3 weeks ago", "in 2 days". */
export function relativeTime(at: number, now: number): string {
  const diff = at - now;
  const abs = Math.abs(diff);
  if (abs < 45 * 1000) return "just now";
  for (const [unit, ms] of UNITS) {
    if (abs >= ms || unit === "minute") {
      const n = Math.round(diff / ms);
      return relative.format(n === 0 ? Math.sign(diff) : n, unit);
    }
  }
  return "just now";
}

/**
 * A moment that has passed (updated, created, added): "just now", "5
 * minutes ago". Never "in 1 minute": a time a little ahead of the clock
 * the UI last read (a row saved after the list was fetched, a clock a
 * second apart) is "just now".
 */
export function pastTime(at: number, now: number): string {
  return relativeTime(Math.min(at, now), now);
}

const exact = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function exactTime(at: number): string {
  return exact.format(new Date(at));
}

export function formatDate(at: number): string {
  return dateOnly.format(new Date(at));
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "2030-01-31" -> the instant the 31st ends, local time. */
export function endOfLocalDay(isoDate: string): number {
  const m = ISO_DATE.exec(isoDate);
  if (!m) throw new Error("expected a date as YYYY-MM-DD");
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime();
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** The local date a secret is valid through: the day before it expires. */
export function lastValidDay(expiresAt: number): string {
  const d = new Date(expiresAt - 1);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function todayIso(now: number): string {
  const d = new Date(now);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
