"""Tests of the Telegram Bot API fake: plain httpx against its HTTP side and python-telegram-bot 22 as a client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import telegram
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter

from tests.fakes.sample_media import fake_mp4_bytes, jpeg_bytes, mp4_bytes, png_bytes
from tests.fakes.telegram import DEFAULT_TOKEN, MiB, TelegramFake, parse_entities


@pytest.fixture
async def tg() -> AsyncIterator[TelegramFake]:
    """A started fake."""
    async with TelegramFake() as fake:
        yield fake
    assert fake.internal_errors == []


@pytest.fixture
async def http(tg: TelegramFake) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client whose base URL is the bot's method root."""
    async with httpx.AsyncClient(base_url=f"{tg.api_url}/bot{DEFAULT_TOKEN}/", timeout=10) as client:
        yield client


@pytest.fixture
async def bot(tg: TelegramFake) -> AsyncIterator[telegram.Bot]:
    """A real python-telegram-bot Bot pointed at the fake."""
    async with telegram.Bot(DEFAULT_TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


async def call(http: httpx.AsyncClient, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """POST ``params`` as JSON; returns (status, decoded body)."""
    response = await http.post(method, json=params)
    return response.status_code, response.json()


# ------------------------------------------------------------------------------------------------ basics


async def test_get_me_with_httpx_and_ptb(tg: TelegramFake, http: httpx.AsyncClient, bot: telegram.Bot) -> None:
    response = await http.get("getMe")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["result"]["id"] == 123456
    assert body["result"]["is_bot"] is True
    assert bot.username == "reelbot_test_bot"  # initialize() called getMe
    assert (await bot.get_me()).first_name == "ReelBot"


async def test_wrong_token_401_malformed_token_and_unknown_method_404(tg: TelegramFake) -> None:
    async with httpx.AsyncClient(base_url=tg.api_url) as client:
        wrong = await client.post(f"/bot654321:{'B' * 35}/getMe")
        assert wrong.status_code == 401
        assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        malformed = await client.post("/botnot-a-token/getMe")
        assert malformed.status_code == 404
        unknown = await client.post(f"/bot{DEFAULT_TOKEN}/getEverything")
        assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises(InvalidToken):
        async with telegram.Bot(f"654321:{'B' * 35}", base_url=tg.base_url):
            pass


async def test_parameters_from_query_form_json_and_method_case(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    assert (await http.get("sendMessage", params={"chat_id": chat.id, "text": "by query"})).status_code == 200
    assert (await http.post("sendMessage", data={"chat_id": str(chat.id), "text": "by form"})).status_code == 200
    assert (await http.post("sendmessage", json={"chat_id": chat.id, "text": "by json"})).status_code == 200
    files = {"chat_id": (None, str(chat.id)), "text": (None, "by multipart")}
    assert (await http.post("sendMessage", files=files)).status_code == 200
    assert tg.texts(chat.id) == ["by query", "by form", "by json", "by multipart"]
    assert [call.method for call in tg.sent(chat.id)] == ["sendMessage"] * 4


# ------------------------------------------------------------------------------------------------ updates


async def test_offset_confirms_updates_for_good(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    first = await tg.send_text(chat, alice, "one")
    second = await tg.send_text(chat, alice, "two")
    await tg.send_text(chat, alice, "three")

    _, body = await call(http, "getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["one", "two", "three"]
    _, body = await call(http, "getUpdates")  # nothing confirmed: delivered again
    assert len(body["result"]) == 3

    _, body = await call(http, "getUpdates", offset=second["update_id"])
    assert [u["message"]["text"] for u in body["result"]] == ["two", "three"]
    assert tg.confirmed_offset == second["update_id"]
    _, body = await call(http, "getUpdates", offset=first["update_id"])  # "one" is gone for good
    assert [u["message"]["text"] for u in body["result"]] == ["two", "three"]

    _, body = await call(http, "getUpdates", offset=-1)  # only the last one survives
    assert [u["message"]["text"] for u in body["result"]] == ["three"]
    _, body = await call(http, "getUpdates", offset=body["result"][0]["update_id"] + 1)
    assert body["result"] == []
    assert tg.pending_updates() == []


async def test_long_poll_returns_as_soon_as_an_update_is_injected(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)

    async def inject_later() -> None:
        await asyncio.sleep(0.2)
        await tg.send_text(chat, alice, "wake up")

    started = time.monotonic()
    injector = asyncio.create_task(inject_later())
    updates = await bot.get_updates(timeout=5)
    await injector
    assert 0.15 < time.monotonic() - started < 2
    assert updates[0].message is not None and updates[0].message.text == "wake up"

    started = time.monotonic()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 2
    await tg.wait_confirmed()


async def test_second_poller_terminates_the_first_with_409(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    first = asyncio.create_task(call(http, "getUpdates", timeout=5))
    await tg.wait_polling()
    second = asyncio.create_task(call(http, "getUpdates", timeout=0))
    status, body = await first
    assert status == 409
    assert "terminated by other getUpdates request" in body["description"]
    assert (await second)[0] == 200


async def test_limit_and_allowed_updates(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    sent = await tg.send_text(chat, alice, "a")
    await tg.send_text(chat, alice, "b")
    _, body = await call(http, "getUpdates", limit=1)
    assert [u["message"]["text"] for u in body["result"]] == ["a"]
    await tg.send_callback(chat, alice, "press", sent["message"]["message_id"])
    _, body = await call(http, "getUpdates", allowed_updates=["callback_query"])
    assert [u["callback_query"]["data"] for u in body["result"]] == ["press"]
    assert len(tg.dropped_updates) == 2  # the messages were not allowed: dropped


async def test_delete_webhook_drop_pending_and_webhook_conflict(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    await tg.send_text(tg.private_chat(alice), alice, "old")
    assert (await call(http, "setWebhook", url="https://example.org/hook"))[0] == 200
    status, body = await call(http, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    assert (await call(http, "deleteWebhook", drop_pending_updates=True))[0] == 200
    assert (await call(http, "getUpdates"))[1]["result"] == []


async def test_every_injected_kind_parses_in_ptb(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user(first_name="Alice", username="alice")
    group = tg.group("Team")
    chat = tg.private_chat(alice)
    await tg.send_command(group, alice, "/export", mention=True)
    await tg.send_photo(chat, alice, jpeg_bytes(1600, 900), caption="look", media_group_id="album1")
    await tg.send_document(chat, alice, png_bytes(), "original.png", "image/png", media_group_id="album1")
    await tg.send_audio(chat, alice, b"ID3fake", "song.mp3", title="Song")
    await tg.send_video(chat, alice, mp4_bytes())
    await tg.send_sticker(chat, alice)
    await tg.send_location(chat, alice)
    await tg.send_voice(chat, alice, b"OggS")
    await tg.send_contact(chat, alice)
    await tg.send_poll(chat, alice)
    messages = [u.message for u in await bot.get_updates()]
    assert all(m is not None for m in messages)
    command, photo, document, audio, video, sticker, location, voice, contact, poll = messages
    assert command.text == "/export@reelbot_test_bot" and command.chat.type == "supergroup"
    assert command.entities[0].type == "bot_command" and command.entities[0].length == len(command.text)
    assert command.chat.id < -1_000_000_000_000
    assert [(p.width, p.height) for p in photo.photo] == [(90, 51), (320, 180), (800, 450), (1600, 900)]
    assert photo.caption == "look" and photo.media_group_id == "album1"
    assert document.document.file_name == "original.png" and document.document.mime_type == "image/png"
    assert audio.audio.title == "Song"
    assert (video.video.width, video.video.height) == (108, 192)
    assert sticker.sticker.emoji == "👍"
    assert location.location.latitude == 51.5
    assert voice.voice.mime_type == "audio/ogg"
    assert contact.contact.first_name == "Bob"
    assert poll.poll.options[1].text == "B"
    largest = await photo.photo[-1].get_file()
    assert bytes(await largest.download_as_bytearray()) == tg.file(photo.photo[-1].file_id).data


async def test_group_privacy_withholds_plain_messages() -> None:
    async with TelegramFake(group_privacy=True) as tg:
        alice = tg.user()
        group = tg.group()
        await tg.send_text(group, alice, "just chatting")
        await tg.send_command(group, alice, "/export@other_bot")
        await tg.send_command(group, alice, "/export")
        assert [u["message"]["text"] for u in tg.pending_updates()] == ["/export"]
        assert len(tg.undelivered) == 2


# ------------------------------------------------------------------------------------------------ sending errors


async def test_send_message_limits_and_errors(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    status, body = await call(http, "sendMessage", chat_id=chat.id, text="early")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    await tg.send_text(chat, alice, "hi")

    assert (await call(http, "sendMessage", chat_id=chat.id, text="x" * 4096))[0] == 200
    status, body = await call(http, "sendMessage", chat_id=chat.id, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    status, body = await call(http, "sendMessage", chat_id=chat.id, text="😀" * 2049)  # 4098 UTF-16 units
    assert body["description"] == "Bad Request: message is too long"
    html = "<b>" + "x" * 4096 + "</b>"  # the limit applies after entity parsing
    assert (await call(http, "sendMessage", chat_id=chat.id, text=html, parse_mode="HTML"))[0] == 200
    for empty in ("", "   \n", "<b> </b>"):
        status, body = await call(http, "sendMessage", chat_id=chat.id, text=empty, parse_mode="HTML")
        assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await call(http, "sendMessage", chat_id=chat.id)
    assert body["description"] == "Bad Request: message text is empty"


@pytest.mark.parametrize(
    ("text", "mode", "error"),
    [
        ("<b>bold", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "HTML", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "HTML", "Unexpected end tag at byte offset 1"),
        ("<blink>x</blink>", "HTML", 'Unsupported start tag "blink" at byte offset 0'),
        ("1 < 2", "HTML", 'Unsupported start tag "" at byte offset 2'),
        ("Done.", "MarkdownV2", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
    ],
)
async def test_entity_parse_errors(tg: TelegramFake, http: httpx.AsyncClient, text: str, mode: str, error: str) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    status, body = await call(http, "sendMessage", chat_id=chat.id, text=text, parse_mode=mode)
    assert status == 400
    assert body["description"] == f"Bad Request: can't parse entities: {error}"


def test_entity_parsing_results() -> None:
    assert parse_entities("a &lt;b&gt; &amp; <i>c</i>", "HTML") == (
        "a <b> & c",
        [{"type": "italic", "offset": 8, "length": 1}],
    )
    text, entities = parse_entities('😀 <a href="https://x.org">link</a>', "HTML")
    assert text == "😀 link" and entities == [{"type": "text_link", "offset": 3, "length": 4, "url": "https://x.org"}]
    assert parse_entities(r"*Done* \- 1\.5 `a.b`", "MarkdownV2") == (
        "Done - 1.5 a.b",
        [{"type": "bold", "offset": 0, "length": 4}, {"type": "code", "offset": 11, "length": 3}],
    )


async def test_reply_targets(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    update = await tg.send_text(chat, alice, "make a video")
    user_message_id = update["message"]["message_id"]
    reply = await bot.send_message(chat.id, "on it", reply_to_message_id=user_message_id)
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "make a video"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(chat.id, "lost", reply_parameters=telegram.ReplyParameters(999))
    lenient = telegram.ReplyParameters(999, allow_sending_without_reply=True)
    assert (await bot.send_message(chat.id, "fine", reply_parameters=lenient)).reply_to_message is None


async def test_edit_delete_and_texts(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    update = await tg.send_text(chat, alice, "hi")
    first = await bot.send_message(chat.id, "⏳ working")
    second = await bot.send_message(chat.id, "temporary")
    edited = await bot.edit_message_text("✅ done", chat_id=chat.id, message_id=first.message_id)
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("✅ done", chat_id=chat.id, message_id=first.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=update["message"]["message_id"])
    assert await bot.delete_message(chat.id, second.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(chat.id, second.message_id)
    assert tg.texts(chat.id) == ["✅ done"]
    assert [e.text for e in tg.edits(chat.id)] == ["✅ done"]


async def test_chat_actions(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    assert await bot.send_chat_action(chat.id, telegram.constants.ChatAction.UPLOAD_VIDEO)
    assert await bot.send_chat_action(chat.id, "typing")
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action in request"):
        await bot.send_chat_action(chat.id, "dancing")
    assert tg.actions(chat.id) == ["upload_video", "typing"]


async def test_blocked_user_is_forbidden(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    tg.block(chat.id)
    with pytest.raises(telegram.error.Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(chat.id, "hello?")


async def test_set_my_commands_validation(tg: TelegramFake, bot: telegram.Bot, http: httpx.AsyncClient) -> None:
    assert await bot.set_my_commands([("export", "Render the video"), ("credits", "Show credits")])
    assert [c["command"] for c in tg.commands] == ["export", "credits"]
    assert [c.command for c in await bot.get_my_commands()] == ["export", "credits"]
    status, body = await call(http, "setMyCommands", commands=[{"command": "Export", "description": "x"}])
    assert (status, body["description"]) == (400, "Bad Request: BOT_COMMAND_INVALID")
    status, body = await call(http, "setMyCommands", commands=[{"command": "export", "description": "x" * 257}])
    assert body["description"] == "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"


async def test_inline_button_and_callback_answer(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    button = telegram.InlineKeyboardButton("Export", callback_data="export")
    message = await bot.send_message(chat.id, "ready", reply_markup=telegram.InlineKeyboardMarkup([[button]]))
    too_long = telegram.InlineKeyboardButton("X", callback_data="x" * 65)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(chat.id, "bad", reply_markup=telegram.InlineKeyboardMarkup([[too_long]]))
    update = await tg.send_callback(chat, alice, "export", message.message_id)
    assert await bot.answer_callback_query(update["callback_query"]["id"], text="Rendering")
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query(update["callback_query"]["id"])


# ------------------------------------------------------------------------------------------------ files


async def test_get_file_download_and_limits(tg: TelegramFake, bot: telegram.Bot, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    data = png_bytes(300, 200)
    update = await tg.send_document(chat, alice, data, "pic.png", "image/png")
    file_id = update["message"]["document"]["file_id"]
    file = await bot.get_file(file_id)
    assert file.file_path is not None and file.file_path.endswith(".png")
    assert bytes(await file.download_as_bytearray()) == data

    big = await tg.send_document(chat, alice, b"%PDF-1.4", "big.pdf", file_size=21 * MiB)
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(big["message"]["document"]["file_id"])
    status, body = await call(http, "getFile", file_id="AgACAgIAAxkBAAInvented")
    assert (status, body["description"]) == (400, "Bad Request: invalid file_id")
    async with httpx.AsyncClient() as client:
        missing = await client.get(f"{tg.api_url}/file/bot{DEFAULT_TOKEN}/documents/nothing.pdf")
        assert missing.status_code == 404


async def test_send_video_multipart_bytes_intact(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "export")
    video = mp4_bytes()
    message = await bot.send_video(
        chat.id, video, caption="Here is your reel", supports_streaming=True, filename="reel.mp4"
    )
    assert message.video is not None and (message.video.width, message.video.height) == (108, 192)
    upload = await tg.wait_for(lambda c: c.method == "sendVideo")
    assert upload.file_bytes == video
    assert upload.filename == "reel.mp4" and upload.caption == "Here is your reel"
    assert upload.flag("supports_streaming")
    assert "multipart/form-data" in tg.requests[-1].headers["Content-Type"]
    again = await bot.send_video(chat.id, message.video.file_id)  # resend by file_id
    assert again.video is not None and tg.uploads(chat.id)[-1].file_bytes == video
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_video(chat.id, video, caption="c" * 1025)
    document = await bot.send_document(chat.id, b"not a video at all", filename="notes.txt")
    assert document.document is not None and document.document.file_name == "notes.txt"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(chat.id, "BQACAgIAAxkBAAInvented")


async def test_upload_over_50_mb_is_413(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    files = {"video": ("big.mp4", fake_mp4_bytes(50 * MiB + 1), "video/mp4")}
    response = await http.post("sendVideo", data={"chat_id": str(chat.id)}, files=files)
    assert response.status_code == 413
    assert response.json() == {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}
    assert tg.uploads() == []


# ------------------------------------------------------------------------------------------------ failures and rates


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_flood_429_with_retry_after(tg: TelegramFake, http: httpx.AsyncClient, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    tg.flood("sendMessage", times=2, retry_after=3)
    status, body = await call(http, "sendMessage", chat_id=chat.id, text="x")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat.id, "x")
    retry_after = caught.value.retry_after
    assert (retry_after if isinstance(retry_after, int) else retry_after.total_seconds()) == 3
    assert (await bot.send_message(chat.id, "third time lucky")).text == "third time lucky"
    assert tg.texts(chat.id) == ["third time lucky"]
    assert [r.status for r in tg.errors("sendMessage")] == [429, 429]


async def test_fail_5xx(tg: TelegramFake, bot: telegram.Bot, http: httpx.AsyncClient) -> None:
    tg.fail("getMe", status=502)
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.get_me()
    tg.fail("getMe", status=500)
    status, body = await call(http, "getMe")
    assert (status, body["description"]) == (500, "Internal Server Error")
    assert (await bot.get_me()).id == 123456


async def test_rate_check_records_and_enforces(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    for index in range(4):  # a burst of 3 is tolerated, the 4th within a second is not
        assert (await call(http, "sendMessage", chat_id=chat.id, text=f"m{index}"))[0] == 200
    assert [(v.chat_id, v.rule) for v in tg.flood_violations] == [(chat.id, "private")]

    group = tg.group()
    await tg.send_text(group, alice, "hi")
    tg.check_rates(enforce=True, group_per_minute=2)
    assert (await call(http, "sendMessage", chat_id=group.id, text="1"))[0] == 200
    assert (await call(http, "sendMessage", chat_id=group.id, text="2"))[0] == 200
    status, body = await call(http, "sendMessage", chat_id=group.id, text="3")
    assert status == 429 and body["parameters"]["retry_after"] >= 59


# ------------------------------------------------------------------------------------------------ control side


async def test_wait_for_and_request_dump(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")

    async def reply_later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(chat.id, "<b>Credits</b>: 42", parse_mode="HTML")

    task = asyncio.create_task(reply_later())
    found = await tg.wait_for_text(chat.id, "Credits: 42", timeout=2)
    await task
    assert found.text == "Credits: 42" and found.params["parse_mode"] == "HTML"
    mark = tg.mark()
    with pytest.raises(AssertionError, match=r"(?i)sendMessage chat=.*Credits: 42"):
        await tg.wait_for_text(chat.id, "Credits", timeout=0.1, start=mark)
    bodies = tg.all_request_bodies()
    assert any("Credits" in body for body in bodies)
    assert all(json.dumps(body) for body in bodies)


async def test_ptb_application_polls_replies_and_confirms_on_stop(tg: TelegramFake) -> None:
    from telegram.ext import AIORateLimiter, ApplicationBuilder, CommandHandler, ContextTypes, MessageHandler
    from telegram.ext import filters as ptb_filters

    async def echo(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_chat is not None
        await context.bot.send_chat_action(update.effective_chat.id, "typing")
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def export(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_video(mp4_bytes(), caption="reel", supports_streaming=True)

    app = (
        ApplicationBuilder()
        .token(DEFAULT_TOKEN)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .rate_limiter(AIORateLimiter())
        .build()
    )
    app.add_handler(CommandHandler("export", export))
    app.add_handler(MessageHandler(ptb_filters.TEXT & ~ptb_filters.COMMAND, echo))
    alice = tg.user()
    chat = tg.private_chat(alice)
    group = tg.group()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        await tg.send_text(chat, alice, "hello")
        await tg.send_command(group, alice, "/export", mention=True)
        await tg.wait_for_text(chat.id, "echo: hello", timeout=5)
        video = await tg.wait_for(lambda c: c.method == "sendVideo", timeout=5)
        assert video.chat_id == group.id and video.flag("supports_streaming")
        await app.updater.stop()
        await app.stop()
    assert tg.pending_updates() == []  # the last offset was confirmed on shutdown
    assert tg.actions(chat.id) == ["typing"]
    assert tg.flood_violations == []
    assert [r for r in tg.errors() if r.method != "getUpdates"] == []


async def test_send_by_url_fetches_the_file(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    video = mp4_bytes()
    update = await tg.send_video(chat, alice, video)
    path = (await bot.get_file(update["message"]["video"]["file_id"])).file_path
    assert path is not None and path.startswith(tg.api_url)
    message = await bot.send_video(chat.id, path)  # a URL: the fake downloads it like Telegram would
    assert message.video is not None and tg.uploads(chat.id)[-1].file_bytes == video
    with pytest.raises(BadRequest, match=r"(?i)failed to get HTTP URL content"):
        await bot.send_video(chat.id, f"{tg.api_url}/nothing-here.mp4")


async def test_edit_that_only_drops_the_keyboard_is_a_modification(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    keyboard = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("Go", callback_data="go")]])
    message = await bot.send_message(chat.id, "pick", reply_markup=keyboard)
    edited = await bot.edit_message_text("pick", chat_id=chat.id, message_id=message.message_id)
    assert isinstance(edited, telegram.Message) and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("pick", chat_id=chat.id, message_id=message.message_id)


# ------------------------------------------------------------------------------------------------ clients that go away


async def test_a_client_killed_halfway_through_its_request_is_not_an_error(tg: TelegramFake) -> None:
    """The bot is SIGKILLed while it sends an edit: the request stops after the headers and part of the body,
    and the connection is reset. That is the client's doing, not an internal error of the fake."""
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    body = f'{{"chat_id": {chat.id}, "message_id": 1, "text": "50%"}}'.encode()
    _, writer = await asyncio.open_connection(tg.host, int(tg.api_url.rsplit(":", 1)[1]))
    head = f"POST /bot{DEFAULT_TOKEN}/editMessageText HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body[:12])
    await writer.drain()
    deadline = time.monotonic() + 30
    while not tg.requests:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    writer.transport.abort()  # RST, as the kernel does for a killed process
    while not tg.requests[0].client_gone:
        assert time.monotonic() < deadline, "the fake never noticed the client was gone"
        await asyncio.sleep(0.01)
    assert tg.internal_errors == [] and tg.errors() == [] and tg.sent() == []
