"""The bot process is killed (SIGKILL: no clean-up, no goodbye) at the worst moments and started again: what
the users sent is answered once, renders are delivered once, a cut stream is reported, never sent again.

The bot runs as a real `python -m bot` subprocess, configured only through its environment, against the
Telegram and NemoVideo fakes of this test's event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import INSTRUCTION, said, with_photo
from tests.e2e.processes import BotProcess, environment
from tests.fakes.nemo import DEFAULT_TEXT, NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import DEFAULT_TOKEN, TelegramFake


@pytest.fixture
async def bot_process(
    tmp_path: Path, tg: TelegramFake, nemo: NemoFake, settings_for: Callable[..., Settings]
) -> AsyncIterator[Callable[..., BotProcess]]:
    made: list[BotProcess] = []

    def make(**overrides: Any) -> BotProcess:
        # The end-to-end tests' settings; a stream cut by a kill is reported after patient polling.
        settings = settings_for(**{"state_poll_seconds": 0.5, **overrides})
        process = BotProcess(tg, tmp_path, environment(settings))
        made.append(process)
        return process

    yield make
    for process in made:
        await process.stop()  # a failed test must not leave a bot polling behind it
        log = process.log.read_text(errors="replace") if process.log.exists() else ""
        assert DEFAULT_TOKEN not in log and all(token not in log for token in nemo.tokens), "a token was logged"
        assert "Traceback" not in log, log


@pytest.fixture
async def running_bot(bot_process: Callable[..., BotProcess]) -> AsyncIterator[BotProcess]:
    process = bot_process()
    await process.start()
    yield process
    await process.stop()


async def eventually(check: Callable[[], bool], timeout: float = 15, what: str = "") -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.02)


async def test_a_render_being_polled_is_delivered_once_after_a_kill(
    running_bot: BotProcess, tg: TelegramFake, nemo: NemoFake
) -> None:
    ana = tg.user("Ana")
    chat = tg.private_chat(ana)
    await with_photo(tg, chat, ana)
    nemo.silent_edit()
    await tg.send_text(chat, ana, "make a 10-second video")
    await tg.wait_for_text(chat.id, "Done.")

    nemo.render_polls = 60  # about three seconds of polling
    await tg.send_command(chat, ana, "/export")
    await eventually(lambda: nemo.count("render_status") >= 5, what="the render is being polled")
    await running_bot.kill()
    polled = nemo.count("render_status")
    assert tg.uploads(chat.id) == []

    await running_bot.start()
    await eventually(lambda: len(tg.uploads(chat.id)) == 1, timeout=20, what="the video arrives")
    assert nemo.count("render") == 1  # the same job, polled again: not rendered (or charged) twice
    assert nemo.count("render_status") > polled

    # Killed again once it was delivered (the progress message says so): the next start sends nothing more.
    await eventually(lambda: any(e.text == str(wording.RENDER_DONE) for e in tg.edits(chat.id)), what="marked done")
    await running_bot.kill()
    await running_bot.start()
    await asyncio.sleep(1.0)
    assert len(tg.uploads(chat.id)) == 1
    assert sum(text.startswith("🎬 Rendering") for text in said(tg, chat.id)) == 1


async def test_a_stream_cut_by_a_kill_is_reported_from_the_state_never_sent_again(
    running_bot: BotProcess, tg: TelegramFake, nemo: NemoFake
) -> None:
    ben = tg.user("Ben")
    chat = tg.private_chat(ben)
    await with_photo(tg, chat, ben)

    nemo.slow_turn(beats=15, interval=0.1)  # the edit lands after 1.5 s, on the server, with or without us
    mark = tg.mark()
    await tg.send_text(chat, ben, INSTRUCTION)
    await eventually(lambda: nemo.count("run_sse") == 1, what="the stream started")
    await asyncio.sleep(0.2)
    await running_bot.kill()

    await running_bot.start()
    report = await tg.wait_for_text(chat.id, "Done.", start=mark, timeout=20)
    assert "Timeline" in (report.text or "")
    assert nemo.count("run_sse") == 1  # never sent again: it was charged once
    await asyncio.sleep(0.5)
    answers = said(tg, chat.id, mark)
    assert sum("Done." in text for text in answers) == 1
    assert not any(DEFAULT_TEXT in text for text in answers)  # what the stream would have said was never heard


async def test_an_album_cut_by_a_kill_is_acknowledged_once_with_nothing_dropped(
    bot_process: Callable[..., BotProcess], tg: TelegramFake, nemo: NemoFake
) -> None:
    bot = bot_process(album_wait_seconds=3)  # the album is still being collected when the kill comes
    await bot.start()
    cho = tg.user("Cho")
    chat = tg.private_chat(cho)
    for i in range(2):
        await tg.send_photo(chat, cho, jpeg_bytes(720, 1280, (80 * i, 60, 90)), media_group_id="trip")
    await tg.wait_confirmed()  # Telegram has forgotten them: only the bot knows about them now
    await bot.kill()
    assert said(tg, chat.id) == []

    # The last photo of the album comes while the bot is down.
    await tg.send_photo(chat, cho, jpeg_bytes(720, 1280, (200, 60, 90)), media_group_id="trip")
    await bot.start()
    await tg.wait_for_text(chat.id, "Got 3 photos", timeout=20)
    await asyncio.sleep(0.5)
    assert sum("Got 3 photos" in text for text in said(tg, chat.id)) == 1
    assert not any("Got 2" in text or "Got 1" in text for text in said(tg, chat.id))
    assert nemo.count("upload") == 3
    await bot.stop()


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_what_users_send_while_the_bot_is_down_is_all_answered_in_order(
    running_bot: BotProcess, tg: TelegramFake, nemo: NemoFake
) -> None:
    dee, eli = tg.user("Dee"), tg.user("Eli")
    dee_chat, eli_chat = tg.private_chat(dee), tg.private_chat(eli)
    await tg.send_command(dee_chat, dee, "/start")
    await tg.wait_for_text(dee_chat.id, "Send me your static images")
    await running_bot.kill()

    await tg.send_photo(dee_chat, dee, jpeg_bytes(720, 1280))
    nemo.reply("Here is your 15-second video with transitions.")
    await tg.send_text(dee_chat, dee, "turn my photos into a 15-second TikTok video")
    await tg.send_command(eli_chat, eli, "/credits")
    await tg.send_command(eli_chat, eli, "/help")
    await asyncio.sleep(0.5)  # still down: nothing answered
    assert said(tg, eli_chat.id) == []

    await running_bot.start()
    await tg.wait_for_text(dee_chat.id, "Here is your 15-second video", timeout=20)
    await tg.wait_for_text(eli_chat.id, "How it works", timeout=20)
    # /help is a quick answer that waits for nothing; /credits first connects Eli's chat to the cloud, so the
    # two may arrive either way round: both are awaited before they are counted.
    await tg.wait_for_text(eli_chat.id, "Credits:", timeout=20)
    dee_said = said(tg, dee_chat.id)
    got = next(i for i, text in enumerate(dee_said) if "Got 1 photo" in text)
    answer = next(i for i, text in enumerate(dee_said) if "Here is your 15-second video" in text)
    assert got < answer  # the photo went in before the instruction that needs it
    eli_said = said(tg, eli_chat.id)
    assert sum(text.startswith("Credits:") for text in eli_said) == 1 and eli_said.count(str(wording.HELP)) == 1
    assert nemo.count("run_sse") == 1 and nemo.count("upload") == 1


async def test_a_local_render_cut_by_a_kill_is_rendered_again_and_delivered_once(
    bot_process: Callable[..., BotProcess], tg: TelegramFake, nemo: NemoFake
) -> None:
    bot = bot_process(video_engine="local")
    await bot.start()
    fay = tg.user("Fay")
    chat = tg.private_chat(fay)
    for i in range(2):
        await tg.send_photo(chat, fay, jpeg_bytes(720, 1280, (90 * i, 120, 60)), media_group_id="local")
    await tg.wait_for_text(chat.id, "Got 2 photos", timeout=20)
    await tg.send_text(chat, fay, "make a 4-second video")
    await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, timeout=30)  # the preview

    mark = tg.mark()
    await tg.send_command(chat, fay, "/export")
    await tg.wait_for_text(chat.id, "Rendering your video", start=mark, timeout=20)
    await bot.kill()  # ffmpeg dies with it: the half-made MP4 is gone

    await bot.start()
    video = await tg.wait_for(
        lambda c: c.method == "sendVideo" and c.chat_id == chat.id and "ready" in (c.caption or ""),
        start=mark, timeout=60,
    )
    assert video.file_bytes
    await asyncio.sleep(0.5)
    assert sum("ready" in (c.caption or "") for c in tg.uploads(chat.id)) == 1
    assert not any("failed" in text for text in said(tg, chat.id, mark))
    await bot.stop()
    assert nemo.requests == []
