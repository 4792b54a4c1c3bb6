"""Coffer for asyncio: the same API as ``coffer``, awaitable.

>>> import coffer.aio
>>> await coffer.aio.get_secret("DB_PASSWORD")
>>> async with coffer.aio.open() as v:
...     await v.get_secret("DB_PASSWORD")
...     await v.create("API_TOKEN", {"token": "..."})

Each call runs in a worker thread (``asyncio.to_thread``) and the native
code releases the GIL while the core works, so the event loop keeps
serving other tasks; calls on one vault run one at a time.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Generator, List, Optional, Union

from . import _vault
from ._vault import Secret, SecretInfo

__all__ = ["AsyncVault", "get_secret", "open"]


async def get_secret(
    key: str,
    department_code: Optional[str] = None,
    **kwargs: Any,
) -> Union[str, Dict[str, str], None]:
    """``coffer.get_secret``, awaitable."""
    return await asyncio.to_thread(_vault.get_secret, key, department_code, **kwargs)


class AsyncVault:
    """``coffer.Vault`` with awaitable methods; ``async with`` closes it."""

    def __init__(self, vault: _vault.Vault) -> None:
        self.sync = vault

    async def __aenter__(self) -> "AsyncVault":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await asyncio.to_thread(self.sync.close)

    @property
    def closed(self) -> bool:
        return self.sync.closed

    @property
    def user(self) -> str:
        return self.sync.user

    @property
    def role(self) -> str:
        return self.sync.role

    def __repr__(self) -> str:
        return "<coffer.aio." + repr(self.sync)[len("<coffer.") :]

    async def get_secret(
        self, key: str, department_code: Optional[str] = None, *, field: Optional[str] = None
    ) -> Union[str, Dict[str, str], None]:
        return await asyncio.to_thread(self.sync.get_secret, key, department_code, field=field)

    async def get(self, key_or_id: Union[str, int], department_code: Optional[str] = None) -> Secret:
        return await asyncio.to_thread(self.sync.get, key_or_id, department_code)

    async def info(self, key_or_id: Union[str, int]) -> SecretInfo:
        return await asyncio.to_thread(self.sync.info, key_or_id)

    async def list(self, **kwargs: Any) -> List[SecretInfo]:
        return await asyncio.to_thread(self.sync.list, **kwargs)

    async def create(self, key: str, data: Any, **kwargs: Any) -> SecretInfo:
        return await asyncio.to_thread(self.sync.create, key, data, **kwargs)

    async def update(self, key_or_id: Union[str, int], data: Any = None, **kwargs: Any) -> SecretInfo:
        return await asyncio.to_thread(self.sync.update, key_or_id, data, **kwargs)

    async def delete(self, key_or_id: Union[str, int], *, if_version: Optional[int] = None) -> None:
        await asyncio.to_thread(self.sync.delete, key_or_id, if_version=if_version)

    async def activate(self, key_or_id: Union[str, int]) -> None:
        await asyncio.to_thread(self.sync.activate, key_or_id)

    async def deactivate(self, key_or_id: Union[str, int]) -> List[str]:
        return await asyncio.to_thread(self.sync.deactivate, key_or_id)


class _Opening:
    """What ``open()`` returns: await it for an ``AsyncVault``, or use it
    directly in ``async with``."""

    def __init__(self, args: tuple, kwargs: dict) -> None:
        self._args = args
        self._kwargs = kwargs
        self._vault: Optional[AsyncVault] = None

    async def _open(self) -> AsyncVault:
        vault = await asyncio.to_thread(_vault.open, *self._args, **self._kwargs)
        return AsyncVault(vault)

    def __await__(self) -> Generator[Any, None, AsyncVault]:
        return self._open().__await__()

    async def __aenter__(self) -> AsyncVault:
        self._vault = await self._open()
        return self._vault

    async def __aexit__(self, *exc: object) -> None:
        if self._vault is not None:
            await self._vault.close()


def open(*args: Any, **kwargs: Any) -> _Opening:
    """``coffer.open``, for asyncio: ``async with coffer.aio.open(...) as v``
    or ``v = await coffer.aio.open(...)``. Same arguments."""
    return _Opening(args, kwargs)
