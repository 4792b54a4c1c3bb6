"""Coffer from Python: secrets by key for scripts and notebooks.

>>> import coffer
>>> coffer.get_secret("DB_PASSWORD")             # str, dict of fields, or None
>>> with coffer.open() as v:                     # stays unlocked for many calls
...     v.get_secret("DB_PASSWORD", "FIN")
...     v.create("API_TOKEN", "...", departments="FIN")

It signs in as the ``coffer`` CLI does (``COFFER_PASSWORD``, a password
file, then the device key from ``coffer login --remember``) and follows the
vault's rules exactly: every call runs in coffer-core. ``coffer.aio`` offers
the same as coroutines.
"""

from ._coffer import __version__
from ._errors import (
    AccessDenied,
    AmbiguousKey,
    AuthenticationFailed,
    CofferError,
    CofferWarning,
    Conflict,
    FieldNotFound,
    InUse,
    IntegrityError,
    InvalidInput,
    KeyringUnavailable,
    NoCredentials,
    NotFound,
    PasswordChangeRequired,
    Refused,
    RollbackDetected,
    SecretExpired,
    SecretInactive,
    StorageError,
    UnsupportedVersion,
    VaultClosed,
    VaultDamaged,
    VaultLocked,
    WriteOnly,
)
from ._vault import ALL, Permissions, Secret, SecretInfo, Vault, get_secret, open

__all__ = [
    "ALL",
    "AccessDenied",
    "AmbiguousKey",
    "AuthenticationFailed",
    "CofferError",
    "CofferWarning",
    "Conflict",
    "FieldNotFound",
    "InUse",
    "IntegrityError",
    "InvalidInput",
    "KeyringUnavailable",
    "NoCredentials",
    "NotFound",
    "PasswordChangeRequired",
    "Permissions",
    "Refused",
    "RollbackDetected",
    "Secret",
    "SecretExpired",
    "SecretInfo",
    "SecretInactive",
    "StorageError",
    "UnsupportedVersion",
    "Vault",
    "VaultClosed",
    "VaultDamaged",
    "VaultLocked",
    "WriteOnly",
    "__version__",
    "get_secret",
    "open",
]
