"""Tests of the Telegram Bot API fake: that it is as strict as the real service on what the bot calls.

Plain httpx against its HTTP side, and python-telegram-bot 22 as a client. How the fake takes clients that go
away is in test_telegram_clients_gone.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import telegram
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter

from tests.fakes.sample_media import (
    blank_png_bytes,
    fake_mp4_bytes,
    jpeg_bytes,
    mp4_bytes,
    noisy_jpeg_bytes,
    noisy_mp4_bytes,
    png_bytes,
)
from tests.fakes.telegram import DEFAULT_TOKEN, MiB, TelegramFake


@pytest.fixture
async def http(tg: TelegramFake) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client whose base URL is the bot's method root."""
    async with httpx.AsyncClient(base_url=f"{tg.api_url}/bot{DEFAULT_TOKEN}/", timeout=60) as client:
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


def start_and_size(path: Path, length: int) -> tuple[bytes, int]:
    """The first ``length`` bytes of a file and its size (a sparse file is not read whole)."""
    with path.open("rb") as file:
        return file.read(length), os.path.getsize(path)


async def known_chat(tg: TelegramFake) -> int:
    """A private chat whose user wrote first (Telegram answers "chat not found" before that)."""
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    return chat.id


# ------------------------------------------------------------------------------------------------ basics


async def test_get_me_with_httpx_and_ptb(tg: TelegramFake, http: httpx.AsyncClient, bot: telegram.Bot) -> None:
    response = await http.get("getMe")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["result"]["id"] == 123456
    assert body["result"]["is_bot"] is True
    assert body["result"]["can_read_all_group_messages"] is False  # privacy mode, as for a new bot
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
    tg.check_rates(enforce=False)  # many sends to one chat at once: the parsing is under test, not the pace
    chat_id = await known_chat(tg)
    assert (await http.get("sendMessage", params={"chat_id": chat_id, "text": "by query"})).status_code == 200
    assert (await http.post("sendMessage", data={"chat_id": str(chat_id), "text": "by form"})).status_code == 200
    assert (await http.post("sendmessage", json={"chat_id": chat_id, "text": "by json"})).status_code == 200
    files = {"chat_id": (None, str(chat_id)), "text": (None, "by multipart")}
    assert (await http.post("sendMessage", files=files)).status_code == 200
    assert tg.texts(chat_id) == ["by query", "by form", "by json", "by multipart"]
    assert [call.method for call in tg.sent(chat_id)] == ["sendMessage"] * 4
    status, body = await call(http, "sendMessage", chat_id="not a number", text="x")
    assert (status, body["description"]) == (400, "Bad Request: invalid chat_id specified")


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
    poll = asyncio.create_task(bot.get_updates(timeout=60, read_timeout=90))
    await tg.wait_polling()  # the poll is held by the fake now
    assert not poll.done()
    await tg.send_text(chat, alice, "wake up")
    # Woken by the update, long before its 60 s: the guard only keeps a broken fake from hanging the test.
    updates = await asyncio.wait_for(poll, 30)
    assert updates[0].message is not None and updates[0].message.text == "wake up"

    started = time.monotonic()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=1) == ()
    assert time.monotonic() - started >= 0.9  # held for its timeout when nothing comes
    await tg.wait_confirmed()


