//! The command layer enforces the same rules as the core and the CLI: a
//! crafted `invoke` from a compromised or curious web view gets the same
//! refusal the UI would. Runs headless on Tauri's mock runtime.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::path::Path;

use coffer_app::state::AppState;
use coffer_core::prefs::{self, Prefs};
use coffer_core::{
    DeptScope, FieldInput, InitOptions, KdfChoice, MemoryStore, NewSecret, NewUser, Reveal, Role,
    SecretString, UserScope, Vault, VaultOptions,
};
use serde_json::{Value, json};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn user(name: &str, role: Role, dept: &str) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: String::new(),
        role,
        departments: vec![dept.into()],
        primary_department: None,
        initial_password: SecretString::from(format!("{name}-initial-1")),
    }
}

fn secret(key: &str, dept: &str, private: bool) -> NewSecret {
    NewSecret {
        key: key.into(),
        fields: vec![FieldInput::set("value", format!("{key}-value"))],
        departments: Some(DeptScope::Departments {
            codes: vec![dept.into()],
        }),
        users: if private {
            UserScope::Creator
        } else {
            UserScope::All
        },
        description: String::new(),
        tags: vec![],
        expires_at: None,
        active: true,
        reveal: Reveal::Allowed,
    }
}

/// A vault with the owner, an admin `ada` and members `mia` and `max` in
/// FIN; `mia` has a private secret, the owner a FIN secret. Returns the ids.
fn seed(path: &Path, device: &VaultOptions) -> (i64, i64) {
    let mut v = Vault::create_with(
        path,
        InitOptions {
            owner: "owner".into(),
            display_name: String::new(),
            password: SecretString::from("owner-password-1"),
            kdf: KdfChoice::InsecureTest,
        },
        device,
    )
    .expect("create");
    v.add_department("FIN", "Finance").expect("dept");
    v.set_memberships(
        "owner",
        coffer_core::MembershipUpdate {
            departments: vec!["DEFAULT".into(), "FIN".into()],
            primary_department: None,
        },
    )
    .expect("owner in FIN");
    for (name, role) in [
        ("ada", Role::Admin),
        ("mia", Role::Member),
        ("max", Role::Member),
    ] {
        v.add_user(user(name, role, "FIN")).expect("user");
    }
    let shared = v
        .create_secret(secret("FIN_DB", "FIN", false))
        .expect("shared");
    for name in ["ada", "mia", "max"] {
        v.unlock_with_password(name, &SecretString::from(format!("{name}-initial-1")))
            .expect("login");
        v.change_password(
            &SecretString::from(format!("{name}-initial-1")),
            &SecretString::from(format!("{name}-password-1")),
        )
        .expect("passwd");
    }
    // The owner's next sign-in shares the FIN key with the new members.
    v.unlock_with_password("owner", &SecretString::from("owner-password-1"))
        .expect("login");
    v.unlock_with_password("mia", &SecretString::from("mia-password-1"))
        .expect("login");
    let private = v
        .create_secret(secret("MIA_TOKEN", "FIN", true))
        .expect("private");
    (shared, private)
}

struct App {
    _dir: tempfile::TempDir,
    keyring: MemoryStore,
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

impl App {
    fn new() -> (Self, i64, i64) {
        let dir = tempfile::tempdir().expect("tempdir");
        let (shared, private) = seed(&dir.path().join("vault.db"), &Self::device(&dir));
        (Self::start(dir, MemoryStore::default()), shared, private)
    }

    fn device(dir: &tempfile::TempDir) -> VaultOptions {
        VaultOptions {
            state_dir: Some(dir.path().join("device-state")),
        }
    }

    /// The app on this machine's files (vault, device memory, prefs,
    /// keyring), as a fresh process would start (with `COFFER_VAULT` set
    /// to this folder's vault.db unless `remembered`).
    fn start(dir: tempfile::TempDir, keyring: MemoryStore) -> Self {
        Self::start_with(dir, keyring, false)
    }

