"""A client that goes away is the client's doing, never an error of the Telegram fake.

The end-to-end tests SIGKILL the bot at any moment and stop it mid-poll; its dropped connections must not
show up in ``internal_errors`` (which every end-to-end test asserts empty). A real bug of the fake, raised
while the client still waits, must.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp
import pytest

from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import DEFAULT_TOKEN, RequestRecord, TelegramFake
from tests.fakes.telegram.methods import BotApi

GUARD = 30.0  # seconds; conditions are awaited, this only stops a broken fake from hanging the test



async def until(check: Callable[[], bool]) -> None:
    """Wait for what the server does after the client is gone (it happens on the server's own schedule)."""
    deadline = time.monotonic() + GUARD
    while not check():
        assert time.monotonic() < deadline, "the fake never noticed the client was gone"
        await asyncio.sleep(0.01)


async def open_raw(tg: TelegramFake) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A bare TCP connection to the fake, to send exactly what a dying client sends."""
    return await asyncio.open_connection(tg.host, int(tg.api_url.rsplit(":", 1)[1]))


def head(method: str, path: str, length: int, content_type: str = "application/json") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: api.telegram.org\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def gone(tg: TelegramFake, method: str) -> list[RequestRecord]:
    return [r for r in tg.requests if r.method == method and r.client_gone]


async def test_a_client_killed_halfway_through_its_request_is_not_an_error(tg: TelegramFake) -> None:
    """The flake of the restart tests: the bot is SIGKILLed while it sends an edit; its request stops after
    the headers and part of the body, and the connection is reset."""
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    body = f'{{"chat_id": {chat.id}, "message_id": 1, "text": "50%"}}'.encode()
    _, writer = await open_raw(tg)
    writer.write(head("POST", f"/bot{DEFAULT_TOKEN}/editMessageText", len(body)) + body[:12])
    await writer.drain()
    await until(lambda: bool(tg.requests))  # the fake is reading the body now
    writer.transport.abort()  # RST, as the kernel does for a killed process

    await until(lambda: bool(gone(tg, "editMessageText")))
    (record,) = tg.requests
    assert record.status is None and record.response is None  # nobody to answer
    assert tg.errors() == [] and tg.sent() == []
    assert tg.internal_errors == []


async def test_a_client_gone_before_its_answer_is_not_an_error(tg: TelegramFake) -> None:
    """The whole request arrived, then the client closed before reading the answer."""
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "hi")
    for index in range(20):  # whichever moment the close lands on
        body = f'{{"chat_id": {chat.id}, "text": "m{index}"}}'.encode()
        _, writer = await open_raw(tg)
        writer.write(head("POST", f"/bot{DEFAULT_TOKEN}/sendMessage", len(body)) + body)
        await writer.drain()
        writer.transport.abort()
    await until(lambda: len(tg.requests) == 20 and all(r.status is not None or r.client_gone for r in tg.requests))
    assert tg.internal_errors == []
    assert tg.errors() == []


async def test_a_long_poll_the_client_gives_up_ends_at_once(tg: TelegramFake) -> None:
    """A bot that stops (or is killed) while its getUpdates is held: the poll ends then and there, recorded as
    the client's doing, and the next poller is not answered 409 on its behalf."""
    async with aiohttp.ClientSession() as session:
        url = f"{tg.api_url}/bot{DEFAULT_TOKEN}/getUpdates"
        poll = asyncio.create_task(session.post(url, json={"timeout": 600}))
        await tg.wait_polling(timeout=GUARD)
        poll.cancel()  # what python-telegram-bot's Updater.stop() does to its long poll
        with pytest.raises(asyncio.CancelledError):
            await poll
    await until(lambda: bool(gone(tg, "getUpdates")))
    (record,) = tg.requests
    assert record.status is None
    async with aiohttp.ClientSession() as session, session.post(url, json={"timeout": 0}) as response:
        assert response.status == 200
    assert tg.errors() == [] and tg.internal_errors == []


async def test_a_download_cut_off_is_not_an_error(tg: TelegramFake) -> None:
    """The bot is killed while it downloads a user's photo."""
    alice = tg.user()
    chat = tg.private_chat(alice)
    update = await tg.send_document(chat, alice, jpeg_bytes(2000, 2000) * 40, "big.jpg")
    async with aiohttp.ClientSession() as session:
        url = f"{tg.api_url}/bot{DEFAULT_TOKEN}/getFile"
        async with session.post(url, json={"file_id": update["message"]["document"]["file_id"]}) as response:
            path = (await response.json())["result"]["file_path"]
    reader, writer = await open_raw(tg)
    writer.write(head("GET", f"/file/bot{DEFAULT_TOKEN}/{path}", 0))
    await writer.drain()
    await reader.readexactly(1024)  # the answer has started
    writer.transport.abort()
    await until(lambda: any(r.method == "download" and (r.client_gone or r.status == 200) for r in tg.requests))
    assert tg.internal_errors == [] and tg.errors() == []


async def test_a_bug_of_the_fake_while_the_client_waits_is_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: BotApi, params: object) -> object:
        raise KeyError("a bug")

    monkeypatch.setattr(BotApi, "get_me", broken)
    async with TelegramFake() as tg, aiohttp.ClientSession() as session:
        async with session.post(f"{tg.api_url}/bot{DEFAULT_TOKEN}/getMe") as response:
            assert response.status == 500
            assert (await response.json())["description"] == "Internal Server Error"
        assert tg.internal_errors == ["getMe: KeyError('a bug')"]
        assert [r.status for r in tg.errors()] == [500]
        assert not tg.requests[0].client_gone
