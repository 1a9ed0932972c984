"""Files shared between machines (MEDIA_URL): a photo a bot on machine A received from Telegram is what a bot
on machine B (its own MEDIA_DIR, the same database and bucket) shows in the chat's storyboard."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from tests.e2e.conftest import running
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import TelegramFake
from tests.s3 import S3Server


async def test_a_photo_received_on_one_machine_is_in_the_storyboard_another_machine_sends(
    settings_for: Callable[..., Settings], tg: TelegramFake, tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> None:
    shared = s3_server.settings(s3_bucket)
    machine_a = settings_for(video_engine="local", media_dir=tmp_path / "a", **shared)
    machine_b = settings_for(video_engine="local", media_dir=tmp_path / "b", **shared)
    ann = tg.user("Ann")
    chat = tg.private_chat(ann)
    async with running(machine_a, tg):
        await tg.send_photo(chat, ann, jpeg_bytes(720, 1280, color=(220, 30, 30)))
        await tg.wait_for_text(chat.id, "Got 1 photo")
    (kept,) = s3_server.keys(s3_bucket)
    assert kept.startswith(f"media/{chat.id}/") and kept.endswith(".jpg")
    shutil.rmtree(tmp_path / "a")  # B cannot see A's disk

    async with running(machine_b, tg):
        mark = tg.mark()
        await tg.send_command(chat, ann, "/status")
        await tg.wait_for_text(chat.id, "Timeline: 1 photo", start=mark)
        await tg.wait_for(lambda c: c.method == "sendPhoto" and c.chat_id == chat.id, start=mark)
    assert (tmp_path / "b" / kept.removeprefix("media/")).is_file()  # fetched for the storyboard
