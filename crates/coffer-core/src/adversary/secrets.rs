//! Attack 5, rollback and header rewrite; attack 7, blind-index guessing.

use crate::api::{ListQuery, SecretUpdate};
use crate::codec;
use crate::crypto::{Aad, IndexKey, SymKey};
use crate::error::ErrorCode;
use crate::plain::{Fields, Meta};
use crate::seal::header::{Header, blob_hash};
use crate::trust::state::Scope;

use super::*;

/// Copies every row of a secret from an old copy of the vault over the
/// current one: what a writer who kept old copies can put back.
fn put_back(lab: &Lab, old: &Path, id: i64) {
    lab.raw().put_back_secret(old, id);
}

#[test]
fn an_older_copy_of_a_secret_is_a_rollback() {
    let lab = Lab::new();
    let id = lab.secret_id("FIN_DB");
    let mut mia = lab.as_user("mia-laptop", "mia");
    assert_eq!(get(&mut mia, "FIN_DB"), Ok(Some("fin-db-value".into())));
    let old = lab.snapshot("fin-db-active");
    // The key is rotated, then the admin deactivates the old secret.
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.update_secret(
        id,
        SecretUpdate {
            fields: super::value_update("rotated-value"),
            ..Default::default()
        },
    )
    .expect("rotate");
    olga.set_active(id, false).expect("deactivate");
    assert_eq!(
        get(&mut mia, "FIN_DB"),
        Ok(None),
        "mia's device saw it deactivated"
    );
    // Putting back the old, active row with the old value:
    put_back(&lab, &old, id);
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Rollback));
    assert_eq!(code(mia.reveal(id)), ErrorCode::Rollback);
    let listed = mia.list_secrets(&ListQuery::default()).expect("list");
    let row = listed.iter().find(|s| s.id == id).expect("listed");
    assert!(
        row.damaged && row.key.is_empty(),
        "shown as damaged, without its old content"
    );
    assert_eq!(
        get(&mut olga, "FIN_DB"),
        Err(ErrorCode::Rollback),
        "the admin's device too"
    );
    // A deleted secret put back is refused by the device that deleted it.
    let everyone = lab.secret_id("EVERYONE");
    let old = lab.snapshot("everyone-exists");
    olga.delete_secret(everyone, None).expect("delete");
    put_back(&lab, &old, everyone);
    assert_eq!(get(&mut olga, "EVERYONE"), Err(ErrorCode::Rollback));
}

/// The current header and content of a secret, opened with a member's
/// data key (the member is in its scope).
fn open_as(lab: &Lab, user: &str, id: i64) -> (Header, SymKey, Meta, Fields) {
    let mut v = lab.as_user(&format!("{user}-laptop"), user);
    v.read(|cx| {
        let s = crate::access::visible(cx, id)?;
        let dek = crate::record::require_dek(cx, &s)?;
        let meta = crate::record::open_meta(&dek, &s)?;
        let fields = crate::record::open_fields(&dek, &s)?;
        Ok((
            s.header.clone(),
            SymKey::from_bytes(*dek.expose_bytes()),
            meta,
            fields,
        ))
    })
    .expect("open")
}

/// Writes a header the attacker made, signed by `signer` with `key`, and
/// new ciphertexts if given.
fn rewrite(lab: &Lab, h: &Header, key: &crate::crypto::SignKey, fields_blob: Option<Vec<u8>>) {
    let body = h.encode();
    let sig = key.sign(crate::seal::header::PURPOSE, &body);
    let raw = lab.raw();
    raw.execute(
        "UPDATE secrets SET header = ?2, signature = ?3, signer_id = ?4, active = ?5 WHERE id = ?1",
        cells![h.secret_id, body, sig.to_vec(), h.signer, h.active],
    )
    .expect("rewrite");
    if let Some(f) = fields_blob {
        raw.execute(
            "UPDATE secrets SET fields = ?2 WHERE id = ?1",
            cells![h.secret_id, f],
        )
        .expect("fields");
    }
}

