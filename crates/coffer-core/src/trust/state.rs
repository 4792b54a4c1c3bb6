//! The directory as every device verifies it: users (role, departments,
//! state, public keys), departments, the vault's configuration, and which
//! key is current for each scope, with a commitment to that key.
//!
//! A [`State`] is never read from the storage directly: it is the result of
//! replaying the signed directory log (see `log`), so everything in it was
//! signed by someone allowed to make it, back to the owner.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::{KdfProfile, Role, Timestamp};
use crate::crypto::{Hash, KdfParams, PUBLIC_KEY_LEN, SignPublic};
use crate::wire::{Reader, Writer};

/// A user's public keys, or the one-time key that lets them make their own.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Identity {
    /// Created, not yet signed in: holds no keys and no grants. The user
    /// proves they are who the admin meant by signing their first keys with
    /// the enrollment key (derived from the initial password, or sealed to
    /// the key of a format-1 account).
    Pending { enroll: SignPublic },
    /// Keys the user made on their own device.
    Active {
        sign: SignPublic,
        enc: [u8; PUBLIC_KEY_LEN],
    },
}

/// The current key of a scope: its id, how many keys the scope has had,
/// and a commitment that lets a holder check a key sealed to them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyRef {
    pub id: i64,
    pub generation: i64,
    pub commitment: Hash,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct UserEntry {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub depts: BTreeSet<i64>,
    pub primary: Option<i64>,
    pub disabled: bool,
    pub identity: Identity,
    /// The key of the user's private secrets (only they hold it).
    pub personal: Option<KeyRef>,
    pub created_at: Timestamp,
}

impl UserEntry {
    pub(crate) fn sign_key(&self) -> Option<&SignPublic> {
        match &self.identity {
            Identity::Active { sign, .. } => Some(sign),
            Identity::Pending { .. } => None,
        }
    }

    pub(crate) fn enc_key(&self) -> Option<&[u8; PUBLIC_KEY_LEN]> {
        match &self.identity {
            Identity::Active { enc, .. } => Some(enc),
            Identity::Pending { .. } => None,
        }
    }

    /// Enabled, with keys: may sign and hold keys.
    pub(crate) fn is_active(&self) -> bool {
        !self.disabled && matches!(self.identity, Identity::Active { .. })
    }
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct DeptEntry {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub created_at: Timestamp,
}

/// Vault-wide settings only the owner changes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub vault_id: String,
    pub kdf_profile: KdfProfile,
    /// Password hashing for new passwords; never below the floor for a
    /// standard vault.
    pub kdf: KdfParams,
}

pub(crate) use crate::plain::Scope;

/// The verified directory at one epoch of the log.
#[derive(Clone)]
pub(crate) struct State {
    /// How many log entries made this state (1 for a new vault).
    pub epoch: i64,
    /// Hash of the latest entry.
    pub head: Hash,
    /// Hash of the first entry: with the vault id, what devices pin.
    pub genesis: Hash,
    /// The owner's identity key: the root of trust.
    pub root: SignPublic,
    pub owner: i64,
    pub config: Config,
    pub users: BTreeMap<i64, UserEntry>,
    pub depts: BTreeMap<i64, DeptEntry>,
    /// Current keys of the all-users scope and of each department.
    pub shared: BTreeMap<Scope, KeyRef>,
    /// Each user's replaced public keys, oldest first: what they signed
    /// and sealed before replacing them still checks out (see
    /// [`State::past_keys`]), and nothing new is accepted under them.
    pub retired: BTreeMap<i64, Vec<PastKeys>>,
    /// Current scope keys that a user who replaced their keys held: whoever
    /// kept the old keys (a stolen device, an old copy of the vault and the
    /// old password) holds these too, so an admin replaces them.
    pub exposed: BTreeSet<i64>,
}

/// A user's public keys before they replaced them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct PastKeys {
    pub sign: SignPublic,
    pub enc: [u8; PUBLIC_KEY_LEN],
}

impl State {
    pub(crate) fn user(&self, id: i64) -> Option<&UserEntry> {
        self.users.get(&id)
    }

    /// A user by name, without regard to case.
    pub(crate) fn user_named(&self, name: &str) -> Option<&UserEntry> {
        let name = name.trim().to_lowercase();
        self.users
            .values()
            .find(|u| u.username.to_lowercase() == name)
    }

    pub(crate) fn dept_coded(&self, code: &str) -> Option<&DeptEntry> {
        let code = code.trim().to_uppercase();
        self.depts.values().find(|d| d.code.to_uppercase() == code)
    }

