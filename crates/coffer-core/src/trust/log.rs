//! The directory log: every change to users, departments, configuration and
//! shared keys is an entry, signed by whoever made it and chained to the
//! entry before it.
//!
//! Replaying the log from the first entry gives the [`State`]; a device
//! keeps the state it last verified and replays only what is new. The rule
//! that makes the log trustworthy: an entry is checked against the state
//! *before* it, so its signer must already have been allowed to make it.
//! An admin who was demoted cannot sign their way back, because in the
//! state their next entry would follow they are no longer an admin; a
//! file writer without a key the state names cannot sign anything.
//!
//! Who may make what (SPEC §2):
//! - the first entry: the owner, creating the vault (its key is the root);
//! - users and departments: admins and the owner; only the owner makes,
//!   changes or removes admins, and only the owner changes the owner;
//! - a scope's current key: admins and the owner; a personal key: its user;
//! - enrollment: the pending user, signing with the enrollment key the
//!   admin-signed state names (and with their new key, proving they hold it);
//! - configuration: the owner, and password hashing only ever goes up.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::{KdfProfile, Role, Timestamp};
use crate::crypto::{
    Hash, KdfParams, SIGNATURE_LEN, SignKey, SignPublic, Signature, digest, verify,
};
use crate::trust::state::{
    Config, DeptEntry, Identity, KeyRef, PastKeys, Scope, State, UserEntry, decode_config,
    decode_dept, decode_key_ref, decode_user, encode_config, encode_dept, encode_key_ref,
    encode_user,
};
use crate::wire::{Reader, Writer};

/// One change in an entry.
#[derive(Clone)]
pub(crate) enum Change {
    Config(Config),
    /// Creates a user or replaces their record (their keys never change
    /// this way).
    User(UserEntry),
    Dept(DeptEntry),
    /// A new current key for the all-users scope or a department.
    SharedKey(Scope, KeyRef),
    /// A new current personal key (by its user only).
    PersonalKey(i64, KeyRef),
    /// A pending user's first keys.
    Enroll {
        user: i64,
        sign: SignPublic,
        enc: [u8; 32],
    },
    /// A user's new keys, replacing theirs (by the user only, signed with
    /// the old identity key and the new one). The old keys are kept as
    /// past keys; every current key the user held is marked exposed.
    Rotate {
        user: i64,
        sign: SignPublic,
        enc: [u8; 32],
    },
}

/// What an entry says, before signatures.
#[derive(Clone)]
pub(crate) struct Entry {
    pub vault_id: String,
    pub epoch: i64,
    pub prev: Hash,
    pub signer: i64,
    pub at: Timestamp,
    pub changes: Vec<Change>,
}

/// An entry as stored: its body, the signer's signature and, for
/// enrollment, the enrollment key's signature (for a change of keys, the
/// new identity key's).
pub(crate) struct SignedEntry {
    pub entry: Entry,
    body: Vec<u8>,
    sig: Signature,
    enroll_sig: Option<Signature>,
}

const ENTRY_V1: u8 = b'E';
const STORED_V1: u8 = b'L';
const PURPOSE: &str = "directory-entry";
const ENROLL_PURPOSE: &str = "directory-enroll";

impl Change {
    /// The change that makes `key` the current key of `scope`.
    pub(crate) fn key(scope: Scope, key: KeyRef) -> Self {
        match scope {
            Scope::Personal(u) => Self::PersonalKey(u, key),
            shared => Self::SharedKey(shared, key),
        }
    }
}

fn encode_change(w: &mut Writer, c: &Change) {
    match c {
        Change::Config(cfg) => {
            w.u8(1);
            encode_config(w, cfg);
        }
        Change::User(u) => {
            w.u8(2);
            encode_user(w, u);
        }
        Change::Dept(d) => {
            w.u8(3);
            encode_dept(w, d);
        }
        Change::SharedKey(scope, k) => {
            w.u8(4);
            scope.encode(w);
            encode_key_ref(w, k);
        }
        Change::PersonalKey(u, k) => {
            w.u8(5).i64(*u);
            encode_key_ref(w, k);
        }
        Change::Enroll { user, sign, enc } => {
            w.u8(6).i64(*user).fixed(sign).fixed(enc);
        }
        Change::Rotate { user, sign, enc } => {
            w.u8(7).i64(*user).fixed(sign).fixed(enc);
        }
    }
}

