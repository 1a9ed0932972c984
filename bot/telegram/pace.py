"""Where a request to Telegram takes its slot under one of the flood limiter's paces (the bot's overall one,
each chat's): in this process's memory, or in the store, shared by every process sending for the bot.

One process (the default, SQLite) keeps its paces in memory: aiolimiter buckets, no round trip, the
limiter exactly as it always was. Several processes sending through one token (DATABASE_URL) must share
them: each keeping the bot's 28 a second to itself would send 56 a second between two, and two sending into
one group would give it twice its 20 a minute. The limiter's doors (who waits first) stay in each process;
only the slot comes from the shared pace.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from aiolimiter import AsyncLimiter

from bot.store import FloodSlots

_MAX_BUCKETS = 512


@dataclass(frozen=True, slots=True)
class Rate:
    """`burst` requests may go at once, then one every `interval` seconds."""

    burst: int
    interval: float

    @classmethod
    def bucket(cls, burst: int, period: float) -> Rate:
        """The rate of a bucket of `burst` that refills completely in `period` seconds (aiolimiter's terms)."""
        return cls(burst, period / burst)


class Pace(Protocol):
    async def wait(self, key: str, rate: Rate) -> None:
        """Return when one more request under `key` may leave at `rate`; it is counted from then on."""
        ...


class MemoryPace:
    """The paces of one process: an aiolimiter bucket per key."""

    def __init__(self) -> None:
        self._buckets: dict[str, AsyncLimiter] = {}

    async def wait(self, key: str, rate: Rate) -> None:
        await self._bucket(key, rate).acquire()

    def _bucket(self, key: str, rate: Rate) -> AsyncLimiter:
        if len(self._buckets) > _MAX_BUCKETS:  # forget full buckets: a new one is the same
            for known, bucket in list(self._buckets.items()):
                if known != key and bucket.has_capacity(bucket.max_rate):
                    del self._buckets[known]
        if key not in self._buckets:
            self._buckets[key] = AsyncLimiter(rate.burst, rate.burst * rate.interval)
        return self._buckets[key]


class SharedPace:
    """The paces of every process sending for the bot: a slot claimed in the store (one statement, on the
    database's clock), then a sleep until it comes. A request cancelled while it sleeps leaves its slot
    unused: the pace is a little slower for a moment, never faster."""

    def __init__(self, slots: FloodSlots) -> None:
        self._slots = slots

    async def wait(self, key: str, rate: Rate) -> None:
        delay = await self._slots.claim(key, interval=rate.interval, burst=rate.burst)
        if delay > 0:
            await asyncio.sleep(delay)
