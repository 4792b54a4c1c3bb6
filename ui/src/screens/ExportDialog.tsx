/**
 * Export (issue 9): every secret the user can read, written by the Rust
 * side to a file only they can read (mode 0600), after they type their
 * password again (a remembered device is not enough). The file goes to a
 * path typed here, suggested in the Downloads folder: a web view download
 * cannot set a file's mode, and WebKitGTK does not save Blob downloads.
 * Afterwards the dialog says where it went, how many secrets it holds and
 * how many write-only ones were left out.
 */
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { exportSecrets, suggestSavePath } from "../api";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { SavedExport } from "../bindings/SavedExport";
import { AppDialog } from "../components/AppDialog";
import type { FormMessage } from "../components/Banner";
import { Btn, CheckboxField, PasswordInput, SelectField, TextInput } from "../components/controls";
import { sentence } from "../lib/text";

const FORMATS: { id: ExportFormat; label: string }[] = [
  { id: "json", label: "secrets.json (key → value, or key → fields)" },
  { id: "env", label: ".env (KEY=\"value\" lines)" },
];

/** `coffer-export-2026-12-02.json`, in local time. */
export function exportFileName(format: ExportFormat, now = new Date()): string {
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  return `coffer-export-${day}.${format}`;
}

/** "3 secrets", "1 secret". */
function count(n: number, what: string): string {
  return `${n.toLocaleString()} ${what}${n === 1 ? "" : "s"}`;
}

export function exportSummary(saved: SavedExport): string[] {
  const r = saved.report;
  const lines = [`Wrote ${count(r.written, "secret")} to ${saved.path}. Only you can read the file; delete it once it has served its purpose.`];
  lines.push(
    r.write_only === 0
      ? "No write-only secrets were left out."
      : `${count(r.write_only, "write-only secret")} ${r.write_only === 1 ? "was" : "were"} left out: their values are never shown again.`,
  );
  if (r.shadowed > 0) lines.push(`${count(r.shadowed, "secret")} share a key with one exported: the file holds the value \`get\` returns for you.`);
  if (r.damaged > 0) lines.push(`${count(r.damaged, "damaged secret")} could not be read and ${r.damaged === 1 ? "was" : "were"} skipped.`);
  return lines;
}

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [format, setFormat] = useState<ExportFormat>("json");
  const [path, setPath] = useState("");
  const [pathEdited, setPathEdited] = useState(false);
  const [overwrite, setOverwrite] = useState(false);

  // Suggest a file in Downloads, following the format until the path is edited.
  useEffect(() => {
    if (pathEdited) return;
    let live = true;
    suggestSavePath(exportFileName(format)).then(
      (p) => live && setPath(p),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [format, pathEdited]);

  const run = useMutation({
    mutationFn: () => exportSecrets(password, format, path, overwrite),
    onSuccess: () => setPassword(""),
  });
  const done = run.data ?? null;
  const message: FormMessage | null = run.error
    ? {
        tone: "danger",
        text: run.error.code === "auth_failed" ? "Wrong password: nothing was exported." : sentence(run.error.message),
        testId: "export-error",
      }
    : null;
  const ready = password !== "" && path.trim() !== "" && !run.isPending;

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title="Export secrets"
      size="small"
      testId="export-dialog"
      isDismissable={false}
      message={message}
      messageTestId="export-message"
      footer={
        done ? (
          <Btn variant="primary" onPress={onClose} testId="export-done">
            Done
          </Btn>
        ) : (
          <>
            <Btn variant="secondary" onPress={onClose} testId="export-cancel">
              Cancel
            </Btn>
            <Btn variant="primary" onPress={() => run.mutate()} isDisabled={!ready} testId="export-submit">
              {run.isPending ? "Exporting…" : "Export"}
            </Btn>
          </>
        )
      }
    >
      {done ? (
        <div data-testid="export-result">
          {exportSummary(done).map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      ) : (
        <>
          <p className="muted">
            Writes every secret you can read, in plain text, to a file only you can read. Write-only secrets are left out. Enter your password again to
            continue.
          </p>
          <SelectField label="Format" value={format} options={FORMATS} onChange={(v) => setFormat(v as ExportFormat)} testId="export-format" />
          <TextInput
            label="Save to"
            value={path}
            onChange={(v) => {
              setPath(v);
              setPathEdited(true);
            }}
            description="The full path of a new file (~/ for your home folder)."
            testId="export-path"
          />
          <CheckboxField label="Replace the file if it exists" isSelected={overwrite} onChange={setOverwrite} testId="export-overwrite" />
          <PasswordInput label="Your password" value={password} onChange={setPassword} autoFocus autoComplete="current-password" testId="export-password" />
        </>
      )}
    </AppDialog>
  );
}
