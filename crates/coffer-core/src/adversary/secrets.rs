//! Attack 5, rollback and header rewrite; attack 7, blind-index guessing.

use crate::api::{ListQuery, SecretUpdate};
use crate::codec;
use crate::crypto::{Aad, IndexKey, SymKey};
use crate::error::ErrorCode;
use crate::plain::{Fields, Meta};
use crate::seal::header::{Header, blob_hash};
use crate::trust::state::Scope;

use super::*;

/// Copies every row of a secret from an old copy of the file over the
/// current one: what a writer who kept old copies can put back.
fn put_back(lab: &Lab, old: &Path, id: i64) {
    let raw = lab.raw();
    raw.pragma_update(None, "foreign_keys", "OFF")
        .expect("no cascades");
    raw.execute("ATTACH DATABASE ?1 AS old", [old.to_string_lossy()])
        .expect("attach");
    for table in [
        "secret_wraps",
        "secret_versions",
        "usages",
        "secret_departments",
    ] {
        raw.execute(
            &format!("DELETE FROM main.{table} WHERE secret_id = ?1"),
            [id],
        )
        .expect("delete");
        raw.execute(
            &format!("INSERT INTO main.{table} SELECT * FROM old.{table} WHERE secret_id = ?1"),
            [id],
        )
        .expect("copy");
    }
    raw.execute("DELETE FROM main.secrets WHERE id = ?1", [id])
        .expect("delete");
    raw.execute(
        "INSERT INTO main.secrets SELECT * FROM old.secrets WHERE id = ?1",
        [id],
    )
    .expect("copy");
    raw.execute("DETACH DATABASE old", []).expect("detach");
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
    olga.delete_secret(everyone).expect("delete");
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
        rusqlite::params![h.secret_id, body, sig.to_vec(), h.signer, h.active],
    )
    .expect("rewrite");
    if let Some(f) = fields_blob {
        raw.execute(
            "UPDATE secrets SET fields = ?2 WHERE id = ?1",
            rusqlite::params![h.secret_id, f],
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

#[test]
fn a_member_cannot_swap_a_value_or_make_a_write_only_secret_revealable() {
    let lab = Lab::new();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    let mut wo = secret("WO_FIN", "never-shown", scope(Some(&["FIN"]), false));
    wo.reveal = crate::api::Reveal::Never;
    let id = olga.create_secret(wo).expect("write-only");
    drop(olga);
    let eve = lab.identity("eve");
    let eve_id = user_id(&lab.directory(), "eve");
    let (h, dek, _meta, _) = open_as(&lab, "eve", id);
    // A new value sealed under the data key, the header naming it, reveal
    // allowed, signed by eve (not its creator, not an admin).
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
        rusqlite::params![id, forged.encode()],
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
    let fin_blinds: Vec<Vec<u8>> = raw
        .prepare("SELECT blind FROM secret_wraps WHERE key_id = ?1")
        .expect("prep")
        .query_map([fin_key], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("blinds");
    assert!(!fin_blinds.is_empty());
    for g in &guesses {
        assert!(!fin_blinds.contains(g), "max confirmed a FIN key name");
    }
    // And the same name in two scopes does not show: no two rows share a
    // blind index.
    let all: Vec<Vec<u8>> = raw
        .prepare("SELECT blind FROM secret_wraps")
        .expect("prep")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("blinds");
    let unique: std::collections::BTreeSet<&Vec<u8>> = all.iter().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "no blind index repeats across scopes"
    );
    let key_index: Vec<Vec<u8>> = raw
        .prepare("SELECT key_index FROM secrets")
        .expect("prep")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("indexes");
    let unique: std::collections::BTreeSet<&Vec<u8>> = key_index.iter().collect();
    assert_eq!(unique.len(), key_index.len());
    let mut max = lab.as_user("max-laptop", "max");
    assert_eq!(
        get(&mut max, "PAYROLL_DB_PASSWORD"),
        Ok(Some("ops-payroll".into()))
    );
}
