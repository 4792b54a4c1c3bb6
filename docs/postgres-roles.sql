-- Coffer team vault on PostgreSQL: a second wall (defence in depth).
--
-- Coffer's guarantees come from cryptography and hold whatever the server
-- does (docs/SECURITY.md). Where each person can have their own database
-- role, this set-up also makes the server itself refuse, for a member's
-- connection, the changes only admins or nobody may make. Run it once as
-- the role that owns the vault's schema (whoever ran `coffer init` or
-- `coffer vault copy` to the database), then give each person a login
-- role in one of the two groups:
--
--   CREATE ROLE ana LOGIN PASSWORD '...' IN ROLE coffer_admins;   -- Coffer owner/admins
--   CREATE ROLE bruno LOGIN PASSWORD '...' IN ROLE coffer_members; -- Coffer members
--
-- and each desktop uses its own: COFFER_VAULT=postgres://bruno@host/db.
-- Moving someone between Coffer roles means moving their database role
-- between the groups too (GRANT/REVOKE coffer_admins).
--
-- What the server then refuses:
-- - to everyone but the schema owner: changing or deleting the directory
--   log and the audit log (append-only), changing the vault's
--   configuration and the schema;
-- - to members also: writing departments and memberships, adding or
--   removing users, and changing any user's role, name, department or
--   state (a member may only update the password and key columns, which
--   her own sign-in and password change write).

DO $$
BEGIN
    CREATE ROLE coffer_members NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
    CREATE ROLE coffer_admins NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

GRANT USAGE ON SCHEMA coffer TO coffer_members, coffer_admins;
GRANT SELECT ON ALL TABLES IN SCHEMA coffer TO coffer_members, coffer_admins;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA coffer TO coffer_members, coffer_admins;

-- Append-only logs; the change counter open apps watch.
GRANT INSERT ON coffer.directory_log, coffer.audit_log TO coffer_members, coffer_admins;
GRANT UPDATE ON coffer.vault_changes TO coffer_members, coffer_admins;

-- What anyone's own work writes: secrets and their rows, usages, keys and
-- grants (a member's personal key, grants of keys she holds), her devices.
GRANT INSERT, UPDATE, DELETE ON
    coffer.secrets, coffer.secret_departments, coffer.secret_wraps,
    coffer.secret_versions, coffer.usages, coffer.scope_keys,
    coffer.key_grants, coffer.devices
    TO coffer_members, coffer_admins;

-- A member's own sign-in: her password data and keys, sign-in counters.
GRANT UPDATE (public_key, kdf_salt, kdf_m, kdf_t, kdf_p, password_bundle,
              enroll_seal, must_change_password, failed_attempts, last_failed_at)
    ON coffer.users TO coffer_members;

-- Admins govern the directory.
GRANT INSERT, UPDATE, DELETE ON coffer.users, coffer.departments, coffer.memberships
    TO coffer_admins;
