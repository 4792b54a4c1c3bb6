/**
 * A development-only, in-memory stand-in for the Rust command layer, so
 * the UI can be built and looked at without Tauri (`VITE_MOCK=1`). It is
 * imported only behind that compile-time flag, so production builds do
 * not contain it. It imitates the contract (argument names, ApiError
 * codes), not the real rules in full: the core is the authority.
 *
 * URL switches: `?mock=fresh` (no vault yet), `?mock=locked` (sign-in
 * screen; password "correct horse"), `?mock=member` (signed in as a
 * member), `?mock=newuser` (a member who must change the initial
 * password), `?mock=insecure` (test vault banner), `?mock=empty` (no
 * secrets), `?rows=10000` (that many generated secrets).
 */
import type { ApiError } from "../bindings/ApiError";
import type { AppEvent } from "../bindings/AppEvent";
import type { AppStatus } from "../bindings/AppStatus";
import type { Candidate } from "../bindings/Candidate";
import type { Department } from "../bindings/Department";
import type { DeviceInfo } from "../bindings/DeviceInfo";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { Explanation } from "../bindings/Explanation";
import type { FieldInput } from "../bindings/FieldInput";
import type { NewSecret } from "../bindings/NewSecret";
import type { NewUser } from "../bindings/NewUser";
import type { Role } from "../bindings/Role";
import type { Scope } from "../bindings/Scope";
import type { SecretSummary } from "../bindings/SecretSummary";
import type { SecretUpdate } from "../bindings/SecretUpdate";
import type { SessionInfo } from "../bindings/SessionInfo";
import type { Settings } from "../bindings/Settings";
import type { Usage } from "../bindings/Usage";
import type { UserInfo } from "../bindings/UserInfo";
import type { VersionInfo } from "../bindings/VersionInfo";
import type { Backend } from "../api";

const DAY = 86_400_000;
const PASSWORD = "correct horse";

interface MockSecret {
  summary: Omit<SecretSummary, "can" | "expiry">;
  values: Map<string, string>;
  history: VersionInfo[];
}

