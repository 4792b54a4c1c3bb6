//! SPEC §3 as a property: for random teams and random secrets sharing one
//! key, `get_secret` (the core, called directly for speed) returns exactly
//! what a small reference model says, for every user and every department
//! argument.
//!
//! The model is written differently from the core on purpose: the core
//! sorts candidates by a specificity tuple; the model narrows the candidate
//! set one rule at a time ("if any are private, keep only those; then if
//! any are explicit, ..."), the way SPEC §3 reads.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;

use coffer_core::{
    DecidingRule, DeptScope, ErrorCode, ExposeSecret, FieldInput, InitOptions, KdfChoice,
    NewSecret, NewUser, Reveal, Role, SecretString, SecretValue, UserScope, Vault,
};
use proptest::prelude::*;

mod common;

const KEY: &str = "DB_PASSWORD";
const OWNER_PW: &str = "owner-password-1";
const CODES: [&str; 3] = ["DEFAULT", "D1", "D2"];

#[derive(Debug, Clone)]
struct UserSpec {
    admin: bool,
    depts: BTreeSet<usize>,
    primary: usize,
}

#[derive(Debug, Clone)]
struct SecretSpec {
    creator: usize,
    all_depts: bool,
    /// Wanted departments; members can only use their own, so creation
    /// keeps the ones the creator may use.
    depts: BTreeSet<usize>,
    private: bool,
    inactive: bool,
    expired: bool,
}

#[derive(Debug, Clone)]
struct World {
    n_depts: usize,
    users: Vec<UserSpec>,
    secrets: Vec<SecretSpec>,
}

/// A non-empty set of department indexes below `n`.
fn dept_set(n: usize) -> impl Strategy<Value = BTreeSet<usize>> {
    (1u8..(1 << n)).prop_map(|mask| (0..3).filter(|i| mask & (1 << i) != 0).collect())
}

/// Every department below `n`.
fn every_dept(n: usize) -> BTreeSet<usize> {
    (0..n).collect()
}

fn world() -> impl Strategy<Value = World> {
    // Three departments and broad memberships most of the time: ties that
    // reach the later rules need overlapping scopes.
    let sizes = (
        prop_oneof![1 => Just(1usize), 2 => Just(2), 5 => Just(3)],
        2usize..=4,
    );
    sizes.prop_flat_map(|(n, n_users)| {
        let memberships = prop_oneof![dept_set(n), Just(every_dept(n))];
        let user = (
            prop::bool::weighted(0.3),
            memberships,
            any::<prop::sample::Index>(),
        )
            .prop_map(|(admin, depts, pick)| {
                let primary = *pick.get(&depts.iter().copied().collect::<Vec<_>>());
                UserSpec {
                    admin,
                    depts,
                    primary,
                }
            });
        let secret = (
            0..n_users,
            prop::bool::weighted(0.2),
            dept_set(n),
            prop::bool::weighted(0.25),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
        )
            .prop_map(|(creator, all_depts, depts, private, inactive, expired)| {
                SecretSpec {
                    creator,
                    all_depts,
                    depts,
                    private,
                    inactive,
                    expired,
                }
            });
        (
            Just(n),
            prop::collection::vec(user, n_users),
            prop::collection::vec(secret, 1..=5),
        )
            .prop_map(|(n_depts, users, secrets)| World {
                n_depts,
                users,
                secrets,
            })
    })
}

/// A secret as it ended up in the vault.
#[derive(Debug, Clone)]
struct Made {
    /// Creation order (ids and update times grow with it).
    order: usize,
    value: String,
    creator: usize,
    private: bool,
    all_depts: bool,
    depts: BTreeSet<usize>,
    active: bool,
    expired: bool,
}

fn name(u: usize) -> String {
    format!("user{u}")
}

fn password(u: usize) -> SecretString {
    SecretString::from(format!("user{u}-password"))
}

fn codes(depts: &BTreeSet<usize>) -> Vec<String> {
    depts.iter().map(|d| CODES[*d].to_string()).collect()
}

fn sign_in(vault: &mut Vault, u: Option<usize>) {
    let (user, pw) = match u {
        Some(u) => (name(u), password(u)),
        None => ("owner".to_string(), SecretString::from(OWNER_PW)),
    };
    vault.unlock_with_password(&user, &pw).expect("sign in");
}

/// The departments a secret ends up with: members (and anyone making a
/// private secret) scope within their own departments; admins may share
/// with any.
fn effective_depts(w: &World, s: &SecretSpec) -> BTreeSet<usize> {
    let creator = &w.users[s.creator];
    if creator.admin && !s.private {
        return s.depts.clone();
    }
    let own: BTreeSet<usize> = s.depts.intersection(&creator.depts).copied().collect();
    if own.is_empty() {
        BTreeSet::from([creator.primary])
    } else {
        own
    }
}

