"""`coffer.get_secret` and `Vault.get_secret`: SPEC §3 as the CLI answers it,
and signing in as the CLI does."""

from __future__ import annotations

import io
import sys

import pytest

import coffer
from conftest import OWNER, ok_env, open_as, password_of


@pytest.fixture(scope="module")
def vaults(team):
    """One open vault per user of the team, for the whole module."""
    opened = {u: open_as(team, u) for u in (OWNER, "admin", "ana", "bruno", "carla")}
    yield opened
    for v in opened.values():
        v.close()


def test_seed_000_most_specific_match(vaults):
    # ana's own value; everyone else in DEFAULT gets the shared one; FIN: None.
    assert vaults["ana"].get_secret("KEY 1") == "ana-private"
    assert vaults["admin"].get_secret("KEY 1") == "shared-default"
    assert vaults["bruno"].get_secret("KEY 1") is None


def test_private_is_invisible_to_admins_and_owner(vaults):
    assert vaults[OWNER].get_secret("KEY 1") == "shared-default"
    keys = [(s.key, s.private) for s in vaults["admin"].list(include_inactive=True)]
    assert ("KEY 1", True) not in keys
    assert ("KEY 1", True) in [(s.key, s.private) for s in vaults["ana"].list()]


def test_department_rule(vaults):
    bruno, carla, ana = vaults["bruno"], vaults["carla"], vaults["ana"]
    # Explicit departments before all.
    assert bruno.get_secret("DB") == "db-fin"
    assert ana.get_secret("DB") == "db-all"
    # Asking for a department the caller is not in: None.
    assert bruno.get_secret("DB", "OPS") is None
    assert ana.get_secret("DB", "FIN") is None
    assert bruno.get_secret("DB", "NOSUCH") is None
    # Only candidates for the department asked for (or all) remain.
    assert carla.get_secret("DB", "OPS") == "db-all"
    assert carla.get_secret("DB", "FIN") == "db-fin"


def test_context_department(vaults):
    carla = vaults["carla"]
    assert carla.get_secret("CTX") == "ctx-ops"  # her primary department
    assert carla.get_secret("CTX", "FIN") == "ctx-fin"
    assert carla.get_secret("CTX", department_code="OPS") == "ctx-ops"


def test_inactive_and_expired_are_not_returned(vaults):
    bruno = vaults["bruno"]
    assert bruno.get_secret("ROT") == "rot-all"  # FIN's is inactive
    assert bruno.get_secret("OFF2") is None
    assert bruno.get_secret("OLD") is None
    assert bruno.get_secret("OFF") == "off-value"


def test_none_when_nothing_matches(vaults):
    assert vaults["bruno"].get_secret("NO_SUCH_KEY") is None


def test_matches_the_cli(team, vaults):
    cases = [("ana", "KEY 1", ()), ("bruno", "DB", ()), ("carla", "CTX", ("--department", "FIN")),
             ("bruno", "ROT", ()), ("bruno", "OLD", ()), ("bruno", "KEY 1", ())]
    for user, key, args in cases:
        dept = args[1] if args else None
        assert vaults[user].get_secret(key, dept) == team.get(user, key, *args), (user, key)


def test_multi_field_dict_and_field(vaults):
    bruno = vaults["bruno"]
    conf = bruno.get_secret("CONF")
    assert conf == {"host": "db.fin", "port": "5432", "password": "conf-secret-pw"}
    assert list(conf) == ["host", "port", "password"]  # saved order
    assert bruno.get_secret("CONF", field="port") == "5432"
    with pytest.raises(coffer.FieldNotFound) as e:
        bruno.get_secret("CONF", field="nope")
    assert isinstance(e.value, KeyError) and isinstance(e.value, coffer.NotFound)
    assert e.value.fields == ("host", "port", "password")
    assert "conf-secret-pw" not in str(e.value)
    # A single-field secret: its field is `value`.
    assert bruno.get_secret("OFF", field="value") == "off-value"
    with pytest.raises(coffer.FieldNotFound):
        bruno.get_secret("OFF", field="password")
    # No match stays None, field= or not.
    assert bruno.get_secret("NO_SUCH_KEY", field="x") is None


def test_write_only_is_fetched_by_get_secret(vaults):
    assert vaults["bruno"].get_secret("WO") == "wo-value"


def test_bad_key_is_invalid_input(vaults):
    with pytest.raises(coffer.InvalidInput) as e:
        vaults["bruno"].get_secret("")
    assert isinstance(e.value, ValueError) and e.value.exit_code == 2


