"""Telegram's flood limits: python-telegram-bot's `AIORateLimiter`, paced evenly, with the reply a user is
waiting for let in first and chat actions that never wait.

Telegram lets a bot send about 30 messages a second overall and 20 a minute into one group, and answers 429
with `retry_after` beyond that (which `AIORateLimiter` obeys and retries). Its buckets let a full burst go
on top of the steady rate, and its line is first come, first served: under load (bench/load.py, 200 chats
starting a video at once) a /credits answer waited behind every acknowledgement queued before it, and the
chat actions of 200 busy chats (one per chat every 4 s) took more than the whole budget. So:

- the overall bucket holds one request and drains at `OVERALL_PER_SECOND`: an even pace, never a burst, so
  the next free slot is never more than a few hundredths of a second away;
- a door in front of it lets one request at a time wait inside the limiter; the others wait at the door,
  replies someone is waiting on (`bot.conversation.ports.answering_now`: /credits, /status, /help,
  /start) first, and the rest still get at least one turn in `BULK_EVERY` so urgent ones cannot starve them;
- a chat action is sent only when nobody waits at the door, and otherwise skipped (the conversation renews
  it every few seconds); it is not a message, so it does not count against a group's minute;
- a group's minute is its own aiolimiter bucket, taken before the door, so a busy group never holds up
  other chats.
Requests that name no chat (getUpdates, getFile, setMyCommands) pass freely, as with `AIORateLimiter`.
Every request passes `bot.telegram.presence` on its way out: that is where a chat's move or a 403 is seen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter

from bot.conversation.ports import is_urgent
from bot.telegram.presence import ChatPresence

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
OVERALL_PER_SECOND = 28  # a bucket of one: at most 29 in any second, under Telegram's 30
# A group's minute as AIORateLimiter counts it: 20 at once, then one every 3 s. A conversation in a group is
# a few messages at a time, and pacing them one by one would make the whole team wait.
GROUP_BURST, GROUP_PERIOD = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP, 60.0
BULK_EVERY = 4  # while both kinds wait, at least one turn in this many goes to bulk replies
_MAX_GROUP_BUCKETS = 512


class _Ticket:
    """One request's pass through the door; leaving twice is harmless (a retry after 429 passes again)."""

    def __init__(self, door: _Door) -> None:
        self._door = door
        self.left = False

    def leave(self) -> None:
        if not self.left:
            self.left = True
            self._door.next()


class _Door:
    """One request at a time through, urgent ones first (see the module)."""

    def __init__(self) -> None:
        self._busy = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._urgent_streak = 0  # urgent turns in a row while bulk was waiting

    @property
    def idle(self) -> bool:
        return not self._busy and not self._urgent and not self._bulk

    async def enter(self, *, urgent: bool) -> _Ticket:
        if self.idle:
            self._busy = True
            return _Ticket(self)
        turn = asyncio.get_running_loop().create_future()
        line = self._urgent if urgent else self._bulk
        line.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.next()  # its turn came, but it is gone: the next one goes instead
            else:
                with contextlib.suppress(ValueError):
                    line.remove(turn)
            raise
        return _Ticket(self)

    def next(self) -> None:
        """The request inside has gone through: the next one in line enters (or the door is free)."""
        if self._urgent and (not self._bulk or self._urgent_streak < BULK_EVERY - 1):
            self._urgent_streak = self._urgent_streak + 1 if self._bulk else 0
            self._urgent.popleft().set_result(None)
        elif self._bulk:
            self._urgent_streak = 0
            self._bulk.popleft().set_result(None)
        else:
            self._busy = False


class FloodLimiter(AIORateLimiter):
    """`AIORateLimiter` behind a priority door, with even pacing and chat actions that never wait."""

    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        group_burst: int = GROUP_BURST,
        group_period: float = GROUP_PERIOD,
        max_retries: int = 3,
        presence: ChatPresence | None = None,
    ) -> None:
        super().__init__(
            overall_max_rate=1, overall_time_period=1 / overall_per_second,
            group_max_rate=0, group_time_period=0,  # groups are paced here, before the door
            max_retries=max_retries,
        )
        self._door = _Door()
        self._presence = presence or ChatPresence()
        self._group_burst = group_burst
        self._group_period = group_period
        self._groups: dict[int | str, AsyncLimiter] = {}
        self.skipped_actions = 0  #: chat actions not sent because others were waiting (for logs and tests)

    def _group_bucket(self, chat_id: int | str) -> AsyncLimiter:
        if len(self._groups) > _MAX_GROUP_BUCKETS:  # forget idle groups (a full bucket is an idle one)
            for key, bucket in list(self._groups.items()):
                if key != chat_id and bucket.has_capacity(bucket.max_rate):
                    del self._groups[key]
        if chat_id not in self._groups:
            self._groups[chat_id] = AsyncLimiter(self._group_burst, self._group_period)
        return self._groups[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        callback = self._presence.watching(callback, endpoint, data)
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        action = endpoint.lower() == "sendchataction"
        if action and not self._door.idle:
            self.skipped_actions += 1
            return True
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        if not action and (isinstance(chat_id, str) or chat_id < 0):
            await self._group_bucket(chat_id).acquire()
        ticket = await self._door.enter(urgent=is_urgent())

        async def through(*call_args: Any, **call_kwargs: Any) -> JSONResult:
            ticket.leave()  # the limiter let this one go: the next may start waiting for its slot
            return await callback(*call_args, **call_kwargs)

        try:
            return await super().process_request(through, args, kwargs, endpoint, data, rate_limit_args)
        finally:
            ticket.leave()