    /// The current key of a scope (a personal key lives on its user).
    pub(crate) fn current_key(&self, scope: Scope) -> Option<KeyRef> {
        match scope {
            Scope::Personal(u) => self.user(u).and_then(|u| u.personal),
            shared => self.shared.get(&shared).copied(),
        }
    }

    /// Which scope a current key serves, by key id.
    pub(crate) fn scope_of_key(&self, key_id: i64) -> Option<(Scope, KeyRef)> {
        self.shared
            .iter()
            .map(|(s, k)| (*s, *k))
            .chain(
                self.users
                    .values()
                    .filter_map(|u| u.personal.map(|k| (Scope::Personal(u.id), k))),
            )
            .find(|(_, k)| k.id == key_id)
    }

    /// Whether a user may hold a scope's key: every enabled user holds the
    /// all-users key; a department's members and the admins hold its key;
    /// only its user holds a personal key.
    pub(crate) fn entitled(&self, user: &UserEntry, scope: Scope) -> bool {
        match scope {
            Scope::Personal(u) => u == user.id,
            _ if user.disabled => false,
            Scope::All => true,
            Scope::Dept(d) => user.role.is_admin() || user.depts.contains(&d),
        }
    }

    /// A user's replaced public keys, oldest first (none for most users).
    pub(crate) fn past_keys(&self, user: i64) -> &[PastKeys] {
        self.retired.get(&user).map_or(&[], Vec::as_slice)
    }

    /// Every X25519 key a user has had, newest first: a grant or an audit
    /// detail they sealed before replacing their keys still opens (what
    /// it holds is checked against the directory's commitments, or came
    /// with a signature that is checked by its own rule).
    pub(crate) fn enc_keys_of(&self, user: i64) -> impl Iterator<Item = &[u8; PUBLIC_KEY_LEN]> {
        self.user(user)
            .and_then(UserEntry::enc_key)
            .into_iter()
            .chain(self.past_keys(user).iter().rev().map(|p| &p.enc))
    }

    /// Department codes by id.
    pub(crate) fn dept_codes(&self) -> std::collections::HashMap<i64, String> {
        self.depts
            .values()
            .map(|d| (d.id, d.code.clone()))
            .collect()
    }

    /// Usernames by id.
    pub(crate) fn usernames(&self) -> std::collections::HashMap<i64, String> {
        self.users
            .values()
            .map(|u| (u.id, u.username.clone()))
            .collect()
    }
}

// ----------------------------------------------------------------- encoding

pub(crate) fn encode_key_ref(w: &mut Writer, k: &KeyRef) {
    w.i64(k.id).i64(k.generation).fixed(&k.commitment);
}

pub(crate) fn decode_key_ref(r: &mut Reader) -> Option<KeyRef> {
    Some(KeyRef {
        id: r.i64()?,
        generation: r.i64()?,
        commitment: r.fixed()?,
    })
}

fn role_byte(role: Role) -> u8 {
    match role {
        Role::Owner => 1,
        Role::Admin => 2,
        Role::Member => 3,
    }
}

fn role_of(b: u8) -> Option<Role> {
    match b {
        1 => Some(Role::Owner),
        2 => Some(Role::Admin),
        3 => Some(Role::Member),
        _ => None,
    }
}

pub(crate) fn encode_user(w: &mut Writer, u: &UserEntry) {
    w.i64(u.id)
        .str(&u.username)
        .str(&u.display_name)
        .u8(role_byte(u.role))
        .i64s(u.depts.iter())
        .opt_i64(u.primary)
        .bool(u.disabled)
        .i64(u.created_at);
    match &u.identity {
        Identity::Pending { enroll } => w.u8(1).fixed(enroll),
        Identity::Active { sign, enc } => w.u8(2).fixed(sign).fixed(enc),
    };
    match &u.personal {
        Some(k) => {
            w.u8(1);
            encode_key_ref(w, k);
        }
        None => {
            w.u8(0);
        }
    }
}

pub(crate) fn decode_user(r: &mut Reader) -> Option<UserEntry> {
    let id = r.i64()?;
    let username = r.str()?.to_string();
    let display_name = r.str()?.to_string();
    let role = role_of(r.u8()?)?;
    let depts_list = r.i64s()?;
    let depts: BTreeSet<i64> = depts_list.iter().copied().collect();
    // Canonical: strictly increasing, so one set has one encoding.
    if depts.len() != depts_list.len() || depts_list.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let primary = r.opt_i64()?;
    let disabled = r.bool()?;
    let created_at = r.i64()?;
    let identity = match r.u8()? {
        1 => Identity::Pending { enroll: r.fixed()? },
        2 => Identity::Active {
            sign: r.fixed()?,
            enc: r.fixed()?,
        },
        _ => return None,
    };
    let personal = match r.u8()? {
        0 => None,
        1 => Some(decode_key_ref(r)?),
        _ => return None,
    };
    Some(UserEntry {
        id,
        username,
        display_name,
        role,
        depts,
        primary,
        disabled,
        identity,
        personal,
        created_at,
    })
}

