"""Arrival order per chat: a chat's messages are worked on in the order they came in.

A transport hands messages over concurrently (Telegram delivers an album as separate updates, and a photo
is downloaded before the conversation sees it), so a text typed right after an album could overtake the
photos and be streamed to the engine before they are on the timeline. Each message therefore takes a place
in its chat's line the moment it arrives (`Arrivals.arrive`, synchronous), and its turn waits until every
message that arrived before it in the same chat has left the line (`Arrivals.wait`). Other chats never wait.

A place is left when the transport is done with its message (`Arrival.leave`, idempotent), whether it was
handled, refused or failed, so a line never stalls behind a message that went nowhere.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(eq=False)
class Arrival:
    """One message's place in its chat's line."""

    chat_id: int
    seq: int
    working: bool = False  # in a turn (streaming, exporting): whoever waits behind it is told so
    _left: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _on_leave: Callable[[Arrival], None] | None = field(default=None, repr=False)

    def leave(self) -> None:
        if self._left.is_set():
            return
        self._left.set()
        if self._on_leave is not None:
            self._on_leave(self)


class Arrivals:
    """Every chat's line of messages that arrived and have not been dealt with yet, oldest first."""

    def __init__(self) -> None:
        self._lines: dict[int, list[Arrival]] = {}
        self._numbers = itertools.count()  # one sequence for all chats: numbers are never reused

    def arrive(self, chat_id: int) -> Arrival:
        """Take the next place in the chat's line; call it as the message comes in, before any await."""
        arrival = Arrival(chat_id, next(self._numbers), _on_leave=self._drop)
        self._lines.setdefault(chat_id, []).append(arrival)
        return arrival

    def ahead_of(self, arrival: Arrival) -> list[Arrival]:
        return [a for a in self._lines.get(arrival.chat_id, ()) if a.seq < arrival.seq]

    async def wait(self, arrival: Arrival) -> None:
        """Return once every message that arrived before `arrival` in its chat has left the line."""
        while ahead := self.ahead_of(arrival):
            await ahead[0]._left.wait()

    def _drop(self, arrival: Arrival) -> None:
        line = self._lines.get(arrival.chat_id)
        if line is None:
            return
        if arrival in line:
            line.remove(arrival)
        if not line:
            del self._lines[arrival.chat_id]
