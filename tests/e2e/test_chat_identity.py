"""Where a chat is, as real Telegram moves it: a group that becomes a supergroup keeps its project, a chat that
blocks or removes the bot is sent nothing more (and gets its video when it lets the bot back in), and a
business account's chats are not the bot's to answer."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.config import Settings
from bot.conversation import wording
from bot.store import Place, Store
from tests.e2e.conftest import INSTRUCTION, Bot, running, said, with_video_made
from tests.e2e.test_team_access import answer_to, invite_code, rows, until
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import TelegramFake

HELD = 10**6  # render polls: a render that stays "processing" until the test lets it finish


def hold_renders(nemo: NemoFake) -> None:
    nemo.render_polls = HELD


def release_renders(nemo: NemoFake) -> None:
    for render in nemo.renders.values():
        render.polls_total = 0
    nemo.render_polls = 2


async def _renders_in(store: Store, chat_id: int) -> bool:
    return bool(await store.renders.for_chat(chat_id))


# ---------------------------------------------------------------- a group becomes a supergroup


async def test_a_group_that_becomes_a_supergroup_keeps_its_project_and_gets_its_render(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin, gus = tg.user("Ada"), tg.user("Gus")
    crew = tg.group("Crew", supergroup=False)
    tg.group_privacy = False
    settings = settings_for(allowed_user_ids=frozenset({admin.id}), admin_user_ids=frozenset({admin.id}))
    async with running(settings, tg) as bot:
        code = await invite_code(tg, admin)
        assert await answer_to(tg, crew, gus, "/join", code) == [str(wording.JOINED_GROUP)]
        await with_video_made(tg, crew, gus)
        session = (await bot.core.store.accounts.get(crew.id)).session_id
        hold_renders(nemo)
        mark = tg.mark()
        await tg.send_command(crew, gus, "/export")
        await tg.wait_for_text(crew.id, "Rendering", start=mark)
        await until(lambda: _polled(nemo))

        supergroup = tg.migrate(crew, gus)  # the render is still running
        await until(lambda: _renders_in(bot.core.store, supergroup.id))
        release_renders(nemo)
        video = await tg.wait_for(lambda c: c.method == "sendVideo", timeout=15, start=mark)
        assert video.chat_id == supergroup.id and video.caption == str(wording.RENDER_DONE)
        assert tg.uploads(crew.id) == []

        # The team goes on in the supergroup: let in, same cloud session, same timeline, /export works.
        assert (await bot.core.store.accounts.get(supergroup.id)).session_id == session
        [status] = await answer_to(tg, supergroup, gus, "/status")
        assert status.startswith("Timeline: ") and "empty" not in status
        mark = tg.mark()
        await tg.send_text(supergroup, gus, INSTRUCTION)
        await tg.wait_for(lambda c: c.chat_id == supergroup.id and c.method == "sendMessage", start=mark)
        mark = tg.mark()
        await tg.send_command(supergroup, gus, "/export")
        await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == supergroup.id, timeout=15, start=mark)
        assert str(wording.NOT_ALLOWED) not in said(tg, supergroup.id)
        assert nemo.count("render") == 2  # the render in flight was not started again

        # One chat in /usage, under its new id, with everything it did.
        report = "\n".join(await answer_to(tg, tg.private_chat(admin), admin, "/usage"))
        assert f"• Crew (supergroup {supergroup.id})" in report and str(crew.id) not in report
        assert await bot.core.store.uploads.for_chat(crew.id) == []


async def _polled(nemo: NemoFake) -> bool:
    return nemo.count("render_status") >= 2


async def test_a_send_to_a_group_that_moved_is_followed_into_the_supergroup(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    """Telegram's service messages can come late (or be missed): the 400 of a send is enough to follow."""
    gus = tg.user("Gus")
    crew = tg.group("Crew", supergroup=False)
    tg.group_privacy = False
    async with running(settings_for(), tg) as bot:
        await with_video_made(tg, crew, gus)
        hold_renders(nemo)
        mark = tg.mark()
        await tg.send_command(crew, gus, "/export")
        await tg.wait_for_text(crew.id, "Rendering", start=mark)
        # The group moves without the bot hearing of it: only the fake knows.
        supergroup = tg.group("Crew")
        tg.register_chat(supergroup)
        tg._state.migrated[crew.id] = supergroup.id
        release_renders(nemo)
        video = await tg.wait_for(lambda c: c.method == "sendVideo", timeout=15, start=mark)
        assert video.chat_id == supergroup.id
        await until(lambda: _renders_in(bot.core.store, supergroup.id))
        assert not await _absent(bot.core.store, supergroup.id)


