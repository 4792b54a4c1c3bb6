//! The app's IPC surface, declared once: every command the UI may call,
//! with its arguments and result. From this one list come the handler
//! Tauri dispatches to, a compile-time check that each command function
//! takes exactly these arguments and returns this result, and
//! `ui/src/bindings/commands.ts`, which types the UI's calls and its mock
//! backend against the real commands.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ts_rs::{Config, Dependency, TS, TypeVisitor};

/// A command's declaration, for the TypeScript description.
pub struct Command {
    pub name: &'static str,
    /// (name as Rust writes it, TypeScript type)
    pub args: Vec<(&'static str, String)>,
    pub result: String,
}

/// The TypeScript type of `T`, and every exported binding it names.
pub fn ts_of<T: TS + 'static>(cfg: &Config, imports: &mut BTreeMap<String, PathBuf>) -> String {
    struct Collect<'a>(&'a Config, &'a mut BTreeMap<String, PathBuf>);
    impl TypeVisitor for Collect<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            if let Some(d) = Dependency::from_ty::<U>(self.0) {
                self.1.insert(d.ts_name, d.output_path);
            }
            U::visit_generics(self);
        }
    }
    if let Some(d) = Dependency::from_ty::<T>(cfg) {
        imports.insert(d.ts_name, d.output_path);
    }
    T::visit_generics(&mut Collect(cfg, imports));
    T::name(cfg)
}

/// `as_user` -> `asUser`: Tauri's default for command arguments.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

macro_rules! ts_arg {
    ($cfg:expr, $imports:expr, $ty:ty, $ts:literal) => {{
        let _ = (&$cfg, &$imports);
        String::from($ts)
    }};
    ($cfg:expr, $imports:expr, $ty:ty) => {
        ts_of::<$ty>($cfg, $imports)
    };
}

macro_rules! commands {
    ($( $module:ident :: $name:ident ( $( $arg:ident : $ty:ty $(as $ts:literal)? ),* ) -> $ret:ty ; )*) => {
        /// Tauri's handler for every command (and `subscribe`, the event
        /// channel, which the UI opens through its own door).
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![
                crate::commands::session::subscribe,
                $( crate::commands::$module::$name ),*
            ]
        }

        /// Every command's name, `subscribe` included.
        pub const NAMES: &[&str] = &["subscribe", $( stringify!($name) ),*];

        /// Each command function takes exactly the declared arguments, in
        /// order, and resolves to the declared result (checked by the
        /// compiler; never called).
        #[allow(dead_code, clippy::too_many_arguments)]
        fn signatures_match(state: tauri::State<'static, crate::state::Shared>) {
            fn resolves_to<T, F: std::future::Future<Output = crate::error::ApiResult<T>>>(_: F) {}
            $(
                {
                    let state = state.clone();
                    let _check = move |$( $arg: $ty ),*| {
                        resolves_to::<$ret, _>(crate::commands::$module::$name(state, $( $arg ),*))
                    };
                }
            )*
        }

        /// The declarations, with TypeScript types, and the bindings they
        /// import.
        pub fn declarations(cfg: &Config) -> (Vec<Command>, BTreeMap<String, PathBuf>) {
            let mut imports = BTreeMap::new();
            let commands = vec![$(
                Command {
                    name: stringify!($name),
                    args: vec![$( (stringify!($arg), ts_arg!(cfg, &mut imports, $ty $(, $ts)?)) ),*],
                    result: ts_of::<$ret>(cfg, &mut imports),
                }
            ),*];
            (commands, imports)
        }
    };
}

use crate::team::{MovedVault, VaultLocations};
use coffer_core::{
    AppStatus, AuditCheck, AuditEntry, AuditQuery, CopyReceipt, CreateVault, Department,
    DeviceInfo, Explanation, ExportFormat, ImportFormat, ImportOptions, ImportPreview,
    ImportReport, ListQuery, MembershipUpdate, NewSecret, NewUsage, NewUser, PasswordCheck,
    RevealedFieldView, Role, SavedExport, SecretId, SecretString, SecretSummary, SecretUpdate,
    SessionInfo, Settings, UnlockResult, Usage, UserInfo, VersionInfo,
};

