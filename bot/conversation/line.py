"""Arrival order per chat: a chat's messages are worked on in the order they came in.

A transport hands messages over concurrently (Telegram delivers an album as separate updates, and a photo
is downloaded before the core sees it), so a text typed right after an album could overtake the photos and
be streamed to the engine before they are on the timeline. Each message therefore takes a place in its
chat's line the moment it arrives (`Line.arrive`, synchronous, under the transport's own key for the
message), and its turn waits until every message that arrived before it in the same chat has left the line
(`Line.wait`). Other chats never wait. A line is named by whatever the transport calls the place a
conversation happens (a chat; in a forum, a chat's topic): any hashable value.

A place is left when the transport is done with its message (`Line.leave`, idempotent), whether it was
handled, refused or failed, so a line never stalls behind a message that went nowhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Place:
    line: Hashable
    key: int
    working: bool = False  # in a turn (streaming, exporting): whoever waits behind it is told so
    left: asyncio.Event = field(default_factory=asyncio.Event, repr=False)


class Line:
    """Every chat's line of messages that arrived and have not been dealt with yet, oldest first."""

    def __init__(self) -> None:
        self._places: dict[int, _Place] = {}  # the transport's key -> its place
        self._lines: dict[Hashable, list[_Place]] = {}  # line -> places, in arrival order

    def arrive(self, line: Hashable, key: int) -> None:
        """Take the next place in the chat's line; call it as the message comes in, before any await."""
        if key in self._places:
            return
        place = _Place(line, key)
        self._places[key] = place
        self._lines.setdefault(line, []).append(place)

    def leave(self, key: int) -> None:
        place = self._places.pop(key, None)
        if place is None:
            return
        place.left.set()
        line = self._lines.get(place.line, [])
        if place in line:
            line.remove(place)
        if not line:
            self._lines.pop(place.line, None)

    def ahead_of(self, key: int) -> list[_Place]:
        place = self._places.get(key)
        if place is None:
            return []
        line = self._lines.get(place.line, [])
        return line[: line.index(place)]

    def someone_working_ahead(self, key: int | None) -> bool:
        return key is not None and any(place.working for place in self.ahead_of(key))

    async def wait(self, key: int) -> None:
        """Return once every message that arrived before `key` in its chat has left the line."""
        while ahead := self.ahead_of(key):
            await ahead[0].left.wait()

    def set_working(self, key: int | None, working: bool) -> None:
        place = self._places.get(key) if key is not None else None
        if place is not None:
            place.working = working