pub(crate) fn encode_dept(w: &mut Writer, d: &DeptEntry) {
    w.i64(d.id).str(&d.code).str(&d.name).i64(d.created_at);
}

pub(crate) fn decode_dept(r: &mut Reader) -> Option<DeptEntry> {
    Some(DeptEntry {
        id: r.i64()?,
        code: r.str()?.to_string(),
        name: r.str()?.to_string(),
        created_at: r.i64()?,
    })
}

fn profile_byte(p: KdfProfile) -> u8 {
    match p {
        KdfProfile::Standard => 1,
        KdfProfile::InsecureTest => 2,
    }
}

pub(crate) fn encode_config(w: &mut Writer, c: &Config) {
    w.str(&c.vault_id)
        .u8(profile_byte(c.kdf_profile))
        .i64(i64::from(c.kdf.m_kib))
        .i64(i64::from(c.kdf.t))
        .i64(i64::from(c.kdf.p));
}

pub(crate) fn decode_config(r: &mut Reader) -> Option<Config> {
    let vault_id = r.str()?.to_string();
    let kdf_profile = match r.u8()? {
        1 => KdfProfile::Standard,
        2 => KdfProfile::InsecureTest,
        _ => return None,
    };
    let mut param = || u32::try_from(r.i64()?).ok();
    let kdf = KdfParams {
        m_kib: param()?,
        t: param()?,
        p: param()?,
    };
    Some(Config {
        vault_id,
        kdf_profile,
        kdf,
    })
}

/// The checkpoint format: `S` adds replaced keys and exposed keys to `D`
/// (a checkpoint of another format is verified again from the log).
const STATE_V2: u8 = b'S';

/// The whole state, for a device's checkpoint (kept outside the vault).
pub(crate) fn encode_state(s: &State) -> Vec<u8> {
    let mut w = Writer::new(STATE_V2, 256 + 128 * s.users.len());
    w.i64(s.epoch)
        .fixed(&s.head)
        .fixed(&s.genesis)
        .fixed(&s.root)
        .i64(s.owner);
    encode_config(&mut w, &s.config);
    w.count(s.users.len());
    for u in s.users.values() {
        encode_user(&mut w, u);
    }
    w.count(s.depts.len());
    for d in s.depts.values() {
        encode_dept(&mut w, d);
    }
    w.count(s.shared.len());
    for (scope, k) in &s.shared {
        scope.encode(&mut w);
        encode_key_ref(&mut w, k);
    }
    w.count(s.retired.len());
    for (user, past) in &s.retired {
        w.i64(*user).count(past.len());
        for p in past {
            w.fixed(&p.sign).fixed(&p.enc);
        }
    }
    w.i64s(s.exposed.iter());
    w.finish().to_vec()
}

pub(crate) fn decode_state(bytes: &[u8]) -> Option<State> {
    let mut r = Reader::new(bytes, STATE_V2)?;
    let epoch = r.i64()?;
    let head = r.fixed()?;
    let genesis = r.fixed()?;
    let root = r.fixed()?;
    let owner = r.i64()?;
    let config = decode_config(&mut r)?;
    let users = r.list(40, decode_user)?;
    // The least a department takes: two i64s and two empty strings.
    let depts = r.list(24, decode_dept)?;
    let shared = r.list(49, |r| Some((Scope::decode(r)?, decode_key_ref(r)?)))?;
    let retired = r.list(9, |r| {
        let user = r.i64()?;
        let past = r.list(64, |r| {
            Some(PastKeys {
                sign: r.fixed()?,
                enc: r.fixed()?,
            })
        })?;
        Some((user, past))
    })?;
    let exposed = r.i64s()?;
    r.done(State {
        epoch,
        head,
        genesis,
        root,
        owner,
        config,
        users: users.into_iter().map(|u| (u.id, u)).collect(),
        depts: depts.into_iter().map(|d| (d.id, d)).collect(),
        shared: shared.into_iter().collect(),
        retired: retired.into_iter().collect(),
        exposed: exposed.into_iter().collect(),
    })
}
