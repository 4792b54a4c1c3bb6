//! The audit log (SPEC §6): who did what, to which secret, when, and with
//! what outcome, refusals included.
//!
//! Each entry names the previous one by its hash and is signed by its
//! actor's identity key, so an entry deleted, reordered, edited or
//! inserted by whoever writes the storage is found by [`verify`], which
//! names the first bad entry. A failed sign-in has no authenticated actor
//! and is the one kind of entry without a signature. What a writer of the
//! storage can still do is cut off the newest entries; each device
//! remembers the newest entry it wrote or checked, so it notices that too
//! (docs/SECURITY.md).
//!
//! A secret's key name (and a copied field's name) is as confidential here
//! as in the secrets table: it is sealed to each admin and the owner and to
//! the actor (for a private secret, to the actor alone), never stored in
//! the clear. Values are never in the log.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::api::{AuditAction, AuditEntry};
use crate::crypto::{
    Aad, Hash, Opener, SIGNATURE_LEN, SealingContext, digest, verify as verify_sig,
};
use crate::error::{Error, ErrorCode, Result};
use crate::keys::Identity;
use crate::store::device::DeviceStore;
use crate::store::{AuditFilter, AuditRow, Store};
use crate::time::Timestamp;
use crate::trust::state::State;
use crate::wire::{Reader, Writer};

const BODY_V1: u8 = b'L';
const STORED_V1: u8 = b'l';
const DETAIL_V1: u8 = b'D';
/// With the program a `run` injected the secret into.
const DETAIL_V2: u8 = b'E';
const PURPOSE: &str = "audit-entry";

/// An event to record, as an operation sees it.
#[derive(Clone)]
pub(crate) struct Event {
    pub action: AuditAction,
    pub secret: Option<i64>,
    /// The user or department an administrative action was about.
    pub subject: Option<i64>,
    /// `None` when it went through.
    pub outcome: Option<ErrorCode>,
    pub detail: Option<Detail>,
}

impl Event {
    pub(crate) fn new(action: AuditAction) -> Self {
        Self {
            action,
            secret: None,
            subject: None,
            outcome: None,
            detail: None,
        }
    }

    /// An event about a secret, naming its key for those who may read it.
    pub(crate) fn about(action: AuditAction, id: i64, key: &str, private: bool) -> Self {
        Self::new(action).secret(id).detail(Detail {
            key: key.to_string(),
            field: None,
            program: None,
            private,
        })
    }

    /// An event about a key someone asked for, which may not exist (sealed
    /// to them and the admins).
    pub(crate) fn asked(action: AuditAction, key: &str) -> Self {
        Self::new(action).detail(Detail {
            key: key.to_string(),
            field: None,
            program: None,
            private: false,
        })
    }

    /// Names the one field an event was about (a copy of one field).
    pub(crate) fn field(mut self, name: &str) -> Self {
        if let Some(d) = self.detail.as_mut() {
            d.field = Some(name.to_string());
        }
        self
    }

    /// Names the program a `run` injected the secret into.
    pub(crate) fn program(mut self, name: &str) -> Self {
        if let Some(d) = self.detail.as_mut() {
            d.program = Some(name.to_string());
        }
        self
    }

    pub(crate) fn secret(mut self, id: i64) -> Self {
        self.secret = Some(id);
        self
    }

    pub(crate) fn subject(mut self, id: i64) -> Self {
        self.subject = Some(id);
        self
    }

    pub(crate) fn detail(mut self, detail: Detail) -> Self {
        self.detail = Some(detail);
        self
    }

    pub(crate) fn refused(mut self, code: ErrorCode) -> Self {
        self.outcome = Some(code);
        self
    }
}

/// What only some may read: the key name, a copied field's name, and the
/// program a `run` was for.
#[derive(Clone)]
pub(crate) struct Detail {
    pub key: String,
    pub field: Option<String>,
    pub program: Option<String>,
    /// The secret is private: sealed to the actor alone.
    pub private: bool,
}

impl std::fmt::Debug for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Detail([redacted])")
    }
}

fn action_code(a: AuditAction) -> u8 {
    AuditAction::ALL
        .iter()
        .position(|x| *x == a)
        .map_or(0, |i| i as u8 + 1)
}

/// An action's code in the log's plaintext column (for filters).
pub(crate) fn code_of(a: AuditAction) -> i64 {
    i64::from(action_code(a))
}

fn action_of(code: i64) -> Option<AuditAction> {
    usize::try_from(code)
        .ok()
        .and_then(|c| c.checked_sub(1))
        .and_then(|i| AuditAction::ALL.get(i).copied())
}

fn outcome_code(o: Option<ErrorCode>) -> u8 {
    o.and_then(|c| ErrorCode::ALL.iter().position(|x| *x == c))
        .map_or(0, |i| i as u8 + 1)
}

fn outcome_of(code: i64) -> Option<Option<ErrorCode>> {
    match code {
        0 => Some(None),
        c => usize::try_from(c - 1)
            .ok()
            .and_then(|i| ErrorCode::ALL.get(i).copied())
            .map(Some),
    }
}

