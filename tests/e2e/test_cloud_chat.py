"""The chat side of the cloud engine: what users see of silent turns, both stream shapes, GUI phrases, long
answers, odd Telegram input, several chats at once, and groups sharing one session."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import INSTRUCTION, Bot, running, said
from tests.fakes.nemo import Beat, CallTool, EditDraft, NemoFake, Say
from tests.fakes.sample_media import jpeg_bytes, mp4_bytes, png_bytes
from tests.fakes.telegram import Chat, TelegramFake, User

GUI_TEXT = (
    "I added lo-fi music. Drag the clip to adjust timing. Open the Music panel to pick another track. "
    "Click Export to save."
)




async def with_video_made(tg: TelegramFake, chat: Chat, user: User) -> None:
    mark = tg.mark()
    await tg.send_photo(chat, user, jpeg_bytes(720, 1280))
    await tg.wait_for_text(chat.id, "Got 1 photo", start=mark)
    mark = tg.mark()
    await tg.send_text(chat, user, INSTRUCTION)
    await tg.wait_for_text(chat.id, "Send /export", start=mark)


# ---------------------------------------------------------------- what a turn shows


async def test_silent_turn_tells_what_changed(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    alice = tg.user("Alice")
    chat = tg.private_chat(alice)
    await with_video_made(tg, chat, alice)
    nemo.silent_edit()  # tool calls and a new draft, no text at all
    mark = tg.mark()
    await tg.send_text(chat, alice, "make the music quieter and call it Edited")
    report = await tg.wait_for_text(chat.id, "Done.", start=mark)
    lines = (report.text or "").splitlines()
    assert lines[0] == 'Done. Changed BGM: Lo-fi (0-3s, 20%); Changed Title: "Edited" (0-3s).'
    assert lines[1].startswith("Timeline (3 tracks)") and "/export" in lines[2]
    assert said(tg, chat.id, mark) == [report.text]
    assert all("edit_multitrack" not in t for t in tg.texts(chat.id))


async def test_both_stream_shapes_give_the_same_answer(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    seen: dict[str, list[str]] = {}
    for shape in ("simple", "adk"):
        user = tg.user(f"Ben-{shape}")
        chat = tg.private_chat(user)
        nemo.queue_turn(
            Say("Making your video now."),
            CallTool("generate_video_with_seedance", args={"prompt": "beach"}),
            Beat(2, style="empty"),
            EditDraft(),
            Say("Your video is ready! Preview in Timeline panel or click Export to save it."),
            shape=shape,
        )
        mark = tg.mark()
        await tg.send_text(chat, user, INSTRUCTION)
        await tg.wait_for_text(chat.id, "Send /export", start=mark)
        seen[shape] = [t for t in said(tg, chat.id, mark) if t not in (str(wording.CONNECTING), str(wording.READY))]
    assert seen["simple"] == seen["adk"]
    assert seen["adk"][:2] == ["Making your video now.", "Your video is ready!"]
    assert seen["adk"][2].startswith("Timeline (3 tracks): 1. Video: generated clip (0-3s)")


async def test_gui_phrases_are_translated(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    cleo = tg.user("Cleo")
    chat = tg.private_chat(cleo)
    nemo.queue_turn(CallTool("generate_music"), EditDraft(), Say(GUI_TEXT))
    mark = tg.mark()
    await tg.send_text(chat, cleo, "add some lo-fi music")
    await tg.wait_for_text(chat.id, "Send /export", start=mark)
    shown = said(tg, chat.id, mark)
    assert "I added lo-fi music." in shown
    for word in ("drag", "click", "panel"):
        assert all(word not in t.lower() for t in shown), word
    closing = shown[-1]
    assert "BGM: Lo-fi" in closing  # "open the Music panel" became the timeline summary
    assert "/export" in closing  # "Click Export" became the /export pointer


async def test_long_answer_is_split_and_nothing_is_lost(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    dora = tg.user("Dora")
    chat = tg.private_chat(dora)
    paragraphs = [
        " ".join(f"Scene {p:02d}-{s:02d} shows the harbour at dawn with soft light." for s in range(10))
        for p in range(10)
    ]
    long_answer = "\n\n".join(paragraphs)
    assert len(long_answer) > 5000
    nemo.reply(long_answer)
    mark = tg.mark()
    await tg.send_text(chat, dora, "describe every scene in detail")
    await tg.wait_for_text(chat.id, "Scene 09-09", start=mark)
    shown = [t for t in said(tg, chat.id, mark) if t not in (str(wording.CONNECTING), str(wording.READY))]
    assert len(shown) >= 2
    assert all(len(t) <= 4096 for t in shown)
    assert " ".join(shown).split() == long_answer.split()  # every word, in order, none glued together


# ---------------------------------------------------------------- several chats, one chat twice


async def test_other_chats_are_answered_and_a_second_message_waits_its_turn(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    eve, finn = tg.user("Eve"), tg.user("Finn")
    first_chat, other_chat = tg.private_chat(eve), tg.private_chat(finn)
    nemo.slow_turn(beats=8, interval=0.2, text="First answer: your video is made.")
    nemo.reply("Second answer: the title now says Summer.")

    start = tg.mark()
    await tg.send_text(first_chat, eve, INSTRUCTION)
    await tg.wait_for(lambda c: c.chat_id == first_chat.id and c.params.get("action") == "typing", start=start)

    # Another chat is answered while the first chat's stream is still running.
    await tg.send_command(other_chat, finn, "/credits")
    await tg.wait_for_text(other_chat.id, "Credits: 100 available", start=start)
    assert not any("First answer" in t for t in tg.texts(first_chat.id))

    # The same chat: told to wait, then handled after the first, in order.
    await tg.send_text(first_chat, eve, "add the title Summer")
    queued = await tg.wait_for_text(first_chat.id, "still on your previous request", start=start)
    assert not any("First answer" in t for t in tg.texts(first_chat.id))
    first = await tg.wait_for_text(first_chat.id, "First answer", start=start)
    second = await tg.wait_for_text(first_chat.id, "Second answer", start=start)
    assert queued.at < first.at < second.at
    assert [c.json["new_message"]["parts"][0]["text"] for c in nemo.calls("run_sse")] == [
        INSTRUCTION, "add the title Summer",
    ]


async def test_an_instruction_sent_right_after_an_album_waits_for_its_photos(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    """Telegram hands the album's parts and the text over concurrently, and the album is complete only after
    ALBUM_WAIT_SECONDS: the instruction must still reach the cloud after the three uploads, not before."""
    hana = tg.user("Hana")
    chat = tg.private_chat(hana)
    mark = tg.mark()
    for i in range(3):
        await tg.send_photo(chat, hana, jpeg_bytes(720, 1280, (60 * i, 80, 120)), media_group_id="trip")
    await tg.send_text(chat, hana, INSTRUCTION)
    await tg.wait_for_text(chat.id, "Send /export", start=mark)
    order = [c.endpoint for c in nemo.requests if c.endpoint in ("upload", "run_sse")]
    assert order == ["upload", "upload", "upload", "run_sse"]
    texts = said(tg, chat.id, mark)
    got = next(i for i, t in enumerate(texts) if "Got 3 photos" in t)
    answer = next(i for i, t in enumerate(texts) if "Your video is ready" in t)
    assert got < answer
    assert not any("still on your previous request" in t for t in texts)  # nothing to apologise for


# ---------------------------------------------------------------- odd input


async def test_odd_telegram_input_gets_one_clear_answer_each(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    gil = tg.user("Gil")
    chat = tg.private_chat(gil)

    mark = tg.mark()
    await tg.send_command(chat, gil, "/export")  # before any photo
    missing = await tg.wait_for_text(chat.id, "no timeline yet", start=mark)
    assert "send some photos" in (missing.text or "")
    assert nemo.count("render") == 0

    mark = tg.mark()
    await tg.send_document(chat, gil, png_bytes(720, 1280), "poster.png", mime_type="image/png")
    await tg.wait_for_text(chat.id, "Got 1 photo", start=mark)
    uploaded = nemo.session().files[-1]
    assert uploaded["filename"] == "poster.png" and uploaded["file_type"] == "image"
    assert (uploaded["width"], uploaded["height"]) == (720, 1280)  # the original, not a thumbnail

    uploads = nemo.count("upload")
    mark = tg.mark()
    await tg.send_document(chat, gil, b"shopping list", "notes.txt", mime_type="text/plain")
    refused = await tg.wait_for_text(chat.id, "notes.txt", start=mark)
    assert "JPG" in (refused.text or "") and "MP4" in (refused.text or "") and "\n" not in (refused.text or "")

    odd: list[tuple[Callable[[], Awaitable[object]], str]] = [
        (lambda: tg.send_sticker(chat, gil), str(wording.UNSUPPORTED_KIND)),
        (lambda: tg.send_location(chat, gil), str(wording.UNSUPPORTED_KIND)),
        (lambda: tg.send_voice(chat, gil, b"OggS\0fake voice"), str(wording.VOICE)),
        (lambda: tg.send_text(chat, gil, "\u3164"), str(wording.EMPTY_TEXT)),  # the "blank" Hangul filler
        (lambda: tg.send_text(chat, gil, "\u200b\u2060 \u200b"), str(wording.EMPTY_TEXT)),  # zero-width only
    ]
    for send, expected in odd:
        mark = tg.mark()
        await send()
        answer = await tg.wait_for(lambda c: c.chat_id == chat.id and c.method == "sendMessage", start=mark)
        assert answer.text == expected

    await asyncio.sleep(0.3)  # anything else the bot would have said by now
    texts = tg.texts(chat.id)
    assert texts.count(str(wording.UNSUPPORTED_KIND)) == 2 and texts.count(str(wording.VOICE)) == 1
    assert texts.count(str(wording.EMPTY_TEXT)) == 2 and sum("notes.txt" in t for t in texts) == 1
    assert nemo.count("upload") == uploads and nemo.count("run_sse") == 0  # nothing sent on, nothing charged


# ---------------------------------------------------------------- groups


async def test_group_shares_one_session_and_export_with_the_bot_name_works(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    hana, ivan = tg.user("Hana"), tg.user("Ivan")
    team = tg.group("Trip")

    # Privacy mode on (a new bot's default): the group's commands still reach the bot.
    assert tg.group_privacy
    mark = tg.mark()
    await tg.send_command(team, ivan, "/export@reelbot_test_bot")
    await tg.wait_for_text(team.id, "no timeline yet", start=mark)

    tg.group_privacy = False  # the team followed the README: /setprivacy → Disable, to send photos and text

    for who, color in ((hana, (200, 30, 30)), (ivan, (30, 200, 30))):
        mark = tg.mark()
        await tg.send_photo(team, who, jpeg_bytes(720, 1280, color))
        await tg.wait_for_text(team.id, "Got 1 photo", start=mark)
    assert len(nemo.sessions) == 1 and nemo.count("anonymous_token") == 1
    assert len(nemo.session().files) == 2  # both people's photos in the one session

    mark = tg.mark()
    await tg.send_text(team, hana, INSTRUCTION)
    summary = await tg.wait_for_text(team.id, "Timeline (3 tracks)", start=mark)
    assert "(0-6s)" in (summary.text or "")  # one clip per photo, from both people

    mark = tg.mark()
    await tg.send_command(team, ivan, "/export@reelbot_test_bot")
    video = await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == team.id, timeout=15, start=mark)
    assert video.file_bytes == mp4_bytes()
    assert nemo.last("render").json["sessionId"] == nemo.session().session_id

    # The editor link would hand the project to whoever clicks first: not for every member of a group.
    mark = tg.mark()
    await tg.send_command(team, hana, "/web@reelbot_test_bot")
    await tg.wait_for_text(team.id, "only the bot's admins", start=mark)
    assert nemo.count("claim") == 0


# ---------------------------------------------------------------- access


async def test_strangers_get_one_polite_refusal_and_nothing_else(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    team, stranger = tg.user("Tess"), tg.user("Stan")
    team_chat, stranger_chat = tg.private_chat(team), tg.private_chat(stranger)
    settings = settings_for(allowed_user_ids=frozenset({team.id}))
    async with running(settings, tg) as bot:
        mark = tg.mark()
        await tg.send_photo(stranger_chat, stranger, jpeg_bytes(720, 1280))
        await tg.send_text(stranger_chat, stranger, INSTRUCTION)
        await tg.send_command(stranger_chat, stranger, "/export")
        await tg.send_command(team_chat, team, "/credits")  # the team is served as usual
        await tg.wait_for_text(team_chat.id, "Credits: 100 available", start=mark)
        await tg.wait_for(lambda c: c.chat_id == stranger_chat.id, start=mark)
        await asyncio.sleep(0.3)
        assert said(tg, stranger_chat.id, mark) == [str(wording.NOT_ALLOWED)]
        assert [c.method for c in tg.sent(stranger_chat.id)] == ["sendMessage"]  # not even a chat action
        store = bot.core.store
        assert await store.uploads.for_chat(stranger_chat.id) == []
        assert await store.turns.for_chat(stranger_chat.id) == []
        assert not (settings.media_dir / str(stranger_chat.id)).exists()
    # Only the team member's /credits reached the cloud (with its one-time sign-in and session).
    assert sorted(c.endpoint or "" for c in nemo.requests) == ["anonymous_token", "create_session", "credits"]
