/**
 * In-memory filtering of the secrets table. The whole list is fetched once
 * (with inactive and expired secrets) and every keystroke filters here, so
 * typing never waits on IPC. Matches the core's `ListQuery` semantics:
 * search is a case-insensitive substring of key, description or a tag; the
 * tag filter is an exact tag (ignoring case); the department filter keeps
 * secrets scoped to that department or to all departments.
 */
import type { SecretSummary } from "../bindings/SecretSummary";
import { isExpired } from "./expiry";

export interface SecretFilter {
  search: string;
  tag: string | null;
  department: string | null;
  /** Show inactive and expired secrets too. */
  showInactive: boolean;
}

const NONE: ReadonlySet<number> = new Set();

export const EMPTY_FILTER: SecretFilter = { search: "", tag: null, department: null, showInactive: false };

// Lower-cased search text per summary object. Summaries are immutable (a
// refresh brings new objects), so a WeakMap keyed by identity is safe.
const haystacks = new WeakMap<SecretSummary, string>();

function haystack(s: SecretSummary): string {
  let h = haystacks.get(s);
  if (h === undefined) {
    h = [s.key, s.description, ...s.tags].join("\u0000").toLowerCase();
    haystacks.set(s, h);
  }
  return h;
}

/** Hidden unless "show inactive & expired" is on. */
export function isDormant(s: SecretSummary, now: number): boolean {
  if (s.damaged) return false;
  return !s.active || s.expiry === "expired" || isExpired(s.expires_at, now);
}

export function inDepartment(s: SecretSummary, code: string): boolean {
  const d = s.scope.departments;
  if (d.kind === "all") return true;
  const wanted = code.toLowerCase();
  return d.codes.some((c) => c.toLowerCase() === wanted);
}

/**
 * The secrets the filter lets through, and how many more it would with
 * "show inactive & expired" on (`hidden`), in one pass. `keep`: ids shown
 * even when dormant (one just deactivated stays in view, greyed, until the
 * next refresh).
 */
export function filterCounting(
  list: readonly SecretSummary[],
  filter: SecretFilter,
  now: number,
  keep: ReadonlySet<number> = NONE,
): { rows: SecretSummary[]; hidden: number } {
  const needle = filter.search.trim().toLowerCase();
  const tag = filter.tag?.toLowerCase() ?? null;
  const rows: SecretSummary[] = [];
  let hidden = 0;
  for (const s of list) {
    if (filter.department !== null && !inDepartment(s, filter.department)) continue;
    if (tag !== null && !s.tags.some((t) => t.toLowerCase() === tag)) continue;
    if (needle !== "" && !haystack(s).includes(needle)) continue;
    if (!filter.showInactive && isDormant(s, now) && !keep.has(s.id)) hidden += 1;
    else rows.push(s);
  }
  return { rows, hidden };
}

/** The secrets the filter lets through (see filterCounting). */
export function filterSecrets(
  list: readonly SecretSummary[],
  filter: SecretFilter,
  now: number,
  keep: ReadonlySet<number> = NONE,
): SecretSummary[] {
  return filterCounting(list, filter, now, keep).rows;
}

const natural = new Intl.Collator("en", { sensitivity: "base", numeric: true });

/** Sorts as people count: team-1, team-2, team-10 (not team-1, team-10, team-2). */
export function naturalSort(list: readonly string[]): string[] {
  return [...list].sort(natural.compare);
}

/** Every tag in use, once each (first spelling wins), in natural order. */
export function collectTags(list: readonly SecretSummary[]): string[] {
  const seen = new Map<string, string>();
  for (const s of list) for (const t of s.tags) if (!seen.has(t.toLowerCase())) seen.set(t.toLowerCase(), t);
  return naturalSort([...seen.values()]);
}

/** Every department code that appears in a scope, sorted. */
export function collectDepartments(list: readonly SecretSummary[]): string[] {
  const seen = new Set<string>();
  for (const s of list) if (s.scope.departments.kind === "departments") for (const c of s.scope.departments.codes) seen.add(c);
  return [...seen].sort();
}
