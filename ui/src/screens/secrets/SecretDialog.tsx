/**
 * Create or edit a secret. Validation runs here first (lib/secretForm.ts)
 * so the common mistakes get a message beside the input; whatever the
 * backend still refuses is shown inline too.
 *
 * An edit names the version it was loaded from. If someone else saved the
 * secret since, the core refuses it (a `conflict` with `current_version`):
 * the dialog says who and when, keeps everything typed, and offers Reload,
 * which carries the user's changes over to the newer version
 * (lib/rebaseForm.ts) for them to check and save again.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { memo, useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type RefObject } from "react";

import { createSecret, updateSecret } from "../../api";
import type { SecretSummary } from "../../bindings/SecretSummary";
import type { UserScope } from "../../bindings/UserScope";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn } from "../../components/controls";
import { ExpiryPicker } from "../../components/ExpiryPicker";
import { TagInput } from "../../components/TagInput";
import { toast } from "../../components/toasts";
import {
  emptyForm,
  formChanged,
  formFromSummary,
  hasErrors,
  isEmptyUpdate,
  newFieldRow,
  scopeOf,
  toNewSecret,
  toSecretUpdate,
  validateForm,
  type FormErrors,
  type SecretForm,
} from "../../lib/secretForm";
import { existingSecret, withAdvice } from "../../lib/advice";
import type { Reader } from "../../lib/readable";
import { rebaseForm, type FormPart } from "../../lib/rebaseForm";
import { sentence } from "../../lib/text";
import { exactTime, todayIso } from "../../lib/time";
import { keys, refreshSecret, reloadSecret, usagesQuery } from "../../queries";
import { ActiveSwitch, DeactivationNote, DescriptionInput, FieldsEditor, KeyInput, NeverReveal, ScopeSection, ScopeWarning } from "./FormSections";

export { ALL_DEPARTMENTS } from "./FormSections";

export interface SecretDialogProps {
  mode: "create" | "edit";
  /** The secret being edited (edit mode). */
  secret?: SecretSummary;
  /** Departments the user may scope a secret to. */
  departments: readonly { code: string; name: string }[];
  primaryDepartment: string | null;
  isAdmin: boolean;
  /** Who is saving: warned when the scope leaves them out. */
  reader: Reader;
  onClose: () => void;
  onSaved: (id: number) => void;
}

const NO_ERRORS: FormErrors = { fields: {} };
const MemoTagInput = memo(TagInput);
const MemoExpiryPicker = memo(ExpiryPicker);

export function SecretDialog(props: SecretDialogProps) {
  const { mode, secret, onClose } = props;
  // Set by the form on every change; read when Cancel, Esc or × is pressed.
  const dirty = useRef(false);
  const [asking, setAsking] = useState(false);
  const requestClose = useCallback(() => (dirty.current ? setAsking(true) : onClose()), [onClose]);
  return (
    <>
      <AppDialog
        isOpen
        onClose={requestClose}
        title={mode === "create" ? "New secret" : `Edit ${secret?.key ?? "secret"}`}
        size="large"
        testId="secret-dialog"
        isDismissable={false}
        raw
      >
        <SecretFormContent {...props} onClose={requestClose} dirty={dirty} />
      </AppDialog>
      {asking && (
        <AppDialog
          isOpen
          onClose={() => setAsking(false)}
          role="alertdialog"
          size="small"
          title={mode === "create" ? "Discard this new secret?" : "Discard your changes?"}
          testId="discard-dialog"
          footer={
            <>
              <Btn variant="secondary" onPress={() => setAsking(false)} testId="discard-cancel" autoFocus>
                Keep editing
              </Btn>
              <Btn variant="danger" onPress={onClose} testId="discard-confirm">
                Discard
              </Btn>
            </>
          }
        >
          <p>
            {mode === "create"
              ? "It has not been saved: what you typed will be lost."
              : `Your changes to ${secret?.key ?? "this secret"} have not been saved and will be lost.`}
          </p>
        </AppDialog>
      )}
    </>
  );
}

