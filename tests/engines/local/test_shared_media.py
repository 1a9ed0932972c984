"""Two machines, one bot: photos received on machine A, the video rendered on machine B from the draft that
names A's paths, and delivered by A. Each machine has its own MEDIA_DIR; they share the database and the
bucket (MEDIA_URL), as workers of one bot on several machines do."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import pytest
from PIL import Image

from bot.config import Settings
from bot.engines import base
from bot.engines.local import LocalEngine, model
from bot.media import MediaFolder, open_media
from bot.store import Store
from tests.s3 import S3Server

from .conftest import media, render_finished

CHAT = -1009876543210


def machine(tmp_path: Path, name: str, shared: dict[str, str]) -> Settings:
    return Settings(database_path=tmp_path / "db.sqlite3", media_dir=tmp_path / name, video_engine="local",
                    **shared, _env_file=None)  # type: ignore[call-arg]


async def receive_photo(folder: MediaFolder, name: str, color: tuple[int, int, int]) -> Path:
    """What the Telegram adapter does with a photo: saved in the chat's folder, then kept."""
    path = folder.place_for(CHAT, name)
    Image.new("RGB", (720, 1280), color).save(path, format="JPEG")
    await folder.keep(path)
    return path


@pytest.fixture
def shared(s3_server: S3Server, s3_bucket: str) -> dict[str, str]:
    return s3_server.settings(s3_bucket, prefix="bot")


async def test_a_video_of_photos_received_on_machine_a_is_made_on_b_and_delivered_by_a(
    tmp_path: Path, store: Store, shared: dict[str, str], s3_server: S3Server, s3_bucket: str
) -> None:
    settings_a, settings_b = machine(tmp_path, "a", shared), machine(tmp_path, "b", shared)
    folder_a, folder_b = open_media(settings_a), open_media(settings_b)
    engine_a = LocalEngine(settings_a, store, previews=False, media=folder_a)
    engine_b = LocalEngine(settings_b, store, previews=False, media=folder_b)
    try:
        for number, color in enumerate([(200, 40, 40), (40, 200, 40)], 1):
            await engine_a.upload(CHAT, media(await receive_photo(folder_a, f"IMG_{number}.JPG", color)))
        draft = await engine_b.draft(CHAT)
        assert draft is not None and all(
            str(settings_a.media_dir) in p["m"]["path"] for p in model.photos(draft))  # A's paths, as recorded
        shutil.rmtree(settings_a.media_dir / str(CHAT))  # B cannot see A's disk: here A's paths name nothing

        job = await engine_b.start_render(CHAT, draft, preview=True)
        assert (await render_finished(engine_b, CHAT, job)).status == "completed"
        assert sorted(p.name for p in (settings_b.media_dir / str(CHAT)).iterdir() if p.suffix == ".jpg") == sorted(
            Path(p["m"]["path"]).name for p in model.photos(draft))  # fetched to B's own MEDIA_DIR

        # machine A, which never rendered it, is asked about the job and delivers it
        assert (await engine_a.render_status(CHAT, job)).status == "completed"
        dest = await engine_a.download(CHAT, job, base.RenderStatus("completed"), tmp_path / "sent" / "video.mp4")
        with av.open(str(dest)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264" and stream.height > stream.width
            assert sum(1 for _ in container.decode(stream)) > 10
        assert f"bot/renders/{job}.mp4" not in s3_server.keys(s3_bucket)  # delivered: kept nowhere any more
    finally:
        for engine in (engine_a, engine_b):
            await engine.aclose()
        for folder in (folder_a, folder_b):
            await folder.aclose()


async def test_without_shared_storage_machine_b_says_which_photo_is_missing(
    tmp_path: Path, store: Store
) -> None:
    """The same two machines with nothing shared (no MEDIA_URL): B cannot have A's photo, and says so."""
    settings_a, settings_b = machine(tmp_path, "a", {}), machine(tmp_path, "b", {})
    engine_a = LocalEngine(settings_a, store, previews=False)
    engine_b = LocalEngine(settings_b, store, previews=False)
    try:
        photo = await receive_photo(MediaFolder(settings_a.media_dir), "IMG_1.JPG", (90, 90, 200))
        await engine_a.upload(CHAT, media(photo))
        photo.unlink()  # B's disk does not have it: on one machine, that is a photo deleted
        job = await engine_b.start_render(CHAT, await engine_b.draft(CHAT) or {}, preview=True)
        status = await render_finished(engine_b, CHAT, job)
        assert status.status == "failed" and f"Photo 1 (“{photo.name}”) is no longer" in str(status.error)
        assert (await engine_a.render_status(CHAT, job)).status == "lost"  # nothing kept: started again
    finally:
        for engine in (engine_a, engine_b):
            await engine.aclose()
