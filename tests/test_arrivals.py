"""A chat's messages are worked on in arrival order; other chats never wait; a place left is never waited on."""

from __future__ import annotations

import asyncio

from bot.arrivals import Arrivals


async def test_a_later_message_waits_for_the_earlier_ones_of_its_chat_only() -> None:
    arrivals = Arrivals()
    photo, text, other = arrivals.arrive(1), arrivals.arrive(1), arrivals.arrive(2)
    await asyncio.wait_for(arrivals.wait(other), 1)  # another chat: no wait
    await asyncio.wait_for(arrivals.wait(photo), 1)  # first in its line
    waiting = asyncio.create_task(arrivals.wait(text))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    photo.leave()
    await asyncio.wait_for(waiting, 1)
    assert arrivals.ahead_of(text) == []


async def test_leaving_twice_or_out_of_order_never_stalls_a_line() -> None:
    arrivals = Arrivals()
    first, second, third = (arrivals.arrive(7) for _ in range(3))
    second.leave()
    second.leave()
    assert arrivals.ahead_of(third) == [first]
    first.leave()
    await asyncio.wait_for(arrivals.wait(third), 1)
    third.leave()
    assert arrivals.ahead_of(arrivals.arrive(7)) == []
