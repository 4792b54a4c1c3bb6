"""Coffer's exceptions: one class per kind of failure, grouped as the CLI's
exit codes group them (SPEC §8: 1 not found, 2 usage, 3 refused,
4 authentication, 5 vault damaged).

Every message is written by Coffer and never contains a secret's value or
key material. ``code`` is the stable machine-readable code the CLI's
``--json`` errors carry; ``exit_code`` is what ``coffer`` would exit with.
"""

from __future__ import annotations

from typing import Any, Dict, Optional


class CofferError(Exception):
    """Base class of every error this package raises."""

    exit_code = 5
    default_code = "io"

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        retry_after: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        #: For ``VaultLocked`` and throttled sign-ins: seconds to wait.
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


# --- exit 1: nothing found -------------------------------------------------


class NotFound(CofferError, LookupError):
    """Nothing with that id or key is visible to you."""

    exit_code = 1
    default_code = "not_found"


class FieldNotFound(NotFound, KeyError):
    """The secret found has no field with the name asked for (``field=``).
    ``fields`` lists the names it has."""

    default_code = "field_not_found"
    fields: tuple = ()

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


# --- exit 2: bad input -----------------------------------------------------


class InvalidInput(CofferError, ValueError):
    """The request is malformed or a value fails validation."""

    exit_code = 2
    default_code = "invalid_input"


class AmbiguousKey(InvalidInput):
    """Several secrets you can see have this key: pass one of ``ids``."""

    default_code = "ambiguous_key"
    ids: tuple = ()


class VaultClosed(InvalidInput):
    """The ``Vault`` was closed; open a new one with ``coffer.open()``."""

    default_code = "closed"


# --- exit 3: refused -------------------------------------------------------


class Refused(CofferError):
    """The vault's rules refuse this (the CLI's exit code 3)."""

    exit_code = 3
    default_code = "permission_denied"


class AccessDenied(Refused):
    """Your role or scope does not allow this."""


class Conflict(Refused):
    """A secret with this key and scope (or a user, a department) exists, or
    someone saved the secret since the version an update names."""

    default_code = "conflict"


class InUse(Refused):
    """The secret is used somewhere (the message names each usage)."""

    default_code = "in_use"


class SecretInactive(Refused):
    """The secret is deactivated."""

    default_code = "inactive"


class SecretExpired(Refused):
    """The secret is past its expiry date."""

    default_code = "expired"


class WriteOnly(Refused):
    """The secret is write-only: ``get_secret`` fetches it, revealing by id
    does not."""

    default_code = "write_only"


class VaultLocked(Refused):
    """Too many failed sign-ins: wait ``retry_after`` seconds."""

    default_code = "locked"


class KeyringUnavailable(Refused):
    """The OS keyring could not be reached."""

    default_code = "keyring_unavailable"


# --- exit 4: authentication ------------------------------------------------


class AuthenticationFailed(CofferError):
    """Wrong username or password, an unusable device key, or no password."""

    exit_code = 4
    default_code = "auth_failed"


class PasswordChangeRequired(AuthenticationFailed):
    """The password is an initial one: run ``coffer passwd`` first."""

    default_code = "password_change_required"


class NoCredentials(AuthenticationFailed):
    """No password was given and this device is not remembered for the
    user (and nobody could be asked: not a terminal)."""

    default_code = "no_credentials"
    user: Optional[str] = None
    vault: Optional[str] = None
    device_error: Optional[CofferError] = None


# --- exit 5: the vault -----------------------------------------------------


class VaultDamaged(CofferError):
    """The vault file is damaged, tampered with, or unreadable."""

    exit_code = 5
    default_code = "vault_damaged"


class IntegrityError(VaultDamaged):
    """A row failed its integrity check (altered, moved or damaged)."""

    default_code = "integrity"


class RollbackDetected(VaultDamaged):
    """The vault is older than this device has seen, or its root changed."""

    default_code = "rollback"


class UnsupportedVersion(VaultDamaged):
    """The vault was made by a newer Coffer."""

    default_code = "unsupported_version"


class StorageError(VaultDamaged):
    """Reading or writing a file failed (busy, permissions, disk full)."""

    default_code = "io"


class CofferWarning(UserWarning):
    """Something worth knowing that did not stop the call."""


_BY_CODE: Dict[str, type] = {
    "not_found": NotFound,
    "field_not_found": FieldNotFound,
    "invalid_input": InvalidInput,
    "ambiguous_key": AmbiguousKey,
    "closed": VaultClosed,
    "permission_denied": AccessDenied,
    "conflict": Conflict,
    "in_use": InUse,
    "inactive": SecretInactive,
    "expired": SecretExpired,
    "write_only": WriteOnly,
    "locked": VaultLocked,
    "keyring_unavailable": KeyringUnavailable,
    "auth_failed": AuthenticationFailed,
    "password_change_required": PasswordChangeRequired,
    "no_credentials": NoCredentials,
    "integrity": IntegrityError,
    "rollback": RollbackDetected,
    "vault_damaged": VaultDamaged,
    "unsupported_version": UnsupportedVersion,
    "io": StorageError,
}


def from_native(
    code: str,
    message: str,
    retry_after: Optional[int],
    extra: Optional[Dict[str, Any]],
) -> CofferError:
    """The exception for an error of the native module (called from Rust)."""
    cls = _BY_CODE.get(code, CofferError)
    err = cls(message, code=code, retry_after=retry_after)
    for name, value in (extra or {}).items():
        setattr(err, name, tuple(value) if isinstance(value, list) else value)
    return err
