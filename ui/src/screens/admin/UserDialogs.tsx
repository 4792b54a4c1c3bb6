/** Dialogs of the Users screen: add a user, edit a user's departments. */
import { RefreshCw } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Form, Radio, RadioGroup, Label } from "react-aria-components";

import { addUser, setUserMemberships, toApiError } from "../../api";
import type { Department } from "../../bindings/Department";
import type { Role } from "../../bindings/Role";
import type { UserInfo } from "../../bindings/UserInfo";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn, IconButton, MultiSelectField, PasswordInput, SelectField, TextInput } from "../../components/controls";
import { toast } from "../../components/toasts";
import { generatePassword, newPasswordProblem } from "../../lib/password";
import { sentence } from "../../lib/text";

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const NO_PRIMARY = "__none__";

function deptOptions(departments: readonly Department[]) {
  return departments.map((d) => ({ id: d.code, label: d.name && d.name !== d.code ? `${d.code} — ${d.name}` : d.code, short: d.code, testId: `dept-option-${d.code}` }));
}

export function AddUserDialog({
  departments,
  canMakeAdmin,
  onClose,
  onAdded,
}: {
  departments: readonly Department[];
  canMakeAdmin: boolean;
  onClose: () => void;
  onAdded: () => void;
}) {
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [depts, setDepts] = useState<string[]>(departments.some((d) => d.code === "DEFAULT") ? ["DEFAULT"] : []);
  const [primary, setPrimary] = useState<string>(NO_PRIMARY);
  const [passwordMode, setPasswordMode] = useState<"generated" | "typed">("generated");
  const [generated, setGenerated] = useState(() => generatePassword());
  const [typed, setTyped] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ user: UserInfo; password: string } | null>(null);

  const usernameError = USERNAME.test(username.trim()) ? null : "Use 1 to 64 letters, digits, “.”, “_”, “-” or “@”.";
  const password = passwordMode === "generated" ? generated : typed;
  const passwordError = passwordMode === "typed" ? newPasswordProblem(typed) : null;
  const primaryValue = depts.includes(primary) ? primary : NO_PRIMARY;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (usernameError || passwordError) return;
    setBusy(true);
    setError(null);
    try {
      const user = await addUser({
        username: username.trim(),
        display_name: displayName.trim(),
        role,
        departments: depts,
        primary_department: primaryValue === NO_PRIMARY ? null : primaryValue,
        initial_password: password,
      });
      setCreated({ user, password });
      setTyped("");
      onAdded();
    } catch (err) {
      setError(sentence(toApiError(err).message));
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    return (
      <AppDialog isOpen onClose={onClose} title={`${created.user.username} was added`} size="small" testId="user-created-dialog" footer={<Btn variant="primary" onPress={onClose} testId="user-created-done">Done</Btn>}>
        <div className="stack">
          <p>Give this initial password to {created.user.display_name || created.user.username} in person or over a secure channel. It is shown only now; they must change it at first sign-in.</p>
          <output className="one-time-password" data-testid="initial-password">
            {created.password}
          </output>
        </div>
      </AppDialog>
    );
  }

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title="Add user"
      size="medium"
      testId="add-user-dialog"
      isDismissable={false}
      footer={
        <>
          <Btn variant="secondary" onPress={onClose}>
            Cancel
          </Btn>
          <Btn variant="primary" type="submit" form="add-user-form" isDisabled={busy} testId="add-user-submit">
            {busy ? "Adding…" : "Add user"}
          </Btn>
        </>
      }
    >
      <Form id="add-user-form" className="stack" onSubmit={submit} validationBehavior="aria">
        <div className="form-grid">
          <TextInput label="Username" value={username} onChange={setUsername} error={touched ? usernameError : null} testId="new-user-username" autoFocus placeholder="ana.lima" />
          <TextInput label="Display name" value={displayName} onChange={setDisplayName} testId="new-user-display-name" placeholder="Ana Lima" />
        </div>
        <div className="form-grid">
          <SelectField
            label="Role"
            value={role}
            onChange={(r) => setRole(r as Role)}
            options={canMakeAdmin ? [{ id: "member", label: "Member" }, { id: "admin", label: "Admin" }] : [{ id: "member", label: "Member" }]}
            testId="new-user-role"
          />
          <MultiSelectField label="Departments" value={depts} onChange={setDepts} options={deptOptions(departments)} testId="new-user-departments" placeholder="No departments" />
        </div>
        {depts.length > 1 && (
          <SelectField
            label="Primary department"
            value={primaryValue}
            onChange={setPrimary}
            options={[{ id: NO_PRIMARY, label: `First chosen (${depts[0] ?? ""})` }, ...depts.map((d) => ({ id: d, label: d }))]}
            testId="new-user-primary"
          />
        )}
        <RadioGroup className="field radio-group" value={passwordMode} onChange={(v) => setPasswordMode(v as "generated" | "typed")} orientation="horizontal">
          <Label className="field-label">Initial password</Label>
          <div className="segmented">
            <Radio value="generated" className="segment" data-testid="password-generated">
              Generate
            </Radio>
            <Radio value="typed" className="segment" data-testid="password-typed">
              Type one
            </Radio>
          </div>
        </RadioGroup>
        {passwordMode === "generated" ? (
          <div className="generated-password">
            <span className="muted">Shown once after the user is added.</span>
            <IconButton label="Generate another" icon={<RefreshCw size={15} />} onPress={() => setGenerated(generatePassword())} testId="regenerate-password" />
          </div>
        ) : (
          <PasswordInput label="Initial password" hideLabel value={typed} onChange={setTyped} error={touched ? passwordError : null} testId="new-user-password" autoComplete="new-password" />
        )}
        {error && (
          <Banner tone="danger" live="assertive" testId="add-user-error">
            {error}
          </Banner>
        )}
      </Form>
    </AppDialog>
  );
}

