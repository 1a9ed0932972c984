"""Buttons under the bot's answers, pressed as a user presses them: each press stops its spinner and does
exactly what the typed command does, in the chat's order; Export pressed twice still delivers one MP4; a
stranger's press is answered with the refusal and does nothing."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import all_handled, running
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import TelegramFake

BUTTONS = [("🎬 Export", "/export"), ("↩️ Undo", "/undo"), ("🗂 Timeline", "/status")]


async def test_photos_an_instruction_then_undo_and_export_pressed_under_the_preview(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    bob, eve = tg.user("Bob"), tg.user("Eve")
    async with running(settings_for(video_engine="local", allowed_user_ids={bob.id}), tg) as bot:
        chat = tg.private_chat(bob)
        for i in range(2):
            await tg.send_photo(chat, bob, jpeg_bytes(720, 1280, color=(90 * i, 120, 200)), media_group_id="b1")
        await tg.wait_for_text(chat.id, "Got 2 photos")

        mark = tg.mark()
        await tg.send_text(chat, bob, "add the title 'Summer'")
        preview = await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, start=mark, timeout=30)
        assert preview.message_id is not None and tg.buttons(chat.id, preview.message_id) == BUTTONS

        mark = tg.mark()
        undo = await tg.press(chat, preview.message_id, "/undo", bob)
        undone = await tg.wait_for_text(chat.id, "Undone", start=mark, timeout=30)
        lines = (undone.text or "").splitlines()
        assert lines[0] == "↩️ Undone: “add the title 'Summer'”." and lines[1] == 'Removed Title: "Summer" (0-3s)'
        assert lines[-1].startswith("Timeline (1 track)")  # the timeline as it is now, without the title
        assert undone.message_id is not None and tg.buttons(chat.id, undone.message_id) == BUTTONS
        assert tg.callback(undo["callback_query"]["id"]).answered  # the spinner stopped

        mark = tg.mark()  # Export pressed twice on the (older) preview: one render, one MP4
        first = await tg.press(chat, preview.message_id, "/export", bob)
        second = await tg.press(chat, preview.message_id, "/export", bob)
        await tg.wait_for(lambda c: c.method == "sendVideo" and "ready" in (c.caption or ""), start=mark, timeout=90)
        await all_handled(tg, bot)
        assert len([c for c in tg.sent()[mark:] if c.method in ("sendVideo", "sendDocument")]) == 1, tg.dump()
        assert tg.callback(first["callback_query"]["id"]).answered
        assert tg.callback(second["callback_query"]["id"]).answered
        assert any(wording.ALREADY_RENDERING[:20] in text for text in tg.texts(chat.id)), tg.texts(chat.id)

        stranger = tg.private_chat(eve)
        await tg.send_text(stranger, eve, "hi")
        refusal = await tg.wait_for_text(stranger.id, "private to its team")
        assert refusal.message_id is not None
        mark = tg.mark()
        pressed = await tg.send_callback(stranger, eve, "/export", refusal.message_id)  # a forged press
        await tg.wait_for(lambda c: c.method == "answerCallbackQuery" and c.chat_id == stranger.id, start=mark)
        await all_handled(tg, bot)
        assert tg.callback(pressed["callback_query"]["id"]).answer_text == wording.NOT_ALLOWED
        assert [c.method for c in tg.sent(stranger.id)[-1:]] == ["answerCallbackQuery"]
        assert not [c for c in tg.sent()[mark:] if c.method != "answerCallbackQuery"]
    assert nemo.requests == []
