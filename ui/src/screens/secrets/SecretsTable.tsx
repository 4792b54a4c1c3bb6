/**
 * The secrets table: TanStack Table for the column model and sorting,
 * TanStack Virtual for rendering only the rows in view, so 10,000 secrets
 * scroll as smoothly as ten. Values are masked unless the row is revealed;
 * copying goes through the Rust side and never brings the value here.
 */
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
  type OnChangeFn,
  type SortingState,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown, ArrowUp, ChevronsUpDown } from "lucide-react";
import { memo, useEffect, useRef } from "react";

import type { RevealedFieldView } from "../../bindings/RevealedFieldView";
import type { SecretSummary } from "../../bindings/SecretSummary";
import type { Revealed } from "../../hooks/useRevealed";
import { unreadable, type Reader } from "../../lib/readable";
import {
  ActionsCell,
  ActiveCell,
  DamagedCell,
  DepartmentsCell,
  ExpiryCell,
  FieldsCell,
  KeyCell,
  TagsCell,
  UpdatedCell,
  UsersCell,
  type RowActions,
} from "./cells";

const column = createColumnHelper<SecretSummary>();

/**
 * Headers and sortable columns; the cells themselves are rendered by `Row`.
 * Sorting is manual (lib/sort.ts sorts once, before filtering).
 */
const columns = [
  column.accessor("key", { id: "key", header: "Key" }),
  column.display({ id: "fields", header: "Fields" }),
  column.display({ id: "departments", header: "Departments" }),
  column.display({ id: "users", header: "Users" }),
  column.display({ id: "tags", header: "Tags" }),
  column.accessor((s) => s.expires_at ?? Number.MAX_SAFE_INTEGER, { id: "expiry", header: "Expiry" }),
  column.accessor((s) => (s.active ? 1 : 0), { id: "active", header: "Active" }),
  column.accessor("updated_at", { id: "updated", header: "Updated", sortDescFirst: true }),
  column.display({ id: "actions", header: () => <span className="visually-hidden">Actions</span> }),
];

export const ROW_HEIGHT = 60;
const CHIP_PITCH = 30;

/**
 * Row heights are computed, not measured: a collapsed row is one line, a
 * revealed row stacks one chip per field. Measuring every row on every
 * render would force a layout per keystroke.
 */
export function rowHeight(fieldCount: number, revealed: boolean): number {
  return revealed ? Math.max(ROW_HEIGHT, 18 + fieldCount * CHIP_PITCH) : ROW_HEIGHT;
}

export interface SecretsTableProps {
  /** The secrets to show, sorted and filtered (both happen outside, in lib/sort.ts and lib/filter.ts). */
  rows: SecretSummary[];
  sorting: SortingState;
  onSortingChange: OnChangeFn<SortingState>;
  revealed: Revealed;
  now: number;
  /** The signed-in user, to say why a row's values cannot be read. */
  reader: Reader;
  actions: RowActions;
  /** Changes when the filter does: the list starts again at its top. */
  filterKey: unknown;
}

// TanStack Table keeps the columns and the sort state; it gets no rows. Its
// row model would build an object per secret (10,000 at start-up, a tenth
// of a second of the first paint) only for the rows to hand back the
// summary they wrap, so the virtualizer renders from the summaries.
const NO_ROWS: SecretSummary[] = [];

