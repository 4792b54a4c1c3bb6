"""An open `Vault`: list, get, create, update, delete under the core's rules,
closing, and values kept out of reprs and messages."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

import coffer
from conftest import OWNER, make_home, open_as


@pytest.fixture(scope="module")
def crew(tmp_path_factory, isolated):
    """`boss` (admin, DEFAULT), `mia` (member, FIN), `max` (member, FIN),
    `olga` (member, OPS), and the owner's FIN secret OWNER_FIN."""
    home = make_home(tmp_path_factory.mktemp("crew"))
    home.dept("FIN")
    home.dept("OPS")
    home.user("boss", "admin", "DEFAULT")
    home.user("mia", "member", "FIN")
    home.user("max", "member", "FIN")
    home.user("olga", "member", "OPS")
    home.add(OWNER, "OWNER_FIN", "--value", "owner-fin-value", "--dept", "FIN")
    home.add(OWNER, "CONF", "--field", "host=db", "--field", "password=pw-conf-1", "--dept", "FIN")
    return home


def test_context_manager_closes_and_later_calls_raise(crew):
    with open_as(crew, "mia") as v:
        assert not v.closed and v.user == "mia" and v.role == "member"
        assert v.get_secret("OWNER_FIN") == "owner-fin-value"
        assert "open" in repr(v)
    assert v.closed and "closed" in repr(v)
    for call in (lambda: v.get_secret("OWNER_FIN"), v.list, lambda: v.get("OWNER_FIN"),
                 lambda: v.create("X", "y"), lambda: v.delete(1)):
        with pytest.raises(coffer.VaultClosed) as e:
            call()
        assert isinstance(e.value, ValueError)
    v.close()  # twice is fine


def test_many_calls_on_one_open_vault(crew):
    with open_as(crew, "mia") as v:
        for _ in range(200):
            assert v.get_secret("OWNER_FIN") == "owner-fin-value"


def test_threads_share_one_vault(crew):
    results = []
    with open_as(crew, "mia") as v:
        def work():
            results.extend(v.get_secret("OWNER_FIN") for _ in range(20))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == ["owner-fin-value"] * 80


def test_get_returns_a_secret_whose_repr_hides_values(crew):
    with open_as(crew, "mia") as v:
        s = v.get("CONF")
        assert s.data == {"host": "db", "password": "pw-conf-1"}
        assert s.key == "CONF" and s.fields == ("host", "password")
        assert s.departments == ("FIN",) and not s.private and s.active
        assert s.created_by == OWNER and s.version == 1
        assert isinstance(s.updated_at, dt.datetime)
        for text in (repr(s), str(s)):
            assert "pw-conf-1" not in text and "db'" not in text and "CONF" in text
        same = v.get(s.id)
        assert same.data == s.data and same.id == s.id
        assert v.get("OWNER_FIN").value == "owner-fin-value"
        with pytest.raises(ValueError):
            s.value  # several fields
        with pytest.raises(coffer.NotFound):
            v.get("NO_SUCH_KEY")


def test_list_is_metadata_only(crew):
    with open_as(crew, "mia") as v:
        rows = v.list()
        conf = next(r for r in rows if r.key == "CONF")
        assert conf.fields == ("host", "password")
        assert not hasattr(conf, "data")
        text = repr(rows)
        assert "pw-conf-1" not in text and "owner-fin-value" not in text
        assert {r.key for r in v.list(search="own")} == {"OWNER_FIN"}
    with open_as(crew, "olga") as v:
        assert "CONF" not in {r.key for r in v.list()}  # FIN only


def test_create_update_delete_as_a_member(crew):
    with open_as(crew, "mia") as v:
        info = v.create("MIA_TOKEN", {"token": "t-1"}, departments="FIN", tags=["api"],
                        description="mia's token")
        assert info.departments == ("FIN",) and info.tags == ("api",) and info.created_by == "mia"
        assert v.get_secret("MIA_TOKEN") == "t-1"
        updated = v.update("MIA_TOKEN", {"token": "t-2"})
        assert updated.version == 2 and v.get_secret("MIA_TOKEN") == "t-2"
        v.update(info.id, {"extra": "e"}, merge=True)
        assert v.get_secret("MIA_TOKEN") == {"token": "t-2", "extra": "e"}
        v.update(info.id, remove_fields=["extra"], description="rotated")
        assert v.get_secret("MIA_TOKEN") == "t-2" and v.info(info.id).description == "rotated"
        # A change made from an older read is refused, and saves nothing.
        current = v.info(info.id).version
        with pytest.raises(coffer.Conflict) as stale:
            v.update(info.id, "t-stale", if_version=current - 1)
        assert stale.value.exit_code == 3 and "t-stale" not in str(stale.value)
        assert v.get_secret("MIA_TOKEN") == "t-2" and v.info(info.id).version == current
        assert v.update(info.id, "t-3", if_version=current).version == current + 1
        # So is a delete from an older read: the newer version stays.
        with pytest.raises(coffer.Conflict) as stale:
            v.delete(info.id, if_version=current)
        assert stale.value.exit_code == 3 and "nothing was deleted" in str(stale.value)
        assert v.get_secret("MIA_TOKEN") == "t-3"
        v.delete("MIA_TOKEN", if_version=current + 1)
        assert v.get_secret("MIA_TOKEN") is None
        with pytest.raises(coffer.NotFound):
            v.delete("MIA_TOKEN")