/// The signed facts of one entry.
struct Body {
    vault_id: String,
    seq: i64,
    prev: Hash,
    at: Timestamp,
    actor: i64,
    action: u8,
    secret: Option<i64>,
    outcome: u8,
    subject: Option<i64>,
    /// (recipient user id, detail sealed to them)
    sealed: Vec<(i64, Vec<u8>)>,
}

impl Body {
    fn encode(&self) -> Vec<u8> {
        let size = 96 + self.sealed.iter().map(|s| 16 + s.1.len()).sum::<usize>();
        let mut w = Writer::new(BODY_V1, size);
        w.str(&self.vault_id)
            .i64(self.seq)
            .fixed(&self.prev)
            .i64(self.at)
            .i64(self.actor)
            .u8(self.action)
            .opt_i64(self.secret)
            .u8(self.outcome)
            .opt_i64(self.subject)
            .count(self.sealed.len());
        for (to, blob) in &self.sealed {
            w.i64(*to).bytes(blob);
        }
        w.finish().to_vec()
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes, BODY_V1)?;
        let vault_id = r.str()?.to_string();
        let seq = r.i64()?;
        let prev = r.fixed()?;
        let at = r.i64()?;
        let actor = r.i64()?;
        let action = r.u8()?;
        let secret = r.opt_i64()?;
        let outcome = r.u8()?;
        let subject = r.opt_i64()?;
        let sealed = r.list(16, |r| Some((r.i64()?, r.bytes()?.to_vec())))?;
        r.done(Self {
            vault_id,
            seq,
            prev,
            at,
            actor,
            action,
            secret,
            outcome,
            subject,
            sealed,
        })
    }
}

/// An entry as stored: the body and, unless a failed sign-in, the actor's
/// signature.
struct Stored {
    body: Body,
    body_bytes: Vec<u8>,
    signature: Option<[u8; SIGNATURE_LEN]>,
}

impl Stored {
    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(STORED_V1, self.body_bytes.len() + SIGNATURE_LEN + 8);
        w.bytes(&self.body_bytes);
        match &self.signature {
            Some(s) => w.u8(1).fixed(s),
            None => w.u8(0),
        };
        w.finish().to_vec()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes, STORED_V1)?;
        let body_bytes = r.bytes()?.to_vec();
        let signature = match r.u8()? {
            0 => None,
            1 => Some(r.fixed()?),
            _ => return None,
        };
        let body = Body::decode(&body_bytes)?;
        r.done(Self {
            body,
            body_bytes,
            signature,
        })
    }
}

/// The hash that chains entries (and that devices remember).
fn entry_hash(stored: &[u8]) -> Hash {
    digest("coffer/audit-entry/v1", &[stored])
}

fn detail_aad<'a>(vault_id: &'a str, seq: i64, recipient: i64) -> Aad<'a> {
    Aad::new("audit_log", seq, "detail", recipient).with_extra(vault_id.as_bytes())
}

/// A detail's plaintext: version 1 (key, field) unless it names a program.
fn encode_detail(d: &Detail) -> zeroize::Zeroizing<Vec<u8>> {
    let version = if d.program.is_some() {
        DETAIL_V2
    } else {
        DETAIL_V1
    };
    let mut w = Writer::new(version, 16 + d.key.len());
    w.str(&d.key);
    let optional = |w: &mut Writer, text: Option<&str>| {
        match text {
            Some(text) => w.u8(1).str(text),
            None => w.u8(0),
        };
    };
    optional(&mut w, d.field.as_deref());
    if d.program.is_some() {
        optional(&mut w, d.program.as_deref());
    }
    w.finish()
}

struct Opened {
    key: String,
    field: Option<String>,
    program: Option<String>,
}

fn decode_detail(bytes: &[u8]) -> Option<Opened> {
    let v2 = bytes.first() == Some(&DETAIL_V2);
    let mut r = Reader::new(bytes, if v2 { DETAIL_V2 } else { DETAIL_V1 })?;
    let key = r.str()?.to_string();
    let mut optional = || match r.u8()? {
        0 => Some(None),
        1 => Some(Some(r.str()?.to_string())),
        _ => None,
    };
    let field = optional()?;
    let program = if v2 { optional()? } else { None };
    r.done(Opened {
        key,
        field,
        program,
    })
}

/// Who may read a detail: the actor, and (unless the secret is private)
/// every active admin and the owner.
fn recipients(dir: &State, actor: i64, private: bool) -> Vec<(i64, [u8; 32])> {
    let mut out: Vec<(i64, [u8; 32])> = Vec::new();
    let mut add = |id: i64| {
        if let Some(pk) = dir.user(id).and_then(|u| u.enc_key())
            && !out.iter().any(|(r, _)| *r == id)
        {
            out.push((id, *pk));
        }
    };
    add(actor);
    if !private {
        let mut admins: Vec<i64> = dir
            .users
            .values()
            .filter(|u| u.is_active() && u.role.is_admin())
            .map(|u| u.id)
            .collect();
        admins.sort_unstable();
        for id in admins {
            add(id);
        }
    }
    out
}

