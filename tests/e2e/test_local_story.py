"""The whole story on the local engine (VIDEO_ENGINE=local), and the way out from the cloud to it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

import av
from PIL import Image

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import running
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import TelegramFake


def probe(data: bytes) -> tuple[str, str, int, int, float, int]:
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        duration = float(container.duration or 0) / av.time_base
        return (video.codec_context.name, video.codec_context.profile or "", video.width, video.height,
                duration, audio.sample_rate)


async def test_photos_to_mp4_on_this_machine(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    async with running(settings_for(video_engine="local"), tg):
        bob = tg.user("Bob")
        chat = tg.private_chat(bob)
        for i, size in enumerate([(1080, 1920), (4000, 3000), (900, 1600)]):
            await tg.send_photo(chat, bob, jpeg_bytes(*size, color=(60 * i, 120, 200)), media_group_id="a1")
        await tg.wait_for_text(chat.id, "Got 3 photos")
        assert "Connecting..." not in tg.texts(chat.id)  # nothing to connect to

        mark = tg.mark()
        await tg.send_text(chat, bob, "turn my photos into a 6-second TikTok video with transitions and music")
        answer = await tg.wait_for_text(chat.id, "6", start=mark, timeout=30)
        assert "transition" in (answer.text or "").lower() and "music" in (answer.text or "").lower()
        preview = await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, start=mark, timeout=30)
        assert probe(preview.file_bytes or b"")[2:4] == (360, 640)

        mark = tg.mark()
        await tg.send_text(chat, bob, 'add title "Summer 2026"')
        await tg.wait_for_text(chat.id, "Summer 2026", start=mark, timeout=30)

        mark = tg.mark()
        await tg.send_text(chat, bob, "make it look better")  # too vague to map
        refusal = await tg.wait_for_text(chat.id, "/help", start=mark, timeout=30)
        assert "Done" not in (refusal.text or "") and len(refusal.text or "") < 100  # one sentence, not the list

        mark = tg.mark()
        await tg.send_command(chat, bob, "/status")
        status = await tg.wait_for_text(chat.id, "Timeline: 3 photos, 6 s", start=mark)
        assert "Title: “Summer 2026” (0–3 s)" in (status.text or "") and "3. " in (status.text or "")
        board = await tg.wait_for(lambda c: c.method == "sendPhoto" and c.chat_id == chat.id, start=mark)
        assert "swap 3 and 5" in (board.caption or "")
        with Image.open(io.BytesIO(board.file_bytes or b"")) as picture:  # the storyboard, as Telegram got it
            assert picture.height > picture.width and max(picture.size) <= 2560

        mark = tg.mark()
        await tg.send_command(chat, bob, "/credits")
        await tg.wait_for_text(chat.id, "needs no credits", start=mark)

        mark = tg.mark()
        await tg.send_command(chat, bob, "/export")
        video = await tg.wait_for(
            lambda c: c.method == "sendVideo" and c.chat_id == chat.id and "ready" in (c.caption or ""),
            start=mark, timeout=90,
        )
        codec, profile, width, height, duration, rate = probe(video.file_bytes or b"")
        assert (codec, profile, width, height, rate) == ("h264", "High", 1080, 1920, 48000)
        assert abs(duration - 6.0) < 0.1
    assert nemo.requests == []  # the local engine never touched the cloud


async def test_out_of_credits_offers_the_local_engine(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    async with running(settings_for(), tg):
        carol = tg.user("Carol")
        chat = tg.private_chat(carol)
        await tg.send_photo(chat, carol, jpeg_bytes(720, 1280))
        await tg.send_photo(chat, carol, jpeg_bytes(720, 1280, color=(10, 200, 30)))
        await tg.wait_for(lambda c: c.chat_id == chat.id and "Got 1 photo" in (c.text or ""))
        await tg.wait_for_text(chat.id, "Now tell me")
        await tg.wait_for(lambda c: sum("Got 1 photo" in t for t in tg.texts(chat.id)) == 2)

        nemo.fail_next("run_sse", code=2001)
        mark = tg.mark()
        await tg.send_text(chat, carol, "turn my photos into a 4-second video")
        offer = await tg.wait_for_text(chat.id, "/local", start=mark)
        assert "register?bind=anon_" in (offer.text or "")

        mark = tg.mark()
        await tg.send_command(chat, carol, "/local")
        await tg.wait_for_text(chat.id, "2 of your files", start=mark, timeout=20)
        await tg.send_text(chat, carol, "turn my photos into a 4-second video")
        await tg.wait_for_text(chat.id, "4", start=mark, timeout=30)
        mark = tg.mark()
        await tg.send_command(chat, carol, "/export")
        video = await tg.wait_for(
            lambda c: c.method == "sendVideo" and "ready" in (c.caption or ""), start=mark, timeout=90
        )
        assert abs(probe(video.file_bytes or b"")[4] - 4.0) < 0.1


async def test_photos_saved_while_the_cloud_was_down_move_to_the_local_engine_once(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    async with running(settings_for(), tg) as bot:
        dan = tg.user("Dan")
        chat = tg.private_chat(dan)
        nemo.fail_next("upload", status=503)
        mark = tg.mark()
        for i in range(2):  # the first upload fails; the album's second is kept for later, never tried
            await tg.send_photo(chat, dan, jpeg_bytes(720, 1280, (100 * i, 50, 50)), media_group_id="down")
        await tg.wait_for_text(chat.id, "/local", start=mark)  # can't reach the cloud; the way out offered

        mark = tg.mark()
        await tg.send_command(chat, dan, "/local")
        await tg.wait_for_text(chat.id, "2 of your files", start=mark, timeout=20)
        mark = tg.mark()
        await tg.send_text(chat, dan, "make it 2 seconds")
        await tg.wait_for_text(chat.id, "2", start=mark, timeout=30)
        assert not any("didn't go through earlier" in t for t in tg.texts(chat.id))  # not handed over twice
        draft = await bot.core.engines["local"].draft(chat.id)
        assert draft is not None and len(draft["t"][0]["sg"]) == 2


async def test_two_exports_make_one_video_and_the_second_points_at_the_first(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    async with running(settings_for(video_engine="local"), tg):
        ida = tg.user("Ida")
        chat = tg.private_chat(ida)
        await tg.send_photo(chat, ida, jpeg_bytes(1080, 1920))
        await tg.wait_for_text(chat.id, "Got 1 photo")
        mark = tg.mark()
        await tg.send_text(chat, ida, "make it a 3-second video")
        await tg.wait_for_text(chat.id, "3", start=mark, timeout=30)

        mark = tg.mark()
        await tg.send_command(chat, ida, "/export")
        await asyncio.sleep(0.3)  # the user's own pace: a double tap on the menu, not a wait for the bot
        await tg.send_command(chat, ida, "/export")
        again = await tg.wait_for_text(chat.id, str(wording.ALREADY_RENDERING), start=mark)
        progress = await tg.wait_for_text(chat.id, "Rendering your video", start=mark)
        assert again.result["reply_to_message"]["message_id"] == progress.message_id
        await tg.wait_for(lambda c: c.method == "sendVideo" and "ready" in (c.caption or ""), start=mark, timeout=90)
        await tg.wait_for_text(chat.id, str(wording.RENDER_DONE), start=mark)  # the progress message, edited at the end
        assert sum("ready" in (c.caption or "") for c in tg.sent(chat.id)[mark:]) == 1
