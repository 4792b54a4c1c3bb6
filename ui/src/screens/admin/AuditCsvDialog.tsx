/**
 * Saving the audit screen's filtered entries as CSV. The file is written
 * by the Rust side (mode 0600: key names are as confidential as in the
 * table) to a path typed here, suggested in the Downloads folder; a Blob
 * download from the web view is not saved by WebKitGTK. The dialog then
 * says where the file went.
 */
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { auditLog, saveAuditCsv, suggestSavePath } from "../../api";
import { AppDialog } from "../../components/AppDialog";
import type { FormMessage } from "../../components/Banner";
import { Btn, CheckboxField, TextInput } from "../../components/controls";
import { toast } from "../../components/toasts";
import { auditCsv, type AuditFilter, fetchAllAudit } from "../../lib/audit";
import { sentence } from "../../lib/text";

export function auditFileName(now = new Date()): string {
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  return `coffer-audit-${day}.csv`;
}

export function AuditCsvDialog({ filter, onClose, onSaved }: { filter: AuditFilter; onClose: () => void; onSaved: (path: string, entries: number) => void }) {
  const [path, setPath] = useState("");
  const [edited, setEdited] = useState(false);
  const [overwrite, setOverwrite] = useState(false);
  useEffect(() => {
    if (edited) return;
    let live = true;
    suggestSavePath(auditFileName()).then(
      (p) => live && setPath(p),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [edited]);

  const save = useMutation({
    mutationFn: async () => {
      const all = await fetchAllAudit(auditLog, filter);
      const where = await saveAuditCsv(path, auditCsv(all), overwrite);
      return { where, count: all.length };
    },
    onSuccess: ({ where, count }) => {
      toast(`Saved ${count.toLocaleString()} ${count === 1 ? "entry" : "entries"}`, { description: where });
      onSaved(where, count);
    },
  });
  const message: FormMessage | null = save.error ? { tone: "danger", text: sentence(save.error.message), testId: "audit-csv-error" } : null;

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title="Export the audit log as CSV"
      size="small"
      testId="audit-csv-dialog"
      message={message}
      messageTestId="audit-csv-message"
      footer={
        <>
          <Btn variant="secondary" onPress={onClose} testId="audit-csv-cancel">
            Cancel
          </Btn>
          <Btn variant="primary" onPress={() => save.mutate()} isDisabled={save.isPending || path.trim() === ""} testId="audit-csv-save">
            {save.isPending ? "Saving…" : "Save"}
          </Btn>
        </>
      }
    >
      <p className="muted">The entries that match the current filters, in a file only you can read (key names are confidential).</p>
      <TextInput
        label="Save to"
        value={path}
        onChange={(v) => {
          setPath(v);
          setEdited(true);
        }}
        description="The full path of a new file (~/ for your home folder)."
        testId="audit-csv-path"
        autoFocus
      />
      <CheckboxField label="Replace the file if it exists" isSelected={overwrite} onChange={setOverwrite} testId="audit-csv-overwrite" />
    </AppDialog>
  );
}