    fn start_with(dir: tempfile::TempDir, keyring: MemoryStore, remembered: bool) -> Self {
        let prefs = Prefs::at(dir.path().join("prefs.json"));
        let named = (!remembered).then(|| dir.path().join("vault.db"));
        let path = coffer_app::state::vault_path_for(named, &prefs);
        let mut state = AppState::new(path, Box::new(keyring.clone()), prefs);
        state.vault_options = Self::device(&dir);
        let app = coffer_app::configure(mock_builder(), state)
            .build(mock_context(noop_assets()))
            .expect("app");
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("window");
        Self {
            _dir: dir,
            keyring,
            _app: app,
            window,
        }
    }

    /// Quits and starts again on the same files.
    fn restart(self) -> Self {
        let Self { _dir, keyring, .. } = self;
        Self::start(_dir, keyring)
    }

    /// Quits and starts again with no vault named: the one last opened.
    fn restart_with_default_path(self) -> Self {
        let Self { _dir, keyring, .. } = self;
        Self::start_with(_dir, keyring, true)
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().expect("json"))
    }

    fn sign_in(&self, name: &str) {
        self.invoke(
            "unlock",
            json!({"username": name, "password": format!("{name}-password-1"), "remember": false}),
        )
        .expect("unlock");
    }

    fn error_code(&self, cmd: &str, args: Value) -> String {
        let err = self.invoke(cmd, args).expect_err("expected a refusal");
        err["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an ApiError: {err}"))
            .to_string()
    }
}

#[test]
fn members_cannot_deactivate_through_a_crafted_invoke() {
    let (app, shared, _) = App::new();
    app.sign_in("max");
    assert_eq!(
        app.error_code("set_secret_active", json!({"id": shared, "active": false})),
        "permission_denied"
    );
    let row = app
        .invoke("secret", json!({"id": shared}))
        .expect("metadata");
    assert_eq!(row["active"], true, "nothing changed");
    assert_eq!(
        row["can"]["activate"], false,
        "and the UI was told not to offer it"
    );
    app.sign_in("ada");
    assert_eq!(
        app.invoke("set_secret_active", json!({"id": shared, "active": false}))
            .expect("admin"),
        json!([])
    );
}

#[test]
fn nobody_reveals_or_copies_another_users_private_secret() {
    let (app, _, private) = App::new();
    for who in ["max", "ada", "owner"] {
        if who == "owner" {
            app.invoke(
                "unlock",
                json!({"username": "owner", "password": "owner-password-1", "remember": false}),
            )
            .expect("owner");
        } else {
            app.sign_in(who);
        }
        assert_eq!(
            app.error_code("reveal_secret", json!({"id": private})),
            "not_found",
            "{who}"
        );
        assert_eq!(
            app.error_code("copy_field", json!({"id": private, "field": "value"})),
            "not_found",
            "{who}"
        );
        assert_eq!(
            app.error_code("delete_secret", json!({"id": private})),
            "not_found",
            "{who}"
        );
        let listed = app
            .invoke("list_secrets", json!({"query": {"include_inactive": true}}))
            .expect("list");
        assert!(
            listed
                .as_array()
                .expect("array")
                .iter()
                .all(|s| s["key"] != "MIA_TOKEN"),
            "{who}"
        );
    }
    app.sign_in("mia");
    let fields = app
        .invoke("reveal_secret", json!({"id": private}))
        .expect("the creator reveals");
    assert_eq!(
        fields,
        json!([{"name": "value", "value": "MIA_TOKEN-value"}])
    );
}

