"""Every render job: the job id is the only handle on a cloud render, so it is written before the job is
submitted, and a restart resumes every job not yet delivered, delivering each exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.store.database import Row, Statements, assignments, ensure_chat, now

_COLUMNS = frozenset({"status", "progress", "url", "attempt", "progress_message_id", "delivered", "error"})


@dataclass(frozen=True, slots=True)
class RenderRow:
    id: str
    chat_id: int
    engine: str
    status: str  # pending | processing | completed | failed | cancelled
    progress: int
    url: str | None
    attempt: int
    reply_to_message_id: int | None
    progress_message_id: int | None
    delivered: bool
    error: str | None
    requested_by: int | None = None


class Renders:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def add(
        self,
        render_id: str,
        chat_id: int,
        *,
        engine: str,
        status: str = "pending",
        attempt: int = 1,
        reply_to_message_id: int | None = None,
        progress_message_id: int | None = None,
        requested_by: int | None = None,
    ) -> None:
        await ensure_chat(self._db, chat_id)
        await self._db.execute(
            "INSERT INTO renders (id, chat_id, engine, status, attempt, reply_to_message_id, progress_message_id,"
            " requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (render_id, chat_id, engine, status, attempt, reply_to_message_id, progress_message_id, requested_by),
        )

    async def update(self, render_id: str, **fields: Any) -> None:
        """Write the fields passed (status, progress, url, attempt, progress_message_id, delivered, error)."""
        columns = assignments(fields, _COLUMNS, "render")
        if "delivered" in fields:
            fields["delivered"] = bool(fields["delivered"])
        if fields:
            await self._db.execute(
                f"UPDATE renders SET {columns}, updated_at = ? WHERE id = ?", (*fields.values(), now(), render_id)
            )

    async def get(self, render_id: str) -> RenderRow | None:
        row = await self._db.fetchone("SELECT * FROM renders WHERE id = ?", (render_id,))
        return _row(row) if row else None

    async def unfinished(self) -> list[RenderRow]:
        """Renders accepted but not yet delivered or given up: what a restart must resume."""
        return [_row(r) for r in await self._db.fetchall(
            "SELECT * FROM renders WHERE delivered = FALSE AND status NOT IN ('failed', 'cancelled')"
            " ORDER BY created_at, id"
        )]

    async def running_in(self, chat_id: int) -> RenderRow | None:
        """The chat's render accepted but not yet delivered or given up (the newest, should there be more):
        a chat makes one video at a time, and one left by a restart is still running (`unfinished`)."""
        row = await self._db.fetchone(
            "SELECT * FROM renders WHERE chat_id = ? AND delivered = FALSE AND status NOT IN ('failed', 'cancelled')"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            (chat_id,),
        )
        return _row(row) if row else None

    async def for_message(self, chat_id: int, message_id: int) -> list[RenderRow]:
        """The renders a message asked for (its update may be handled again after a crash)."""
        return [_row(r) for r in await self._db.fetchall(
            "SELECT * FROM renders WHERE chat_id = ? AND reply_to_message_id = ? ORDER BY created_at, id",
            (chat_id, message_id),
        )]

    async def for_chat(self, chat_id: int) -> list[RenderRow]:
        return [_row(r) for r in await self._db.fetchall(
            "SELECT * FROM renders WHERE chat_id = ? ORDER BY created_at, id", (chat_id,)
        )]


def _row(row: Row) -> RenderRow:
    return RenderRow(
        id=row["id"], chat_id=row["chat_id"], engine=row["engine"], status=row["status"],
        progress=row["progress"], url=row["url"], attempt=row["attempt"],
        reply_to_message_id=row["reply_to_message_id"], progress_message_id=row["progress_message_id"],
        delivered=bool(row["delivered"]), error=row["error"], requested_by=row["requested_by"],
    )
