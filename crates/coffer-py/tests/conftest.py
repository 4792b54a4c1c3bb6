"""The harness: vaults made by the real `coffer` CLI of the same build, in a
temporary home per test module, never the developer's vault, preferences
or keyring.

The CLI is `$COFFER_BIN`, else `<target>/debug/coffer` (scripts/python.sh
sets COFFER_BIN). Users and passwords follow tests/tests/common: the owner
is `owner`, every other user's password is `<name>-password-1`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, Optional, Sequence

import pytest

ROOT = Path(__file__).resolve().parents[3]
OWNER = "owner"
OWNER_PW = "owner-password-1"


def password_of(user: str) -> str:
    return OWNER_PW if user == OWNER else f"{user}-password-1"


def coffer_bin() -> Path:
    given = os.environ.get("COFFER_BIN")
    if given:
        return Path(given).resolve()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "coffer"


ISOLATED = ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR")


class Home:
    """A temporary folder with one vault. The CLI runs with this process's
    folders (set by the `isolated` fixture), so `coffer login` and
    `coffer.open()` agree on preferences and device state."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.vault = root / "vault.db"
        self.bin = coffer_bin()
        assert self.bin.is_file(), f"{self.bin} is missing: run `cargo build -p coffer-cli` first"

    def env(self) -> Dict[str, str]:
        # This process's folders (see `isolated`): the CLI's preferences
        # and device state are the ones `coffer.open()` reads.
        env = {name: os.environ[name] for name in ISOLATED}
        env["PATH"] = os.environ.get("PATH", "")
        env["COFFER_VAULT"] = str(self.vault)
        if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            env["DBUS_SESSION_BUS_ADDRESS"] = os.environ["DBUS_SESSION_BUS_ADDRESS"]
        return env

    def run(
        self,
        user: Optional[str],
        *args: str,
        stdin: Optional[str] = None,
        password: Optional[str] = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess:
        env = self.env()
        if user is not None:
            env["COFFER_USER"] = user
            env["COFFER_PASSWORD"] = password or password_of(user)
        out = subprocess.run(
            [str(self.bin), *args],
            input=stdin or "",
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
        )
        if check and out.returncode != 0:
            raise AssertionError(f"coffer {' '.join(args)} failed ({out.returncode}): {out.stderr}")
        return out

    def init(self) -> None:
        self.run(None, "init", "--owner", OWNER, "--insecure-test-kdf", "--new-password-stdin", stdin=OWNER_PW + "\n")

    def dept(self, code: str) -> None:
        self.run(OWNER, "dept", "add", code, "--name", f"{code} dept")

    def user(self, name: str, role: str, depts: str, by: str = OWNER) -> None:
        """A user who has set their own password (depts comma-separated,
        the first is primary); the admin's next command shares keys."""
        self.run(by, "user", "add", name, "--role", role, "--dept", depts, "--new-password-stdin",
                 stdin=f"{name}-initial-1\n")
        self.run(name, "passwd", "--new-password-stdin", password=f"{name}-initial-1",
                 stdin=password_of(name) + "\n")
        self.run(by, "user", "list")

    def add(self, user: str, *args: str) -> int:
        out = self.run(user, "add", *args)
        return int(out.stdout.strip().splitlines()[-1])

    def get(self, user: str, key: str, *args: str) -> Optional[str]:
        out = self.run(user, "get", key, *args, check=False)
        if out.returncode == 1:
            return None
        assert out.returncode == 0, out.stderr
        return out.stdout[:-1]


@pytest.fixture(scope="session", autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory):
    """This process's own folders: no developer vault, prefs or keyring."""
    root = tmp_path_factory.mktemp("python-home")
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("COFFER_") and name != "COFFER_BIN":
            del os.environ[name]
    os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    os.environ.update(
        HOME=str(root),
        XDG_DATA_HOME=str(root / "data"),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_STATE_HOME=str(root / "state"),
        XDG_RUNTIME_DIR=str(root),
    )
    yield root
    os.environ.clear()
    os.environ.update(saved)


def make_home(tmp: Path) -> Home:
    home = Home(tmp)
    home.init()
    return home


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory, isolated: Path) -> Home:
    """The team of the retrieval and CRUD tests:
    - `admin` (admin, DEFAULT), `ana` (member, DEFAULT), `bruno` (member,
      FIN), `carla` (member, OPS and FIN; OPS primary);
    - the secrets the tests below read (created through the CLI)."""
    home = make_home(tmp_path_factory.mktemp("team"))
    for code in ("FIN", "OPS"):
        home.dept(code)
    home.user("admin", "admin", "DEFAULT")
    home.user("ana", "member", "DEFAULT")
    home.user("bruno", "member", "FIN")
    home.user("carla", "member", "OPS,FIN")
    # Seed 000: "KEY 1" for everyone in DEFAULT, and ana's own "KEY 1".
    home.add(OWNER, "KEY 1", "--value", "shared-default", "--dept", "DEFAULT")
    home.add("ana", "KEY 1", "--value", "ana-private", "--dept", "DEFAULT", "--private")
    # Department rule: FIN's DB before the all-departments one.
    home.add(OWNER, "DB", "--value", "db-fin", "--dept", "FIN")
    home.add(OWNER, "DB", "--value", "db-all", "--all-depts")
    # Context department: carla's primary (OPS) wins unless she asks for FIN.
    home.add(OWNER, "CTX", "--value", "ctx-ops", "--dept", "OPS")
    home.add(OWNER, "CTX", "--value", "ctx-fin", "--dept", "FIN")
    # Inactive: FIN's newer ROT is deactivated, so the shared one answers.
    home.add(OWNER, "ROT", "--value", "rot-all", "--all-depts")
    rot = home.add(OWNER, "ROT", "--value", "rot-fin-inactive", "--dept", "FIN")
    home.run(OWNER, "deactivate", str(rot))
    home.add(OWNER, "OFF", "--value", "off-value", "--dept", "FIN")
    home.run(OWNER, "deactivate", str(home.add(OWNER, "OFF2", "--value", "x-off", "--dept", "FIN")))
    # Expired.
    home.add(OWNER, "OLD", "--value", "old-value", "--dept", "FIN", "--expires", "2020-01-01")
    # Multi-field, in saved order.
    home.add(OWNER, "CONF", "--field", "host=db.fin", "--field", "port=5432",
             "--field", "password=conf-secret-pw", "--dept", "FIN")
    # Write-only: `get` answers, revealing does not.
    home.add(OWNER, "WO", "--value", "wo-value", "--dept", "FIN", "--write-only")
    return home


def ok_env(monkeypatch: pytest.MonkeyPatch, home: Home, user: str) -> None:
    """COFFER_VAULT, COFFER_USER and COFFER_PASSWORD as a script would set them."""
    monkeypatch.setenv("COFFER_VAULT", str(home.vault))
    monkeypatch.setenv("COFFER_USER", user)
    monkeypatch.setenv("COFFER_PASSWORD", password_of(user))


def open_as(home: Home, user: str, **kwargs):
    import coffer

    return coffer.open(vault=str(home.vault), user=user, password=password_of(user), **kwargs)


def all_text(values: Sequence[object]) -> str:
    return " ".join(str(v) for v in values)
