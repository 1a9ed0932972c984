"""The flood limiter (AIORateLimiter behind a priority door): an even pace, urgent replies first without
starving the rest, chat actions that never wait, groups paced on their own, `retry_after` obeyed, and no
turn lost to a sender that was cancelled."""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter

from bot.conversation.ports import answering_now, is_urgent
from bot.telegram.limits import BULK_EVERY, GROUP_BURST, PRIVATE_BURST, FloodLimiter


class _Calls:
    """A stand-in for the bot's HTTP call, recording what was sent and when."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.at: list[float] = []
        self.failures: list[Exception] = []

    async def __call__(self, name: str) -> bool:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(name)
        self.at.append(asyncio.get_running_loop().time())
        return True


async def _request(limiter: FloodLimiter, calls: _Calls, name: str, endpoint: str = "sendMessage",
                   chat_id: int | None = 1, *, urgent: bool = False) -> Any:
    data: dict[str, Any] = {} if chat_id is None else {"chat_id": chat_id}
    if urgent:
        with answering_now():
            return await limiter.process_request(calls, (name,), {}, endpoint, data, None)
    return await limiter.process_request(calls, (name,), {}, endpoint, data, None)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_sends_are_evenly_paced_with_no_burst() -> None:
    limiter = FloodLimiter(overall_per_second=50)
    calls = _Calls()
    await asyncio.gather(*(_request(limiter, calls, f"m{i}", chat_id=100 + i) for i in range(20)))
    assert len(calls.sent) == 20
    # In any 0.2 s: no more than the pace allows (10), plus the one the empty bucket lets through at once.
    for i, start in enumerate(calls.at):
        assert sum(start <= t < start + 0.2 for t in calls.at[i:]) <= 11
    assert calls.at[-1] - calls.at[0] >= 19 / 50 - 0.02


async def test_an_urgent_reply_overtakes_bulk_ones_already_waiting() -> None:
    limiter = FloodLimiter(overall_per_second=20)
    calls = _Calls()
    bulk = [asyncio.create_task(_request(limiter, calls, f"ack{i}", chat_id=100 + i)) for i in range(8)]
    await _settle()
    await asyncio.gather(*bulk, _request(limiter, calls, "credits", chat_id=7, urgent=True))
    assert calls.sent.index("credits") <= 2  # the one already inside, perhaps the next, then the answer
    assert not is_urgent()


async def test_bulk_replies_are_not_starved_by_a_stream_of_urgent_ones() -> None:
    limiter = FloodLimiter(overall_per_second=50)
    calls = _Calls()
    ahead = [asyncio.create_task(_request(limiter, calls, name, chat_id=chat))
             for chat, name in ((1, "first"), (2, "second"))]
    await _settle()  # "first" went at once; "second" is inside, waiting for the next slot
    bulk = asyncio.create_task(_request(limiter, calls, "bulk", chat_id=3))
    await _settle()
    urgent = [asyncio.create_task(_request(limiter, calls, f"u{i}", chat_id=10 + i, urgent=True))
              for i in range(10)]
    await asyncio.gather(*ahead, bulk, *urgent)
    assert calls.sent[:3] == ["first", "second", "u0"]  # urgent before the bulk that waited longer
    assert calls.sent.index("bulk") <= 1 + BULK_EVERY  # but bulk within one round


async def test_chat_actions_never_wait_and_give_way_when_others_wait() -> None:
    limiter = FloodLimiter(overall_per_second=10)
    calls = _Calls()
    assert await _request(limiter, calls, "action", "sendChatAction") is True
    assert calls.sent == ["action"]
    loop = asyncio.get_running_loop()
    waiting = [asyncio.create_task(_request(limiter, calls, f"m{i}", chat_id=100 + i)) for i in range(3)]
    await _settle()
    started = loop.time()
    assert await _request(limiter, calls, "skipped", "sendChatAction") is True
    assert loop.time() - started < 0.02 and "skipped" not in calls.sent and limiter.skipped_actions == 1
    await asyncio.gather(*waiting)
    await _request(limiter, calls, "again", "sendChatAction")  # nobody waits: it goes
    assert calls.sent[-1] == "again"


async def test_a_group_is_paced_by_its_minute_without_holding_up_other_chats() -> None:
    limiter = FloodLimiter(overall_per_second=100, group_pace=(2, 0.3))
    calls = _Calls()
    loop = asyncio.get_running_loop()
    started = loop.time()
    group = asyncio.gather(*(_request(limiter, calls, f"g{i}", chat_id=-100123) for i in range(4)))
    await asyncio.sleep(0.05)
    await _request(limiter, calls, "private", chat_id=5)
    assert loop.time() - started < 0.1  # not behind the group's minute
    await group
    assert loop.time() - started >= 0.3 - 0.02  # two at once, then one per 0.15 s
    assert calls.sent.index("private") < calls.sent.index("g3")
    # Chat actions are not messages: they don't use the group's share.
    assert await _request(limiter, calls, "typing", "sendChatAction", chat_id=-100123) is True
    assert calls.sent[-1] == "typing"


async def test_a_sender_cancelled_at_the_door_loses_nobody_a_turn() -> None:
    limiter = FloodLimiter(overall_per_second=20)
    calls = _Calls()
    first = asyncio.create_task(_request(limiter, calls, "first"))
    await _settle()
    gone = asyncio.create_task(_request(limiter, calls, "gone"))
    later = asyncio.create_task(_request(limiter, calls, "later"))
    await _settle()
    gone.cancel()
    await asyncio.wait_for(asyncio.gather(first, later), 1)
    assert calls.sent == ["first", "later"]
    # the door is free again: an action goes through at once
    await _request(limiter, calls, "action", "sendChatAction")
    assert calls.sent[-1] == "action"


async def test_retry_after_pauses_every_send_and_the_request_is_tried_again() -> None:
    limiter = FloodLimiter(max_retries=1)
    calls = _Calls()
    calls.failures.append(RetryAfter(timedelta(seconds=0.2)))
    loop = asyncio.get_running_loop()
    started = loop.time()
    first = asyncio.create_task(_request(limiter, calls, "first"))
    await _settle()
    await _request(limiter, calls, "second", chat_id=2)
    await first
    assert loop.time() - started >= 0.3 - 0.01  # retry_after + 0.1
    assert sorted(calls.sent) == ["first", "second"]


async def test_requests_without_a_chat_are_never_held() -> None:
    limiter = FloodLimiter(overall_per_second=0.2)
    calls = _Calls()
    await _request(limiter, calls, "message")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await _request(limiter, calls, "getUpdates", "getUpdates", chat_id=None)
    assert loop.time() - started < 0.05


# ---------------------------------------------------------------- each chat's own pace, on a virtual clock


class _VirtualClock(selectors.DefaultSelector):
    """A selector that, instead of blocking until the next timer, moves its loop's clock to it: sleeps and
    limiter waits of minutes take no real time, in the order and at the moments they would have."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if not ready and timeout is not None:
            # Every turn of the loop takes a microsecond, as a real one takes some time: aiolimiter's leak,
            # computed in floats, can set a timer for "now" again and again until the clock moves on.
            self.now += max(timeout, 1e-6)
        return ready


