"""The generated music of previews is synthesised and encoded once per mood, length, volume and audio settings,
made again when any of them changes, and what a preview plays is exactly what it played before."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from bot.engines.local import model, music, render, soundtrack

from .conftest import PhotoMaker


@pytest.fixture
def synthesised(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float, float]]:
    """Every call of the synthesiser: (mood, seconds, volume)."""
    calls: list[tuple[str, float, float]] = []
    original = music.synthesise

    def counted(mood: str, seconds: float, *, volume: float = 0.7, seed: int = 7) -> np.ndarray:
        calls.append((mood, seconds, volume))
        return original(mood, seconds, volume=volume, seed=seed)

    monkeypatch.setattr(music, "synthesise", counted)
    return calls


AUDIO = render.PREVIEW.audio_args()


def test_a_track_is_made_once_and_again_for_any_other_music(tmp_path: Path,
                                                             synthesised: list[tuple[str, float, float]]) -> None:
    kept = soundtrack.EncodedMusic(render.ffmpeg_exe)
    first = tmp_path / "a.m4a"
    kept.write("upbeat", 1.0, 0.7, AUDIO, first)
    again = tmp_path / "b.m4a"
    kept.write("upbeat", 1.0, 0.7, AUDIO, again)
    assert synthesised == [("upbeat", 1.0, 0.7)] and again.read_bytes() == first.read_bytes()
    for other in (("calm", 1.0, 0.7, AUDIO), ("upbeat", 1.5, 0.7, AUDIO), ("upbeat", 1.0, 0.3, AUDIO),
                  ("upbeat", 1.0, 0.7, render.FULL.audio_args())):
        kept.write(*other, tmp_path / "other.m4a")
        assert synthesised[-1] == other[:3] and (tmp_path / "other.m4a").read_bytes() != first.read_bytes()
    assert len(synthesised) == 5 and len(kept) == 5
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".wav"] == []  # the WAV made on the way is gone


def test_past_its_bound_the_least_recently_used_track_goes_first(tmp_path: Path,
                                                                 synthesised: list[tuple[str, float, float]]) -> None:
    probe = soundtrack.EncodedMusic(render.ffmpeg_exe)
    probe.write("upbeat", 1.0, 0.7, AUDIO, tmp_path / "size.m4a")
    size = (tmp_path / "size.m4a").stat().st_size
    kept = soundtrack.EncodedMusic(render.ffmpeg_exe, most_bytes=int(size * 2.5))  # room for two
    for mood in ("upbeat", "calm"):
        kept.write(mood, 1.0, 0.7, AUDIO, tmp_path / "t.m4a")
    kept.write("upbeat", 1.0, 0.7, AUDIO, tmp_path / "t.m4a")  # used again: now the most recent
    kept.write("epic", 1.0, 0.7, AUDIO, tmp_path / "t.m4a")  # a third: "calm" is dropped
    made = len(synthesised)
    kept.write("upbeat", 1.0, 0.7, AUDIO, tmp_path / "t.m4a")
    assert len(synthesised) == made
    kept.write("calm", 1.0, 0.7, AUDIO, tmp_path / "t.m4a")
    assert synthesised[-1][0] == "calm" and len(synthesised) == made + 1


def _audio(path: Path) -> tuple[np.ndarray, float, float]:
    with av.open(str(path)) as container:
        audio, video = container.streams.audio[0], container.streams.video[0]
        seconds = float(audio.duration * audio.time_base), float(video.duration * video.time_base)
        samples = np.concatenate([frame.to_ndarray() for frame in container.decode(audio=0)], axis=1)
    return samples, *seconds


def test_an_edited_preview_plays_the_music_it_played_without_making_it_again(
        make_photo: PhotoMaker, tmp_path: Path, synthesised: list[tuple[str, float, float]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "PREVIEW_MUSIC", soundtrack.EncodedMusic(render.ffmpeg_exe))
    photos = [make_photo(f"p{k}.jpg", (640, 480), (50 * k, 90, 200)) for k in range(3)]

    def preview(name: str, paths: list[Path], **conf: Any) -> Path:
        segments = [{"id": f"p{i}", "m": {"name": p.name, "path": str(p)}} for i, p in enumerate(paths)]
        draft = model.layout(segments, {**model.DEFAULTS, "duration_ms": 2000, "music": True, **conf})
        workdir = tmp_path / name
        workdir.mkdir()
        spec = render.build(draft, workdir, preview=True)
        asyncio.run(render.run(spec))
        return spec.output

    first = _audio(preview("first", photos))
    reordered = _audio(preview("reordered", photos[::-1], title="Hi", transition="wipeleft"))
    assert len(synthesised) == 1
    assert np.array_equal(first[0], reordered[0])
    for samples, audio_seconds, video_seconds in (first, reordered):
        assert abs(audio_seconds - video_seconds) < 0.03 and np.abs(samples).max() > 0.1
    quieter = _audio(preview("quieter", photos, music_volume=0.3))
    assert len(synthesised) == 2
    assert np.abs(quieter[0]).max() < np.abs(first[0]).max() * 0.6
