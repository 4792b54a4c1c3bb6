/**
 * The audit log (issue 9): who signed in, revealed, copied, changed or was
 * refused what, newest first. Admins and the owner read every entry,
 * members only their own (the core enforces it). Filters go to the
 * command; the list is virtualized and fetches the next page of 500 as
 * it nears the end, so 100,000 entries scroll smoothly. Admins can check
 * the log's integrity; anyone can export the filtered entries as CSV.
 */
import { useMutation } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { Download, ShieldCheck } from "lucide-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { Label } from "react-aria-components";

import { verifyAudit } from "../../api";
import type { AuditAction } from "../../bindings/AuditAction";
import type { AuditEntry } from "../../bindings/AuditEntry";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { Banner } from "../../components/Banner";
import { Btn, SelectField, TextInput } from "../../components/controls";
import { actionLabel, AUDIT_ACTIONS, ACTION_LABELS, type AuditFilter, dayStart, detailOf, outcomeLabel } from "../../lib/audit";
import { isAdmin } from "../../lib/scope";
import { sentence } from "../../lib/text";
import { useAuditLog, useUsers } from "../../queries";
import { AdminView } from "./AdminView";
import { AuditCsvDialog } from "./AuditCsvDialog";
import "../../styles/audit.css";

const ALL = "*";
const ROW_HEIGHT = 40;
/** Fetch the next page when the last rendered row is this close to the end. */
const PREFETCH_ROWS = 50;

export function AuditView({ session }: { session: SessionInfo }) {
  const admin = isAdmin(session.user.role);
  const users = useUsers(admin);
  const [user, setUser] = useState(ALL);
  const [action, setAction] = useState(ALL);
  const [secretId, setSecretId] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");

  const idText = secretId.trim();
  const idError = idText !== "" && !/^\d+$/.test(idText) ? "A secret id is a number" : null;
  const filter: AuditFilter = useMemo(
    () => ({
      user: admin && user !== ALL ? user : null,
      action: action !== ALL ? (action as AuditAction) : null,
      secret_id: idText !== "" && !idError ? Number(idText) : null,
      since: dayStart(from),
      until: dayStart(to, true),
    }),
    [admin, user, action, idText, idError, from, to],
  );
  const log = useAuditLog(filter);
  const entries = useMemo(() => log.data?.pages.flat() ?? [], [log.data]);

  const check = useMutation({ mutationFn: verifyAudit });
  const [csvOpen, setCsvOpen] = useState(false);
  const [saved, setSaved] = useState<{ path: string; count: number } | null>(null);

  return (
    <AdminView
      id="audit"
      title="Audit log"
      summary={
        admin
          ? "Every entry in the vault's log, newest first: sign-ins, reveals, copies, changes and refusals by everyone."
          : "Your own entries, newest first: what you signed in to, revealed, copied or changed. Admins see everyone's."
      }
      actions={
        <div className="toolbar">
          {admin && (
            <Btn icon={<ShieldCheck size={16} />} onPress={() => check.mutate()} isDisabled={check.isPending} testId="audit-verify">
              {check.isPending ? "Checking…" : "Check integrity"}
            </Btn>
          )}
          <Btn icon={<Download size={16} />} onPress={() => setCsvOpen(true)} testId="audit-export">
            Export CSV
          </Btn>
        </div>
      }
    >
      {csvOpen && (
        <AuditCsvDialog
          filter={filter}
          onClose={() => setCsvOpen(false)}
          onSaved={(path, count) => {
            setCsvOpen(false);
            setSaved({ path, count });
          }}
        />
      )}
      {saved && (
        <Banner tone="info" testId="audit-export-result">
          Saved {saved.count.toLocaleString()} {saved.count === 1 ? "entry" : "entries"} to <span className="secret-key" data-testid="audit-export-path">{saved.path}</span>
        </Banner>
      )}
      {check.isSuccess && (
        <Banner tone="info" testId="audit-verify-result">
          The log checks out: all {check.data.entries.toLocaleString()} entries are sound.
        </Banner>
      )}
      {check.isError && (
        <Banner tone="danger" live="assertive" testId="audit-verify-result">
          {check.error.code === "integrity" ? "The log is damaged: " : "Cannot check the log: "}
          {sentence(check.error.message)}
        </Banner>
      )}
      <div className="toolbar audit-filters" data-testid="audit-filters">
        {admin && (
          <SelectField
            label="User"
            value={user}
            options={[{ id: ALL, label: "All users" }, ...(users.data ?? []).map((u) => ({ id: u.username, label: u.display_name ? `${u.display_name} (${u.username})` : u.username, testId: `audit-user-option-${u.username}` }))]}
            onChange={setUser}
            searchLabel="Find a user"
            testId="audit-user"
          />
        )}
        <SelectField
          label="Action"
          value={action}
          options={[{ id: ALL, label: "All actions" }, ...AUDIT_ACTIONS.map((a) => ({ id: a, label: ACTION_LABELS[a], testId: `audit-action-option-${a}` }))]}
          onChange={setAction}
          testId="audit-action"
        />
        <TextInput label="Secret id" value={secretId} onChange={setSecretId} placeholder="Any" error={idError} className="audit-secret" testId="audit-secret" />
        <DateInput label="From" value={from} onChange={setFrom} testId="audit-from" />
        <DateInput label="To" value={to} onChange={setTo} testId="audit-to" />
      </div>
      {log.isError && (
        <Banner tone="danger" live="assertive" testId="audit-error">
          {sentence(log.error.message)}
        </Banner>
      )}
      <AuditList
        entries={entries}
        loading={log.isPending}
        more={log.hasNextPage}
        fetchingMore={log.isFetchingNextPage}
        onNearEnd={() => {
          if (log.hasNextPage && !log.isFetchingNextPage) void log.fetchNextPage();
        }}
        filterKey={JSON.stringify(filter)}
      />
    </AdminView>
  );
}

