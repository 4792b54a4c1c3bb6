/**
 * Users (admins and owner): list, add with an initial password shown once,
 * change role (owner only: only the owner makes or removes admins), edit
 * departments and primary department, disable or enable.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Building2, UserPlus } from "lucide-react";
import { useState } from "react";

import { setUserDisabled, setUserRole } from "../../api";
import type { Role } from "../../bindings/Role";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { UserInfo } from "../../bindings/UserInfo";
import { AppDialog } from "../../components/AppDialog";
import { Banner } from "../../components/Banner";
import { Btn, SelectField, SwitchField } from "../../components/controls";
import { toast } from "../../components/toasts";
import { ROLE_LABELS } from "../../lib/scope";
import { sentence } from "../../lib/text";
import { invalidate, keys, useDepartments, useUsers } from "../../queries";
import { AddUserDialog, MembershipDialog } from "./UserDialogs";
import { AdminView } from "./AdminView";

export function UsersView({ session }: { session: SessionInfo }) {
  const client = useQueryClient();
  const userList = useUsers();
  const departmentList = useDepartments();
  const users = userList.data ?? null;
  const departments = departmentList.data ?? [];
  const failed = userList.error ?? departmentList.error;
  const error = failed ? sentence(failed.message) : null;
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<UserInfo | null>(null);
  const [disabling, setDisabling] = useState<UserInfo | null>(null);
  const isOwner = session.user.role === "owner";

  const changeRole = useMutation({
    mutationFn: ({ u, role }: { u: UserInfo; role: Role }) => setUserRole(u.username, role),
    onSuccess: (_, { u, role }) => {
      toast(`${u.username} is now ${ROLE_LABELS[role].toLowerCase()}`);
      return invalidate(client, keys.users);
    },
    onError: (e, { u }) => toast(`Cannot change the role of ${u.username}`, { tone: "error", description: sentence(e.message) }),
  });

  // A disabled user no longer counts as a department member.
  const toggleDisabled = useMutation({
    mutationFn: ({ u, disabled }: { u: UserInfo; disabled: boolean }) => setUserDisabled(u.username, disabled),
    onSuccess: (_, { u, disabled }) => {
      toast(`${u.username} ${disabled ? "disabled" : "enabled"}`);
      return invalidate(client, keys.users, keys.departments);
    },
    onError: (e, { u, disabled }) =>
      toast(`Cannot ${disabled ? "disable" : "enable"} ${u.username}`, { tone: "error", description: sentence(e.message) }),
  });

  return (
    <AdminView
      id="users"
      title="Users"
      summary="New users get an initial password and must choose their own at first sign-in."
      actions={
        <Btn variant="primary" icon={<UserPlus size={16} />} onPress={() => setAdding(true)} testId="add-user">
          Add user
        </Btn>
      }
    >
      {error && (
        <Banner tone="danger" live="assertive" testId="users-error">
          {error}
        </Banner>
      )}
      {users && (
        <table className="simple-table" data-testid="users-table">
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>Departments</th>
              <th>Status</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const self = u.username === session.user.username;
              const roleEditable = isOwner && u.role !== "owner" && !self;
              return (
                <tr key={u.id} data-testid={`user-row-${u.username}`} className={u.disabled ? "is-dormant" : ""}>
                  <td>
                    <div className="user-cell">
                      <span className="avatar" aria-hidden="true">
                        {(u.display_name || u.username).slice(0, 1).toUpperCase()}
                      </span>
                      <div>
                        <strong>{u.display_name || u.username}</strong>
                        <span className="muted small">{u.username}{self ? " (you)" : ""}</span>
                      </div>
                    </div>
                  </td>
                  <td>
                    {roleEditable ? (
                      <SelectField
                        label={`Role of ${u.username}`}
                        hideLabel
                        className="compact"
                        value={u.role}
                        options={[
                          { id: "member", label: "Member" },
                          { id: "admin", label: "Admin" },
                        ]}
                        onChange={(r) => r !== u.role && changeRole.mutate({ u, role: r as Role })}
                        testId={`user-role-${u.username}`}
                      />
                    ) : (
                      <span className={`badge badge-role-${u.role}`}>{ROLE_LABELS[u.role]}</span>
                    )}
                  </td>
                  <td>
                    <span className="chips">
                      {u.departments.length === 0 && <span className="muted">none</span>}
                      {u.departments.map((d) => (
                        <span key={d} className={`chip chip-dept${d === u.primary_department ? " is-primary" : ""}`} title={d === u.primary_department ? "Primary department" : undefined}>
                          {d}
                          {d === u.primary_department && <span className="visually-hidden"> (primary)</span>}
                        </span>
                      ))}
                    </span>
                  </td>
                  <td>
                    {u.disabled ? (
                      <span className="badge badge-neutral">Disabled</span>
                    ) : u.must_change_password ? (
                      <span className="badge badge-warning">Must change password</span>
                    ) : (
                      <span className="badge badge-success">Active</span>
                    )}
                  </td>
                  <td className="row-actions">
                    <Btn variant="ghost" icon={<Building2 size={15} />} onPress={() => setEditing(u)} testId={`user-departments-${u.username}`}>
                      Departments
                    </Btn>
                    {!self && u.role !== "owner" && (
                      <SwitchField
                        label="Enabled"
                        aria-label={`Enabled: ${u.username}`}
                        isSelected={!u.disabled}
                        // Enabling gives back access at once; disabling asks first.
                        onChange={(enabled) => (enabled ? toggleDisabled.mutate({ u, disabled: false }) : setDisabling(u))}
                        testId={`user-enabled-${u.username}`}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {adding && (
        <AddUserDialog
          departments={departments}
          canMakeAdmin={isOwner}
          onClose={() => setAdding(false)}
        />
      )}
      {disabling && (
        <DisableUserDialog
          user={disabling}
          onCancel={() => setDisabling(null)}
          onConfirm={() => {
            toggleDisabled.mutate({ u: disabling, disabled: true });
            setDisabling(null);
          }}
        />
      )}
      {editing && (
        <MembershipDialog
          user={editing}
          departments={departments}
          onClose={() => setEditing(null)}
          onSaved={() => setEditing(null)}
        />
      )}
    </AdminView>
  );
}

/** What disabling a user does, said before it is done (SPEC §7.2: it re-keys). */
export function DisableUserDialog({ user, onCancel, onConfirm }: { user: UserInfo; onCancel: () => void; onConfirm: () => void }) {
  const name = user.display_name && user.display_name !== user.username ? `${user.display_name} (${user.username})` : user.username;
  const first = user.display_name || user.username;
  const scopes =
    user.role === "admin"
      ? "every department (admins hold every department's key)"
      : user.departments.length === 0
        ? null
        : `${user.departments.join(", ")}`;
  return (
    <AppDialog
      isOpen
      onClose={onCancel}
      title={`Disable ${name}?`}
      size="small"
      role="alertdialog"
      testId="disable-user-dialog"
      footer={
        <>
          <Btn variant="secondary" onPress={onCancel} testId="disable-user-cancel" autoFocus>
            Cancel
          </Btn>
          <Btn variant="danger" onPress={onConfirm} testId="disable-user-confirm">
            Disable {user.username}
          </Btn>
        </>
      }
    >
      <ul className="consequences" data-testid="disable-user-consequences">
        <li>{first} can no longer sign in. An app or CLI session they have open stops at its next action.</li>
        <li>Every device that remembers {first} is signed out. Enabling them again does not bring those back: they sign in with their password.</li>
        {scopes ? (
          <li>
            The keys of {scopes} are replaced (re-keyed) now, so the keys {first} held open nothing written from now on. This can take a moment in a large
            vault.
          </li>
        ) : (
          <li>{first} belongs to no department, so no department is re-keyed.</li>
        )}
        <li>Their private secrets stay unreadable to everyone until they are enabled again.</li>
      </ul>
    </AppDialog>
  );
}
