/**
 * The unlocked app: header (navigation, user menu, Lock), and the view
 * chosen. Admin screens are only offered to admins and the owner.
 */
import { useQuery } from "@tanstack/react-query";
import { ChevronDown, CloudUpload, Database, Download, KeyRound, Lock, LogOut, Settings as SettingsIcon, ShieldCheck } from "lucide-react";
import { useState } from "react";
import { Button, Menu, MenuItem, MenuTrigger, Popover, Separator } from "react-aria-components";

import type { SessionInfo } from "../bindings/SessionInfo";
import { AppDialog } from "../components/AppDialog";
import { Btn } from "../components/controls";
import { toast } from "../components/toasts";
import { useShortcut } from "../hooks/useShortcut";
import { isAdmin, ROLE_LABELS } from "../lib/scope";
import { AuditView } from "./admin/AuditView";
import { DepartmentsView } from "./admin/DepartmentsView";
import { ExplainView } from "./admin/ExplainView";
import { UsersView } from "./admin/UsersView";
import { ChangePasswordForm } from "./ChangePassword";
import { ExportDialog } from "./ExportDialog";
import { SecretsView } from "./secrets/SecretsView";
import { SettingsDialog } from "./SettingsDialog";
import { MoveVaultDialog } from "./team/MoveVaultDialog";
import { OpenVaultDialog, vaultLocationsQuery } from "./team/OpenVault";
import { VaultBadge } from "./team/VaultBadge";

type View = "secrets" | "users" | "departments" | "explain" | "audit";

export function MainScreen({
  session,
  onLock,
  onSignOut,
  onVaultSwitched,
}: {
  session: SessionInfo;
  onLock: () => void;
  onSignOut: () => void;
  /** Another vault is now the app's (opened, or this one moved to a server). */
  onVaultSwitched: () => void;
}) {
  const admin = isAdmin(session.user.role);
  const place = useQuery(vaultLocationsQuery).data?.current;
  const [openVaultOpen, setOpenVaultOpen] = useState(false);
  const [moveOpen, setMoveOpen] = useState(false);
  const [view, setView] = useState<View>("secrets");
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [passwordOpen, setPasswordOpen] = useState(false);
  const [exportOpen, setExportOpen] = useState(false);
  // Ctrl+N from another view: go to the table and open "New secret" there.
  const [pendingCreate, setPendingCreate] = useState(false);
  useShortcut(
    "n",
    () => {
      setView("secrets");
      setPendingCreate(true);
    },
    view !== "secrets",
  );

  const name = session.user.display_name || session.user.username;
  const views: { id: View; label: string }[] = [
    { id: "secrets", label: "Secrets" },
    ...(admin
      ? [
          { id: "users" as const, label: "Users" },
          { id: "departments" as const, label: "Departments" },
        ]
      : []),
    { id: "explain", label: "Who gets what" },
    // Everyone: admins read the whole log, members their own entries.
    { id: "audit", label: "Audit" },
  ];
  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <KeyRound size={18} />
          </span>
          <span className="brand-name">Coffer</span>
        </div>
        <nav aria-label="Sections" className="nav">
          {views.map((v) => (
            <Button
              key={v.id}
              className="nav-item"
              data-testid={`nav-${v.id}`}
              aria-current={view === v.id ? "page" : undefined}
              onPress={() => setView(v.id)}
            >
              {v.label}
            </Button>
          ))}
        </nav>
        <div className="header-end">
          <VaultBadge />
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
                  else if (k === "export") setExportOpen(true);
                  else if (k === "open-vault") setOpenVaultOpen(true);
                  else if (k === "move-vault") setMoveOpen(true);
                  else if (k === "lock") onLock();
                  else if (k === "sign-out") onSignOut();
                }}
              >
                <MenuItem id="settings" className="menu-item" data-testid="menu-settings">
                  <SettingsIcon size={15} aria-hidden="true" /> Settings
                </MenuItem>
                <MenuItem id="password" className="menu-item" data-testid="menu-change-password">
                  <ShieldCheck size={15} aria-hidden="true" /> Change password
                </MenuItem>
                <MenuItem id="export" className="menu-item" data-testid="menu-export">
                  <Download size={15} aria-hidden="true" /> Export secrets…
                </MenuItem>
                <Separator className="menu-separator" />
                <MenuItem id="open-vault" className="menu-item" data-testid="menu-open-vault">
                  <Database size={15} aria-hidden="true" /> Open a team vault…
                </MenuItem>
                {admin && place && !place.on_server && (
                  <MenuItem id="move-vault" className="menu-item" data-testid="menu-move-vault">
                    <CloudUpload size={15} aria-hidden="true" /> Move this vault to a server…
                  </MenuItem>
                )}
                <Separator className="menu-separator" />
                <MenuItem id="lock" className="menu-item" data-testid="menu-lock">
                  <Lock size={15} aria-hidden="true" /> Lock
                </MenuItem>
                <MenuItem id="sign-out" className="menu-item" data-testid="menu-sign-out">
                  <LogOut size={15} aria-hidden="true" /> Sign out
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
        {/* Plain conditional views: a React Aria TabPanel watches every DOM
            mutation inside it, which a virtualized table makes constantly. */}
        {view === "secrets" && <SecretsView session={session} startWithCreate={pendingCreate} onStarted={() => setPendingCreate(false)} />}
        {view === "users" && admin && <UsersView session={session} />}
        {view === "departments" && admin && <DepartmentsView />}
        {view === "explain" && <ExplainView session={session} />}
        {view === "audit" && <AuditView session={session} />}
      </main>
      {settingsOpen && <SettingsDialog session={session} onClose={() => setSettingsOpen(false)} />}
      {exportOpen && <ExportDialog onClose={() => setExportOpen(false)} />}
      {openVaultOpen && <OpenVaultDialog onClose={() => setOpenVaultOpen(false)} onOpened={onVaultSwitched} />}
      {moveOpen && place && <MoveVaultDialog fileLocation={place.location} onClose={() => setMoveOpen(false)} onMoved={onVaultSwitched} />}
      {passwordOpen && (
        <AppDialog isOpen onClose={() => setPasswordOpen(false)} title="Change password" size="small" testId="change-password-dialog" isDismissable={false} raw>
          <ChangePasswordForm
            user={session.user}
            inDialog
            offerSignOut
            onDone={() => {
              setPasswordOpen(false);
              toast("Password changed");
            }}
            onCancel={() => setPasswordOpen(false)}
          />
        </AppDialog>
      )}
    </div>
  );
}
