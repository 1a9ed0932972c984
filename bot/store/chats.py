"""A chat's own settings: its engine, its language, the last draft the bot saw, and what Telegram calls it.

The row also holds the cloud engine's credentials (`accounts.py` reads and writes those); `ChatRow` leaves
them out, so what the core handles about a chat carries nothing that signs anyone in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

import aiosqlite

from bot.store.database import NOW, ensure_chat


@dataclass(frozen=True, slots=True)
class ChatRow:
    """What the core sees of a chat."""

    chat_id: int
    language: str  # "" until the chat's language is known
    engine: str | None  # the chat's own engine choice; None means VIDEO_ENGINE
    draft: dict[str, Any] | None  # the last draft the bot reported, the base for "what changed"


class _Unchanged(Enum):
    """The default of `Chats.update`'s fields: None is a value a field can be set to, so "leave it" needs
    a marker of its own."""

    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED


class Chats:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def get(self, chat_id: int) -> ChatRow:
        """The chat's row, created on first use."""
        await ensure_chat(self._db, chat_id)
        async with self._db.execute(
            "SELECT chat_id, language, engine, draft FROM chats WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return ChatRow(
            chat_id=row["chat_id"],
            language=row["language"],
            engine=row["engine"],
            draft=json.loads(row["draft"]) if row["draft"] else None,
        )

    async def update(
        self,
        chat_id: int,
        *,
        engine: str | _Unchanged | None = UNCHANGED,
        language: str | _Unchanged = UNCHANGED,
        draft: dict[str, Any] | _Unchanged | None = UNCHANGED,
    ) -> None:
        """Write the fields passed; the others keep their value."""
        fields: dict[str, Any] = {}
        if engine is not UNCHANGED:
            fields["engine"] = engine
        if language is not UNCHANGED:
            fields["language"] = language
        if draft is not UNCHANGED:
            fields["draft"] = json.dumps(draft, ensure_ascii=False) if draft is not None else None
        if not fields:
            return
        await ensure_chat(self._db, chat_id)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self._db.execute(
            f"UPDATE chats SET {assignments}, updated_at = {NOW} WHERE chat_id = ?", (*fields.values(), chat_id)
        )

    async def see(self, chat_id: int, *, title: str | None, chat_type: str | None) -> None:
        """Remember what a chat is called and what kind it is, for /usage (a group may be renamed)."""
        await self._db.execute(
            "INSERT INTO chats (chat_id, title, chat_type) VALUES (?, ?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET title = excluded.title, chat_type = excluded.chat_type"
            " WHERE title IS NOT excluded.title OR chat_type IS NOT excluded.chat_type",
            (chat_id, title, chat_type),
        )
