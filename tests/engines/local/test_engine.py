"""The engine flow through LocalEngine with a real Store, and the bad inputs: clear sentence, nothing changed."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from bot.config import Settings
from bot.engines import base
from bot.engines.local import LocalEngine, model
from bot.store import Store
from bot.timeline import missing_for_export, summary
from tests.fakes.sample_media import blank_png_bytes

from .conftest import PhotoMaker, media, render_finished, work_files

CHAT = 42


async def test_connect_is_new_once(engine: LocalEngine) -> None:
    assert (await engine.connect(CHAT)).new is True
    assert (await engine.connect(CHAT)).new is False
    assert engine.name == "local" and engine.runs_here is True
    assert await engine.credits(CHAT) is None and await engine.claim_link(CHAT) is None


async def test_a_chat_is_always_ready(engine: LocalEngine) -> None:
    assert await engine.readiness(CHAT) is base.Readiness.READY  # before connect too: nothing to set up
    await engine.connect(CHAT)
    assert await engine.readiness(CHAT) is base.Readiness.READY


async def test_flow_upload_edit_export(engine: LocalEngine, make_photo: PhotoMaker, tmp_path: Path,
                                       settings: Settings) -> None:
    await engine.connect(CHAT)
    sizes = [(4000, 3000), (600, 800), (500, 500)]
    for i, size in enumerate(sizes, 1):
        uploaded = await engine.upload(CHAT, media(make_photo(f"photo{i}.jpg", size, stripes=True)))
        assert uploaded.ref.endswith(f"photo{i}.jpg") and (uploaded.width, uploaded.height) == size
    events = [e async for e in engine.send(CHAT, "turn my photos into a 15-second TikTok video with transitions "
                                                 "and music")]
    assert [type(e) for e in events] == [base.Text]
    assert "15 s" in str(events[0].text)
    events = [e async for e in engine.send(CHAT, 'add title "Summer"')]
    draft = await engine.draft(CHAT)
    assert str(summary(draft)) == ('Timeline (3 tracks): 1. Video: photo1.jpg, photo2.jpg, photo3.jpg (0-15s) '
                              '2. BGM: upbeat (0-15s, 70%) 3. Title: "Summer" (0-3s)')
    assert missing_for_export(draft) is None
    short = {**draft, "m": {**draft["m"], "duration_ms": 2000}}
    job = await engine.start_render(CHAT, short, preview=True)
    status = await render_finished(engine, CHAT, job)
    assert status.status == "completed" and status.progress == 100
    dest = await engine.download(CHAT, job, status, tmp_path / "out" / "video.mp4")
    with av.open(str(dest)) as container:
        assert container.streams.video[0].height == 640 and container.streams.audio
    assert work_files(settings) == []


async def test_send_yields_a_preview_when_enabled(settings: Settings, store: Store, make_photo: PhotoMaker) -> None:
    engine = LocalEngine(settings, store)
    try:
        await engine.upload(CHAT, media(make_photo("a.jpg", (800, 600))))
        events = [e async for e in engine.send(CHAT, "2 seconds per photo")]
        assert isinstance(events[0], base.Text) and isinstance(events[1], base.Preview)
        assert events[1].path.is_file()
    finally:
        await engine.aclose()
    assert work_files(settings) == []


async def test_text_no_font_can_draw_is_named_in_the_preview_and_the_render(
    settings: Settings, store: Store, make_photo: PhotoMaker, tmp_path: Path
) -> None:
    """An emoji in a title is left out rather than drawn as a box, and the user is told so."""
    engine = LocalEngine(settings, store)
    try:
        await engine.upload(CHAT, media(make_photo("a.jpg", (720, 1280))))
        events = [e async for e in engine.send(CHAT, 'make it 2 seconds, title "Party 🎉"')]
        assert [type(e) for e in events] == [base.Text, base.Preview, base.Text]
        assert "🎉" in str(events[2].text) and "🎉" not in str(events[1].caption)
        job = await engine.start_render(CHAT, await engine.draft(CHAT) or {}, preview=True)
        status = await render_finished(engine, CHAT, job)
        assert status.status == "completed" and any("🎉" in str(note) for note in status.notes)
        await engine.download(CHAT, job, status, tmp_path / "v.mp4")
    finally:
        await engine.aclose()


async def test_audio_upload_becomes_the_music(engine: LocalEngine, make_photo: PhotoMaker, tmp_path: Path) -> None:
    song = tmp_path / "in" / "song.wav"
    song.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(song), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes((np.sin(np.arange(48000 * 2) / 20) * 8000).astype("<i2").tobytes())
    await engine.upload(CHAT, media(make_photo("a.jpg")))
    uploaded = await engine.upload(CHAT, media(song, base.MediaKind.AUDIO))
    assert uploaded.duration == pytest.approx(2, abs=0.1)
    draft = await engine.draft(CHAT)
    assert "BGM: song.wav" in str(summary(draft))
    job = await engine.start_render(CHAT, {**draft, "m": {**draft["m"], "duration_ms": 1500}}, preview=True)
    status = await render_finished(engine, CHAT, job)
    assert status.status == "completed"
    out = await engine.download(CHAT, job, status, tmp_path / "v.mp4")
    with av.open(str(out)) as container:
        stream = container.streams.audio[0]
        samples = np.concatenate([f.to_ndarray().mean(axis=0) for f in container.decode(stream)])
        rate = stream.sample_rate
    assert abs(len(samples) / rate - 1.5) < 0.1  # the 2 s song trimmed to the video's length
    spectrum = np.abs(np.fft.rfft(samples[int(0.4 * rate):int(1.0 * rate)]))
    peak_hz = np.argmax(spectrum) * rate / (2 * (len(spectrum) - 1))
    assert abs(peak_hz - 48000 / 20 / (2 * np.pi)) < 15  # it is the user's tone (~382 Hz), not generated music

    def loudness(a: float, b: float) -> float:
        return float(np.sqrt(np.mean(samples[int(a * rate):int(b * rate)] ** 2)))

    middle = loudness(0.6, 0.8)
    assert loudness(0, 0.05) < middle / 3 and loudness(1.45, 1.5) < middle / 3  # faded in and out


def _bad_files(tmp_path: Path, make_photo: PhotoMaker) -> dict[str, Path]:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("this is not a photo")
    good = make_photo("good.jpg", (800, 600))
    (folder / "cut.jpg").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    Image.new("RGB", (1, 1)).save(folder / "tiny.png")
    Image.new("1", (12000, 12000)).save(folder / "huge.png")
    return {p.name: p for p in folder.iterdir()}


@pytest.mark.parametrize(("name", "words"), [("empty.jpg", "empty"), ("notes.jpg", "not an image"),
                                             ("cut.jpg", "damaged"), ("tiny.png", "1x1"),
                                             ("huge.png", "12000x12000")])
async def test_bad_photos_are_refused_and_change_nothing(engine: LocalEngine, make_photo: PhotoMaker,
                                                         tmp_path: Path, settings: Settings, name: str,
                                                         words: str) -> None:
    await engine.upload(CHAT, media(make_photo("a.jpg")))
    before = await engine.draft(CHAT)
    path = _bad_files(tmp_path, make_photo)[name]
    with pytest.raises(base.UnsupportedFile) as caught:
        await engine.upload(CHAT, media(path))
    detail = str(caught.value.detail)
    assert words in detail and name in detail and detail.endswith(".")
    assert await engine.draft(CHAT) == before
    assert work_files(settings) == []


async def test_too_many_photos(engine: LocalEngine, make_photo: PhotoMaker) -> None:
    photo = make_photo("p.jpg", (100, 100))
    for _ in range(model.MAX_PHOTOS):
        await engine.upload(CHAT, media(photo))
    before = await engine.draft(CHAT)
    for _ in range(50 - model.MAX_PHOTOS):
        with pytest.raises(base.BadInstruction, match=f"already has {model.MAX_PHOTOS} photos"):
            await engine.upload(CHAT, media(photo))
    assert await engine.draft(CHAT) == before


async def test_export_of_empty_timeline_is_not_ready(engine: LocalEngine, settings: Settings) -> None:
    await engine.connect(CHAT)
    draft = await engine.draft(CHAT)
    with pytest.raises(base.NotReady) as caught:
        await engine.start_render(CHAT, draft or {})
    assert caught.value.detail == missing_for_export(draft)
    assert work_files(settings) == []


async def test_bad_instructions_leave_the_timeline(engine: LocalEngine, make_photo: PhotoMaker) -> None:
    for i in range(3):
        await engine.upload(CHAT, media(make_photo(f"{i}.jpg")))
    before = await engine.draft(CHAT)
    with pytest.raises(base.BadInstruction, match="There is no photo 9: the timeline has 3 photos"):
        _ = [e async for e in engine.send(CHAT, "remove photo 9")]
    with pytest.raises(base.BadInstruction, match="send /help"):
        _ = [e async for e in engine.send(CHAT, "what is the weather like")]
    assert await engine.draft(CHAT) == before


async def test_failed_render_leaves_no_files(engine: LocalEngine, make_photo: PhotoMaker,
                                             settings: Settings) -> None:
    photo = make_photo("gone.jpg")
    await engine.upload(CHAT, media(photo))
    draft = await engine.draft(CHAT)
    photo.unlink()
    job = await engine.start_render(CHAT, draft or {})
    status = await render_finished(engine, CHAT, job)
    assert status.status == "failed" and "gone.jpg" in str(status.error or "")
    assert work_files(settings) == []


async def test_cancel_kills_the_render(engine: LocalEngine, make_photo: PhotoMaker, settings: Settings) -> None:
    await engine.upload(CHAT, media(make_photo("a.jpg", (2000, 1500))))
    draft = await engine.draft(CHAT)
    job = await engine.start_render(CHAT, {**draft, "m": {**draft["m"], "duration_ms": 60000}})
    await asyncio.sleep(0.5)
    await engine.cancel_render(CHAT, job)
    assert work_files(settings) == []
    assert (await engine.render_status(CHAT, job)).status == "failed"


async def test_work_of_a_killed_process_is_cleared_and_a_live_ones_kept(settings: Settings, store: Store) -> None:
    root = Path(settings.media_dir) / "local-renders"
    dead, alive = root / "999999999", root / "1"  # no such pid; pid 1 always runs
    for folder in (dead, alive):
        folder.mkdir(parents=True)
        (folder / "render-x.mp4").write_bytes(b"partial")
    engine = LocalEngine(settings, store, previews=False)
    await engine.aclose()
    assert not dead.exists() and (alive / "render-x.mp4").is_file()


@pytest.mark.parametrize("side", [30000, 20000])
async def test_an_enormous_photo_is_too_large_with_the_limit_never_damaged(
    engine: LocalEngine, tmp_path: Path, side: int
) -> None:
    path = tmp_path / "enormous.png"
    path.write_bytes(blank_png_bytes(side, side))  # valid, and a small file: Pillow calls it a decompression bomb
    with pytest.raises(base.UnsupportedFile) as caught:
        await engine.upload(CHAT, media(path))
    detail = str(caught.value.detail)
    assert detail == ("“enormous.png” has more than 178 megapixels, too large to process; send a photo of at most "
                      "64 megapixels and 10000 pixels on a side.")