fn decode_change(r: &mut Reader) -> Option<Change> {
    Some(match r.u8()? {
        1 => Change::Config(decode_config(r)?),
        2 => Change::User(decode_user(r)?),
        3 => Change::Dept(decode_dept(r)?),
        4 => Change::SharedKey(Scope::decode(r)?, decode_key_ref(r)?),
        5 => Change::PersonalKey(r.i64()?, decode_key_ref(r)?),
        6 => Change::Enroll {
            user: r.i64()?,
            sign: r.fixed()?,
            enc: r.fixed()?,
        },
        7 => Change::Rotate {
            user: r.i64()?,
            sign: r.fixed()?,
            enc: r.fixed()?,
        },
        _ => return None,
    })
}

impl Entry {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(ENTRY_V1, 128);
        w.str(&self.vault_id)
            .i64(self.epoch)
            .fixed(&self.prev)
            .i64(self.signer)
            .i64(self.at)
            .count(self.changes.len());
        for c in &self.changes {
            encode_change(&mut w, c);
        }
        w.finish().to_vec()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes, ENTRY_V1)?;
        let vault_id = r.str()?.to_string();
        let epoch = r.i64()?;
        let prev = r.fixed()?;
        let signer = r.i64()?;
        let at = r.i64()?;
        let changes = r.list(1, decode_change)?;
        r.done(Self {
            vault_id,
            epoch,
            prev,
            signer,
            at,
            changes,
        })
    }

    /// Signs the entry as `signer` (and, for enrollment, with the
    /// enrollment key too; for a change of keys, with the new key).
    pub(crate) fn sign(self, signer: &SignKey, enroll: Option<&SignKey>) -> SignedEntry {
        let body = self.encode();
        let sig = signer.sign(PURPOSE, &body);
        let enroll_sig = enroll.map(|k| k.sign(ENROLL_PURPOSE, &body));
        SignedEntry {
            entry: self,
            body,
            sig,
            enroll_sig,
        }
    }
}

impl SignedEntry {
    /// The stored form.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(STORED_V1, self.body.len() + 2 * SIGNATURE_LEN + 8);
        w.bytes(&self.body).fixed(&self.sig);
        match &self.enroll_sig {
            Some(s) => w.u8(1).fixed(s),
            None => w.u8(0),
        };
        w.finish().to_vec()
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes, STORED_V1)?;
        let body = r.bytes()?.to_vec();
        let sig = r.fixed()?;
        let enroll_sig = match r.u8()? {
            0 => None,
            1 => Some(r.fixed()?),
            _ => return None,
        };
        let entry = Entry::decode(&body)?;
        r.done(Self {
            entry,
            body,
            sig,
            enroll_sig,
        })
    }
}

/// The hash that chains entries (and that devices remember).
pub(crate) fn entry_hash(stored: &[u8]) -> Hash {
    digest("coffer/directory-entry/v1", &[stored])
}

/// Why an entry was refused. Never shown verbatim to users (they see an
/// integrity error naming the entry); tests match on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused(pub &'static str);

type Check<T> = Result<T, Refused>;

fn require(ok: bool, why: &'static str) -> Check<()> {
    if ok { Ok(()) } else { Err(Refused(why)) }
}

/// Verifies `signed` (stored as `stored`) against `before` (`None` for the
/// first entry) and returns the state after it.
pub(crate) fn apply(before: Option<&State>, signed: &SignedEntry, stored: &[u8]) -> Check<State> {
    let e = &signed.entry;
    let hash = entry_hash(stored);
    let mut next = match before {
        None => genesis(signed)?,
        Some(s) => {
            // Checked: a checkpoint read back from this device's store may say
            // anything, and must be refused, not overflow.
            require(
                s.epoch.checked_add(1) == Some(e.epoch),
                "the entry is out of order",
            )?;
            require(
                e.prev == s.head,
                "the entry does not follow the one before it",
            )?;
            require(
                e.vault_id == s.config.vault_id,
                "the entry belongs to another vault",
            )?;
            if e.changes.iter().any(|c| matches!(c, Change::Enroll { .. })) {
                enrollment(s, signed)?
            } else {
                let signer = s.user(e.signer).ok_or(Refused("the signer is unknown"))?;
                require(signer.is_active(), "the signer is disabled or has no keys")?;
                let key = signer.sign_key().ok_or(Refused("the signer has no key"))?;
                verify(key, PURPOSE, &signed.body, &signed.sig)
                    .map_err(|_| Refused("the signature is not the signer's"))?;
                let mut next = s.clone();
                for c in &e.changes {
                    check_change(s, &mut next, signer, c)?;
                }
                rotation_proof(signed)?;
                next
            }
        }
    };
    next.epoch = e.epoch;
    next.head = hash;
    if before.is_none() {
        next.genesis = hash;
    }
    Ok(next)
}