#[test]
fn a_member_cannot_reactivate_or_rewrite_a_secret_she_can_decrypt() {
    let lab = Lab::new();
    let id = lab.secret_id("FIN_DB");
    lab.as_user("olga-laptop", OWNER)
        .set_active(id, false)
        .expect("deactivate");
    let eve = lab.identity("eve");
    let eve_id = user_id(&lab.directory(), "eve");
    // eve is in FIN: she holds the data key. She signs a header that turns
    // the secret active again...
    let (h, _, _, _) = open_as(&lab, "eve", id);
    let mut forged = h.clone();
    forged.active = true;
    forged.revision += 1;
    forged.signer = eve_id;
    rewrite(&lab, &forged, &eve.sign, None);
    let mut mia = lab.as_user("mia-laptop", "mia");
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Integrity));
    assert_eq!(code(mia.reveal(id)), ErrorCode::Integrity);
}

/// eve's forgery of secret `id`: "eve-chose-this" sealed under its data
/// key (which she holds), and the next revision of its header naming that
/// blob, revealable, signed by eve; with her identity, to sign it.
fn eve_swaps_the_value(lab: &Lab, id: i64) -> (Identity, Header, Vec<u8>) {
    let eve = lab.identity("eve");
    let eve_id = user_id(&lab.directory(), "eve");
    let (h, dek, _, _) = open_as(lab, "eve", id);
    let fields = Fields(vec![("value".into(), SecretString::from("eve-chose-this"))]);
    let blob = dek.seal(
        &Aad::new("secrets", id, "fields", h.dek_gen),
        &codec::encode_fields(&fields),
    );
    let mut forged = h.clone();
    forged.fields_hash = blob_hash("fields", &blob);
    forged.reveal = crate::api::Reveal::Allowed;
    forged.revision += 1;
    forged.signer = eve_id;
    (eve, forged, blob)
}

#[test]
fn a_member_cannot_swap_a_value_or_make_a_write_only_secret_revealable() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    let mut wo = secret("WO_FIN", "never-shown", scope(Some(&["FIN"]), false));
    wo.reveal = crate::api::Reveal::Never;
    let id = olga.create_secret(wo).expect("write-only");
    drop(olga);
    // A new value sealed under the data key, the header naming it, reveal
    // allowed, signed by eve (not its creator, not an admin).
    let (eve, forged, blob) = eve_swaps_the_value(&lab, id);
    rewrite(&lab, &forged, &eve.sign, Some(blob.clone()));
    let mut mia = lab.as_user("mia-laptop", "mia");
    assert_eq!(
        get(&mut mia, "WO_FIN"),
        Err(ErrorCode::Integrity),
        "no swapped value"
    );
    assert_eq!(code(mia.reveal(id)), ErrorCode::Integrity);
    // Signed by the original signer's key she does not have: an outsider
    // editing the header keeps the old signature, which no longer matches.
    let lab = Lab::new();
    let id = lab.secret_id("FIN_DB");
    let (h, _, _, _) = open_as(&lab, "mia", id);
    let mut forged = h.clone();
    forged.all_depts = true;
    forged.depts.clear();
    let raw = lab.raw();
    raw.execute(
        "UPDATE secrets SET header = ?2 WHERE id = ?1",
        cells![id, forged.encode()],
    )
    .expect("edit");
    let mut max = lab.as_user("max-laptop", "max");
    assert_eq!(get(&mut max, "FIN_DB"), Ok(None), "max (OPS) gains nothing");
    let mut mia = lab.as_user("mia-laptop", "mia");
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Integrity));
}

