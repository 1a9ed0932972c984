"""Telegram's flood limits, kept so that a reply someone is waiting for never queues behind bulk traffic.

Telegram lets a bot send about 30 messages a second overall and 20 a minute into one group, and answers 429
with `retry_after` beyond that. python-telegram-bot's `AIORateLimiter` paces every request that names a chat
through leaky buckets in one first-come line. Under load (200 chats each streaming a turn) that line never
empties: each busy chat renews its chat action every 4 s (50 a second for 200 chats, more than the whole
budget), and a /credits answer waits behind hundreds of acknowledgements and chat actions. Its buckets also
allow a full burst on top of the steady rate, so up to 60 messages can land within one second. So this
limiter, in place of it:

- counts sliding windows, not buckets: at most 30 sends in any second (20 in any minute per group), and a
  send's slot counts from when its answer came back, so however the network delays a request, the server
  never sees more than the limit in any window;
- lets urgent replies go first (`bot.priority.answering_now`: /credits, /status, /help, /start): an urgent
  waiter takes the next free slot before bulk waiters (acknowledgements, progress), and bulk still gets at
  least one of every `BULK_EVERY` slots while both wait, so a flood of urgent replies cannot starve it;
- never makes a chat action wait: it is sent only when a slot is free right now beyond a small reserve kept
  for messages, and otherwise skipped (it is a hint the conversation renews every few seconds);
- obeys `retry_after`: a 429 pauses every send for that long, then the request is tried again (`max_retries`).

Requests that name no chat (getUpdates, getFile, setMyCommands) pass freely, as with `AIORateLimiter`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot import priority

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
BULK_EVERY = 4  # while bulk replies wait, at least one slot in this many goes to them
ACTION_RESERVE_OVERALL = 5  # of the 30 slots a second, kept free of chat actions for messages
ACTION_RESERVE_GROUP = 10  # of a group's 20 slots a minute, kept free of chat actions for messages
_IN_FLIGHT = float("inf")  # a slot whose request has not come back yet counts as used until it does
_MAX_GROUP_WINDOWS = 512


@dataclass(eq=False)
class _Waiter:
    urgent: bool
    granted: asyncio.Future[int] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class SlidingWindow:
    """At most `max_rate` sends in any `period` seconds, with urgent waiters served first (see the module).

    A slot is held from the moment it is granted until its request returns, and counts for `period` seconds
    from that return: the server's receive time lies in between, so the limit holds as the server counts.
    """

    def __init__(self, max_rate: int, period: float) -> None:
        self.max_rate = max_rate
        self.period = period
        self._slots: dict[int, float] = {}  # slot id -> when its request came back (or _IN_FLIGHT)
        self._ids = itertools.count()
        self._urgent: deque[_Waiter] = deque()
        self._bulk: deque[_Waiter] = deque()
        self._urgent_streak = 0  # urgent grants in a row while bulk was waiting
        self._timer: asyncio.TimerHandle | None = None

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _prune(self) -> None:
        cutoff = self._now() - self.period
        for slot, ended in list(self._slots.items()):
            if ended <= cutoff:
                del self._slots[slot]

    def used(self) -> int:
        """Slots counted right now: sends in flight plus those that came back within the last period."""
        self._prune()
        return len(self._slots)

    def waiting(self) -> int:
        """Senders waiting for a slot (a granted or cancelled one leaves its line at once)."""
        return len(self._urgent) + len(self._bulk)

    def free_now(self, reserve: int = 0) -> bool:
        """A slot could be granted at once, to no one's detriment: nobody waits and `reserve` slots stay free."""
        return not self.waiting() and self.used() < self.max_rate - reserve

    def _take(self) -> int:
        slot = next(self._ids)
        self._slots[slot] = _IN_FLIGHT
        return slot

    def _done(self, slot: int) -> None:
        if slot in self._slots:
            self._slots[slot] = self._now()
        self._dispatch()

    @contextlib.asynccontextmanager
    async def slot(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold one slot around one send, waiting for it in priority order."""
        slot_id = await self._acquire(urgent)
        try:
            yield
        finally:
            self._done(slot_id)

    def try_slot(self, reserve: int = 0) -> int | None:
        """A slot at once when `free_now(reserve)`, else None; give it back with `release`."""
        return self._take() if self.free_now(reserve) else None

    def release(self, slot_id: int) -> None:
        """The send in `slot_id` is over (successful or not): the slot counts from now for one period."""
        self._done(slot_id)

    async def _acquire(self, urgent: bool) -> int:
        if self.free_now():
            return self._take()
        waiter = _Waiter(urgent)
        (self._urgent if urgent else self._bulk).append(waiter)
        self._dispatch()
        try:
            return await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                # Granted, but the task was cancelled before it could use the slot: hand it on unused.
                self._slots.pop(waiter.granted.result(), None)
            self._forget(waiter)
            self._dispatch()
            raise

    def _forget(self, waiter: _Waiter) -> None:
        line = self._urgent if waiter.urgent else self._bulk
        with contextlib.suppress(ValueError):
            line.remove(waiter)

    def _next_waiter(self) -> _Waiter | None:
        if self._urgent and (not self._bulk or self._urgent_streak < BULK_EVERY - 1):
            self._urgent_streak = self._urgent_streak + 1 if self._bulk else 0
            return self._urgent.popleft()
        if self._bulk:
            self._urgent_streak = 0
            return self._bulk.popleft()
        return None

    def _dispatch(self) -> None:
        """Grant free slots to waiters in order; if some still wait, wake up when the next slot frees."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self.used() < self.max_rate:
            waiter = self._next_waiter()
            if waiter is None:
                return
            waiter.granted.set_result(self._take())
        if not self.waiting():
            return
        ended = [at for at in self._slots.values() if at != _IN_FLIGHT]
        if ended:  # otherwise every slot is in flight, and the first to come back dispatches again
            delay = max(0.0, min(ended) + self.period - self._now())
            self._timer = asyncio.get_running_loop().call_later(delay, self._dispatch)


class FloodLimiter(BaseRateLimiter[int]):
    """Telegram's flood limits with urgent replies first and chat actions that never wait (see the module).

    `rate_limit_args` of a request (an int) overrides `max_retries` for it, as with `AIORateLimiter`.
    """

    def __init__(
        self,
        *,
        overall_max_rate: int = FloodLimit.MESSAGES_PER_SECOND,
        overall_period: float = 1.0,
        group_max_rate: int = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        group_period: float = 60.0,
        max_retries: int = 3,
    ) -> None:
        self._overall = SlidingWindow(overall_max_rate, overall_period)
        self._group_max_rate = group_max_rate
        self._group_period = group_period
        self._groups: dict[int | str, SlidingWindow] = {}
        self._max_retries = max_retries
        self._paused_until = 0.0
        self.skipped_actions = 0  #: chat actions not sent because no slot was free (for logs and tests)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def _group(self, chat_id: int | str) -> SlidingWindow:
        """The chat's per-minute window; idle windows are dropped once there are many groups."""
        if len(self._groups) > _MAX_GROUP_WINDOWS:
            for key, window in list(self._groups.items()):
                if key != chat_id and not window.used() and not window.waiting():
                    del self._groups[key]
        if chat_id not in self._groups:
            self._groups[chat_id] = SlidingWindow(self._group_max_rate, self._group_period)
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
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await callback(*args, **kwargs)
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        group = self._group(chat_id) if isinstance(chat_id, str) or chat_id < 0 else None
        if endpoint.lower() == "sendchataction":
            return await self._chat_action(callback, args, kwargs, group)
        urgent = priority.is_urgent()
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        for attempt in range(retries + 1):
            try:
                async with contextlib.AsyncExitStack() as slots:
                    if group is not None:  # the group's minute first: no overall slot is held meanwhile
                        await slots.enter_async_context(group.slot(urgent=urgent))
                    await slots.enter_async_context(self._overall.slot(urgent=urgent))
                    await self._pause_over()
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self._pause(exc)
                if attempt == retries:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _chat_action(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        group: SlidingWindow | None,
    ) -> JSONResult:
        """Send a chat action only if that costs no message any waiting; otherwise report it as shown."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._paused_until or (group is not None and not group.free_now(ACTION_RESERVE_GROUP)):
            self.skipped_actions += 1
            return True
        overall_slot = self._overall.try_slot(ACTION_RESERVE_OVERALL)
        if overall_slot is None:
            self.skipped_actions += 1
            return True
        group_slot = group.try_slot(ACTION_RESERVE_GROUP) if group is not None else None
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self._pause(exc)
            self.skipped_actions += 1
            return True
        finally:
            self._overall.release(overall_slot)
            if group is not None and group_slot is not None:
                group.release(group_slot)

    def _pause(self, exc: RetryAfter) -> None:
        wait = exc._retry_after.total_seconds() + 0.1  # the timedelta (the public attribute warns)
        log.info("Telegram asked to wait %.1f s (flood control)", wait)
        self._paused_until = max(self._paused_until, asyncio.get_running_loop().time() + wait)

    async def _pause_over(self) -> None:
        loop = asyncio.get_running_loop()
        # A loop, not one sleep: another 429 during the pause can move its end further out.
        while (left := self._paused_until - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)
