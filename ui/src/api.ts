/**
 * The one door between the web view and the Rust side.
 *
 * Only this module imports `@tauri-apps/api`. Every command goes through
 * `call`, typed by the command list generated from Rust (a wrong name,
 * argument or result type does not compile); the named functions below are
 * one-line calls of it. Each command rejects with an `ApiError` (`code` is
 * what the UI switches on, `message` is safe to show). Tauri maps the Rust
 * snake_case argument names to camelCase, hence `asUser`, `usageId`, ...
 *
 * With `VITE_MOCK=1` (development only) the calls go to an in-memory mock
 * backend instead, so the UI can be worked on without the Rust app. A
 * production build never contains the mock: the flag is a compile-time
 * constant and the dynamic import is dropped with its dead branch.
 */
import { Channel, invoke } from "@tauri-apps/api/core";

import type { Args, Backend, CommandName, Result } from "./backend";
import type { ApiError } from "./bindings/ApiError";
import type { AppEvent } from "./bindings/AppEvent";
import type { AuditQuery } from "./bindings/AuditQuery";
import { ERROR_CODES } from "./bindings/commands";
import type { CreateVault } from "./bindings/CreateVault";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ExportFormat } from "./bindings/ExportFormat";
import type { ImportFormat } from "./bindings/ImportFormat";
import type { ImportOptions } from "./bindings/ImportOptions";
import type { ListQuery } from "./bindings/ListQuery";
import type { MembershipUpdate } from "./bindings/MembershipUpdate";
import type { NewSecret } from "./bindings/NewSecret";
import type { NewUsage } from "./bindings/NewUsage";
import type { NewUser } from "./bindings/NewUser";
import type { Role } from "./bindings/Role";
import type { SecretUpdate } from "./bindings/SecretUpdate";
import type { Settings } from "./bindings/Settings";
import { isVaultOnServer, setOnline } from "./lib/connection";

export type { ApiError, AppEvent, ErrorCode };

const tauriBackend: Backend = {
  invoke: (command, args) => invoke(command, args),
  async subscribe(onEvent) {
    await invoke("subscribe", { onEvent: new Channel<AppEvent>(onEvent) });
  },
};

let backend: Promise<Backend> =
  import.meta.env.VITE_MOCK === "1"
    ? import("./dev/mockBackend").then((m) => m.createMockBackend())
    : Promise.resolve(tauriBackend);

/** Answers every command from `b` instead (tests, with fixtures). */
export function setBackend(b: Backend): void {
  backend = Promise.resolve(b);
}

const KNOWN_CODES: ReadonlySet<string> = new Set<string>(ERROR_CODES);

export function isApiError(e: unknown): e is ApiError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { code?: unknown }).code === "string" &&
    KNOWN_CODES.has((e as { code: string }).code) &&
    typeof (e as { message?: unknown }).message === "string"
  );
}

/**
 * Every rejection becomes an ApiError. Tauri itself rejects with a plain
 * string when arguments fail to deserialize or a command is unknown.
 */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) {
    const err: ApiError = { code: e.code, message: e.message, retry_after_secs: e.retry_after_secs ?? null };
    // A stale edit's conflict says which version is current.
    if (typeof e.current_version === "number") err.current_version = e.current_version;
    return err;
  }
  const message = typeof e === "string" ? e : e instanceof Error ? e.message : "something went wrong";
  return { code: "io", message, retry_after_secs: null };
}

/** A message fit for a person, whatever was thrown. */
export function errorMessage(e: unknown): string {
  return toApiError(e).message;
}

type SessionLostReason = "locked" | "password_change_required";
const sessionListeners = new Set<(reason: SessionLostReason) => void>();

/**
 * Called when a command finds the vault locked behind the UI's back (the
 * idle watchdog fired while no event arrived) or demands a password change.
 */
export function onSessionLost(listener: (reason: SessionLostReason) => void): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

/** Commands whose auth_failed means "wrong password", not "vault locked". */
const SIGN_IN_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>(["unlock", "unlock_with_device", "change_password", "create_vault", "lock", "export_secrets"]);

/** Commands whose `io` is not about the open vault's server (a file's, or another vault's). */
const LOCAL_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>(["open_vault", "export_secrets", "save_audit_csv", "import_preview", "import_secrets", "suggest_save_path", "move_vault_to_server"]);

/** Runs one command; every other function here is a named call of it. */
export async function call<K extends CommandName>(command: K, args: Args<K>): Promise<Result<K>> {
  const b = await backend;
  try {
    return await b.invoke(command, args);
  } catch (e) {
    const err = toApiError(e);
    // A vault on a server that does not answer fails with `io` (within 3 s).
    if (err.code === "io" && isVaultOnServer() && !LOCAL_COMMANDS.has(command)) setOnline(false);
    if (!SIGN_IN_COMMANDS.has(command)) {
      if (err.code === "auth_failed") sessionListeners.forEach((l) => l("locked"));
      if (err.code === "password_change_required") sessionListeners.forEach((l) => l("password_change_required"));
    }
    throw err;
  }
}

// --- start-up and session -------------------------------------------------

export const appStatus = () => call("app_status", {});

export async function subscribe(onEvent: (event: AppEvent) => void): Promise<void> {
  const b = await backend;
  try {
    await b.subscribe(onEvent);
  } catch (e) {
    throw toApiError(e);
  }
}