/// Who signs new entries and seals their details: the signed-in user's
/// keys (`None` only for a failed sign-in).
pub(crate) type Signer<'a> = Option<&'a Identity>;

/// Seals details to their readers. Each reader gets one sealing context
/// per batch (one HPKE encapsulation), through which every entry's detail
/// is sealed under its own exported key: an import of 10,000 secrets costs
/// one public-key operation per reader, not one per entry and reader.
struct Sealer<'a> {
    me: &'a Identity,
    vault_id: &'a str,
    /// The readers of a shared secret's detail, and of a private one's.
    shared: Vec<(i64, [u8; 32])>,
    private: Vec<(i64, [u8; 32])>,
    contexts: HashMap<i64, SealingContext>,
}

impl<'a> Sealer<'a> {
    fn new(me: &'a Identity, dir: &State, actor: i64, vault_id: &'a str) -> Self {
        Self {
            me,
            vault_id,
            shared: recipients(dir, actor, false),
            private: recipients(dir, actor, true),
            contexts: HashMap::new(),
        }
    }

    fn seal(&mut self, seq: i64, d: &Detail) -> Result<Vec<(i64, Vec<u8>)>> {
        let plain = encode_detail(d);
        let readers = if d.private {
            &self.private
        } else {
            &self.shared
        };
        let mut out = Vec::with_capacity(readers.len());
        for &(to, pk) in readers {
            let unusable =
                |_| Error::Integrity(format!("the public key of user #{to} is unusable"));
            let ctx = match self.contexts.entry(to) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    e.insert(self.me.enc.sealing_context_to(&pk).map_err(unusable)?)
                }
            };
            let blob = ctx
                .seal(&detail_aad(self.vault_id, seq, to), &plain)
                .map_err(unusable)?;
            out.push((to, blob));
        }
        Ok(out)
    }
}

/// Appends `events` in one go (inside the caller's write transaction) and
/// returns the newest entry's (sequence number, hash) for this device to
/// remember. `actor` is who acted (for a failed sign-in, the account tried,
/// or 0).
pub(crate) fn append(
    db: &dyn Store,
    dir: &State,
    device: &DeviceStore,
    actor: i64,
    signer: Signer,
    at: Timestamp,
    events: &[Event],
) -> Result<Option<(i64, Hash)>> {
    let vault_id = dir.config.vault_id.as_str();
    let (mut seq, mut prev) = latest(db)?;
    check_not_cut(db, device, vault_id, seq, prev)?;
    let mut sealer = signer.map(|me| Sealer::new(me, dir, actor, vault_id));
    let mut head = None;
    for e in events {
        seq += 1;
        let sealed = match (&e.detail, sealer.as_mut()) {
            (Some(d), Some(sealer)) => sealer.seal(seq, d)?,
            _ => Vec::new(),
        };
        let body = Body {
            vault_id: vault_id.to_string(),
            seq,
            prev,
            at,
            actor,
            action: action_code(e.action),
            secret: e.secret,
            outcome: outcome_code(e.outcome),
            subject: e.subject,
            sealed,
        };
        let body_bytes = body.encode();
        let signature = signer.map(|me| me.sign.sign(PURPOSE, &body_bytes));
        let stored = Stored {
            body,
            body_bytes,
            signature,
        }
        .to_bytes();
        db.audit_append(&AuditRow {
            seq,
            at,
            actor,
            action: i64::from(action_code(e.action)),
            secret: e.secret,
            outcome: i64::from(outcome_code(e.outcome)),
            subject: e.subject,
            entry: stored.clone(),
        })?;
        prev = entry_hash(&stored);
        head = Some((seq, prev));
    }
    Ok(head)
}

/// The newest entry's number and hash ((0, zeros) for an empty log).
fn latest(db: &dyn Store) -> Result<(i64, Hash)> {
    Ok(match db.audit_latest()? {
        Some((seq, bytes)) => (seq, entry_hash(&bytes)),
        None => (0, [0; 32]),
    })
}

/// Refuses a log that lacks `seen`, the newest entry this device wrote or
/// checked (a sign-in checks this before anything else). `seen` must be
/// read from the device before the transaction this runs in: read inside
/// its snapshot, it could name an entry another process on this device
/// committed after the snapshot was taken.
pub(crate) fn check_head(db: &dyn Store, seen: Option<(i64, Hash)>) -> Result<()> {
    let (top, hash) = latest(db)?;
    check_seen(db, seen, top, hash)
}

/// Refuses a log shorter than (or different from) what this device has
/// seen: someone cut off or replaced its newest entries.
/// `top`/`top_hash`: the newest entry's number and hash, as just read.
fn check_not_cut(
    db: &dyn Store,
    device: &DeviceStore,
    vault_id: &str,
    top: i64,
    top_hash: Hash,
) -> Result<()> {
    check_seen(db, device.audit_head(vault_id)?, top, top_hash)
}