/// (key, scope) is unique: the same scope again is refused. A private
/// scope belongs to its creator; an all-departments scope ignores the set.
fn same_scope(a: &Made, b: &Made) -> bool {
    a.private == b.private
        && (!a.private || a.creator == b.creator)
        && a.all_depts == b.all_depts
        && (a.all_depts || a.depts == b.depts)
}

/// What the vault should hold after building `w`, without a vault.
fn expected_secrets(w: &World) -> Vec<Made> {
    let mut made: Vec<Made> = Vec::new();
    for (i, s) in w.secrets.iter().enumerate() {
        let creator_admin = w.users[s.creator].admin;
        let m = Made {
            order: i,
            value: format!("value-{i}"),
            creator: s.creator,
            private: s.private,
            all_depts: s.all_depts,
            depts: effective_depts(w, s),
            // Deactivating takes an admin who can see it: the owner for
            // shared secrets, an admin creator for their private ones.
            active: !(s.inactive && (!s.private || creator_admin)),
            expired: s.expired,
        };
        if !made.iter().any(|o| same_scope(o, &m)) {
            made.push(m);
        }
    }
    made
}

/// Builds the world in a fresh vault; returns the secrets that exist.
fn build(vault: &mut Vault, w: &World) -> Vec<Made> {
    for code in &CODES[1..w.n_depts] {
        vault.add_department(code, code).expect("department");
    }
    for (u, spec) in w.users.iter().enumerate() {
        vault
            .add_user(NewUser {
                username: name(u),
                display_name: String::new(),
                role: if spec.admin {
                    Role::Admin
                } else {
                    Role::Member
                },
                departments: codes(&spec.depts),
                primary_department: Some(CODES[spec.primary].to_string()),
                initial_password: SecretString::from("initial-password"),
            })
            .expect("user");
        vault
            .unlock_with_password(&name(u), &SecretString::from("initial-password"))
            .expect("first sign-in");
        vault
            .change_password(&SecretString::from("initial-password"), &password(u))
            .expect("change password");
        sign_in(vault, None);
    }
    let mut made = Vec::new();
    for (i, s) in w.secrets.iter().enumerate() {
        let depts = effective_depts(w, s);
        let value = format!("value-{i}");
        sign_in(vault, Some(s.creator));
        let created = vault.create_secret(NewSecret {
            key: KEY.into(),
            fields: vec![FieldInput::set("value", value.clone())],
            departments: Some(if s.all_depts {
                DeptScope::All
            } else {
                DeptScope::Departments {
                    codes: codes(&depts),
                }
            }),
            users: if s.private {
                UserScope::Creator
            } else {
                UserScope::All
            },
            description: String::new(),
            tags: Vec::new(),
            expires_at: s.expired.then(|| coffer_core::time::now_ms() - 60_000),
            active: true,
            reveal: Reveal::Allowed,
        });
        let id = match created {
            Ok(id) => id,
            // The same key and scope twice: refused (checked against the
            // expectation by the caller).
            Err(e) if e.code() == ErrorCode::Conflict => continue,
            Err(e) => panic!("creating secret {i} of {w:?}: {e}"),
        };
        let admin_creator = w.users[s.creator].admin;
        let deactivator = match (s.private, admin_creator) {
            (false, _) => Some(None),
            (true, true) => Some(Some(s.creator)),
            (true, false) => None,
        };
        let mut active = true;
        if let (true, Some(by)) = (s.inactive, deactivator) {
            sign_in(vault, by);
            vault.set_active(id, false).expect("deactivate");
            active = false;
        }
        made.push(Made {
            order: i,
            value,
            creator: s.creator,
            private: s.private,
            all_depts: s.all_depts,
            depts,
            active,
            expired: s.expired,
        });
    }
    made
}

/// Keeps the candidates satisfying `rule`, if any do.
fn narrow(candidates: &mut Vec<Made>, rule: impl Fn(&Made) -> bool) {
    if candidates.iter().any(&rule) {
        candidates.retain(|c| rule(c));
    }
}