export const touch = () => call("touch", {});
export const createVault = (form: CreateVault) => call("create_vault", { form });
export const unlock = (username: string, password: string, remember: boolean) =>
  call("unlock", { username, password, remember });
export const unlockWithDevice = (username: string) => call("unlock_with_device", { username });
export const forgetDevice = (username: string) => call("forget_device", { username });
export const lock = () => call("lock", {});
/** Locks and forgets this machine's default user: the sign-in form starts empty. */
export const signOut = () => call("sign_out", {});
/** Works on an existing vault (a file, or a `postgres://` URL: connecting is the test) from now on (remembered). */
export const openVault = (path: string) => call("open_vault", { path });
/** The open vault and the ones opened lately, most recent first (never touches the server). */
export const vaultLocations = () => call("vault_locations", {});
/** Tries the server of the open vault again (fails within 3 s while it is unreachable). */
export const reconnect = () => call("reconnect", {});
/** Copies the open file vault into an empty PostgreSQL database, then works on that (the file is kept). */
export const moveVaultToServer = (url: string) => call("move_vault_to_server", { url });
/** The core's rule for new passwords; `context`: the username and display name. */
export const checkPassword = (password: string, context: string[]) => call("check_password", { password, context });
export const session = () => call("session", {});
export const changePassword = (current: string, next: string, signOutOtherDevices = false) =>
  call("change_password", { current, new: next, signOutOtherDevices });
export const listDevices = () => call("list_devices", {});
export const revokeDevice = (id: number) => call("revoke_device", { id });
export const getSettings = () => call("get_settings", {});
export const setSettings = (settings: Settings) => call("set_settings", { settings });

// --- secrets ----------------------------------------------------------------

/** Everything the user may see; the table filters in memory. */
export const listSecrets = (query: ListQuery = { search: null, tag: null, department: null, include_inactive: true }) =>
  call("list_secrets", { query });
export const secret = (id: number) => call("secret", { id });
export const revealSecret = (id: number) => call("reveal_secret", { id });
export const copyField = (id: number, field: string) => call("copy_field", { id, field });
/** Every field as `.env` lines, onto the clipboard from the Rust side. */
export const copyAsEnv = (id: number) => call("copy_as_env", { id });
export const createSecret = (secret: NewSecret) => call("create_secret", { secret });
export const updateSecret = (id: number, update: SecretUpdate) => call("update_secret", { id, update });
export const deleteSecret = (id: number, expectedVersion: number | null) => call("delete_secret", { id, expectedVersion });
/** Resolves to the usages to warn about when deactivating a secret in use. */
export const setSecretActive = (id: number, active: boolean) => call("set_secret_active", { id, active });
export const explain = (key: string, department: string | null, asUser: string | null) =>
  call("explain", { key, department, asUser });
export const history = (id: number) => call("history", { id });
export const restoreVersion = (id: number, version: number) => call("restore_version", { id, version });
export const listUsages = (id: number) => call("list_usages", { id });
export const addUsage = (id: number, usage: NewUsage) => call("add_usage", { id, usage });
export const removeUsage = (usageId: number) => call("remove_usage", { usageId });

// --- users and departments (admins and owner) -------------------------------

export const listDepartments = () => call("list_departments", {});
export const addDepartment = (code: string, name: string) => call("add_department", { code, name });
export const renameDepartment = (code: string, name: string) => call("rename_department", { code, name });
export const listUsers = () => call("list_users", {});
export const addUser = (user: NewUser) => call("add_user", { user });
export const setUserRole = (username: string, role: Role) => call("set_user_role", { username, role });
export const setUserMemberships = (username: string, update: MembershipUpdate) =>
  call("set_user_memberships", { username, update });
export const setUserDisabled = (username: string, disabled: boolean) =>
  call("set_user_disabled", { username, disabled });
/** A random initial password, from the core's generator. */
export const generatePassword = () => call("generate_password", {});

/** Audit entries, newest first: members get their own, admins everyone's. */
export const auditLog = (query: AuditQuery) => call("audit_log", { query });
/** Admins: checks the whole log; rejects with code "integrity" naming the first bad entry. */
export const verifyAudit = () => call("verify_audit", {});

// --- files the app saves for the user ----------------------------------------

/** Where to suggest saving `fileName`: the Downloads folder, else home (from Rust). */
export const suggestSavePath = (fileName: string) => call("suggest_save_path", { fileName });
/** Every secret the user can read, written by Rust to `path` (mode 0600) after their password. */
export const exportSecrets = (password: string, format: ExportFormat, path: string, overwrite: boolean) =>
  call("export_secrets", { password, format, path, overwrite });
/** What importing the file at `path` would do, entry by entry (read and parsed by Rust). */
export const importPreview = (path: string, format: ImportFormat | null, password: string | null, options: ImportOptions) =>
  call("import_preview", { path, format, password, options });
/** Imports the file at `path`, all or nothing; progress arrives as `import_progress` events. */
export const importSecrets = (path: string, format: ImportFormat | null, password: string | null, options: ImportOptions) =>
  call("import_secrets", { path, format, password, options });
/** Saves the audit screen's CSV to `path` (mode 0600); resolves to where it went. */
export const saveAuditCsv = (path: string, csv: string, overwrite: boolean) => call("save_audit_csv", { path, csv, overwrite });
