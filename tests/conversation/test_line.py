"""A chat's messages are worked on in arrival order; other chats never wait; a place left is never waited on."""

from __future__ import annotations

import asyncio

from bot.conversation.line import Line


async def test_a_later_message_waits_for_the_earlier_ones_of_its_chat_only() -> None:
    line = Line()
    photo, text, other = 10, 11, 12
    line.arrive(1, photo)
    line.arrive(1, text)
    line.arrive(2, other)
    await asyncio.wait_for(line.wait(other), 1)  # another chat: no wait
    await asyncio.wait_for(line.wait(photo), 1)  # first in its line
    waiting = asyncio.create_task(line.wait(text))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()
    line.leave(photo)
    await asyncio.wait_for(waiting, 1)
    assert line.ahead_of(text) == []


async def test_leaving_twice_or_out_of_order_never_stalls_a_line() -> None:
    line = Line()
    first, second, third = 1, 2, 3
    for key in (first, second, third):
        line.arrive(7, key)
    line.leave(second)
    line.leave(second)
    assert [place.key for place in line.ahead_of(third)] == [first]
    line.leave(first)
    await asyncio.wait_for(line.wait(third), 1)
    line.leave(third)
    line.arrive(7, 4)
    assert line.ahead_of(4) == []


async def test_the_one_ahead_at_work_is_known_to_whoever_waits_behind_it() -> None:
    line = Line()
    line.arrive(5, 1)
    line.arrive(5, 2)
    assert not line.someone_working_ahead(2)
    line.set_working(1, True)
    assert line.someone_working_ahead(2) and not line.someone_working_ahead(1)
    assert not line.someone_working_ahead(None)
