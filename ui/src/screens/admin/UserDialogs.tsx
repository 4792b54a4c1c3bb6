/** Dialogs of the Users screen: add a user, edit a user's departments. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { RefreshCw } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Form, Radio, RadioGroup, Label } from "react-aria-components";

import { addUser, setUserMemberships } from "../../api";
import type { Department } from "../../bindings/Department";
import type { NewUser } from "../../bindings/NewUser";
import type { Role } from "../../bindings/Role";
import type { UserInfo } from "../../bindings/UserInfo";
import { AppDialog } from "../../components/AppDialog";
import { Banner, type FormMessage } from "../../components/Banner";
import { Btn, IconButton, MultiSelectField, PasswordInput, SelectField, TextInput } from "../../components/controls";
import { PasswordVerdict } from "../../components/NewPasswordFields";
import { toast } from "../../components/toasts";
import { usePasswordCheck } from "../../hooks/usePasswordCheck";
import { PASSWORD_RULE } from "../../lib/password";
import { sentence } from "../../lib/text";
import { invalidate, keys, useGeneratedPassword } from "../../queries";

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const NO_PRIMARY = "__none__";

function deptOptions(departments: readonly Department[]) {
  return departments.map((d) => ({ id: d.code, label: d.name && d.name !== d.code ? `${d.code} — ${d.name}` : d.code, short: d.code, testId: `dept-option-${d.code}` }));
}

export function AddUserDialog({
  departments,
  canMakeAdmin,
  onClose,
}: {
  departments: readonly Department[];
  canMakeAdmin: boolean;
  onClose: () => void;
}) {
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [depts, setDepts] = useState<string[]>(departments.some((d) => d.code === "DEFAULT") ? ["DEFAULT"] : []);
  const [primary, setPrimary] = useState<string>(NO_PRIMARY);
  const [passwordMode, setPasswordMode] = useState<"generated" | "typed">("generated");
  const generated = useGeneratedPassword();
  const [typed, setTyped] = useState("");
  const check = usePasswordCheck(passwordMode === "typed" ? typed : "", [username, displayName]);
  const client = useQueryClient();
  // The initial password is in `variables` until shown: forget it with the dialog.
  const add = useMutation({
    mutationFn: addUser,
    gcTime: 0,
    onSuccess: () => {
      setTyped("");
      // A new user counts in their departments.
      return invalidate(client, keys.users, keys.departments);
    },
  });
  const created = add.data && add.variables ? { user: add.data, password: add.variables.initial_password } : null;
  const failed = add.error ?? (passwordMode === "generated" ? generated.error : null);
  const busy = add.isPending;

  const usernameBlocker =
    username.trim() === ""
      ? "Enter a username."
      : USERNAME.test(username.trim())
        ? null
        : "Username: use 1 to 64 letters, digits, “.”, “_”, “-” or “@”.";
  const password = passwordMode === "generated" ? (generated.data ?? null) : typed;
  // A typed initial password meets the same rule as any new one.
  const blocker =
    usernameBlocker ??
    (passwordMode === "generated"
      ? null
      : typed === ""
        ? "Type the initial password, or let Coffer generate one."
        : !check.current
          ? "Checking the password…"
          : check.check && !check.check.acceptable
            ? "The initial password does not meet the rule yet."
            : null);
  const message: FormMessage | null = failed
    ? { tone: "danger", text: sentence(failed.message), testId: "add-user-error" }
    : blocker
      ? { tone: "hint", text: blocker, testId: "add-user-hint" }
      : null;
  const primaryValue = depts.includes(primary) ? primary : NO_PRIMARY;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (blocker || password === null) return;
    const user: NewUser = {
      username: username.trim(),
      display_name: displayName.trim(),
      role,
      departments: depts,
      primary_department: primaryValue === NO_PRIMARY ? null : primaryValue,
      initial_password: password,
    };
    add.mutate(user);
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
      message={message}
      messageTestId="add-user-message"
      footer={
        <>
          <Btn variant="secondary" onPress={onClose}>
            Cancel
          </Btn>
          <Btn variant="primary" type="submit" form="add-user-form" isDisabled={busy || password === null || blocker !== null} testId="add-user-submit">
            {busy ? "Adding…" : "Add user"}
          </Btn>
        </>
      }
    >
      <Form id="add-user-form" className="stack" onSubmit={submit} validationBehavior="aria">
        <div className="form-grid">
          <TextInput label="Username" value={username} onChange={setUsername} testId="new-user-username" autoFocus placeholder="ana.lima" />
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
            <IconButton label="Generate another" icon={<RefreshCw size={15} />} onPress={() => void generated.refetch()} testId="regenerate-password" />
          </div>
        ) : (
          <>
            <PasswordInput
              label="Initial password"
              hideLabel
              value={typed}
              onChange={setTyped}
              description={PASSWORD_RULE}
              testId="new-user-password"
              autoComplete="new-password"
            />
            <PasswordVerdict password={typed} state={check} />
          </>
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
  const client = useQueryClient();
  const primaryValue = depts.includes(primary) ? primary : NO_PRIMARY;
  const removed = user.departments.filter((d) => !depts.includes(d));
  const save = useMutation({
    mutationFn: () =>
      setUserMemberships(user.username, { departments: depts, primary_department: primaryValue === NO_PRIMARY ? (depts[0] ?? null) : primaryValue }),
    onSuccess: () => {
      toast(`Saved the departments of ${user.username}`);
      onSaved();
      return invalidate(client, keys.users, keys.departments);
    },
  });
  const busy = save.isPending;
  const error = save.error ? sentence(save.error.message) : null;

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title={`Departments of ${user.display_name || user.username}`}
      size="small"
      testId="membership-dialog"
      message={error ? { tone: "danger", text: error, testId: "membership-error" } : null}
      footer={
        <>
          <Btn variant="secondary" onPress={onClose}>
            Cancel
          </Btn>
          <Btn variant="primary" onPress={() => save.mutate()} isDisabled={busy} testId="membership-save">
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
      </div>
    </AppDialog>
  );
}
