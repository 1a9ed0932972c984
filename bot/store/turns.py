"""Each instruction sent to an engine and how it ended: for the "no text" fallback, for a message handled
again after a crash (never sent twice), and for /usage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.store.database import Statements, ensure_chat, now


@dataclass(frozen=True, slots=True)
class TurnRow:
    id: int
    outcome: str  # running | ok | silent | broken | failed
    draft_before: dict[str, Any] | None  # the draft before the turn: "what changed" after a crash


class Turns:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def start(
        self, chat_id: int, *, engine: str, text: str, sender_id: int | None = None,
        message_id: int | None = None, draft_before: dict[str, Any] | None = None,
    ) -> int:
        """Record an instruction before it is sent (outcome "running"); returns the turn's id."""
        await ensure_chat(self._db, chat_id)
        made = await self._db.fetchone(
            "INSERT INTO turns (chat_id, engine, text, sender_id, message_id, draft_before)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (chat_id, engine, text, sender_id, message_id,
             json.dumps(draft_before, ensure_ascii=False) if draft_before is not None else None),
        )
        assert made is not None
        return int(made["id"])

    async def finish(self, turn_id: int, *, outcome: str, replies: list[str], tools: list[str]) -> None:
        await self._db.execute(
            "UPDATE turns SET outcome = ?, replies = ?, tools = ?, finished_at = ? WHERE id = ?",
            (outcome, "\n".join(replies), ",".join(tools), now(), turn_id),
        )

    async def for_message(self, chat_id: int, message_id: int) -> TurnRow | None:
        """The turn a message started, if it started one (its update may be handled again after a crash)."""
        row = await self._db.fetchone(
            "SELECT id, outcome, draft_before FROM turns WHERE chat_id = ? AND message_id = ? ORDER BY id DESC",
            (chat_id, message_id),
        )
        if row is None:
            return None
        before = json.loads(row["draft_before"]) if row["draft_before"] else None
        return TurnRow(id=row["id"], outcome=row["outcome"], draft_before=before)

    async def for_chat(self, chat_id: int) -> list[dict[str, Any]]:
        """The chat's turns, oldest first: id, text, outcome, replies, tools, sender_id."""
        return await self._db.fetchall(
            "SELECT id, text, outcome, replies, tools, sender_id FROM turns WHERE chat_id = ? ORDER BY id",
            (chat_id,),
        )
