"""Collects the messages of one Telegram album (same `media_group_id`) into a single hand-over.

Telegram delivers an album as separate updates a few milliseconds apart and never says which is last, so
the album is complete when no new part has arrived for ALBUM_WAIT_SECONDS. Each part's handler awaits the
album's outcome, so an update counts as handled only once its whole album was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Part = TypeVar("Part")


@dataclass
class _Album(Generic[Part]):
    parts: list[tuple[int, Part]] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class AlbumCollector(Generic[Part]):
    def __init__(self, wait_seconds: float, flush: Callable[[str, list[Part]], Awaitable[None]]) -> None:
        self._wait = wait_seconds
        self._flush = flush
        self._albums: dict[str, _Album[Part]] = {}

    async def add(self, group_id: str, order: int, part: Part) -> None:
        """Add one part; returns when the whole album has been handed over (or its hand-over failed)."""
        loop = asyncio.get_running_loop()
        album = self._albums.setdefault(group_id, _Album())
        album.parts.append((order, part))
        if album.timer is not None:
            album.timer.cancel()
        album.timer = loop.call_later(self._wait, lambda: asyncio.ensure_future(self._complete(group_id)))
        await asyncio.shield(album.done)

    async def _complete(self, group_id: str) -> None:
        album = self._albums.pop(group_id, None)
        if album is None:
            return
        try:
            await self._flush(group_id, [part for _, part in sorted(album.parts, key=lambda item: item[0])])
        except Exception as exc:  # the parts' handlers report it; the collector must not lose the album silently
            if not album.done.done():
                album.done.set_exception(exc)
            return
        if not album.done.done():
            album.done.set_result(None)
