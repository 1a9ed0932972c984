"""The flood limiter: windows that hold as the server counts, urgent replies first, chat actions that never
wait, no starvation, no capacity lost to a cancelled sender, and `retry_after` obeyed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter

from bot import priority
from bot.telegram.limits import BULK_EVERY, FloodLimiter, SlidingWindow


async def _hold(window: SlidingWindow, name: str, order: list[str], *, urgent: bool = False,
                release: asyncio.Event | None = None) -> None:
    async with window.slot(urgent=urgent):
        order.append(name)
        if release is not None:
            await release.wait()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_no_more_than_the_limit_in_any_window_counted_from_each_answer() -> None:
    window = SlidingWindow(5, 0.2)
    spans: list[tuple[float, float]] = []  # (granted, answered) of each send
    loop = asyncio.get_running_loop()

    async def send() -> None:
        async with window.slot():
            started = loop.time()
            await asyncio.sleep(0.01)  # the request's round trip
            spans.append((started, loop.time()))

    await asyncio.gather(*(send() for _ in range(16)))
    spans.sort()
    assert len(spans) == 16
    # the sixth send after any send starts only once that send's answer is a full window old
    for earlier, later in zip(spans, spans[5:], strict=False):
        assert later[0] >= earlier[1] + 0.2 - 0.005


async def test_an_urgent_reply_overtakes_bulk_ones_already_waiting() -> None:
    window = SlidingWindow(1, 0.0)
    order: list[str] = []
    release = asyncio.Event()
    holder = asyncio.create_task(_hold(window, "holder", order, release=release))
    await _settle()
    bulk = [asyncio.create_task(_hold(window, f"bulk{i}", order)) for i in range(3)]
    await _settle()
    urgent = asyncio.create_task(_hold(window, "urgent", order, urgent=True))
    await _settle()
    release.set()
    await asyncio.gather(holder, *bulk, urgent)
    assert order == ["holder", "urgent", "bulk0", "bulk1", "bulk2"]


async def test_bulk_replies_are_not_starved_by_a_stream_of_urgent_ones() -> None:
    window = SlidingWindow(1, 0.0)
    order: list[str] = []
    release = asyncio.Event()
    holder = asyncio.create_task(_hold(window, "holder", order, release=release))
    await _settle()
    bulk = asyncio.create_task(_hold(window, "bulk", order))
    await _settle()
    urgent = [asyncio.create_task(_hold(window, f"urgent{i}", order, urgent=True)) for i in range(10)]
    await _settle()
    release.set()
    await asyncio.gather(holder, bulk, *urgent)
    assert order.index("bulk") <= BULK_EVERY  # after at most BULK_EVERY - 1 urgent ones
    assert order[1] == "urgent0"  # but urgent still came first


async def test_a_sender_cancelled_while_waiting_leaves_no_slot_taken() -> None:
    window = SlidingWindow(1, 0.0)
    order: list[str] = []
    release = asyncio.Event()
    holder = asyncio.create_task(_hold(window, "holder", order, release=release))
    await _settle()
    gone = asyncio.create_task(_hold(window, "gone", order))
    later = asyncio.create_task(_hold(window, "later", order))
    await _settle()
    gone.cancel()
    await _settle()
    assert window.waiting() == 1
    release.set()
    await asyncio.gather(holder, later)
    assert order == ["holder", "later"]
    assert window.used() == 0 and window.waiting() == 0


async def test_a_sender_cancelled_after_its_slot_was_granted_hands_the_slot_on() -> None:
    window = SlidingWindow(1, 0.0)
    order: list[str] = []
    held = window.slot()
    await held.__aenter__()
    granted = asyncio.create_task(_hold(window, "granted", order))
    later = asyncio.create_task(_hold(window, "later", order))
    await _settle()
    await held.__aexit__(None, None, None)  # grants the slot to `granted`, which has not run yet
    granted.cancel()
    await asyncio.wait_for(later, 1)
    assert granted.cancelled()
    assert order == ["later"]
    assert window.used() == 0 and window.waiting() == 0


class _Calls:
    """A stand-in for the bot's HTTP call, recording what was sent."""

    def __init__(self, delay: float = 0.0) -> None:
        self.sent: list[str] = []
        self.delay = delay
        self.failures: list[Exception] = []

    async def __call__(self, name: str) -> bool:
        if self.failures:
            raise self.failures.pop(0)
        await asyncio.sleep(self.delay)
        self.sent.append(name)
        return True


async def _request(limiter: FloodLimiter, calls: _Calls, name: str, endpoint: str = "sendMessage",
                   chat_id: int | None = 1) -> Any:
    data: dict[str, Any] = {} if chat_id is None else {"chat_id": chat_id}
    return await limiter.process_request(calls, (name,), {}, endpoint, data, None)


async def test_chat_actions_are_sent_when_there_is_room_and_skipped_under_pressure() -> None:
    limiter = FloodLimiter(overall_max_rate=8, overall_period=0.3)
    calls = _Calls()
    assert await _request(limiter, calls, "action", "sendChatAction") is True
    assert calls.sent == ["action"]
    # messages fill the window up to the reserve kept for them: actions give way, and never wait
    await asyncio.gather(*(_request(limiter, calls, f"m{i}") for i in range(3)))
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await _request(limiter, calls, "skipped", "sendChatAction") is True
    assert loop.time() - started < 0.05
    assert "skipped" not in calls.sent
    assert limiter.skipped_actions == 1
    await asyncio.sleep(0.35)  # the window has passed: room again
    await _request(limiter, calls, "again", "sendChatAction")
    assert calls.sent[-1] == "again"


async def test_an_urgent_reply_goes_out_before_queued_acknowledgements() -> None:
    limiter = FloodLimiter(overall_max_rate=2, overall_period=0.1)
    calls = _Calls()
    bulk = [asyncio.create_task(_request(limiter, calls, f"ack{i}", chat_id=100 + i)) for i in range(8)]
    await _settle()

    async def answer() -> None:
        with priority.answering_now():
            await _request(limiter, calls, "credits", chat_id=7)

    await asyncio.gather(*bulk, answer())
    assert calls.sent.index("credits") <= 3  # the two that went at once, then the answer
    assert not priority.is_urgent()


async def test_a_group_gets_no_more_than_its_per_minute_share() -> None:
    limiter = FloodLimiter(group_max_rate=2, group_period=0.3)
    calls = _Calls()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(_request(limiter, calls, f"g{i}", chat_id=-100123) for i in range(3)))
    assert loop.time() - started >= 0.3 - 0.01
    await _request(limiter, calls, "private", chat_id=5)  # other chats are not held up by the group's minute
    assert loop.time() - started < 0.45


async def test_retry_after_pauses_every_send_and_the_request_is_tried_again() -> None:
    limiter = FloodLimiter()
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
    limiter = FloodLimiter(overall_max_rate=1, overall_period=5)
    calls = _Calls()
    await _request(limiter, calls, "message")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await _request(limiter, calls, "getUpdates", "getUpdates", chat_id=None)
    assert loop.time() - started < 0.05
