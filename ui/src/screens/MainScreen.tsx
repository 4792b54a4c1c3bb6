/**
 * The unlocked app: header (navigation, user menu, Lock), and the view
 * chosen. Admin screens are only offered to admins and the owner.
 */
import { ChevronDown, KeyRound, Lock, LogOut, Settings as SettingsIcon, ShieldCheck } from "lucide-react";
import { useEffect, useState } from "react";
import { Button, Menu, MenuItem, MenuTrigger, Popover, Separator, Tab, TabList, TabPanel, Tabs } from "react-aria-components";

import { listDepartments } from "../api";
import type { SessionInfo } from "../bindings/SessionInfo";
import { AppDialog } from "../components/AppDialog";
import { Btn } from "../components/controls";
import { toast } from "../components/toasts";
import { isAdmin, ROLE_LABELS } from "../lib/scope";
import { DepartmentsView } from "./admin/DepartmentsView";
import { ExplainView } from "./admin/ExplainView";
import { UsersView } from "./admin/UsersView";
import { ChangePasswordForm } from "./ChangePassword";
import { SecretsView } from "./secrets/SecretsView";
import { SettingsDialog } from "./SettingsDialog";

type View = "secrets" | "users" | "departments" | "explain";

export function MainScreen({ session, onLock }: { session: SessionInfo; onLock: () => void }) {
  const admin = isAdmin(session.user.role);
  const [view, setView] = useState<View>("secrets");
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [passwordOpen, setPasswordOpen] = useState(false);
  const [deptCodes, setDeptCodes] = useState<string[]>(session.user.departments);

  useEffect(() => {
    if (!admin) return;
    listDepartments()
      .then((d) => setDeptCodes(d.map((x) => x.code)))
      .catch(() => undefined);
  }, [admin, view]);

  const name = session.user.display_name || session.user.username;
  return (
    <Tabs selectedKey={view} onSelectionChange={(k) => setView(k as View)} className="app">
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <KeyRound size={18} />
          </span>
          <span className="brand-name">Coffer</span>
        </div>
        <TabList aria-label="Sections" className="nav">
            <Tab id="secrets" className="nav-item" data-testid="nav-secrets">
              Secrets
            </Tab>
            {admin && (
              <Tab id="users" className="nav-item" data-testid="nav-users">
                Users
              </Tab>
            )}
            {admin && (
              <Tab id="departments" className="nav-item" data-testid="nav-departments">
                Departments
              </Tab>
            )}
            <Tab id="explain" className="nav-item" data-testid="nav-explain">
              Who gets what
            </Tab>
          </TabList>
        <div className="header-end">
          <MenuTrigger>
            <Button className="user-button" aria-label={`Account: ${name}`} data-testid="user-menu">
              <span className="avatar" aria-hidden="true">
                {name.slice(0, 1).toUpperCase()}
              </span>
              <span className="user-button-text">
                <span className="user-name">{name}</span>
                <span className="user-role">{ROLE_LABELS[session.user.role]}</span>
              </span>
              <ChevronDown size={14} aria-hidden="true" />
            </Button>
            <Popover className="popover" placement="bottom end">
              <Menu
                className="menu"
                onAction={(k) => {
                  if (k === "settings") setSettingsOpen(true);
                  else if (k === "password") setPasswordOpen(true);
                  else if (k === "lock") onLock();
                }}
              >
                <MenuItem id="settings" className="menu-item" data-testid="menu-settings">
                  <SettingsIcon size={15} aria-hidden="true" /> Settings
                </MenuItem>
                <MenuItem id="password" className="menu-item" data-testid="menu-change-password">
                  <ShieldCheck size={15} aria-hidden="true" /> Change password
                </MenuItem>
                <Separator className="menu-separator" />
                <MenuItem id="lock" className="menu-item" data-testid="menu-lock">
                  <LogOut size={15} aria-hidden="true" /> Lock
                </MenuItem>
              </Menu>
            </Popover>
          </MenuTrigger>
          <Btn variant="secondary" icon={<Lock size={15} />} onPress={onLock} testId="lock" aria-label="Lock (Ctrl+L)">
            Lock
          </Btn>
        </div>
      </header>
      <main className="app-main">
        <TabPanel id="secrets" className="tab-panel">
          <SecretsView session={session} />
        </TabPanel>
        {admin && (
          <TabPanel id="users" className="tab-panel">
            <UsersView session={session} />
          </TabPanel>
        )}
        {admin && (
          <TabPanel id="departments" className="tab-panel">
            <DepartmentsView />
          </TabPanel>
        )}
        <TabPanel id="explain" className="tab-panel">
          <ExplainView session={session} departments={deptCodes} />
        </TabPanel>
      </main>
      {settingsOpen && <SettingsDialog onClose={() => setSettingsOpen(false)} />}
      {passwordOpen && (
        <AppDialog isOpen onClose={() => setPasswordOpen(false)} title="Change password" size="small" testId="change-password-dialog">
          <ChangePasswordForm
            onDone={() => {
              setPasswordOpen(false);
              toast("Password changed");
            }}
            onCancel={() => setPasswordOpen(false)}
          />
        </AppDialog>
      )}
    </Tabs>
  );
}
