"""A chat's timeline history and where its current project begins: what /undo, /redo and /new stand on.

Each change an engine made to a chat's timeline is a step (the draft before, the draft after, and what did
it: an instruction as written, or a file's name). Undoing marks the last step done as undone; redoing
unmarks the first undone one; a new change drops the undone steps (there is nothing left to redo once the
timeline went another way). Only the newest `KEPT_STEPS` steps per chat and engine are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from bot.store.database import Database, ensure_chat, now

KEPT_STEPS = 50  # /undo reaches this far back; older steps are forgotten

StepKind = Literal["instruction", "upload"]


@dataclass(frozen=True, slots=True)
class Step:
    """One change of a timeline. `after` is None when it was not known at the time (the cloud's own edit)."""

    id: int
    kind: StepKind
    what: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    undone: bool


class TimelineHistory:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self, chat_id: int, engine: str, *, kind: StepKind, what: str,
        before: dict[str, Any] | None, after: dict[str, Any] | None,
    ) -> None:
        """A new change: the steps undone before it can no longer be redone."""
        await ensure_chat(self._db, chat_id)
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM timeline_history WHERE chat_id = ? AND engine = ? AND undone = TRUE", (chat_id, engine))
            await tx.execute(
                "INSERT INTO timeline_history (chat_id, engine, kind, what, before, after, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (chat_id, engine, kind, what, _json(before), _json(after), now()),
            )
            await tx.execute(
                "DELETE FROM timeline_history WHERE chat_id = ? AND engine = ? AND id NOT IN"
                " (SELECT id FROM timeline_history WHERE chat_id = ? AND engine = ? ORDER BY id DESC LIMIT ?)",
                (chat_id, engine, chat_id, engine, KEPT_STEPS),
            )

    async def last_done(self, chat_id: int, engine: str) -> Step | None:
        """The step /undo takes back."""
        return await self._one("undone = FALSE ORDER BY id DESC", chat_id, engine)

    async def first_undone(self, chat_id: int, engine: str) -> Step | None:
        """The step /redo applies again (the one undone last)."""
        return await self._one("undone = TRUE ORDER BY id", chat_id, engine)

    async def mark(self, step_id: int, *, undone: bool, after: dict[str, Any] | None = None) -> None:
        """Mark a step undone (or done again); `after` fills in a draft after that was not known."""
        await self._db.execute(
            "UPDATE timeline_history SET undone = ?, after = COALESCE(after, ?) WHERE id = ?",
            (undone, _json(after), step_id),
        )

    async def forget(self, chat_id: int, engine: str | None = None) -> None:
        """Drop the history (of one engine, or all): the chat started a new project."""
        if engine is None:
            await self._db.execute("DELETE FROM timeline_history WHERE chat_id = ?", (chat_id,))
        else:
            await self._db.execute("DELETE FROM timeline_history WHERE chat_id = ? AND engine = ?", (chat_id, engine))

    async def start_project(self, chat_id: int) -> None:
        """From now on the chat's uploads so far belong to an old project (kept, counted, never used again)."""
        await ensure_chat(self._db, chat_id)
        await self._db.execute(
            "INSERT INTO project_starts (chat_id, after_upload, started_at)"
            " VALUES (?, (SELECT COALESCE(MAX(id), 0) FROM uploads WHERE chat_id = ?), ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET after_upload = excluded.after_upload,"
            " started_at = excluded.started_at",
            (chat_id, chat_id, now()),
        )

    async def _one(self, condition: str, chat_id: int, engine: str) -> Step | None:
        row = await self._db.fetchone(
            f"SELECT * FROM timeline_history WHERE chat_id = ? AND engine = ? AND {condition} LIMIT 1",
            (chat_id, engine),
        )
        if row is None:
            return None
        return Step(id=row["id"], kind=row["kind"], what=row["what"], before=_draft(row["before"]),
                    after=_draft(row["after"]), undone=bool(row["undone"]))


def _json(draft: dict[str, Any] | None) -> str | None:
    return json.dumps(draft, ensure_ascii=False) if draft is not None else None


def _draft(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None