def test_one_shot_from_the_environment(team, monkeypatch):
    ok_env(monkeypatch, team, "bruno")
    assert coffer.get_secret("DB") == "db-fin"
    assert coffer.get_secret("CONF", field="host") == "db.fin"
    assert coffer.get_secret("DB", "OPS") is None


def test_explicit_arguments_win(team, monkeypatch):
    monkeypatch.setenv("COFFER_VAULT", "/nonexistent/vault.db")
    assert coffer.get_secret("KEY 1", vault=str(team.vault), user="ana",
                             password=password_of("ana")) == "ana-private"


def test_password_file(team, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text(password_of("carla") + "\nignored\n")
    assert coffer.get_secret("CTX", vault=team.vault, user="carla", password_file=pw) == "ctx-ops"
    empty = tmp_path / "empty"
    empty.write_text("")
    with pytest.raises(coffer.InvalidInput):
        coffer.get_secret("CTX", vault=team.vault, user="carla", password_file=empty)


def test_wrong_password(team):
    with pytest.raises(coffer.AuthenticationFailed) as e:
        coffer.open(vault=team.vault, user="bruno", password="not-the-password-9")
    assert e.value.exit_code == 4 and e.value.code == "auth_failed"
    assert "not-the-password-9" not in str(e.value)
    with pytest.raises(coffer.AuthenticationFailed):
        coffer.get_secret("DB", vault=team.vault, user="nobody", password="whatever-pass-1")


def test_no_password_outside_a_terminal_says_what_to_do(team, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(coffer.AuthenticationFailed) as e:
        coffer.open(vault=team.vault, user="bruno")
    assert isinstance(e.value, coffer.NoCredentials)
    message = str(e.value)
    assert "COFFER_PASSWORD" in message and "coffer login --user bruno --remember" in message
    assert "not a terminal" in message


def test_no_prompt_in_a_notebook(team, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Tty(""))
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: asked.append(a) or "")
    with pytest.raises(coffer.NoCredentials) as e:
        coffer.open(vault=team.vault, user="bruno")
    assert "notebook" in str(e.value) and not asked


def test_prompt_on_a_terminal_says_why(team, monkeypatch, capsys):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Tty(""))
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    asked = []

    def fake_getpass(prompt="Password: ", stream=None):
        asked.append(prompt)
        return password_of("bruno")

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    with coffer.open(vault=team.vault, user="bruno") as v:
        assert v.get_secret("DB") == "db-fin"
    assert asked == ["Coffer password for bruno: "]
    err = capsys.readouterr().err
    assert "asking on this terminal" in err and "COFFER_PASSWORD" in err
    # prompt=False never asks, even on a terminal.
    with pytest.raises(coffer.NoCredentials) as e:
        coffer.open(vault=team.vault, user="bruno", prompt=False)
    assert "prompt=False" in str(e.value) and len(asked) == 1


def test_the_user_coffer_remembered(team, monkeypatch, tmp_path):
    # `coffer init` remembered the owner as this machine's user of the vault.
    with coffer.open(vault=team.vault, password=password_of(OWNER)) as v:
        assert v.user == OWNER
    # With no preferences, a user must be named.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    with pytest.raises(coffer.InvalidInput) as e:
        coffer.open(vault=team.vault, password="x")
    assert "COFFER_USER" in str(e.value)


def test_missing_vault_is_an_error_not_a_new_vault(tmp_path):
    with pytest.raises(coffer.NotFound) as e:
        coffer.open(vault=tmp_path / "nothing-here.db", user="bruno", password="x")
    assert "coffer init" in str(e.value)
    assert not (tmp_path / "nothing-here.db").exists()


def test_repeated_wrong_passwords_lock_with_a_wait(tmp_path):
    from conftest import make_home

    home = make_home(tmp_path)
    home.user("eve", "member", "DEFAULT")
    errors = []
    for _ in range(5):
        with pytest.raises(coffer.CofferError) as e:
            coffer.open(vault=home.vault, user="eve", password="not-eves-password-4")
        errors.append(e.value)
    kinds = [type(e) for e in errors]
    # Three free attempts, then a wait: the fifth comes too soon.
    assert kinds[:4] == [coffer.AuthenticationFailed] * 4 and kinds[4] is coffer.VaultLocked
    assert errors[3].retry_after and errors[4].retry_after
    assert (errors[4].exit_code, errors[4].code) == (3, "locked")
    assert all("not-eves-password-4" not in str(e) for e in errors)
