"""A local export always fits what the bot can send: the video arrives as a video, never as a refusal."""

from __future__ import annotations

import io
from collections.abc import Callable

import av
import numpy as np
from PIL import Image

from bot.config import Settings
from tests.e2e.conftest import running
from tests.fakes.telegram import TelegramFake

MiB = 1024 * 1024


def noise_jpeg(seed: int) -> bytes:
    """A photo no encoder can shrink: every pixel random (the worst case for the file size)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (640, 360, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def frames_and_seconds(data: bytes) -> tuple[int, float]:
    with av.open(io.BytesIO(data)) as container:
        return container.streams.video[0].frames, float(container.duration or 0) / av.time_base


async def test_thirty_photos_with_random_cuts_arrive_as_a_video_under_the_limit(
    settings_for: Callable[..., Settings], tg: TelegramFake
) -> None:
    """30 photos of pure noise cost x264 far more than a 1 MB upload limit holds at full size: with that limit
    set, the export (random transitions: dissolves, fades, slides, wipes and zooms in turn) still arrives
    through sendVideo and under it. The same cap scales to 50 MB and 180 s (bench/render.py renders that case
    at full length). Dissolves at every cut go through the same cap: the engine tests check that case against
    its own tight limit (test_render.py), so it does not cost a second full-size export here."""
    async with running(settings_for(video_engine="local", telegram_upload_limit_mb=1), tg):
        eve = tg.user("Eve")
        chat = tg.private_chat(eve)
        for album in range(3):
            for i in range(10):
                await tg.send_photo(chat, eve, noise_jpeg(album * 10 + i), media_group_id=f"noise{album}")
        await tg.wait_for(lambda c: sum("Got 10 photos" in t for t in tg.texts(chat.id)) == 3, timeout=60)

        mark = tg.mark()
        await tg.send_text(chat, eve, "make it a 15-second video with random transitions")
        await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, start=mark,
                          timeout=60)  # the preview
        mark = tg.mark()
        await tg.send_command(chat, eve, "/export")
        video = await tg.wait_for(
            lambda c: c.method == "sendVideo" and c.chat_id == chat.id and "ready" in (c.caption or ""),
            start=mark, timeout=180,
        )
        data = video.file_bytes or b""
        assert 0 < len(data) <= 1 * MiB, len(data)
        frames, seconds = frames_and_seconds(data)
        assert frames == 450 and abs(seconds - 15.0) < 0.1
        assert not any("couldn't send" in t for t in tg.texts(chat.id))
