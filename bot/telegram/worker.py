"""What a worker (`python3 -m bot worker`) does with each job of `bot.queue`, in Telegram's terms.

An update's job carries the update as Telegram sent it; it is handled by the very handlers of the one-process
bot (`Application.process_update`), so the inbox still says whether it was handled before, and an album's
parts, handed over together, still meet in the album collector as one album.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.conversation import Conversation

log = logging.getLogger(__name__)


class UpdateWork:
    """`bot.queue.Work` over the Application and the conversation of this worker."""

    def __init__(self, app: Application, conversation: Conversation) -> None:
        self._app = app
        self._conversation = conversation

    async def handle_updates(self, payloads: list[str]) -> None:
        updates = []
        for payload in payloads:
            try:
                updates.append(Update.de_json(json.loads(payload), self._app.bot))
            except (ValueError, TypeError, KeyError):
                log.warning("a queued update could not be read; skipped")
        # The chat's last message may have been handled by another worker: what this one knew of it is read again.
        for chat_id in {update.effective_chat.id for update in updates if update.effective_chat}:
            await self._conversation.refresh(chat_id)
        await asyncio.gather(*(self._app.process_update(update) for update in updates))

    async def follow_render(self, render_id: str, draft: dict[str, Any] | None) -> None:
        await self._conversation.follow_render(render_id, draft)