#[test]
fn blind_indexes_are_per_scope() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.create_secret(secret(
        "PAYROLL_DB_PASSWORD",
        "fin-payroll",
        scope(Some(&["FIN"]), false),
    ))
    .expect("FIN");
    olga.create_secret(secret(
        "PAYROLL_DB_PASSWORD",
        "ops-payroll",
        scope(Some(&["OPS"]), false),
    ))
    .expect("OPS");
    drop(olga);
    let dir = lab.directory();
    let (fin, ops) = (dept_id(&dir, "FIN"), dept_id(&dir, "OPS"));
    // max (OPS) computes the blind index of the name under every key he
    // holds: none of FIN's stored indexes matches.
    let mut guesses = Vec::new();
    for scope in [Scope::All, Scope::Dept(ops)] {
        let (_, key) = lab.scope_key("max", scope);
        guesses.push(
            IndexKey::derive(&key, "coffer/blind-index/v2")
                .blind("PAYROLL_DB_PASSWORD")
                .to_vec(),
        );
    }
    let raw = lab.raw();
    let fin_key = dir.shared[&Scope::Dept(fin)].id;
    let column = |sql: &str, params: &[Cell]| -> Vec<Vec<u8>> {
        raw.rows(sql, params)
            .expect("rows")
            .iter()
            .map(|r| r[0].bytes())
            .collect()
    };
    let fin_blinds = column(
        "SELECT blind FROM secret_wraps WHERE key_id = ?1",
        cells![fin_key],
    );
    assert!(!fin_blinds.is_empty());
    for g in &guesses {
        assert!(!fin_blinds.contains(g), "max confirmed a FIN key name");
    }
    // And the same name in two scopes does not show: no two rows share a
    // blind index.
    let all = column("SELECT blind FROM secret_wraps", cells![]);
    let unique: std::collections::BTreeSet<&Vec<u8>> = all.iter().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "no blind index repeats across scopes"
    );
    let key_index = column("SELECT key_index FROM secrets", cells![]);
    let unique: std::collections::BTreeSet<&Vec<u8>> = key_index.iter().collect();
    assert_eq!(unique.len(), key_index.len());
    let mut max = lab.as_user("max-laptop", "max");
    assert_eq!(
        get(&mut max, "PAYROLL_DB_PASSWORD"),
        Ok(Some("ops-payroll".into()))
    );
}

fn stored_header(lab: &Lab, id: i64) -> Header {
    let b = lab
        .raw()
        .row("SELECT header FROM secrets WHERE id = ?1", cells![id])[0]
        .bytes();
    Header::decode(&b).expect("decode")
}

/// eve (a FIN member who writes the file) names herself the creator of an
/// admin's write-only FIN secret, swaps its value and makes it revealable.
/// Her header is one a member may sign for a secret of her own, so a device
/// that never saw the secret takes it for hers (what it shows, creator
/// eve, says so; docs/SECURITY.md, trust on first use); every device that
/// saw it knows its creator and refuses it.
#[test]
fn a_member_cannot_take_over_someone_elses_secret() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    let mut wo = secret("WO_FIN", "never-shown", scope(Some(&["FIN"]), false));
    wo.reveal = crate::api::Reveal::Never;
    let id = olga.create_secret(wo).expect("write-only");
    drop(olga);
    // mia's laptop has used it before.
    let mut mia = lab.as_user("mia-laptop", "mia");
    assert_eq!(get(&mut mia, "WO_FIN"), Ok(Some("never-shown".into())));
    let (eve, mut forged, blob) = eve_swaps_the_value(&lab, id);
    forged.creator = forged.signer;
    forged.updated_by = forged.signer;
    rewrite(&lab, &forged, &eve.sign, Some(blob));
    assert_eq!(get(&mut mia, "WO_FIN"), Err(ErrorCode::Integrity));
    assert_eq!(code(mia.reveal(id)), ErrorCode::Integrity);
    let mut olga = lab.as_user("olga-laptop", OWNER);
    assert_eq!(get(&mut olga, "WO_FIN"), Err(ErrorCode::Integrity));
    let listed = olga
        .list_secrets(&ListQuery::default())
        .expect("the rest of the list");
    assert!(
        listed.iter().any(|s| s.id == id && s.damaged),
        "shown damaged in the list"
    );
    // Even at the same revision (a header re-signed in place).
    forged.revision -= 1;
    rewrite(&lab, &forged, &eve.sign, None);
    assert_eq!(get(&mut mia, "WO_FIN"), Err(ErrorCode::Integrity));
}