/// The first entry: the owner creates the vault and signs with the key the
/// entry itself names. Everything else in it is checked as the owner's.
fn genesis(signed: &SignedEntry) -> Check<State> {
    let e = &signed.entry;
    require(e.epoch == 1, "the first entry must have epoch 1")?;
    require(e.prev == [0; 32], "the first entry follows nothing")?;
    let config = e
        .changes
        .iter()
        .find_map(|c| match c {
            Change::Config(cfg) => Some(cfg.clone()),
            _ => None,
        })
        .ok_or(Refused("the first entry has no configuration"))?;
    require(
        config.vault_id == e.vault_id,
        "the configuration names another vault",
    )?;
    require(
        kdf_allowed(&config),
        "the password hashing is below the floor or above the ceiling",
    )?;
    let owner = e
        .changes
        .iter()
        .find_map(|c| match c {
            Change::User(u) if u.id == e.signer => Some(u.clone()),
            _ => None,
        })
        .ok_or(Refused("the first entry does not create its signer"))?;
    require(
        owner.role == Role::Owner && !owner.disabled,
        "the first entry's signer is not the owner",
    )?;
    let root = *owner.sign_key().ok_or(Refused("the owner has no key"))?;
    verify(&root, PURPOSE, &signed.body, &signed.sig)
        .map_err(|_| Refused("the signature is not the owner's"))?;
    let empty = State {
        epoch: 0,
        head: [0; 32],
        genesis: [0; 32],
        root,
        owner: owner.id,
        config: config.clone(),
        users: BTreeMap::new(),
        depts: BTreeMap::new(),
        shared: BTreeMap::new(),
        retired: BTreeMap::new(),
        exposed: BTreeSet::new(),
    };
    // The rest is checked as the owner's, against a state in which the
    // owner already exists.
    let mut before = empty;
    before.users.insert(owner.id, owner.clone());
    let mut next = before.clone();
    for c in &e.changes {
        match c {
            Change::Config(_) => {}
            Change::User(u) if u.id == owner.id => {}
            other => check_change(&before, &mut next, &owner, other)?,
        }
    }
    // The owner's own record is checked once the departments exist.
    let me = next.user(owner.id).ok_or(Refused("the owner is missing"))?;
    require(
        me.depts.iter().all(|d| next.depts.contains_key(d)),
        "a department does not exist",
    )?;
    require(
        me.primary.is_none_or(|p| me.depts.contains(&p)),
        "the primary department is not one of the owner's",
    )?;
    require(valid_name(&me.username), "the username is not valid")?;
    Ok(next)
}