fn check_seen(db: &dyn Store, seen: Option<(i64, Hash)>, top: i64, top_hash: Hash) -> Result<()> {
    let Some((seen, hash)) = seen else {
        return Ok(());
    };
    let same = match seen.cmp(&top) {
        std::cmp::Ordering::Equal => top_hash == hash,
        std::cmp::Ordering::Less => db
            .audit_entry(seen)?
            .is_some_and(|bytes| entry_hash(&bytes) == hash),
        std::cmp::Ordering::Greater => false,
    };
    if same {
        Ok(())
    } else {
        Err(Error::Rollback(format!(
            "the audit log ends before entry {seen}, which this device wrote or checked, or differs \
             from it: someone cut off or replaced its newest entries"
        )))
    }
}

/// Checks the whole log: every entry in place, chained to the one before,
/// signed by its actor (a failed sign-in unsigned, and only that), and the
/// plaintext columns saying what the entry says; and the log not shorter
/// than this device has seen. Returns (entries, newest (seq, hash)).
pub(crate) fn verify(
    db: &dyn Store,
    dir: &State,
    device: &DeviceStore,
) -> Result<(i64, Option<(i64, Hash)>)> {
    let vault_id = dir.config.vault_id.as_str();
    let mut prev = [0u8; 32];
    let mut expected = 1;
    let mut head = None;
    // How many times each user has replaced their keys so far in the log:
    // their entries are signed with the keys they had then, and their own
    // "keys replaced" entry is the first under the new ones.
    let mut replaced: HashMap<i64, usize> = HashMap::new();
    loop {
        let rows = db.audit_since(expected - 1, 2048)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let bad =
                |why: &str| Error::Integrity(format!("the audit log's entry {} ({why})", row.seq));
            if row.seq != expected {
                return Err(Error::Integrity(format!(
                    "the audit log's entry {expected} (missing: the log jumps to entry {})",
                    row.seq
                )));
            }
            let stored = Stored::from_bytes(&row.entry).ok_or_else(|| bad("unreadable"))?;
            let b = &stored.body;
            if b.vault_id != vault_id || b.seq != row.seq {
                return Err(bad("it belongs elsewhere"));
            }
            if b.prev != prev {
                return Err(bad("it does not follow the entry before it"));
            }
            let columns_match = b.at == row.at
                && b.actor == row.actor
                && i64::from(b.action) == row.action
                && b.secret == row.secret
                && i64::from(b.outcome) == row.outcome
                && b.subject == row.subject;
            if !columns_match {
                return Err(bad("its columns were changed"));
            }
            let action = action_of(i64::from(b.action)).ok_or_else(|| bad("an unknown action"))?;
            if outcome_of(i64::from(b.outcome)).is_none() {
                return Err(bad("an unknown outcome"));
            }
            match (&stored.signature, action) {
                (None, AuditAction::SignInFailed) => {}
                (None, _) => return Err(bad("not signed")),
                (Some(sig), _) => {
                    let turn = replaced.entry(b.actor).or_default();
                    if action == AuditAction::KeysReplaced {
                        *turn += 1;
                    }
                    let key = signing_key_at(dir, b.actor, *turn)
                        .ok_or_else(|| bad("signed by someone the directory does not know"))?;
                    verify_sig(key, PURPOSE, &stored.body_bytes, sig)
                        .map_err(|_| bad("its signature does not check out"))?;
                }
            }
            prev = entry_hash(&row.entry);
            head = Some((row.seq, prev));
            expected += 1;
        }
    }
    // A change of keys the directory records but the log does not is a log
    // rewritten from before it (by someone holding the old keys).
    for (user, past) in &dir.retired {
        if replaced.get(user).copied().unwrap_or(0) != past.len() {
            return Err(Error::Integrity(format!(
                "the audit log (it lacks a change of keys the directory records, by user #{user})"
            )));
        }
    }
    check_not_cut(db, device, vault_id, expected - 1, prev)?;
    Ok((expected - 1, head))
}

/// Where in the log each user who replaced their keys did so: the
/// positions of their "keys-replaced" entries, each signed with the key it
/// introduces (an entry signed with an older key is not one). Entries
/// before the first are checked against the user's first key, and so on:
/// an old key signs nothing after its replacement.
fn key_switches(db: &dyn Store, dir: &State) -> Result<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    if dir.retired.is_empty() {
        return Ok(out);
    }
    let mut rows = db.audit_rows(&AuditFilter {
        actor: None,
        action: Some(code_of(AuditAction::KeysReplaced)),
        secret: None,
        since: None,
        until: None,
        before: None,
        limit: usize::MAX,
    })?;
    rows.sort_by_key(|r| r.seq);
    for row in rows {
        let Some(stored) = Stored::from_bytes(&row.entry) else {
            continue;
        };
        let (b, Some(sig)) = (&stored.body, &stored.signature) else {
            continue;
        };
        let at = out.entry(b.actor).or_default();
        let genuine = b.seq == row.seq
            && action_of(i64::from(b.action)) == Some(AuditAction::KeysReplaced)
            && signing_key_at(dir, b.actor, at.len() + 1)
                .is_some_and(|k| verify_sig(k, PURPOSE, &stored.body_bytes, sig).is_ok());
        if genuine {
            at.push(row.seq);
        }
    }
    Ok(out)
}

