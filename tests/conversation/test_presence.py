"""Where a chat is: a chat that blocked or removed the bot has its turn stopped and hears nothing more until
it lets the bot back in; a group that became a supergroup takes its project with it; a forum topic's project
is let in with its group."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.conversation import Origin, wording
from bot.conversation.access import code_hash
from bot.engines.base import RenderStatus, StreamEvent, Text
from bot.store import Place
from tests.conversation.conftest import CHAT, USER, Core, origin


async def test_a_chat_that_blocks_the_bot_has_its_stream_stopped_and_hears_nothing_more(core: Core) -> None:
    streaming = asyncio.Event()

    async def endless(text: str) -> AsyncIterator[StreamEvent]:
        yield Text("Working on it")
        streaming.set()
        await asyncio.Event().wait()  # a stream that would never end by itself
        yield Text("never")

    core.cloud.script = endless
    await core.conversation.on_media(origin(1), [core.photo()])
    turn = asyncio.create_task(core.conversation.on_text(origin(2), "make a video"))
    await streaming.wait()
    said = len(core.replies.said)
    await core.conversation.gone(CHAT, blocked=True)
    await asyncio.wait_for(turn, 5)  # stopped, quietly
    assert len(core.replies.said) == said
    (recorded,) = await core.store.turns.for_chat(CHAT)
    assert recorded["outcome"] != "running"
    await core.conversation.on_text(origin(3), "hello?")  # a late update: nothing is sent there
    assert len(core.replies.said) == said
    [usage] = await core.store.usage.report()
    assert usage.presence == "blocked"


async def test_a_render_left_by_a_block_is_delivered_when_the_bot_is_let_back_in(core: Core) -> None:
    core.cloud.statuses = [RenderStatus("processing", 10)]
    await core.conversation.on_media(origin(1), [core.photo()])
    await core.conversation.on_text(origin(2), "make a video")
    await core.conversation.on_text(origin(3), "/export")
    await core.conversation.gone(CHAT, blocked=True)
    core.cloud.statuses = [RenderStatus("completed", 100, url="https://v/1")]
    await core.conversation.wait_background()
    assert core.replies.videos == []
    [render] = await core.store.renders.for_chat(CHAT)
    assert not render.delivered and core.cloud.cancelled == []  # a cloud render runs on, still recorded

    await core.conversation.back(CHAT)
    await core.conversation.wait_background()
    assert len(core.replies.videos) == 1
    assert core.cloud.renders == [render.id]  # the same render, not a new one


async def test_a_moved_group_finds_its_project_and_its_render_in_the_supergroup(core: Core) -> None:
    group, supergroup = -4001, -1001234567890
    delivered_to: list[int] = []
    send_video = core.replies.video

    async def video(chat_id: int, path: Path, **kwargs: Any) -> bool:
        delivered_to.append(chat_id)
        return await send_video(chat_id, path, **kwargs)

    core.replies.video = video  # type: ignore[method-assign]
    core.cloud.statuses = [RenderStatus("processing", 10)]
    await core.conversation.on_media(origin(1, chat_id=group, in_group=True), [core.photo(chat_id=group)])
    await core.conversation.on_text(origin(2, chat_id=group, in_group=True), "/export")
    await core.conversation.moved(group, supergroup)
    await core.conversation.moved(group, supergroup)  # told twice (two service messages): moved once
    core.cloud.statuses = [RenderStatus("completed", 100, url="https://v/1")]
    await core.conversation.wait_background()
    assert delivered_to == [supergroup]
    assert core.cloud.moves == [(group, supergroup)] and core.local.moves == [(group, supergroup)]
    assert [u.filename for u in await core.store.uploads.for_chat(supergroup)] == ["a.jpg"]


async def test_a_join_in_a_forum_topic_lets_the_whole_group_in(core: Core) -> None:
    forum = -1009876543210
    topic = await core.store.topics.project(Place(forum, 7))
    code = "K7QM-2XPA-9RTF"
    await core.store.access.add_invite(code_hash(code), created_by=1, expires_at=datetime.now(UTC) + timedelta(hours=1))
    await core.conversation.command(Origin(topic, USER, 5, in_group=True, group_id=forum), "join", code)
    assert core.replies.texts(topic) == [str(wording.JOINED_GROUP)]  # answered in the topic
    assert await core.store.access.is_admitted(user_id=None, chat_id=forum)


async def test_a_group_that_chose_its_language_keeps_its_menu_when_it_becomes_a_supergroup(core: Core) -> None:
    group, supergroup = -4002, -1001234567891
    await core.conversation.command(origin(1, chat_id=group, in_group=True), "language", "zh")
    await core.conversation.moved(group, supergroup)
    await core.conversation.moved(group, supergroup)  # told twice: set once
    assert [(chat, language) for chat, language, _said in core.replies.menus] == [(group, "zh"), (supergroup, "zh")]
