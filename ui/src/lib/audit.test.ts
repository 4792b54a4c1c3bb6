import { describe, expect, it } from "vitest";

import type { AuditEntry } from "../bindings/AuditEntry";
import type { AuditQuery } from "../bindings/AuditQuery";
import { auditCsv, csvField, detailOf, fetchAllAudit, nextAuditPage, NO_FILTER } from "./audit";

const entry = (seq: number, p: Partial<AuditEntry> = {}): AuditEntry => ({
  seq,
  at: Date.UTC(2026, 0, 2, 3, 4, 5),
  user: "ana",
  action: "reveal",
  secret_id: 7,
  key: "DB_PASSWORD",
  field: null,
  program: null,
  subject: null,
  outcome: null,
  authentic: true,
  ...p,
});

describe("csvField", () => {
  it("quotes every field and doubles inner quotes", () => {
    expect(csvField("plain")).toBe('"plain"');
    expect(csvField('say "hi", then go')).toBe('"say ""hi"", then go"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField(null)).toBe('""');
    expect(csvField(42)).toBe('"42"');
  });

  it("neutralises leading = + - @ (and tab, CR) against formula injection", () => {
    expect(csvField("=HYPERLINK(\"x\")")).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField("+1")).toBe('"\'+1"');
    expect(csvField("-2+3")).toBe('"\'-2+3"');
    expect(csvField("@SUM(A1)")).toBe('"\'@SUM(A1)"');
    expect(csvField("\t=1")).toBe('"\'\t=1"');
    expect(csvField("a=b")).toBe('"a=b"');
  });
});

describe("auditCsv", () => {
  it("writes a quoted header and one line per entry, marking damaged entries", () => {
    const csv = auditCsv([entry(2, { key: "=cmd|' /C calc'!A0", outcome: "permission_denied" }), entry(1, { action: null, authentic: false, secret_id: null, key: null })]);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe('"seq","time","user","action","secret_id","key","field","program","subject","outcome","authentic"');
    expect(lines[1]).toBe('"2","2026-01-02T03:04:05.000Z","ana","reveal","7","\'=cmd|\' /C calc\'!A0","","","","permission_denied","yes"');
    expect(lines[2]).toBe('"1","2026-01-02T03:04:05.000Z","ana","unknown","","","","","","ok","DAMAGED"');
    expect(lines[3]).toBe("");
  });
});

describe("detailOf", () => {
  it("names the field, the program of a run, or the subject", () => {
    expect(detailOf(entry(1, { action: "copy", field: "value" }))).toBe("field value");
    expect(detailOf(entry(1, { action: "run", field: "password", program: "psql" }))).toBe("field password, program psql");
    expect(detailOf(entry(1, { action: "run", program: "psql" }))).toBe("program psql");
    expect(detailOf(entry(1, { action: "user-add", secret_id: null, key: null, subject: "bruno" }))).toBe("bruno");
  });
});

describe("paging", () => {
  it("asks for the next page before the last entry's seq while pages come back full", () => {
    const full = Array.from({ length: 500 }, (_, i) => entry(1000 - i));
    expect(nextAuditPage(full)).toBe(501);
    expect(nextAuditPage(full.slice(0, 499))).toBeUndefined();
    expect(nextAuditPage([])).toBeUndefined();
    expect(nextAuditPage([entry(1)], 1)).toBeUndefined();
  });

  it("fetchAllAudit reads pages of the given size until exhausted, keeping the filter", async () => {
    const log = Array.from({ length: 12 }, (_, i) => entry(12 - i));
    const queries: AuditQuery[] = [];
    const read = async (q: AuditQuery) => {
      queries.push(q);
      return log.filter((e) => q.before === null || e.seq < q.before).slice(0, q.limit ?? 200);
    };
    const all = await fetchAllAudit(read, { ...NO_FILTER, action: "reveal" }, 5);
    expect(all.map((e) => e.seq)).toEqual(log.map((e) => e.seq));
    expect(queries.map((q) => q.before)).toEqual([null, 8, 3]);
    expect(queries.every((q) => q.limit === 5 && q.action === "reveal")).toBe(true);
  });
});