export function MembershipDialog({
  user,
  departments,
  onClose,
  onSaved,
}: {
  user: UserInfo;
  departments: readonly Department[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const [depts, setDepts] = useState<string[]>(user.departments);
  const [primary, setPrimary] = useState<string>(user.primary_department ?? NO_PRIMARY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const primaryValue = depts.includes(primary) ? primary : NO_PRIMARY;
  const removed = user.departments.filter((d) => !depts.includes(d));

  async function save() {
    setBusy(true);
    setError(null);
    try {
      await setUserMemberships(user.username, { departments: depts, primary_department: primaryValue === NO_PRIMARY ? (depts[0] ?? null) : primaryValue });
      toast(`Saved the departments of ${user.username}`);
      onSaved();
    } catch (err) {
      setError(sentence(toApiError(err).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title={`Departments of ${user.display_name || user.username}`}
      size="small"
      testId="membership-dialog"
      footer={
        <>
          <Btn variant="secondary" onPress={onClose}>
            Cancel
          </Btn>
          <Btn variant="primary" onPress={save} isDisabled={busy} testId="membership-save">
            {busy ? "Saving…" : "Save"}
          </Btn>
        </>
      }
    >
      <div className="stack">
        <MultiSelectField label="Departments" value={depts} onChange={setDepts} options={deptOptions(departments)} testId="membership-departments" placeholder="No departments" />
        <SelectField
          label="Primary department"
          value={primaryValue}
          onChange={setPrimary}
          options={[{ id: NO_PRIMARY, label: depts.length > 0 ? `First chosen (${depts[0] ?? ""})` : "None" }, ...depts.map((d) => ({ id: d, label: d }))]}
          testId="membership-primary"
        />
        {removed.length > 0 && (
          <Banner tone="info">
            Removing {user.username} from {removed.join(", ")} re-keys {removed.length === 1 ? "that department" : "those departments"}: they lose access to its secrets at once.
          </Banner>
        )}
        {error && (
          <Banner tone="danger" live="assertive" testId="membership-error">
            {error}
          </Banner>
        )}
      </div>
    </AppDialog>
  );
}
