/**
 * The secrets toolbar, split so a keystroke in the search box re-renders
 * the search box only: the filter dropdowns and buttons are memoized with
 * stable callbacks (React Aria selects rebuild their collections on every
 * render, which adds up on slower web views).
 */
import { Plus, RefreshCw, Search, Upload, X } from "lucide-react";
import { memo, useMemo, type Dispatch, type Ref, type SetStateAction } from "react";
import { Button, Input, SearchField } from "react-aria-components";

import { Btn, IconButton, SelectField, SwitchField } from "../../components/controls";
import type { SecretFilter } from "../../lib/filter";

const ANY = "__any__";

export const SearchBox = memo(function SearchBox({
  value,
  setFilter,
  inputRef,
}: {
  value: string;
  setFilter: Dispatch<SetStateAction<SecretFilter>>;
  inputRef: Ref<HTMLInputElement>;
}) {
  return (
    <SearchField className="search" value={value} onChange={(search) => setFilter((f) => ({ ...f, search }))} aria-label="Search secrets">
      <Search size={16} className="search-icon" aria-hidden="true" />
      <Input ref={inputRef} className="input search-input" placeholder="Search key, description, tags  (Ctrl+F)" data-testid="search" />
      <Button className="search-clear" aria-label="Clear search">
        <X size={14} />
      </Button>
    </SearchField>
  );
});

export const FilterControls = memo(function FilterControls({
  tag,
  department,
  showInactive,
  tags,
  departments,
  setFilter,
}: {
  tag: string | null;
  department: string | null;
  showInactive: boolean;
  tags: readonly string[];
  departments: readonly { code: string; name: string }[];
  setFilter: Dispatch<SetStateAction<SecretFilter>>;
}) {
  const tagOptions = useMemo(() => [{ id: ANY, label: "All tags" }, ...tags.map((t) => ({ id: t, label: `#${t}` }))], [tags]);
  const deptOptions = useMemo(
    () => [
      { id: ANY, label: "All departments" },
      ...departments.map((d) => ({ id: d.code, label: d.name && d.name !== d.code ? `${d.code} — ${d.name}` : d.code })),
    ],
    [departments],
  );
  return (
    <>
      <SelectField
        label="Tag"
        hideLabel
        className="filter"
        value={tag ?? ANY}
        onChange={(v) => setFilter((f) => ({ ...f, tag: v === ANY ? null : v }))}
        options={tagOptions}
        testId="tag-filter"
        searchLabel="Search tags"
      />
      <SelectField
        label="Department"
        hideLabel
        className="filter"
        value={department ?? ANY}
        onChange={(v) => setFilter((f) => ({ ...f, department: v === ANY ? null : v }))}
        options={deptOptions}
        testId="department-filter"
        searchLabel="Search departments"
      />
      <SwitchField
        label="Show inactive & expired"
        isSelected={showInactive}
        onChange={(v) => setFilter((f) => ({ ...f, showInactive: v }))}
        testId="show-inactive"
      />
    </>
  );
});

export const ToolbarActions = memo(function ToolbarActions({
  onRefresh,
  onNew,
  onImport,
}: {
  onRefresh: () => void;
  onNew: () => void;
  onImport: () => void;
}) {
  return (
    <>
      <IconButton label="Refresh" icon={<RefreshCw size={16} />} onPress={onRefresh} testId="refresh" />
      <Btn variant="secondary" icon={<Upload size={16} />} onPress={onImport} testId="import">
        Import…
      </Btn>
      <Btn variant="primary" icon={<Plus size={16} />} onPress={onNew} testId="new-secret">
        New secret
      </Btn>
    </>
  );
});
