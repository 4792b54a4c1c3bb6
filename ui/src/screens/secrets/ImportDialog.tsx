/**
 * Import (issue 9): a secrets.json, .env, KeePassXC (CSV or the .kdbx
 * database with its password) or Bitwarden (JSON or CSV) file, read by
 * the Rust side from a typed path (no dialog plugin: the capability stays
 * Coffer's own commands). First a preview from the core (per entry: key,
 * fields, and what happens: new, or the key already at that scope and
 * skipped or replaced, per row), then the import itself, all or nothing,
 * with a progress bar fed by the core's progress events. The scope is the
 * CLI's: one or more departments (the New secret dialog's picker), all
 * departments, or none chosen for the importer's primary one; and private
 * or not. Who may import where is the core's rule.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";

import { importPreview, importSecrets } from "../../api";
import type { EntryChoice } from "../../bindings/EntryChoice";
import type { ImportFormat } from "../../bindings/ImportFormat";
import type { ImportItem } from "../../bindings/ImportItem";
import type { ImportOptions } from "../../bindings/ImportOptions";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { AppDialog } from "../../components/AppDialog";
import type { FormMessage } from "../../components/Banner";
import { Btn, CheckboxField, MultiSelectField, PasswordInput, SelectField, TextInput } from "../../components/controls";
import { toast } from "../../components/toasts";
import { type ImportProgress, onImportProgress } from "../../lib/importProgress";
import { isAdmin } from "../../lib/scope";
import { plural, sentence } from "../../lib/text";
import { invalidate, keys, useDepartments } from "../../queries";
import { ALL_DEPARTMENTS, departmentOptions, pickDepartments } from "./FormSections";

const FORMATS: { id: string; label: string }[] = [
  { id: "auto", label: "Detect from the content" },
  { id: "json", label: "secrets.json" },
  { id: "env", label: ".env" },
  { id: "keepassxc-csv", label: "KeePassXC CSV" },
  { id: "kdbx", label: "KeePassXC database (.kdbx)" },
  { id: "bitwarden-json", label: "Bitwarden JSON" },
  { id: "bitwarden-csv", label: "Bitwarden CSV" },
];

const ACTIONS: Record<ImportItem["action"], string> = {
  new: "New",
  skip: "Exists: skip",
  replace: "Exists: replace",
  refused: "Refused",
};

export function ImportDialog({ session, onClose }: { session: SessionInfo; onClose: () => void }) {
  const client = useQueryClient();
  const departments = useDepartments();
  const [path, setPath] = useState("");
  const [format, setFormat] = useState("auto");
  const [password, setPassword] = useState("");
  const [allDepartments, setAllDepartments] = useState(false);
  const [codes, setCodes] = useState<string[]>([]);
  const [isPrivate, setPrivate] = useState(false);
  const [replace, setReplace] = useState<ReadonlySet<number>>(() => new Set());
  const [progress, setProgress] = useState<ImportProgress | null>(null);

  const mine = session.user.departments;
  const primary = session.user.primary_department;
  const scopeOptions = useMemo(() => {
    const all = departments.data ?? [];
    return departmentOptions(isAdmin(session.user.role) ? all : all.filter((d) => mine.includes(d.code)), codes);
  }, [departments.data, mine, session.user.role, codes]);

  const options = (dryRun: boolean, items: readonly ImportItem[] = []): ImportOptions => {
    const choices: EntryChoice[] = items
      .filter((i) => i.existing !== null)
      .map((i) => ({ entry: i.entry, on_conflict: replace.has(i.entry) ? "replace" : "skip" }));
    return {
      departments: allDepartments ? { kind: "all" } : codes.length > 0 ? { kind: "departments", codes } : null,
      private: isPrivate,
      tags: [],
      on_conflict: "skip",
      choices,
      dry_run: dryRun,
    };
  };
  const fmt = format === "auto" ? null : (format as ImportFormat);
  const pw = password === "" ? null : password;

  const preview = useMutation({ mutationFn: () => importPreview(path.trim(), fmt, pw, options(true)) });
  const items = preview.data?.items ?? [];
  const run = useMutation({
    mutationFn: () => importSecrets(path.trim(), fmt, pw, options(false, items)),
    onSuccess: (r) => {
      void invalidate(client, keys.secrets);
      toast(`Imported ${plural(r.created, "new secret")}`, {
        description: `${r.replaced} replaced, ${r.skipped} skipped (already at that scope).`,
      });
      onClose();
    },
  });

  // The core reports progress while the import runs.
  useEffect(() => (run.isPending ? onImportProgress(setProgress) : undefined), [run.isPending]);

  // A changed file or scope needs a new preview.
  const reset = () => {
    preview.reset();
    setReplace(new Set());
  };

  const error = run.error ?? preview.error;
  const message: FormMessage | null = error ? { tone: "danger", text: sentence(error.message), testId: "import-error" } : null;
  const refused = items.some((i) => i.action === "refused");

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title="Import secrets"
      size="large"
      testId="import-dialog"
      isDismissable={false}
      message={message}
      messageTestId="import-message"
      footer={
        <>
          <Btn variant="secondary" onPress={onClose} isDisabled={run.isPending} testId="import-cancel">
            Cancel
          </Btn>
          <Btn variant="secondary" onPress={() => preview.mutate()} isDisabled={path.trim() === "" || preview.isPending || run.isPending} testId="import-preview">
            {preview.isPending ? "Reading…" : "Preview"}
          </Btn>
          <Btn variant="primary" onPress={() => run.mutate()} isDisabled={!preview.data || refused || run.isPending} testId="import-submit">
            {run.isPending ? "Importing…" : `Import ${items.length > 0 ? plural(items.length, "entry", "entries") : ""}`}
          </Btn>
        </>
      }
    >
      <p className="muted">
        All or nothing: a bad file changes nothing and names the line or entry. Keys come from the variable names, JSON keys or entry titles.
      </p>
      <TextInput
        label="File"
        value={path}
        onChange={(v) => {
          setPath(v);
          reset();
        }}
        description="The full path of the file (~/ for your home folder)."
        testId="import-path"
      />
      <SelectField label="Format" value={format} options={FORMATS} onChange={(v) => (setFormat(v), reset())} testId="import-format" />
      <PasswordInput
        label="Database password (KeePass .kdbx only)"
        value={password}
        onChange={(v) => (setPassword(v), reset())}
        autoComplete="off"
        testId="import-password"
      />
      <MultiSelectField
        label="Departments"
        value={allDepartments ? [ALL_DEPARTMENTS] : codes}
        options={scopeOptions}
        onChange={(ids) => {
          const next = pickDepartments(ids, allDepartments);
          setAllDepartments(next.all);
          setCodes(next.codes);
          reset();
        }}
        placeholder={primary ? `My primary department (${primary})` : "Choose departments"}
        description="Every imported secret goes to these departments; none chosen means your primary department."
        testId="import-departments"
      />
      <CheckboxField label="Only me (private)" isSelected={isPrivate} onChange={(v) => (setPrivate(v), reset())} testId="import-private" />
      {preview.data && (
        <div className="import-preview" data-testid="import-preview-table">
          <p data-testid="import-summary">
            {preview.data.format}: {plural(preview.data.new, "new secret")}, {preview.data.skip + preview.data.replace} already at that scope
            {preview.data.refused > 0 ? `, ${preview.data.refused} refused` : ""}.
          </p>
          <table className="simple-table">
            <thead>
              <tr>
                <th>At</th>
                <th>Key</th>
                <th>Fields</th>
                <th>What happens</th>
              </tr>
            </thead>
            <tbody>
              {items.slice(0, 500).map((i) => (
                <tr key={i.entry} data-testid="import-row" data-action={i.action}>
                  <td>{i.line !== null ? `line ${i.line}` : `#${i.entry}`}</td>
                  <td>{i.key}</td>
                  <td>{i.field_names.join(", ")}</td>
                  <td>
                    {i.existing === null ? (
                      ACTIONS[i.action]
                    ) : (
                      <label>
                        <input
                          type="checkbox"
                          checked={replace.has(i.entry)}
                          data-testid={`import-replace-${i.entry}`}
                          onChange={(e) => {
                            const next = new Set(replace);
                            if (e.target.checked) next.add(i.entry);
                            else next.delete(i.entry);
                            setReplace(next);
                          }}
                        />{" "}
                        {i.action === "refused" ? `Refused: ${i.reason ?? ""}` : replace.has(i.entry) ? "Exists: replace" : "Exists: skip (tick to replace)"}
                      </label>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length > 500 && <p className="muted">…and {items.length - 500} more.</p>}
        </div>
      )}
      {run.isPending && (
        <div data-testid="import-progress-box">
          <progress max={progress?.total ?? 1} value={progress?.done ?? 0} data-testid="import-progress" />
          <span data-testid="import-progress-text">{progress ? `${progress.done} of ${progress.total}` : "Starting…"}</span>
        </div>
      )}
    </AppDialog>
  );
}
