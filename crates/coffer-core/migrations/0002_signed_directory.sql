-- Coffer vault schema, version 2: trust rooted in keys (SPEC §7.9).
--
-- The storage is no longer trusted with anything but keeping bytes. What
-- policy relies on is signed by whoever made it:
-- - directory_log holds every change to users, departments, configuration
--   and current keys, each entry signed and chained to the one before. The
--   plaintext columns of users and departments are kept for lookups only;
--   devices believe the log.
-- - a secret's header (scope, creator, state, version, data-key generation,
--   hashes of its ciphertexts) is a signed blob; its plaintext columns are
--   kept for lookups only.
-- - key grants are sealed in HPKE auth mode, naming their sender.
-- - blind indexes are keyed per scope key (secret_wraps.blind).
--
-- A vault of format 1 is upgraded in two steps: this migration adds the
-- columns; the owner's next sign-in signs the directory and re-seals every
-- shared secret; every other user makes their own keys at their next
-- sign-in.

CREATE TABLE directory_log (
    epoch INTEGER PRIMARY KEY,
    entry BLOB    NOT NULL
);

-- Format-1 accounts being upgraded: a one-time enrollment key, sealed by
-- the owner to the account's old public key.
ALTER TABLE users ADD COLUMN enroll_seal BLOB;

-- Who sealed a grant (HPKE auth mode). NULL: a grant of format 1, read
-- only while its holder upgrades their account.
ALTER TABLE key_grants ADD COLUMN sender_id INTEGER;

-- The signed header and its signer. NULL header: a secret of format 1,
-- readable only by the upgrade.
ALTER TABLE secrets ADD COLUMN header BLOB;
ALTER TABLE secrets ADD COLUMN signature BLOB;
ALTER TABLE secrets ADD COLUMN signer_id INTEGER;
CREATE INDEX secrets_by_signer ON secrets(signer_id);

-- The blind index of the secret's key under this scope key.
ALTER TABLE secret_wraps ADD COLUMN blind BLOB;
CREATE INDEX secret_wraps_by_blind ON secret_wraps(key_id, blind);

-- Usages are signed by whoever recorded (or last re-sealed) them.
ALTER TABLE usages ADD COLUMN signer_id INTEGER;
ALTER TABLE usages ADD COLUMN signature BLOB;
