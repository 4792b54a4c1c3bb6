/**
 * The clock relative times and expiry badges count from. Read again every
 * 30 seconds (so "just now" becomes "1 minute ago" on time) and whenever
 * `resetOn` changes (a list that just arrived is "just now", not "in 1
 * minute" against a clock read before it).
 */
import { useEffect, useState } from "react";

export const CLOCK_MS = 30_000;

export function useNow(resetOn?: unknown, intervalMs = CLOCK_MS): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    const t = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(t);
  }, [resetOn, intervalMs]);
  return now;
}
