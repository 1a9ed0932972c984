"""Telegram's flood limits shared by every process sending through one bot token: the next free slot of each
pace (the bot's overall one, each chat's), kept in the database so that two workers sending into one group
take turns rather than each keeping the group's whole pace to itself.

It is GCRA (the generic cell rate algorithm) in "virtual scheduling" form: a pace's row holds the moment
its pace is used up to (`paced_until`, the theoretical arrival time); each claim moves it on by one interval
from itself or from now, whichever is later, and the claimed request may leave `burst` intervals before the
new value (but not before now): that is the tolerance that lets a burst go at once. A claim is one
statement (an upsert returning the new value), so concurrent claims on PostgreSQL queue on the row's lock
and each gets a slot of its own, in one round trip. Times are the app's (seconds since the epoch, see
`database.now`), as everywhere in the store; processes on several machines therefore rely on their clocks
agreeing to well within one interval (NTP keeps them within milliseconds).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.database import Statements

# The claim: the row is made at now + interval, or moved on from max(itself, now) by one interval.
_CLAIM = (
    "INSERT INTO flood_slots (slot_key, paced_until) VALUES (?, ?)"
    " ON CONFLICT (slot_key) DO UPDATE SET paced_until = CASE WHEN flood_slots.paced_until > ?"
    " THEN flood_slots.paced_until + ? ELSE excluded.paced_until END"
    " RETURNING paced_until"
)


class FloodSlots:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def claim(self, key: str, *, interval: float, burst: int, now: datetime) -> datetime:
        """Count one request under the pace `key` (one every `interval` seconds once a burst of `burst` is
        spent) and return the moment it may leave: `now` while the pace has room, else its slot to come.
        The slot is the caller's whether or not it is used (a claim is never given back)."""
        moment = now.timestamp()
        row = await self._db.fetchone(_CLAIM, (key, moment + interval, moment, interval))
        assert row is not None  # an upsert with RETURNING always returns its row
        leaves = max(moment, float(row["paced_until"]) - burst * interval)
        return datetime.fromtimestamp(leaves, UTC)
