/**
 * Sorting the secrets table. Done once per list and sort order, before
 * filtering, so typing in the search box never re-sorts 10,000 rows (and
 * with a native collator, not a per-comparison regex split).
 */
import type { SecretSummary } from "../bindings/SecretSummary";

export type SortColumn = "key" | "expiry" | "active" | "updated";
export interface SortOrder {
  id: SortColumn;
  desc: boolean;
}

// An explicit locale: with none, a web view started under LANG=C may fall
// back to POSIX order (every capital before any lower-case letter).
const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

function byNumber(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const COMPARE: Record<SortColumn, (a: SecretSummary, b: SecretSummary) => number> = {
  key: (a, b) => collator.compare(a.key, b.key),
  // Never-expiring secrets sort after every date.
  expiry: (a, b) => byNumber(a.expires_at ?? Number.POSITIVE_INFINITY, b.expires_at ?? Number.POSITIVE_INFINITY),
  active: (a, b) => byNumber(a.active ? 0 : 1, b.active ? 0 : 1),
  updated: (a, b) => byNumber(a.updated_at, b.updated_at),
};

export function isSortColumn(id: string): id is SortColumn {
  return id in COMPARE;
}

/** A sorted copy; ties fall back to key, then id, so the order is stable. */
export function sortSecrets(list: readonly SecretSummary[], order: SortOrder): SecretSummary[] {
  const cmp = COMPARE[order.id];
  const dir = order.desc ? -1 : 1;
  return [...list].sort((a, b) => dir * cmp(a, b) || collator.compare(a.key, b.key) || a.id - b.id);
}