/// SPEC §3, read literally: what user `u` gets when asking for department
/// `asked`, and the rule that decided: the step that left one candidate
/// of several (the winner and the runner-up agree on every earlier one).
fn model(
    w: &World,
    made: &[Made],
    u: usize,
    asked: Option<usize>,
) -> (Option<String>, Option<DecidingRule>) {
    let user = &w.users[u];
    if asked.is_some_and(|d| !user.depts.contains(&d)) {
        return (None, None);
    }
    let mut c: Vec<Made> = made
        .iter()
        .filter(|s| s.active && !s.expired)
        .filter(|s| s.all_depts || !s.depts.is_disjoint(&user.depts))
        .filter(|s| !s.private || s.creator == u)
        .filter(|s| asked.is_none_or(|d| s.all_depts || s.depts.contains(&d)))
        .cloned()
        .collect();
    let mut rule = match c.len() {
        0 => return (None, None),
        1 => Some(DecidingRule::OnlyCandidate),
        _ => None,
    };
    let mut step = |c: &mut Vec<Made>, r: DecidingRule, keep: &dyn Fn(&Made) -> bool| {
        narrow(c, keep);
        if rule.is_none() && c.len() == 1 {
            rule = Some(r);
        }
    };
    step(&mut c, DecidingRule::PrivateBeforeShared, &|s| s.private);
    step(&mut c, DecidingRule::ExplicitDepartmentsBeforeAll, &|s| {
        !s.all_depts
    });
    let context = asked.unwrap_or(user.primary);
    step(&mut c, DecidingRule::ContextDepartment, &|s| {
        s.all_depts || s.depts.contains(&context)
    });
    let count = |s: &Made| {
        if s.all_depts {
            usize::MAX
        } else {
            s.depts.len()
        }
    };
    let fewest = c.iter().map(count).min();
    step(&mut c, DecidingRule::FewerDepartments, &|s| {
        Some(count(s)) == fewest
    });
    let winner = c.into_iter().max_by_key(|s| s.order).map(|s| s.value);
    (winner, rule.or(Some(DecidingRule::MostRecentlyUpdated)))
}

fn actual(vault: &mut Vault, asked: Option<usize>) -> Option<String> {
    match vault
        .get_secret(KEY, asked.map(|d| CODES[d]))
        .expect("get_secret")
    {
        // Exposed only to compare with the model.
        Some(SecretValue::Single(f)) => Some(f.value.expose_secret().to_string()),
        Some(SecretValue::Fields(_)) => panic!("every secret here has one field"),
        None => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn get_secret_matches_the_reference_model(w in world()) {
        let dir = tempfile::tempdir().expect("temp dir");
        // A file, or a fresh database on a PostgreSQL run.
        let (location, _db) = common::location(dir.path());
        let mut vault = Vault::create_with(
            &location,
            InitOptions {
                owner: "owner".into(),
                display_name: String::new(),
                password: SecretString::from(OWNER_PW),
                kdf: KdfChoice::InsecureTest,
            },
            &coffer_core::VaultOptions { state_dir: Some(dir.path().join("device-state")) },
        )
        .expect("vault");
        let made = build(&mut vault, &w);
        let expected = expected_secrets(&w);
        prop_assert_eq!(
            made.iter().map(|m| m.order).collect::<Vec<_>>(),
            expected.iter().map(|m| m.order).collect::<Vec<_>>(),
            "the secrets refused as duplicates"
        );
        for u in 0..w.users.len() {
            sign_in(&mut vault, Some(u));
            for asked in std::iter::once(None).chain((0..w.n_depts).map(Some)) {
                let code = asked.map(|d| CODES[d]);
                let (value, rule) = model(&w, &made, u, asked);
                prop_assert_eq!(
                    actual(&mut vault, asked),
                    value,
                    "user{} asking for {:?}; secrets made: {:?}",
                    u,
                    code,
                    made
                );
                let explained = vault.explain(KEY, code, None).expect("explain");
                prop_assert_eq!(explained.rule, rule, "the deciding rule for user{} asking for {:?}", u, code);
            }
        }
    }
}

/// The generator must exercise every rule, or the property above proves
/// little: over many generated worlds (no vault needed), each rule decides
/// some lookups.
#[test]
fn the_generator_exercises_every_rule() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = world();
    let mut decided: std::collections::BTreeMap<String, usize> = Default::default();
    let worlds = 40;
    for _ in 0..worlds {
        let w = strategy.new_tree(&mut runner).expect("a world").current();
        let made = expected_secrets(&w);
        for u in 0..w.users.len() {
            for asked in std::iter::once(None).chain((0..w.n_depts).map(Some)) {
                let rule = model(&w, &made, u, asked).1;
                *decided.entry(format!("{rule:?}")).or_default() += 1;
            }
        }
    }
    println!("deciding rules over {worlds} worlds: {decided:?}");
    for rule in [
        DecidingRule::OnlyCandidate,
        DecidingRule::PrivateBeforeShared,
        DecidingRule::ExplicitDepartmentsBeforeAll,
        DecidingRule::ContextDepartment,
        DecidingRule::FewerDepartments,
        DecidingRule::MostRecentlyUpdated,
    ] {
        let n = decided
            .get(&format!("{:?}", Some(rule)))
            .copied()
            .unwrap_or(0);
        assert!(n >= 3, "{rule:?} decided only {n} lookups: {decided:?}");
    }
}
