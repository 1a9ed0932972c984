"""The local engine's timeline per chat: the same draft JSON the cloud keeps on its side, kept here because
the local engine has no service to keep it."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from bot.store.database import NOW, ensure_chat


class LocalTimelines:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def get(self, chat_id: int) -> dict[str, Any] | None:
        """The chat's timeline, None before the local engine first set the chat up."""
        async with self._db.execute("SELECT draft FROM local_timelines WHERE chat_id = ?", (chat_id,)) as cursor:
            row = await cursor.fetchone()
        return json.loads(row["draft"]) if row else None

    async def put(self, chat_id: int, draft: dict[str, Any]) -> None:
        await ensure_chat(self._db, chat_id)
        await self._db.execute(
            "INSERT INTO local_timelines (chat_id, draft) VALUES (?, ?)"
            f" ON CONFLICT(chat_id) DO UPDATE SET draft = excluded.draft, updated_at = {NOW}",
            (chat_id, json.dumps(draft, ensure_ascii=False)),
        )