function fail(code: ErrorCode, message: string, retry_after_secs: number | null = null): never {
  const e: ApiError = { code, message, retry_after_secs };
  throw e;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

const WORDS = ["db", "api", "smtp", "s3", "redis", "kafka", "ldap", "stripe", "github", "slack", "sentry", "vault", "ftp", "oauth"];
const KINDS = ["PASSWORD", "TOKEN", "KEY", "SECRET", "URL", "CONFIG"];
const TAGS = ["prod", "staging", "dev", "finance", "ops", "legacy", "ci", "etl"];

export function createMockBackend(): Backend {
  const params = new URLSearchParams(window.location.search);
  const mode = params.get("mock") ?? "";
  const rows = Number(params.get("rows") ?? (mode === "empty" ? 0 : 40));
  const now = Date.now();

  const departments: Department[] = [
    { id: 1, code: "DEFAULT", name: "Default", members: 3 },
    { id: 2, code: "FIN", name: "Finance", members: 2 },
    { id: 3, code: "OPS", name: "Operations", members: 1 },
  ];
  const users: UserInfo[] = [
    { id: 1, username: "ana", display_name: "Ana Lima", role: "owner", departments: ["DEFAULT", "FIN"], primary_department: "DEFAULT", disabled: false, must_change_password: false, created_at: now - 90 * DAY },
    { id: 2, username: "bruno", display_name: "Bruno Costa", role: "admin", departments: ["DEFAULT", "OPS"], primary_department: "OPS", disabled: false, must_change_password: false, created_at: now - 60 * DAY },
    { id: 3, username: "carla", display_name: "Carla Dias", role: "member", departments: ["DEFAULT", "FIN"], primary_department: "FIN", disabled: false, must_change_password: false, created_at: now - 30 * DAY },
  ];
  let vaultExists = mode !== "fresh";
  if (mode === "newuser" && users[2]) users[2].must_change_password = true;
  let devices: DeviceInfo[] = [
    { id: 1, label: "Coffer desktop app", created_at: now - 20 * DAY, current: true },
    { id: 2, label: "coffer CLI on build-box", created_at: now - 5 * DAY, current: false },
  ];
  let current: UserInfo | null =
    mode === "fresh" || mode === "locked"
      ? null
      : (users.find((u) => u.username === (mode === "member" || mode === "newuser" ? "carla" : "ana")) ?? null);
  let failures = 0;
  let settings: Settings = { auto_lock_minutes: 10, clipboard_clear_secs: 30 };
  let onEvent: ((e: AppEvent) => void) | null = null;
  let nextId = 1;
  let nextUsage = 1;
  const secrets = new Map<number, MockSecret>();
  const usages: Usage[] = [];

  function add(s: Partial<MockSecret["summary"]> & { key: string }, values: Record<string, string>) {
    const id = nextId++;
    const summary: MockSecret["summary"] = {
      id,
      key: s.key,
      field_names: Object.keys(values),
      scope: s.scope ?? { departments: { kind: "all" }, users: "all" },
      description: s.description ?? "",
      tags: s.tags ?? [],
      expires_at: s.expires_at ?? null,
      active: s.active ?? true,
      reveal: s.reveal ?? "allowed",
      created_by: s.created_by ?? "ana",
      created_at: s.created_at ?? now - 20 * DAY,
      updated_by: s.updated_by ?? "ana",
      updated_at: s.updated_at ?? now - 2 * DAY,
      version: 1,
      damaged: s.damaged ?? false,
    };
    secrets.set(id, { summary, values: new Map(Object.entries(values)), history: [] });
    return id;
  }

  if (rows > 0) {
    add({ key: "DB_PASSWORD", description: "Primary Postgres, read-write", tags: ["prod", "db"], scope: { departments: { kind: "departments", codes: ["FIN"] }, users: "all" } }, { value: "s3cr3t-Pa55" });
    add({ key: "database-config", description: "Warehouse connection", tags: ["prod", "etl"], expires_at: now + 3 * DAY }, { host: "db.internal", port: "5432", username: "etl", password: "hunter2" });
    add({ key: "STRIPE_API_KEY", description: "Billing", tags: ["finance"], expires_at: now - DAY, scope: { departments: { kind: "departments", codes: ["FIN", "OPS"] }, users: "all" } }, { value: "sk_live_123" });
    add({ key: "KEY 1", description: "My own copy", scope: { departments: { kind: "departments", codes: ["DEFAULT"] }, users: "creator" }, created_by: "ana" }, { value: "mine" });
    add({ key: "LEGACY_FTP", description: "Old partner upload", tags: ["legacy"], active: false }, { user: "partner", password: "ftp-pass" });
    add({ key: "WEBHOOK_SIGNING", description: "Write-only signing secret", reveal: "never", tags: ["ops"] }, { value: "whsec" });
    add({ key: "", damaged: true, scope: { departments: { kind: "departments", codes: ["OPS"] }, users: "all" } }, {});
    add({ key: "SLACK_TOKEN", description: "Alerts bot", tags: ["ops", "ci"], expires_at: now + 6 * DAY + 3600_000, updated_at: now - 5 * 60_000 }, { value: "xoxb-1" });
    for (let i = secrets.size; i < rows; i++) {
      const w = WORDS[i % WORDS.length] ?? "x";
      const k = KINDS[Math.floor(i / WORDS.length) % KINDS.length] ?? "KEY";
      const multi = i % 7 === 0;
      add(
        {
          key: `${w.toUpperCase()}_${k}_${i}`,
          description: `${w} credential #${i}`,
          tags: [TAGS[i % TAGS.length] ?? "x", ...(i % 3 === 0 ? [TAGS[(i + 3) % TAGS.length] ?? "y"] : [])],
          scope: i % 4 === 0 ? { departments: { kind: "all" }, users: "all" } : { departments: { kind: "departments", codes: [departments[i % 3]?.code ?? "DEFAULT"] }, users: "all" },
          expires_at: i % 11 === 0 ? now + (i % 40) * DAY - 10 * DAY : null,
          active: i % 23 !== 0,
          updated_at: now - (i % 400) * 3600_000,
          created_by: users[i % 3]?.username ?? "ana",
        },
        multi ? { host: `${w}.internal`, username: "svc", password: `p-${i}` } : { value: `v-${i}` },
      );
    }
    usages.push({ id: nextUsage++, secret_id: 1, name: "nightly-etl", kind: "pipeline", field: null, created_by: "ana", created_at: now - 5 * DAY });
    usages.push({ id: nextUsage++, secret_id: 1, name: "finance-dashboard", kind: "service", field: null, created_by: "bruno", created_at: now - 3 * DAY });
  }

  const isAdmin = (u: UserInfo) => u.role !== "member";
  const me = (): UserInfo => current ?? fail("auth_failed", "the vault is locked: sign in first");

  function inScope(u: UserInfo, scope: Scope, creator: string) {
    const d = scope.departments.kind === "all" || scope.departments.codes.some((c) => u.departments.includes(c));
    const usersOk = scope.users === "all" || creator === u.username;
    return d && usersOk;
  }

  function view(m: MockSecret, u: UserInfo): SecretSummary {
    const s = m.summary;
    const t = Date.now();
    const expired = s.expires_at !== null && s.expires_at <= t;
    const scoped = inScope(u, s.scope, s.created_by);
    const usable = scoped && s.active && !expired && !s.damaged;
    const owner = (s.created_by === u.username && scoped) || isAdmin(u);
    return {
      ...s,
      expiry: s.expires_at === null ? "none" : expired ? "expired" : s.expires_at - t <= 7 * DAY ? "expiring_soon" : "valid",
      can: {
        reveal: usable && s.reveal === "allowed",
        copy: usable && s.reveal === "allowed",
        edit: owner && !s.damaged,
        delete: owner,
        activate: isAdmin(u) && !s.damaged,
      },
    };
  }

  function visible(m: MockSecret, u: UserInfo) {
    const s = m.summary;
    if (s.scope.users === "creator") return s.created_by === u.username;
    return inScope(u, s.scope, s.created_by) || isAdmin(u);
  }

  function get(id: number): MockSecret {
    const m = secrets.get(id);
    if (!m || !visible(m, me())) fail("not_found", `no secret with id ${id}`);
    return m;
  }

  function session(): SessionInfo {
    return {
      user: me(),
      vault_id: "mock-vault",
      kdf_profile: mode === "insecure" ? "insecure-test" : "standard",
      kdf: { m_kib: 262144, t: 3, p: 4 },
    fingerprint: "ABCD-EFGH-JKLM-NPQR-STUV",
    keys_pending: false,
    };
  }

  function applyFields(m: MockSecret, fields: FieldInput[]) {
    const next = new Map<string, string>();
    for (const f of fields) {
      if (f.value.kind === "set") next.set(f.name, f.value.value);
      else {
        const old = m.values.get(f.value.from);
        if (old === undefined) fail("invalid_input", "a kept field does not exist");
        next.set(f.name, old);
      }
    }
    m.values = next;
    m.summary.field_names = [...next.keys()];
  }

  function snapshot(m: MockSecret, current: boolean): VersionInfo {
    const s = m.summary;
    return { version: s.version, current, key: s.key, field_names: [...s.field_names], description: s.description, tags: [...s.tags], updated_by: s.updated_by, updated_at: s.updated_at };
  }

  function bump(m: MockSecret) {
    m.history.unshift(snapshot(m, false));
    m.history = m.history.slice(0, 10);
    m.summary.version += 1;
    m.summary.updated_at = Date.now();
    m.summary.updated_by = me().username;
  }

  const handlers: Record<string, (a: Record<string, unknown>) => unknown> = {
    app_status: (): AppStatus => ({
      vault_path: "/home/ana/.local/share/coffer/vault.db",
      vault_exists: vaultExists,
      unlocked: current !== null,
      remembered_user: vaultExists ? "ana" : null,
      device_remembered: false,
      keyring_problem: params.get("keyring") === "broken" ? "no Secret Service on the session bus" : null,
      kdf_profile: vaultExists ? (mode === "insecure" ? "insecure-test" : "standard") : null,
    }),
    touch: () => null,
    create_vault: async (a) => {
      const form = a.form as { owner: string; display_name: string; password: string };
      await sleep(1200);
      vaultExists = true;
      const owner = users[0];
      if (!owner) fail("io", "no owner");
      owner.username = form.owner;
      owner.display_name = form.display_name;
      current = owner;
      return session();
    },
    unlock: async (a) => {
      await sleep(400);
      if (failures >= 3) fail("locked", "too many failed attempts: wait before trying again", 2 ** (failures - 2));
      const u = users.find((x) => x.username === String(a.username).toLowerCase());
      if (!u || a.password !== PASSWORD) {
        failures += 1;
        fail("auth_failed", "wrong username or password");
      }
      failures = 0;
      current = u;
      return { session: session(), remember_error: a.remember ? "the OS keyring is not available in the mock" : null };
    },
    unlock_with_device: () => null,
    forget_device: () => true,
    lock: () => {
      current = null;
      return null;
    },
    session: () => session(),
    change_password: (a) => {
      if (a.current !== PASSWORD) fail("auth_failed", "the current password is wrong");
      me().must_change_password = false;
      if (a.signOutOtherDevices) devices = devices.filter((d) => d.current);
      return null;
    },
    list_devices: () => devices,
    revoke_device: (a) => {
      devices = devices.filter((d) => d.id !== Number(a.id));
      return null;
    },
    get_settings: () => settings,
    set_settings: (a) => {
      settings = a.settings as Settings;
      return null;
    },
    list_secrets: () => {
      const u = me();
      return [...secrets.values()].filter((m) => visible(m, u)).map((m) => view(m, u));
    },
    secret: (a) => view(get(Number(a.id)), me()),
    reveal_secret: (a) => {
      const m = get(Number(a.id));
      const v = view(m, me());
      if (!v.can.reveal) fail(m.summary.reveal === "never" ? "write_only" : v.active ? "permission_denied" : "inactive", "this secret cannot be revealed");
      return [...m.values].map(([name, value]) => ({ name, value }));
    },
    copy_field: (a) => {
      const m = get(Number(a.id));
      if (!view(m, me()).can.copy) fail("permission_denied", "this secret cannot be copied");
      if (!m.values.has(String(a.field))) fail("not_found", "no such field");
      setTimeout(() => onEvent?.({ kind: "clipboard_cleared" }), Math.min(settings.clipboard_clear_secs, 10) * 1000);
      return { field: a.field, clear_after_secs: settings.clipboard_clear_secs };
    },
    create_secret: (a) => {
      const n = a.secret as NewSecret;
      const u = me();
      const departments = n.departments ?? { kind: "departments", codes: u.primary_department === null ? [] : [u.primary_department] };
      const s = { ...n, scope: { departments, users: n.users } };
      if ([...secrets.values()].some((m) => m.summary.key === s.key && JSON.stringify(m.summary.scope) === JSON.stringify(s.scope))) {
        fail("conflict", "a secret with this key and scope already exists");
      }
      const values: Record<string, string> = {};
      for (const f of s.fields) values[f.name] = f.value.kind === "set" ? f.value.value : "";
      return add({ key: s.key, scope: s.scope, description: s.description, tags: s.tags, expires_at: s.expires_at, active: s.active, reveal: s.reveal, created_by: u.username, updated_by: u.username, created_at: Date.now(), updated_at: Date.now() }, values);
    },
    update_secret: (a) => {
      const m = get(Number(a.id));
      const u = a.update as SecretUpdate;
      bump(m);
      if (u.key !== null) m.summary.key = u.key;
      if (u.active !== null && u.active !== m.summary.active && !isAdmin(me())) fail("permission_denied", "only admins can activate or deactivate secrets");
      if (u.fields?.kind === "replace") applyFields(m, u.fields.fields);
      if (u.fields?.kind === "edit") {
        const { set, remove } = u.fields;
        const kept: FieldInput[] = m.summary.field_names.filter((n) => !remove.includes(n)).map((n) => ({ name: n, value: { kind: "keep", from: n } }));
        for (const f of set) {
          const i = kept.findIndex((k) => k.name === f.name);
          if (i >= 0) kept[i] = f;
          else kept.push(f);
        }
        applyFields(m, kept);
      }
      if (u.departments !== null) m.summary.scope = { ...m.summary.scope, departments: u.departments };
      if (u.users !== null) m.summary.scope = { ...m.summary.scope, users: u.users };
      if (u.active !== null) m.summary.active = u.active;
      if (u.description !== null) m.summary.description = u.description;
      if (u.tags !== null) m.summary.tags = u.tags;
      if (u.expires !== null) m.summary.expires_at = u.expires.kind === "never" ? null : u.expires.at;
      if (u.reveal !== null) m.summary.reveal = u.reveal;
      return view(m, me());
    },
    delete_secret: (a) => {
      const id = Number(a.id);
      get(id);
      const used = usages.filter((x) => x.secret_id === id);
      if (used.length > 0) fail("in_use", `the secret is in use by ${used.map((x) => `${x.name} (${x.kind})`).join(", ")}: remove those usages first`);
      secrets.delete(id);
      return null;
    },
    set_secret_active: (a) => {
      if (!isAdmin(me())) fail("permission_denied", "only admins can activate or deactivate secrets");
      const m = get(Number(a.id));
      m.summary.active = Boolean(a.active);
      return a.active ? [] : usages.filter((x) => x.secret_id === m.summary.id).map((x) => x.name);
    },
    explain: (a): Explanation => {
      const u = a.asUser ? (users.find((x) => x.username === a.asUser) ?? fail("not_found", "no such user")) : me();
      const dept = (a.department as string | null) ?? null;
      const t = Date.now();
      const candidates: Candidate[] = [...secrets.values()]
        .filter((m) => m.summary.key === a.key && !m.summary.damaged && (m.summary.scope.users === "all" || m.summary.created_by === u.username))
        .map((m) => {
          const s = m.summary;
          const expired = s.expires_at !== null && s.expires_at <= t;
          const standing = !inScope(u, s.scope, s.created_by) ? "not_in_scope" : !s.active ? "inactive" : expired ? "expired" : dept && s.scope.departments.kind === "departments" && !s.scope.departments.codes.includes(dept) ? "outside_department" : "outranked";
          return { id: s.id, scope: s.scope, creator: s.created_by, active: s.active, expires_at: s.expires_at, updated_at: s.updated_at, standing, rank: null };
        });
      const eligible = candidates.filter((c) => c.standing === "outranked").sort((x, y) => (x.scope.users === "creator" ? -1 : 0) - (y.scope.users === "creator" ? -1 : 0) || y.updated_at - x.updated_at);
      eligible.forEach((c, i) => (c.rank = i + 1));
      const winner = eligible[0] ?? null;
      if (winner) winner.standing = "winner";
      const notMember = dept !== null && !u.departments.includes(dept);
      return {
        for_user: u.username,
        context_department: dept ?? u.primary_department,
        candidates,
        winner: notMember ? null : (winner?.id ?? null),
        rule: winner ? (eligible.length === 1 ? "only_candidate" : winner.scope.users === "creator" ? "private_before_shared" : "most_recently_updated") : null,
        private_secrets_hidden: Boolean(a.asUser) && a.asUser !== me().username,
        not_a_member: notMember,
      };
    },
    history: (a) => {
      const m = get(Number(a.id));
      return [snapshot(m, true), ...m.history];
    },
    restore_version: (a) => {
      const m = get(Number(a.id));
      const v = m.history.find((h) => h.version === Number(a.version)) ?? fail("not_found", "no such version");
      bump(m);
      m.summary.key = v.key;
      m.summary.description = v.description;
      m.summary.tags = [...v.tags];
      return view(m, me());
    },
    list_usages: (a) => usages.filter((u) => u.secret_id === Number(a.id)),
    add_usage: (a) => {
      const u = a.usage as { name: string; kind: string; field: string | null };
      const id = nextUsage++;
      usages.push({ id, secret_id: Number(a.id), name: u.name, kind: u.kind, field: u.field, created_by: me().username, created_at: Date.now() });
      return id;
    },
    remove_usage: (a) => {
      const i = usages.findIndex((u) => u.id === Number(a.usageId));
      if (i < 0) fail("not_found", "no such usage");
      usages.splice(i, 1);
      return null;
    },
    list_departments: () => {
      if (!isAdmin(me())) fail("permission_denied", "only admins can manage departments");
      return departments.map((d) => ({ ...d, members: users.filter((u) => u.departments.includes(d.code)).length }));
    },
    add_department: (a) => {
      const code = String(a.code).toUpperCase();
      if (departments.some((d) => d.code === code)) fail("conflict", `department ${code} already exists`);
      const d = { id: departments.length + 1, code, name: String(a.name), members: 0 };
      departments.push(d);
      return d;
    },
    rename_department: (a) => {
      const d = departments.find((x) => x.code === a.code) ?? fail("not_found", "no such department");
      d.name = String(a.name);
      return null;
    },
    list_users: () => {
      if (!isAdmin(me())) fail("permission_denied", "only admins can manage users");
      return users;
    },
    add_user: (a) => {
      const n = a.user as NewUser;
      if (users.some((u) => u.username === n.username.toLowerCase())) fail("conflict", "that username is taken");
      const u: UserInfo = { id: users.length + 1, username: n.username.toLowerCase(), display_name: n.display_name, role: n.role, departments: n.departments, primary_department: n.primary_department ?? n.departments[0] ?? null, disabled: false, must_change_password: true, created_at: Date.now() };
      users.push(u);
      return u;
    },
    set_user_role: (a) => {
      if (me().role !== "owner") fail("permission_denied", "only the owner makes or removes admins");
      const u = users.find((x) => x.username === a.username) ?? fail("not_found", "no such user");
      u.role = a.role as Role;
      return null;
    },
    set_user_memberships: (a) => {
      const u = users.find((x) => x.username === a.username) ?? fail("not_found", "no such user");
      const up = a.update as { departments: string[]; primary_department: string | null };
      u.departments = up.departments;
      u.primary_department = up.primary_department;
      return null;
    },
    set_user_disabled: (a) => {
      const u = users.find((x) => x.username === a.username) ?? fail("not_found", "no such user");
      u.disabled = Boolean(a.disabled);
      return null;
    },
  };

  return {
    async invoke<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
      const h = handlers[command];
      if (!h) throw `command ${command} not found`;
      await sleep(30);
      // Round-trip through JSON like the real IPC, so no object is shared.
      return JSON.parse(JSON.stringify((await h(args)) ?? null)) as T;
    },
    async subscribe(listener) {
      onEvent = listener;
    },
  };
}