# ---------------------------------------------------------------- blocked, removed, back


async def test_a_user_who_blocks_the_bot_gets_nothing_more_and_their_video_when_they_come_back(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    ana, admin = tg.user("Ana"), tg.user("Ada")
    chat = tg.private_chat(ana)
    async with running(settings_for(admin_user_ids=frozenset({admin.id})), tg) as bot:
        await with_video_made(tg, chat, ana)
        hold_renders(nemo)
        mark = tg.mark()
        await tg.send_command(chat, ana, "/export")
        await tg.wait_for_text(chat.id, "Rendering", start=mark)
        await until(lambda: _polled(nemo))

        blocked = tg.block_bot(ana)
        await until(lambda: _handled(bot, blocked["update_id"]))  # everything for it was done
        assert await _absent(bot.core.store, chat.id)
        polls = nemo.count("render_status")
        release_renders(nemo)
        blocked_at = tg.mark()
        report = "\n".join(await answer_to(tg, tg.private_chat(admin), admin, "/usage"))
        assert f"• Ana (private {ana.id})" in report and str(wording.USAGE_BLOCKED) in report
        assert nemo.count("render_status") == polls  # no more polls for a chat that can't receive the video
        assert all(c.chat_id != chat.id for c in tg.sent()[blocked_at:])
        assert not any(r.method != "getUpdates" and r.params.get("chat_id") in (chat.id, str(chat.id))
                       for r in tg.errors())  # not even tried: nothing was sent there after the block
        [render] = await bot.core.store.renders.for_chat(chat.id)
        assert not render.delivered and render.status != "cancelled"  # the cloud render is still recorded

        tg.unblock_bot(ana)
        video = await tg.wait_for(lambda c: c.method == "sendVideo", timeout=15, start=mark)
        assert video.chat_id == chat.id
        assert nemo.count("render") == 1  # delivered, not rendered again
        report = "\n".join(await answer_to(tg, tg.private_chat(admin), admin, "/usage"))
        assert str(wording.USAGE_BLOCKED) not in report


async def _handled(bot: Bot, update_id: int) -> bool:
    """The bot has finished with an update (the inbox marks it done after every handler)."""
    return rows(bot.settings.database_path, "SELECT status FROM handled_updates WHERE update_id = ?",
                update_id) == [("done",)]


async def _absent(store: Store, chat_id: int) -> bool:
    """Whether the bot recorded that it is not in the chat any more (what /usage shows)."""
    return any(chat.chat_id == chat_id and chat.presence != "present" for chat in await store.usage.report())


async def test_a_403_is_taken_as_a_block(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    """The my_chat_member update can be lost (or come after a send): Telegram's 403 says the same thing."""
    ana = tg.user("Ana")
    chat = tg.private_chat(ana)
    async with running(settings_for(), tg) as bot:
        await with_video_made(tg, chat, ana)
        tg.block(chat.id)  # no update: only the 403s tell
        hold_renders(nemo)
        await tg.send_command(chat, ana, "/export")
        await until(lambda: _absent(bot.core.store, chat.id))
        learned = time.monotonic()
        release_renders(nemo)
        other = tg.user("Olga")  # a round trip through the bot: whatever it would still send, it has by now
        mark = tg.mark()
        await tg.send_command(tg.private_chat(other), other, "/help")
        await tg.wait_for(lambda c: c.chat_id == other.id, start=mark)
        assert not [r for r in tg.requests if r.at > learned and r.params.get("chat_id") in (chat.id, str(chat.id))]
        [render] = await bot.core.store.renders.for_chat(chat.id)
        assert not render.delivered


async def test_a_group_that_removes_the_bot_stops_its_stream_and_shows_in_usage(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin, gus = tg.user("Ada"), tg.user("Gus")
    crew = tg.group("Crew")
    tg.group_privacy = False
    async with running(settings_for(admin_user_ids=frozenset({admin.id}), heartbeat_seconds=0.2), tg) as bot:
        await with_video_made(tg, crew, gus)
        nemo.slow_turn(beats=600, interval=0.05)  # half a minute of signs of life, unless stopped
        mark = tg.mark()
        await tg.send_text(crew, gus, "make the titles bigger")
        await tg.wait_for_text(crew.id, str(wording.STILL_WORKING), start=mark)
        removed = tg.remove_bot(crew, gus)
        await until(lambda: _handled(bot, removed["update_id"]))
        assert await _absent(bot.core.store, crew.id)
        await until(lambda: _turn_over(bot.core.store, crew.id))  # the stream was stopped, not waited out
        removed_at = tg.mark()
        report = "\n".join(await answer_to(tg, tg.private_chat(admin), admin, "/usage"))
        assert str(wording.USAGE_REMOVED) in report
        assert all(c.chat_id != crew.id for c in tg.sent()[removed_at:])
        assert not any(r.params.get("chat_id") in (crew.id, str(crew.id)) for r in tg.errors())


async def _turn_over(store: Store, chat_id: int) -> bool:
    return all(turn["outcome"] != "running" for turn in await store.turns.for_chat(chat_id))


# ---------------------------------------------------------------- not the bot's chats


async def test_business_messages_get_no_answer_and_no_project(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    """A customer writes (and edits) to a business account connected to the bot. Her chat there has her user
    id, the same number as her own chat with the bot: an answer without the business connection would land
    in that chat, the wrong place, and a project kept under it would be hers."""
    customer, other = tg.user("Cleo"), tg.user("Olga")
    tg.register_chat(tg.private_chat(customer))  # she started the bot once
    settings = settings_for()
    async with running(settings, tg) as bot:
        written = await tg.send_business_message(customer, INSTRUCTION)
        edited = await tg.edit_business_message(customer, written["business_message"]["message_id"], "longer")
        mark = tg.mark()
        await tg.send_command(tg.private_chat(other), other, "/help")  # a later update is handled ...
        await tg.wait_for(lambda c: c.chat_id == other.id, start=mark)
        await tg.wait_confirmed(edited)
        assert tg.sent(customer.id) == []  # ... and the business messages got no answer anywhere
        assert nemo.count("create_session") == 0 and nemo.count("run_sse") == 0
        assert await bot.core.store.turns.for_chat(customer.id) == []
        ids = (written["update_id"], edited["update_id"])
        assert rows(settings.database_path, "SELECT COUNT(*) FROM handled_updates WHERE update_id IN (?, ?)",
                    *ids) == [(0,)]
        assert rows(settings.database_path, "SELECT COUNT(*) FROM chats WHERE chat_id = ?", customer.id) == [(0,)]


# ---------------------------------------------------------------- forum topics


async def test_each_forum_topic_is_a_project_answered_in_its_own_topic(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    gus, ida = tg.user("Gus"), tg.user("Ida")
    studio = tg.forum("Studio")
    tg.group_privacy = False
    beach, city = tg.create_topic(studio, gus, "Beach"), tg.create_topic(studio, ida, "City")
    async with running(settings_for(heartbeat_seconds=0.4), tg) as bot:
        for topic, who in ((beach, gus), (city, ida)):
            mark = tg.mark()
            await tg.send_photo(studio, who, jpeg_bytes(720, 1280), topic=topic)
            await tg.wait_for(lambda c, t=topic: c.thread_id == t and "Got 1 photo" in (c.text or ""), start=mark)
        # Both topics stream at once for a second: 2.5 heartbeats, so a "Still working" note in each (and no
        # more than three: 20 messages a minute is all a group gets).
        nemo.slow_turn(beats=20, interval=0.05)
        nemo.slow_turn(beats=20, interval=0.05)
        mark = tg.mark()
        await tg.send_text(studio, gus, INSTRUCTION, topic=beach)
        await tg.send_text(studio, ida, INSTRUCTION, topic=city)
        for topic in (beach, city):
            await tg.wait_for(lambda c, t=topic: c.thread_id == t and "/export" in (c.text or ""), start=mark)
            await tg.send_command(studio, gus, "/export", topic=topic)
        for topic in (beach, city):
            await tg.wait_for(lambda c, t=topic: c.method == "sendVideo" and c.thread_id == t, timeout=15,
                              start=mark)

        # Every send names its topic (an edit names its message instead). Chat actions are not asked for by
        # topic: one is skipped while other messages wait to go; tests/telegram/test_replies_through_fake.py
        # sends each kind to a topic.
        in_studio = [c for c in tg.sent(studio.id) if not c.method.startswith("edit")]
        assert in_studio and all(c.thread_id in (beach, city) for c in in_studio), tg.dump(in_studio)
        for topic in (beach, city):
            here = [c for c in in_studio if c.thread_id == topic]
            assert any(c.text == str(wording.STILL_WORKING) for c in here)
            assert [c.caption for c in here if c.method == "sendVideo"] == [str(wording.RENDER_DONE)]
        # Two projects: each with its own photos and its own cloud session; the General topic has none.
        store = bot.core.store
        projects = [await store.topics.project(Place(studio.id, topic)) for topic in (beach, city)]
        assert [len(await store.uploads.for_chat(p)) for p in projects] == [1, 1]
        assert len({(await store.accounts.get(p)).session_id for p in projects}) == 2
        assert await store.uploads.for_chat(studio.id) == []