/** The form and its footer; all the state lives here, below the Dialog. */
function SecretFormContent({
  mode,
  secret,
  departments,
  primaryDepartment,
  isAdmin,
  reader,
  onClose,
  onSaved,
  dirty,
}: SecretDialogProps & { dirty: RefObject<boolean> }) {
  // The version being edited: as opened, then as reloaded after a conflict.
  const [base, setBase] = useState(secret);
  const initial = useMemo(
    () => (mode === "edit" && base ? formFromSummary(base) : emptyForm(primaryDepartment)),
    [mode, base, primaryDepartment],
  );
  const [form, setForm] = useState<SecretForm>(initial);
  // The form as last rendered, for Reload to carry over.
  const latest = useRef(form);
  useEffect(() => {
    latest.current = form;
    dirty.current = formChanged(form, initial);
  }, [dirty, form, initial]);
  const [submitted, setSubmitted] = useState(false);
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: async (f: SecretForm): Promise<number> => {
      if (mode === "create" || !base) return createSecret(toNewSecret(f));
      const u = toSecretUpdate(f, initial, base.version);
      if (!isEmptyUpdate(u)) await updateSecret(base.id, u);
      if (u.active === false) {
        const inUse = await client.fetchQuery(usagesQuery(base.id));
        if (inUse.length > 0) {
          toast("Deactivated a secret in use", { tone: "info", description: `Still used by: ${inUse.map((x) => x.name).join(", ")}` });
        }
      }
      return base.id;
    },
    onSuccess: (id, f) => {
      toast(mode === "create" ? `Created ${f.key}` : `Saved ${f.key}`);
      void refreshSecret(client, id);
      onSaved(id);
    },
  });
  const { reset } = save;
  // Someone saved the secret since it was loaded: nothing was written.
  const stale = save.error?.code === "conflict" && save.error.current_version !== undefined ? save.error : null;
  // What Reload brought in, said until the next save.
  const [reloaded, setReloaded] = useState<{ summary: SecretSummary; overlap: FormPart[] } | null>(null);
  const reload = useMutation({
    mutationFn: ({ id }: { id: number; was: SecretForm }) => reloadSecret(client, id),
    onSuccess: (fresh, { was }) => {
      const { form: carried, overlap } = rebaseForm(latest.current, was, formFromSummary(fresh));
      // The newer version's form is the new starting point; the user's changes sit on top.
      setBase(fresh);
      setForm(carried);
      setReloaded({ summary: fresh, overlap });
      reset();
    },
  });
  // A refused key shows beside the key, until the key changes; anything else below the form.
  // Worded for this user: whether they may edit the secret it collided with.
  const keyConflict =
    save.error?.code === "conflict" && !stale && save.variables
      ? withAdvice(save.error, existingSecret(client.getQueryData(keys.secrets), { key: save.variables.key, scope: scopeOf(save.variables) }, reader.username, base?.id ?? null))
      : null;
  const backendError = save.error && save.error.code !== "conflict" ? sentence(save.error.message) : null;
  const [today] = useState(() => todayIso(Date.now()));
  // Once the user has tried to save, messages follow every change.
  const errors = useMemo(() => (submitted ? validateForm(form, mode) : NO_ERRORS), [submitted, form, mode]);

  // Stable callbacks (functional updates), so memoized sections skip renders.
  const patch = useCallback((p: Partial<SecretForm>) => setForm((f) => ({ ...f, ...p })), []);
  const hasConflict = keyConflict !== null;
  const onKey = useCallback(
    (key: string) => {
      setForm((f) => ({ ...f, key }));
      if (hasConflict) reset();
    },
    [hasConflict, reset],
  );
  const onField = useCallback(
    (uid: string, p: { name?: string; value?: string; plain?: boolean }) =>
      setForm((f) => ({ ...f, fields: f.fields.map((r) => (r.uid === uid ? { ...r, ...p } : r)) })),
    [],
  );
  const onRemoveField = useCallback((uid: string) => setForm((f) => ({ ...f, fields: f.fields.filter((r) => r.uid !== uid) })), []);
  const onAddField = useCallback(() => setForm((f) => ({ ...f, fields: [...f.fields, newFieldRow()] })), []);
  const onDepartments = useCallback((allDepartments: boolean, codes: string[]) => patch({ allDepartments, departments: codes }), [patch]);
  const onUserScope = useCallback((userScope: UserScope) => patch({ userScope }), [patch]);
  const onDescription = useCallback((description: string) => patch({ description }), [patch]);
  const onTags = useCallback((tags: string[]) => patch({ tags }), [patch]);
  const onExpiryEnabled = useCallback((expiryEnabled: boolean) => patch({ expiryEnabled }), [patch]);
  const onExpiresOn = useCallback((expiresOn: string | null) => patch({ expiresOn }), [patch]);
  const onActive = useCallback((active: boolean) => patch({ active }), [patch]);
  const onNeverReveal = useCallback((neverReveal: boolean) => patch({ neverReveal }), [patch]);

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    reset();
    reload.reset();
    setReloaded(null);
    if (hasErrors(validateForm(form, mode))) return;
    save.mutate(form);
  }

  const wasWriteOnly = mode === "edit" && base?.reveal === "never";

  return (
    <>
      {/* A plain form: React Aria's Form context would re-render every field on each keystroke. */}
      <form className="secret-form dialog-body" onSubmit={submit} noValidate id="secret-form">
        <KeyInput value={form.key} error={errors.key ?? keyConflict ?? undefined} autoFocus={mode === "create"} onChange={onKey} />
        <FieldsEditor
          fields={form.fields}
          mode={mode}
          errors={errors.fields}
          listError={errors.fieldList}
          onField={onField}
          onRemove={onRemoveField}
          onAdd={onAddField}
        />
        <ScopeSection
          allDepartments={form.allDepartments}
          departments={form.departments}
          choices={departments}
          userScope={form.userScope}
          error={errors.departments}
          onDepartments={onDepartments}
          onUserScope={onUserScope}
        />
        <ScopeWarning
          allDepartments={form.allDepartments}
          departments={form.departments}
          userScope={form.userScope}
          reader={reader}
          creator={mode === "edit" && base ? base.created_by : reader.username}
        />
        <DescriptionInput value={form.description} error={errors.description} onChange={onDescription} />
        <MemoTagInput tags={form.tags} onChange={onTags} error={errors.tags} />
        <MemoExpiryPicker
          enabled={form.expiryEnabled}
          onEnabledChange={onExpiryEnabled}
          date={form.expiresOn}
          onDateChange={onExpiresOn}
          error={errors.expiry}
          today={today}
        />
        {isAdmin && (mode === "create" || base?.can.activate) && <ActiveSwitch value={form.active} onChange={onActive} />}
        {mode === "edit" && base && initial.active && !form.active && <DeactivationNote id={base.id} />}
        <NeverReveal value={form.neverReveal} wasWriteOnly={wasWriteOnly} onChange={onNeverReveal} />
        {backendError && (
          <Banner tone="danger" testId="secret-form-error" live="assertive">
            {backendError}
          </Banner>
        )}
        {stale && base && (
          <Banner tone="warning" testId="secret-stale" live="assertive">
            {sentence(stale.message)} Everything you entered is still here.
            <div className="banner-actions">
              <Btn variant="secondary" onPress={() => reload.mutate({ id: base.id, was: initial })} isDisabled={reload.isPending} testId="secret-reload">
                {reload.isPending ? "Reloading…" : "Reload"}
              </Btn>
            </div>
          </Banner>
        )}
        {reload.error && (
          <Banner tone="danger" testId="secret-reload-error" live="assertive">
            {sentence(reload.error.message)} Everything you entered is still here.
          </Banner>
        )}
        {reloaded && <ReloadedNote summary={reloaded.summary} overlap={reloaded.overlap} />}
      </form>
      <DialogFooter busy={save.isPending} mode={mode} onClose={onClose} />
    </>
  );
}

