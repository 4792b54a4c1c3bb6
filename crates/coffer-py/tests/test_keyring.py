"""The device key through a real Secret Service: `coffer login --remember`
with the CLI, then `coffer.open()` with no password at all.

Like tests/tests/keyring.rs, this starts its own D-Bus session and
gnome-keyring-daemon in a temp dir, and fails (never skips) when they are
missing: the keyring path is part of the product."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import OWNER, make_home, password_of

INSTALL = "apt-get install gnome-keyring dbus dbus-x11 libsecret-tools"


def require(program: str) -> str:
    path = shutil.which(program)
    assert path, f"{program} is not installed: {INSTALL}"
    return path


@pytest.fixture(scope="module")
def secret_service(tmp_path_factory):
    """A private session bus with gnome-keyring's Secret Service on it;
    DBUS_SESSION_BUS_ADDRESS points this process (and the CLI) at it."""
    dbus_daemon, keyring_daemon, dbus_send = (require(p) for p in
                                              ("dbus-daemon", "gnome-keyring-daemon", "dbus-send"))
    root = tmp_path_factory.mktemp("keyring")
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    base = {"PATH": os.environ.get("PATH", ""), "XDG_RUNTIME_DIR": str(runtime)}
    bus = subprocess.Popen([dbus_daemon, "--session", "--print-address=1", "--nofork"],
                           env=base, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    address = bus.stdout.readline().strip()
    assert address.startswith("unix:"), address
    keyring = subprocess.Popen(
        [keyring_daemon, "--foreground", "--unlock", "--components=secrets"],
        env={**base, "HOME": str(root), "XDG_DATA_HOME": str(root / "data"),
             "DBUS_SESSION_BUS_ADDRESS": address},
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    keyring.stdin.write(b"test-keyring-password")
    keyring.stdin.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        out = subprocess.run([dbus_send, "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                              "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                              "string:org.freedesktop.secrets"],
                             env={**base, "DBUS_SESSION_BUS_ADDRESS": address},
                             capture_output=True, text=True)
        if "boolean true" in out.stdout:
            break
        time.sleep(0.1)
    else:
        pytest.fail("gnome-keyring did not appear on the session bus")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    yield address
    del os.environ["DBUS_SESSION_BUS_ADDRESS"]
    for p in (keyring, bus):
        p.terminate()
        p.wait(timeout=10)


@pytest.fixture(scope="module")
def remembered(tmp_path_factory, isolated, secret_service):
    home = make_home(tmp_path_factory.mktemp("device"))
    home.dept("FIN")
    home.user("dana", "member", "FIN")
    home.add(OWNER, "DEVICE_KEY", "--value", "from-the-keyring", "--dept", "FIN")
    home.run("dana", "login", "--user", "dana", "--remember")
    return home


def python(home, code: str) -> subprocess.CompletedProcess:
    """Runs `code` in a new Python process with this session bus: libdbus
    reads the bus address once per process, and this one started without."""
    env = {**home.env(), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("COFFER_PASSWORD", None)
    return subprocess.run([sys.executable, "-c", code], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def test_open_with_the_device_key(remembered):
    out = python(remembered, """
import coffer
with coffer.open(user="dana") as v:
    print(v.get_secret("DEVICE_KEY"))
# `coffer login` also made dana this machine's user of the vault.
print(coffer.get_secret("DEVICE_KEY"))
""")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["from-the-keyring", "from-the-keyring"]


def test_explicit_password_still_wins(remembered):
    out = python(remembered, """
import coffer
try:
    coffer.open(user="dana", password="a-wrong-password-3")
except coffer.AuthenticationFailed as e:
    print("refused", e.exit_code)
""")
    assert out.stdout.split() == ["refused", "4"], out.stderr


def test_after_forgetting_the_device_a_password_is_needed(remembered):
    remembered.run("dana", "logout", "--forget")
    out = python(remembered, f"""
import coffer
try:
    coffer.open(user="dana")
except coffer.NoCredentials as e:
    print(e)
with coffer.open(user="dana", password={password_of("dana")!r}) as v:
    print(v.get_secret("DEVICE_KEY"))
""")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "coffer login --user dana --remember" in lines[0] and "not a terminal" in lines[0]
    assert lines[1] == "from-the-keyring"
