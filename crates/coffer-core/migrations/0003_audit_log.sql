-- Coffer vault schema, version 3: the audit log (SPEC §6).
--
-- One row per event, appended and never changed. The plaintext columns
-- (time, actor, action, secret id, outcome, subject) serve filters only;
-- `entry` is what counts: the same facts, chained to the previous entry
-- by its hash and signed by the actor (a failed sign-in, having no
-- authenticated actor, is unsigned). A secret's key name is in `entry`
-- only sealed to those who may read it (the admins and the owner, and the
-- actor; for a private secret, the actor alone).

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL,
    action    INTEGER NOT NULL,
    secret_id INTEGER,
    outcome   INTEGER NOT NULL,
    subject   INTEGER,
    entry     BLOB    NOT NULL
);
CREATE INDEX audit_by_actor ON audit_log(actor_id, seq);
CREATE INDEX audit_by_secret ON audit_log(secret_id, seq);
CREATE INDEX audit_by_time ON audit_log(at);
