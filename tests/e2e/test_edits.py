"""Edits as a real Telegram client makes them: a reaction arrives as an `edited_message` with nothing
changed, and is not an edit; a real change of text or caption is answered once per message, also after a
restart."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import Bot, all_handled, running, said
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import TelegramFake


async def test_a_reaction_is_not_an_edit_and_a_real_edit_is_answered_once(
    settings_for: Callable[..., Settings], tg: TelegramFake, bot: Bot
) -> None:
    eve = tg.user("Eve")
    chat = tg.private_chat(eve)
    sent = await tg.send_command(chat, eve, "/help")
    await tg.wait_for_text(chat.id, "/export")
    message_id = sent["message"]["message_id"]

    mark = tg.mark()
    await tg.react(chat, message_id)  # the first reaction: an edited_message with the same text
    await tg.edit_text(chat, eve, message_id, "/status")  # a real change: answered
    await tg.react(chat, message_id)
    await tg.edit_text(chat, eve, message_id, "/credits")  # a second change of the same message: told already
    await all_handled(tg, bot)
    assert said(tg, chat.id, mark).count(str(wording.EDITED)) == 1, tg.dump(tg.sent()[mark:])


async def test_a_reacted_photo_is_no_edit_and_a_changed_caption_is(
    settings_for: Callable[..., Settings], tg: TelegramFake, bot: Bot
) -> None:
    fay = tg.user("Fay")
    chat = tg.private_chat(fay)
    photo = await tg.send_photo(chat, fay, jpeg_bytes(720, 1280))
    await tg.wait_for_text(chat.id, "Got 1 photo")
    message_id = photo["message"]["message_id"]
    mark = tg.mark()
    await tg.react(chat, message_id)
    await all_handled(tg, bot)
    assert str(wording.EDITED) not in said(tg, chat.id, mark)

    mark = tg.mark()
    await tg.edit_text(chat, fay, message_id, "make it slower")  # a caption added after the fact
    await tg.wait_for_text(chat.id, str(wording.EDITED), start=mark)


async def test_an_edit_answered_before_a_restart_is_not_answered_again(
    settings_for: Callable[..., Settings], tg: TelegramFake
) -> None:
    settings = settings_for()
    gus = tg.user("Gus")
    chat = tg.private_chat(gus)
    async with running(settings, tg) as bot:
        sent = await tg.send_command(chat, gus, "/help")
        message_id = sent["message"]["message_id"]
        mark = tg.mark()
        await tg.edit_text(chat, gus, message_id, "/status")
        await tg.wait_for_text(chat.id, str(wording.EDITED), start=mark)
        await all_handled(tg, bot)
    async with running(settings, tg) as again:
        mark = tg.mark()
        await tg.react(chat, message_id)
        await tg.edit_text(chat, gus, message_id, "/credits")
        await all_handled(tg, again)
        assert str(wording.EDITED) not in said(tg, chat.id, mark)
