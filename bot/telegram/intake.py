"""`python3 -m bot intake`: the one process that reads Telegram when the bot runs as several (DATABASE_URL).

Telegram hands a bot's updates to one reader at a time (a second getUpdates ends the first with 409), so one
intake reads and any number wait as standbys: the reader holds `Store.sole("intake")`, a PostgreSQL advisory
lock that the server lets go of the moment the reader's connection closes, killed or not, and the standby
polling for it (INTAKE_STANDBY_SECONDS) reads on from the first update nobody confirmed.

Each batch is kept in the inbox and its jobs queued (`bot.queue`) before the next getUpdates confirms it, as
the one-process bot's `bot.telegram.inbox` does. A stranger's update is never kept or queued: it is answered
here (the refusal, or their /join), through the same handlers. A new reader first queues
whatever the inbox holds unfinished (its queueing lock keeps a job still waiting from being queued twice, and
an update that ran already is skipped by the inbox).

An album arrives as separate updates and is handed over as one: its parts wait here until none has come for
ALBUM_WAIT_SECONDS and then go as one job, and what the chat sent after the album waits behind it, so the
chat's order holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, TimedOut

from bot.config import Settings
from bot.conversation import COMMANDS
from bot.store import Store
from bot.telegram.handlers import command_in

log = logging.getLogger(__name__)

Admits = Callable[[Update], Awaitable[bool]]
TurnAway = Callable[[Update], Awaitable[None]]
# Answers that only read (nobody should wait behind a minute-long stream for them): no chat lock.
TelegramErrors = (TimedOut, NetworkError, Conflict)
_QUICK = frozenset({"credits", "status", "help", "start"}) & frozenset(command.name for command in COMMANDS)


class UpdateQueue(Protocol):
    """Where kept updates go (`bot.queue.JobQueue`)."""

    async def queue_updates(
        self, payloads: list[str], *, first_id: int, chat_id: int | None, quick: bool
    ) -> None: ...


@dataclass
class _Pending:
    """Updates of one chat not queued yet: an album still arriving, and whatever came after it."""

    updates: list[Update] = field(default_factory=list)
    album: str | None = None  # the media group being collected (the head of `updates`)
    timer: asyncio.TimerHandle | None = None


class Intake:
    def __init__(
        self, settings: Settings, store: Store, queue: UpdateQueue, bot: Bot, admits: Admits, turn_away: TurnAway
    ) -> None:
        self._settings = settings
        self._store = store
        self._queue = queue
        self._bot = bot
        self._admits = admits
        self._turn_away = turn_away  # a stranger's update: answered here, never kept or queued
        self._pending: dict[int, _Pending] = {}
        self._flushing: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event, ready: Callable[[], Awaitable[None]] | None = None) -> None:
        """Stand by until this process is the reader, then (`ready` first) read until `stop`, or until the
        hold is lost."""
        log.info("intake: standing by until no other intake reads")
        async with contextlib.AsyncExitStack() as held:
            holding = asyncio.ensure_future(held.enter_async_context(
                self._store.sole("intake", retry_seconds=self._settings.intake_standby_seconds)))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({holding, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not holding.done():  # stopped while standing by
                holding.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await holding
                return
            lost = holding.result()
            log.info("intake: reading updates")
            if ready is not None:
                try:
                    await ready()
                except TelegramErrors as exc:
                    log.warning("intake: not ready (%s); reading anyway", type(exc).__name__)
            queued = await self.queue_unfinished()
            if queued:
                log.info("intake: queued %d update(s) kept before and not handled yet", queued)
            await self._read(stop, lost)
            await self._flush_all()

    async def queue_unfinished(self) -> int:
        """Queue every update the inbox holds unfinished, albums as one job each, in the order they came."""
        updates = []
        for update_id, payload in await self._store.inbox.unfinished():
            try:
                updates.append(Update.de_json(json.loads(payload), self._bot))
            except (ValueError, TypeError, KeyError):
                log.warning("update %s could not be read back; skipped", update_id)
                await self._store.inbox.finish(update_id)
        groups: list[list[Update]] = []
        for update in updates:
            album = _album(update)
            if album and groups and _album(groups[-1][0]) == album and _chat_id(groups[-1][0]) == _chat_id(update):
                groups[-1].append(update)
            else:
                groups.append([update])
        for group in groups:
            await self._queue_job(group)
        return len(updates)

    async def _read(self, stop: asyncio.Event, lost: asyncio.Event) -> None:
        offset: int | None = None
        unsure = False
        ended = asyncio.ensure_future(_first(stop, lost))
        try:
            while not ended.done():
                poll = asyncio.ensure_future(self._bot.get_updates(
                    offset=offset, timeout=self._settings.telegram_poll_timeout_seconds,
                    allowed_updates=Update.ALL_TYPES,
                ))
                await asyncio.wait({poll, ended}, return_when=asyncio.FIRST_COMPLETED)
                if not poll.done():
                    poll.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await poll
                    break
                try:
                    updates = poll.result()
                except (TimedOut, NetworkError, Conflict) as exc:  # Conflict: a reader of an older run ending
                    log.info("intake: getUpdates failed (%s); asking again", type(exc).__name__)
                    await _wait(ended, self._settings.intake_standby_seconds)
                    continue
                if not updates:
                    continue
                try:
                    if unsure:  # an earlier batch may be kept without its jobs: queue what is unfinished
                        await self.queue_unfinished()
                        unsure = False
                    await self.keep(list(updates))
                except Exception:  # the database, most likely: the batch stays unconfirmed, Telegram sends it again
                    log.exception("intake: updates %s-%s not kept; asking again", updates[0].update_id,
                                  updates[-1].update_id)
                    unsure = True
                    await _wait(ended, self._settings.intake_standby_seconds)
                    continue
                offset = updates[-1].update_id + 1
            if offset is not None and not lost.is_set():  # confirm the last batch: it is kept
                with contextlib.suppress(TelegramErrors):
                    await self._bot.get_updates(offset=offset, timeout=0)
        finally:
            ended.cancel()

    async def keep(self, batch: list[Update]) -> None:
        """Keep the admitted updates of a batch, and queue the new ones (or hold them behind an album)."""
        admitted = []
        for update in batch:
            if await self._admits(update):
                admitted.append(update)
            else:  # the refusal, or a /join, handled at once: nothing of theirs goes into the database
                self._in_background(self._turn_away(update))
        fresh = await self._store.inbox.receive(
            [(u.update_id, _chat_id(u), u.to_json()) for u in admitted]
        )
        for update in admitted:
            if update.update_id not in fresh:
                log.info("update %s arrived again; already kept", update.update_id)
                continue
            await self._arrived(update)

    async def _arrived(self, update: Update) -> None:
        chat_id, album = _chat_id(update), _album(update)
        pending = self._pending.get(chat_id) if chat_id is not None else None
        if pending is None and not album:
            await self._queue_job([update])
            return
        if chat_id is None:  # an album always has a chat; kept for the type checker
            await self._queue_job([update])
            return
        if pending is None:
            pending = self._pending[chat_id] = _Pending(album=album)
        pending.updates.append(update)
        if album and album == pending.album:
            if pending.timer is not None:
                pending.timer.cancel()
            pending.timer = asyncio.get_running_loop().call_later(
                self._settings.album_wait_seconds, self._album_complete, chat_id)

    def _album_complete(self, chat_id: int) -> None:
        self._in_background(self._flush(chat_id))

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _flush(self, chat_id: int) -> None:
        """The chat's album is complete: queue it, then what came after it, up to the next album."""
        pending = self._pending.pop(chat_id, None)
        if pending is None:
            return
        album = [u for u in pending.updates if _album(u) == pending.album]
        after = [u for u in pending.updates if _album(u) != pending.album]
        try:
            await self._queue_job(album)
        except Exception:  # kept in the inbox: the next reader (or this one, restarted) queues it
            log.exception("album of chat %s not queued", chat_id)
        for update in after:
            await self._arrived(update)

    async def _flush_all(self) -> None:
        """Stopping: what is held is queued now rather than left to the next reader's start."""
        for chat_id, pending in list(self._pending.items()):
            if pending.timer is not None:
                pending.timer.cancel()
            await self._flush(chat_id)
        await asyncio.gather(*self._flushing, return_exceptions=True)

    async def _queue_job(self, updates: list[Update]) -> None:
        first = updates[0]
        await self._queue.queue_updates(
            [u.to_json() for u in updates], first_id=first.update_id, chat_id=_chat_id(first),
            quick=len(updates) == 1 and command_in(first) in _QUICK,
        )


def _chat_id(update: Update) -> int | None:
    return update.effective_chat.id if update.effective_chat else None


def _album(update: Update) -> str | None:
    message = update.message
    return message.media_group_id if message is not None else None


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


async def _wait(ended: asyncio.Future[None], seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(ended), seconds)