/** What Reload brought in, and what saving now would replace. */
function ReloadedNote({ summary, overlap }: { summary: SecretSummary; overlap: FormPart[] }) {
  const who = summary.updated_by;
  const parts = overlap.length > 1 ? `${overlap.slice(0, -1).join(", ")} and ${overlap[overlap.length - 1]}` : overlap[0];
  return (
    <Banner tone="info" testId="secret-reloaded" title={`Reloaded version ${summary.version}, saved by ${who} at ${exactTime(summary.updated_at)}`}>
      Your changes are kept on top of it; what you left alone now shows their version. Save to apply your changes.
      {parts !== undefined && ` ${who} also changed the ${parts}: saving replaces that with what you entered.`}
    </Banner>
  );
}

const DialogFooter = memo(function DialogFooter({ busy, mode, onClose }: { busy: boolean; mode: "create" | "edit"; onClose: () => void }) {
  return (
    <footer className="dialog-footer">
      <Btn variant="secondary" onPress={onClose} testId="secret-cancel">
        Cancel
      </Btn>
      <Btn variant="primary" type="submit" form="secret-form" isDisabled={busy} testId="secret-save">
        {busy ? "Saving…" : mode === "create" ? "Create secret" : "Save changes"}
      </Btn>
    </footer>
  );
});