export const SecretsTable = memo(function SecretsTable({
  rows,
  sorting,
  onSortingChange,
  revealed,
  now,
  reader,
  actions,
  filterKey,
}: SecretsTableProps) {
  const table = useReactTable({
    data: NO_ROWS,
    columns,
    state: { sorting },
    onSortingChange,
    manualSorting: true,
    getCoreRowModel: getCoreRowModel(),
    enableSortingRemoval: false,
    enableMultiSort: false,
  });
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => {
      const s = rows[i];
      const shown = s ? revealed.get(s.id) : undefined;
      return rowHeight(shown?.length ?? 0, shown !== undefined);
    },
    overscan: 5,
    getItemKey: (i) => rows[i]?.id ?? i,
    // Without layout (tests, first paint) assume a window-sized viewport.
    initialRect: { width: 1200, height: 800 },
  });
  // A new search or filter shows its first matches, not wherever the old list was scrolled to.
  const firstFilter = useRef(filterKey);
  useEffect(() => {
    if (firstFilter.current === filterKey) return;
    firstFilter.current = filterKey;
    const el = scrollRef.current;
    if (el) {
      el.scrollTop = 0;
      el.scrollLeft = 0;
    }
  }, [filterKey]);
  // Revealing or hiding changes a row's height.
  useEffect(() => {
    virtualizer.measure();
  }, [revealed.get, virtualizer]);

  return (
    <div className="table" role="table" aria-label="Secrets" aria-rowcount={rows.length + 1} data-testid="secrets-table">
      <div className="table-scroll" ref={scrollRef}>
        <div role="rowgroup" className="thead">
          {table.getHeaderGroups().map((hg) => (
            <div role="row" className="tr th-row" key={hg.id} aria-rowindex={1}>
              {hg.headers.map((h) => {
                const canSort = h.column.getCanSort();
                const dir = h.column.getIsSorted();
                return (
                  <div
                    role="columnheader"
                    key={h.id}
                    className={`th col-${h.column.id}`}
                    aria-sort={dir === "asc" ? "ascending" : dir === "desc" ? "descending" : undefined}
                  >
                    {canSort ? (
                      <button type="button" className="th-sort" onClick={h.column.getToggleSortingHandler()} data-testid={`sort-${h.column.id}`}>
                        {flexRender(h.column.columnDef.header, h.getContext())}
                        {dir === "asc" ? (
                          <ArrowUp size={13} aria-hidden="true" />
                        ) : dir === "desc" ? (
                          <ArrowDown size={13} aria-hidden="true" />
                        ) : (
                          <ChevronsUpDown size={13} aria-hidden="true" className="th-sort-idle" />
                        )}
                      </button>
                    ) : (
                      flexRender(h.column.columnDef.header, h.getContext())
                    )}
                  </div>
                );
              })}
            </div>
          ))}
        </div>
        <div role="rowgroup" className="tbody" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((v) => {
            const s = rows[v.index];
            if (!s) return null;
            return (
              <div key={v.key} className="vrow" style={{ transform: `translateY(${v.start}px)`, height: v.size }}>
                <Row s={s} index={v.index} fields={revealed.get(s.id)} now={now} reader={reader} actions={actions} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
});

interface RowProps {
  s: SecretSummary;
  index: number;
  fields: RevealedFieldView[] | undefined;
  now: number;
  reader: Reader;
  actions: RowActions;
}

const Row = memo(function Row({ s, index, fields, now, reader, actions }: RowProps) {
  const dormant = !s.damaged && (!s.active || (s.expires_at !== null && s.expires_at <= now));
  const why = unreadable(s, reader, now);
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      className={`tr${dormant ? " is-dormant" : ""}${s.damaged ? " is-damaged" : ""}${fields ? " is-revealed" : ""}`}
      data-testid={`secret-row-${s.damaged ? `damaged-${s.id}` : s.key}`}
      data-secret-id={s.id}
    >
      {s.damaged ? (
        <DamagedCell s={s} />
      ) : (
        <>
          <KeyCell s={s} actions={actions} />
          <FieldsCell s={s} fields={fields} why={why} actions={actions} />
        </>
      )}
      <DepartmentsCell s={s} />
      <UsersCell s={s} />
      <TagsCell s={s} actions={actions} />
      <ExpiryCell s={s} now={now} />
      <ActiveCell s={s} actions={actions} />
      <UpdatedCell s={s} now={now} />
      <ActionsCell s={s} actions={actions} />
    </div>
  );
});
