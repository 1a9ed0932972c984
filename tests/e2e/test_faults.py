"""Faults on the way (a cloud that hangs, refuses connections, answers 5xx or garbage, renders that fail or
never finish, a video gone from the CDN, a Telegram that floods or fails on sendVideo), as a user sees them:
one clear sentence each, nothing they sent lost, nothing charged twice.

Faults already covered elsewhere are not repeated here: 5xx / malformed / cut answers to /credits, a 503 on
upload, a stream cut in the middle of an event, an error event, a failed render retried under a new id and a
dead CDN link served by the fallback (`test_cloud_errors.py`).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import INSTRUCTION, Bot, running, said, with_photo, with_video_made
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes, mp4_bytes
from tests.fakes.telegram import RequestRecord, TelegramFake

UNREACHABLE = (
    "I can't reach the video service right now; everything you sent is saved, so please try again in a few minutes."
)
RENDERING = "🎬 Rendering your video… 0%"



def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def telegram_calls(tg: TelegramFake, method: str) -> list[RequestRecord]:
    """Every request of `method` the Telegram fake received, refused ones included."""
    return [r for r in tg.requests if r.method == method]


# ---------------------------------------------------------------- the cloud out of reach


async def test_a_cloud_that_never_answers_times_out_into_one_sentence(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    async with running(settings_for(http_timeout_seconds=0.3), tg):
        ada = tg.user("Ada")
        chat = tg.private_chat(ada)
        await with_photo(tg, chat, ada)

        nemo.fail_next("credits", hang=3)
        mark = tg.mark()
        asked = time.monotonic()
        await tg.send_command(chat, ada, "/credits")
        answer = await tg.wait_for_text(chat.id, UNREACHABLE, start=mark)
        assert answer.at - asked < 2  # HTTP_TIMEOUT_SECONDS, not the hang
        assert said(tg, chat.id, mark) == [f"{UNREACHABLE}\n{wording.LOCAL_OFFER}"]

        # A /run_sse that never even sends its headers: the turn gives up too (the stream itself may be
        # quiet for minutes, its start may not), and the instruction is not sent a second time.
        nemo.fail_next("run_sse", hang=3)
        mark = tg.mark()
        asked = time.monotonic()
        await tg.send_text(chat, ada, INSTRUCTION)
        answer = await tg.wait_for_text(chat.id, UNREACHABLE, start=mark)
        assert answer.at - asked < 2
        assert said(tg, chat.id, mark) == [f"{UNREACHABLE}\n{wording.LOCAL_OFFER}"]
    assert nemo.count("run_sse") == 1 and nemo.session().messages == []  # nothing ran, nothing charged


async def test_a_refused_connection_keeps_what_the_user_sent(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    settings = settings_for(nemo_api_url=f"http://127.0.0.1:{closed_port()}")
    async with running(settings, tg) as bot:
        bea = tg.user("Bea")
        chat = tg.private_chat(bea)
        mark = tg.mark()
        await tg.send_photo(chat, bea, jpeg_bytes(720, 1280))
        problem = await tg.wait_for_text(chat.id, UNREACHABLE, start=mark)
        assert said(tg, chat.id, mark) == [str(wording.CONNECTING), problem.text]
        assert problem.text == f"{UNREACHABLE}\n{wording.LOCAL_OFFER}"

        mark = tg.mark()
        await tg.send_text(chat, bea, INSTRUCTION)
        again = await tg.wait_for_text(chat.id, UNREACHABLE, start=mark)
        assert said(tg, chat.id, mark) == [str(wording.CONNECTING), again.text]  # it tried again, and says so

        # The photo is on disk, to go in once the cloud is back.
        (kept,) = await bot.core.store.uploads.for_chat(chat.id)
        assert kept.local_path and await asyncio.to_thread(Path(kept.local_path).is_file)
        assert kept.status != "uploaded"
    assert nemo.requests == []


@pytest.mark.parametrize(
    "fault", [{"status": 500}, {"status": 503}, {"malformed": True}], ids=["500", "503", "malformed-json"]
)
async def test_a_broken_answer_to_an_instruction_is_one_sentence_and_charges_nothing(
    bot: Bot, tg: TelegramFake, nemo: NemoFake, fault: dict[str, object]
) -> None:
    cy = tg.user("Cy")
    chat = tg.private_chat(cy)
    await with_photo(tg, chat, cy)
    nemo.fail_next("run_sse", **fault)  # type: ignore[arg-type]
    mark = tg.mark()
    await tg.send_text(chat, cy, INSTRUCTION)
    answer = await tg.wait_for_text(chat.id, UNREACHABLE, start=mark)
    assert said(tg, chat.id, mark) == [f"{UNREACHABLE}\n{wording.LOCAL_OFFER}"]
    assert nemo.count("run_sse") == 1  # not re-sent: a broken answer is not a cure-once code
    assert nemo.session().messages == [] and nemo.accounts[nemo.session().user_id].available == 100
    assert "Internal Server Error" not in (answer.text or "")


# ---------------------------------------------------------------- renders


async def test_a_render_that_fails_twice_is_given_up_in_one_sentence(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    dee = tg.user("Dee")
    chat = tg.private_chat(dee)
    await with_video_made(tg, chat, dee)
    nemo.render_polls = 1
    nemo.render_outcome = "failed"
    mark = tg.mark()
    await tg.send_command(chat, dee, "/export")
    await tg.wait_for_text(chat.id, str(wording.RENDER_FAILED), start=mark)
    assert said(tg, chat.id, mark) == [RENDERING, str(wording.RENDER_FAILED)]
    first, second = (c.json["id"] for c in nemo.calls("render"))  # once more under a new id, no third time
    assert first != second
    assert nemo.renders[first].status == nemo.renders[second].status == "failed"
    assert tg.uploads(chat.id) == []


async def test_a_render_that_never_finishes_is_cancelled_and_the_user_told(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    async with running(settings_for(render_timeout_seconds=0.5), tg) as bot:
        eli = tg.user("Eli")
        chat = tg.private_chat(eli)
        await with_video_made(tg, chat, eli)
        nemo.render_polls = 1_000_000  # "processing" for ever
        mark = tg.mark()
        await tg.send_command(chat, eli, "/export")
        await tg.wait_for_text(chat.id, str(wording.RENDER_TIMED_OUT), start=mark)
        assert said(tg, chat.id, mark) == [RENDERING, str(wording.RENDER_TIMED_OUT)]
        (render_id,) = (c.json["id"] for c in nemo.calls("render"))
        (cancel,) = nemo.calls("render_cancel")
        assert cancel.path == f"/api/render/proxy/lambda/{render_id}/cancel"
        assert nemo.renders[render_id].status == "cancelled"
        (row,) = await bot.core.store.renders.for_chat(chat.id)
        assert (row.status, row.delivered) == ("cancelled", False)
    assert tg.uploads(chat.id) == []


async def test_a_video_gone_from_the_cdn_and_the_fallback_is_one_sentence(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    flo = tg.user("Flo")
    chat = tg.private_chat(flo)
    await with_video_made(tg, chat, flo)
    nemo.fail_next("cdn", status=404)
    nemo.fail_next("render_download", status=404)
    mark = tg.mark()
    await tg.send_command(chat, flo, "/export")
    await tg.wait_for_text(chat.id, str(wording.RENDER_GONE), start=mark)
    assert said(tg, chat.id, mark) == [RENDERING, str(wording.RENDER_GONE)]
    assert nemo.count("cdn") == 1 and nemo.count("render_download") == 1
    assert tg.uploads(chat.id) == []


# ---------------------------------------------------------------- Telegram refusing the video


async def test_telegram_flood_on_send_video_is_waited_out(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    gia = tg.user("Gia")
    chat = tg.private_chat(gia)
    await with_video_made(tg, chat, gia)
    tg.flood("sendVideo", retry_after=1)
    mark = tg.mark()
    await tg.send_command(chat, gia, "/export")
    video = await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, timeout=15, start=mark)
    assert video.file_bytes == mp4_bytes()
    refused, accepted = telegram_calls(tg, "sendVideo")
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.at - refused.at >= 1  # retry_after obeyed
    assert len(tg.uploads(chat.id)) == 1 and telegram_calls(tg, "sendDocument") == []
    assert said(tg, chat.id, mark) == [RENDERING]


async def test_telegram_5xx_on_send_video_is_retried_then_the_video_arrives(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    async with running(settings_for(telegram_retry_seconds=0.05), tg):
        hal = tg.user("Hal")
        chat = tg.private_chat(hal)
        await with_video_made(tg, chat, hal)
        tg.fail("sendVideo", status=502, times=2)
        mark = tg.mark()
        await tg.send_command(chat, hal, "/export")
        video = await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, timeout=15, start=mark)
        assert video.file_bytes == mp4_bytes()
        assert [r.status for r in telegram_calls(tg, "sendVideo")] == [502, 502, 200]
        assert telegram_calls(tg, "sendDocument") == []
        assert said(tg, chat.id, mark) == [RENDERING]


async def test_telegram_failing_on_every_send_video_gets_the_link_instead(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    async with running(settings_for(telegram_retry_seconds=0.05), tg) as bot:
        ivo = tg.user("Ivo")
        chat = tg.private_chat(ivo)
        await with_video_made(tg, chat, ivo)
        tg.fail("sendVideo", status=500, times=100)
        mark = tg.mark()
        await tg.send_command(chat, ivo, "/export")
        link = await tg.wait_for_text(chat.id, "download link", start=mark, timeout=15)
        render_id = nemo.last("render").json["id"]
        assert link.text == str(wording.RENDER_LINK_UNSENT.format(url=f"{nemo.cdn_url}/cdn/renders/{render_id}.mp4"))
        assert said(tg, chat.id, mark) == [RENDERING, link.text]
        assert [r.status for r in telegram_calls(tg, "sendVideo")] == [500, 500, 500]  # backed off, gave up
        assert tg.uploads(chat.id) == []
        await tg.wait_for(lambda c: c.method == "editMessageText" and c.text == str(wording.RENDER_DONE), start=mark)
        (row,) = await bot.core.store.renders.for_chat(chat.id)
        assert row.delivered  # the link was the delivery: a restart does not send it again