def test_member_permissions(crew):
    with open_as(crew, "mia") as v:
        # Not her department.
        with pytest.raises(coffer.AccessDenied) as e:
            v.create("OPS_KEY", "x", departments="OPS")
        assert e.value.exit_code == 3 and isinstance(e.value, coffer.Refused)
        # All departments and private are hers to use.
        v.create("MIA_ALL", "all-value", departments=coffer.ALL)
        v.create("MIA_OWN", "own-value", private=True)
        # Someone else's secret: read yes, edit or delete no.
        with pytest.raises(coffer.AccessDenied):
            v.update("OWNER_FIN", "changed")
        with pytest.raises(coffer.AccessDenied):
            v.delete("OWNER_FIN")
        with pytest.raises(coffer.AccessDenied):
            v.deactivate("OWNER_FIN")
        assert v.get_secret("OWNER_FIN") == "owner-fin-value"
        # The same key and scope twice.
        with pytest.raises(coffer.Conflict):
            v.create("MIA_ALL", "again", departments=coffer.ALL)
    with open_as(crew, "max") as v:
        # A colleague's shared secret: visible, not his to change.
        assert v.get_secret("MIA_ALL") == "all-value"
        with pytest.raises(coffer.AccessDenied):
            v.delete("MIA_ALL")
        assert v.get_secret("MIA_OWN") is None
        with pytest.raises(coffer.NotFound):
            v.delete("MIA_OWN")
    with open_as(crew, "boss") as v:
        # Admins edit and delete shared secrets, but never see private ones.
        v.update("MIA_ALL", "admin-set")
        assert v.get_secret("MIA_ALL") == "admin-set"
        with pytest.raises(coffer.NotFound):
            v.get("MIA_OWN")
        v.delete("MIA_ALL")


def test_activation_and_expiry(crew):
    with open_as(crew, OWNER) as owner:
        info = owner.create("ROTATE", "r-1", departments="FIN")
        owner.deactivate(info.id)
    with open_as(crew, "mia") as v:
        assert v.get_secret("ROTATE") is None
        with pytest.raises(coffer.SecretInactive):
            v.get(info.id)
        assert "ROTATE" in {r.key for r in v.list(include_inactive=True)}
        assert "ROTATE" not in {r.key for r in v.list()}
    with open_as(crew, OWNER) as owner:
        owner.activate("ROTATE")
        past = owner.create("PAST", "p", departments="FIN", expires=dt.date(2020, 1, 1))
        assert past.expiry == "expired"
        soon = owner.create("SOON", "s", departments="FIN", expires="2999-01-01T00:00:00Z")
        assert soon.expires == dt.datetime(2999, 1, 1, tzinfo=dt.timezone.utc)
        assert owner.update("SOON", expires=None).expires is None
    with open_as(crew, "mia") as v:
        assert v.get_secret("ROTATE") == "r-1"
        assert v.get_secret("PAST") is None
        with pytest.raises(coffer.SecretExpired):
            v.get(past.id)
        assert v.get_secret("SOON") == "s"


def test_write_only(crew):
    with open_as(crew, "mia") as v:
        info = v.create("WO", "wo-secret", departments="FIN", write_only=True)
        assert info.write_only
        assert v.get_secret("WO") == "wo-secret"
        assert v.get("WO").data == {"value": "wo-secret"}  # the get rule
        with pytest.raises(coffer.WriteOnly):
            v.get(info.id)  # the reveal rule


def test_ambiguous_key_needs_an_id(crew):
    with open_as(crew, "mia") as v:
        a = v.create("TWICE", "fin", departments="FIN")
        b = v.create("TWICE", "all", departments=coffer.ALL)
        with pytest.raises(coffer.AmbiguousKey) as e:
            v.delete("TWICE")
        assert set(e.value.ids) == {a.id, b.id}
        v.delete(b.id)
        v.delete("TWICE")


def test_bad_arguments(crew):
    with open_as(crew, "mia") as v:
        with pytest.raises(TypeError):
            v.create("BAD", {"n": 5})
        with pytest.raises(TypeError):
            v.create("BAD", 5)
        with pytest.raises(coffer.InvalidInput):
            v.create("", "x")
        with pytest.raises(coffer.InvalidInput):
            v.create("BAD", {"a": "1"}, plain=["b"])
        with pytest.raises(TypeError):
            v.delete(3.5)


def test_errors_mirror_the_cli(crew):
    """The same refusal from the CLI (`--json`) and from Python: the same
    code, and the exception's exit_code is the CLI's exit status."""
    import json

    with open_as(crew, OWNER) as owner:
        owner_fin = owner.info("OWNER_FIN").id
    cases = [
        ("mia", None, ["rm", str(owner_fin)], lambda v: v.delete(owner_fin)),
        ("mia", None, ["show", "999999"], lambda v: v.info(999999)),
        ("mia", None, ["add", "BAD", "--value", "x", "--dept", "OPS"],
         lambda v: v.create("BAD", "x", departments="OPS")),
        ("mia", "wrong-password-5", ["list"], None),
    ]
    for user, password, args, call in cases:
        out = crew.run(user, "--json", *args, password=password, check=False)
        body = json.loads(out.stderr.strip().splitlines()[-1])["error"]
        with pytest.raises(coffer.CofferError) as e:
            if call is None:
                coffer.open(vault=crew.vault, user=user, password=password)
            else:
                with open_as(crew, user) as v:
                    call(v)
        assert (e.value.code, e.value.exit_code) == (body["code"], out.returncode), args
        assert e.value.message == body["message"], args
