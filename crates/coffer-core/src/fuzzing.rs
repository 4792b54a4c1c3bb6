//! Entry points for the fuzz targets in `fuzz/` and for the corpus replay
//! test (`tests/fuzz_corpus.rs`), built only with the `fuzzing` feature.
//!
//! Each function takes bytes as the storage (or a file, or the OS keyring)
//! hands them over, runs them through the real decoder and then the real
//! checks a reader runs next, and returns what the decoder made of them,
//! written back out by the real encoder ([`Decoded`]), or `None` when they
//! are refused. None of this may panic, allocate without bound or hang on
//! any input: that is what the targets check.
//!
//! Sealed and signed inputs meet fixed keys: a small signed directory (an
//! owner, a member who made their keys, a user still pending) and the keys
//! of one secret. So the targets do not stop at the AEAD tag or the
//! signature: besides opening arbitrary blobs, they seal (or sign)
//! arbitrary plaintexts with the fixed keys and open them through the same
//! functions. A leading mode byte picks which, where a target has modes.

use std::sync::OnceLock;

use crate::account;
use crate::api::{KdfProfile, Reveal, Role, Timestamp};
use crate::codec;
use crate::crypto::{Aad, KdfParams, KeyPair, SALT_LEN, SignKey, SymKey};
use crate::keys::{self, Identity as Keys};
use crate::legacy;
use crate::plain::{Fields, Meta, UsageLabel};
use crate::seal::{
    self,
    header::{Header, blob_hash, verify_header},
};
use crate::store::VersionRow;
use crate::trust::fingerprint;
use crate::trust::log::{Change, Entry, SignedEntry, apply};
use crate::trust::state::{
    Config, DeptEntry, Identity, KeyRef, Scope, State, UserEntry, decode_config, decode_state,
    encode_config, encode_state,
};
use crate::wire::{Reader, Writer};

/// What a decoder made of an input, written back out by the real encoder.
#[derive(Debug)]
pub struct Decoded {
    pub output: Vec<u8>,
    /// What `output` must equal, where that is known: the input itself for
    /// formats with one encoding per value (what is signed or hashed), the
    /// plaintext that was sealed, or the output decoded and written out
    /// again (for formats that allow several spellings of one value).
    pub expected: Option<Vec<u8>>,
}

impl Decoded {
    /// Whether the output is what it must be.
    pub fn round_trips(&self) -> bool {
        self.expected.as_ref().is_none_or(|e| *e == self.output)
    }

    fn exact(output: Vec<u8>, input: &[u8]) -> Self {
        Self {
            output,
            expected: Some(input.to_vec()),
        }
    }

    /// `output`, which `again` (the decoder and encoder run on `output`)
    /// must reproduce.
    fn stable(output: Vec<u8>, again: impl FnOnce(&[u8]) -> Option<Vec<u8>>) -> Self {
        let expected = again(&output);
        Self {
            expected: Some(expected.unwrap_or_default()),
            output,
        }
    }
}

// ------------------------------------------------------------------ fixture

const VAULT_ID: &str = "fuzz-vault";
const OWNER: i64 = 1;
const MEMBER: i64 = 2;
const PENDING: i64 = 3;
const DEPT: i64 = 1;
const SECRET: i64 = 1;
const DEK_GEN: i64 = 1;
const ALL_KEY: i64 = 1;
const USAGE: i64 = 1;
const DEVICE: i64 = 1;
const T0: Timestamp = 1_767_225_600_000;