def on_virtual_clock(main: Coroutine[Any, Any, None]) -> None:
    clock = _VirtualClock()
    loop = asyncio.SelectorEventLoop(clock)
    loop.time = lambda: clock.now  # type: ignore[method-assign]
    try:
        loop.run_until_complete(main)
    finally:
        loop.close()


def most_in_any(window: float, moments: list[float]) -> int:
    return max(sum(start <= t < start + window - 1e-9 for t in moments) for start in moments)


def test_a_private_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    async def story() -> None:
        limiter = FloodLimiter()  # Telegram's own pace: the defaults
        calls = _Calls()
        await asyncio.gather(*(_request(limiter, calls, f"m{i}", chat_id=5) for i in range(30)))
        at = calls.at
        assert sum(t - at[0] < 0.1 for t in at) == PRIVATE_BURST  # the burst goes at once
        gaps = [b - a for a, b in zip(at[PRIVATE_BURST:], at[PRIVATE_BURST + 1:], strict=False)]
        assert all(abs(gap - 1.0) < 0.01 for gap in gaps)  # then one a second
        assert most_in_any(1.0, at) <= PRIVATE_BURST + 1
        assert calls.sent == [f"m{i}" for i in range(30)]  # in order

    on_virtual_clock(story())


def test_a_group_never_gets_more_than_twenty_in_any_minute() -> None:
    async def story() -> None:
        limiter = FloodLimiter()
        calls = _Calls()
        await asyncio.gather(*(_request(limiter, calls, f"g{i}", chat_id=-100555) for i in range(60)))
        assert sum(t - calls.at[0] < 1.0 for t in calls.at) == GROUP_BURST  # a conversation's few at once
        assert most_in_any(60.0, calls.at) <= 19  # Telegram counts 20 in any 60 s; one to spare

    on_virtual_clock(story())


def test_within_a_chat_the_answer_someone_waits_on_goes_first() -> None:
    async def story() -> None:
        limiter = FloodLimiter()
        calls = _Calls()
        bulk = [asyncio.create_task(_request(limiter, calls, f"ack{i}", chat_id=5)) for i in range(6)]
        await _settle()
        await _request(limiter, calls, "status", chat_id=5, urgent=True)
        assert calls.sent.index("status") <= PRIVATE_BURST + 1  # the burst, perhaps one waiting inside, then it
        other = asyncio.get_running_loop().time()
        await _request(limiter, calls, "elsewhere", chat_id=6)  # another chat is not behind this one's pace
        assert asyncio.get_running_loop().time() - other < 0.1
        edited = asyncio.get_running_loop().time()
        await _request(limiter, calls, "progress", "editMessageText", chat_id=5)  # not a new message
        assert asyncio.get_running_loop().time() - edited < 0.1
        await asyncio.gather(*bulk)

    on_virtual_clock(story())
