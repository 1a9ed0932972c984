"""/export when the bot runs as several processes (`RenderQueue`): the render is recorded where /export was
asked, made and delivered by whichever worker takes its job, once, also when that job runs again."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.conversation import Conversation, wording
from bot.store import RenderRow
from tests.conversation.conftest import CHAT, Core, origin


class RecordingQueue:
    def __init__(self) -> None:
        self.queued: list[tuple[str, dict[str, Any] | None, bool]] = []
        self.refuse = False

    async def queue_render(self, render_id: str, draft: dict[str, Any] | None, *, here: bool) -> None:
        if self.refuse:
            raise ConnectionError("the database went away")
        self.queued.append((render_id, draft, here))


async def exported(core: Core) -> RenderRow:
    """A photo, then /export: the one render it recorded."""
    await core.conversation.on_media(origin(1), [core.photo()])
    await core.conversation.command(origin(2), "export")
    (row,) = await core.store.renders.for_chat(CHAT)
    return row


@pytest.fixture
async def queued(core: Core) -> AsyncIterator[tuple[Core, RecordingQueue]]:
    """The same core, its conversation as a worker process has it: renders followed through a queue."""
    queue = RecordingQueue()
    conversation = Conversation(core.settings, core.store, {"nemo": core.cloud, "local": core.local},
                                core.replies, core.media, render_queue=queue)
    await core.store.chats.update(CHAT, engine="local")
    yield dataclasses.replace(core, conversation=conversation), queue
    await conversation.aclose()


async def test_a_render_of_ours_is_recorded_and_queued_not_started_where_export_was_asked(
    queued: tuple[Core, RecordingQueue],
) -> None:
    core, queue = queued
    row = await exported(core)
    assert core.local.renders == []  # a render worker starts it
    assert queue.queued == [(row.id, core.local.draft_value, True)] and row.status == "pending"
    assert str(wording.RENDER_STARTED.format(progress=0)) in core.replies.texts()

    await core.conversation.follow_render(row.id, core.local.draft_value)  # the worker's job
    assert core.local.renders == [row.id]
    assert len(core.replies.videos) == 1
    await core.conversation.follow_render(row.id, core.local.draft_value)  # the job run again: nothing twice
    assert core.local.renders == [row.id] and len(core.replies.videos) == 1


async def test_a_render_that_could_not_be_queued_does_not_hold_up_the_next_export(
    queued: tuple[Core, RecordingQueue],
) -> None:
    core, queue = queued
    await core.conversation.on_media(origin(1), [core.photo()])
    queue.refuse = True
    await core.conversation.command(origin(2), "export")
    (row,) = await core.store.renders.for_chat(CHAT)
    assert row.status == "failed"
    queue.refuse = False
    await core.conversation.command(origin(3), "export")
    assert str(wording.ALREADY_RENDERING) not in core.replies.texts()
    assert len(queue.queued) == 1


async def test_an_export_handled_again_after_a_crash_queues_its_render_again(
    queued: tuple[Core, RecordingQueue],
) -> None:
    core, queue = queued
    await core.conversation.on_media(origin(1), [core.photo()])
    await core.conversation.command(origin(2), "export")
    await core.conversation.command(origin(2), "export")  # the same message: its job ran again
    (row,) = await core.store.renders.for_chat(CHAT)
    assert [render_id for render_id, _, _ in queue.queued] == [row.id, row.id]


async def test_a_render_cancelled_by_another_process_is_no_longer_followed(
    queued: tuple[Core, RecordingQueue],
) -> None:
    core, _queue = queued
    row = await exported(core)
    await core.store.renders.update(row.id, status="cancelled", error="bot removed")
    await core.conversation.follow_render(row.id, core.local.draft_value)
    assert core.local.renders == [] and core.replies.videos == []


async def test_a_render_left_by_the_one_process_bot_gets_a_follower_when_workers_take_over(
    queued: tuple[Core, RecordingQueue],
) -> None:
    core, queue = queued
    await core.conversation.on_media(origin(1), [core.photo()])
    # accepted by a one-process bot that was then stopped and replaced by workers: no job was ever queued
    await core.store.renders.add("left_1", CHAT, engine="local", status="processing", reply_to_message_id=2)
    await core.store.renders.add("done_1", CHAT, engine="local", status="failed", reply_to_message_id=3)
    assert await core.conversation.resume() == 1  # the new reader's start
    assert queue.queued == [("left_1", None, True)]
    await core.conversation.follow_render("left_1", None)  # a worker's job: the chat's timeline as it is now
    assert core.local.renders == ["left_1"] and len(core.replies.videos) == 1