async def test_second_poller_terminates_the_first_with_409(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    first = asyncio.create_task(call(http, "getUpdates", timeout=30))
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


async def test_delete_webhook_as_start_polling_calls_it(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    await tg.send_text(tg.private_chat(alice), alice, "kept")
    assert await call(http, "deleteWebhook", drop_pending_updates=False) == (200, {"ok": True, "result": True})
    assert len((await call(http, "getUpdates"))[1]["result"]) == 1
    assert (await call(http, "deleteWebhook", drop_pending_updates=True))[0] == 200
    assert (await call(http, "getUpdates"))[1]["result"] == []
    assert [u["message"]["text"] for u in tg.dropped_updates] == ["kept"]


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
    assert document.document.thumbnail is not None
    assert audio.audio.title == "Song"
    assert (video.video.width, video.video.height) == (108, 192)
    assert sticker.sticker.emoji == "👍"
    assert location.location.latitude == 51.5
    assert voice.voice.mime_type == "audio/ogg"
    assert contact.contact.first_name == "Bob"
    assert poll.poll.options[1].text == "B"
    largest = await photo.photo[-1].get_file()
    assert bytes(await largest.download_as_bytearray()) == tg.file(photo.photo[-1].file_id).data


async def test_user_edits_and_replies_reach_the_bot(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    original = await tg.send_text(chat, alice, "make a video")
    message_id = original["message"]["message_id"]
    await tg.edit_text(chat, alice, message_id, "make a slower video")
    await tg.send_text(chat, alice, "and this", reply_to=message_id)
    _, edited, reply = await bot.get_updates()
    assert edited.edited_message is not None and edited.edited_message.text == "make a slower video"
    assert reply.message is not None and reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.message_id == message_id


async def test_group_privacy_withholds_plain_messages() -> None:
    async with TelegramFake(group_privacy=True) as tg:
        alice = tg.user()
        group = tg.group()
        await tg.send_text(group, alice, "just chatting")
        await tg.send_command(group, alice, "/export@other_bot")
        await tg.send_command(group, alice, "/export")
        await tg.send_text(group, alice, "hey @reelbot_test_bot")
        assert [u["message"]["text"] for u in tg.pending_updates()] == ["/export", "hey @reelbot_test_bot"]
        assert len(tg.undelivered) == 2

        tg.group_privacy = False  # /setprivacy → Disable: every message reaches the bot
        await tg.send_text(group, alice, "now you see me")
        assert tg.pending_updates()[-1]["message"]["text"] == "now you see me"
        assert tg.internal_errors == []


# ------------------------------------------------------------------------------------------------ sending


async def test_send_message_limits_counted_in_utf16(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    status, body = await call(http, "sendMessage", chat_id=chat.id, text="early")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    await tg.send_text(chat, alice, "hi")

    assert (await call(http, "sendMessage", chat_id=chat.id, text="x" * 4096))[0] == 200
    status, body = await call(http, "sendMessage", chat_id=chat.id, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    assert (await call(http, "sendMessage", chat_id=chat.id, text="😀" * 2048))[0] == 200  # 4096 UTF-16 units
    status, body = await call(http, "sendMessage", chat_id=chat.id, text="😀" * 2049)  # 4098 units
    assert body["description"] == "Bad Request: message is too long"
    assert (await call(http, "sendMessage", chat_id=chat.id, text=" \n" + "y" * 4096 + "\n "))[0] == 200
    assert tg.texts(chat.id)[-1] == "y" * 4096  # stripped as Telegram strips it, then counted
    for empty in ("", "   \n"):
        status, body = await call(http, "sendMessage", chat_id=chat.id, text=empty)
        assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await call(http, "sendMessage", chat_id=chat.id)
    assert body["description"] == "Bad Request: message text is empty"


async def test_reply_targets(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    update = await tg.send_text(chat, alice, "make a video")
    user_message_id = update["message"]["message_id"]
    reply = await bot.send_message(chat.id, "on it", reply_parameters=telegram.ReplyParameters(user_message_id))
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "make a video"
    old_style = await bot.send_message(chat.id, "again", reply_to_message_id=user_message_id)
    assert old_style.reply_to_message is not None
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(chat.id, "lost", reply_parameters=telegram.ReplyParameters(999))
    lenient = telegram.ReplyParameters(999, allow_sending_without_reply=True)
    assert (await bot.send_message(chat.id, "fine", reply_parameters=lenient)).reply_to_message is None


async def test_edits_and_texts(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    update = await tg.send_text(chat, alice, "hi")
    first = await bot.send_message(chat.id, "⏳ working")
    await bot.send_message(chat.id, "second")
    edited = await bot.edit_message_text("✅ done", chat_id=chat.id, message_id=first.message_id)
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("✅ done", chat_id=chat.id, message_id=first.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=update["message"]["message_id"])
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.edit_message_text("x" * 4097, chat_id=chat.id, message_id=first.message_id)
    video = await bot.send_video(chat.id, mp4_bytes(), caption="clip")
    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=video.message_id)
    assert tg.texts(chat.id) == ["✅ done", "second"]
    assert [e.text for e in tg.edits(chat.id)] == ["✅ done"]
    assert tg.messages(chat.id)[0].edits == 1


async def test_edit_that_only_drops_an_old_keyboard_is_a_modification(tg: TelegramFake, bot: telegram.Bot) -> None:
    chat_id = await known_chat(tg)
    message = await bot.send_message(chat_id, "pick")
    # A keyboard an earlier version of the bot put under the message (the bot sends none now).
    tg.messages(chat_id)[-1].message["reply_markup"] = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    edited = await bot.edit_message_text("pick", chat_id=chat_id, message_id=message.message_id)
    assert isinstance(edited, telegram.Message) and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("pick", chat_id=chat_id, message_id=message.message_id)


async def test_chat_actions(tg: TelegramFake, bot: telegram.Bot) -> None:
    chat_id = await known_chat(tg)
    assert await bot.send_chat_action(chat_id, telegram.constants.ChatAction.UPLOAD_VIDEO)
    assert await bot.send_chat_action(chat_id, "typing")
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action in request"):
        await bot.send_chat_action(chat_id, "dancing")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_chat_action(424242, "typing")
    assert tg.actions(chat_id) == ["upload_video", "typing"]


async def test_blocked_user_is_forbidden(tg: TelegramFake, bot: telegram.Bot) -> None:
    chat_id = await known_chat(tg)
    tg.block(chat_id)
    with pytest.raises(telegram.error.Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(chat_id, "hello?")
    with pytest.raises(telegram.error.Forbidden):
        await bot.send_chat_action(chat_id, "typing")
    tg.block(chat_id, blocked=False)
    assert (await bot.send_message(chat_id, "hello again")).text == "hello again"


async def test_a_group_that_became_a_supergroup_answers_sends_with_its_new_id(
    tg: TelegramFake, bot: telegram.Bot
) -> None:
    gus = tg.user("Gus")
    crew = tg.group("Crew", supergroup=False)
    await tg.send_text(crew, gus, "hi")
    sent = await bot.send_message(crew.id, "before")
    supergroup = tg.migrate(crew, gus)
    kinds = [next(k for k in u if k != "update_id") for u in tg.pending_updates()[-3:]]
    assert kinds == ["my_chat_member", "message", "message"]  # the bot joins, then the two service messages
    moved_to, moved_from = (u["message"] for u in tg.pending_updates()[-2:])
    assert (moved_to["chat"]["id"], moved_to["migrate_to_chat_id"]) == (crew.id, supergroup.id)
    assert (moved_from["chat"]["id"], moved_from["migrate_from_chat_id"]) == (supergroup.id, crew.id)
    with pytest.raises(telegram.error.ChatMigrated) as migrated:
        await bot.send_chat_action(crew.id, "typing")
    assert migrated.value.new_chat_id == supergroup.id
    assert tg.errors()[-1].description == "Bad Request: group chat was upgraded to a supergroup chat"
    assert (await bot.edit_message_text("edited", crew.id, sent.message_id)).text == "edited"  # still its own
    assert (await bot.send_message(supergroup.id, "after")).chat.type == "supergroup"
    with pytest.raises(ValueError, match="became supergroup"):
        await tg.send_text(crew, gus, "nobody can write in the old group")


async def test_blocking_and_removing_the_bot_come_as_my_chat_member_then_403(
    tg: TelegramFake, bot: telegram.Bot
) -> None:
    ana, gus = tg.user("Ana"), tg.user("Gus")
    crew = tg.group("Crew")
    update = tg.block_bot(ana)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(telegram.error.Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ana.id, "hello?")
    tg.unblock_bot(ana)
    assert (await bot.send_message(ana.id, "hello again")).text == "hello again"
    tg.add_bot(crew, gus)
    update = tg.remove_bot(crew, gus)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "left"
    with pytest.raises(telegram.error.Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_chat_action(crew.id, "typing")


async def test_a_forum_takes_sends_to_its_topics_and_refuses_a_thread_it_has_not(
    tg: TelegramFake, http: httpx.AsyncClient
) -> None:
    studio, gus = tg.forum("Studio"), tg.user("Gus")
    topic = tg.create_topic(studio, gus, "Beach")
    created = tg.pending_updates()[-1]["message"]
    assert (created["message_thread_id"], created["forum_topic_created"]["name"]) == (topic, "Beach")
    assert created["chat"]["is_forum"] is True
    status, body = await call(http, "sendMessage", chat_id=studio.id, text="hi", message_thread_id=topic)
    assert status == 200 and body["result"]["message_thread_id"] == topic and body["result"]["is_topic_message"]
    status, body = await call(http, "sendMessage", chat_id=studio.id, text="in General")
    assert status == 200 and "message_thread_id" not in body["result"]
    assert [c.thread_id for c in tg.sent(studio.id)] == [topic, None]
    for method, extra in (("sendChatAction", {"action": "typing"}), ("sendMessage", {"text": "hi"})):
        status, body = await call(http, method, chat_id=studio.id, message_thread_id=topic + 100, **extra)
        assert (status, body["description"]) == (400, "Bad Request: message thread not found")
    status, body = await call(http, "sendMessage", chat_id=(await known_chat(tg)), text="x", message_thread_id=topic)
    assert (status, body["description"]) == (400, "Bad Request: message thread not found")  # not a forum


async def test_set_my_commands_with_scopes(tg: TelegramFake, bot: telegram.Bot, http: httpx.AsyncClient) -> None:
    chat_id = await known_chat(tg)
    assert await bot.set_my_commands([("export", "Render the video"), ("credits", "Show credits")])
    admin = [("export", "Render the video"), ("invite", "Make an invite code")]
    assert await bot.set_my_commands(admin, scope=telegram.BotCommandScopeChat(chat_id))
    assert [c["command"] for c in tg.commands] == ["export", "credits"]
    assert [c["command"] for c in tg.commands_for({"type": "chat", "chat_id": chat_id})] == ["export", "invite"]
    status, body = await call(http, "setMyCommands", commands=[{"command": "Export", "description": "x"}])
    assert (status, body["description"]) == (400, "Bad Request: BOT_COMMAND_INVALID")
    status, body = await call(http, "setMyCommands", commands=[{"command": "export", "description": "x" * 257}])
    assert body["description"] == "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
    status, body = await call(http, "setMyCommands", commands=[{"command": "a", "description": "b"}], scope="{")
    assert body["description"] == "Bad Request: can't parse BotCommandScope JSON object"


async def test_a_chats_menu_needs_a_chat_telegram_knows_and_is_deleted_by_scope_and_language(
    tg: TelegramFake, bot: telegram.Bot, http: httpx.AsyncClient
) -> None:
    """Menus on a chat's own scope, checked as the Bot API server checks the chat (with the right to read its
    members), and deleteMyCommands with the same checks; a user's app shows the first menu set by
    Telegram's order (`menu_seen`)."""
    li = tg.user("Li", language_code="zh-hans")
    chat = tg.private_chat(li)
    stranger = tg.user("Stan")
    unparsed = "Bad Request: can't parse BotCommandScope: "
    refusals = {
        json.dumps({"type": "chat", "chat_id": stranger.id}): "Bad Request: chat not found",  # never wrote
        json.dumps({"type": "chat"}): f'{unparsed}Can\'t find field "chat_id"',
        json.dumps({"type": "chat", "chat_id": ""}): f"{unparsed}Empty chat_id specified",
        json.dumps({"type": "everyone"}): f"{unparsed}Unsupported type specified",
        json.dumps(["chat"]): f"{unparsed}BotCommandScope must be an Object",
    }
    for method, extra in (("setMyCommands", {"commands": [{"command": "a", "description": "b"}]}),
                          ("deleteMyCommands", {})):
        for scope, description in refusals.items():
            status, body = await call(http, method, scope=scope, **extra)
            assert (status, body["description"]) == (400, description), (method, scope)
    assert await bot.set_my_commands([("export", "Render the video")])
    assert await bot.set_my_commands([("export", "渲染并发送 MP4")], language_code="zh")
    await tg.send_text(chat, li, "hi")
    assert tg.menu_seen(chat, li) == [{"command": "export", "description": "渲染并发送 MP4"}]
    assert await bot.set_my_commands([("export", "Render")], scope=telegram.BotCommandScopeChat(chat.id))
    assert [c["description"] for c in tg.menu_seen(chat, li)] == ["Render"]  # the chat's own, for any language
    tg.block(chat.id)  # a private chat's menu is set even while its user blocks the bot
    assert await bot.delete_my_commands(scope=telegram.BotCommandScopeChat(chat.id))
    assert await bot.delete_my_commands(scope=telegram.BotCommandScopeChat(chat.id), language_code="zh")  # unset
    assert [c["description"] for c in tg.menu_seen(chat, li)] == ["渲染并发送 MP4"]
    group = tg.group("Team")
    await tg.send_text(group, li, "/start")
    tg.remove_bot(group, li, ban=True)
    with pytest.raises(telegram.error.Forbidden, match="kicked"):
        await bot.set_my_commands([("export", "Render")], scope=telegram.BotCommandScopeChat(group.id))


async def test_command_menus_are_kept_per_language(
    tg: TelegramFake, bot: telegram.Bot, http: httpx.AsyncClient
) -> None:
    """A menu for the users whose app is in a language (an ISO 639-1 code), apart from the default one."""
    assert await bot.set_my_commands([("export", "Render the video")])
    assert await bot.set_my_commands([("export", "渲染并发送 MP4")], language_code="zh")
    chat = {"type": "chat", "chat_id": await known_chat(tg)}
    assert await bot.set_my_commands([("usage", "用量")], scope=telegram.BotCommandScopeChat(chat["chat_id"]),
                                     language_code="zh")
    assert [c["description"] for c in tg.commands] == ["Render the video"]
    assert [c["description"] for c in tg.commands_for(language_code="zh")] == ["渲染并发送 MP4"]
    assert [c["command"] for c in tg.commands_for(chat, language_code="zh")] == ["usage"]
    assert tg.commands_for(chat) == []
    for code in ("zh-hans", "zh_CN", "ZH", "chinese"):  # Telegram takes two lower-case letters only
        status, body = await call(http, "setMyCommands", commands=[{"command": "a", "description": "b"}],
                                  language_code=code)
        assert (status, body["description"]) == (400, "Bad Request: invalid language code specified"), code


async def test_callback_answers(tg: TelegramFake, bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    message = await bot.send_message(chat.id, "ready")
    first = await tg.send_callback(chat, alice, "export", message.message_id)
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(first["callback_query"]["id"], text="x" * 201)
    assert await bot.answer_callback_query(first["callback_query"]["id"], text="x" * 200)
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):  # answered once only
        await bot.answer_callback_query(first["callback_query"]["id"])
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("12345")
    assert [c.text for c in tg.sent(chat.id, "answerCallbackQuery")] == ["x" * 200]


async def test_inline_keyboards_are_checked_as_telegram_checks_them(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    chat_id = await known_chat(tg)
    refused = [
        ({"inline_keyboard": [[{"callback_data": "go"}]]}, "Field \"text\" must be of type String"),
        ({"inline_keyboard": [[{"text": " ", "callback_data": "go"}]]}, "text buttons are unallowed"),
        ({"inline_keyboard": [[{"text": "Go"}]]}, "text buttons are unallowed in the inline keyboard"),
        ({"inline_keyboard": [[{"text": "Go", "callback_data": ""}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "Go", "callback_data": "é" * 33}]]}, "BUTTON_DATA_INVALID"),  # 66 bytes
        ({"inline_keyboard": [{"text": "Go", "callback_data": "go"}]}, "must be an Array of Arrays"),
    ]
    for markup, description in refused:
        status, body = await call(http, "sendMessage", chat_id=chat_id, text="x", reply_markup=markup)
        assert status == 400 and description in body["description"], (markup, body)
    buttons = [{"text": "Go", "callback_data": "é" * 32}, {"text": "Undo", "callback_data": "u"}]
    keyboard = {"inline_keyboard": [buttons]}
    status, body = await call(http, "sendMessage", chat_id=chat_id, text="x", reply_markup=json.dumps(keyboard))
    assert status == 200 and body["result"]["reply_markup"] == keyboard  # 64 bytes fit; a form sends it as JSON
    assert tg.buttons(chat_id, body["result"]["message_id"]) == [("Go", "é" * 32), ("Undo", "u")]
    assert tg.texts(chat_id) == ["x"]


async def test_a_press_on_a_shown_button_is_a_callback_query_answerable_once_and_soon(
    tg: TelegramFake, bot: telegram.Bot
) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    markup = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("Export", callback_data="/export")]])
    message = await bot.send_message(chat.id, "ready", reply_markup=markup)
    with pytest.raises(KeyError):  # a client can only press what the message shows
        await tg.press(chat, message.message_id, "/undo", alice)
    update = await tg.press(chat, message.message_id, "/export", alice)
    query = update["callback_query"]
    assert query["data"] == "/export" and query["from"]["id"] == alice.id
    assert query["message"]["message_id"] == message.message_id
    assert not tg.callback(query["id"]).answered
    assert await bot.answer_callback_query(query["id"])
    assert tg.callback(query["id"]).answered and tg.callback(query["id"]).answer_text is None
    with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired or query ID is invalid"):
        await bot.answer_callback_query(query["id"])  # twice
    tg.callback_answer_seconds = 0.0  # every press from now on is answered too late
    late = await tg.press(chat, message.message_id, "/export", alice)
    with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired or query ID is invalid"):
        await bot.answer_callback_query(late["callback_query"]["id"])
    assert not tg.callback(late["callback_query"]["id"]).answered
    assert len(tg.sent(chat.id, "answerCallbackQuery")) == 1


async def test_features_the_fake_does_not_model_fail_loudly(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    """Parse modes, entities, keyboards other than inline callback buttons, files by URL, inline messages: the
    bot uses none. The fake neither
    accepts them unchecked nor pretends Telegram refuses them: a 501 and an internal error name the gap."""
    chat_id = await known_chat(tg)
    message = (await call(http, "sendMessage", chat_id=chat_id, text="plain"))[1]["result"]
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    gaps = [
        ("sendMessage", {"text": "<b>x</b>", "parse_mode": "HTML"}),
        ("sendMessage", {"text": "x", "entities": [{"type": "bold", "offset": 0, "length": 1}]}),
        ("sendMessage", {"text": "x", "reply_markup": {"keyboard": [[{"text": "Go"}]]}}),
        ("sendMessage", {"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "Go", "url": "https://e.org"}]]}}),
        ("editMessageText", {"text": "y", "message_id": message["message_id"], "reply_markup": keyboard}),
        ("editMessageText", {"text": "y", "inline_message_id": "AAA"}),
        ("sendVideo", {"video": "https://example.org/video.mp4"}),
        ("sendDocument", {"document": "file:///etc/hostname"}),
        ("sendDocument", {"document": "x", "caption": "*x*", "parse_mode": "MarkdownV2"}),
    ]
    for method, params in gaps:
        status, body = await call(http, method, chat_id=chat_id, **params)
        assert status == 501 and body["description"].startswith("Not Implemented"), (method, params, body)
    assert len(tg.internal_errors) == len(gaps)
    assert all("not modelled" in error for error in tg.internal_errors)
    assert tg.texts(chat_id) == ["plain"]
    tg.internal_errors.clear()  # expected here; the fixture checks nothing else went wrong


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

    jpeg = await tg.send_document(chat, alice, jpeg_bytes(), "holiday.JPEG")
    path = (await bot.get_file(jpeg["message"]["document"]["file_id"])).file_path
    assert path is not None and path.endswith(".jpeg")  # the name's own extension, lower-cased

    exactly = await tg.send_document(chat, alice, b"%PDF-1.4", "max.pdf", file_size=20 * MiB)
    assert (await bot.get_file(exactly["message"]["document"]["file_id"])).file_size == 20 * MiB
    big = await tg.send_document(chat, alice, b"%PDF-1.4", "big.pdf", file_size=20 * MiB + 1)
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(big["message"]["document"]["file_id"])
    status, body = await call(http, "getFile", file_id="AgACAgIAAxkBAAInvented")
    assert (status, body["description"]) == (400, "Bad Request: invalid file_id")
    async with httpx.AsyncClient() as client:
        missing = await client.get(f"{tg.api_url}/file/bot{DEFAULT_TOKEN}/documents/nothing.pdf")
        assert missing.status_code == 404
        wrong_token = await client.get(f"{tg.api_url}/file/bot654321:{'B' * 35}/documents/nothing.pdf")
        assert wrong_token.status_code == 401


async def test_a_local_server_hands_out_files_up_to_2000_mb_from_its_disk(tg: TelegramFake, tmp_path: Path) -> None:
    tg.serve_locally(tmp_path / "server")
    alice = tg.user()
    chat = tg.private_chat(alice)
    data = jpeg_bytes()
    big = await tg.send_document(chat, alice, data, "big.jpg", file_size=250 * MiB)
    urls = {"base_url": tg.base_url, "base_file_url": tg.base_file_url}
    async with telegram.Bot(DEFAULT_TOKEN, **urls, local_mode=True) as bot:
        file = await bot.get_file(big["message"]["document"]["file_id"])
        assert file.file_path is not None
        path = Path(file.file_path)
        assert path.is_absolute() and path.is_relative_to(tmp_path / "server" / DEFAULT_TOKEN)
        assert await asyncio.to_thread(start_and_size, path, len(data)) == (data, 250 * MiB)
        huge = await tg.send_document(chat, alice, data, "huge.mp4", file_size=2000 * MiB + 1)
        with pytest.raises(BadRequest, match=r"(?i)file is too big"):
            await bot.get_file(huge["message"]["document"]["file_id"])


async def test_send_video_multipart_bytes_intact(tg: TelegramFake, bot: telegram.Bot) -> None:
    tg.check_rates(enforce=False)  # many sends to one chat at once: the upload is under test, not the pace
    alice = tg.user()
    chat = tg.private_chat(alice)
    photo = await tg.send_photo(chat, alice, jpeg_bytes())
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
        await bot.send_video(chat.id, video, caption="😀" * 513)  # 1026 UTF-16 units
    assert (await bot.send_video(chat.id, video, caption="😀" * 512)).caption == "😀" * 512
    not_a_video = await bot.send_video(chat.id, b"not a video at all", filename="notes.txt")
    assert not_a_video.video is None and not_a_video.document is not None  # Telegram makes it a document
    document = await bot.send_document(chat.id, b"not a video at all", filename="notes.txt")
    assert document.document is not None and document.document.file_name == "notes.txt"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(chat.id, "BQACAgIAAxkBAAInvented")
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Photo as Video"):
        await bot.send_video(chat.id, photo["message"]["photo"][-1]["file_id"])
    with pytest.raises(BadRequest, match=r"(?i)file must be non-empty"):
        await bot.send_document(chat.id, b"", filename="empty.txt")
    assert [c.method for c in tg.uploads(chat.id)] == ["sendVideo"] * 4 + ["sendDocument"]


async def test_upload_over_50_mb_is_413(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    chat_id = await known_chat(tg)
    files = {"video": ("big.mp4", fake_mp4_bytes(50 * MiB + 1), "video/mp4")}
    response = await http.post("sendVideo", data={"chat_id": str(chat_id)}, files=files)
    assert response.status_code == 413
    assert response.json() == {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}
    assert tg.uploads() == []


async def test_a_local_server_takes_uploads_over_50_mb(
    tg: TelegramFake, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    tg.serve_locally(tmp_path / "server")
    chat_id = await known_chat(tg)
    files = {"video": ("big.mp4", fake_mp4_bytes(50 * MiB + 1), "video/mp4")}
    response = await http.post("sendVideo", data={"chat_id": str(chat_id)}, files=files)
    assert response.status_code == 200
    assert len(tg.uploads(chat_id)[0].file_bytes or b"") == 50 * MiB + 1


# ------------------------------------------------------------------------------------------------ failures and rates


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_flood_429_with_retry_after(tg: TelegramFake, http: httpx.AsyncClient, bot: telegram.Bot) -> None:
    chat_id = await known_chat(tg)
    tg.flood("sendMessage", times=2, retry_after=3)
    status, body = await call(http, "sendMessage", chat_id=chat_id, text="x")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat_id, "x")
    retry_after = caught.value.retry_after
    assert (retry_after if isinstance(retry_after, int) else retry_after.total_seconds()) == 3
    assert (await bot.send_message(chat_id, "third time lucky")).text == "third time lucky"
    assert tg.texts(chat_id) == ["third time lucky"]
    assert [r.status for r in tg.errors("sendMessage")] == [429, 429]


async def test_fail_5xx(tg: TelegramFake, bot: telegram.Bot, http: httpx.AsyncClient) -> None:
    tg.fail("getMe", status=502)
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.get_me()
    assert "nginx" in tg.requests[-1].response
    tg.fail("getMe", status=500)
    status, body = await call(http, "getMe")
    assert (status, body["description"]) == (500, "Internal Server Error")
    assert (await bot.get_me()).id == 123456
    assert tg.internal_errors == []  # a switched-on failure is not a bug of the fake


async def test_rate_check_records_and_enforces(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    for index in range(3):  # a burst of 3 is tolerated, the 4th within a second is not
        assert (await call(http, "sendMessage", chat_id=chat.id, text=f"m{index}"))[0] == 200
    status, body = await call(http, "sendMessage", chat_id=chat.id, text="m3")
    assert status == 429 and body["parameters"]["retry_after"] == 1
    assert [(v.chat_id, v.rule) for v in tg.flood_violations] == [(chat.id, "private")]
    tg.check_rates(enforce=False)  # counting only: let through, still recorded
    for index in range(4):
        assert (await call(http, "sendMessage", chat_id=chat.id, text=f"n{index}"))[0] == 200
    assert len(tg.flood_violations) == 2

    group = tg.group()
    await tg.send_command(group, alice, "/start")
    tg.check_rates(enforce=True, group_per_minute=2)
    assert (await call(http, "sendMessage", chat_id=group.id, text="1"))[0] == 200
    assert (await call(http, "sendMessage", chat_id=group.id, text="2"))[0] == 200
    status, body = await call(http, "sendMessage", chat_id=group.id, text="3")
    assert status == 429 and body["parameters"]["retry_after"] >= 59


async def test_a_stall_of_the_fake_is_not_counted_as_the_bots_flood(tg: TelegramFake, http: httpx.AsyncClient) -> None:
    # Eight sends at a good pace (one every 0.1 s against 10/s) reach the fake while its own loop is stuck
    # (here: this test's loop, which the fake shares). Handled back to back afterwards, they look like a
    # burst of six; Telegram stamps them as they arrive, so the fake must not call them a flood.
    tg.check_rates(private_per_second=10, private_burst=2)
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    url = f"{http.base_url}sendMessage"
    answers: list[int] = []

    def send_at(delay: float, index: int) -> None:
        time.sleep(delay)
        answers.append(httpx.post(url, json={"chat_id": chat.id, "text": f"m{index}"}, timeout=30).status_code)

    senders = [threading.Thread(target=send_at, args=(index / 10, index)) for index in range(8)]
    for sender in senders:
        sender.start()
    time.sleep(0.65)  # noqa: ASYNC251 - the point: the fake's loop is stuck, as a busy test process can leave it
    for sender in senders:
        await asyncio.to_thread(sender.join)
    assert answers == [200] * 8 and tg.flood_violations == []


# ------------------------------------------------------------------------------------------------ control side


async def test_wait_for_and_request_dump(tg: TelegramFake, bot: telegram.Bot) -> None:
    chat_id = await known_chat(tg)

    async def reply_later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(chat_id, "  Credits: 42 ")

    task = asyncio.create_task(reply_later())
    found = await tg.wait_for_text(chat_id, "Credits: 42")
    await task
    assert found.text == "Credits: 42" and found.params["text"] == "  Credits: 42 "
    mark = tg.mark()
    with pytest.raises(AssertionError, match=r"(?i)sendMessage chat=.*Credits: 42"):
        await tg.wait_for_text(chat_id, "Credits", timeout=0.1, start=mark)
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
        await tg.wait_for_text(chat.id, "echo: hello")
        video = await tg.wait_for(lambda c: c.method == "sendVideo")
        assert video.chat_id == group.id and video.flag("supports_streaming")
        await app.updater.stop()
        await app.stop()
    assert tg.pending_updates() == []  # the last offset was confirmed on shutdown
    assert tg.actions(chat.id) == ["typing"]
    assert tg.flood_violations == []
    assert tg.errors() == []  # the long poll stop() cut was the client's doing, not an error answer
    assert [r.method for r in tg.requests[:3]] == ["getMe", "deleteWebhook", "getUpdates"]


async def test_a_video_past_10_mb_keeps_only_what_send_video_said(tg: TelegramFake, bot: telegram.Bot) -> None:
    chat_id = await known_chat(tg)
    big = noisy_mp4_bytes(11 * MiB)

    def kept() -> dict[str, Any]:
        return tg.uploads(chat_id)[-1].result["video"]

    await bot.send_video(chat_id, big, filename="big.mp4")
    assert (kept()["width"], kept()["height"], kept()["duration"]) == (320, 320, 0)
    assert "thumbnail" not in kept()  # Telegram did not analyse it: a square reading 0:00, no picture
    thumb = jpeg_bytes(180, 320)
    await bot.send_video(chat_id, big, width=540, height=960, duration=3, thumbnail=thumb)
    assert (kept()["width"], kept()["height"], kept()["duration"]) == (540, 960, 3)
    assert (kept()["thumbnail"]["width"], kept()["thumbnail"]["height"]) == (180, 320)
    assert tg.file(kept()["thumbnail"]["file_id"]).data == thumb  # sent as attach://, kept as given
    await bot.send_video(chat_id, mp4_bytes(), thumbnail=jpeg_bytes(10, 10))
    assert (kept()["width"], kept()["height"], kept()["duration"]) == (108, 192, 1)  # analysed
    assert (kept()["thumbnail"]["width"], kept()["thumbnail"]["height"]) == (108, 192)  # its own, not ours


@pytest.mark.parametrize(
    "thumbnail",
    [png_bytes(180, 320), jpeg_bytes(321, 180), jpeg_bytes(180, 321), noisy_jpeg_bytes(320, 320, min_bytes=200_000)],
    ids=["png", "too-wide", "too-tall", "200-kB"],
)
async def test_a_thumbnail_the_bot_api_would_not_take_is_dropped(
    tg: TelegramFake, bot: telegram.Bot, thumbnail: bytes
) -> None:
    chat_id = await known_chat(tg)
    await bot.send_video(chat_id, noisy_mp4_bytes(11 * MiB), width=540, height=960, duration=3, thumbnail=thumbnail)
    assert "thumbnail" not in tg.uploads(chat_id)[-1].result["video"]


@pytest.mark.parametrize(
    ("picture", "refusal"),
    [
        (lambda: blank_png_bytes(5001, 5000), "PHOTO_INVALID_DIMENSIONS"),  # width + height over 10000
        (lambda: png_bytes(2100, 100), "PHOTO_INVALID_DIMENSIONS"),  # a side over 20 times the other
        (lambda: jpeg_bytes().ljust(10 * MiB + 1, b"\0"), "PHOTO_SAVE_FILE_INVALID"),  # over 10 MB
        (lambda: b"not a picture at all", "IMAGE_PROCESS_FAILED"),
    ],
)
async def test_send_photo_refuses_what_telegram_refuses(tg: TelegramFake, bot: telegram.Bot, picture: Any,
                                                         refusal: str) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    with pytest.raises(BadRequest, match=f"(?i){refusal}"):
        await bot.send_photo(chat.id, picture(), filename="board.png")
    assert tg.uploads(chat.id) == []


async def test_send_photo_keeps_scaled_copies_and_counts_the_caption_in_utf16(tg: TelegramFake,
                                                                               bot: telegram.Bot) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(chat.id, png_bytes(600, 1200), caption="😀" * 513)  # 1026 UTF-16 units
    message = await bot.send_photo(chat.id, png_bytes(20, 400), caption="😀" * 512)
    assert [(p.width, p.height) for p in message.photo] == [(5, 90), (16, 320), (20, 400)]
    assert message.caption == "😀" * 512 and tg.uploads(chat.id)[0].method == "sendPhoto"
