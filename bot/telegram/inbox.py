"""The queue between python-telegram-bot's poller and its handlers, made durable.

Telegram forgets an update once a getUpdates call confirms it (by asking for the next offset), and the
poller asks again as soon as it has queued a batch: an update is confirmed long before it has been handled.
So each batch the poller queues is written to the store in one transaction, and the request that would
confirm it (`ConfirmWhenKept`) waits until that is done; the handlers mark each update done at the end. A
restart queues the updates that never got there before asking Telegram for new ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.request import HTTPXRequest, RequestData

from bot.store import Store

log = logging.getLogger(__name__)

Admits = Callable[[Update], Awaitable[bool]]


class Inbox(asyncio.Queue[Any]):
    """An `asyncio.Queue` (what PTB's Updater and Application share) that keeps each update it is given.

    `put` only collects: the poller queues a whole batch without yielding, and the batch is written at the
    next turn of the event loop, then handed to the handlers in the order it came.
    """

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._admits: Admits | None = None
        self._arrived: list[Update] = []
        self._keeping: asyncio.Future[None] | None = None

    def admit_with(self, admits: Admits) -> None:
        """Only updates the access rules let in are kept: nothing of a stranger's reaches the database."""
        self._admits = admits

    async def put(self, item: Any) -> None:
        if not isinstance(item, Update):  # the Application's own stop signal
            await super().put(item)
            return
        self._arrived.append(item)
        if self._keeping is None or self._keeping.done():
            self._keeping = asyncio.ensure_future(self._keep())

    async def kept(self) -> None:
        """Return once everything queued so far is in the store (and on its way to the handlers)."""
        while self._keeping is not None and not self._keeping.done():
            await asyncio.shield(self._keeping)

    async def _keep(self) -> None:
        await asyncio.sleep(0)  # the poller finishes queueing its batch first
        while self._arrived:
            batch, self._arrived = self._arrived, []
            try:
                admitted = [update for update in batch if self._admits is None or await self._admits(update)]
                fresh = await self._store.inbox.receive([
                    (u.update_id, u.effective_chat.id if u.effective_chat else None, u.to_json()) for u in admitted
                ])
            except Exception:  # handled without the safety net rather than dropped
                log.exception("updates %s-%s could not be kept", batch[0].update_id, batch[-1].update_id)
                admitted, fresh = [], set()
            kept = {update.update_id for update in admitted}
            for update in batch:
                if update.update_id in kept and update.update_id not in fresh:
                    log.info("update %s arrived again; already kept", update.update_id)
                    continue
                self.put_nowait(update)

    async def put_unfinished(self, bot: Bot) -> int:
        """Queue the updates a previous run kept but did not finish; returns how many."""
        kept = await self._store.inbox.unfinished()
        for update_id, payload in kept:
            try:
                update = Update.de_json(json.loads(payload), bot)
            except (ValueError, TypeError, KeyError):
                log.warning("update %s could not be read back; skipped", update_id)
                await self._store.inbox.finish(update_id)
                continue
            self.put_nowait(update)
        return len(kept)


class ConfirmWhenKept(HTTPXRequest):
    """The request object PTB uses for getUpdates: each call confirms the updates before its offset, so it
    waits until the inbox has kept them."""

    __slots__ = ("_inbox",)

    def __init__(self, inbox: Inbox, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._inbox = inbox

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        await self._inbox.kept()
        return await super().do_request(url, method, request_data, **timeouts)