/// Whether `body`, the entry at `seq`, is signed by `actor` with the key
/// they had at that point of the log (`switches`: see [`key_switches`]).
fn signed_then(
    dir: &State,
    switches: &HashMap<i64, Vec<i64>>,
    seq: i64,
    actor: i64,
    body: &[u8],
    sig: &crate::crypto::Signature,
) -> bool {
    let turn = switches
        .get(&actor)
        .map_or(0, |at| at.iter().filter(|s| **s <= seq).count());
    signing_key_at(dir, actor, turn).is_some_and(|k| verify_sig(k, PURPOSE, body, sig).is_ok())
}

/// The key `user` signed with after replacing their keys `turn` times.
fn signing_key_at(dir: &State, user: i64, turn: usize) -> Option<&crate::crypto::SignPublic> {
    let past = dir.past_keys(user);
    match past.get(turn) {
        Some(p) => Some(&p.sign),
        None if turn == past.len() => dir.user(user).and_then(|u| u.sign_key()),
        None => None,
    }
}

/// Whether the log records, in an entry signed by its actor, that secret
/// `id` was deleted by someone who may have: an admin or the owner, or
/// `creator` (its creator as this device last saw it). A row that vanished
/// without one was removed from the storage by its writer.
pub(crate) fn records_delete(
    db: &dyn Store,
    dir: &State,
    id: i64,
    creator: Option<i64>,
) -> Result<bool> {
    let filter = AuditFilter {
        actor: None,
        action: Some(code_of(AuditAction::Delete)),
        secret: Some(id),
        since: None,
        until: None,
        before: None,
        limit: 64,
    };
    let vault_id = dir.config.vault_id.as_str();
    let switches = key_switches(db, dir)?;
    Ok(db.audit_rows(&filter)?.iter().any(|row| {
        let Some(stored) = Stored::from_bytes(&row.entry) else {
            return false;
        };
        let b = &stored.body;
        let Some(sig) = &stored.signature else {
            return false;
        };
        let may = creator == Some(b.actor) || dir.user(b.actor).is_some_and(|u| u.role.is_admin());
        may && b.vault_id == vault_id
            && b.secret == Some(id)
            && action_of(i64::from(b.action)) == Some(AuditAction::Delete)
            && outcome_of(i64::from(b.outcome)) == Some(None)
            && signed_then(dir, &switches, row.seq, b.actor, &stored.body_bytes, sig)
    }))
}

/// Entries matching `filter`, newest first, as `me` may read them: key
/// names opened when they were sealed to `me`. Each entry's signature is
/// checked; one that fails is listed as damaged (its facts unverified).
pub(crate) fn read(
    db: &dyn Store,
    dir: &State,
    filter: &AuditFilter,
    me: i64,
    my_keys: &Identity,
) -> Result<Vec<AuditEntry>> {
    let vault_id = dir.config.vault_id.as_str();
    let names = dir.usernames();
    let codes = dir.dept_codes();
    let name = |id: i64| {
        names.get(&id).cloned().unwrap_or_else(|| {
            if id == 0 {
                "unknown".into()
            } else {
                format!("#{id}")
            }
        })
    };
    let mut out = Vec::new();
    // The current key first, then the keys `me` replaced (details sealed
    // to them before).
    let mut openers: Vec<Opener> = std::iter::once(&my_keys.enc)
        .chain(my_keys.past.iter().rev())
        .map(Opener::new)
        .collect();
    let switches = key_switches(db, dir)?;
    for row in db.audit_rows(filter)? {
        let stored = Stored::from_bytes(&row.entry);
        let authentic = stored.as_ref().is_some_and(|s| {
            let b = &s.body;
            let signed_ok = match &s.signature {
                None => action_of(i64::from(b.action)) == Some(AuditAction::SignInFailed),
                Some(sig) => signed_then(dir, &switches, row.seq, b.actor, &s.body_bytes, sig),
            };
            signed_ok
                && b.vault_id == vault_id
                && b.seq == row.seq
                && b.at == row.at
                && b.actor == row.actor
                && i64::from(b.action) == row.action
                && b.secret == row.secret
                && i64::from(b.outcome) == row.outcome
                && b.subject == row.subject
        });
        let detail = stored
            .as_ref()
            .filter(|_| authentic)
            .and_then(|s| {
                let (_, blob) = s.body.sealed.iter().find(|(to, _)| *to == me)?;
                let aad = detail_aad(vault_id, row.seq, me);
                openers.iter_mut().find_map(|opener| {
                    dir.enc_keys_of(s.body.actor)
                        .find_map(|sender| opener.open_from(sender, &aad, blob).ok())
                })
            })
            .and_then(|plain| decode_detail(&plain));
        let subject = row.subject.map(|id| match action_of(row.action) {
            Some(AuditAction::DepartmentAdd | AuditAction::DepartmentRename) => {
                codes.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
            }
            _ => name(id),
        });
        let (key, field, program) =
            detail.map_or((None, None, None), |d| (Some(d.key), d.field, d.program));
        out.push(AuditEntry {
            seq: row.seq,
            at: row.at,
            user: name(row.actor),
            action: action_of(row.action),
            secret_id: row.secret,
            key,
            field,
            program,
            subject,
            outcome: outcome_of(row.outcome).flatten(),
            authentic,
        });
    }
    Ok(out)
}