/// A pending user's first keys (and first personal key), signed with the
/// enrollment key and with the new identity key.
fn enrollment(s: &State, signed: &SignedEntry) -> Check<State> {
    let e = &signed.entry;
    let mut next = s.clone();
    let user = s
        .user(e.signer)
        .ok_or(Refused("the enrolling user is unknown"))?;
    require(!user.disabled, "the enrolling user is disabled")?;
    let Identity::Pending { enroll } = &user.identity else {
        return Err(Refused("the user already has keys"));
    };
    let mut keys = None;
    for c in &e.changes {
        match c {
            Change::Enroll { user: u, sign, enc } if *u == user.id && keys.is_none() => {
                keys = Some((*sign, *enc));
            }
            Change::PersonalKey(u, k) if *u == user.id => {
                require(
                    next_generation(user.personal) == Some(k.generation),
                    "the personal key's generation is wrong",
                )?;
                require(key_id_free(s, k.id), "the key id is already in use")?;
                if let Some(entry) = next.users.get_mut(&user.id) {
                    entry.personal = Some(*k);
                }
            }
            _ => return Err(Refused("an enrollment entry may only enroll its signer")),
        }
    }
    let (sign, enc) = keys.ok_or(Refused("the enrollment entry has no keys"))?;
    let enroll_sig = signed
        .enroll_sig
        .as_ref()
        .ok_or(Refused("the enrollment key did not sign"))?;
    verify(enroll, ENROLL_PURPOSE, &signed.body, enroll_sig)
        .map_err(|_| Refused("the enrollment signature is not the enrollment key's"))?;
    verify(&sign, PURPOSE, &signed.body, &signed.sig)
        .map_err(|_| Refused("the new key did not sign its enrollment"))?;
    if let Some(entry) = next.users.get_mut(&user.id) {
        entry.identity = Identity::Active { sign, enc };
    }
    Ok(next)
}

/// An entry that replaces its signer's keys is signed with the old key
/// (checked as for any entry) and with the new one, proving its holder made
/// it; an entry may replace keys once. (The enrollment signature's slot
/// carries the new key's signature.)
fn rotation_proof(signed: &SignedEntry) -> Check<()> {
    let mut rotations = signed.entry.changes.iter().filter_map(|c| match c {
        Change::Rotate { sign, .. } => Some(sign),
        _ => None,
    });
    let Some(new_key) = rotations.next() else {
        return Ok(());
    };
    require(rotations.next().is_none(), "an entry replaces keys once")?;
    let proof = signed
        .enroll_sig
        .as_ref()
        .ok_or(Refused("the new key did not sign its change"))?;
    verify(new_key, ENROLL_PURPOSE, &signed.body, proof)
        .map_err(|_| Refused("the new key did not sign its change"))
}

fn kdf_allowed(c: &Config) -> bool {
    c.kdf.within_ceiling() && (c.kdf_profile == KdfProfile::InsecureTest || c.kdf.meets_floor())
}

fn key_id_free(s: &State, id: i64) -> bool {
    id > 0 && s.scope_of_key(id).is_none()
}

