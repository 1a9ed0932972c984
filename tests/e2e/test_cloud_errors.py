"""Every failure of the NemoVideo contract, as a user in Telegram sees it, and what the cloud saw.

Each test drives the real bot over HTTP; assertions read the chat (what the Telegram fake received) and,
where nemo-api.md demands it, the NemoVideo fake's request log (retried exactly once, never re-sent).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import INSTRUCTION, Bot, running, said, with_photo, with_video_made
from tests.fakes.nemo import CallTool, Cut, EditDraft, NemoFake, Say, edited_draft
from tests.fakes.sample_media import fake_mp4_bytes, jpeg_bytes, mp4_bytes
from tests.fakes.telegram import TelegramFake

UNREACHABLE = "I can't reach the video service right now"



# ---------------------------------------------------------------- helpers



def header(nemo: NemoFake, endpoint: str, name: str) -> list[str]:
    return [
        next((v for k, v in call.headers.items() if k.lower() == name.lower()), "") for call in nemo.calls(endpoint)
    ]



def anon_user(nemo: NemoFake) -> str:
    (user_id,) = {info.user_id for info in nemo.tokens.values()}
    return user_id


# ---------------------------------------------------------------- 1001, 1002, HTTP 400


async def test_1001_expired_token_renewed_with_the_same_client_id(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    alice = tg.user("Alice")
    chat = tg.private_chat(alice)
    await with_photo(tg, chat, alice)
    assert nemo.count("anonymous_token") == 1

    nemo.expire_token()
    mark = tg.mark()
    await tg.send_command(chat, alice, "/credits")
    answer = await tg.wait_for_text(chat.id, "Credits:", start=mark)
    assert answer.text == "Credits: 100 available, 0 frozen, 100 total."
    assert said(tg, chat.id, mark) == [answer.text]  # no error sentence on the way
    client_ids = header(nemo, "anonymous_token", "X-Client-Id")
    assert len(client_ids) == 2 and client_ids[0] == client_ids[1] and uuid.UUID(client_ids[0])
    assert nemo.count("credits") == 2  # the refused call, then the one retry

    # Mid-turn too: the instruction is sent again only because the first attempt never started a stream.
    nemo.expire_token()
    mark = tg.mark()
    await tg.send_text(chat, alice, INSTRUCTION)
    await tg.wait_for_text(chat.id, "Your video is ready!", start=mark)
    await tg.wait_for_text(chat.id, "Send /export", start=mark)
    assert header(nemo, "anonymous_token", "X-Client-Id") == client_ids + client_ids[:1]
    assert len(nemo.session().messages) == 1  # the backend ran the instruction once


async def test_1002_session_lost_new_session_and_one_retry(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    bob = tg.user("Bob")
    chat = tg.private_chat(bob)
    await with_photo(tg, chat, bob)
    first_session = nemo.session().session_id

    nemo.fail_next("run_sse", code=1002)
    mark = tg.mark()
    await tg.send_text(chat, bob, INSTRUCTION)
    await tg.wait_for_text(chat.id, "Your video is ready!", start=mark)
    await tg.wait_for_text(chat.id, "Send /export", start=mark)
    assert nemo.count("create_session") == 2 and nemo.count("run_sse") == 2
    second_session = nemo.session().session_id
    assert second_session != first_session
    assert [c.json["session_id"] for c in nemo.calls("run_sse")] == [first_session, second_session]
    # The photo the user sent is in the new session too, so the video is still made from it.
    assert [f["file_type"] for f in nemo.session().files] == ["image"]
    assert "Video: photo_" in tg.texts(chat.id)[-1]

    # A session the service keeps losing: one retry, then one sentence, not a loop.
    nemo.fail_next("run_sse", code=1002, times=2)
    mark = tg.mark()
    await tg.send_text(chat, bob, "make it slower")
    problem = await tg.wait_for_text(chat.id, UNREACHABLE, start=mark)
    assert nemo.count("run_sse") == 4 and nemo.count("create_session") == 3
    assert said(tg, chat.id, mark) == [problem.text]


async def test_http_400_on_anonymous_token_generates_a_client_id_and_keeps_it(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    carol = tg.user("Carol")
    chat = tg.private_chat(carol)
    nemo.fail_next("anonymous_token", status=400)
    mark = tg.mark()
    await tg.send_command(chat, carol, "/credits")
    await tg.wait_for_text(chat.id, "Credits: 100 available", start=mark)
    assert said(tg, chat.id, mark) == ["Connecting...", "Ready!", "Credits: 100 available, 0 frozen, 100 total."]
    first, second = header(nemo, "anonymous_token", "X-Client-Id")
    assert uuid.UUID(second) and second != first
    assert (await bot.core.store.accounts.get(chat.id)).client_id == second  # stored

    nemo.expire_token()  # the stored id is the one used from now on
    mark = tg.mark()
    await tg.send_command(chat, carol, "/credits")
    await tg.wait_for_text(chat.id, "Credits:", start=mark)
    assert header(nemo, "anonymous_token", "X-Client-Id")[2] == second


# ---------------------------------------------------------------- 2001


async def test_2001_anonymous_user_gets_the_register_link_and_the_local_offer(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    dan = tg.user("Dan")
    chat = tg.private_chat(dan)
    await with_photo(tg, chat, dan)
    user_id = anon_user(nemo)
    assert user_id.startswith("anon_")
    nemo.set_credits(user_id, 0)

    mark = tg.mark()
    await tg.send_text(chat, dan, INSTRUCTION)
    offer = await tg.wait_for_text(chat.id, "register", start=mark)
    assert f"https://nemovideo.com/register?bind={user_id}" in (offer.text or "")
    assert "/local" in (offer.text or "")
    assert said(tg, chat.id, mark) == [offer.text]
    assert nemo.session().messages == []  # refused before anything ran


async def test_2001_registered_token_user_is_told_to_top_up(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    account_token = "nmv_live_" + "k" * 32
    nemo.add_token(account_token, user_id="user_42", credits=0)
    async with running(settings_for(nemo_token=account_token), tg):
        erin = tg.user("Erin")
        chat = tg.private_chat(erin)
        await with_photo(tg, chat, erin)
        mark = tg.mark()
        await tg.send_text(chat, erin, INSTRUCTION)
        answer = await tg.wait_for_text(chat.id, "top up", start=mark)
    text = answer.text or ""
    assert "nemovideo.com" in text and "register?bind" not in text
    assert nemo.count("anonymous_token") == 0
    assert set(header(nemo, "credits", "Authorization") + header(nemo, "run_sse", "Authorization")) <= {
        f"Bearer {account_token}"
    }


# ---------------------------------------------------------------- uploads: 4001, 4002


async def test_4001_on_upload_lists_the_accepted_formats(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    fay = tg.user("Fay")
    chat = tg.private_chat(fay)
    nemo.fail_next("upload", code=4001)
    mark = tg.mark()
    await tg.send_document(chat, fay, jpeg_bytes(720, 1280), "beach.jpg")
    answer = await tg.wait_for_text(chat.id, "can't be used", start=mark)
    text = answer.text or ""
    assert "beach.jpg" in text
    assert all(fmt in text for fmt in ("JPG", "PNG", "MP4", "MOV", "MP3"))
    assert not any("Got" in t for t in said(tg, chat.id, mark))


async def test_4002_file_too_large_suggests_compressing_or_trimming(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    gus = tg.user("Gus")
    chat = tg.private_chat(gus)
    nemo.max_upload_bytes = 2_000  # the service's own 4002, from the size it reads
    mark = tg.mark()
    await tg.send_video(chat, gus, mp4_bytes(), file_name="trip.mp4")
    answer = await tg.wait_for_text(chat.id, "too large", start=mark)
    text = answer.text or ""
    assert "trip.mp4" in text and "compress or trim" in text and "200 MB" in text
    assert not any("Got" in t for t in said(tg, chat.id, mark))


# ---------------------------------------------------------------- render: 402


async def test_http_402_on_render_says_registering_unlocks_export(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    hal = tg.user("Hal")
    chat = tg.private_chat(hal)
    await with_video_made(tg, chat, hal)
    nemo.export_blocked = True
    mark = tg.mark()
    await tg.send_command(chat, hal, "/export")
    answer = await tg.wait_for_text(chat.id, "registering unlocks", start=mark)
    text = answer.text or ""
    assert "free plan" in text and "isn't about credits" in text
    assert "top up" not in text and "out of credits" not in text and "used your free credits" not in text
    assert f"register?bind={anon_user(nemo)}" in text
    assert text.splitlines()[-1] == str(wording.LOCAL_OFFER)  # the way out: render the same photos here
    assert nemo.count("render_status") == 0
    assert not tg.uploads(chat.id)


# ---------------------------------------------------------------- 429


async def test_http_429_waits_and_retries_once(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    wait = 0.6
    async with running(settings_for(rate_limit_wait_seconds=wait), tg):
        ivy = tg.user("Ivy")
        chat = tg.private_chat(ivy)
        await with_photo(tg, chat, ivy)

        nemo.fail_next("credits", status=429)
        mark = tg.mark()
        asked = time.monotonic()
        await tg.send_command(chat, ivy, "/credits")
        answer = await tg.wait_for_text(chat.id, "Credits:", start=mark)
        assert answer.at - asked >= wait  # it waited RATE_LIMIT_WAIT_SECONDS before the retry
        assert nemo.count("credits") == 2
        assert said(tg, chat.id, mark) == [answer.text]

        # Still limited after the one retry: one clear sentence, no third attempt.
        nemo.fail_next("credits", status=429, times=2)
        mark = tg.mark()
        await tg.send_command(chat, ivy, "/credits")
        busy = await tg.wait_for_text(chat.id, "busy", start=mark)
        assert nemo.count("credits") == 4
        assert said(tg, chat.id, mark) == [busy.text]
        assert (busy.text or "").splitlines()[0] == "The video service is busy right now; please try again in a minute."


# ---------------------------------------------------------------- 5xx, malformed, cut


@pytest.mark.parametrize(
    "fault",
    [{"status": 500}, {"status": 503}, {"malformed": True}, {"cut": True}],
    ids=["500", "503", "malformed-json", "connection-cut"],
)
async def test_broken_credits_answer_is_one_clear_sentence(
    bot: Bot, tg: TelegramFake, nemo: NemoFake, fault: dict[str, object]
) -> None:
    jim = tg.user("Jim")
    chat = tg.private_chat(jim)
    await with_photo(tg, chat, jim)
    nemo.fail_next("credits", **fault)  # type: ignore[arg-type]
    mark = tg.mark()
    await tg.send_command(chat, jim, "/credits")
    answer = await tg.wait_for_text(chat.id, UNREACHABLE, start=mark)
    assert said(tg, chat.id, mark) == [answer.text]
    assert (answer.text or "").endswith(str(wording.LOCAL_OFFER))
    assert "Internal Server Error" not in (answer.text or "") and "tok" not in (answer.text or "")

    mark = tg.mark()  # and the next request works again
    await tg.send_command(chat, jim, "/credits")
    await tg.wait_for_text(chat.id, "Credits: 100 available", start=mark)


async def test_photos_sent_while_the_cloud_was_down_go_in_before_the_next_instruction(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    """The user was told "everything you sent is saved": the next instruction must not run without them."""
    ivy = tg.user("Ivy")
    chat = tg.private_chat(ivy)
    await with_photo(tg, chat, ivy)
    nemo.fail_next("upload", status=503)
    mark = tg.mark()
    for i in range(2):
        await tg.send_photo(chat, ivy, jpeg_bytes(720, 1280, (90 * i, 40, 40)), media_group_id="late")
    problem = await tg.wait_for_text(chat.id, UNREACHABLE, start=mark)
    assert "saved" in (problem.text or "")
    assert nemo.count("upload") == 2  # the first photo, then the refused one; the album's second waits

    mark = tg.mark()
    await tg.send_text(chat, ivy, INSTRUCTION)
    await tg.wait_for_text(chat.id, "Send /export", start=mark)
    caught_up = await tg.wait_for_text(chat.id, "Got 2 photos", start=mark)
    assert "didn't go through earlier" in (caught_up.text or "")
    order = [c.endpoint for c in nemo.requests if c.endpoint in ("upload", "run_sse")]
    assert order == ["upload", "upload", "upload", "upload", "run_sse"]
    assert len(nemo.session().files) == 3
    assert len(nemo.session().draft["t"][0]["sg"]) == 3  # all three photos are in the video


# ---------------------------------------------------------------- broken streams


async def test_cut_stream_and_error_event_are_reported_from_the_state_never_resent(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    nemo.turn_cost = 10  # three turns on the free credits
    kim = tg.user("Kim")
    chat = tg.private_chat(kim)
    await with_video_made(tg, chat, kim)
    runs = nemo.count("run_sse")

    # Cut in the middle of an event, after the edit was applied: the bot reports the change from the state.
    nemo.queue_turn(Say("Working on it."), CallTool("edit_multitrack"), EditDraft(edited_draft), Cut())
    mark = tg.mark()
    await tg.send_text(chat, kim, "lower the music and retitle it")
    report = await tg.wait_for_text(chat.id, "Done.", start=mark)
    text = report.text or ""
    assert "BGM: Lo-fi (0-3s, 20%)" in text and 'Title: "Edited"' in text and "/export" in text
    assert said(tg, chat.id, mark)[0] == "Working on it."
    assert nemo.count("run_sse") == runs + 1
    assert nemo.session().messages.count("lower the music and retitle it") == 1
    assert nemo.count("state") > 0

    # An {"error": ...} event with nothing changed: the bot looks at the state once (the service gave up on
    # the turn, nothing is still running), says so, does not resend, does not echo the error.
    nemo.error_turn("agent crashed: KeyError 'sg' at nemo_agent/tools.py:42")
    states = nemo.count("state")
    mark = tg.mark()
    await tg.send_text(chat, kim, "add a fade between photos")
    answer = await tg.wait_for_text(chat.id, "hit an error on that request", start=mark, timeout=15)
    assert "timeline didn't change" in (answer.text or "")
    assert nemo.count("state") - states <= 2  # the draft before the turn and one look after it
    assert nemo.count("run_sse") == runs + 2
    assert nemo.session().messages.count("add a fade between photos") == 1
    assert all("agent crashed" not in t and "KeyError" not in t for t in said(tg, chat.id, mark))
    assert said(tg, chat.id, mark) == [answer.text]


# ---------------------------------------------------------------- renders


async def test_renders_over_several_polls_in_both_status_shapes(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    nemo.render_polls = 3
    for shape in ("top", "data"):
        user = tg.user(f"Lee-{shape}")
        chat = tg.private_chat(user)
        await with_video_made(tg, chat, user)
        nemo.render_status_shape = shape
        cdn_before = nemo.count("cdn")
        mark = tg.mark()
        await tg.send_command(chat, user, "/export")
        video = await tg.wait_for(lambda c, cid=chat.id: c.method == "sendVideo" and c.chat_id == cid,
                                  timeout=15, start=mark)
        assert video.file_bytes == mp4_bytes()
        render_id = nemo.last("render").json["id"]
        polls = [c for c in nemo.calls("render_status") if c.path.endswith(render_id)]
        assert len(polls) == 4, shape  # three "processing" answers, then "completed"
        assert nemo.count("cdn") == cdn_before + 1, shape  # the url was read from this shape of answer
        assert nemo.count("render_download") == 0
        progress = [e.text for e in tg.edits(chat.id) if "Rendering" in (e.text or "")]
        assert progress == ["🎬 Rendering your video… 30%", "🎬 Rendering your video… 60%",
                            "🎬 Rendering your video… 90%"], shape


async def test_failed_render_is_retried_under_a_new_id_and_delivered(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    max_ = tg.user("Max")
    chat = tg.private_chat(max_)
    await with_video_made(tg, chat, max_)
    nemo.render_polls = 5
    nemo.render_outcome = "failed"
    mark = tg.mark()
    await tg.send_command(chat, max_, "/export")
    await tg.wait_for_text(chat.id, "Rendering your video… 0%", start=mark)  # the first job was submitted
    nemo.render_outcome = "completed"  # only the first job fails (after its five polls)
    video = await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, timeout=15, start=mark)
    assert video.file_bytes == mp4_bytes()
    first, second = (c.json["id"] for c in nemo.calls("render"))
    assert first != second and second.startswith("render_")
    assert nemo.renders[first].status == "failed" and nemo.renders[second].status == "completed"
    assert len(tg.uploads(chat.id)) == 1
    assert not any("failed" in t for t in said(tg, chat.id, mark))


async def test_render_survives_failing_polls_and_a_dead_cdn_link(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    """A poll answered 502 or 429 does not lose the job, and a CDN link that 404s falls back to the API's
    download endpoint: the user gets the MP4 once and never hears of the hiccups."""
    ana = tg.user("Ana")
    chat = tg.private_chat(ana)
    await with_video_made(tg, chat, ana)
    nemo.render_polls = 3
    nemo.fail_next("render_status", status=502)
    nemo.fail_next("render_status", status=429, times=2)  # and the one retry after the wait is refused too
    nemo.fail_next("cdn", status=404)
    mark = tg.mark()
    await tg.send_command(chat, ana, "/export")
    video = await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, timeout=15, start=mark)
    assert video.file_bytes == mp4_bytes()
    assert nemo.count("render") == 1  # the job was followed, not resubmitted
    assert nemo.count("render_download") == 1
    assert said(tg, chat.id, mark) == ["🎬 Rendering your video… 0%"]
    await tg.wait_for(lambda c: c.method == "editMessageText" and c.text == "✅ Your video is ready.", start=mark)
    (row,) = await bot.core.store.renders.for_chat(chat.id)
    assert (row.id, row.status, row.delivered) == (nemo.last("render").json["id"], "completed", True)


async def test_video_over_the_upload_limit_is_sent_as_a_link(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    nemo.set_video(fake_mp4_bytes(2 * 1024 * 1024 + 10))
    async with running(settings_for(telegram_upload_limit_mb=2), tg):
        nia = tg.user("Nia")
        chat = tg.private_chat(nia)
        await with_video_made(tg, chat, nia)
        mark = tg.mark()
        await tg.send_command(chat, nia, "/export")
        link = await tg.wait_for_text(chat.id, "download link", start=mark, timeout=15)
    render_id = nemo.last("render").json["id"]
    assert f"{nemo.cdn_url}/cdn/renders/{render_id}.mp4" in (link.text or "")
    assert tg.uploads(chat.id) == []
