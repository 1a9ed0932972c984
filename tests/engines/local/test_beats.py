"""Cuts on the beat of the user's own song: beats found in audio whose beat times are known (made here with
PyAV: clicks on a steady tempo, and clicks that speed up from 100 to 140 BPM), and cuts that land on them."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engines.base import MediaKind
from bot.engines.local import LocalEngine, beats, model
from bot.engines.local.plan import PlanError, apply_instruction
from tests.engines.local.conftest import PhotoMaker, media

RATE = 22_050
SECONDS = 16.0


def _clicks(times: np.ndarray, downbeats: np.ndarray) -> np.ndarray:
    """A short click at each beat; the bar's first beat lower and louder, as a kick would be."""
    song = np.zeros(int(SECONDS * RATE), np.float32)
    t = np.arange(int(0.03 * RATE)) / RATE
    for at in times:
        strong = bool(np.any(np.isclose(downbeats, at)))
        click = (1.0 if strong else 0.5) * np.sin(2 * np.pi * (150 if strong else 1500) * t) * np.exp(-t / 0.01)
        start = int(at * RATE)
        song[start:start + len(click)] += click[: len(song) - start]
    return song


def _write(path: Path, song: np.ndarray) -> Path:
    """The song as a WAV or an MP3 written by PyAV, in whatever sample format the encoder takes."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libmp3lame" if path.suffix == ".mp3" else "pcm_s16le", rate=RATE, layout="mono")
        fmt = stream.codec_context.format
        scale = {"s16": 32767, "s32": 2**31 - 1}.get(fmt.name.rstrip("p"))
        data = (np.clip(song, -1, 1) * scale).astype(np.int16 if scale == 32767 else np.int32) if scale else song
        for start in range(0, len(data), 1152):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data[None, start:start + 1152]),
                                               format=fmt.name, layout="mono")
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


class Song:
    def __init__(self, path: Path, times: np.ndarray, downbeats: np.ndarray) -> None:
        self.path, self.times, self.downbeats = path, times, downbeats
        self.found = beats.analyse(path)


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Song:
    """120 BPM from 0.25 s, bars of four."""
    times = np.arange(0.25, SECONDS - 0.3, 0.5)
    path = _write(tmp_path_factory.mktemp("songs") / "steady.wav", _clicks(times, times[::4]))
    return Song(path, times, times[::4])


@pytest.fixture(scope="module")
def speeding(tmp_path_factory: pytest.TempPathFactory) -> Song:
    """100 BPM for 8 s, then 140 BPM: an MP3, as most songs people send are."""
    slow = np.arange(0.3, 8.0, 0.6)
    fast = slow[-1] + np.arange(1, 40) * 60 / 140
    times = np.concatenate([slow, fast[fast < SECONDS - 0.3]])
    path = _write(tmp_path_factory.mktemp("songs") / "speeding.mp3", _clicks(times, times[::4]))
    return Song(path, times, times[::4])


def _near(found: tuple[int, ...], truth: np.ndarray, within_s: float = 0.05) -> float:
    """The share of the true beats that have a found beat within `within_s`."""
    if not found:
        return 0.0
    got = np.asarray(found) / 1000
    return float(np.mean([np.min(np.abs(got - t)) <= within_s for t in truth]))


def test_the_beats_of_a_steady_song_are_found(steady: Song) -> None:
    assert _near(steady.found.times, steady.times) >= 0.9
    assert steady.found.bpm is not None and abs(steady.found.bpm - 120) <= 3
    assert _near(steady.found.downbeats, steady.downbeats) >= 0.8  # the bar's first beats, not another phase
    assert abs(steady.found.duration_ms - SECONDS * 1000) <= 50


def test_the_beats_follow_a_song_that_speeds_up(speeding: Song) -> None:
    assert _near(speeding.found.times, speeding.times) >= 0.85
    found = np.asarray(speeding.found.times) / 1000
    assert np.all(np.isclose(np.diff(found[(found > 1) & (found < 7)]), 0.6, atol=0.06))  # 100 BPM ...
    assert np.all(np.isclose(np.diff(found[(found > 9.5) & (found < 15)]), 60 / 140, atol=0.06))  # ... then 140


def _cuts_s(conf: dict, count: int) -> list[float]:
    plan = model.timing(count, conf)
    return [start / plan.fps for start, _end in plan.slots[1:]]


def _on_a_beat(cut_s: float, truth: np.ndarray) -> bool:
    return bool(np.min(np.abs(truth - cut_s)) <= 1 / model.FPS + 1e-9)  # within one frame


async def test_cut_on_the_beat_of_the_users_song_in_the_rendered_timeline(
        engine: LocalEngine, make_photo: PhotoMaker, speeding: Song) -> None:
    """Sent as a file, then “卡点”: every cut of the draft (the timeline the renderer draws) is on a true beat,
    across the tempo change, and every photo keeps at least the shortest slot."""
    chat = 11
    await engine.connect(chat)
    for number in range(7):
        await engine.upload(chat, media(make_photo(f"p{number}.jpg")))
    uploaded = await engine.upload(chat, media(speeding.path, MediaKind.AUDIO))
    assert uploaded.kind == MediaKind.AUDIO
    conf = model.settings(await engine.draft(chat))
    assert conf["audio_beats_ms"] and conf["audio_bpm"]  # found once, at upload
    evenly = _cuts_s(conf, 7)
    assert not all(_on_a_beat(cut, speeding.times) for cut in evenly)  # a song is cut evenly until asked

    said = [event async for event in engine.send(chat, "卡点，14秒")]
    sentence = said[0].text.render("en")
    assert "cuts on the beat of your song “speeding.mp3” (" in sentence and "BPM)" in sentence
    assert "卡点" in said[0].text.render("zh")
    draft = await engine.draft(chat)
    conf = model.settings(draft)
    cuts = _cuts_s(conf, 7)
    assert all(_on_a_beat(cut, speeding.times) for cut in cuts), cuts
    assert any(cut > 8 for cut in cuts) and any(cut < 8 for cut in cuts)  # on both tempos
    plan = model.timing(7, conf)
    assert all(end - start >= model.MIN_SLOT_MS * model.FPS / 1000 for start, end in plan.slots)
    video = draft["t"][0]["sg"]  # each clip starts half a transition before its cut
    half_ms = plan.fade // 2 * 1000 / model.FPS
    assert all(_on_a_beat((segment["st"] + half_ms) / 1000, speeding.times) for segment in video[1:])

    said = [event async for event in engine.send(chat, "don't sync to the beat")]
    assert said[0].text.render("en").startswith("Done: evenly spaced cuts (not on the beat)")
    assert _cuts_s(model.settings(await engine.draft(chat)), 7) == [k * 2 for k in range(1, 7)]  # 14 s / 7


def test_long_slots_prefer_the_bars_first_beat(steady: Song) -> None:
    conf = {**model.DEFAULTS, "music": True, "music_source": "file", "audio_path": str(steady.path),
            "audio_name": "steady.wav", "beat_sync": True, "audio_beats_ms": list(steady.found.times),
            "audio_downbeats_ms": list(steady.found.downbeats), "audio_bpm": steady.found.bpm,
            "audio_ms": steady.found.duration_ms, "per_photo_ms": 2800}
    cuts = _cuts_s(conf, 5)  # 2.8 s slots, more than a bar (2 s) each: evenly at 2.8, 5.6, 8.4 and 11.2 s
    assert all(_on_a_beat(cut, steady.times) for cut in cuts), cuts
    # a bar's first beat where one is within a quarter of a slot (2.25, 6.25, 8.25 s), else the nearest beat
    assert [_on_a_beat(cut, steady.downbeats) for cut in cuts] == [True, True, True, False], cuts


def test_a_song_shorter_than_the_video_is_cut_on_its_beat_as_it_loops() -> None:
    conf = {**model.DEFAULTS, "music": True, "music_source": "file", "audio_path": "/x/s.mp3", "beat_sync": True,
            "audio_beats_ms": [0, 700, 1400, 2100], "audio_downbeats_ms": [0], "audio_bpm": 86, "audio_ms": 2800,
            "duration_ms": 9000}
    times, strong = model.beat_times(conf, 9000)
    assert times[4:8] == [2.8, 3.5, 4.2, 4.9] and 5.6 in strong


@settings(max_examples=60, deadline=None, derandomize=True)
@given(count=st.integers(1, 12), seconds=st.integers(6, 40),
       beats_ms=st.lists(st.integers(0, 40_000), max_size=120))
def test_cuts_on_any_beats_keep_every_slot_long_enough(count: int, seconds: int, beats_ms: list[int]) -> None:
    conf = {**model.DEFAULTS, "music": True, "music_source": "file", "audio_path": "/x/s.mp3", "beat_sync": True,
            "audio_beats_ms": sorted(beats_ms), "audio_downbeats_ms": sorted(beats_ms)[::4], "audio_bpm": 120,
            "audio_ms": 40_000, "duration_ms": seconds * 1000}
    plan = model.timing(count, conf)
    shortest = min(end - start for start, end in plan.slots)
    assert shortest >= min(model.MIN_SLOT_MS * model.FPS // 1000, plan.frames // count)
    assert plan.slots[-1][1] == plan.frames


def _photos(count: int = 3) -> list[dict]:
    return [{"id": f"p{i}", "m": {"name": f"{i}.jpg", "path": f"/x/{i}.jpg", "width": 400, "height": 300}}
            for i in range(count)]


@pytest.mark.parametrize(("found", "said"), [
    ([], r"no steady beat in “talk\.mp3”, so its cuts stay evenly spaced"),
    (None, r"Send “talk\.mp3” again and I will find its beat"),  # a song kept from before beats were found
])
def test_asking_for_the_beat_of_a_song_without_one_changes_nothing(found: list | None, said: str) -> None:
    before = model.layout(_photos(), {**model.DEFAULTS, "music": True, "music_source": "file",
                                      "audio_path": "/x/a.mp3", "audio_name": "talk.mp3", "audio_beats_ms": found})
    with pytest.raises(PlanError, match=said):
        apply_instruction(before, "sync to the beat")


def test_cut_on_the_beat_with_the_music_off_turns_the_music_on() -> None:
    result = apply_instruction(model.layout(_photos(), dict(model.DEFAULTS)), "音乐卡点")
    assert result.draft["m"]["music"] is True and model.beat_sync_on(result.draft["m"])
    assert result.sentence.render("en").startswith(
        "Done: music on and cuts on the beat of the upbeat music (120 BPM);")
    assert result.sentence.render("zh").startswith("已完成：打开音乐和按欢快的音乐的节拍卡点切换（120 BPM）")