/// Remembers, on this device, the newest entry it wrote or checked.
pub(crate) fn remember(device: &DeviceStore, vault_id: &str, head: (i64, Hash)) -> Result<()> {
    device.set_audit_head(vault_id, head.0, &head.1)
}

/// Users by name, for filters.
pub(crate) fn user_ids(dir: &State) -> HashMap<String, i64> {
    dir.users
        .values()
        .map(|u| (u.username.to_lowercase(), u.id))
        .collect()
}

#[cfg(test)]
mod tests {
    //! The audit log against the core: what it records, who reads what,
    //! and (as a writer of the storage) that every change to it is found.

    use secrecy::SecretString;

    use crate::adversary::{Cell, Lab, OWNER, cells};
    use crate::api::{AuditAction as A, AuditEntry, AuditQuery};
    use crate::error::ErrorCode;
    use crate::vault::Vault;

    fn all(v: &mut Vault) -> Vec<AuditEntry> {
        v.audit_log(&AuditQuery {
            limit: Some(5_000),
            ..Default::default()
        })
        .expect("read the log")
    }

    fn has(log: &[AuditEntry], user: &str, action: A, key: Option<&str>) -> bool {
        log.iter().any(|e| {
            e.user == user
                && e.action == Some(action)
                && e.authentic
                && (key.is_none() || e.key.as_deref() == key)
        })
    }

    fn code<T: std::fmt::Debug>(r: crate::error::Result<T>) -> ErrorCode {
        r.expect_err("must fail").code()
    }

    #[test]
    fn reads_changes_and_refusals_are_recorded_for_the_right_readers() {
        let lab = Lab::new();
        let fin = lab.secret_id("FIN_DB");
        let ops = lab.secret_id("OPS_KEY");
        let private = lab.secret_id("MIA_PRIVATE");
        let mut mia = lab.as_user("mia-laptop", "mia");
        mia.reveal(fin).expect("reveal");
        mia.copy_value(fin, "value").expect("copy");
        mia.get_secret("FIN_DB", None).expect("get").expect("found");
        assert!(mia.get_secret("NO_SUCH_KEY", None).expect("miss").is_none());
        assert_eq!(code(mia.reveal(ops)), ErrorCode::NotFound);
        mia.reveal(private).expect("her own");
        // A wrong password, then olga's administrative work.
        assert!(
            lab.open("mia-laptop")
                .unlock_with_password("mia", &SecretString::from("not-her-password"))
                .is_err()
        );
        let mut olga = lab.as_user("olga-laptop", OWNER);
        olga.set_active(fin, false).expect("deactivate");
        olga.set_active(fin, true).expect("activate");
        olga.add_department("LEGAL", "Legal").expect("dept");

        let log = all(&mut olga);
        assert!(log.iter().all(|e| e.authentic));
        assert!(has(&log, "mia", A::SignIn, None));
        assert!(has(&log, "mia", A::Reveal, Some("FIN_DB")));
        assert!(has(&log, "mia", A::Get, Some("FIN_DB")));
        let copy = log
            .iter()
            .find(|e| e.user == "mia" && e.action == Some(A::Copy))
            .expect("copy recorded");
        assert_eq!(
            (copy.secret_id, copy.field.as_deref(), copy.outcome),
            (Some(fin), Some("value"), None)
        );
        let miss = log
            .iter()
            .find(|e| e.action == Some(A::Get) && e.key.as_deref() == Some("NO_SUCH_KEY"))
            .expect("a miss is recorded");
        assert_eq!(
            (miss.secret_id, miss.outcome),
            (None, Some(ErrorCode::NotFound))
        );
        let refused = log
            .iter()
            .find(|e| e.user == "mia" && e.action == Some(A::Reveal) && e.secret_id == Some(ops))
            .expect("the refusal is recorded");
        assert_eq!(refused.outcome, Some(ErrorCode::NotFound));
        assert!(
            log.iter()
                .any(|e| e.user == "mia" && e.action == Some(A::SignInFailed))
        );
        assert!(has(&log, OWNER, A::Deactivate, Some("FIN_DB")));
        assert!(has(&log, OWNER, A::Activate, Some("FIN_DB")));
        assert!(
            log.iter().any(
                |e| e.action == Some(A::DepartmentAdd) && e.subject.as_deref() == Some("LEGAL")
            )
        );
        // A private secret's key is for its creator alone: olga sees that
        // mia revealed something, not what.
        let hers = log
            .iter()
            .find(|e| e.action == Some(A::Reveal) && e.secret_id == Some(private))
            .expect("recorded");
        assert_eq!(hers.key, None);
        // Newest first, numbered without gaps.
        assert!(log.windows(2).all(|w| w[0].seq == w[1].seq + 1));

        // A member reads her own entries, with her own private key names,
        // and nobody else's.
        let mine = all(&mut mia);
        assert!(!mine.is_empty() && mine.iter().all(|e| e.user == "mia"));
        assert!(
            mine.iter()
                .any(|e| e.secret_id == Some(private) && e.key.as_deref() == Some("MIA_PRIVATE"))
        );
        assert_eq!(
            code(mia.audit_log(&AuditQuery {
                user: Some(OWNER.into()),
                ..Default::default()
            })),
            ErrorCode::PermissionDenied
        );
        assert_eq!(code(mia.verify_audit()), ErrorCode::PermissionDenied);
        // Filters.
        let reveals = olga
            .audit_log(&AuditQuery {
                action: Some(A::Reveal),
                secret_id: Some(fin),
                ..Default::default()
            })
            .expect("filtered");
        assert!(!reveals.is_empty());
        assert!(
            reveals
                .iter()
                .all(|e| e.action == Some(A::Reveal) && e.secret_id == Some(fin))
        );
        assert!(olga.verify_audit().expect("sound").entries >= log.len() as i64);
    }

