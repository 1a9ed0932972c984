"""Buttons under the bot's answers, pressed as a user presses them: each press stops its spinner and does
exactly what the typed command does, in the chat's order; Export pressed twice still delivers one MP4; a
stranger's press is answered with the refusal and does nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import INSTRUCTION, all_handled, running, said
from tests.fakes.nemo import EditDraft, FakeSession, NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import TelegramFake


def titled(title: str) -> Callable[[FakeSession], dict[str, Any]]:
    """The session's draft with its title track's text replaced (or a title track added)."""

    def edit(session: FakeSession) -> dict[str, Any]:
        draft = copy.deepcopy(session.draft) or {"t": []}
        draft["t"] = [track for track in draft["t"] if track.get("tt") != 7]
        draft["t"].append({"tt": 7, "sg": [{"d": 2000, "m": {"text": title}}]})
        return draft

    return edit


BUTTONS = [("🎬 Export", "/export"), ("↩️ Undo", "/undo"), ("🗂 Timeline", "/status")]


async def test_photos_an_instruction_then_undo_and_export_pressed_under_the_answer(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    bob, eve = tg.user("Bob"), tg.user("Eve")
    async with running(settings_for(allowed_user_ids={bob.id}), tg) as bot:
        chat = tg.private_chat(bob)
        for i in range(2):
            await tg.send_photo(chat, bob, jpeg_bytes(720, 1280, color=(90 * i, 120, 200)), media_group_id="b1")
        await tg.wait_for_text(chat.id, "Got 2 photos")

        mark = tg.mark()
        await tg.send_text(chat, bob, INSTRUCTION)  # the service makes the video
        await tg.wait_for_text(chat.id, "Send /export", start=mark, timeout=30)

        mark = tg.mark()
        nemo.silent_edit(EditDraft(titled("Summer")))  # an edit the service makes without a word
        await tg.send_text(chat, bob, "add the title 'Summer'")
        done = await tg.wait_for_text(chat.id, 'Title: "Summer"', start=mark, timeout=30)
        assert done.message_id is not None and tg.buttons(chat.id, done.message_id) == BUTTONS

        mark = tg.mark()
        undo = await tg.press(chat, done.message_id, "/undo", bob)
        undone = await tg.wait_for_text(chat.id, "Undone", start=mark, timeout=30)
        lines = (undone.text or "").splitlines()
        assert lines[0] == "↩️ Undone: “add the title 'Summer'”." and "Summer" not in "\n".join(lines[1:])
        assert lines[2] == wording.KEPT_NOT_RESTORED.render("en")  # the cloud editor itself still has it
        assert undone.message_id is not None and tg.buttons(chat.id, undone.message_id) == BUTTONS
        assert tg.callback(undo["callback_query"]["id"]).answered  # the spinner stopped

        mark = tg.mark()  # a press the bot could not answer in time (it was busy, or down): still done
        tg.callback_answer_seconds = 0.0
        late = await tg.press(chat, undone.message_id, "/status", bob)
        await tg.wait_for_text(chat.id, "Timeline: 2 photos", start=mark)
        assert not tg.callback(late["callback_query"]["id"]).answered
        tg.callback_answer_seconds = 15.0

        mark = tg.mark()  # Export pressed twice under the older answer: one render, of the timeline kept
        first = await tg.press(chat, done.message_id, "/export", bob)
        second = await tg.press(chat, done.message_id, "/export", bob)
        await tg.wait_for(lambda c: c.method == "sendVideo" and "ready" in (c.caption or ""), start=mark, timeout=30)
        await all_handled(tg, bot)
        assert len([c for c in tg.sent()[mark:] if c.method in ("sendVideo", "sendDocument")]) == 1, tg.dump()
        assert tg.callback(first["callback_query"]["id"]).answered
        assert tg.callback(second["callback_query"]["id"]).answered
        assert str(wording.ALREADY_RENDERING) in said(tg, chat.id, mark)
        (render,) = nemo.renders.values()
        assert "Summer" not in str(render.draft) and render.draft["t"]  # the kept timeline, not the cloud's

        stranger = tg.private_chat(eve)
        await tg.send_text(stranger, eve, "hi")
        refusal = await tg.wait_for_text(stranger.id, "private to its team")
        assert refusal.message_id is not None
        mark = tg.mark()
        pressed = await tg.send_callback(stranger, eve, "/export", refusal.message_id)  # a forged press
        await tg.wait_for(lambda c: c.method == "answerCallbackQuery" and c.chat_id == stranger.id, start=mark)
        await all_handled(tg, bot)
        assert tg.callback(pressed["callback_query"]["id"]).answer_text == str(wording.NOT_ALLOWED)
        assert [c.method for c in tg.sent()[mark:]] == ["answerCallbackQuery"]  # nothing else done or said
