-- Coffer vault schema, version 1.
--
-- Rows hold only ciphertext for anything sensitive (keys, field names,
-- values, descriptions, tags). Plaintext columns are what policy needs
-- before decrypting (scope, state, dates); for secrets they are bound into
-- the associated data of the row's ciphertexts, and for users into a keyed
-- MAC, so editing them in the file is detected.

CREATE TABLE vault_meta (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    vault_id    TEXT    NOT NULL,
    kdf_profile TEXT    NOT NULL CHECK (kdf_profile IN ('standard', 'insecure-test')),
    kdf_m       INTEGER NOT NULL,
    kdf_t       INTEGER NOT NULL,
    kdf_p       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name         TEXT    NOT NULL,
    role                 TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    primary_dept_id      INTEGER REFERENCES departments(id),
    disabled             INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    -- X25519 public key that key grants are sealed to.
    public_key           BLOB    NOT NULL,
    -- Argon2id salt and cost; bound into the bundle's associated data.
    kdf_salt             BLOB    NOT NULL,
    kdf_m                INTEGER NOT NULL,
    kdf_t                INTEGER NOT NULL,
    kdf_p                INTEGER NOT NULL,
    -- The user's X25519 private key, sealed under the password key.
    password_bundle      BLOB    NOT NULL,
    failed_attempts      INTEGER NOT NULL DEFAULT 0,
    last_failed_at       INTEGER,
    created_at           INTEGER NOT NULL,
    -- HMAC over identity, role, state and memberships (directory MAC key).
    record_mac           BLOB    NOT NULL
);
CREATE UNIQUE INDEX users_one_owner ON users(role) WHERE role = 'owner';

CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users(id),
    dept_id INTEGER NOT NULL REFERENCES departments(id),
    PRIMARY KEY (user_id, dept_id)
) WITHOUT ROWID;
CREATE INDEX memberships_by_dept ON memberships(dept_id);

-- A remembered device: the user's bundle sealed under a random device key
-- that lives in the OS keyring, never in this file.
CREATE TABLE devices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    bundle     BLOB    NOT NULL
);

-- Symmetric scope keys: the all-users key, one key per department, each
-- user's personal key (private secrets), and the blind-index key. Each is
-- granted to its holders by HPKE sealing to their public keys (key_grants).
-- `uses` counts AES-GCM encryptions; a key is rotated long before 2^32.
CREATE TABLE scope_keys (
    -- AUTOINCREMENT: a retired key's id is never reused, so a cached key
    -- can never be mistaken for a newer one.
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL CHECK (kind IN ('all', 'dept', 'personal', 'index')),
    dept_id    INTEGER REFERENCES departments(id),
    owner_id   INTEGER REFERENCES users(id),
    retired    INTEGER NOT NULL DEFAULT 0,
    uses       INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    CHECK ((kind = 'dept') = (dept_id IS NOT NULL)),
    CHECK ((kind = 'personal') = (owner_id IS NOT NULL))
);
CREATE UNIQUE INDEX scope_keys_current
    ON scope_keys(kind, ifnull(dept_id, 0), ifnull(owner_id, 0)) WHERE retired = 0;

CREATE TABLE key_grants (
    key_id  INTEGER NOT NULL REFERENCES scope_keys(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    sealed  BLOB    NOT NULL,
    PRIMARY KEY (key_id, user_id)
) WITHOUT ROWID;
CREATE INDEX key_grants_by_user ON key_grants(user_id);

CREATE TABLE secrets (
    -- AUTOINCREMENT: a deleted secret's id never comes back as another one.
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Keyed hash of the secret's key (blind index), never the key itself.
    key_index  BLOB    NOT NULL,
    -- Canonical scope, for (key, scope) uniqueness.
    scope_sig  TEXT    NOT NULL,
    all_depts  INTEGER NOT NULL,
    private    INTEGER NOT NULL,
    creator_id INTEGER NOT NULL REFERENCES users(id),
    active     INTEGER NOT NULL,
    reveal     TEXT    NOT NULL CHECK (reveal IN ('allowed', 'never')),
    expires_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES users(id),
    version    INTEGER NOT NULL,
    -- Generation of the data key; bumped whenever the data key is replaced.
    dek_gen    INTEGER NOT NULL,
    dek_uses   INTEGER NOT NULL,
    -- Encrypted key, description, tags, field names.
    meta       BLOB    NOT NULL,
    -- Encrypted field names and values.
    fields     BLOB    NOT NULL,
    UNIQUE (key_index, scope_sig)
);

CREATE TABLE secret_departments (
    secret_id INTEGER NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
    dept_id   INTEGER NOT NULL REFERENCES departments(id),
    PRIMARY KEY (secret_id, dept_id)
) WITHOUT ROWID;
CREATE INDEX secret_departments_by_dept ON secret_departments(dept_id);

-- A secret's data key, wrapped under each scope key of its scope: the
-- all-users key, each of its departments' keys, or (private secrets) only
-- its creator's personal key.
CREATE TABLE secret_wraps (
    secret_id INTEGER NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
    key_id    INTEGER NOT NULL REFERENCES scope_keys(id),
    wrapped   BLOB    NOT NULL,
    PRIMARY KEY (secret_id, key_id)
) WITHOUT ROWID;
CREATE INDEX secret_wraps_by_key ON secret_wraps(key_id);

-- Earlier versions of a secret, encrypted under the same data key.
CREATE TABLE secret_versions (
    secret_id  INTEGER NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES users(id),
    meta       BLOB    NOT NULL,
    fields     BLOB    NOT NULL,
    PRIMARY KEY (secret_id, version)
) WITHOUT ROWID;

-- Things outside the vault that depend on a secret (name, kind and field
-- encrypted under the secret's data key). A secret with usages cannot be
-- deleted.
CREATE TABLE usages (
    id         INTEGER PRIMARY KEY,
    secret_id  INTEGER NOT NULL REFERENCES secrets(id),
    sealed     BLOB    NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX usages_by_secret ON usages(secret_id);
