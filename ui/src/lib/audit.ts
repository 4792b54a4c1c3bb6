/**
 * The audit screen's pure parts: readable labels, paging, and the CSV
 * export (every field quoted, formulas neutralised).
 */
import type { AuditAction } from "../bindings/AuditAction";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { AuditQuery } from "../bindings/AuditQuery";

export const ACTION_LABELS: Record<AuditAction, string> = {
  "sign-in": "Signed in",
  "sign-in-failed": "Sign-in failed",
  reveal: "Revealed",
  copy: "Copied",
  get: "Read (CLI get)",
  create: "Created",
  update: "Changed",
  restore: "Restored a version",
  delete: "Deleted",
  activate: "Activated",
  deactivate: "Deactivated",
  "usage-add": "Usage added",
  "usage-remove": "Usage removed",
  import: "Imported",
  export: "Exported",
  "user-add": "User added",
  "user-role": "Role changed",
  "user-memberships": "Departments changed",
  "user-disable": "User disabled",
  "user-enable": "User enabled",
  "department-add": "Department added",
  "department-rename": "Department renamed",
  "device-revoke": "Device revoked",
  "keys-replaced": "Password changed, keys replaced",
  run: "Injected (coffer run)",
};

export const AUDIT_ACTIONS = Object.keys(ACTION_LABELS) as AuditAction[];

/** Entries per page while scrolling, and per request while exporting (the command's maximum). */
export const AUDIT_PAGE = 500;
export const AUDIT_EXPORT_PAGE = 5000;

/** What the screen filters by; paging adds `before` and `limit`. */
export type AuditFilter = Omit<AuditQuery, "before" | "limit">;

export const NO_FILTER: AuditFilter = { user: null, action: null, secret_id: null, since: null, until: null };

/**
 * The `before` of the next page: the last entry's seq, or none when this
 * page came back short (the log is exhausted) or reached the first entry.
 */
export function nextAuditPage(page: readonly AuditEntry[], pageSize = AUDIT_PAGE): number | undefined {
  if (page.length < pageSize) return undefined;
  const last = page[page.length - 1];
  return last && last.seq > 1 ? last.seq : undefined;
}

/** Every entry matching `filter`, newest first, in pages of `pageSize` until exhausted. */
export async function fetchAllAudit(
  read: (q: AuditQuery) => Promise<AuditEntry[]>,
  filter: AuditFilter,
  pageSize = AUDIT_EXPORT_PAGE,
): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  let before: number | null = null;
  for (;;) {
    const page = await read({ ...filter, before, limit: pageSize });
    all.push(...page);
    const next = nextAuditPage(page, pageSize);
    if (next === undefined) return all;
    before = next;
  }
}

/** "permission_denied" → "permission denied"; null (it went through) → "ok". */
export function outcomeLabel(e: AuditEntry): string {
  return e.outcome === null ? "ok" : `refused: ${e.outcome.replace(/_/g, " ")}`;
}

export function actionLabel(a: AuditAction | null): string {
  return a === null ? "Unknown (damaged)" : ACTION_LABELS[a];
}

/** The detail column: the field copied (or injected), the program a run was for, or the user or department acted on. */
export function detailOf(e: AuditEntry): string {
  const parts: string[] = [];
  if (e.field !== null) parts.push(`field ${e.field}`);
  if (e.program !== null) parts.push(`program ${e.program}`);
  if (parts.length === 0 && e.subject !== null) parts.push(e.subject);
  return parts.join(", ");
}

/**
 * One CSV field: always quoted, inner quotes doubled, and a value a
 * spreadsheet would run as a formula (leading = + - @, or a tab or
 * carriage return before one) prefixed with a single quote.
 */
export function csvField(value: string | number | null): string {
  let s = value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export const CSV_HEADER = ["seq", "time", "user", "action", "secret_id", "key", "field", "program", "subject", "outcome", "authentic"];

/** The export: a header line, then one line per entry (times in ISO 8601 UTC), CRLF-separated. */
export function auditCsv(entries: readonly AuditEntry[]): string {
  const lines = [CSV_HEADER.map(csvField).join(",")];
  for (const e of entries) {
    lines.push(
      [
        e.seq,
        new Date(e.at).toISOString(),
        e.user,
        e.action ?? "unknown",
        e.secret_id,
        e.key,
        e.field,
        e.program,
        e.subject,
        e.outcome ?? "ok",
        e.authentic ? "yes" : "DAMAGED",
      ]
        .map(csvField)
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}

/** Local midnight of a `yyyy-mm-dd` date input, in ms; `endOfDay` gives the next midnight (an exclusive bound). */
export function dayStart(date: string, endOfDay = false): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (endOfDay ? 1 : 0)).getTime();
}
