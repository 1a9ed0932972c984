"""One lock per chat, for the parts (the core, each engine) that must not run two things at once for a chat
while other chats go on."""

from __future__ import annotations

import asyncio


class KeyedLocks:
    """An `asyncio.Lock` per key (a chat id), made on first use: `async with locks(chat_id): ...`."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    def __call__(self, key: int) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())