/// eve (FIN) turns a deactivated OPS secret back on without being able to
/// decrypt it: she adds FIN to its departments, so she is "in scope", and
/// names herself its creator. A member scopes only to her own departments,
/// so no device accepts it, whether or not it saw the secret before.
#[test]
fn a_member_cannot_turn_on_another_departments_secret() {
    let lab = Lab::new();
    let id = lab.secret_id("OPS_KEY");
    lab.as_user("olga-laptop", OWNER)
        .set_active(id, false)
        .expect("deactivate");
    let eve = lab.identity("eve");
    let dir = lab.directory();
    let eve_id = user_id(&dir, "eve");
    let mut forged = stored_header(&lab, id);
    forged.depts.push(dept_id(&dir, "FIN"));
    forged.depts.sort();
    forged.active = true;
    forged.expires_at = None;
    forged.revision += 1;
    forged.creator = eve_id;
    forged.signer = eve_id;
    forged.updated_by = eve_id;
    rewrite(&lab, &forged, &eve.sign, None);
    for device in ["max-laptop", "max-new-laptop"] {
        let mut max = lab.as_user(device, "max");
        assert_eq!(
            get(&mut max, "OPS_KEY"),
            Err(ErrorCode::Integrity),
            "{device}"
        );
    }
}

/// mia created a shared secret; an admin deactivated it (only admins turn
/// secrets on and off). mia, who writes the file, signs it active again.
/// A device that saw it deactivated refuses that; one that never did is
/// where a rollback is undetectable too (docs/SECURITY.md).
#[test]
fn a_member_cannot_undo_a_deactivation_a_device_saw() {
    let lab = Lab::new();
    let id = lab
        .as_user("mia-laptop", "mia")
        .create_secret(secret(
            "MIA_SHARED",
            "old-rotated",
            scope(Some(&["FIN"]), false),
        ))
        .expect("create");
    lab.as_user("olga-laptop", OWNER)
        .set_active(id, false)
        .expect("deactivate");
    let mut eve = lab.as_user("eve-laptop", "eve");
    assert_eq!(get(&mut eve, "MIA_SHARED"), Ok(None), "deactivated");
    let mia = lab.identity("mia");
    let mia_id = user_id(&lab.directory(), "mia");
    let mut forged = stored_header(&lab, id);
    forged.active = true;
    forged.revision += 1;
    forged.signer = mia_id;
    forged.updated_by = mia_id;
    rewrite(&lab, &forged, &mia.sign, None);
    assert_eq!(get(&mut eve, "MIA_SHARED"), Err(ErrorCode::Integrity));
    let mut olga = lab.as_user("olga-laptop", OWNER);
    assert_eq!(get(&mut olga, "MIA_SHARED"), Err(ErrorCode::Integrity));
    // An admin turning it back on is a change a device accepts.
    let lab = Lab::new();
    let id = lab.secret_id("FIN_DB");
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.set_active(id, false).expect("deactivate");
    let mut mia = lab.as_user("mia-laptop", "mia");
    assert_eq!(get(&mut mia, "FIN_DB"), Ok(None));
    olga.set_active(id, true).expect("activate");
    assert!(get(&mut mia, "FIN_DB").expect("readable").is_some());
}

