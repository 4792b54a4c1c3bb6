use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::api::RevealedField;
use crate::error::ErrorCode;

fn field(name: &str, value: &str) -> RevealedField {
    RevealedField {
        name: name.into(),
        value: SecretString::from(value),
    }
}

fn single(value: &str) -> Option<SecretValue> {
    Some(SecretValue::Single(field("value", value)))
}

fn db() -> Option<SecretValue> {
    Some(SecretValue::Fields(vec![
        field("host", "db.internal"),
        field("password", "pw-of-the-db"),
        field("api-key", "k3y-k3y-k3y"),
    ]))
}

fn sets(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

fn vars(inj: &Injection) -> Vec<(String, String, bool)> {
    inj.variables
        .iter()
        .map(|v| {
            (
                v.name.clone(),
                v.value.expose_secret().to_string(),
                v.secret,
            )
        })
        .collect()
}

fn err(r: Result<impl std::fmt::Debug>) -> (ErrorCode, String) {
    let e = r.expect_err("must fail");
    (e.code(), e.to_string())
}

#[test]
fn a_spread_that_clashes_with_another_variable_is_refused() {
    let file = "DB_HOST=coffer:DATABASE#host\nDB_=coffer:DATABASE#*\n";
    let req = Request::new(Some(file), &[], &[]).expect("request");
    let (code, msg) = err(req.resolve(&[db()]));
    assert_eq!(code, ErrorCode::InvalidInput);
    assert!(msg.contains("DB_HOST is set twice"), "{msg}");
}

#[test]
fn spread_and_fields_resolve() {
    let req = Request::new(
        Some("PLAIN=keep $me as is\nTOKEN=coffer:API_TOKEN\n"),
        &sets(&[
            "DB_=DATABASE:*",
            "PW=DATABASE:password",
            "HOST=coffer:DATABASE#host",
        ]),
        &[],
    )
    .expect("request");
    let inj = req
        .resolve(&[single("t0ken-value"), db()])
        .expect("resolves");
    let names: Vec<String> = vars(&inj).into_iter().map(|v| v.0).collect();
    assert_eq!(
        names,
        [
            "PLAIN",
            "TOKEN",
            "DB_HOST",
            "DB_PASSWORD",
            "DB_API_KEY",
            "PW",
            "HOST"
        ]
    );
    let plain = &inj.variables[0];
    assert!(!plain.secret && plain.value.expose_secret() == "keep $me as is");
    let secrets: Vec<&str> = inj.secret_values().map(|v| v.expose_secret()).collect();
    assert!(secrets.contains(&"pw-of-the-db") && !secrets.contains(&"keep $me as is"));
    assert_eq!(req.field_of("API_TOKEN"), None);
}

#[test]
fn every_missing_reference_is_named_without_its_key() {
    let req = Request::new(
        Some("A=coffer:NO_SUCH_A\nB=coffer:THERE\nC=coffer:NO_SUCH_C\n"),
        &sets(&["D=THERE:nofield"]),
        &[],
    )
    .expect("request");
    let found = [None, single("v4lue-here"), None];
    let (code, msg) = err(req.resolve(&found));
    assert_eq!(code, ErrorCode::NotFound);
    assert!(msg.starts_with("3 references not found"), "{msg}");
    for part in ["A (env file line 1)", "C (env file line 3)", "D (--set #1"] {
        assert!(msg.contains(part), "{part} in {msg}");
    }
    assert!(!msg.contains("NO_SUCH"), "keys are not echoed: {msg}");
    assert!(!msg.contains("v4lue-here"), "{msg}");
    assert_eq!(req.missing_keys(&found), vec!["NO_SUCH_A", "NO_SUCH_C"]);
}

#[test]
fn a_multi_field_secret_without_a_field_lists_its_fields() {
    let req = Request::new(Some("DB=coffer:DATABASE\n"), &[], &[]).expect("request");
    let (code, msg) = err(req.resolve(&[db()]));
    assert_eq!(code, ErrorCode::InvalidInput);
    assert!(msg.contains("host, password, api-key"), "{msg}");
    assert!(!msg.contains("pw-of-the-db"), "{msg}");
    // One field: no need to name it.
    let one = Some(SecretValue::Fields(vec![field("token", "only-one")]));
    let inj = req.resolve(&[one]).expect("one field");
    assert_eq!(inj.variables[0].value.expose_secret(), "only-one");
}

#[test]
fn guarded_names_need_allow_override() {
    for name in [
        "PATH",
        "HOME",
        "SHELL",
        "IFS",
        "ENV",
        "BASH_ENV",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "DYLD_INSERT_LIBRARIES",
        "XDG_CONFIG_HOME",
        "LC_ALL",
    ] {
        let file = format!("{name}=coffer:KEY\n");
        let (code, msg) = err(Request::new(Some(&file), &[], &[]));
        assert_eq!(code, ErrorCode::InvalidInput, "{name}");
        assert!(msg.contains(&format!("--allow-override {name}")), "{msg}");
        Request::new(Some(&file), &[], &sets(&[name])).expect("allowed");
        // Plain values too: a file must not move PATH either.
        let plain = format!("{name}=/tmp/evil\n");
        assert!(Request::new(Some(&plain), &[], &[]).is_err(), "{name}");
    }
    // Only the exact name is allowed.
    assert!(Request::new(Some("LD_AUDIT=x\n"), &[], &sets(&["LD_PRELOAD"])).is_err());
    // Names that merely look alike are fine.
    Request::new(Some("MY_PATH=x\nHOMEDIR=y\nLDAP=z\n"), &[], &[]).expect("ok");
    // A spread into a guarded prefix is refused name by name.
    let req = Request::new(None, &sets(&["XDG_=DATABASE:*"]), &[]);
    assert!(req.is_err());
}

#[test]
fn coffer_password_is_never_set() {
    let (code, msg) = err(Request::new(
        Some("COFFER_PASSWORD=coffer:KEY\n"),
        &[],
        &sets(&["COFFER_PASSWORD"]),
    ));
    assert_eq!(code, ErrorCode::InvalidInput);
    assert!(msg.contains("never passed"), "{msg}");
}

#[test]
fn invalid_names_are_refused_without_being_echoed() {
    for file in ["9LIVES=coffer:K\n", "my-var=x\n", "A.B=x\n", "É=x\n"] {
        let (code, msg) = err(Request::new(Some(file), &[], &[]));
        assert_eq!(code, ErrorCode::InvalidInput, "{file}");
        assert!(
            msg.contains("env file line 1: not a valid variable name"),
            "{msg}"
        );
    }
    let (_, msg) = err(Request::new(None, &sets(&["hunter2 x=KEY"]), &[]));
    assert!(
        msg.contains("--set #1") && !msg.contains("hunter2"),
        "{msg}"
    );
    let (_, msg) = err(Request::new(None, &sets(&["s3cret-no-equals"]), &[]));
    assert!(
        msg.contains("expected VAR=KEY") && !msg.contains("s3cret"),
        "{msg}"
    );
    let (_, msg) = err(Request::new(None, &[], &sets(&["not valid"])));
    assert!(msg.contains("--allow-override"), "{msg}");
}

#[test]
fn bad_references_are_named_by_place() {
    for (file, what) in [
        ("A=coffer:\n", "env file line 1"),
        ("A=x\nB=coffer:KEY#\n", "env file line 2"),
        ("A=coffer: KEY\n", "env file line 1"),
    ] {
        let (code, msg) = err(Request::new(Some(file), &[], &[]));
        assert_eq!(code, ErrorCode::InvalidInput, "{file}");
        assert!(msg.starts_with(what), "{file}: {msg}");
    }
    let (_, msg) = err(Request::new(None, &sets(&["A=KEY:"]), &[]));
    assert!(msg.contains("--set #1"), "{msg}");
}

#[test]
fn duplicates_in_one_source_are_errors_and_set_overrides_the_file() {
    let (_, msg) = err(Request::new(Some("A=1\nA=2\n"), &[], &[]));
    assert!(
        msg.contains("env file line 2: A is already set at env file line 1"),
        "{msg}"
    );
    let (_, msg) = err(Request::new(None, &sets(&["A=K", "A=L"]), &[]));
    assert!(
        msg.contains("--set #2: A is already set at --set #1"),
        "{msg}"
    );
    let req = Request::new(Some("A=plain\nB=coffer:K\n"), &sets(&["A=K:f"]), &[]).expect("ok");
    assert_eq!(req.keys(), vec!["K"]);
    let found = [Some(SecretValue::Fields(vec![
        field("f", "from-set"),
        field("g", "other"),
    ]))];
    let inj = req.resolve(&found);
    // B takes the whole of a two-field secret: an error naming B only.
    let (_, msg) = err(inj);
    assert!(msg.starts_with("B (env file line 2)"), "{msg}");
}

#[test]
fn values_with_nul_bytes_are_refused() {
    let req = Request::new(Some("A=coffer:K\n"), &[], &[]).expect("ok");
    let (code, msg) = err(req.resolve(&[single("bad\0value")]));
    assert_eq!(code, ErrorCode::InvalidInput);
    assert!(msg.contains("NUL") && !msg.contains("bad"), "{msg}");
}

#[test]
fn short_values_are_reported_by_name() {
    let req = Request::new(Some("A=coffer:K\nB=coffer:L\nC=ab\n"), &[], &[]).expect("ok");
    let inj = req
        .resolve(&[single("abc"), single("long-enough")])
        .expect("ok");
    assert_eq!(inj.too_short_to_mask(), vec!["A"]);
    let shown = format!("{inj:?}");
    assert!(!shown.contains("long-enough"), "{shown}");
}

#[test]
fn spread_names() {
    assert_eq!(spread_name("DB_", "api-key"), "DB_API_KEY");
    assert_eq!(spread_name("X", "2fa seed"), "X2FA_SEED");
}