/// Fixed keys and the directory they sign.
struct Fixture {
    owner: Keys,
    member: Keys,
    member_enroll: SignKey,
    pending_enroll: SignKey,
    /// The key the pending user would make at enrollment.
    pending_new: SignKey,
    /// The stored directory entries, and the state after each.
    entries: Vec<Vec<u8>>,
    states: Vec<State>,
    all_key: SymKey,
    dek: SymKey,
    device_key: SymKey,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

fn kref(id: i64, scope: Scope, key: &SymKey) -> KeyRef {
    KeyRef {
        id,
        generation: 1,
        commitment: keys::commitment(VAULT_ID, id, scope, 1, key),
    }
}

fn pending_user(id: i64, name: &str, enroll: &SignKey, depts: &[i64]) -> UserEntry {
    UserEntry {
        id,
        username: name.into(),
        display_name: String::new(),
        role: Role::Member,
        depts: depts.iter().copied().collect(),
        primary: depts.first().copied(),
        disabled: false,
        identity: Identity::Pending {
            enroll: enroll.public(),
        },
        personal: None,
        created_at: T0 + id,
    }
}

fn active(user: &UserEntry, keys: &Keys) -> UserEntry {
    UserEntry {
        identity: Identity::Active {
            sign: keys.sign.public(),
            enc: *keys.enc.public_bytes(),
        },
        ..user.clone()
    }
}

fn entry(epoch: i64, prev: [u8; 32], signer: i64, changes: Vec<Change>) -> Entry {
    Entry {
        vault_id: VAULT_ID.into(),
        epoch,
        prev,
        signer,
        at: T0 + epoch,
        changes,
    }
}

// Fixed, valid inputs: a failure here is a bug in the fixture, and the
// harness stopping on it is the right outcome.
#[allow(clippy::expect_used)]
fn build_fixture() -> Fixture {
    let pair = |b: u8| KeyPair::from_private_bytes(&[b; 32]).expect("fixed X25519 key");
    let owner = Keys {
        sign: SignKey::from_seed(&[1; 32]),
        enc: pair(2),
        past: Vec::new(),
    };
    let member = Keys {
        sign: SignKey::from_seed(&[3; 32]),
        enc: pair(4),
        past: Vec::new(),
    };
    let (member_enroll, pending_enroll) =
        (SignKey::from_seed(&[5; 32]), SignKey::from_seed(&[6; 32]));
    let pending_new = SignKey::from_seed(&[10; 32]);
    let all_key = SymKey::from_bytes([7; 32]);
    let (dept_key, owner_personal, member_personal) = (
        SymKey::from_bytes([11; 32]),
        SymKey::from_bytes([12; 32]),
        SymKey::from_bytes([13; 32]),
    );

    let owner_entry = active(
        &UserEntry {
            role: Role::Owner,
            display_name: "The Owner".into(),
            ..pending_user(OWNER, "owner", &owner.sign, &[DEPT])
        },
        &owner,
    );
    let genesis = entry(
        1,
        [0; 32],
        OWNER,
        vec![
            Change::Config(Config {
                vault_id: VAULT_ID.into(),
                kdf_profile: KdfProfile::InsecureTest,
                kdf: KdfParams::INSECURE_TEST,
            }),
            Change::User(owner_entry),
            Change::Dept(DeptEntry {
                id: DEPT,
                code: "DEFAULT".into(),
                name: "Default".into(),
                created_at: T0,
            }),
            Change::key(Scope::All, kref(ALL_KEY, Scope::All, &all_key)),
            Change::key(Scope::Dept(DEPT), kref(2, Scope::Dept(DEPT), &dept_key)),
            Change::key(
                Scope::Personal(OWNER),
                kref(3, Scope::Personal(OWNER), &owner_personal),
            ),
        ],
    );
    let mut entries = Vec::new();
    let mut states: Vec<State> = Vec::new();
    let mut push = |e: Entry, signer: &SignKey, enroll: Option<&SignKey>| {
        let signed = e.sign(signer, enroll);
        let stored = signed.to_bytes();
        let state = apply(states.last(), &signed, &stored).expect("the fixture's directory");
        entries.push(stored);
        states.push(state);
        states.last().map(|s| s.head).unwrap_or_default()
    };
    let head = push(genesis, &owner.sign, None);
    let head = push(
        entry(
            2,
            head,
            OWNER,
            vec![
                Change::User(pending_user(MEMBER, "member", &member_enroll, &[DEPT])),
                Change::User(pending_user(PENDING, "pending", &pending_enroll, &[])),
            ],
        ),
        &owner.sign,
        None,
    );
    push(
        entry(
            3,
            head,
            MEMBER,
            vec![
                Change::Enroll {
                    user: MEMBER,
                    sign: member.sign.public(),
                    enc: *member.enc.public_bytes(),
                },
                Change::key(
                    Scope::Personal(MEMBER),
                    kref(4, Scope::Personal(MEMBER), &member_personal),
                ),
            ],
        ),
        &member.sign,
        Some(&member_enroll),
    );
    Fixture {
        owner,
        member,
        member_enroll,
        pending_enroll,
        pending_new,
        entries,
        states,
        all_key,
        dek: SymKey::from_bytes([8; 32]),
        device_key: SymKey::from_bytes([9; 32]),
    }
}

impl Fixture {
    fn dir(&self) -> &State {
        &self.states[self.states.len() - 1]
    }