commands! {
    session::app_status() -> AppStatus;
    session::touch() -> ();
    session::create_vault(form: CreateVault) -> SessionInfo;
    session::unlock(username: String, password: SecretString as "string", remember: bool) -> UnlockResult;
    session::unlock_with_device(username: String) -> Option<SessionInfo>;
    session::forget_device(username: String) -> bool;
    session::lock() -> ();
    session::sign_out() -> ();
    session::check_password(password: SecretString as "string", context: Vec<String>) -> PasswordCheck;
    session::session() -> SessionInfo;
    session::change_password(current: SecretString as "string", new: SecretString as "string", sign_out_other_devices: bool) -> ();
    session::list_devices() -> Vec<DeviceInfo>;
    session::revoke_device(id: i64) -> ();
    session::get_settings() -> Settings;
    session::set_settings(settings: Settings) -> ();
    team::vault_locations() -> VaultLocations;
    team::open_vault(path: String) -> ();
    team::reconnect() -> ();
    team::move_vault_to_server(url: String) -> MovedVault;
    secrets::list_secrets(query: ListQuery) -> Vec<SecretSummary>;
    secrets::secret(id: SecretId) -> SecretSummary;
    secrets::reveal_secret(id: SecretId) -> Vec<RevealedFieldView>;
    secrets::copy_field(id: SecretId, field: String) -> CopyReceipt;
    secrets::copy_as_env(id: SecretId) -> CopyReceipt;
    secrets::create_secret(secret: NewSecret) -> SecretId;
    secrets::update_secret(id: SecretId, update: SecretUpdate) -> SecretSummary;
    secrets::delete_secret(id: SecretId, expected_version: Option<i64>) -> ();
    secrets::set_secret_active(id: SecretId, active: bool) -> Vec<String>;
    secrets::explain(key: String, department: Option<String>, as_user: Option<String>) -> Explanation;
    secrets::history(id: SecretId) -> Vec<VersionInfo>;
    secrets::restore_version(id: SecretId, version: i64) -> SecretSummary;
    secrets::list_usages(id: SecretId) -> Vec<Usage>;
    secrets::add_usage(id: SecretId, usage: NewUsage) -> i64;
    secrets::remove_usage(usage_id: i64) -> ();
    admin::list_departments() -> Vec<Department>;
    admin::add_department(code: String, name: String) -> Department;
    admin::rename_department(code: String, name: String) -> ();
    admin::list_users() -> Vec<UserInfo>;
    admin::add_user(user: NewUser) -> UserInfo;
    admin::set_user_role(username: String, role: Role) -> ();
    admin::set_user_memberships(username: String, update: MembershipUpdate) -> ();
    admin::set_user_disabled(username: String, disabled: bool) -> ();
    admin::generate_password() -> String;
    admin::audit_log(query: AuditQuery) -> Vec<AuditEntry>;
    admin::verify_audit() -> AuditCheck;
    files::suggest_save_path(file_name: String) -> String;
    files::export_secrets(password: SecretString as "string", format: ExportFormat, path: String, overwrite: bool) -> SavedExport;
    files::save_audit_csv(path: String, csv: String, overwrite: bool) -> String;
    import::import_preview(path: String, format: Option<ImportFormat>, password: Option<SecretString> as "string | null", options: ImportOptions) -> ImportPreview;
    import::import_secrets(path: String, format: Option<ImportFormat>, password: Option<SecretString> as "string | null", options: ImportOptions) -> ImportReport;
}

/// `commands.ts`: the `Commands` map (each command's arguments, as the UI
/// sends them, and its result), the command names, and every error code.
pub fn typescript() -> String {
    let cfg = Config::from_env().with_large_int("number");
    let (commands, mut imports) = declarations(&cfg);
    imports.insert("ErrorCode".into(), PathBuf::from("ErrorCode.ts"));
    let mut out = String::from(
        "// Generated from src-tauri/src/ipc.rs by `cargo test export_bindings`. Do not edit.\n",
    );
    for (name, path) in &imports {
        let file = path.with_extension("");
        out.push_str(&format!(
            "import type {{ {name} }} from \"./{}\";\n",
            file.to_string_lossy()
        ));
    }
    out.push_str("\n/** Every command the UI may invoke: its arguments, as the UI sends them, and its result. */\nexport interface Commands {\n");
    for c in &commands {
        let args = if c.args.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> = c
                .args
                .iter()
                .map(|(n, t)| format!("{}: {t}", camel(n)))
                .collect();
            format!("{{ {} }}", fields.join("; "))
        };
        out.push_str(&format!(
            "  {}: {{ args: {args}; result: {} }};\n",
            c.name, c.result
        ));
    }
    out.push_str("}\n\nexport type CommandName = keyof Commands;\n\nexport const COMMAND_NAMES: readonly CommandName[] = [\n");
    for c in &commands {
        out.push_str(&format!("  \"{}\",\n", c.name));
    }
    out.push_str("];\n\n/** Every code an `ApiError` may carry. */\nexport const ERROR_CODES: readonly ErrorCode[] = [\n");
    for code in coffer_core::ErrorCode::ALL {
        let json = serde_json::to_string(&code).unwrap_or_default();
        out.push_str(&format!("  {json},\n"));
    }
    out.push_str("];\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `commands.ts` beside the ts-rs bindings (the name puts it in
    /// `npm test`'s check that the committed bindings are current).
    #[test]
    fn export_bindings_commands() {
        let cfg = Config::from_env();
        std::fs::create_dir_all(cfg.out_dir()).expect("bindings folder");
        std::fs::write(cfg.out_dir().join("commands.ts"), typescript()).expect("write");
    }

    #[test]
    fn the_description_names_every_argument_in_camel_case_with_its_type() {
        let ts = typescript();
        assert!(ts.contains(
            "  explain: { args: { key: string; department: string | null; asUser: string | null }; result: Explanation };"
        ), "{ts}");
        assert!(ts.contains(
            "  unlock: { args: { username: string; password: string; remember: boolean }; result: UnlockResult };"
        ));
        assert!(ts.contains("  lock: { args: Record<string, never>; result: null };"));
        assert!(ts.contains("  secret: { args: { id: number }; result: SecretSummary };"));
        assert!(ts.contains("import type { SecretSummary } from \"./SecretSummary\";"));
        assert!(ts.contains("  \"rollback\",\n"));
        assert_eq!(camel("sign_out_other_devices"), "signOutOtherDevices");
    }

    include!("../command_names.rs");

    /// The build script's command list (read from this file, it scopes the
    /// capability) and the capability's permissions are exactly the
    /// declared commands.
    #[test]
    fn build_script_and_capability_allow_exactly_these_commands() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut declared: Vec<&str> = NAMES.to_vec();
        declared.sort_unstable();
        let mut read = command_names(include_str!("ipc.rs"));
        read.sort_unstable();
        assert_eq!(read, declared, "the build script's reading of src/ipc.rs");
        let cap: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join("capabilities/main.json")).expect("capability"),
        )
        .expect("json");
        let mut allowed: Vec<String> = cap["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|p| {
                p.as_str()?
                    .strip_prefix("allow-")
                    .map(|s| s.replace('-', "_"))
            })
            .collect();
        allowed.sort_unstable();
        assert_eq!(allowed, declared, "capabilities/main.json");
    }
}
