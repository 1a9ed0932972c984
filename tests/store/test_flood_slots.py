"""Telegram's flood pace kept in the store (GCRA's next free slot), on both databases: claims under one pace
are spaced by its interval once its burst is spent, a burst goes at once, paces are independent, and
claims made at the same moment over several connections each get a slot of their own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.store import Store

START = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)


def _seconds(waits: list[float]) -> list[float]:
    return [round(wait, 6) for wait in waits]


async def _claims(store: Store, key: str, count: int, *, interval: float, burst: int,
                  now: datetime = START) -> list[float]:
    """The waits of `count` claims made at `now`."""
    return _seconds([await store.flood_slots.claim(key, interval=interval, burst=burst, now=now)
                     for _ in range(count)])


async def test_claims_under_one_pace_are_spaced_by_its_interval(store: Store) -> None:
    assert await _claims(store, "overall", 4, interval=0.25, burst=1) == [0.0, 0.25, 0.5, 0.75]


async def test_a_burst_goes_at_once_and_then_the_pace_holds(store: Store) -> None:
    assert await _claims(store, "chat:-100", 5, interval=6.0, burst=3) == [0, 0, 0, 6, 12]


async def test_a_pace_left_alone_has_its_burst_again(store: Store) -> None:
    await _claims(store, "chat:5", 3, interval=1.0, burst=2)  # slots at 0, 0, 1: used up to 3 s
    half = await _claims(store, "chat:5", 2, interval=1.0, burst=2, now=START + timedelta(seconds=2))
    assert half == [0, 1]  # at 2 s and 3 s: one interval back, not two
    later = START + timedelta(seconds=60)
    assert await _claims(store, "chat:5", 3, interval=1.0, burst=2, now=later) == [0, 0, 1]


async def test_two_paces_are_independent(store: Store) -> None:
    await _claims(store, "chat:5", 3, interval=1.0, burst=1)
    assert await _claims(store, "chat:6", 1, interval=1.0, burst=1) == [0]
    assert await _claims(store, "overall", 1, interval=0.1, burst=1) == [0]
    assert await _claims(store, "chat:5", 1, interval=1.0, burst=1) == [3]


async def test_claims_made_at_once_each_get_a_slot_of_their_own(store: Store) -> None:
    """On PostgreSQL the claims run on several pooled connections at the same moment: the upsert queues them
    on the row, so no two share a slot."""
    claims = [store.flood_slots.claim("overall", interval=0.5, burst=2, now=START) for _ in range(8)]
    assert sorted(_seconds(list(await asyncio.gather(*claims)))) == [0, 0, 0.5, 1, 1.5, 2, 2.5, 3]


async def test_on_the_databases_own_clock_the_next_claim_waits_about_one_interval(store: Store) -> None:
    """Without a given now the database's clock counts: the wait is what is left of the interval after the
    time between the two claims (well under the interval here)."""
    assert await store.flood_slots.claim("overall", interval=10.0, burst=1) == 0
    assert 9.0 < await store.flood_slots.claim("overall", interval=10.0, burst=1) <= 10.0
