"""The whole story on the cloud engine, as a user in Telegram lives it."""

from __future__ import annotations

import io

import av
import pytest

from tests.e2e.conftest import INSTRUCTION, Bot, with_video_made
from tests.e2e.leaks import assert_nothing_leaked
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes, mp4_bytes, noisy_mp4_bytes
from tests.fakes.telegram import MiB, TelegramFake


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_album_to_mp4(bot: Bot, tg: TelegramFake, nemo: NemoFake) -> None:
    alice = tg.user("Alice")
    chat = tg.private_chat(alice)

    await tg.send_command(chat, alice, "/start")
    await tg.wait_for_text(chat.id, "Send me your static images")
    assert {c["command"] for c in tg.commands} >= {"start", "help", "credits", "status", "export"}

    # An album of three photos: one acknowledgement with its count, and the vertical-photo tip.
    for i in range(3):
        await tg.send_photo(chat, alice, jpeg_bytes(400, 300, (40 * i, 90, 160)), media_group_id="album-1")
    await tg.wait_for_text(chat.id, "Got 3 photos")
    assert "Connecting..." in tg.texts(chat.id) and "Ready!" in tg.texts(chat.id)
    assert sum("Got" in text for text in tg.texts(chat.id)) == 1
    assert any("vertical 9:16" in text for text in tg.texts(chat.id))
    assert nemo.count("upload") == 3

    # The instruction streams slowly: the user hears "⏳ Still working..." before the answer.
    bot.settings.__dict__["heartbeat_seconds"] = 0.3
    nemo.slow_turn(beats=6, interval=0.15, style="comment")
    mark = tg.mark()
    await tg.send_text(chat, alice, INSTRUCTION)
    await tg.wait_for_text(chat.id, "⏳ Still working...", start=mark)
    answer = await tg.wait_for_text(chat.id, "Your video is ready!", start=mark)
    summary = await tg.wait_for_text(chat.id, "Timeline (3 tracks)", start=mark)
    assert "Send /export to get the MP4" in (summary.text or "")
    assert "click" not in (answer.text or "").lower() and "Preview in Timeline" not in (answer.text or "")
    assert "typing" in tg.actions(chat.id)
    assert nemo.last("run_sse").json["new_message"]["parts"][0]["text"] == INSTRUCTION

    mark = tg.mark()
    await tg.send_command(chat, alice, "/status")
    status = await tg.wait_for_text(chat.id, "Timeline: 3 photos, 9 s", start=mark)
    assert "Title: “My TikTok” (0–3 s)" in (status.text or "").splitlines()
    await tg.wait_for(lambda c: c.method == "sendPhoto" and c.chat_id == chat.id, start=mark)  # the storyboard

    account = next(iter(nemo.accounts.values()))
    account.frozen = 25  # credits held by a job in progress
    mark = tg.mark()
    await tg.send_command(chat, alice, "/credits")
    credits = await tg.wait_for_text(chat.id, "Credits:", start=mark)
    assert credits.text == (f"Credits: {account.available:.0f} available, {account.frozen:.0f} frozen, "
                            f"{account.available + account.frozen:.0f} total.")

    mark = tg.mark()
    await tg.send_command(chat, alice, "/web")
    link = await tg.wait_for_text(chat.id, "web editor", start=mark)
    assert "https://nemovideo.com/workspace/claim?ct=clm_" in (link.text or "")

    # Export: a render taking several polls, one progress message edited, then the MP4 as a video.
    nemo.render_polls = 4
    mark = tg.mark()
    await tg.send_command(chat, alice, "/export")
    video = await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, timeout=20, start=mark)
    assert video.file_bytes == mp4_bytes()
    with av.open(io.BytesIO(video.file_bytes)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    progress = [e for e in tg.edits(chat.id) if "Rendering" in (e.text or "")]
    assert len(progress) >= 2  # the same message, edited as the percentage grows
    assert len({e.message_id for e in progress}) == 1
    render = nemo.last("render").json
    assert render["id"].startswith("render_") and render["sessionId"] and render["draft"]["t"]
    if bot.settings.database_url is not None:  # Telegram's pace kept where every worker on it sees it
        paces = await bot.core.store._db.fetchall("SELECT slot_key FROM flood_slots")
        assert {row["slot_key"] for row in paces} >= {"overall", f"chat:{chat.id}"}

    # Secrets never reach the chat or anything the bot sent to Telegram; no raw output either.
    assert_nothing_leaked(tg, nemo)


async def test_a_video_past_10_mb_arrives_with_its_size_length_and_thumbnail(
    bot: Bot, tg: TelegramFake, nemo: NemoFake
) -> None:
    # Telegram analyses only uploads up to 10 MB: a bigger render shows as the bot describes it, or as a
    # 320x320 square reading 0:00 with no picture when the bot says nothing.
    nemo.set_video(noisy_mp4_bytes(11 * MiB))
    bea = tg.user("Bea")
    chat = tg.private_chat(bea)
    await with_video_made(tg, chat, bea)
    mark = tg.mark()
    await tg.send_command(chat, bea, "/export")
    video = await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, timeout=20, start=mark)
    kept = video.result["video"]
    assert kept["file_size"] > 10 * MiB
    assert (kept["width"], kept["height"]) == (540, 960)
    assert kept["duration"] >= 2
    assert max(kept["thumbnail"]["width"], kept["thumbnail"]["height"]) == 320