#[test]
fn admin_commands_are_refused_to_members() {
    let (app, _, _) = App::new();
    app.sign_in("max");
    assert_eq!(app.error_code("list_users", json!({})), "permission_denied");
    assert_eq!(
        app.error_code("add_department", json!({"code": "X", "name": "X"})),
        "permission_denied"
    );
    assert_eq!(
        app.error_code("set_user_role", json!({"username": "mia", "role": "admin"})),
        "permission_denied"
    );
    assert_eq!(
        app.error_code(
            "set_user_disabled",
            json!({"username": "mia", "disabled": true})
        ),
        "permission_denied"
    );
    assert_eq!(
        app.error_code(
            "explain",
            json!({"key": "FIN_DB", "department": null, "asUser": "mia"})
        ),
        "permission_denied"
    );
}

#[test]
fn errors_are_codes_with_safe_messages() {
    let (app, shared, _) = App::new();
    let err = app
        .invoke(
            "unlock",
            json!({"username": "mia", "password": "FIN_DB-value", "remember": false}),
        )
        .expect_err("wrong password");
    assert_eq!(err["code"], "auth_failed");
    assert!(
        !err["message"]
            .as_str()
            .expect("message")
            .contains("FIN_DB-value")
    );
    assert_eq!(
        app.error_code("list_secrets", json!({"query": {}})),
        "auth_failed",
        "locked after a failed sign-in"
    );
    app.sign_in("mia");
    assert_eq!(
        app.error_code("reveal_secret", json!({"id": 999_999})),
        "not_found"
    );
    // Malformed arguments are refused by Tauri before any command runs.
    let malformed = app
        .invoke("secret", json!({"id": "not a number"}))
        .expect_err("malformed");
    assert!(
        malformed
            .as_str()
            .is_some_and(|m| m.contains("invalid args")),
        "{malformed}"
    );
    let bad = app.error_code(
        "create_secret",
        json!({"secret": {"key": " padded", "fields": [{"name": "value", "value": {"kind": "set", "value": "v"}}],
                "scope": {"departments": {"kind": "all"}, "users": "all"}, "expires_at": null}}),
    );
    assert_eq!(bad, "invalid_input");
    let value = app
        .invoke("reveal_secret", json!({"id": shared}))
        .expect("in scope");
    assert_eq!(value[0]["value"], "FIN_DB-value");
}

#[test]
fn lock_and_device_unlock() {
    let (app, _, _) = App::new();
    app.invoke(
        "unlock",
        json!({"username": "mia", "password": "mia-password-1", "remember": true}),
    )
    .expect("remember");
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(status["remembered_user"], "mia");
    assert_eq!(status["device_remembered"], true);
    app.invoke("lock", json!({})).expect("lock");
    assert_eq!(
        app.error_code("list_secrets", json!({"query": {}})),
        "auth_failed"
    );
    let session = app
        .invoke("unlock_with_device", json!({"username": "mia"}))
        .expect("device unlock");
    assert_eq!(session["user"]["username"], "mia");
    assert!(app.invoke("list_secrets", json!({"query": {}})).is_ok());
    assert_eq!(
        app.invoke("forget_device", json!({"username": "mia"}))
            .expect("forget"),
        true
    );
    app.invoke("lock", json!({})).expect("lock");
    assert_eq!(
        app.invoke("unlock_with_device", json!({"username": "mia"}))
            .expect("nothing remembered"),
        Value::Null
    );
}

/// The user's own preferences file, as it is now: (exists, modified).
fn own_prefs() -> (bool, Option<std::time::SystemTime>) {
    let meta = prefs::default_path().and_then(|p| std::fs::metadata(p).ok());
    (meta.is_some(), meta.and_then(|m| m.modified().ok()))
}

