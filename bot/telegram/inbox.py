"""The queue between python-telegram-bot's poller and its handlers, made durable.

Telegram forgets an update once the next getUpdates confirms it, and the poller asks again as soon as it has
queued a batch: an update is confirmed long before it has been handled. So each update is written to the
store as it is queued (the poller awaits that before it asks again), and marked done by the handlers at the
end. A restart queues the updates that never got there before asking Telegram for new ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update

from bot.store import Store

log = logging.getLogger(__name__)

Admits = Callable[[Update], Awaitable[bool]]


class Inbox(asyncio.Queue[Any]):
    """An `asyncio.Queue` (what PTB's Updater and Application share) whose `put` keeps each update."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._admits: Admits | None = None

    def admit_with(self, admits: Admits) -> None:
        """Only updates the access rules let in are kept: nothing of a stranger's reaches the database."""
        self._admits = admits

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and (self._admits is None or await self._admits(item)):
            chat = item.effective_chat
            fresh = await self._store.receive_update(item.update_id, chat.id if chat else None, item.to_json())
            if not fresh:  # delivered again after a crash: it is queued from the store, or was handled
                log.info("update %s arrived again; already kept", item.update_id)
                return
        await super().put(item)

    async def put_unfinished(self, bot: Bot) -> int:
        """Queue the updates a previous run kept but did not finish; returns how many."""
        kept = await self._store.unfinished_updates()
        for update_id, payload in kept:
            try:
                update = Update.de_json(json.loads(payload), bot)
            except (ValueError, TypeError, KeyError):
                log.warning("update %s could not be read back; skipped", update_id)
                await self._store.finish_update(update_id)
                continue
            await super().put(update)
        return len(kept)
