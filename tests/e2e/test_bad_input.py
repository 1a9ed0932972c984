"""Input the bot cannot use, or must not act on, as a user sees it: files too big for Telegram or the cloud,
an album whose caption is the instruction, polls and
contacts, edits, channel posts, anonymous admins, old buttons and service messages.

Each answer is one sentence (or, for service messages, silence); nothing reaches the engine that should not,
and the error handler never fires. Already covered in `test_cloud_chat.py`: unusable file types, stickers,
locations, voice, blank and zero-width texts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import INSTRUCTION, Bot, all_handled, running, said
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import Chat, TelegramFake

MiB = 1024 * 1024
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every ERROR line: the error handler logs one for each update that crashed a handler."""
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


async def quiet_moment() -> None:
    """Long enough for anything the bot would still say to have arrived."""
    await asyncio.sleep(0.3)


def file_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ---------------------------------------------------------------- files too big


async def test_a_file_over_the_public_bot_api_limit_is_explained_and_never_fetched(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    jo = tg.user("Jo")
    chat = tg.private_chat(jo)
    mark = tg.mark()
    await tg.send_document(chat, jo, jpeg_bytes(720, 1280), "beach.jpg", file_size=21 * MiB)
    answer = await tg.wait_for_text(chat.id, "beach.jpg", start=mark)
    assert answer.text == (
        "“beach.jpg” is larger than the 20 MB Telegram lets bots download; please send a smaller or compressed version."
    )
    await quiet_moment()
    assert said(tg, chat.id, mark) == [answer.text]
    assert [r for r in tg.requests if r.method == "getFile"] == [] and nemo.requests == []
    assert await asyncio.to_thread(file_names, bot.settings.media_dir) == []


async def test_a_local_bot_api_server_lifts_the_download_limit_up_to_the_clouds_own(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake, tmp_path: Path
) -> None:
    """TELEGRAM_LOCAL_MODE: files up to 2000 MB come from the server's disk. The cloud still takes at most
    200 MB: a bigger file is refused in one sentence and its copy removed, nothing uploaded."""
    tg.serve_locally(tmp_path / "telegram-bot-api")
    settings = settings_for(telegram_local_mode=True)
    async with running(settings, tg) as bot:
        kai = tg.user("Kai")
        chat = tg.private_chat(kai)
        mark = tg.mark()
        await tg.send_document(chat, kai, jpeg_bytes(720, 1280), "big.jpg", file_size=25 * MiB)
        await tg.wait_for_text(chat.id, "Got 1 photo", start=mark)
        assert nemo.count("upload") == 1

        mark = tg.mark()
        await tg.send_document(chat, kai, jpeg_bytes(720, 1280), "huge.jpg", file_size=250 * MiB)
        too_large = await tg.wait_for_text(chat.id, "huge.jpg", start=mark, timeout=20)
        assert too_large.text == "“huge.jpg” is too large (the limit is 200 MB): compress or trim it and send it again."
        assert said(tg, chat.id, mark) == [too_large.text]
        assert nemo.count("upload") == 1  # refused before a byte went to the cloud
        kept = await asyncio.to_thread(file_names, settings.media_dir)
        assert len(kept) == 1  # big.jpg's copy; huge.jpg's is gone
        huge = next(row for row in await bot.core.store.uploads.for_chat(chat.id) if row.filename == "huge.jpg")
        assert (huge.status, huge.local_path) == ("failed", None)

        mark = tg.mark()
        await tg.send_document(chat, kai, jpeg_bytes(720, 1280), "giant.mp4", mime_type="video/mp4",
                               file_size=2100 * MiB)
        over = await tg.wait_for_text(chat.id, "giant.mp4", start=mark)
        assert "larger than the 2000 MB" in (over.text or "")


# ---------------------------------------------------------------- texts


# ---------------------------------------------------------------- albums, odd kinds, edits


async def test_an_album_with_the_instruction_in_its_caption_runs_it_once_after_the_photos(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    lu = tg.user("Lu")
    chat = tg.private_chat(lu)
    mark = tg.mark()
    for i in range(3):
        await tg.send_photo(chat, lu, jpeg_bytes(720, 1280, (70 * i, 90, 90)), caption=INSTRUCTION if i == 0 else None,
                            media_group_id="holiday")
    await tg.wait_for_text(chat.id, "Send /export", start=mark)
    await quiet_moment()
    order = [c.endpoint for c in nemo.requests if c.endpoint in ("upload", "run_sse")]
    assert order == ["upload", "upload", "upload", "run_sse"]
    assert nemo.session().messages == [INSTRUCTION]
    texts = said(tg, chat.id, mark)
    assert sum("Got 3 photos" in t for t in texts) == 1
    assert texts.index(next(t for t in texts if "Got 3 photos" in t)) < texts.index("Your video is ready!")


async def test_polls_and_contacts_get_one_clear_answer_each(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    mo = tg.user("Mo")
    chat = tg.private_chat(mo)
    for send in (lambda: tg.send_poll(chat, mo), lambda: tg.send_contact(chat, mo)):
        mark = tg.mark()
        await send()
        answer = await tg.wait_for(lambda c: c.chat_id == chat.id and c.method == "sendMessage", start=mark)
        assert answer.text == str(wording.UNSUPPORTED_KIND)
    await quiet_moment()
    assert tg.texts(chat.id) == [str(wording.UNSUPPORTED_KIND), str(wording.UNSUPPORTED_KIND)]
    assert nemo.requests == []


async def test_an_edited_instruction_is_not_run_again(
    bot: Bot, tg: TelegramFake, nemo: NemoFake, caplog: pytest.LogCaptureFixture
) -> None:
    """Acting on an edit would run (and charge) a turn a second time: the user is asked for a new message."""
    ned = tg.user("Ned")
    chat = tg.private_chat(ned)
    mark = tg.mark()
    sent = await tg.send_text(chat, ned, INSTRUCTION)
    await tg.wait_for_text(chat.id, "Send /export", start=mark)
    credits_left = nemo.accounts[nemo.session().user_id].available

    mark = tg.mark()
    await tg.edit_text(chat, ned, sent["message"]["message_id"], "turn my photos into a 30-second TikTok video")
    answer = await tg.wait_for(lambda c: c.chat_id == chat.id and c.method == "sendMessage", start=mark)
    assert answer.text == "I only act on new messages; send the change as a new message."
    await tg.edit_text(chat, ned, sent["message"]["message_id"], "/export")  # told once per message is enough
    await all_handled(tg, bot)
    assert said(tg, chat.id, mark) == [answer.text]
    assert nemo.count("run_sse") == 1 and nemo.count("render") == 0
    assert nemo.accounts[nemo.session().user_id].available == credits_left
    assert errors_logged(caplog) == []


# ---------------------------------------------------------------- updates with missing fields


def channel_post(channel: Chat, message_id: int, text: str) -> dict[str, Any]:
    """A post as Telegram delivers it to a bot in a channel: no `from`, the channel as `sender_chat`."""
    return {"message_id": message_id, "sender_chat": channel.to_dict(), "chat": channel.to_dict(),
            "date": int(time.time()), "text": text}


async def test_channel_posts_are_answered_once_and_never_reach_the_engine(
    bot: Bot, tg: TelegramFake, nemo: NemoFake, caplog: pytest.LogCaptureFixture
) -> None:
    channel = Chat(-1_001_900_000_001, "channel", title="Reels")
    tg.register_chat(channel)
    mark = tg.mark()
    tg.inject("channel_post", channel_post(channel, 1, INSTRUCTION))
    answer = await tg.wait_for(lambda c: c.chat_id == channel.id and c.method == "sendMessage", start=mark)
    assert answer.text == str(wording.NO_CHANNELS)
    tg.inject("channel_post", channel_post(channel, 2, "/export"))
    edited = channel_post(channel, 1, "make it slower") | {"edit_date": int(time.time())}
    tg.inject("edited_channel_post", edited)
    await tg.wait_confirmed()
    await quiet_moment()
    assert said(tg, channel.id, mark) == [str(wording.NO_CHANNELS)]  # once: every post there is public
    assert nemo.requests == [] and errors_logged(caplog) == []


async def test_an_anonymous_group_admin_is_served_like_any_member(
    bot: Bot, tg: TelegramFake, nemo: NemoFake, caplog: pytest.LogCaptureFixture
) -> None:
    team = tg.group("Studio")
    tg.register_chat(team)
    mark = tg.mark()
    tg.inject("message", {
        "message_id": 7, "from": ANONYMOUS_ADMIN, "sender_chat": team.to_dict(), "chat": team.to_dict(),
        "date": int(time.time()), "text": "/credits@reelbot_test_bot",
        "entities": [{"type": "bot_command", "offset": 0, "length": 25}],
    })
    answer = await tg.wait_for_text(team.id, "Credits:", start=mark)
    assert answer.text == "Credits: 100 available, 0 frozen, 100 total."
    assert errors_logged(caplog) == []


async def test_service_updates_and_old_buttons_never_crash_and_get_silence_or_a_note(
    bot: Bot, tg: TelegramFake, nemo: NemoFake, caplog: pytest.LogCaptureFixture
) -> None:
    oz = tg.user("Oz")
    team = tg.group("Crew")
    tg.register_chat(team)
    now = int(time.time())
    bot_user = tg.bot.to_dict()
    mark = tg.mark()
    tg.inject("my_chat_member", {
        "chat": team.to_dict(), "from": oz.to_dict(), "date": now,
        "old_chat_member": {"user": bot_user, "status": "left"},
        "new_chat_member": {"user": bot_user, "status": "member"},
    })
    tg.inject("message", {"message_id": 20, "from": oz.to_dict(), "chat": team.to_dict(), "date": now,
                          "new_chat_members": [bot_user], "new_chat_member": bot_user,
                          "new_chat_participant": bot_user})
    pinned = {"message_id": 21, "from": oz.to_dict(), "chat": team.to_dict(), "date": now, "text": "brief"}
    tg.inject("message", {"message_id": 22, "from": oz.to_dict(), "chat": team.to_dict(), "date": now,
                          "pinned_message": pinned})
    await tg.wait_confirmed()
    await quiet_moment()
    assert tg.sent(team.id) == []  # service messages: silence

    # A button under an old message (the bot sends none today; an earlier version may have): the press
    # is answered, so the app stops spinning, and nothing else happens.
    chat = tg.private_chat(oz)
    await tg.send_command(chat, oz, "/start")
    greeting = await tg.wait_for_text(chat.id, "Send me your static images", start=mark)
    assert greeting.message_id is not None
    button = {"inline_keyboard": [[{"text": "Export", "callback_data": "export"}]]}
    tg.messages(chat.id)[-1].message["reply_markup"] = button
    mark = tg.mark()
    await tg.send_callback(chat, oz, "export", greeting.message_id)
    answered = await tg.wait_for(lambda c: c.method == "answerCallbackQuery", start=mark)
    assert answered.text == str(wording.OLD_BUTTON)
    await quiet_moment()
    assert [c.method for c in tg.sent()[mark:]] == ["answerCallbackQuery"]
    assert nemo.requests == [] and errors_logged(caplog) == []
    assert str(wording.INTERNAL) not in tg.texts(chat.id) + tg.texts(team.id)


async def test_a_user_not_on_the_lists_editing_or_pressing_gets_nothing_through(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake, caplog: pytest.LogCaptureFixture
) -> None:
    """Odd updates go through the same door: a stranger's edit is refused like a new message."""
    member, stranger = tg.user("Pia"), tg.user("Quin")
    async with running(settings_for(allowed_user_ids=frozenset({member.id})), tg):
        chat = tg.private_chat(stranger)
        mark = tg.mark()
        sent = await tg.send_text(chat, stranger, INSTRUCTION)
        await tg.wait_for_text(chat.id, str(wording.NOT_ALLOWED), start=mark)
        await tg.edit_text(chat, stranger, sent["message"]["message_id"], "make it slower")
        await tg.wait_confirmed()
        await quiet_moment()
        assert said(tg, chat.id, mark) == [str(wording.NOT_ALLOWED)]
    assert nemo.requests == [] and errors_logged(caplog) == []