#[test]
fn preferences_go_to_the_injected_file_never_the_users_own() {
    let before = own_prefs();
    let (app, _, _) = App::new();
    app.sign_in("mia");
    let settings =
        json!({ "auto_lock_minutes": 7, "clipboard_clear_secs": 15, "expiry_notice_days": 30 });
    app.invoke("set_settings", json!({ "settings": settings }))
        .expect("set settings");
    assert_eq!(
        app.invoke("get_settings", json!({})).expect("get settings"),
        settings
    );
    let bad = json!({ "settings": { "auto_lock_minutes": 0, "clipboard_clear_secs": 15 } });
    let err = app.invoke("set_settings", bad).expect_err("out of range");
    assert_eq!(err["code"], "invalid_input");
    let saved: Value = serde_json::from_slice(
        &std::fs::read(app._dir.path().join("prefs.json")).expect("the injected file"),
    )
    .expect("json");
    assert_eq!(saved["settings"], settings);
    assert!(
        saved["remembered_users"]
            .as_object()
            .is_some_and(|m| m.values().any(|u| u == "mia")),
        "signing in remembers the user in the injected file: {saved}"
    );
    assert_eq!(
        own_prefs(),
        before,
        "the user's own prefs.json is untouched"
    );
}

#[test]
fn a_lock_holds_across_restarts_until_someone_unlocks() {
    let (app, _, _) = App::new();
    app.invoke(
        "unlock",
        json!({"username": "mia", "password": "mia-password-1", "remember": true}),
    )
    .expect("remember this device");
    // Quitting while signed in: the next start may use the device key.
    let app = app.restart();
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(status["locked_by_user"], false);
    assert_eq!(status["device_remembered"], true);
    app.invoke("unlock_with_device", json!({"username": "mia"}))
        .expect("device unlock");
    // An explicit lock holds across a restart.
    app.invoke("lock", json!({})).expect("lock");
    let app = app.restart();
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(status["locked_by_user"], true);
    assert_eq!(status["device_remembered"], true, "the device key is kept");
    // Until someone asks to unlock (here with the device, deliberately).
    app.invoke("unlock_with_device", json!({"username": "mia"}))
        .expect("deliberate device unlock");
    let app = app.restart();
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(status["locked_by_user"], false);
    // Signing out locks and forgets the default user.
    app.sign_in("mia");
    app.invoke("sign_out", json!({})).expect("sign out");
    let app = app.restart();
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(status["remembered_user"], Value::Null);
    assert_eq!(status["locked_by_user"], true);
    assert_eq!(
        app.error_code("list_secrets", json!({"query": {}})),
        "auth_failed"
    );
}

#[test]
fn the_app_can_open_another_existing_vault() {
    let (app, _, _) = App::new();
    let missing = app._dir.path().join("nope.db");
    assert_eq!(
        app.error_code("open_vault", json!({"path": missing.to_string_lossy()})),
        "not_found"
    );
    let junk = app._dir.path().join("junk.db");
    std::fs::write(&junk, b"not a vault at all").expect("write");
    assert_eq!(
        app.error_code("open_vault", json!({"path": junk.to_string_lossy()})),
        "vault_damaged"
    );
    let other = app._dir.path().join("other.db");
    seed(&other, &App::device(&app._dir));
    app.invoke("open_vault", json!({"path": other.to_string_lossy()}))
        .expect("open");
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(status["vault_path"], other.to_string_lossy().as_ref());
    assert_eq!(status["vault_exists"], true);
    app.sign_in("mia");
    let app = app.restart_with_default_path();
    let status = app.invoke("app_status", json!({})).expect("status");
    assert_eq!(
        status["vault_path"],
        other.to_string_lossy().as_ref(),
        "remembered"
    );
}

#[test]
fn password_checks_follow_the_core_rule() {
    let (app, _, _) = App::new();
    let weak = app
        .invoke(
            "check_password",
            json!({"password": "password", "context": []}),
        )
        .expect("check");
    assert_eq!(weak["acceptable"], false);
    assert!(
        weak["problem"]
            .as_str()
            .is_some_and(|p| p.contains("too easy to guess"))
    );
    let own_name = app
        .invoke(
            "check_password",
            json!({"password": "mia-lima-1984", "context": ["mia-lima"]}),
        )
        .expect("check");
    assert_eq!(own_name["acceptable"], false);
    let strong = app
        .invoke(
            "check_password",
            json!({"password": "correct horse battery staple", "context": []}),
        )
        .expect("check");
    assert_eq!(strong["acceptable"], true);
    assert_eq!(strong["score"], 4);
}

