"""An instruction's turn: the engine's answer reaches the chat, silence and cut streams are reported from the
timeline, an instruction is never sent twice, and a chat's messages wait their turn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.conversation import wording
from bot.engines.base import Heartbeat, StreamBroken, StreamEvent, Text, ToolActivity
from tests.conversation.conftest import CHAT, Core, origin


async def with_photo(core: Core) -> None:
    await core.conversation.on_media(origin(1), [core.photo()])


async def test_what_the_engine_says_is_said_and_the_turn_recorded(core: Core) -> None:
    async def answer(text: str) -> AsyncIterator[StreamEvent]:
        yield ToolActivity("edit", "call")
        yield Heartbeat()
        yield Text("  Added the title.  ")
        yield Text("   ")

    core.cloud.script = answer
    await with_photo(core)
    await core.conversation.on_text(origin(2), "add title 'Summer'")
    assert core.replies.texts()[-1] == "Added the title."
    (turn,) = await core.store.turns.for_chat(CHAT)
    assert (turn["text"], turn["outcome"], turn["tools"], turn["sender_id"]) == (
        "add title 'Summer'", "ok", "edit", 7)


async def test_a_silent_turn_is_told_from_what_changed(core: Core) -> None:
    async def silent(text: str) -> AsyncIterator[StreamEvent]:
        core.cloud.titled("Summer")
        return
        yield  # an async generator that yields nothing

    core.cloud.script = silent
    await with_photo(core)
    await core.conversation.on_text(origin(2), "add title 'Summer'")
    answer = core.replies.texts()[-1]
    assert answer.startswith("Done. Added Title: \"Summer\"") and str(wording.EXPORT_HINT) in answer
    assert "Timeline (2 tracks)" in answer


async def test_a_silent_turn_that_changed_nothing_says_so(core: Core) -> None:
    async def silent(text: str) -> AsyncIterator[StreamEvent]:
        return
        yield

    core.cloud.script = silent
    await core.conversation.on_text(origin(2), "hmm")
    answer = core.replies.texts()[-1]
    assert answer == str(wording.NOTHING_CHANGED) and not answer.startswith("Done")  # "Done" claims a change


async def test_a_cut_stream_waits_for_the_edit_to_land_and_is_never_sent_again(core: Core) -> None:
    async def cut(text: str) -> AsyncIterator[StreamEvent]:
        asyncio.get_running_loop().call_later(0.03, core.cloud.titled, "Late")  # still running on the server
        raise StreamBroken("cut")
        yield

    core.cloud.script = cut
    await with_photo(core)
    await core.conversation.on_text(origin(2), "add title 'Late'")
    assert core.replies.texts()[-1].startswith("Done. Added Title: \"Late\"")
    assert core.cloud.sent == ["add title 'Late'"]
    (turn,) = await core.store.turns.for_chat(CHAT)
    assert turn["outcome"] == "broken"


async def test_an_error_event_is_told_at_once(core: Core) -> None:
    core.cloud.fail_send = StreamBroken("error event", server_error=True)
    await core.conversation.on_text(origin(2), "make it")
    assert core.replies.texts()[-1] == str(wording.TURN_FAILED)


async def test_an_instruction_handled_again_after_a_crash_is_reported_never_sent_again(core: Core) -> None:
    await with_photo(core)
    before = await core.cloud.draft(CHAT)
    turn_id = await core.store.turns.start(CHAT, engine="nemo", text="add title 'X'", message_id=9,
                                           draft_before=before)
    assert turn_id
    core.cloud.titled("X")  # the engine applied it before the process died
    await core.conversation.on_text(origin(9), "add title 'X'")
    assert core.cloud.sent == []
    assert core.replies.texts()[-1].startswith("Done. Added Title: \"X\"")
    await core.conversation.on_text(origin(9), "add title 'X'")  # and once it was told: nothing at all
    assert core.cloud.sent == [] and core.replies.texts()[-1].startswith("Done. Added Title")
    assert len(core.replies.texts()) == 4  # Connecting, Ready, Got 1 photo, Done


async def test_a_message_behind_a_working_one_is_told_it_waits_and_comes_after(core: Core) -> None:
    release = asyncio.Event()

    async def slow(text: str) -> AsyncIterator[StreamEvent]:
        yield Text(f"working on {text}")
        await release.wait()
        yield Text(f"finished {text}")

    core.cloud.script = slow
    core.conversation.arrive(CHAT, 1)
    core.conversation.arrive(CHAT, 2)
    first = asyncio.create_task(core.conversation.on_text(origin(1, arrival=1), "first"))
    await core.replies.wait_for_text("working on first")
    second = asyncio.create_task(core.conversation.on_text(origin(2, arrival=2), "second"))
    await core.replies.wait_for_text("still on your previous request")
    assert core.cloud.sent == ["first"]
    release.set()
    await first
    core.conversation.leave(1)
    await second
    core.conversation.leave(2)
    texts = core.replies.texts()
    assert texts.index("finished first") < texts.index("working on second")


async def test_one_note_stands_for_every_message_that_waits(core: Core) -> None:
    release = asyncio.Event()

    async def slow(text: str) -> AsyncIterator[StreamEvent]:
        if text == "first":
            await release.wait()
        yield Text(f"done {text}")

    core.cloud.script = slow
    conversation = core.conversation

    async def in_line(key: int, text: str) -> None:
        try:
            await conversation.on_text(origin(key, arrival=key), text)
        finally:
            conversation.leave(key)

    for key in range(1, 31):
        conversation.arrive(CHAT, key)
    first = asyncio.create_task(in_line(1, "first"))
    await core.replies.wait_for(lambda: core.cloud.sent == ["first"])
    waiting = [asyncio.create_task(in_line(key, f"m{key}")) for key in range(2, 31)]
    await core.replies.wait_for_text("still on your previous request")
    release.set()
    await asyncio.gather(first, *waiting)
    assert core.replies.texts().count(str(wording.QUEUED)) == 1
    assert [s.reply_to for s in core.replies.said if s.text == str(wording.QUEUED)] == [2]  # the first one to wait
    assert core.cloud.sent == ["first", *(f"m{key}" for key in range(2, 31))]

    # The chat went quiet: the next time a message has to wait, it is told again.
    release.clear()
    conversation.arrive(CHAT, 40)
    conversation.arrive(CHAT, 41)
    again = asyncio.create_task(in_line(40, "first"))
    await core.replies.wait_for(lambda: core.cloud.sent[-1] == "first")
    later = asyncio.create_task(in_line(41, "later"))
    await core.replies.wait_for(lambda: core.replies.texts().count(str(wording.QUEUED)) == 2)
    release.set()
    await asyncio.gather(again, later)


async def test_other_chats_are_not_held_up_by_a_long_turn(core: Core) -> None:
    release = asyncio.Event()

    async def slow(text: str) -> AsyncIterator[StreamEvent]:
        await release.wait()
        yield Text("late")

    core.cloud.script = slow
    busy = asyncio.create_task(core.conversation.on_text(origin(1), "long one"))
    await core.replies.wait_for(lambda: core.cloud.sent == ["long one"])
    await core.conversation.command(origin(2, chat_id=99), "credits")
    assert "Credits: 100 available" in core.replies.texts(99)[-1]
    release.set()
    await busy


@pytest.mark.parametrize("settings_overrides", [{"heartbeat_seconds": 0.05}])
async def test_a_slow_turn_keeps_the_chat_action_alive_and_says_still_working(core: Core) -> None:
    core.replies.working_lasts = 0.05
    release = asyncio.Event()

    async def slow(text: str) -> AsyncIterator[StreamEvent]:
        await release.wait()
        yield Text("there")

    core.cloud.script = slow
    task = asyncio.create_task(core.conversation.on_text(origin(1), "slow"))
    await core.replies.wait_for_text(str(wording.STILL_WORKING))
    await core.replies.wait_for(lambda: core.replies.actions.count("typing") >= 2)
    release.set()
    await task
    assert core.replies.texts()[-1] == "there"


@pytest.mark.parametrize("settings_overrides", [{"heartbeat_seconds": 0.05}])
async def test_no_still_working_while_the_answer_waits_for_its_slot(core: Core) -> None:
    # A group's messages go at Telegram's pace (20 a minute): an answer may wait seconds to go out. Silence
    # counts from when a message went out, so no note queues up beside the answer the user is waiting for.
    core.replies.working_lasts = 0.05
    slot = asyncio.Event()
    say = core.replies.say

    async def paced_say(chat_id: int, text: str, **kwargs: Any) -> int | None:
        if text == "there":
            await slot.wait()
        return await say(chat_id, text, **kwargs)

    async def quick(text: str) -> AsyncIterator[StreamEvent]:
        yield Text("there")

    core.replies.say = paced_say  # type: ignore[method-assign]
    core.cloud.script = quick
    task = asyncio.create_task(core.conversation.on_text(origin(1), "make it slower"))
    await core.replies.wait_for(lambda: core.replies.actions.count("typing") >= 6)  # six heartbeats went by
    slot.set()
    await task
    assert str(wording.STILL_WORKING) not in core.replies.texts() and core.replies.texts()[-1] == "there"