    #[test]
    fn the_log_holds_no_value_and_no_key_name_in_the_clear() {
        let lab = Lab::new();
        let mut mia = lab.as_user("mia-laptop", "mia");
        mia.get_secret("FIN_DB", None).expect("get");
        let rows = lab
            .raw()
            .rows(
                "SELECT at, actor_id, action, secret_id, outcome, subject, entry FROM audit_log",
                cells![],
            )
            .expect("rows");
        assert!(rows.len() > 5);
        // Every column as text, blobs as hex (what a dump of the table shows).
        let dump: String = rows
            .iter()
            .flatten()
            .map(|c| match c {
                Cell::Null => "NULL".to_string(),
                Cell::Int(v) => v.to_string(),
                Cell::Text(t) => t.clone(),
                Cell::Bytes(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
            })
            .collect();
        for needle in [
            "FIN_DB",
            "fin-db-value",
            "MIA_PRIVATE",
            "mia-private-value",
            "value",
        ] {
            let hex: String = needle.bytes().map(|b| format!("{b:02X}")).collect();
            assert!(
                !dump.contains(needle) && !dump.contains(&hex),
                "{needle} is in the log in the clear"
            );
        }
    }

    /// The number of the first bad entry, from `--verify`'s error.
    fn first_bad(lab: &Lab, device: &str) -> (ErrorCode, String) {
        let mut olga = lab.as_user(device, OWNER);
        let err = olga.verify_audit().expect_err("tampering is found");
        (err.code(), err.to_string())
    }

    #[test]
    fn a_deleted_reordered_edited_or_forged_entry_is_found_and_named() {
        let lab = Lab::new();
        let mut mia = lab.as_user("mia-laptop", "mia");
        for _ in 0..3 {
            mia.get_secret("FIN_DB", None).expect("get");
        }
        let top = lab.raw().int("SELECT max(seq) FROM audit_log", cells![]);
        drop(mia);
        // Each attack is undone before the next, as the rows were.
        let columns = crate::store::copy::columns_of("audit_log");
        let saved = lab.raw().table_rows("audit_log", columns).expect("rows");
        let restore = || {
            let raw = lab.raw();
            raw.execute("DELETE FROM audit_log", cells![])
                .expect("clear");
            raw.insert_rows("audit_log", columns, &saved)
                .expect("put back");
        };
        let mid = top - 3;
        // Deleted.
        lab.raw()
            .execute("DELETE FROM audit_log WHERE seq = ?1", cells![mid])
            .expect("delete");
        let (c, msg) = first_bad(&lab, "probe-1");
        assert_eq!(c, ErrorCode::Integrity);
        assert!(msg.contains(&format!("entry {mid} ")), "{msg}");
        restore();
        // Two entries swapped.
        let raw = lab.raw();
        for (from, to) in [(mid, -1), (mid + 1, mid), (-1, mid + 1)] {
            raw.execute(
                "UPDATE audit_log SET seq = ?2 WHERE seq = ?1",
                cells![from, to],
            )
            .expect("swap");
        }
        drop(raw);
        let (c, msg) = first_bad(&lab, "probe-2");
        assert_eq!(c, ErrorCode::Integrity);
        assert!(msg.contains(&format!("entry {mid} ")), "{msg}");
        restore();
        // A plaintext column edited (the action shown to filters).
        lab.raw()
            .execute(
                "UPDATE audit_log SET action = CASE action WHEN 5 THEN 6 ELSE 5 END WHERE seq = ?1",
                cells![mid],
            )
            .expect("edit");
        let (c, msg) = first_bad(&lab, "probe-3");
        assert_eq!(c, ErrorCode::Integrity);
        assert!(msg.contains(&format!("entry {mid} ")), "{msg}");
        let mut olga = lab.as_user("probe-3", OWNER);
        let listed = all(&mut olga);
        assert!(listed.iter().any(|e| e.seq == mid && !e.authentic));
        restore();
        // One byte of the signed entry flipped.
        let raw = lab.raw();
        let mut entry =
            raw.row("SELECT entry FROM audit_log WHERE seq = ?1", cells![mid])[0].bytes();
        entry[40] ^= 0xFF;
        raw.execute(
            "UPDATE audit_log SET entry = ?2 WHERE seq = ?1",
            cells![mid, entry],
        )
        .expect("flip");
        drop(raw);
        let (c, msg) = first_bad(&lab, "probe-4");
        assert_eq!(c, ErrorCode::Integrity);
        assert!(msg.contains(&format!("entry {mid} ")), "{msg}");
        restore();
        // Eve, a member who writes the file, appends an entry in olga's
        // name, signed with her own key.
        let eve = lab.identity("eve");
        forge(&lab, OWNER, Some(&eve), A::UserRole);
        let forged = lab.raw().int("SELECT max(seq) FROM audit_log", cells![]);
        let (c, msg) = first_bad(&lab, "probe-5");
        assert_eq!(c, ErrorCode::Integrity);
        assert!(msg.contains(&format!("entry {forged} ")), "{msg}");
        assert!(msg.contains("signature"), "{msg}");
        restore();
        // Back as it was: sound.
        assert!(lab.as_user("probe-6", OWNER).verify_audit().is_ok());
    }

    #[test]
    fn a_log_cut_short_is_noticed_by_a_device_that_saw_more() {
        let lab = Lab::new();
        let mut mia = lab.as_user("mia-laptop", "mia");
        mia.get_secret("FIN_DB", None).expect("get");
        let top = lab.raw().int("SELECT max(seq) FROM audit_log", cells![]);
        lab.raw()
            .execute("DELETE FROM audit_log WHERE seq >= ?1", cells![top - 1])
            .expect("cut");
        // Mia's device wrote the newest entry: her next action refuses to
        // write after a log that lost it.
        assert_eq!(code(mia.get_secret("FIN_DB", None)), ErrorCode::Rollback);
        // A device that never saw those entries cannot tell (docs/SECURITY.md).
        assert!(lab.as_user("fresh-device", OWNER).verify_audit().is_ok());
    }

    #[test]
    fn wrong_passwords_are_recorded_unsigned_and_only_those_may_be() {
        let lab = Lab::new();
        for _ in 0..2 {
            let _ = lab
                .open("mia-laptop")
                .unlock_with_password("mia", &SecretString::from("guess-guess-guess"));
        }
        let _ = lab
            .open("mia-laptop")
            .unlock_with_password("nobody", &SecretString::from("guess-guess-guess"));
        let mut olga = lab.as_user("olga-laptop", OWNER);
        let failed: Vec<AuditEntry> = all(&mut olga)
            .into_iter()
            .filter(|e| e.action == Some(A::SignInFailed))
            .collect();
        assert_eq!(failed.len(), 3);
        assert!(failed.iter().all(|e| e.authentic && e.outcome.is_some()));
        assert_eq!(failed.iter().filter(|e| e.user == "mia").count(), 2);
        assert!(olga.verify_audit().is_ok());
        // Anyone who writes the file can add a failed sign-in (SECURITY.md
        // says so), but no unsigned entry of any other kind.
        forge(&lab, OWNER, None, A::Reveal);
        let (c, msg) = first_bad(&lab, "probe");
        assert_eq!(c, ErrorCode::Integrity);
        assert!(msg.contains("not signed"), "{msg}");
    }

    /// Appends an entry in `user`'s name straight into the file, as a
    /// writer of the storage would, signed with `key` (or unsigned).
    fn forge(lab: &Lab, user: &str, key: Option<&crate::keys::Identity>, action: A) {
        let dir = lab.directory();
        let id = dir.user_named(user).expect("user").id;
        let scratch = tempfile::tempdir().expect("tempdir");
        let device = crate::store::device::DeviceStore::open(scratch.path()).expect("device");
        let raw = lab.raw();
        super::append(
            &*raw,
            &dir,
            &device,
            id,
            key,
            crate::time::now_ms(),
            &[super::Event::new(action)],
        )
        .expect("forge");
    }

    /// Entries written before `run` existed keep their format (version 1);
    /// a run's detail adds the program (version 2); both open.
    #[test]
    fn details_of_both_versions_open() {
        use super::{DETAIL_V1, DETAIL_V2, Detail, decode_detail, encode_detail};
        for (program, version) in [(None, DETAIL_V1), (Some("psql"), DETAIL_V2)] {
            let d = Detail {
                key: "DB_PASSWORD".into(),
                field: Some("password".into()),
                program: program.map(String::from),
                private: false,
            };
            let bytes = encode_detail(&d);
            assert_eq!(bytes[0], version);
            let o = decode_detail(&bytes).expect("opens");
            assert_eq!(
                (o.key.as_str(), o.field.as_deref(), o.program.as_deref()),
                ("DB_PASSWORD", Some("password"), program)
            );
            assert!(decode_detail(&bytes[..bytes.len() - 1]).is_none());
        }
    }
}