#[test]
fn the_audit_log_through_the_app_follows_the_cores_rules() {
    let (app, shared, private) = App::new();
    app.sign_in("mia");
    app.invoke("reveal_secret", json!({"id": shared}))
        .expect("reveal");
    app.invoke("reveal_secret", json!({"id": private}))
        .expect("reveal her own");
    // A member reads her own entries, with her private key's name.
    let mine = app
        .invoke("audit_log", json!({"query": {}}))
        .expect("own log");
    let mine = mine.as_array().expect("list");
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|e| e["user"] == "mia"), "{mine:?}");
    assert!(
        mine.iter().any(|e| e["action"] == "reveal"
            && e["key"] == "MIA_TOKEN"
            && e["secret_id"] == private)
    );
    assert_eq!(
        app.error_code("audit_log", json!({"query": {"user": "owner"}})),
        "permission_denied"
    );
    assert_eq!(
        app.error_code("verify_audit", json!({})),
        "permission_denied"
    );
    // An admin reads everyone's, never a private secret's key, and checks
    // the chain.
    app.sign_in("ada");
    let all = app
        .invoke("audit_log", json!({"query": {"action": "reveal"}}))
        .expect("log");
    let all = all.as_array().expect("list");
    assert!(
        all.iter()
            .any(|e| e["user"] == "mia" && e["key"] == "FIN_DB" && e["secret_id"] == shared)
    );
    assert!(all.iter().all(|e| e["action"] == "reveal"));
    let everything = app
        .invoke("audit_log", json!({"query": {"limit": 5000}}))
        .expect("log");
    assert!(
        everything
            .as_array()
            .expect("list")
            .iter()
            .all(|e| e["key"] != "MIA_TOKEN")
    );
    let check = app.invoke("verify_audit", json!({})).expect("verify");
    assert!(check["entries"].as_i64().expect("count") > 5);
}

#[test]
fn export_and_audit_csv_write_private_files_after_the_password() {
    use std::os::unix::fs::PermissionsExt;
    let (app, _, _) = App::new();
    app.sign_in("mia");
    let file = app._dir.path().join("mia-export.json");
    let path = file.to_string_lossy().into_owned();
    let args = |pw: &str, path: &str| json!({"password": pw, "format": "json", "path": path, "overwrite": false});
    // A wrong password: refused, nothing written.
    assert_eq!(
        app.error_code("export_secrets", args("wrong-password-1", &path)),
        "auth_failed"
    );
    assert!(!file.exists());
    // A path relative to nowhere in particular is refused before anything.
    assert_eq!(
        app.error_code("export_secrets", args("mia-password-1", "out.json")),
        "invalid_input"
    );
    let saved = app
        .invoke("export_secrets", args("mia-password-1", &path))
        .expect("export");
    assert_eq!(saved["path"], path.as_str());
    assert_eq!(saved["report"]["written"], 2);
    assert_eq!(saved["report"]["write_only"], 0);
    let mode = std::fs::metadata(&file).expect("file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let json: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert_eq!(
        json,
        json!({"FIN_DB": "FIN_DB-value", "MIA_TOKEN": "MIA_TOKEN-value"})
    );
    // The same name again is not replaced.
    assert_eq!(
        app.error_code("export_secrets", args("mia-password-1", &path)),
        "conflict"
    );
    // The audit CSV goes to a private file too, and says where.
    let csv = app._dir.path().join("audit.csv");
    let where_ = app
        .invoke(
            "save_audit_csv",
            json!({"path": csv.to_string_lossy(), "csv": "\"seq\"\r\n\"1\"\r\n", "overwrite": false}),
        )
        .expect("csv");
    assert_eq!(where_, csv.to_string_lossy().as_ref());
    let mode = std::fs::metadata(&csv).expect("csv").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let suggested = app
        .invoke("suggest_save_path", json!({"fileName": "x.csv"}))
        .expect("suggest");
    assert!(suggested.as_str().expect("text").ends_with("/x.csv"));
    assert_eq!(
        app.error_code("suggest_save_path", json!({"fileName": "../x.csv"})),
        "invalid_input"
    );
    // A locked app saves nothing.
    app.invoke("lock", json!({})).expect("lock");
    assert_eq!(
        app.error_code(
            "save_audit_csv",
            json!({"path": app._dir.path().join("b.csv").to_string_lossy(), "csv": "x", "overwrite": false}),
        ),
        "auth_failed"
    );
}

