"""`coffer.aio`: the same API awaited, off the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest

import coffer
import coffer.aio
from conftest import OWNER, make_home, password_of

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def home(tmp_path_factory, isolated):
    home = make_home(tmp_path_factory.mktemp("aio"))
    home.dept("FIN")
    home.dept("OPS")
    home.user("admin", "admin", "DEFAULT")
    home.user("fin", "member", "FIN")
    home.user("ops", "member", "OPS")
    home.add(OWNER, "SHARED", "--value", "fin-shared", "--dept", "FIN")
    home.add(OWNER, "SHARED", "--value", "all-shared", "--all-depts")
    return home


def opening(home, user):
    return coffer.aio.open(vault=str(home.vault), user=user, password=password_of(user))


async def test_get_secret_one_shot(home):
    got = await coffer.aio.get_secret("SHARED", vault=home.vault, user="fin", password=password_of("fin"))
    assert got == "fin-shared"
    assert await coffer.aio.get_secret("SHARED", "OPS", vault=home.vault, user="fin",
                                       password=password_of("fin")) is None
    with pytest.raises(coffer.AuthenticationFailed):
        await coffer.aio.get_secret("SHARED", vault=home.vault, user="fin", password="wrong-password-7")


async def test_crud_and_rules(home):
    async with opening(home, "fin") as v:
        assert v.user == "fin"
        assert await v.get_secret("SHARED") == "fin-shared"
        info = await v.create("ASYNC_KEY", {"user": "u", "password": "async-pw"}, departments="FIN")
        assert info.fields == ("user", "password")
        assert await v.get_secret("ASYNC_KEY", field="password") == "async-pw"
        secret = await v.get("ASYNC_KEY")
        assert secret.data["user"] == "u" and "async-pw" not in repr(secret)
        assert "ASYNC_KEY" in {s.key for s in await v.list()}
        await v.update("ASYNC_KEY", {"user": "u2", "password": "async-pw-2"})
        assert await v.get_secret("ASYNC_KEY") == {"user": "u2", "password": "async-pw-2"}
        with pytest.raises(coffer.AccessDenied):
            await v.create("NOPE", "x", departments="OPS")
        with pytest.raises(coffer.AmbiguousKey):
            await v.delete("SHARED")  # FIN's and everyone's
    async with opening(home, "ops") as v:
        assert await v.get_secret("SHARED") == "all-shared"
        assert await v.get_secret("ASYNC_KEY") is None
        with pytest.raises(coffer.NotFound):
            await v.delete("ASYNC_KEY")
    v = await opening(home, "admin")  # awaited instead of `async with`
    await v.delete(info.id)  # admins delete what members made
    await v.close()
    assert v.closed
    with pytest.raises(coffer.VaultClosed):
        await v.get_secret("SHARED")


async def test_member_cannot_delete_an_admins_secret(home):
    async with opening(home, "admin") as admin:
        made = await admin.create("ADMIN_FIN", "a", departments="FIN")
    async with opening(home, "fin") as v:
        assert await v.get_secret("ADMIN_FIN") == "a"
        with pytest.raises(coffer.AccessDenied):
            await v.delete(made.id)
        with pytest.raises(coffer.AccessDenied):
            await v.update(made.id, "b")
        with pytest.raises(coffer.AccessDenied):
            await v.deactivate(made.id)


async def test_calls_run_off_the_event_loop(home):
    async with opening(home, "fin") as v:
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        start = time.perf_counter()
        values = await asyncio.gather(*(v.get_secret("SHARED") for _ in range(50)))
        elapsed = time.perf_counter() - start
        task.cancel()
        assert values == ["fin-shared"] * 50
        assert ticks > 0, f"the loop was blocked for {elapsed:.3f} s"
