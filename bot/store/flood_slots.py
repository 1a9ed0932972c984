"""Telegram's flood limits shared by every process sending through one bot token: the next free slot of each
pace (the bot's overall one, each chat's), kept in the database so that two workers sending into one group
take turns rather than each keeping the group's whole pace to itself.

It is GCRA (the generic cell rate algorithm) in "virtual scheduling" form: a pace's row holds the moment
its pace is used up to (`paced_until`, the theoretical arrival time); each claim moves it on by one interval
from itself or from now, whichever is later, and the claimed request may leave `burst` intervals before the
new value (but not before now): that is the tolerance that lets a burst go at once. A claim is one
statement (an upsert returning the new value), so concurrent claims on PostgreSQL queue on the row's lock
and each gets a slot of its own, in one round trip.

The times are the database's clock as the claim runs (`Statements.clock`), not the app's as elsewhere in
the store: workers on several machines then need no clocks that agree to within a slot, and a claim that
waited for a pooled connection is not given a slot that has passed by the time it is answered (that made
the first message of a burst leave 40 ms late, and the bot's busiest second hold 30 instead of 29). What
the caller gets is how long to wait, which no clock difference changes.
"""

from __future__ import annotations

from datetime import datetime

from bot.store.database import Statements


def _claim(clock: str) -> str:
    """The claim, with `clock` for now: the row made at now + interval, or moved on from max(itself, now)
    by one interval; it returns the new value and the now it was measured against."""
    return (
        f"INSERT INTO flood_slots (slot_key, paced_until) VALUES (?, {clock} + ?)"
        " ON CONFLICT (slot_key) DO UPDATE SET paced_until = CASE"
        " WHEN flood_slots.paced_until > excluded.paced_until - ? THEN flood_slots.paced_until + ?"
        f" ELSE excluded.paced_until END RETURNING paced_until, {clock} AS clock"
    )


class FloodSlots:
    def __init__(self, db: Statements) -> None:
        self._db = db
        self._claims = {"database": _claim(db.clock), "given": _claim("?")}

    async def claim(self, key: str, *, interval: float, burst: int, now: datetime | None = None) -> float:
        """Count one request under the pace `key` (one every `interval` seconds once a burst of `burst` is
        spent) and return the seconds it must wait before it leaves: 0 while the pace has room. The slot is
        the caller's whether or not it is used (a claim is never given back). `now` replaces the
        database's clock (for tests that step through time)."""
        if now is None:
            row = await self._db.fetchone(self._claims["database"], (key, interval, interval, interval))
        else:
            moment = now.timestamp()
            row = await self._db.fetchone(self._claims["given"], (key, moment, interval, interval, interval, moment))
        assert row is not None  # an upsert with RETURNING always returns its row
        leaves = float(row["paced_until"]) - burst * interval
        return max(0.0, leaves - float(row["clock"]))