#[test]
fn import_through_the_app_follows_the_cores_scope_rules() {
    let (app, _, _) = App::new();
    app.sign_in("mia");
    let file = app._dir.path().join("team.env");
    std::fs::write(&file, "IMPORTED_A=pa$word\nFIN_DB=replaced\n").expect("write");
    let path = file.to_string_lossy().into_owned();
    let opts = |dept: &str| {
        json!({"departments": {"kind": "departments", "codes": [dept]}, "private": false, "tags": [],
               "on_conflict": "skip", "choices": [], "dry_run": false})
    };
    let args =
        |dept: &str| json!({"path": path, "format": null, "password": null, "options": opts(dept)});
    // A member imports only into their own departments, preview or not.
    assert_eq!(
        app.error_code("import_preview", args("DEFAULT")),
        "permission_denied"
    );
    assert_eq!(
        app.error_code("import_secrets", args("DEFAULT")),
        "permission_denied"
    );
    let preview = app.invoke("import_preview", args("FIN")).expect("preview");
    assert_eq!(preview["format"], "env");
    assert_eq!(preview["items"][0]["action"], "new");
    assert_eq!(
        preview["items"][1]["action"], "skip",
        "FIN_DB exists in FIN"
    );
    let report = app.invoke("import_secrets", args("FIN")).expect("import");
    assert_eq!(
        (report["created"].as_u64(), report["skipped"].as_u64()),
        (Some(1), Some(1))
    );
    // The owner's FIN_DB cannot be replaced by a member: refused, nothing written.
    let mut replace = args("FIN");
    replace["options"]["on_conflict"] = json!("replace");
    std::fs::write(&file, "IMPORTED_B=1\nFIN_DB=replaced\n").expect("write");
    assert_eq!(
        app.error_code("import_secrets", replace),
        "permission_denied"
    );
    let rows = app
        .invoke("list_secrets", json!({"query": {"search": "IMPORTED_B"}}))
        .expect("list");
    assert_eq!(rows.as_array().map(Vec::len), Some(0), "all or nothing");
    // A relative path is refused before anything is read.
    assert_eq!(
        app.error_code(
            "import_preview",
            json!({"path": "team.env", "format": null, "password": null, "options": opts("FIN")})
        ),
        "invalid_input"
    );
}

#[test]
fn a_delete_the_app_asks_for_from_an_older_version_deletes_nothing() {
    let (app, shared, _) = App::new();
    app.sign_in("ada");
    app.invoke(
        "update_secret",
        json!({"id": shared, "update": {"description": "rotated"}}),
    )
    .expect("an edit makes version 2");
    let err = app
        .invoke("delete_secret", json!({"id": shared, "expectedVersion": 1}))
        .expect_err("the dialog showed version 1");
    assert_eq!(err["code"], "conflict");
    assert_eq!(err["current_version"], 2);
    let row = app
        .invoke("secret", json!({"id": shared}))
        .expect("still there");
    assert_eq!(row["version"], 2);
    app.invoke("delete_secret", json!({"id": shared, "expectedVersion": 2}))
        .expect("the version shown now");
    assert_eq!(app.error_code("secret", json!({"id": shared})), "not_found");
}
