"""Collects the messages of one Telegram album (same `media_group_id`) into a single hand-over.

Telegram delivers an album as separate updates a few milliseconds apart and never says which is last, so
the album is complete when no new part has arrived for ALBUM_WAIT_SECONDS. Each part's handler awaits the
album's outcome, so an update counts as handled only once its whole album was.

A part is announced (`expect`) as it arrives, before its file is downloaded, and the album waits for every
announced part: under load a download can take longer than the wait, and the quiet time must measure how
Telegram spaces the parts, not how busy this bot is (200 chats at once split albums in bench/load.py).
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
    pending: int = 0  # parts announced by `expect` and not yet added (still downloading)
    quiet: bool = False  # no part arrived for the wait; complete once nothing is pending
    flushing: asyncio.Task[None] | None = None
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class AlbumCollector(Generic[Part]):
    def __init__(self, wait_seconds: float, flush: Callable[[str, list[Part]], Awaitable[None]]) -> None:
        self._wait = wait_seconds
        self._flush = flush
        self._albums: dict[str, _Album[Part]] = {}

    def expect(self, group_id: str) -> None:
        """A part arrived and its file is on its way: the album is not complete without it (see module)."""
        album = self._albums.setdefault(group_id, _Album())
        album.pending += 1
        album.quiet = False
        self._arm(group_id, album)

    def abandon(self, group_id: str) -> None:
        """An expected part will not be added (its download failed): stop waiting for it."""
        album = self._albums.get(group_id)
        if album is not None and album.pending:
            album.pending -= 1
            self._maybe_complete(group_id, album)

    async def add(self, group_id: str, order: int, part: Part) -> None:
        """Add one part; returns when the whole album has been handed over (or its hand-over failed)."""
        album = self._albums.setdefault(group_id, _Album())
        album.parts.append((order, part))
        if album.pending:
            album.pending -= 1
            self._maybe_complete(group_id, album)
        else:  # not announced: it arrives now
            album.quiet = False
            self._arm(group_id, album)
        await asyncio.shield(album.done)

    def _arm(self, group_id: str, album: _Album[Part]) -> None:
        if album.timer is not None:
            album.timer.cancel()
        album.timer = asyncio.get_running_loop().call_later(self._wait, self._quiet, group_id, album)

    def _quiet(self, group_id: str, album: _Album[Part]) -> None:
        album.timer = None
        album.quiet = True
        self._maybe_complete(group_id, album)

    def _maybe_complete(self, group_id: str, album: _Album[Part]) -> None:
        if album.quiet and not album.pending and album.flushing is None and self._albums.get(group_id) is album:
            album.flushing = asyncio.ensure_future(self._complete(group_id))

    async def _complete(self, group_id: str) -> None:
        album = self._albums.pop(group_id, None)
        if album is None:
            return
        if not album.parts:  # every part's download failed: their handlers report it, nothing to hand over
            album.done.set_result(None)
            return
        try:
            await self._flush(group_id, [part for _, part in sorted(album.parts, key=lambda item: item[0])])
        except Exception as exc:  # the parts' handlers report it; the collector must not lose the album silently
            if not album.done.done():
                album.done.set_exception(exc)
            return
        if not album.done.done():
            album.done.set_result(None)