function DateInput({ label, value, onChange, testId }: { label: string; value: string; onChange: (v: string) => void; testId: string }) {
  const id = `audit-date-${testId}`;
  return (
    <div className="field audit-date">
      <Label className="field-label" htmlFor={id}>
        {label}
      </Label>
      <input id={id} type="date" className="input" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
    </div>
  );
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

function AuditList(p: { entries: AuditEntry[]; loading: boolean; more: boolean; fetchingMore: boolean; onNearEnd: () => void; filterKey: string }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: p.entries.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    getItemKey: (i) => p.entries[i]?.seq ?? i,
    initialRect: { width: 1200, height: 800 },
  });
  const items = virtualizer.getVirtualItems();
  const lastShown = items[items.length - 1]?.index ?? -1;
  const { more, fetchingMore, onNearEnd } = p;
  useEffect(() => {
    if (more && !fetchingMore && lastShown >= p.entries.length - PREFETCH_ROWS) onNearEnd();
  }, [lastShown, p.entries.length, more, fetchingMore, onNearEnd]);
  // A new filter shows its newest entries, not wherever the old list was scrolled to.
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [p.filterKey]);

  return (
    <div className="table audit-table" role="table" aria-label="Audit log" aria-rowcount={p.entries.length + 1} data-testid="audit-table">
      <div className="table-scroll" ref={scrollRef} data-testid="audit-scroll">
        <div role="rowgroup" className="thead">
          <div role="row" className="tr th-row" aria-rowindex={1}>
            {["Time", "User", "Action", "Secret", "Detail", "Outcome"].map((h) => (
              <div role="columnheader" key={h} className="th">
                {h}
              </div>
            ))}
          </div>
        </div>
        <div role="rowgroup" className="tbody" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((v) => {
            const e = p.entries[v.index];
            if (!e) return null;
            return (
              <div key={v.key} className="vrow" style={{ transform: `translateY(${v.start}px)`, height: v.size }}>
                <AuditRow e={e} index={v.index} />
              </div>
            );
          })}
        </div>
        {!p.loading && p.entries.length === 0 && (
          <p className="muted audit-empty" data-testid="audit-empty">
            No entries match these filters.
          </p>
        )}
      </div>
      <div className="audit-status muted small" aria-live="polite" data-testid="audit-status">
        {p.loading
          ? "Loading…"
          : `${p.entries.length.toLocaleString()} ${p.entries.length === 1 ? "entry" : "entries"}${p.fetchingMore ? ", loading more…" : p.more ? ", more as you scroll" : ""}`}
      </div>
    </div>
  );
}

function AuditRow({ e, index }: { e: AuditEntry; index: number }) {
  return (
    <div role="row" aria-rowindex={index + 2} className={`tr${e.authentic ? "" : " is-damaged"}`} data-testid={`audit-row-${e.seq}`} data-action={e.action ?? ""}>
      <div role="cell" className="td" title={`#${e.seq}`}>
        {timeFormat.format(new Date(e.at))}
      </div>
      <div role="cell" className="td">
        {e.user}
      </div>
      <div role="cell" className="td" data-testid="audit-cell-action">
        {actionLabel(e.action)}
      </div>
      <div role="cell" className="td">
        {e.secret_id !== null && (
          <>
            <span className="muted">#{e.secret_id}</span>
            {e.key !== null && <span className="secret-key">{e.key}</span>}
          </>
        )}
      </div>
      <div role="cell" className="td">
        {detailOf(e)}
      </div>
      <div role="cell" className="td">
        {!e.authentic && (
          <span className="badge badge-danger" title="This entry's signature or columns do not check out: someone changed it." data-testid={`audit-damaged-${e.seq}`}>
            Damaged
          </span>
        )}
        {e.outcome === null ? <span className="muted">ok</span> : <span className="badge badge-warning">{outcomeLabel(e)}</span>}
      </div>
    </div>
  );
}
