// Generated from src-tauri/src/ipc.rs by `cargo test export_bindings`. Do not edit.
import type { AppStatus } from "./AppStatus";
import type { AuditCheck } from "./AuditCheck";
import type { AuditEntry } from "./AuditEntry";
import type { AuditQuery } from "./AuditQuery";
import type { CopyReceipt } from "./CopyReceipt";
import type { CreateVault } from "./CreateVault";
import type { Department } from "./Department";
import type { DeviceInfo } from "./DeviceInfo";
import type { ErrorCode } from "./ErrorCode";
import type { Explanation } from "./Explanation";
import type { ExportFormat } from "./ExportFormat";
import type { ImportFormat } from "./ImportFormat";
import type { ImportOptions } from "./ImportOptions";
import type { ImportPreview } from "./ImportPreview";
import type { ImportReport } from "./ImportReport";
import type { ListQuery } from "./ListQuery";
import type { MembershipUpdate } from "./MembershipUpdate";
import type { MovedVault } from "./MovedVault";
import type { NewSecret } from "./NewSecret";
import type { NewUsage } from "./NewUsage";
import type { NewUser } from "./NewUser";
import type { PasswordCheck } from "./PasswordCheck";
import type { RevealedFieldView } from "./RevealedFieldView";
import type { Role } from "./Role";
import type { SavedExport } from "./SavedExport";
import type { SecretSummary } from "./SecretSummary";
import type { SecretUpdate } from "./SecretUpdate";
import type { SessionInfo } from "./SessionInfo";
import type { Settings } from "./Settings";
import type { UnlockResult } from "./UnlockResult";
import type { Usage } from "./Usage";
import type { UserInfo } from "./UserInfo";
import type { VaultLocations } from "./VaultLocations";
import type { VersionInfo } from "./VersionInfo";

/** Every command the UI may invoke: its arguments, as the UI sends them, and its result. */
export interface Commands {
  app_status: { args: Record<string, never>; result: AppStatus };
  touch: { args: Record<string, never>; result: null };
  create_vault: { args: { form: CreateVault }; result: SessionInfo };
  unlock: { args: { username: string; password: string; remember: boolean }; result: UnlockResult };
  unlock_with_device: { args: { username: string }; result: SessionInfo | null };
  forget_device: { args: { username: string }; result: boolean };
  lock: { args: Record<string, never>; result: null };
  sign_out: { args: Record<string, never>; result: null };
  check_password: { args: { password: string; context: Array<string> }; result: PasswordCheck };
  session: { args: Record<string, never>; result: SessionInfo };
  change_password: { args: { current: string; new: string; signOutOtherDevices: boolean }; result: null };
  list_devices: { args: Record<string, never>; result: Array<DeviceInfo> };
  revoke_device: { args: { id: number }; result: null };
  get_settings: { args: Record<string, never>; result: Settings };
  set_settings: { args: { settings: Settings }; result: null };
  vault_locations: { args: Record<string, never>; result: VaultLocations };
  open_vault: { args: { path: string }; result: null };
  reconnect: { args: Record<string, never>; result: null };
  move_vault_to_server: { args: { url: string }; result: MovedVault };
  list_secrets: { args: { query: ListQuery }; result: Array<SecretSummary> };
  secret: { args: { id: number }; result: SecretSummary };
  reveal_secret: { args: { id: number }; result: Array<RevealedFieldView> };
  copy_field: { args: { id: number; field: string }; result: CopyReceipt };
  copy_as_env: { args: { id: number }; result: CopyReceipt };
  create_secret: { args: { secret: NewSecret }; result: number };
  update_secret: { args: { id: number; update: SecretUpdate }; result: SecretSummary };
  delete_secret: { args: { id: number; expectedVersion: number | null }; result: null };
  set_secret_active: { args: { id: number; active: boolean }; result: Array<string> };
  explain: { args: { key: string; department: string | null; asUser: string | null }; result: Explanation };
  history: { args: { id: number }; result: Array<VersionInfo> };
  restore_version: { args: { id: number; version: number }; result: SecretSummary };
  list_usages: { args: { id: number }; result: Array<Usage> };
  add_usage: { args: { id: number; usage: NewUsage }; result: number };
  remove_usage: { args: { usageId: number }; result: null };
  list_departments: { args: Record<string, never>; result: Array<Department> };
  add_department: { args: { code: string; name: string }; result: Department };
  rename_department: { args: { code: string; name: string }; result: null };
  list_users: { args: Record<string, never>; result: Array<UserInfo> };
  add_user: { args: { user: NewUser }; result: UserInfo };
  set_user_role: { args: { username: string; role: Role }; result: null };
  set_user_memberships: { args: { username: string; update: MembershipUpdate }; result: null };
  set_user_disabled: { args: { username: string; disabled: boolean }; result: null };
  generate_password: { args: Record<string, never>; result: string };
  audit_log: { args: { query: AuditQuery }; result: Array<AuditEntry> };
  verify_audit: { args: Record<string, never>; result: AuditCheck };
  suggest_save_path: { args: { fileName: string }; result: string };
  export_secrets: { args: { password: string; format: ExportFormat; path: string; overwrite: boolean }; result: SavedExport };
  save_audit_csv: { args: { path: string; csv: string; overwrite: boolean }; result: string };
  import_preview: { args: { path: string; format: ImportFormat | null; password: string | null; options: ImportOptions }; result: ImportPreview };
  import_secrets: { args: { path: string; format: ImportFormat | null; password: string | null; options: ImportOptions }; result: ImportReport };
}

export type CommandName = keyof Commands;

export const COMMAND_NAMES: readonly CommandName[] = [
  "app_status",
  "touch",
  "create_vault",
  "unlock",
  "unlock_with_device",
  "forget_device",
  "lock",
  "sign_out",
  "check_password",
  "session",
  "change_password",
  "list_devices",
  "revoke_device",
  "get_settings",
  "set_settings",
  "vault_locations",
  "open_vault",
  "reconnect",
  "move_vault_to_server",
  "list_secrets",
  "secret",
  "reveal_secret",
  "copy_field",
  "copy_as_env",
  "create_secret",
  "update_secret",
  "delete_secret",
  "set_secret_active",
  "explain",
  "history",
  "restore_version",
  "list_usages",
  "add_usage",
  "remove_usage",
  "list_departments",
  "add_department",
  "rename_department",
  "list_users",
  "add_user",
  "set_user_role",
  "set_user_memberships",
  "set_user_disabled",
  "generate_password",
  "audit_log",
  "verify_audit",
  "suggest_save_path",
  "export_secrets",
  "save_audit_csv",
  "import_preview",
  "import_secrets",
];

/** Every code an `ApiError` may carry. */
export const ERROR_CODES: readonly ErrorCode[] = [
  "invalid_input",
  "not_found",
  "permission_denied",
  "conflict",
  "in_use",
  "inactive",
  "expired",
  "write_only",
  "locked",
  "auth_failed",
  "password_change_required",
  "integrity",
  "rollback",
  "vault_damaged",
  "unsupported_version",
  "keyring_unavailable",
  "io",
];
