//! Steering retrieval by losing rows: the writer of the storage deletes the
//! most specific match for a key (or spoils its blind index, or its wrap)
//! so that `get` answers with the next one, here a value `eve`, a member of
//! FIN, put at the all-departments scope: a phishing URL, a key she knows.
//! A device that answered the key before notices; one that never did
//! cannot (see "Trust on first use" in docs/SECURITY.md).

use crate::api::AuditAction;
use crate::audit::Event;

use super::*;

/// A lab where eve has planted FIN_DB for everyone, and mia's laptop has
/// fetched FIN_DB (FIN's, the most specific for her) once.
fn planted() -> (Lab, Vault, i64) {
    let lab = Lab::new();
    let fin_db = lab.secret_id("FIN_DB");
    lab.as_user("eve-laptop", "eve")
        .create_secret(secret("FIN_DB", "eve-phish", scope(None, false)))
        .expect("eve's own, everyone's FIN_DB");
    let mut mia = lab.as_user("mia-laptop", "mia");
    assert_eq!(get(&mut mia, "FIN_DB"), Ok(Some("fin-db-value".into())));
    (lab, mia, fin_db)
}

#[test]
fn deleting_the_most_specific_match_is_noticed_by_a_device_that_fetched_it() {
    let (lab, mut mia, fin_db) = planted();
    remove_secret(&lab, fin_db);
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Integrity));
    // Also in a new session on that laptop, and through `coffer run`'s
    // lookup.
    let mut again = lab.as_user("mia-laptop", "mia");
    assert_eq!(get(&mut again, "FIN_DB"), Err(ErrorCode::Integrity));
    // The limit: a device that never fetched it cannot tell.
    let mut fresh = lab.as_user("mia-new-laptop", "mia");
    assert_eq!(get(&mut fresh, "FIN_DB"), Ok(Some("eve-phish".into())));
}

#[test]
fn spoiling_the_blind_index_or_the_wrap_of_the_match_is_noticed() {
    let (lab, mut mia, fin_db) = planted();
    lab.raw()
        .execute(
            "UPDATE secret_wraps SET blind = ?1 WHERE secret_id = ?2",
            cells![vec![0u8; 32], fin_db],
        )
        .expect("spoil");
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Integrity));

    let (lab, mut mia, fin_db) = planted();
    lab.raw()
        .execute(
            "DELETE FROM secret_wraps WHERE secret_id = ?1",
            cells![fin_db],
        )
        .expect("unwrap");
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Integrity));
}

#[test]
fn a_delete_or_rename_someone_may_make_is_no_alarm() {
    let (lab, mut mia, fin_db) = planted();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.delete_secret(fin_db, None)
        .expect("an admin deletes it");
    assert_eq!(get(&mut mia, "FIN_DB"), Ok(Some("eve-phish".into())));

    let (lab, mut mia, fin_db) = planted();
    let mut olga = lab.as_user("olga-laptop", OWNER);
    olga.update_secret(
        fin_db,
        crate::api::SecretUpdate {
            key: Some("FIN_DB_OLD".into()),
            ..Default::default()
        },
    )
    .expect("an admin renames it");
    assert_eq!(get(&mut mia, "FIN_DB"), Ok(Some("eve-phish".into())));
    assert_eq!(get(&mut mia, "FIN_DB_OLD"), Ok(Some("fin-db-value".into())));
}

#[test]
fn a_delete_recorded_by_someone_who_may_not_delete_it_is_not_enough() {
    let (lab, mut mia, fin_db) = planted();
    // Eve signs a log entry saying the secret was deleted, and deletes it.
    forge_audit(&lab, "eve", &lab.identity("eve"), &[deleted(fin_db)]);
    remove_secret(&lab, fin_db);
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Integrity));
}

#[test]
fn a_delete_signed_with_an_admins_replaced_key_is_not_enough() {
    let (lab, mut mia, fin_db) = planted();
    // The thief took olga's laptop; she has since replaced her keys.
    let old = lab.identity(OWNER);
    replace_keys(&lab, "olga-desktop", OWNER, "olga-new-password-2");
    forge_audit(&lab, OWNER, &old, &[deleted(fin_db)]);
    remove_secret(&lab, fin_db);
    assert_eq!(get(&mut mia, "FIN_DB"), Err(ErrorCode::Integrity));
}

/// The audit log's record of FIN_DB's deletion.
fn deleted(id: i64) -> Event {
    Event::about(AuditAction::Delete, id, "FIN_DB", false)
}
