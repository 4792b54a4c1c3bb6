/**
 * A development-only, in-memory stand-in for the Rust command layer, so
 * the UI can be built and looked at without Tauri (`VITE_MOCK=1`). It is
 * imported only behind that compile-time flag, so production builds do not
 * contain it.
 *
 * It holds fixtures, not rules. What each user may see and do with each
 * secret (`can`), expiry states and the "who gets what" answer are data
 * written below; commands return that data and apply changes to it as
 * given, without checking who asks. The core alone decides permissions: to
 * see the UI under other ones, change the fixtures.
 *
 * URL switches: `?mock=fresh` (no vault yet), `?mock=locked` (sign-in
 * screen; password "correct horse"), `?mock=member` (signed in as a
 * member), `?mock=newuser` (a member who must change the initial
 * password), `?mock=insecure` (test vault banner), `?mock=empty` (no
 * secrets), `?rows=10000` (that many secrets), `?audit=100000` (audit
 * entries), `?keyring=broken`.
 */
import { backendOf, fail, type Backend, type Handlers } from "../backend";
import type { ImportItem } from "../bindings/ImportItem";
import type { ImportPreview } from "../bindings/ImportPreview";
import type { AppEvent } from "../bindings/AppEvent";
import type { AuditAction } from "../bindings/AuditAction";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { Department } from "../bindings/Department";
import type { DeviceInfo } from "../bindings/DeviceInfo";
import type { Explanation } from "../bindings/Explanation";
import type { FieldInput } from "../bindings/FieldInput";
import type { Permissions } from "../bindings/Permissions";
import type { Scope } from "../bindings/Scope";
import type { SecretSummary } from "../bindings/SecretSummary";
import type { SessionInfo } from "../bindings/SessionInfo";
import type { Settings } from "../bindings/Settings";
import type { Usage } from "../bindings/Usage";
import type { UserInfo } from "../bindings/UserInfo";
import type { VersionInfo } from "../bindings/VersionInfo";

/** Passwords the mock's fixture verdicts refuse. */
const WEAK_PASSWORDS = ["password", "12345678", "password1"];

const DAY = 86_400_000;
const PASSWORD = "correct horse";

// What a user may do with a secret, as the core would have computed it.
const ALL: Permissions = { reveal: true, copy: true, edit: true, delete: true, activate: true };
const USE: Permissions = { reveal: true, copy: true, edit: false, delete: false, activate: false };
const MANAGE: Permissions = { reveal: false, copy: false, edit: true, delete: true, activate: true };
const DELETE_ONLY: Permissions = { reveal: false, copy: false, edit: false, delete: true, activate: false };
const NOTHING: Permissions = { reveal: false, copy: false, edit: false, delete: false, activate: false };