/// One change of a signed entry: allowed for `signer` in `before`, applied
/// to `next`.
pub(crate) fn check_change(
    before: &State,
    next: &mut State,
    signer: &UserEntry,
    c: &Change,
) -> Check<()> {
    let is_owner = signer.id == before.owner && signer.role == Role::Owner;
    let is_admin = signer.role.is_admin();
    match c {
        Change::Config(cfg) => {
            require(is_owner, "only the owner changes the configuration")?;
            let old = &before.config;
            require(cfg.vault_id == old.vault_id, "the vault id cannot change")?;
            require(
                !(old.kdf_profile == KdfProfile::Standard
                    && cfg.kdf_profile == KdfProfile::InsecureTest),
                "password hashing cannot be downgraded",
            )?;
            require(
                kdf_not_lower(&cfg.kdf, &old.kdf),
                "password hashing cannot be lowered",
            )?;
            require(
                kdf_allowed(cfg),
                "the password hashing is below the floor or above the ceiling",
            )?;
            next.config = cfg.clone();
        }
        Change::User(u) => {
            require(is_admin, "only admins manage users")?;
            let old = next.users.get(&u.id);
            let touches_owner = u.role == Role::Owner || old.is_some_and(|o| o.role == Role::Owner);
            if touches_owner {
                require(
                    is_owner && u.id == before.owner && u.role == Role::Owner && !u.disabled,
                    "only the owner changes the owner's record, and the owner stays owner",
                )?;
            }
            let touches_admin = u.role == Role::Admin || old.is_some_and(|o| o.role == Role::Admin);
            // An admin may keep their own record up to date (departments,
            // display name), but not change their role or state.
            let own_admin_record = u.id == signer.id
                && old
                    .is_some_and(|o| o.role == Role::Admin && u.role == Role::Admin && !u.disabled);
            require(
                !touches_admin || is_owner || own_admin_record,
                "only the owner makes, changes or removes admins",
            )?;
            match old {
                Some(o) => require(
                    o.identity == u.identity
                        && o.personal == u.personal
                        && o.created_at == u.created_at,
                    "a user's keys change only through enrollment",
                )?,
                None => require(
                    u.id > 0
                        && matches!(u.identity, Identity::Pending { .. })
                        && u.personal.is_none(),
                    "a new user starts without keys",
                )?,
            }
            require(valid_name(&u.username), "the username is not valid")?;
            let lower = u.username.to_lowercase();
            require(
                !next
                    .users
                    .values()
                    .any(|x| x.id != u.id && x.username.to_lowercase() == lower),
                "the username is taken",
            )?;
            require(
                u.depts.iter().all(|d| next.depts.contains_key(d)),
                "a department does not exist",
            )?;
            require(
                u.primary.is_none_or(|p| u.depts.contains(&p)),
                "the primary department is not one of the user's",
            )?;
            next.users.insert(u.id, u.clone());
        }
        Change::Dept(d) => {
            require(is_admin, "only admins manage departments")?;
            require(
                d.id > 0 && valid_name(&d.code),
                "the department is not valid",
            )?;
            let upper = d.code.to_uppercase();
            require(
                !next
                    .depts
                    .values()
                    .any(|x| x.id != d.id && x.code.to_uppercase() == upper),
                "the department code is taken",
            )?;
            if let Some(old) = next.depts.get(&d.id) {
                require(
                    old.code == d.code && old.created_at == d.created_at,
                    "a department's code cannot change",
                )?;
            }
            next.depts.insert(d.id, d.clone());
        }
        Change::SharedKey(scope, k) => {
            require(is_admin, "only admins make shared keys")?;
            match scope {
                Scope::All => {}
                Scope::Dept(d) => {
                    require(next.depts.contains_key(d), "the department does not exist")?
                }
                Scope::Personal(_) => return Err(Refused("a personal key is not shared")),
            }
            let old = next.shared.get(scope);
            require(
                next_generation(old.copied()) == Some(k.generation),
                "the key's generation is wrong",
            )?;
            require(key_id_free(next, k.id), "the key id is already in use")?;
            if let Some(old) = old {
                next.exposed.remove(&old.id);
            }
            next.shared.insert(*scope, *k);
        }
        Change::PersonalKey(u, k) => {
            require(*u == signer.id, "only its user makes a personal key")?;
            let user = next.users.get(u).ok_or(Refused("the user is unknown"))?;
            let generation_ok = next_generation(user.personal) == Some(k.generation);
            require(generation_ok, "the personal key's generation is wrong")?;
            require(key_id_free(next, k.id), "the key id is already in use")?;
            if let Some(old) = user.personal {
                next.exposed.remove(&old.id);
            }
            if let Some(user) = next.users.get_mut(u) {
                user.personal = Some(*k);
            }
        }
        Change::Enroll { .. } => return Err(Refused("enrollment is an entry of its own")),
        Change::Rotate { user, sign, enc } => {
            require(*user == signer.id, "only a user replaces their own keys")?;
            let me = next.users.get(user).ok_or(Refused("the user is unknown"))?;
            let Identity::Active {
                sign: old_sign,
                enc: old_enc,
            } = me.identity
            else {
                return Err(Refused("the user has no keys to replace"));
            };
            let reused = |k: &SignPublic, e: &[u8; 32]| {
                *k == old_sign
                    || *e == old_enc
                    || next
                        .past_keys(*user)
                        .iter()
                        .any(|p| p.sign == *k || p.enc == *e)
            };
            require(!reused(sign, enc), "replaced keys must be new")?;
            // Whoever kept the old keys holds every key they opened.
            let held: Vec<i64> = next
                .shared
                .iter()
                .filter(|(scope, _)| next.entitled(me, **scope))
                .map(|(_, k)| k.id)
                .chain(me.personal.map(|k| k.id))
                .collect();
            next.exposed.extend(held);
            next.retired.entry(*user).or_default().push(PastKeys {
                sign: old_sign,
                enc: old_enc,
            });
            if let Some(me) = next.users.get_mut(user) {
                me.identity = Identity::Active {
                    sign: *sign,
                    enc: *enc,
                };
            }
        }
    }
    Ok(())
}

