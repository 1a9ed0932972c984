"""The local engine's timeline per chat: the same draft JSON the cloud keeps on its side, kept here because
the local engine has no service to keep it."""

from __future__ import annotations

import json
from typing import Any

from bot.store.database import Statements, ensure_chat, now


class LocalTimelines:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def get(self, chat_id: int) -> dict[str, Any] | None:
        """The chat's timeline, None before the local engine first set the chat up."""
        row = await self._db.fetchone("SELECT draft FROM local_timelines WHERE chat_id = ?", (chat_id,))
        return json.loads(row["draft"]) if row else None

    async def put(self, chat_id: int, draft: dict[str, Any]) -> None:
        await ensure_chat(self._db, chat_id)
        await self._db.execute(
            "INSERT INTO local_timelines (chat_id, draft, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at",
            (chat_id, json.dumps(draft, ensure_ascii=False), now()),
        )
