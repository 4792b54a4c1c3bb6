"""``coffer.open()``, ``Vault`` and ``get_secret``: the typed face of the
native module. Every rule is coffer-core's; this file shapes arguments and
results, and decides whether a person may be asked for a password."""

from __future__ import annotations

import datetime as _dt
import getpass
import os
import sys
import warnings
from dataclasses import dataclass, field as _field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _coffer
from ._errors import CofferWarning, NoCredentials

__all__ = ["ALL", "Permissions", "Secret", "SecretInfo", "Vault", "get_secret", "open"]


class _AllDepartments:
    """``coffer.ALL``: every department (a department may be coded "ALL")."""

    _instance: Optional["_AllDepartments"] = None

    def __new__(cls) -> "_AllDepartments":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "coffer.ALL"

    def __reduce__(self) -> str:
        return "ALL"


ALL = _AllDepartments()

_UNSET: Any = object()

Departments = Union[_AllDepartments, str, Iterable[str], None]
Expires = Union[_dt.datetime, _dt.date, str, int, float, None]


# --- results -----------------------------------------------------------------


@dataclass(frozen=True)
class Permissions:
    """What you may do with a secret, as the core computed it."""

    reveal: bool
    copy: bool
    edit: bool
    delete: bool
    activate: bool


def _time(ms: Optional[int]) -> Optional[_dt.datetime]:
    if ms is None:
        return None
    return _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.timezone.utc)


@dataclass(frozen=True)
class SecretInfo:
    """A secret's metadata: never its values."""

    id: int
    key: str
    fields: Tuple[str, ...]
    departments: Union[_AllDepartments, Tuple[str, ...]]
    private: bool
    description: str
    tags: Tuple[str, ...]
    expires: Optional[_dt.datetime]
    #: "none", "valid", "expiring_soon" or "expired".
    expiry: str
    active: bool
    write_only: bool
    created_by: str
    created_at: _dt.datetime
    updated_by: str
    updated_at: _dt.datetime
    version: int
    #: The row failed its integrity check: only id and scope are known.
    damaged: bool
    can: Permissions
    #: Fields marked plain text (not secret), by name.
    plain_fields: Tuple[str, ...] = ()

    @staticmethod
    def _args(d: Mapping[str, Any]) -> Dict[str, Any]:
        depts = d["departments"]
        return dict(
            id=d["id"],
            key=d["key"],
            fields=tuple(d["fields"]),
            departments=ALL if depts == "all" else tuple(depts),
            private=d["private"],
            description=d["description"],
            tags=tuple(d["tags"]),
            expires=_time(d["expires_at"]),
            expiry=d["expiry"],
            active=d["active"],
            write_only=d["write_only"],
            created_by=d["created_by"],
            created_at=_time(d["created_at"]),
            updated_by=d["updated_by"],
            updated_at=_time(d["updated_at"]),
            version=d["version"],
            damaged=d["damaged"],
            can=Permissions(**d["can"]),
            plain_fields=tuple(d["plain_fields"]),
        )

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "SecretInfo":
        return cls(**cls._args(d))


@dataclass(frozen=True)
class Secret(SecretInfo):
    """A secret with its values: ``data`` maps field names to values.
    Its repr and str never show the values."""

    data: Dict[str, str] = _field(default_factory=dict, repr=False, compare=False)

    @property
    def value(self) -> str:
        """The value of a single-field secret (``data``'s only entry)."""
        if len(self.data) != 1:
            raise ValueError(f"this secret has {len(self.data)} fields: use .data[NAME]")
        return next(iter(self.data.values()))

    @classmethod
    def _with(cls, d: Mapping[str, Any], data: Dict[str, str]) -> "Secret":
        return cls(**cls._args(d), data=data)


# --- arguments ---------------------------------------------------------------


def _fields(data: Union[str, Mapping[str, str]]) -> List[Tuple[str, str]]:
    """A str is a single-field secret (field ``value``); a mapping, fields."""
    if isinstance(data, str):
        return [("value", data)]
    if isinstance(data, Mapping):
        out = []
        for name, value in data.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise TypeError("secret fields map str names to str values")
            out.append((name, value))
        return out
    raise TypeError("data is a str (one value) or a dict of field names to str values")


def _departments(value: Departments) -> Tuple[Optional[List[str]], bool]:
    if value is None:
        return None, False
    if value is ALL:
        return None, True
    if isinstance(value, str):
        return [value], False
    return [str(code) for code in value], False


