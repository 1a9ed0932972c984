"""The durable Telegram update inbox (`handled_updates`).

Telegram forgets an update once the next getUpdates confirms it, which happens before the bot has acted on
it: each update is kept here from the moment it arrives until it has been handled (received -> started ->
done), so a crash in between loses nothing and a re-delivered update is recognised, not acted on twice.
"""

from __future__ import annotations

from bot.store.database import Statements


class UpdateInbox:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def receive(self, updates: list[tuple[int, int | None, str]]) -> set[int]:
        """Keep a batch of arriving updates (id, chat id, payload) at once, before Telegram is told
        they were received; returns the ids that are new (Telegram delivers an unconfirmed update again
        after a crash, and one kept before is queued from here or was handled)."""
        if not updates:
            return set()
        # One statement: only the rows it really inserted come back, also when another process keeps the
        # same update at the same moment.
        values = ", ".join("(?, ?, 'received', ?)" for _ in updates)
        fresh = await self._db.fetchall(
            f"INSERT INTO handled_updates (update_id, chat_id, status, payload) VALUES {values}"
            " ON CONFLICT DO NOTHING RETURNING update_id",
            [value for update in updates for value in update],
        )
        return {int(row["update_id"]) for row in fresh}

    async def start(self, update_id: int, chat_id: int | None) -> str | None:
        """Mark an update as being handled; returns how far it had got before: None (never seen), 'received',
        'started' (a crash interrupted its handling: it is handled again, idempotently) or 'done'."""
        row = await self._db.fetchone("SELECT status FROM handled_updates WHERE update_id = ?", (update_id,))
        if row is None:
            await self._db.execute(
                "INSERT INTO handled_updates (update_id, chat_id, status) VALUES (?, ?, 'started')"
                " ON CONFLICT DO NOTHING",
                (update_id, chat_id),
            )
            return None
        if row["status"] == "received":
            await self._db.execute("UPDATE handled_updates SET status = 'started' WHERE update_id = ?", (update_id,))
        return str(row["status"])

    async def finish(self, update_id: int) -> None:
        """Handled: only the id is kept (to recognise a re-delivery), not what the user sent."""
        await self._db.execute(
            "UPDATE handled_updates SET status = 'done', payload = NULL WHERE update_id = ?", (update_id,)
        )

    async def unfinished(self) -> list[tuple[int, str]]:
        """Updates kept but not handled to the end, oldest first: what a restart handles before anything new."""
        rows = await self._db.fetchall(
            "SELECT update_id, payload FROM handled_updates"
            " WHERE status != 'done' AND payload IS NOT NULL ORDER BY update_id"
        )
        return [(int(r["update_id"]), str(r["payload"])) for r in rows]