/// The generation a scope's next key must have (`None` past the last one).
fn next_generation(current: Option<KeyRef>) -> Option<i64> {
    current.map_or(Some(1), |k| k.generation.checked_add(1))
}

fn kdf_not_lower(new: &KdfParams, old: &KdfParams) -> bool {
    new.m_kib >= old.m_kib && new.t >= old.t && new.p >= old.p
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.trim() == s && !s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;

    fn keys(seed: u8) -> (SignKey, [u8; 32]) {
        let enc = KeyPair::from_private_bytes(&[seed + 1; 32]).expect("key");
        (SignKey::from_seed(&[seed; 32]), *enc.public_bytes())
    }

    fn user(id: i64, role: Role, identity: Identity) -> UserEntry {
        UserEntry {
            id,
            username: format!("u{id}"),
            display_name: String::new(),
            role,
            depts: Default::default(),
            primary: None,
            disabled: false,
            identity,
            personal: None,
            created_at: 1,
        }
    }

    fn key(id: i64, generation: i64) -> KeyRef {
        KeyRef {
            id,
            generation,
            commitment: [id as u8; 32],
        }
    }

    /// A one-user directory, and the owner's key.
    fn genesis() -> (State, SignKey) {
        let (sign, enc) = keys(1);
        let owner = user(
            1,
            Role::Owner,
            Identity::Active {
                sign: sign.public(),
                enc,
            },
        );
        let e = Entry {
            vault_id: "v".into(),
            epoch: 1,
            prev: [0; 32],
            signer: 1,
            at: 1,
            changes: vec![
                Change::Config(Config {
                    vault_id: "v".into(),
                    kdf_profile: KdfProfile::InsecureTest,
                    kdf: KdfParams::INSECURE_TEST,
                }),
                Change::User(owner),
            ],
        };
        let signed = e.sign(&sign, None);
        let state = apply(None, &signed, &signed.to_bytes()).expect("genesis");
        (state, sign)
    }

    fn next(s: &State, signer: i64, changes: Vec<Change>) -> Entry {
        Entry {
            vault_id: "v".into(),
            epoch: s.epoch.wrapping_add(1),
            prev: s.head,
            signer,
            at: 2,
            changes,
        }
    }

    fn applied(s: &State, signed: &SignedEntry) -> Check<State> {
        apply(Some(s), signed, &signed.to_bytes())
    }

    #[test]
    fn a_directory_at_the_last_epoch_or_generation_is_refused_not_overflowed() {
        // Found by reading while writing the `directory_state` fuzz target
        // (confirmed through it, fuzz/corpus/directory_state/regress-*): a
        // checkpoint read back from device.db at epoch i64::MAX, or naming
        // a key at generation i64::MAX, made the next entry's check
        // overflow (a panic in debug builds).
        let (s, owner) = genesis();
        let ok = next(&s, 1, vec![Change::key(Scope::All, key(1, 1))]).sign(&owner, None);
        assert!(applied(&s, &ok).is_ok(), "the control entry applies");

        let mut last = s.clone();
        last.epoch = i64::MAX;
        let signed = next(&last, 1, vec![]).sign(&owner, None);
        assert_eq!(
            applied(&last, &signed).err(),
            Some(Refused("the entry is out of order"))
        );

        let mut worn = s.clone();
        worn.shared.insert(Scope::All, key(1, i64::MAX));
        let signed =
            next(&worn, 1, vec![Change::key(Scope::All, key(2, i64::MIN))]).sign(&owner, None);
        assert_eq!(
            applied(&worn, &signed).err(),
            Some(Refused("the key's generation is wrong"))
        );

        let mut personal = s.clone();
        if let Some(o) = personal.users.get_mut(&1) {
            o.personal = Some(key(1, i64::MAX));
        }
        let signed =
            next(&personal, 1, vec![Change::PersonalKey(1, key(2, i64::MIN))]).sign(&owner, None);
        assert_eq!(
            applied(&personal, &signed).err(),
            Some(Refused("the personal key's generation is wrong"))
        );

        let (enroll, _) = keys(3);
        let (mine, enc) = keys(5);
        let mut pending = s.clone();
        let mut p = user(
            2,
            Role::Member,
            Identity::Pending {
                enroll: enroll.public(),
            },
        );
        p.personal = Some(key(1, i64::MAX));
        pending.users.insert(2, p);
        let signed = next(
            &pending,
            2,
            vec![
                Change::Enroll {
                    user: 2,
                    sign: mine.public(),
                    enc,
                },
                Change::PersonalKey(2, key(2, i64::MIN)),
            ],
        )
        .sign(&mine, Some(&enroll));
        assert_eq!(
            applied(&pending, &signed).err(),
            Some(Refused("the personal key's generation is wrong"))
        );
    }

    /// The owner with a member (id 2, keys of seed 3) who holds the
    /// all-users key (id 1) and a personal key (id 2).
    fn with_member() -> (State, SignKey, SignKey) {
        let (s, owner) = genesis();
        let (member, enc) = keys(3);
        let mut s = s;
        let mut m = user(
            2,
            Role::Member,
            Identity::Active {
                sign: member.public(),
                enc,
            },
        );
        m.personal = Some(key(2, 1));
        s.users.insert(2, m);
        s.shared.insert(Scope::All, key(1, 1));
        (s, owner, member)
    }

    fn rotate(user: i64, new: &SignKey, enc: [u8; 32]) -> Change {
        Change::Rotate {
            user,
            sign: new.public(),
            enc,
        }
    }

    #[test]
    fn a_user_replaces_her_keys_with_both_signatures_and_the_old_key_signs_nothing_after() {
        let (s, owner, old) = with_member();
        let (new, enc) = keys(7);
        let signed = next(&s, 2, vec![rotate(2, &new, enc)]).sign(&old, Some(&new));
        let after = applied(&s, &signed).expect("her own change of keys");
        let me = after.user(2).expect("member");
        assert!(me.sign_key() == Some(&new.public()) && me.enc_key() == Some(&enc));
        assert_eq!(after.past_keys(2).len(), 1);
        assert!(after.past_keys(2)[0].sign == old.public());
        // The keys she held are exposed until replaced.
        assert_eq!(after.exposed, [1, 2].into());
        let replaced = next(&after, 1, vec![Change::key(Scope::All, key(3, 2))]).sign(&owner, None);
        let replaced = applied(&after, &replaced).expect("an admin replaces the shared key");
        assert_eq!(replaced.exposed, [2].into());
        // The old key signs nothing any more, not even another change of keys.
        let (theirs, their_enc) = keys(9);
        let forged = next(&after, 2, vec![rotate(2, &theirs, their_enc)]).sign(&old, Some(&theirs));
        assert_eq!(
            applied(&after, &forged).err(),
            Some(Refused("the signature is not the signer's"))
        );
        // The new one does, once more, but never back to a key she had.
        let back = next(&after, 2, vec![rotate(2, &old, keys(3).1)]).sign(&new, Some(&old));
        assert_eq!(
            applied(&after, &back).err(),
            Some(Refused("replaced keys must be new"))
        );
    }

    #[test]
    fn keys_are_replaced_only_by_their_user_and_only_with_proof_of_the_new_key() {
        let (s, owner, old) = with_member();
        let (new, enc) = keys(7);
        // The owner cannot replace a member's keys.
        let signed = next(&s, 1, vec![rotate(2, &new, enc)]).sign(&owner, Some(&new));
        assert_eq!(
            applied(&s, &signed).err(),
            Some(Refused("only a user replaces their own keys"))
        );
        // Without the new key's signature, or with another key's.
        let unproven = next(&s, 2, vec![rotate(2, &new, enc)]).sign(&old, None);
        assert_eq!(
            applied(&s, &unproven).err(),
            Some(Refused("the new key did not sign its change"))
        );
        let (other, _) = keys(11);
        let wrong = next(&s, 2, vec![rotate(2, &new, enc)]).sign(&old, Some(&other));
        assert_eq!(
            applied(&s, &wrong).err(),
            Some(Refused("the new key did not sign its change"))
        );
        // Twice in one entry.
        let (newer, enc2) = keys(13);
        let twice =
            next(&s, 2, vec![rotate(2, &new, enc), rotate(2, &newer, enc2)]).sign(&old, Some(&new));
        assert!(applied(&s, &twice).is_err());
    }
}
