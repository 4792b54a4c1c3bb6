/**
 * The one door between the web view and the Rust side.
 *
 * Only this module imports `@tauri-apps/api`; every screen calls the typed
 * functions below. Each command rejects with an `ApiError` (`code` is what
 * the UI switches on, `message` is safe to show). Tauri maps the Rust
 * snake_case argument names to camelCase, hence `asUser`, `usageId`, ...
 *
 * With `VITE_MOCK=1` (development only) the calls go to an in-memory mock
 * backend instead, so the UI can be worked on without the Rust app. A
 * production build never contains the mock: the flag is a compile-time
 * constant and the dynamic import is dropped with its dead branch.
 */
import { Channel, invoke } from "@tauri-apps/api/core";

import type { ApiError } from "./bindings/ApiError";
import type { AppEvent } from "./bindings/AppEvent";
import type { AppStatus } from "./bindings/AppStatus";
import type { CopyReceipt } from "./bindings/CopyReceipt";
import type { CreateVault } from "./bindings/CreateVault";
import type { Department } from "./bindings/Department";
import type { DeviceInfo } from "./bindings/DeviceInfo";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { Explanation } from "./bindings/Explanation";
import type { ListQuery } from "./bindings/ListQuery";
import type { MembershipUpdate } from "./bindings/MembershipUpdate";
import type { NewSecret } from "./bindings/NewSecret";
import type { NewUsage } from "./bindings/NewUsage";
import type { NewUser } from "./bindings/NewUser";
import type { RevealedFieldView } from "./bindings/RevealedFieldView";
import type { Role } from "./bindings/Role";
import type { SecretSummary } from "./bindings/SecretSummary";
import type { SecretUpdate } from "./bindings/SecretUpdate";
import type { SessionInfo } from "./bindings/SessionInfo";
import type { Settings } from "./bindings/Settings";
import type { UnlockResult } from "./bindings/UnlockResult";
import type { Usage } from "./bindings/Usage";
import type { UserInfo } from "./bindings/UserInfo";
import type { VersionInfo } from "./bindings/VersionInfo";

export type { ApiError, AppEvent, ErrorCode };

/** What the rest of the UI needs from a backend: the real IPC or the mock. */
export interface Backend {
  invoke<T>(command: string, args?: Record<string, unknown>): Promise<T>;
  subscribe(onEvent: (event: AppEvent) => void): Promise<void>;
}

const tauriBackend: Backend = {
  invoke: <T>(command: string, args?: Record<string, unknown>) => invoke<T>(command, args),
  async subscribe(onEvent) {
    const channel = new Channel<AppEvent>(onEvent);
    await invoke<void>("subscribe", { onEvent: channel });
  },
};

const backend: Promise<Backend> =
  import.meta.env.VITE_MOCK === "1"
    ? import("./dev/mockBackend").then((m) => m.createMockBackend())
    : Promise.resolve(tauriBackend);

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
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
  "vault_damaged",
  "unsupported_version",
  "keyring_unavailable",
  "io",
]);

export function isApiError(e: unknown): e is ApiError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { code?: unknown }).code === "string" &&
    ERROR_CODES.has((e as { code: string }).code) &&
    typeof (e as { message?: unknown }).message === "string"
  );
}

/**
 * Every rejection becomes an ApiError. Tauri itself rejects with a plain
 * string when arguments fail to deserialize or a command is unknown.
 */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) {
    return { code: e.code, message: e.message, retry_after_secs: e.retry_after_secs ?? null };
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
const SIGN_IN_COMMANDS = new Set(["unlock", "unlock_with_device", "change_password", "create_vault", "lock"]);

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  const b = await backend;
  try {
    return await b.invoke<T>(command, args);
  } catch (e) {
    const err = toApiError(e);
    if (!SIGN_IN_COMMANDS.has(command)) {
      if (err.code === "auth_failed") sessionListeners.forEach((l) => l("locked"));
      if (err.code === "password_change_required") sessionListeners.forEach((l) => l("password_change_required"));
    }
    throw err;
  }
}

// --- start-up and session -------------------------------------------------

export const appStatus = () => call<AppStatus>("app_status");

export async function subscribe(onEvent: (event: AppEvent) => void): Promise<void> {
  const b = await backend;
  try {
    await b.subscribe(onEvent);
  } catch (e) {
    throw toApiError(e);
  }
}

export const touch = () => call<void>("touch");
export const createVault = (form: CreateVault) => call<SessionInfo>("create_vault", { form });
export const unlock = (username: string, password: string, remember: boolean) =>
  call<UnlockResult>("unlock", { username, password, remember });
export const unlockWithDevice = (username: string) => call<SessionInfo | null>("unlock_with_device", { username });
export const forgetDevice = (username: string) => call<boolean>("forget_device", { username });
export const lock = () => call<void>("lock");
export const session = () => call<SessionInfo>("session");
export const changePassword = (current: string, next: string, signOutOtherDevices = false) =>
  call<void>("change_password", { current, new: next, signOutOtherDevices });
export const listDevices = () => call<DeviceInfo[]>("list_devices");
export const revokeDevice = (id: number) => call<void>("revoke_device", { id });
export const getSettings = () => call<Settings>("get_settings");
export const setSettings = (settings: Settings) => call<void>("set_settings", { settings });

// --- secrets ----------------------------------------------------------------

/** Everything the user may see; the table filters in memory. */
export const listSecrets = (query: ListQuery = { search: null, tag: null, department: null, include_inactive: true }) =>
  call<SecretSummary[]>("list_secrets", { query });
export const secret = (id: number) => call<SecretSummary>("secret", { id });
export const revealSecret = (id: number) => call<RevealedFieldView[]>("reveal_secret", { id });
export const copyField = (id: number, field: string) => call<CopyReceipt>("copy_field", { id, field });
export const createSecret = (secret: NewSecret) => call<number>("create_secret", { secret });
export const updateSecret = (id: number, update: SecretUpdate) => call<SecretSummary>("update_secret", { id, update });
export const deleteSecret = (id: number) => call<void>("delete_secret", { id });
/** Resolves to the usages to warn about when deactivating a secret in use. */
export const setSecretActive = (id: number, active: boolean) => call<string[]>("set_secret_active", { id, active });
export const explain = (key: string, department: string | null, asUser: string | null) =>
  call<Explanation>("explain", { key, department, asUser });
export const history = (id: number) => call<VersionInfo[]>("history", { id });
export const restoreVersion = (id: number, version: number) => call<SecretSummary>("restore_version", { id, version });
export const listUsages = (id: number) => call<Usage[]>("list_usages", { id });
export const addUsage = (id: number, usage: NewUsage) => call<number>("add_usage", { id, usage });
export const removeUsage = (usageId: number) => call<void>("remove_usage", { usageId });

// --- users and departments (admins and owner) -------------------------------

export const listDepartments = () => call<Department[]>("list_departments");
export const addDepartment = (code: string, name: string) => call<Department>("add_department", { code, name });
export const renameDepartment = (code: string, name: string) => call<void>("rename_department", { code, name });
export const listUsers = () => call<UserInfo[]>("list_users");
export const addUser = (user: NewUser) => call<UserInfo>("add_user", { user });
export const setUserRole = (username: string, role: Role) => call<void>("set_user_role", { username, role });
export const setUserMemberships = (username: string, update: MembershipUpdate) =>
  call<void>("set_user_memberships", { username, update });
export const setUserDisabled = (username: string, disabled: boolean) =>
  call<void>("set_user_disabled", { username, disabled });
