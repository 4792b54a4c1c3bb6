/**
 * The main screen: the toolbar (search and filters), the notice of secrets
 * expiring soon, the table, and the dialogs opened from it. The list is
 * fetched once with everything the user may see and filtered in memory.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Plus, X } from "lucide-react";
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import type { SortingState } from "@tanstack/react-table";

import { copyAsEnv, copyField, revealSecret, setSecretActive, toApiError } from "../../api";
import type { SecretSummary } from "../../bindings/SecretSummary";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { Banner } from "../../components/Banner";
import { Btn, IconButton } from "../../components/controls";
import { toast } from "../../components/toasts";
import { useNow } from "../../hooks/useNow";
import { useRevealed } from "../../hooks/useRevealed";
import { useShortcut } from "../../hooks/useShortcut";
import { withAdvice } from "../../lib/advice";
import { expiringSoon, WARNING_DAYS } from "../../lib/expiry";
import { collectDepartments, collectTags, EMPTY_FILTER, filterCounting, naturalSort, type SecretFilter } from "../../lib/filter";
import { isSortColumn, sortSecrets } from "../../lib/sort";
import { isAdmin } from "../../lib/scope";
import { plural, sentence } from "../../lib/text";
import { invalidate, keys, refreshSecret, useDepartments, useSecrets, useSession } from "../../queries";
import type { RowActions } from "./cells";
import { DeactivateDialog } from "./DeactivateDialog";
import { DeleteDialog } from "./DeleteDialog";
import { HistoryDialog } from "./HistoryDialog";
import { ImportDialog } from "./ImportDialog";
import { SecretDetails } from "./SecretDetails";
import { SecretDialog } from "./SecretDialog";
import { SecretsTable } from "./SecretsTable";
import { FilterControls, SearchBox, ToolbarActions } from "./Toolbar";
import { UsagesDialog } from "./UsagesDialog";

type DialogState =
  | { kind: "create" }
  | { kind: "details"; id: number }
  | { kind: "edit"; s: SecretSummary }
  | { kind: "delete"; s: SecretSummary }
  | { kind: "history"; s: SecretSummary }
  | { kind: "usages"; s: SecretSummary }
  | { kind: "deactivate"; s: SecretSummary }
  | { kind: "import" }
  | null;

export function SecretsView({
  session,
  startWithCreate = false,
  onStarted,
}: {
  session: SessionInfo;
  /** Open "New secret" at once (Ctrl+N pressed on another view). */
  startWithCreate?: boolean;
  onStarted?: () => void;
}) {
  const client = useQueryClient();
  const secrets = useSecrets();
  const all = secrets.data ?? null;
  const loadError = secrets.error ? sentence(secrets.error.message) : null;
  const [filter, setFilter] = useState<SecretFilter>(EMPTY_FILTER);
  const [sorting, setSorting] = useState<SortingState>([{ id: "key", desc: false }]);
  const [dialog, setDialog] = useState<DialogState>(() => (startWithCreate ? { kind: "create" } : null));
  useEffect(() => {
    if (startWithCreate) onStarted?.();
    // Only on mount: the request is consumed once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const [expiringDismissed, setExpiringDismissed] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const revealed = useRevealed();
  const admin = isAdmin(session.user.role);

  // Relative times and expiry badges count from when the list arrived, and move on every 30 s.
  const now = useNow(secrets.dataUpdatedAt);

  // The departments a secret can be scoped to: all of them for admins, the
  // user's own for members (as the vault knows them now, not at sign-in).
  // Reloaded on refresh and whenever the create or edit dialog opens, since
  // an admin (or the CLI) may have changed them.
  const allDepartments = useDepartments();
  const fresh = useSession(!admin);
  const departments = useMemo(() => {
    const mine = (fresh.data ?? session).user.departments;
    if (!allDepartments.data) return mine.map((code) => ({ code, name: code }));
    return allDepartments.data.filter((d) => admin || mine.includes(d.code)).map(({ code, name }) => ({ code, name }));
  }, [allDepartments.data, fresh.data, session, admin]);
  const reader = useMemo(() => {
    const u = (fresh.data ?? session).user;
    return { username: u.username, departments: u.departments };
  }, [fresh.data, session]);
  const reloadDepartments = useCallback(() => void invalidate(client, keys.departments, keys.session), [client]);

  // Never leave values on screen when the view goes away.
  const { hideAll } = revealed;
  useEffect(() => hideAll, [hideAll]);

  useShortcut("f", () => searchRef.current?.focus());
  const openCreate = useCallback(() => {
    reloadDepartments();
    setDialog({ kind: "create" });
  }, [reloadDepartments]);
  useShortcut("n", openCreate);
  const openImport = useCallback(() => {
    reloadDepartments();
    setDialog({ kind: "import" });
  }, [reloadDepartments]);

  // Row actions keep one identity so memoized rows do not re-render on every reveal.
  const revealedRef = useRef(revealed);
  revealedRef.current = revealed;

  // Secrets deactivated here stay in view, greyed, until the next refresh,
  // so the row under the pointer does not change and Undo has a place.
  const [kept, setKept] = useState<ReadonlySet<number>>(() => new Set());
  const { mutate: setActive } = useMutation({
    mutationFn: ({ s, active }: { s: SecretSummary; active: boolean }) => setSecretActive(s.id, active),
    onSuccess: (warn, { s, active }) => {
      if (!active) {
        revealedRef.current.hide(s.id);
        setKept((k) => new Set(k).add(s.id));
      }
      toast(`${active ? "Activated" : "Deactivated"} ${s.key}`, {
        tone: warn.length > 0 ? "info" : "success",
        ...(warn.length > 0 ? { description: `Still in use by: ${warn.join(", ")}` } : {}),
        ...(active ? {} : { action: { label: "Undo", onAction: () => setActive({ s, active: true }) }, timeout: 10_000 }),
      });
      return refreshSecret(client, s.id);
    },
    onError: (e, { s, active }) => {
      toast(`Cannot ${active ? "activate" : "deactivate"} ${s.key}`, { tone: "error", description: sentence(e.message) });
    },
  });

  const actions: RowActions = useMemo(
    () => ({
      details: (s) => setDialog({ kind: "details", id: s.id }),
      async toggleReveal(s) {
        const revealed = revealedRef.current;
        if (revealed.get(s.id)) {
          revealed.hide(s.id);
          return;
        }
        try {
          revealed.show(s.id, await revealSecret(s.id));
        } catch (e) {
          toast(`Cannot reveal ${s.key}`, { tone: "error", description: withAdvice(toApiError(e), s) });
        }
      },
      async copy(s, field) {
        try {
          const r = await copyField(s.id, field);
          toast(`Copied ${r.field} — clears in ${r.clear_after_secs} s`, { timeout: 4000 });
        } catch (e) {
          toast(`Cannot copy ${field}`, { tone: "error", description: withAdvice(toApiError(e), s) });
        }
      },
      async copyEnv(s) {
        try {
          const r = await copyAsEnv(s.id);
          toast(`Copied ${s.key} as .env — clears in ${r.clear_after_secs} s`, { timeout: 4000 });
        } catch (e) {
          toast(`Cannot copy ${s.key}`, { tone: "error", description: withAdvice(toApiError(e), s) });
        }
      },
      edit: (s) => {
        reloadDepartments();
        setDialog({ kind: "edit", s });
      },
      remove: (s) => setDialog({ kind: "delete", s }),
      history: (s) => setDialog({ kind: "history", s }),
      usages: (s) => setDialog({ kind: "usages", s }),
      // Activating needs no question; deactivating asks first (DeactivateDialog).
      setActive: (s, active) => (active ? setActive({ s, active }) : setDialog({ kind: "deactivate", s })),
      filterByTag: (tag) => setFilter((f) => ({ ...f, tag })),
    }),
    [setActive, reloadDepartments],
  );

  const sorted = useMemo(() => {
    const order = sorting[0];
    return all && order && isSortColumn(order.id) ? sortSecrets(all, { id: order.id, desc: order.desc }) : (all ?? []);
  }, [all, sorting]);
  // The search box updates at once; the table follows in a lower-priority
  // render that React can skip while the user is still typing.
  const deferredFilter = useDeferredValue(filter);
  const { rows, hidden } = useMemo(() => filterCounting(sorted, deferredFilter, now, kept), [sorted, deferredFilter, now, kept]);
  const refresh = useCallback(() => {
    setKept(new Set());
    void invalidate(client, keys.secrets);
    reloadDepartments();
  }, [client, reloadDepartments]);
  const tags = useMemo(() => (all ? collectTags(all) : []), [all]);
  // The department filter: codes in use or the user's own, each with its name when known.
  const deptChoices = useMemo(() => {
    const names = new Map((allDepartments.data ?? []).map((d) => [d.code, d.name]));
    const set = new Set([...(all ? collectDepartments(all) : []), ...departments.map((d) => d.code)]);
    return naturalSort([...set]).map((code) => ({ code, name: names.get(code) ?? code }));
  }, [all, departments, allDepartments.data]);
  // The details follow the list (a refresh or an edit shows at once).
  const detailed = dialog?.kind === "details" ? (all?.find((x) => x.id === dialog.id) ?? null) : null;
  const soon = useMemo(() => (all ? expiringSoon(all, now) : []), [all, now]);
  const filtered = deferredFilter.search !== "" || deferredFilter.tag !== null || deferredFilter.department !== null;
  // Matches the "show inactive & expired" switch hides: said, not silently dropped.
  const hiddenMatches = filtered ? hidden : 0;
  const showHidden = useCallback(() => setFilter((f) => ({ ...f, showInactive: true })), []);

  return (
    <section className="secrets-view" aria-label="Secrets">
      <div className="toolbar">
        <SearchBox value={filter.search} setFilter={setFilter} inputRef={searchRef} />
        <FilterControls
          tag={filter.tag}
          department={filter.department}
          showInactive={filter.showInactive}
          tags={tags}
          departments={deptChoices}
          setFilter={setFilter}
        />
        <div className="toolbar-spacer" />
        <ToolbarActions onRefresh={refresh} onNew={openCreate} onImport={openImport} />
      </div>

      {soon.length > 0 && !expiringDismissed && (
        <div className="expiring" data-testid="expiring-banner">
          <Banner tone="warning" title={`${plural(soon.length, "secret")} expire${soon.length === 1 ? "s" : ""} within ${WARNING_DAYS} days`}>
            <span className="expiring-list">
              {soon.slice(0, 6).map((s) => (
                <button
                  type="button"
                  key={s.id}
                  className="link"
                  onClick={() => setFilter((f) => ({ ...f, search: s.key }))}
                  data-testid={`expiring-${s.id}`}
                >
                  {s.key}
                </button>
              ))}
              {soon.length > 6 && <span className="muted">and {soon.length - 6} more</span>}
            </span>
          </Banner>
          <IconButton label="Dismiss expiry notice" icon={<X size={16} />} onPress={() => setExpiringDismissed(true)} testId="expiring-dismiss" />
        </div>
      )}

      {session.keys_pending && (
        <Banner tone="info" testId="keys-pending" title="Some secrets are not shown yet">
          Your account is new (or newly in a department): the keys of some secrets have not been shared with you yet. They are
          shared the next time an admin, or anyone who holds them, signs in.
        </Banner>
      )}

      {loadError && (
        <Banner tone="danger" testId="load-error" live="assertive">
          {loadError}{" "}
          <button type="button" className="link" onClick={() => void secrets.refetch()}>
            Try again
          </button>
        </Banner>
      )}

      {all === null && !loadError && <p className="loading">Loading secrets…</p>}

      {all !== null && all.length === 0 && (
        <div className="empty" data-testid="empty-state">
          <h2>No secrets yet</h2>
          <p>Add the team's first credential: a database password, an API key, a token.</p>
          <Btn variant="primary" icon={<Plus size={16} />} onPress={openCreate} testId="empty-new-secret">
            Create your first secret
          </Btn>
        </div>
      )}

      {all !== null && all.length > 0 && (
        <>
          <p className="result-count" aria-live="polite" data-testid="result-count">
            {rows.length === all.length ? plural(all.length, "secret") : `${rows.length} of ${plural(all.length, "secret")}`}
            {!filter.showInactive && rows.length < all.length && !filtered && " (inactive and expired hidden)"}
            {hiddenMatches > 0 && (
              <span className="hidden-matches" data-testid="hidden-matches">
                {" · "}
                {plural(hiddenMatches, "hidden match", "hidden matches")} (inactive or expired):{" "}
                <button type="button" className="link" onClick={showHidden} data-testid="show-hidden-matches">
                  show {hiddenMatches === 1 ? "it" : "them"}
                </button>
              </span>
            )}
          </p>
          {rows.length === 0 ? (
            <div className="empty" data-testid="no-matches">
              <h2>No secrets match</h2>
              <p>Try another search, or clear the filters.</p>
              <Btn variant="secondary" onPress={() => setFilter(EMPTY_FILTER)} testId="clear-filters">
                Clear filters
              </Btn>
            </div>
          ) : (
            <SecretsTable
              rows={rows}
              sorting={sorting}
              onSortingChange={setSorting}
              revealed={revealed}
              now={now}
              reader={reader}
              actions={actions}
              filterKey={deferredFilter}
            />
          )}
        </>
      )}

      {dialog?.kind === "details" && detailed && (
        <SecretDetails
          secret={detailed}
          fields={revealed.get(detailed.id)}
          reader={reader}
          now={now}
          actions={actions}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === "import" && <ImportDialog session={session} onClose={() => setDialog(null)} />}
      {(dialog?.kind === "create" || dialog?.kind === "edit") && (
        <SecretDialog
          mode={dialog.kind}
          {...(dialog.kind === "edit" ? { secret: dialog.s } : {})}
          departments={departments}
          primaryDepartment={session.user.primary_department}
          isAdmin={admin}
          reader={reader}
          onClose={() => setDialog(null)}
          onSaved={(id) => {
            setDialog(null);
            revealed.hide(id);
          }}
        />
      )}
      {dialog?.kind === "delete" && (
        <DeleteDialog
          secret={dialog.s}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            setDialog(null);
            revealed.hide(dialog.s.id);
          }}
        />
      )}
      {dialog?.kind === "history" && (
        <HistoryDialog
          secret={dialog.s}
          onClose={() => setDialog(null)}
          onRestored={() => {
            setDialog(null);
            revealed.hide(dialog.s.id);
          }}
        />
      )}
      {dialog?.kind === "usages" && <UsagesDialog secret={dialog.s} onClose={() => setDialog(null)} />}
      {dialog?.kind === "deactivate" && (
        <DeactivateDialog
          secret={dialog.s}
          onClose={() => setDialog(null)}
          onConfirm={() => {
            setActive({ s: dialog.s, active: false });
            setDialog(null);
          }}
        />
      )}
    </section>
  );
}