    fn member_entry(&self) -> &UserEntry {
        &self.dir().users[&MEMBER]
    }

    /// The state an entry of `epoch` follows.
    fn before(&self, epoch: i64) -> Option<&State> {
        match usize::try_from(epoch) {
            Ok(1) => None,
            Ok(e) if e >= 2 && e - 2 < self.states.len() => Some(&self.states[e - 2]),
            _ => Some(self.dir()),
        }
    }

    /// The signing key of the user an entry names, where the fixture has it.
    fn signer(&self, id: i64) -> (&SignKey, Option<&SignKey>) {
        match id {
            MEMBER => (&self.member.sign, Some(&self.member_enroll)),
            PENDING => (&self.pending_new, Some(&self.pending_enroll)),
            _ => (&self.owner.sign, None),
        }
    }
}

/// The header of the fixture's secret: shared with its department, made
/// by the member, naming `fields_hash` and `history_hash`.
fn secret_header(fields_hash: [u8; 32], history_hash: [u8; 32]) -> Header {
    Header {
        vault_id: VAULT_ID.into(),
        secret_id: SECRET,
        revision: 1,
        version: 1,
        dek_gen: DEK_GEN,
        private: false,
        all_depts: false,
        depts: vec![DEPT],
        creator: MEMBER,
        active: true,
        reveal: Reveal::Allowed,
        expires_at: None,
        created_at: T0,
        updated_at: T0,
        updated_by: MEMBER,
        signer: MEMBER,
        wraps: vec![ALL_KEY],
        meta_hash: [0; 32],
        fields_hash,
        history_hash,
    }
}

// ------------------------------------------------------------ entry points

/// A plaintext of the codec (metadata, fields or a usage label: the tag
/// byte says which), decoded and encoded again. One encoding per value.
pub fn codec(bytes: &[u8]) -> Option<Decoded> {
    let out = codec::decode_meta(bytes)
        .map(|m| codec::encode_meta(&m))
        .or_else(|| codec::decode_fields(bytes).map(|f| codec::encode_fields(&f)))
        .or_else(|| codec::decode_usage(bytes).map(|u| codec::encode_usage(&u)))?;
    Some(Decoded::exact(out.to_vec(), bytes))
}

/// A secret's signed header: decoded, then checked against the fixture's
/// directory as the signature were valid (to reach the rules on who may
/// write it) and as it were not.
pub fn header(bytes: &[u8]) -> Option<Decoded> {
    let h = Header::decode(bytes)?;
    let dir = fixture().dir();
    let _ = verify_header(dir, SECRET, bytes, &[], true);
    let _ = verify_header(dir, h.secret_id, bytes, &[0; 64], false);
    Some(Decoded::exact(h.encode(), bytes))
}

/// A sealed column. Mode byte `m`: `m % 5` picks the column (0 metadata,
/// 1 fields, 2 a usage, 3 a wrapped data key, 4 a remembered device's key
/// bundle); `m / 5 % 2 == 1` seals the rest of the input as that column's
/// plaintext with the fixed keys first, else the rest is the stored blob.
pub fn sealed(bytes: &[u8]) -> Option<Decoded> {
    let (&mode, rest) = bytes.split_first()?;
    let f = fixture();
    let seal_first = mode / 5 % 2 == 1;
    let member = f.member_entry();
    let blob = if seal_first {
        match mode % 5 {
            0 => seal::seal_content(&f.dek, SECRET, "meta", DEK_GEN, rest),
            1 => seal::seal_content(&f.dek, SECRET, "fields", DEK_GEN, rest),
            2 => seal::seal_usage_plain(&f.dek, USAGE, SECRET, DEK_GEN, rest),
            3 => seal::wrap_bytes(&f.all_key, SECRET, DEK_GEN, ALL_KEY, rest),
            _ => account::seal_bytes_for_device(&f.device_key, DEVICE, member, rest),
        }
    } else {
        rest.to_vec()
    };
    // The header names this blob (its signature was checked already).
    let h = secret_header(blob_hash("fields", &blob), [0; 32]);
    let out = match mode % 5 {
        0 => codec::encode_meta(&seal::open_meta(&f.dek, &h, &blob).ok()?).to_vec(),
        1 => codec::encode_fields(&seal::open_fields(&f.dek, &h, &blob).ok()?).to_vec(),
        2 => {
            let label = seal::open_usage(&f.dek, USAGE, SECRET, DEK_GEN, &blob).ok()?;
            codec::encode_usage(&label).to_vec()
        }
        3 => seal::unwrap_dek(&f.all_key, &h, ALL_KEY, &blob)
            .ok()?
            .expose_bytes()
            .to_vec(),
        _ => {
            let keys = account::open_for_device(&f.device_key, DEVICE, member, &[], &blob)?;
            account::identity_bytes(&keys).to_vec()
        }
    };
    let expected = if mode % 5 == 4 {
        // A bundle may spell an X25519 key unclamped (the fuzzer found
        // one): it opens to the same keys, and Coffer writes them clamped.
        // What it writes must open to itself.
        let sealed = account::seal_bytes_for_device(&f.device_key, DEVICE, member, &out);
        Some(
            account::open_for_device(&f.device_key, DEVICE, member, &[], &sealed)
                .map_or_else(Vec::new, |keys| account::identity_bytes(&keys).to_vec()),
        )
    } else {
        seal_first.then(|| rest.to_vec())
    };
    Some(Decoded {
        output: out,
        expected,
    })
}

/// A secret's earlier versions: rows framed in the input as `h`, then a
/// count and, per row, a flag (1: seal the plaintexts that follow with the
/// fixed data key; 0: they are stored blobs), version, time, author, and
/// the metadata and fields. Opened as a reader does once the header's
/// history hash matches.
pub fn history(bytes: &[u8]) -> Option<Decoded> {
    let f = fixture();
    let mut r = Reader::new(bytes, b'h')?;
    let rows = r.list(33, |r| {
        let seal_first = r.bool()?;
        let mut row = VersionRow {
            version: r.i64()?,
            updated_at: r.i64()?,
            updated_by: r.i64()?,
            meta: r.bytes()?.to_vec(),
            fields: r.bytes()?.to_vec(),
        };
        let plain = seal_first.then(|| [row.meta.as_slice(), &row.fields].concat());
        if seal_first {
            let (meta, fields) = (
                std::mem::take(&mut row.meta),
                std::mem::take(&mut row.fields),
            );
            seal::seal_version_plain(&f.dek, SECRET, DEK_GEN, &mut row, &meta, &fields);
        }
        Some((row, plain))
    })?;
    let (stored, plains): (Vec<VersionRow>, Vec<Option<Vec<u8>>>) =
        r.done(rows)?.into_iter().unzip();
    let h = secret_header([0; 32], seal::history_hash(&stored));
    let mut out = Vec::new();
    for row in stored.iter().rev() {
        let v = seal::open_version(&f.dek, h.secret_id, h.dek_gen, row).ok()?;
        out.extend_from_slice(&codec::encode_meta(&v.meta));
        out.extend_from_slice(&codec::encode_fields(&v.fields));
    }
    let expected = plains
        .into_iter()
        .rev()
        .collect::<Option<Vec<_>>>()
        .map(|p| p.concat());
    Some(Decoded {
        output: out,
        expected,
    })
}

/// A scope key's grant. Mode byte `m % 3`: 0, the rest is a grant (HPKE
/// auth mode) of the all-users key from the owner to the member; 1, the
/// rest is sealed as such a grant's plaintext first; 2, the rest is a
/// grant of format 1 (base mode).
pub fn grant(bytes: &[u8]) -> Option<Decoded> {
    let (&mode, rest) = bytes.split_first()?;
    let f = fixture();
    let dir = f.dir();
    let all = (Scope::All, &dir.shared[&Scope::All]);
    let blob = match mode % 3 {
        1 => keys::seal_grant(
            VAULT_ID,
            all,
            (OWNER, &f.owner.enc),
            (MEMBER, f.member.enc.public_bytes()),
            rest,
        )
        .ok()?,
        _ => rest.to_vec(),
    };
    let key = if mode % 3 == 2 {
        let aad = Aad::new("key_grants", ALL_KEY, "sealed", 1).with_extra(b"all:0:0");
        let plain = f.member.enc.open(&aad, &blob).ok()?;
        SymKey::from_slice(&plain).ok()?
    } else {
        keys::open_grant(dir, all, &f.member.enc, MEMBER, OWNER, &blob).ok()?
    };
    Some(Decoded {
        output: key.expose_bytes().to_vec(),
        expected: (mode % 3 == 1).then(|| rest.to_vec()),
    })
}

/// A directory entry. Mode byte `m % 2`: 0, the rest is a stored entry,
/// checked against the fixture's directory before its epoch; 1, the rest is
/// an entry's body, signed by the user it names with the fixture's key
/// for them (and their enrollment key) and then checked the same way.
pub fn directory_entry(bytes: &[u8]) -> Option<Decoded> {
    let (&mode, rest) = bytes.split_first()?;
    let f = fixture();
    if mode % 2 == 0 {
        let signed = SignedEntry::from_bytes(rest)?;
        let _ = apply(f.before(signed.entry.epoch), &signed, rest);
        Some(Decoded::exact(signed.to_bytes(), rest))
    } else {
        let e = Entry::decode(rest)?;
        let out = e.encode();
        let epoch = e.epoch;
        let (signer, enroll) = f.signer(e.signer);
        let signed = e.sign(signer, enroll);
        let _ = apply(f.before(epoch), &signed, &signed.to_bytes());
        Some(Decoded::exact(out, rest))
    }
}

/// The directory a device remembers (its checkpoint): decoded, then used
/// as `trust::load` uses it, to replay the fixture's entries after it.
pub fn directory_state(bytes: &[u8]) -> Option<Decoded> {
    let state = decode_state(bytes)?;
    let _ = fingerprint(&state);
    let _ = (state.user_named("Owner"), state.dept_coded("default"));
    let _ = state.scope_of_key(ALL_KEY);
    for stored in &fixture().entries {
        if let Some(signed) = SignedEntry::from_bytes(stored) {
            let _ = apply(Some(&state), &signed, stored);
        }
    }
    Some(Decoded::stable(encode_state(&state), |b| {
        decode_state(b).map(|s| encode_state(&s))
    }))
}

/// The vault's password hashing settings as the signed configuration
/// carries them, then checked as a stored cost is before a sign-in, and
/// used for one derivation when that is cheap enough to run per input.
/// Returns the encoded configuration; `None` when it is refused.
pub fn kdf_params(bytes: &[u8]) -> Option<(KdfParams, Decoded)> {
    let mut tagged = Vec::with_capacity(bytes.len() + 1);
    tagged.push(b'c');
    tagged.extend_from_slice(bytes);
    let mut r = Reader::new(&tagged, b'c')?;
    let config = decode_config(&mut r)?;
    let config = r.done(config)?;
    account::check_floor(&config.kdf, &config).ok()?;
    let cost = u64::from(config.kdf.m_kib) * u64::from(config.kdf.t);
    if cost <= 4096 {
        let salt = [0; SALT_LEN];
        crate::crypto::derive_password_key(b"fuzz", &salt, &config.kdf).ok()?;
        crate::crypto::derive_seed(b"fuzz", &salt, &config.kdf).ok()?;
    }
    let mut w = Writer::new(b'c', 64);
    encode_config(&mut w, &config);
    let out = w.finish()[1..].to_vec();
    Some((config.kdf, Decoded::exact(out, bytes)))
}

/// Small text formats read from outside the vault's signed data. Mode
/// byte `m % 3`: 0, the preferences file (`prefs.json`); 1, a remembered
/// device's credential as the OS keyring keeps it; 2, a usage of a vault
/// of format 1 (JSON, read once at the upgrade).
pub fn local_text(bytes: &[u8]) -> Option<Decoded> {
    let (&mode, rest) = bytes.split_first()?;
    let again: fn(&[u8]) -> Option<Vec<u8>> = match mode % 3 {
        0 => crate::prefs::round_trip,
        1 => |b| {
            crate::device::credential_round_trip(std::str::from_utf8(b).ok()?)
                .map(String::into_bytes)
        },
        _ => |b| {
            let (name, kind, field) = legacy::decode_usage(b)?;
            serde_json::to_vec(&serde_json::json!({"name": name, "kind": kind, "field": field}))
                .ok()
        },
    };
    Some(Decoded::stable(again(rest)?, again))
}

// ------------------------------------------------------------------- seeds

/// Valid inputs for each target, made by the real encoders: (target, name,
/// bytes). The corpus under `fuzz/corpus/` starts from these.
#[allow(clippy::expect_used)] // fixed, valid inputs (see `build_fixture`)
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let f = fixture();
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let mut add = |target: &'static str, name: &str, bytes: Vec<u8>| {
        out.push((target, name.to_string(), bytes));
    };
    let metas = [
        Meta {
            key: "DB_PASSWORD".into(),
            description: "the production database".into(),
            tags: vec!["prod".into(), "db".into()],
            field_names: vec!["host".into(), "password".into()],
            plain: vec![],
        },
        Meta {
            key: String::new(),
            description: String::new(),
            tags: vec![],
            field_names: vec![],
            plain: vec![],
        },
        Meta {
            key: "CLÉ_API".into(),
            description: "été \u{1F511}".into(),
            tags: vec!["é".into()],
            field_names: vec!["value".into()],
            plain: vec![],
        },
        Meta {
            key: "DB".into(),
            description: String::new(),
            tags: vec![],
            field_names: vec!["host".into(), "port".into(), "password".into()],
            plain: vec![
                crate::plain::PlainValue {
                    name: "host".into(),
                    value: "db.internal".into(),
                },
                crate::plain::PlainValue {
                    name: "port".into(),
                    value: "5432".into(),
                },
            ],
        },
    ];
    let fields = [
        Fields(vec![
            ("host".into(), "db.internal".to_string().into()),
            ("password".into(), "p@ss:word".to_string().into()),
        ]),
        Fields(vec![]),
        Fields(vec![("value".into(), "x".repeat(300).into())]),
    ];
    let labels = [
        UsageLabel {
            name: "nightly".into(),
            kind: "pipeline".into(),
            field: Some("password".into()),
        },
        UsageLabel {
            name: "billing".into(),
            kind: "service".into(),
            field: None,
        },
    ];
    for (i, m) in metas.iter().enumerate() {
        add(
            "codec",
            &format!("meta-{i}"),
            codec::encode_meta(m).to_vec(),
        );
    }
    for (i, x) in fields.iter().enumerate() {
        add(
            "codec",
            &format!("fields-{i}"),
            codec::encode_fields(x).to_vec(),
        );
    }
    for (i, u) in labels.iter().enumerate() {
        add(
            "codec",
            &format!("usage-{i}"),
            codec::encode_usage(u).to_vec(),
        );
    }

    let h = secret_header([3; 32], [4; 32]);
    add("header", "shared", h.encode());
    let private = Header {
        private: true,
        all_depts: true,
        depts: vec![],
        revision: 7,
        version: 3,
        expires_at: Some(T0 + 86_400_000),
        reveal: Reveal::Never,
        wraps: vec![1, 3],
        ..h.clone()
    };
    add("header", "private-write-only", private.encode());
    let inactive = Header {
        active: false,
        signer: OWNER,
        depts: vec![1, 2, 5],
        ..h.clone()
    };
    add("header", "inactive-by-owner", inactive.encode());

    let member = f.member_entry();
    let member_keys = account::identity_bytes(&f.member).to_vec();
    let plains: [(u8, Vec<u8>); 5] = [
        (0, codec::encode_meta(&metas[0]).to_vec()),
        (1, codec::encode_fields(&fields[0]).to_vec()),
        (2, codec::encode_usage(&labels[0]).to_vec()),
        (3, f.dek.expose_bytes().to_vec()),
        (4, member_keys.clone()),
    ];
    for (column, plain) in plains {
        let blob = match column {
            0 => seal::seal_content(&f.dek, SECRET, "meta", DEK_GEN, &plain),
            1 => seal::seal_content(&f.dek, SECRET, "fields", DEK_GEN, &plain),
            2 => seal::seal_usage_plain(&f.dek, USAGE, SECRET, DEK_GEN, &plain),
            3 => seal::wrap_bytes(&f.all_key, SECRET, DEK_GEN, ALL_KEY, &plain),
            _ => account::seal_bytes_for_device(&f.device_key, DEVICE, member, &plain),
        };
        add(
            "sealed",
            &format!("blob-{column}"),
            [&[column][..], &blob].concat(),
        );
        add(
            "sealed",
            &format!("plain-{column}"),
            [&[column + 5][..], &plain].concat(),
        );
    }

    let version = |flag: bool, v: i64, meta: &[u8], fields: &[u8]| {
        let mut w = Writer::new(0, 64);
        w.bool(flag)
            .i64(v)
            .i64(T0 + v)
            .i64(MEMBER)
            .bytes(meta)
            .bytes(fields);
        w.finish()[1..].to_vec()
    };
    let (m0, f0) = (
        codec::encode_meta(&metas[0]),
        codec::encode_fields(&fields[0]),
    );
    let (m2, f2) = (
        codec::encode_meta(&metas[2]),
        codec::encode_fields(&fields[1]),
    );
    let mut stored = VersionRow {
        version: 2,
        updated_at: T0 + 2,
        updated_by: MEMBER,
        meta: vec![],
        fields: vec![],
    };
    seal::seal_version_plain(&f.dek, SECRET, DEK_GEN, &mut stored, &m2, &f2);
    let rows = |items: &[Vec<u8>]| {
        let mut w = Writer::new(b'h', 256);
        w.count(items.len());
        for i in items {
            w.fixed(i);
        }
        w.finish().to_vec()
    };
    add("history", "empty", rows(&[]));
    add("history", "one-plain", rows(&[version(true, 1, &m0, &f0)]));
    add(
        "history",
        "plain-and-stored",
        rows(&[
            version(true, 1, &m0, &f0),
            version(false, 2, &stored.meta, &stored.fields),
        ]),
    );

    let dir = f.dir();
    let all = (Scope::All, &dir.shared[&Scope::All]);
    let real = keys::seal_grant(
        VAULT_ID,
        all,
        (OWNER, &f.owner.enc),
        (MEMBER, f.member.enc.public_bytes()),
        f.all_key.expose_bytes(),
    )
    .expect("a grant to the fixture's member");
    add("grant", "auth", [&[0][..], &real].concat());
    add(
        "grant",
        "plain",
        [&[1][..], f.all_key.expose_bytes()].concat(),
    );

    for (i, stored) in f.entries.iter().enumerate() {
        add(
            "directory_entry",
            &format!("stored-{}", i + 1),
            [&[0][..], stored].concat(),
        );
        let signed = SignedEntry::from_bytes(stored).expect("the fixture's entry");
        add(
            "directory_entry",
            &format!("body-{}", i + 1),
            [&[1][..], &signed.entry.encode()].concat(),
        );
    }
    // Entries that would follow: an admin-made department and its key, the
    // pending user's enrollment, a change of configuration.
    let next = |signer, changes| entry(4, dir.head, signer, changes).encode();
    let dept2 = SymKey::from_bytes([14; 32]);
    add(
        "directory_entry",
        "body-dept",
        [
            &[1][..],
            &next(
                OWNER,
                vec![
                    Change::Dept(DeptEntry {
                        id: 2,
                        code: "FIN".into(),
                        name: "Finance".into(),
                        created_at: T0 + 4,
                    }),
                    Change::key(Scope::Dept(2), kref(5, Scope::Dept(2), &dept2)),
                ],
            ),
        ]
        .concat(),
    );
    add(
        "directory_entry",
        "body-enroll",
        [
            &[1][..],
            &next(
                PENDING,
                vec![Change::Enroll {
                    user: PENDING,
                    sign: f.pending_new.public(),
                    enc: *f.owner.enc.public_bytes(),
                }],
            ),
        ]
        .concat(),
    );
    add(
        "directory_entry",
        "body-config",
        [
            &[1][..],
            &next(
                OWNER,
                vec![Change::Config(Config {
                    vault_id: VAULT_ID.into(),
                    kdf_profile: KdfProfile::Standard,
                    kdf: KdfParams::FLOOR,
                })],
            ),
        ]
        .concat(),
    );

    for (i, s) in f.states.iter().enumerate() {
        add(
            "directory_state",
            &format!("epoch-{}", i + 1),
            encode_state(s),
        );
    }

    for (name, profile, kdf) in [
        ("test", KdfProfile::InsecureTest, KdfParams::INSECURE_TEST),
        ("floor", KdfProfile::Standard, KdfParams::FLOOR),
        (
            "calibrated",
            KdfProfile::Standard,
            KdfParams {
                m_kib: 512 * 1024,
                ..KdfParams::FLOOR
            },
        ),
    ] {
        let mut w = Writer::new(0, 64);
        encode_config(
            &mut w,
            &Config {
                vault_id: VAULT_ID.into(),
                kdf_profile: profile,
                kdf,
            },
        );
        add("kdf_params", name, w.finish()[1..].to_vec());
    }

    let prefs = br#"{"remembered_users":{"0b6c":"ana"},"settings":{"auto_lock_minutes":15,"clipboard_clear_secs":45},"locked":["0b6c"],"vault_path":"/tmp/team.db"}"#;
    let prefs = crate::prefs::round_trip(prefs).expect("a preferences file");
    add("local_text", "prefs", [&[0][..], &prefs].concat());
    let credential =
        crate::device::credential_round_trip("v1:42:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc")
            .expect("a device credential");
    add(
        "local_text",
        "credential",
        [&[1][..], credential.as_bytes()].concat(),
    );
    add(
        "local_text",
        "legacy-usage",
        [
            &[2][..],
            br#"{"name":"nightly","kind":"pipeline","field":"password"}"#,
        ]
        .concat(),
    );
    add(
        "local_text",
        "legacy-usage-no-field",
        [
            &[2][..],
            br#"{"name":"billing","kind":"service","field":null}"#,
        ]
        .concat(),
    );
    out
}