interface Fixture {
  summary: Omit<SecretSummary, "can">;
  values: Map<string, string>;
  /** Per username; a user without an entry does not see the secret. */
  can: Record<string, Permissions>;
  history: VersionInfo[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const AUDIT_ACTIONS: AuditAction[] = ["sign-in", "reveal", "copy", "get", "create", "update", "deactivate", "sign-in-failed"];

/** A deterministic audit log of `n` entries, oldest first (`?audit=N`). */
function auditFixture(n: number): AuditEntry[] {
  // The mock's own users, so the user filter and "members read their own" work.
  const people = ["ana", "bruno", "carla"];
  const start = Date.now() - n * 60_000;
  return Array.from({ length: n }, (_, i) => {
    const action = AUDIT_ACTIONS[i % AUDIT_ACTIONS.length] ?? "get";
    const aboutSecret = !["sign-in", "sign-in-failed"].includes(action);
    return {
      seq: i + 1,
      at: start + i * 60_000,
      user: people[i % people.length] ?? "ana",
      action,
      secret_id: aboutSecret ? (i % 40) + 1 : null,
      key: aboutSecret ? `${(WORDS[i % WORDS.length] ?? "db").toUpperCase()}_${KINDS[i % KINDS.length]}` : null,
      field: action === "copy" ? "value" : null,
      program: action === "run" ? "psql" : null,
      subject: null,
      outcome: action === "sign-in-failed" ? "auth_failed" : i % 17 === 0 ? "permission_denied" : null,
      authentic: true,
    };
  });
}

const WORDS = ["db", "api", "smtp", "s3", "redis", "kafka", "ldap", "stripe", "github", "slack", "sentry", "vault", "ftp", "oauth"];
const KINDS = ["PASSWORD", "TOKEN", "KEY", "SECRET", "URL", "CONFIG"];
const TAGS = ["prod", "staging", "dev", "finance", "ops", "legacy", "ci", "etl"];

export function createMockBackend(): Backend {
  const params = new URLSearchParams(window.location.search);
  const mode = params.get("mock") ?? "";
  const rows = Number(params.get("rows") ?? (mode === "empty" || mode === "fresh" ? 0 : 40));
  const auditLog = auditFixture(Number(params.get("audit") ?? 300));
  const now = Date.now();

  const departments: Omit<Department, "members">[] = [
    { id: 1, code: "DEFAULT", name: "Default" },
    { id: 2, code: "FIN", name: "Finance" },
    { id: 3, code: "OPS", name: "Operations" },
  ];
  const users: UserInfo[] = [
    { id: 1, username: "ana", display_name: "Ana Lima", role: "owner", departments: ["DEFAULT", "FIN"], primary_department: "DEFAULT", disabled: false, must_change_password: false, created_at: now - 90 * DAY },
    { id: 2, username: "bruno", display_name: "Bruno Costa", role: "admin", departments: ["DEFAULT", "OPS"], primary_department: "OPS", disabled: false, must_change_password: false, created_at: now - 60 * DAY },
    { id: 3, username: "carla", display_name: "Carla Dias", role: "member", departments: ["DEFAULT", "FIN"], primary_department: "FIN", disabled: false, must_change_password: mode === "newuser", created_at: now - 30 * DAY },
  ];
  let vaultExists = mode !== "fresh";
  let current: UserInfo | null =
    mode === "fresh" || mode === "locked" ? null : (users.find((u) => u.username === (mode === "member" || mode === "newuser" ? "carla" : "ana")) ?? null);
  let devices: DeviceInfo[] = [
    { id: 1, label: "Coffer desktop app", created_at: now - 20 * DAY, current: true },
    { id: 2, label: "coffer CLI on build-box", created_at: now - 5 * DAY, current: false },
  ];
  let settings: Settings = { auto_lock_minutes: 10, clipboard_clear_secs: 30, expiry_notice_days: 7 };
  let onEvent: ((e: AppEvent) => void) | null = null;
  const secrets = new Map<number, Fixture>();
  const usages: Usage[] = [];
  let nextId = 1;
  let nextUsage = 1;

  function add(s: Partial<Fixture["summary"]> & { key: string }, values: Record<string, string>, can: Record<string, Permissions>): number {
    const id = nextId++;
    const t = Date.now();
    const summary: Fixture["summary"] = {
      id,
      key: s.key,
      field_names: Object.keys(values),
      plain_fields: s.plain_fields ?? [],
      scope: s.scope ?? { departments: { kind: "all" }, users: "all" },
      description: s.description ?? "",
      tags: s.tags ?? [],
      expires_at: s.expires_at ?? null,
      expiry: s.expiry ?? "none",
      active: s.active ?? true,
      reveal: s.reveal ?? "allowed",
      created_by: s.created_by ?? "ana",
      created_at: s.created_at ?? t - 20 * DAY,
      updated_by: s.updated_by ?? "ana",
      updated_at: s.updated_at ?? t - 2 * DAY,
      version: 1,
      damaged: s.damaged ?? false,
    };
    secrets.set(id, { summary, values: new Map(Object.entries(values)), can, history: [] });
    return id;
  }

  if (rows > 0) {
    const fin: Scope = { departments: { kind: "departments", codes: ["FIN"] }, users: "all" };
    add({ key: "DB_PASSWORD", description: "Primary Postgres, read-write", tags: ["prod", "db"], scope: fin }, { value: "s3cr3t-Pa55" }, { ana: ALL, bruno: MANAGE, carla: USE });
    add({ key: "database-config", description: "Warehouse connection", tags: ["prod", "etl"], expires_at: now + 3 * DAY, expiry: "expiring_soon", plain_fields: [{ name: "host", value: "db.internal" }, { name: "port", value: "5432" }] }, { host: "db.internal", port: "5432", username: "etl", password: "hunter2" }, { ana: ALL, bruno: ALL, carla: USE });
    add({ key: "STRIPE_API_KEY", description: "Billing", tags: ["finance"], expires_at: now - DAY, expiry: "expired", scope: { departments: { kind: "departments", codes: ["FIN", "OPS"] }, users: "all" } }, { value: "sk_live_123" }, { ana: MANAGE, bruno: MANAGE, carla: NOTHING });
    add({ key: "KEY 1", description: "My own copy", scope: { departments: { kind: "departments", codes: ["DEFAULT"] }, users: "creator" } }, { value: "mine" }, { ana: ALL });
    add({ key: "LEGACY_FTP", description: "Old partner upload", tags: ["legacy"], active: false }, { user: "partner", password: "ftp-pass" }, { ana: MANAGE, bruno: MANAGE, carla: NOTHING });
    add({ key: "WEBHOOK_SIGNING", description: "Write-only signing secret", reveal: "never", tags: ["ops"] }, { value: "whsec" }, { ana: MANAGE, bruno: MANAGE, carla: NOTHING });
    add({ key: "", damaged: true, scope: { departments: { kind: "departments", codes: ["OPS"] }, users: "all" } }, {}, { ana: DELETE_ONLY, bruno: DELETE_ONLY });
    add({ key: "SLACK_TOKEN", description: "Alerts bot", tags: ["ops", "ci"], expires_at: now + 6 * DAY + 3600_000, expiry: "expiring_soon", updated_at: now - 5 * 60_000 }, { value: "xoxb-1" }, { ana: ALL, bruno: ALL, carla: USE });
    for (let i = secrets.size; i < rows; i++) {
      const w = WORDS[i % WORDS.length] ?? "x";
      const k = KINDS[Math.floor(i / WORDS.length) % KINDS.length] ?? "KEY";
      const active = i % 23 !== 0;
      add(
        {
          key: `${w.toUpperCase()}_${k}_${i}`,
          description: `${w} credential #${i}`,
          tags: [TAGS[i % TAGS.length] ?? "x", ...(i % 3 === 0 ? [TAGS[(i + 3) % TAGS.length] ?? "y"] : [])],
          scope: i % 4 === 0 ? { departments: { kind: "all" }, users: "all" } : { departments: { kind: "departments", codes: [departments[i % 3]?.code ?? "DEFAULT"] }, users: "all" },
          active,
          updated_at: now - (i % 400) * 3600_000,
          created_by: users[i % 3]?.username ?? "ana",
        },
        i % 7 === 0 ? { host: `${w}.internal`, username: "svc", password: `p-${i}` } : { value: `v-${i}` },
        active ? { ana: ALL, bruno: ALL, ...(i % 3 === 0 ? { carla: USE } : {}) } : { ana: MANAGE, bruno: MANAGE },
      );
    }
    usages.push({ id: nextUsage++, secret_id: 1, name: "nightly-etl", kind: "pipeline", field: null, created_by: "ana", created_at: now - 5 * DAY, can_remove: true });
    usages.push({ id: nextUsage++, secret_id: 1, name: "finance-dashboard", kind: "service", field: null, created_by: "bruno", created_at: now - 3 * DAY, can_remove: false });
  }

  /** "Who gets what" answers, by key. */
  const explanations: Record<string, Omit<Explanation, "for_user" | "context_department">> = {
    DB_PASSWORD: {
      candidates: [{ id: 1, scope: { departments: { kind: "departments", codes: ["FIN"] }, users: "all" }, creator: "ana", active: true, expires_at: null, updated_at: now - 2 * DAY, standing: "winner", rank: 1 }],
      winner: 1,
      rule: "only_candidate",
      private_secrets_hidden: false,
      not_a_member: false,
    },
  };

  const me = (): UserInfo => current ?? fail("auth_failed", "the vault is locked: sign in first");
  const user = (username: string): UserInfo => users.find((u) => u.username === username) ?? fail("not_found", `no user ${username}`);

  function get(id: number): Fixture {
    const m = secrets.get(id);
    if (!m || !m.can[me().username]) fail("not_found", `no secret with id ${id}`);
    return m;
  }

  function view(m: Fixture): SecretSummary {
    return { ...m.summary, can: m.can[me().username] ?? NOTHING };
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

  function setFields(m: Fixture, fields: FieldInput[]) {
    const next = new Map<string, string>();
    const wasPlain = new Set(m.summary.plain_fields.map((p) => p.name));
    const plain: string[] = [];
    for (const f of fields) {
      const source = f.value.kind === "set" ? f.name : f.value.from;
      if (f.plain ?? wasPlain.has(source)) plain.push(f.name);
      next.set(f.name, f.value.kind === "set" ? f.value.value : (m.values.get(f.value.from) ?? ""));
    }
    m.values = next;
    m.summary.field_names = [...next.keys()];
    m.summary.plain_fields = plain.map((name) => ({ name, value: next.get(name) ?? "" }));
  }

  /** Keeps the old version's metadata and starts a new version. */
  function newVersion(m: Fixture) {
    const s = m.summary;
    m.history.unshift({ version: s.version, current: false, key: s.key, field_names: [...s.field_names], description: s.description, tags: [...s.tags], updated_by: s.updated_by, updated_at: s.updated_at, changes: [] });
    s.version += 1;
    s.updated_at = Date.now();
    s.updated_by = me().username;
  }

  const handlers: Handlers = {
    app_status: () => ({
      vault_path: "/home/ana/.local/share/coffer/vault.db",
      vault_exists: vaultExists,
      unlocked: current !== null,
      remembered_user: vaultExists ? "ana" : null,
      device_remembered: false,
      keyring_problem: params.get("keyring") === "broken" ? "no Secret Service on the session bus" : null,
      kdf_profile: vaultExists ? (mode === "insecure" ? "insecure-test" : "standard") : null,
      locked_by_user: false,
    }),
    touch: () => null,
    create_vault: async ({ form }) => {
      await sleep(1200);
      const owner = users[0] ?? fail("io", "no owner fixture");
      owner.username = form.owner;
      owner.display_name = form.display_name;
      vaultExists = true;
      current = owner;
      return session();
    },
    unlock: async ({ username, password, remember }) => {
      await sleep(400);
      const u = users.find((x) => x.username === username.toLowerCase());
      if (!u || password !== PASSWORD) fail("auth_failed", "wrong username or password");
      current = u;
      return { session: session(), remember_error: remember ? "the OS keyring is not available in the mock" : null };
    },
    unlock_with_device: () => null,
    forget_device: () => true,
    lock: () => {
      current = null;
      return null;
    },
    sign_out: () => {
      current = null;
      return null;
    },
    // The mock has no files to open.
    open_vault: () => fail("not_found", "there is no file at that path: choose an existing Coffer vault"),
    vault_locations: () => ({
      current: { location: "/home/ana/.local/share/coffer/vault.db", short_name: "vault.db", on_server: false },
      recent: [
        { location: "/home/ana/.local/share/coffer/vault.db", short_name: "vault.db", on_server: false },
        { location: "postgres://ana@db.example.com/team", short_name: "team @ db.example.com", on_server: true },
      ],
    }),
    reconnect: () => null,
    move_vault_to_server: () => fail("io", "cannot reach the vault at postgres://ana@db.example.com/team: the mock has no server"),
    // Fixture verdicts: a few well-known weak passwords are refused.
    check_password: ({ password }) =>
      WEAK_PASSWORDS.includes(password)
        ? { acceptable: false, score: 0, problem: "This password is too easy to guess: use a longer one, for example four or more random words.", suggestions: [] }
        : { acceptable: true, score: 4, problem: null, suggestions: [] },
    session: () => session(),
    change_password: (a) => {
      if (a.current !== PASSWORD) fail("auth_failed", "the current password is wrong");
      me().must_change_password = false;
      if (a.signOutOtherDevices) devices = devices.filter((d) => d.current);
      return null;
    },
    list_devices: () => devices,
    revoke_device: ({ id }) => {
      devices = devices.filter((d) => d.id !== id);
      return null;
    },
    get_settings: () => settings,
    set_settings: (a) => {
      settings = a.settings;
      return null;
    },
    list_secrets: () => [...secrets.values()].filter((m) => m.can[me().username]).map(view),
    secret: ({ id }) => view(get(id)),
    reveal_secret: ({ id }) => [...get(id).values].map(([name, value]) => ({ name, value })),
    copy_as_env: ({ id }) => {
      get(id);
      setTimeout(() => onEvent?.({ kind: "clipboard_cleared" }), Math.min(settings.clipboard_clear_secs, 10) * 1000);
      return { field: ".env", clear_after_secs: settings.clipboard_clear_secs };
    },
    copy_field: ({ id, field }) => {
      if (!get(id).values.has(field)) fail("not_found", "no such field");
      setTimeout(() => onEvent?.({ kind: "clipboard_cleared" }), Math.min(settings.clipboard_clear_secs, 10) * 1000);
      return { field, clear_after_secs: settings.clipboard_clear_secs };
    },
    create_secret: ({ secret: n }) => {
      const u = me();
      const departments = n.departments ?? { kind: "departments", codes: u.primary_department === null ? [] : [u.primary_department] };
      const values = Object.fromEntries(n.fields.map((f) => [f.name, f.value.kind === "set" ? f.value.value : ""]));
      const expiry = n.expires_at === null ? "none" : "valid";
      const plain_fields = n.fields.filter((f) => f.plain === true).map((f) => ({ name: f.name, value: values[f.name] ?? "" }));
      return add({ ...n, plain_fields, scope: { departments, users: n.users }, expiry, created_by: u.username, updated_by: u.username, created_at: Date.now(), updated_at: Date.now() }, values, { [u.username]: ALL });
    },
    update_secret: ({ id, update: u }) => {
      const m = get(id);
      const s = m.summary;
      newVersion(m);
      if (u.key !== null) s.key = u.key;
      if (u.fields?.kind === "replace") setFields(m, u.fields.fields);
      if (u.fields?.kind === "edit") {
        const { set, remove } = u.fields;
        const kept: FieldInput[] = s.field_names.filter((n) => !remove.includes(n) && !set.some((f) => f.name === n)).map((n) => ({ name: n, value: { kind: "keep", from: n } }));
        setFields(m, [...kept, ...set]);
      }
      if (u.departments !== null) s.scope = { ...s.scope, departments: u.departments };
      if (u.users !== null) s.scope = { ...s.scope, users: u.users };
      if (u.description !== null) s.description = u.description;
      if (u.tags !== null) s.tags = u.tags;
      // The expiry state is the core's to compute; the UI reads the date.
      if (u.expires !== null) [s.expires_at, s.expiry] = u.expires.kind === "never" ? [null, "none"] : [u.expires.at, "valid"];
      if (u.reveal !== null) s.reveal = u.reveal;
      if (u.active !== null) s.active = u.active;
      return view(m);
    },
    delete_secret: ({ id }) => {
      get(id);
      secrets.delete(id);
      return null;
    },
    set_secret_active: ({ id, active }) => {
      get(id).summary.active = active;
      return active ? [] : usages.filter((x) => x.secret_id === id).map((x) => x.name);
    },
    explain: ({ key, department, asUser }) => {
      const u = asUser === null ? me() : user(asUser);
      const known = explanations[key] ?? { candidates: [], winner: null, rule: null, private_secrets_hidden: false, not_a_member: false };
      return { ...known, for_user: u.username, context_department: department ?? u.primary_department };
    },
    history: ({ id }) => {
      const m = get(id);
      const s = m.summary;
      return [{ version: s.version, current: true, key: s.key, field_names: s.field_names, description: s.description, tags: s.tags, updated_by: s.updated_by, updated_at: s.updated_at, changes: [] }, ...m.history];
    },
    restore_version: ({ id, version }) => {
      const m = get(id);
      const v = m.history.find((h) => h.version === version) ?? fail("not_found", "no such version");
      newVersion(m);
      Object.assign(m.summary, { key: v.key, description: v.description, tags: [...v.tags] });
      return view(m);
    },
    list_usages: ({ id }) => usages.filter((u) => u.secret_id === id),
    add_usage: ({ id, usage }) => {
      const usageId = nextUsage++;
      usages.push({ id: usageId, secret_id: id, ...usage, created_by: me().username, created_at: Date.now(), can_remove: true });
      return usageId;
    },
    remove_usage: ({ usageId }) => {
      const i = usages.findIndex((u) => u.id === usageId);
      if (i < 0) fail("not_found", "no such usage");
      usages.splice(i, 1);
      return null;
    },
    list_departments: () => departments.map((d) => ({ ...d, members: users.filter((u) => !u.disabled && u.departments.includes(d.code)).length })),
    add_department: ({ code, name }) => {
      const d = { id: departments.length + 1, code, name };
      departments.push(d);
      return { ...d, members: 0 };
    },
    rename_department: ({ code, name }) => {
      const d = departments.find((x) => x.code === code) ?? fail("not_found", "no such department");
      d.name = name;
      return null;
    },
    list_users: () => users,
    add_user: ({ user: n }) => {
      const u: UserInfo = { id: users.length + 1, username: n.username, display_name: n.display_name, role: n.role, departments: n.departments, primary_department: n.primary_department ?? n.departments[0] ?? null, disabled: false, must_change_password: true, created_at: Date.now() };
      users.push(u);
      return u;
    },
    set_user_role: ({ username, role }) => {
      user(username).role = role;
      return null;
    },
    set_user_memberships: ({ username, update }) => {
      Object.assign(user(username), { departments: update.departments, primary_department: update.primary_department });
      return null;
    },
    set_user_disabled: ({ username, disabled }) => {
      user(username).disabled = disabled;
      return null;
    },
    generate_password: () => `mock-${Math.random().toString(36).slice(2, 10)}-${Math.random().toString(36).slice(2, 10)}`,
    audit_log: ({ query: q }) => {
      const reader = me();
      // As the core: members read only their own entries.
      const own = reader.role === "member" ? reader.username : null;
      if (own !== null && q.user !== null && q.user !== own) fail("permission_denied", "members may read only their own audit entries");
      const limit = Math.min(Math.max(q.limit ?? 200, 1), 5000);
      const out: AuditEntry[] = [];
      for (let i = auditLog.length - 1; i >= 0 && out.length < limit; i--) {
        const e = auditLog[i];
        if (!e) continue;
        if (q.before != null && e.seq >= q.before) continue;
        if (q.user && e.user !== q.user) continue;
        if (own !== null && e.user !== own) continue;
        if (q.action && e.action !== q.action) continue;
        if (q.secret_id != null && e.secret_id !== q.secret_id) continue;
        if (q.since != null && e.at < q.since) continue;
        if (q.until != null && e.at >= q.until) continue;
        out.push(e);
      }
      return out;
    },
    verify_audit: () => {
      if (me().role === "member") fail("permission_denied", "only admins may check the audit log");
      return { entries: auditLog.length };
    },
    suggest_save_path: ({ fileName }) => `/home/mock/Downloads/${fileName}`,
    export_secrets: ({ password, path }) => {
      if (password !== PASSWORD) fail("auth_failed", "wrong password");
      // A fixture count: the core decides what is readable.
      return { path, report: { written: secrets.size, write_only: 1, shadowed: 0, damaged: 0 } };
    },
    save_audit_csv: ({ path }) => path,
    // Import: a fixed file, whatever the path (the core parses real ones);
    // a path ending in "bad.env" is a file with a bad line.
    import_preview: ({ path }) => importFixture(path),
    import_secrets: ({ path, options }) => {
      const p = importFixture(path);
      const u = me();
      let created = 0;
      let replaced = 0;
      let skipped = 0;
      p.items.forEach((item, i) => {
        onEvent?.({ kind: "import_progress", done: i + 1, total: p.items.length });
        const choice = options.choices.find((c) => c.entry === item.entry)?.on_conflict ?? options.on_conflict;
        if (item.existing !== null && choice === "skip") {
          skipped++;
          return;
        }
        if (item.existing !== null) {
          replaced++;
          return;
        }
        created++;
        const departments = options.departments ?? { kind: "departments", codes: u.primary_department === null ? [] : [u.primary_department] };
        const values = Object.fromEntries(item.field_names.map((n) => [n, `imported-${n}`]));
        add({ key: item.key, tags: item.tags, scope: { departments, users: options.private ? "creator" : "all" }, created_by: u.username }, values, { [u.username]: ALL });
      });
      return { format: p.format, created, replaced, skipped, dry_run: false };
    },
  };

  function importFixture(path: string): ImportPreview {
    if (path.endsWith("bad.env")) fail("invalid_input", "line 3: expected NAME=value");
    const existing = [...secrets.values()].find((m) => m.summary.key === "DB_PASSWORD")?.summary.id ?? null;
    const items: ImportItem[] = [
      { entry: 1, line: 1, key: "DB_PASSWORD", field_names: ["value"], tags: [], action: existing === null ? "new" : "skip", existing, reason: null },
      { entry: 2, line: 2, key: "IMPORTED_TOKEN", field_names: ["value"], tags: [], action: "new", existing: null, reason: null },
      { entry: 3, line: 3, key: "mail", field_names: ["username", "password", "url"], tags: ["Work"], action: "new", existing: null, reason: null },
    ];
    const count = (a: ImportItem["action"]) => items.filter((i) => i.action === a).length;
    return { format: "env", items, new: count("new"), skip: count("skip"), replace: count("replace"), refused: count("refused") };
  }

  const backend = backendOf(handlers, async (listener) => {
    onEvent = listener;
  });
  // A little latency, so loading states show as they would.
  return { ...backend, invoke: async (command, args) => (await sleep(30), backend.invoke(command, args)) };
}
