"""Telegram's flood limits: python-telegram-bot's `AIORateLimiter`, paced evenly and per chat, with the reply
a user is waiting for let in first and chat actions that never wait.

Telegram lets a bot send about 30 messages a second overall, about one a second into a private chat (short
bursts allowed) and 20 a minute into one group, and answers 429 with `retry_after` beyond that (which
`AIORateLimiter` obeys and retries). Its buckets let a full burst go on top of the steady rate, it paces no
private chat at all, and its line is first come, first served: under load (bench/load.py, 200 chats
starting a video at once) a /credits answer waited behind every acknowledgement queued before it, the chat
actions of 200 busy chats (one per chat every 4 s) took more than the whole budget, and one user who sent
30 messages in a second got 28 replies within that second. So:

- the overall bucket holds one request and drains at `OVERALL_PER_SECOND`: an even pace, never a burst, so
  the next free slot is never more than a few hundredths of a second away;
- a door in front of it lets one request at a time wait inside the limiter; the others wait at the door,
  replies someone is waiting on (`bot.conversation.ports.answering_now`: /credits, /status, /help,
  /start) first, and the rest still get at least one turn in `BULK_EVERY` so urgent ones cannot starve them;
- a chat action is sent only when nobody waits at the door, and otherwise skipped (the conversation renews
  it every few seconds); it is not a message, so it does not count against a chat's pace, and neither does
  an edit (a render's progress, edited as it goes, must not slow the render's polling to the chat's pace);
- every chat has its own pace, taken before the door so a busy chat never holds up the others: a bucket as
  `AIORateLimiter` keeps for groups (here for private chats too), behind a door of the chat's own
  so that within the chat, too, the answer someone waits on goes first. The buckets are a little tighter
  than Telegram's (see `PRIVATE_BURST`, `GROUP_BURST`): the pace is kept where a request leaves and counted
  where it arrives, and the network in between may bring two closer together.
Requests that name no chat (getUpdates, getFile, setMyCommands) pass freely, as with `AIORateLimiter`.
Where a request takes its slot under a pace (the overall one, its chat's) is the `Pace` the limiter is
given (`bot.telegram.pace`): this process's memory (aiolimiter buckets, the default), or the store, shared
by every process sending through the bot's token (DATABASE_URL); the doors stay each process's own, so
each process lets its own urgent replies go first.
Every request passes `bot.telegram.presence` on its way out: that is where a chat's move or a 403 is seen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

from bot.conversation.ports import is_urgent
from bot.telegram.pace import MemoryPace, Pace, Rate
from bot.telegram.presence import ChatPresence

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
OVERALL_PER_SECOND = 28  # a bucket of one: at most 29 in any second, under Telegram's 30
# A private chat: Telegram's "about one a second" with a short burst (3 in the fake Telegram). A burst of 2
# keeps a whole message of room for a send the network delayed, so two never arrive closer than allowed.
PRIVATE_PER_SECOND, PRIVATE_BURST = 1.0, 2
GROUP_PER_MINUTE = 20  # Telegram counts 20 in any 60 s


def group_pace(per_minute: int) -> tuple[int, float]:
    """A group's bucket (burst, period) for `per_minute` messages in any minute. A bucket lets `burst` go at
    once and then refills at `burst / period` a second, so a conversation's few messages still go at once
    (half the minute's) and the rest are spread so that one fewer than allowed leaves in any minute: a
    message's room for the network."""
    burst = per_minute // 2
    return burst, 60.0 * burst / (per_minute - burst - 1)


GROUP_BURST, GROUP_PERIOD = group_pace(GROUP_PER_MINUTE)  # 10 at once, then one every 6.7 s
BULK_EVERY = 4  # while both kinds wait, at least one turn in this many goes to bulk replies
_MAX_CHAT_DOORS = 512
OVERALL = "overall"  # the key of the bot's overall pace; a chat's is chat_key(chat_id)


def chat_key(chat_id: int | str) -> str:
    return f"chat:{chat_id}"


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
    """`AIORateLimiter` behind a priority door, with even pacing, a pace per chat and chat actions that never
    wait."""

    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        private_per_second: float = PRIVATE_PER_SECOND,
        private_burst: int = PRIVATE_BURST,
        group_pace: tuple[int, float] = (GROUP_BURST, GROUP_PERIOD),
        max_retries: int = 3,
        presence: ChatPresence | None = None,
        pace: Pace | None = None,
    ) -> None:
        super().__init__(
            overall_max_rate=0, overall_time_period=0,  # the overall pace is taken here, through `pace`
            group_max_rate=0, group_time_period=0,  # chats are paced here, before the door
            max_retries=max_retries,
        )
        self._door = _Door()
        self._presence = presence or ChatPresence()
        self._pace = pace or MemoryPace()
        self._overall = Rate(1, 1 / overall_per_second)  # a bucket of one: an even pace
        self._private = Rate.bucket(private_burst, private_burst / private_per_second)
        self._group = Rate.bucket(*group_pace)
        self._chat_doors: dict[int | str, _Door] = {}  # within a chat, too, the answer someone waits on first
        self.skipped_actions = 0  #: chat actions not sent because others were waiting (for logs and tests)

    def _door_of(self, chat_id: int | str) -> _Door:
        if len(self._chat_doors) > _MAX_CHAT_DOORS:  # forget doors nobody waits at
            for key, door in list(self._chat_doors.items()):
                if key != chat_id and door.idle:
                    del self._chat_doors[key]
        return self._chat_doors.setdefault(chat_id, _Door())

    async def _chat_turn(self, chat_id: int | str, *, urgent: bool) -> None:
        """A new message's slot under its chat's pace: its requests go one at a time, the urgent ones first."""
        group = isinstance(chat_id, str) or chat_id < 0  # "@channel" names and negative ids are groups
        ticket = await self._door_of(chat_id).enter(urgent=urgent)
        try:
            await self._pace.wait(chat_key(chat_id), self._group if group else self._private)
        finally:
            ticket.leave()

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
        urgent = is_urgent()
        if endpoint.lower().startswith("send") and not action:  # a new message: edits and actions are not
            await self._chat_turn(chat_id, urgent=urgent)
        ticket = await self._door.enter(urgent=urgent)
        paid = bool(data.get("allow_paid_broadcast"))  # paced by AIORateLimiter's own paid-broadcast bucket

        async def through(*call_args: Any, **call_kwargs: Any) -> JSONResult:
            if not paid:  # each try takes a slot, as AIORateLimiter's own overall bucket did
                await self._pace.wait(OVERALL, self._overall)
            ticket.leave()  # the limiter let this one go: the next may start waiting for its slot
            return await callback(*call_args, **call_kwargs)

        try:
            return await super().process_request(through, args, kwargs, endpoint, data, rate_limit_args)
        finally:
            ticket.leave()