// ------------------------------------------------------------------ import

/// The import parsers (`import::parse`), on any bytes. Mode byte `m % 5`
/// picks the format (0 sniffed, 1 `.env`, 2 KeePassXC CSV, 3 Bitwarden
/// JSON, 4 Bitwarden CSV; `secrets.json` is what the output is written
/// in, and sniffing reaches it too). A KeePass database is not fuzzed here:
/// its KDF cost comes from the file, so a fuzzed one could ask for any
/// amount of work. What parses is written out as `secrets.json`, which
/// must read back as the same entries.
pub fn import(bytes: &[u8]) -> Option<Decoded> {
    use crate::api::ImportFormat;
    let (&mode, rest) = bytes.split_first()?;
    let format = match mode % 5 {
        0 => None,
        1 => Some(ImportFormat::Env),
        2 => Some(ImportFormat::KeepassxcCsv),
        3 => Some(ImportFormat::BitwardenJson),
        _ => Some(ImportFormat::BitwardenCsv),
    };
    if rest.starts_with(&crate::import::parse::KDBX_MAGIC) {
        return None;
    }
    let parsed = crate::import::parse(rest, format, None).ok()?;
    let output = import_as_json(&parsed.entries);
    Some(Decoded::stable(output, |b| {
        let again = crate::import::parse(b, Some(ImportFormat::Json), None).ok()?;
        Some(import_as_json(&again.entries))
    }))
}

fn import_as_json(entries: &[crate::import::parse::Entry]) -> Vec<u8> {
    use secrecy::ExposeSecret;
    let mut map = serde_json::Map::new();
    for e in entries {
        let value = match e.fields.as_slice() {
            [(name, v)] if name == "value" => serde_json::Value::from(v.expose_secret()),
            fields => serde_json::Value::Object(
                fields
                    .iter()
                    .map(|(n, v)| (n.clone(), serde_json::Value::from(v.expose_secret())))
                    .collect(),
            ),
        };
        map.insert(e.key.clone(), value);
    }
    serde_json::to_vec(&serde_json::Value::Object(map)).unwrap_or_default()
}