/// eve (FIN) carries her FIN secret into OPS's retrieval: she wraps its
/// data key under the all-users key she holds, adds a blind index there,
/// and signs a header that names OPS too. A member scopes only to her own
/// departments, and a data key counts only under its header's own scope
/// keys; a blind index row alone does not make a candidate.
#[test]
fn a_member_cannot_push_her_secret_into_another_department() {
    let lab = Lab::new();
    let id = lab
        .as_user("eve-laptop", "eve")
        .create_secret(secret(
            "EVERYONE",
            "eve-for-ops",
            scope(Some(&["FIN"]), false),
        ))
        .expect("eve's FIN secret");
    let eve = lab.identity("eve");
    let dir = lab.directory();
    let eve_id = user_id(&dir, "eve");
    let (h, dek, _, _) = open_as(&lab, "eve", id);
    let (all_id, all_key) = lab.scope_key("eve", Scope::All);
    let wrapped = crate::seal::wrap_dek(&all_key, id, h.dek_gen, all_id, &dek);
    let blind = crate::seal::blind(&all_key, "EVERYONE");
    lab.raw()
        .execute(
            "INSERT INTO secret_wraps (secret_id, key_id, wrapped, blind) VALUES (?1, ?2, ?3, ?4)",
            cells![id, all_id, wrapped, blind.to_vec()],
        )
        .expect("wrap under the all-users key");
    let mut max = lab.as_user("max-laptop", "max");
    // The extra row alone changes nothing: olga's value for everyone.
    assert_eq!(get(&mut max, "EVERYONE"), Ok(Some("everyone-value".into())));
    // Her header naming OPS, or only the extra wrap, is refused.
    let mut forged = h.clone();
    forged.wraps.push(all_id);
    forged.wraps.sort();
    forged.revision += 1;
    forged.signer = eve_id;
    rewrite(&lab, &forged, &eve.sign, None);
    assert_eq!(get(&mut max, "EVERYONE"), Ok(Some("everyone-value".into())));
    let mut mia = lab.as_user("mia-laptop", "mia");
    assert_eq!(
        get(&mut mia, "EVERYONE"),
        Err(ErrorCode::Integrity),
        "the FIN row is damaged"
    );
    forged.depts.push(dept_id(&dir, "OPS"));
    forged.depts.sort();
    forged.revision += 1;
    rewrite(&lab, &forged, &eve.sign, None);
    assert_eq!(get(&mut max, "EVERYONE"), Ok(Some("everyone-value".into())));
    let mut max_new = lab.as_user("max-new-laptop", "max");
    assert_eq!(
        get(&mut max_new, "EVERYONE"),
        Ok(Some("everyone-value".into()))
    );
}

/// The other side of the member rule: a member whose secret names a
/// department she is not in (she left it, or an admin added it) may no
/// longer change it, so an ordinary edit never writes a header readers
/// refuse; the secret stays readable for everyone in its scope.
#[test]
fn a_members_edit_never_damages_a_secret_wider_than_her_departments() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    let both = |depts: &[&str]| MembershipUpdate {
        departments: depts.iter().map(|d| d.to_string()).collect(),
        primary_department: Some("FIN".into()),
    };
    olga.set_memberships("mia", both(&["FIN", "OPS"]))
        .expect("mia in OPS too");
    let mut mia = lab.as_user("mia-laptop", "mia");
    let id = mia
        .create_secret(secret(
            "MIA_BOTH",
            "v1",
            scope(Some(&["FIN", "OPS"]), false),
        ))
        .expect("create in both");
    olga.set_memberships("mia", both(&["FIN"]))
        .expect("mia leaves OPS");
    let mut mia = lab.as_user("mia-laptop", "mia");
    let refused = mia.update_secret(
        id,
        SecretUpdate {
            fields: super::value_update("v2"),
            ..Default::default()
        },
    );
    assert_eq!(code(refused), ErrorCode::PermissionDenied);
    assert_eq!(get(&mut mia, "MIA_BOTH"), Ok(Some("v1".into())));
    let mut max = lab.as_user("max-laptop", "max");
    assert_eq!(
        get(&mut max, "MIA_BOTH"),
        Ok(Some("v1".into())),
        "not damaged"
    );
    // An admin still can.
    olga.update_secret(
        id,
        SecretUpdate {
            fields: super::value_update("v2"),
            ..Default::default()
        },
    )
    .expect("admin edit");
    assert_eq!(get(&mut max, "MIA_BOTH"), Ok(Some("v2".into())));
}