def _expires_ms(value: Expires) -> Optional[int]:
    """A date means the end of that day, local time (as ``coffer add
    --expires``); a naive datetime is local time; a str is ISO 8601; a
    number is Unix seconds."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            value = _dt.date.fromisoformat(text)
        else:
            value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if isinstance(value, _dt.datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, _dt.date):
        end = _dt.datetime.combine(value + _dt.timedelta(days=1), _dt.time())
        return int(end.timestamp() * 1000)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value * 1000)
    raise TypeError("expires is a datetime, a date, an ISO 8601 str or Unix seconds")


# --- signing in --------------------------------------------------------------


def _why_no_prompt(prompt: bool) -> Optional[str]:
    """Why nobody can be asked for a password, or None when someone can."""
    if not prompt:
        return "prompt=False was passed"
    if "ipykernel" in sys.modules:
        return "this is a notebook, where a prompt could hang unseen"
    try:
        tty = sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return "standard input is not a terminal"
    return None


def _sign_in(vault, user, password, password_file, prompt: bool):
    try:
        return _coffer.open(vault, user, password, password_file)
    except NoCredentials as e:
        why = _why_no_prompt(prompt)
        name = e.user or "this user"
        if why is not None:
            if e.device_error is not None:
                raise e.device_error from None
            err = NoCredentials(
                f"no password for {name}: set COFFER_PASSWORD (or pass password= or "
                f"password_file=), or remember this device once with "
                f"`coffer login --user {name} --remember`; coffer does not prompt "
                f"because {why}",
                code=e.code,
            )
            err.user, err.vault = e.user, e.vault
            raise err from None
        print(
            f"coffer: no COFFER_PASSWORD, password file or remembered device for {name}: "
            f"asking on this terminal (set COFFER_PASSWORD, or run "
            f"`coffer login --user {name} --remember` once, to skip this)",
            file=sys.stderr,
        )
        typed = getpass.getpass(f"Coffer password for {name}: ")
        return _coffer.open(e.vault, e.user, typed, None)


def open(
    vault: Union[str, "os.PathLike[str]", None] = None,
    user: Optional[str] = None,
    *,
    password: Optional[str] = None,
    password_file: Union[str, "os.PathLike[str]", None] = None,
    prompt: bool = True,
) -> "Vault":
    """Opens the vault and signs in, for many calls; use it as a context
    manager (``with coffer.open() as v:``) or call ``close()``.

    The vault is ``vault``, else ``COFFER_VAULT``, else the platform
    default; the user is ``user``, else ``COFFER_USER``, else the one
    ``coffer login`` remembered. The password is ``password``, else
    ``COFFER_PASSWORD``, else the first line of ``password_file``, else the
    device key ``coffer login --remember`` put in the OS keyring. With none
    of those, a person is asked only when standard input is a terminal
    (never in a notebook, never with ``prompt=False``); otherwise
    ``NoCredentials`` (an ``AuthenticationFailed``) says how to set one up.
    """
    native = _sign_in(vault, user, password, password_file, prompt)
    if native.keys_pending:
        warnings.warn(
            "some keys have not been shared with you yet, so some secrets are not "
            "visible: they are shared the next time an admin (or another holder) signs in",
            CofferWarning,
            stacklevel=2,
        )
    return Vault(native)


def get_secret(
    key: str,
    department_code: Optional[str] = None,
    *,
    field: Optional[str] = None,
    vault: Union[str, "os.PathLike[str]", None] = None,
    user: Optional[str] = None,
    password: Optional[str] = None,
    password_file: Union[str, "os.PathLike[str]", None] = None,
    prompt: bool = True,
) -> Union[str, Dict[str, str], None]:
    """The value of the most specific secret ``key`` for you (SPEC §3): a
    ``str`` for a single-field secret, a ``dict`` of fields for a
    multi-field one, or ``None`` when nothing matches. ``field=`` returns
    one field's ``str`` (``FieldNotFound`` if the secret has no such field).

    Signs in as ``coffer.open()`` does and out again after the call: for
    many calls, keep a ``Vault`` open instead."""
    with open(vault, user, password=password, password_file=password_file, prompt=prompt) as v:
        return v.get_secret(key, department_code, field=field)


# --- the open vault ----------------------------------------------------------


class Vault:
    """A signed-in vault, kept open across calls. Each call runs the core's
    rules and raises the matching ``CofferError`` when they refuse.
    ``close()`` (or leaving the ``with`` block) signs out and wipes the keys
    held in memory; later calls raise ``VaultClosed``. Safe to share
    between threads (calls on one vault run one at a time)."""

    def __init__(self, native: "_coffer.NativeVault") -> None:
        self._native = native

    # context manager and state

    def __enter__(self) -> "Vault":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._native.close()

    @property
    def closed(self) -> bool:
        return self._native.closed

    @property
    def user(self) -> str:
        """The signed-in username."""
        return self._native.username

    @property
    def role(self) -> str:
        """``owner``, ``admin`` or ``member``."""
        return self._native.role

    @property
    def path(self) -> str:
        return str(self._native.path)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<coffer.Vault {self.path!r} user={self.user!r} {state}>"

    # retrieval

    def get_secret(
        self,
        key: str,
        department_code: Optional[str] = None,
        *,
        field: Optional[str] = None,
    ) -> Union[str, Dict[str, str], None]:
        """As ``coffer.get_secret``, on this open vault."""
        return self._native.get_secret(key, department_code, field)

    def get(self, key_or_id: Union[str, int], department_code: Optional[str] = None) -> Secret:
        """A ``Secret`` with its ``data``. By key: the secret ``get_secret``
        answers with (SPEC §3), ``NotFound`` when none. By id: that secret,
        under the reveal rule (in scope, active, unexpired, not write-only)."""
        if isinstance(key_or_id, int) and not isinstance(key_or_id, bool):
            meta, data = self._native.get_by_id(key_or_id)
            return Secret._with(meta, data)
        found = self._native.get(key_or_id, department_code)
        if found is None:
            from ._errors import NotFound

            raise NotFound("no secret with that key matches for you", code="not_found")
        return Secret._with(*found)

    def info(self, key_or_id: Union[str, int]) -> SecretInfo:
        """One secret's metadata (never values)."""
        return SecretInfo._from(self._native.summary(self._id(key_or_id)))

    def list(
        self,
        *,
        search: Optional[str] = None,
        tag: Optional[str] = None,
        department: Optional[str] = None,
        include_inactive: bool = False,
    ) -> List[SecretInfo]:
        """The secrets you can see, metadata only (no values)."""
        rows = self._native.list(search, tag, department, include_inactive)
        return [SecretInfo._from(r) for r in rows]

    # changes

    def _id(self, key_or_id: Union[str, int]) -> int:
        """An id as given, or the id of the one secret you can see with
        exactly this key (``AmbiguousKey`` when several)."""
        if isinstance(key_or_id, int) and not isinstance(key_or_id, bool):
            return key_or_id
        if not isinstance(key_or_id, str):
            raise TypeError("a secret is named by its key (str) or its id (int)")
        return self._native.resolve_id(key_or_id)

    def create(
        self,
        key: str,
        data: Union[str, Mapping[str, str]],
        *,
        departments: Departments = None,
        private: bool = False,
        tags: Iterable[str] = (),
        expires: Expires = None,
        description: str = "",
        active: bool = True,
        write_only: bool = False,
        plain: Iterable[str] = (),
    ) -> SecretInfo:
        """Creates a secret: ``data`` is a str (one field, ``value``) or a
        dict of fields. ``departments``: a code, codes, or ``coffer.ALL``
        (default: your primary department). ``private``: only you.
        ``plain``: names of fields that are not secret (shown in lists)."""
        codes, all_depts = _departments(departments)
        meta = self._native.create(
            key,
            _fields(data),
            codes,
            all_depts,
            private,
            list(tags),
            description,
            _expires_ms(expires),
            active,
            write_only,
            list(plain),
        )
        return SecretInfo._from(meta)

    def update(
        self,
        key_or_id: Union[str, int],
        data: Union[str, Mapping[str, str], None] = None,
        *,
        merge: bool = False,
        remove_fields: Iterable[str] = (),
        key: Optional[str] = None,
        departments: Departments = None,
        private: Optional[bool] = None,
        tags: Optional[Iterable[str]] = None,
        expires: Expires = _UNSET,
        description: Optional[str] = None,
        active: Optional[bool] = None,
        write_only: Optional[bool] = None,
        plain: Iterable[str] = (),
        if_version: Optional[int] = None,
    ) -> SecretInfo:
        """Saves a new version. ``data`` replaces every field (with
        ``merge=True``, only the fields given; the rest stay). Arguments
        left out stay as they are; ``expires=None`` removes the expiry.
        With ``if_version``, the change is refused (``Conflict``, nothing
        saved) unless that is still the current version: someone else
        saved since it was read."""
        codes, all_depts = _departments(departments)
        clear = expires is None
        at = None if expires is _UNSET or clear else _expires_ms(expires)
        meta = self._native.update(
            self._id(key_or_id),
            None if data is None else _fields(data),
            merge,
            list(remove_fields),
            key,
            codes,
            all_depts,
            private,
            None if tags is None else list(tags),
            description,
            at,
            clear,
            active,
            write_only,
            list(plain),
            if_version,
        )
        return SecretInfo._from(meta)

    def delete(self, key_or_id: Union[str, int], *, if_version: Optional[int] = None) -> None:
        """Deletes a secret and its history (refused while in use). With
        ``if_version``, it is refused (``Conflict``, nothing deleted) unless
        that is still the current version: someone else saved since it was
        read."""
        self._native.delete(self._id(key_or_id), if_version)

    def activate(self, key_or_id: Union[str, int]) -> None:
        """Activates a secret (admins and the owner)."""
        self._native.set_active(self._id(key_or_id), True)

    def deactivate(self, key_or_id: Union[str, int]) -> List[str]:
        """Deactivates a secret (admins and the owner); returns the names of
        its usages, which stop getting it."""
        in_use = self._native.set_active(self._id(key_or_id), False)
        if in_use:
            warnings.warn(
                f"the secret is deactivated but still in use by: {', '.join(in_use)}",
                CofferWarning,
                stacklevel=2,
            )
        return list(in_use)
