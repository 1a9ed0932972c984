"""The local engine's view of the shared draft JSON: photos, global settings, and the timing of every cut.

The stored draft is the single source of truth (so `bot.timeline.summary` and `diff` work on it unchanged),
but its tracks are *derived*: the photos live on the video track (tt 0), every global choice (length,
transition, motion, fit, grade, letterbox, aspect, title, music) lives in `draft["m"]`, and `layout` rebuilds
the BGM (tt 1) and title/caption (tt 7) tracks and all start/duration fields from those two. Keeping one
derivation means an edit can never leave a caption or the music out of step with the photos it belongs to.
Pure functions only: no I/O, so planning and the renderer share exactly the same timing.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import Any

from bot.timeline import AUDIO, TEXT, VIDEO

FPS = 30
MAX_PHOTOS = 30  # at the shortest slot (0.5 s) a 15 s video holds 30 photos; more is a slideshow, not a TikTok
MIN_SLOT_MS = 500
MAX_DURATION_MS = 180_000
DEFAULT_PER_PHOTO_MS = 3000
DEFAULT_TRANSITION_MS = 500
TITLE_MS = 3000

ASPECTS: dict[str, tuple[int, int]] = {"9:16": (1080, 1920), "1:1": (1080, 1080), "16:9": (1920, 1080)}
TRANSITIONS = ("fade", "dissolve", "slideleft", "slideright", "slideup", "slidedown", "wipeleft", "wiperight",
               "wipeup", "wipedown", "zoomin", "random", "none")
RANDOM_POOL = ("fade", "dissolve", "slideleft", "slideup", "wipeleft", "zoomin", "slideright")
MOTIONS = ("kenburns", "zoomin", "zoomout", "pan", "panright", "panback", "none")  # pan: right and left in turn
MOODS: dict[str, int] = {"upbeat": 120, "lofi": 84, "calm": 72, "epic": 96}  # mood -> beats per minute
MOOD_LABEL = {"upbeat": "upbeat", "lofi": "lo-fi", "calm": "calm", "epic": "epic"}
POSITIONS = ("top", "center", "bottom")
# Colour grades the renderer knows (see `render.GRADES`); "warmlight" is the vlog's gentler warm.
GRADES = ("none", "warm", "warmlight", "cool", "vivid", "soft", "mono")

DEFAULTS: dict[str, Any] = {
    "aspect": "9:16",
    "duration_ms": None,  # None: DEFAULT_PER_PHOTO_MS per photo
    "per_photo_ms": None,  # set by "3 seconds per photo"; wins over duration_ms
    "transition": "fade",
    "transition_ms": DEFAULT_TRANSITION_MS,
    "motion": "kenburns",
    "fit": "blur",
    "grade": "none",  # the colour grade of the pictures (never of the text)
    "letterbox": False,  # thin black bars top and bottom, outside the text's safe box
    "title": None,
    "title_position": "upper",  # nobody said where: the upper part of the safe box, clear of faces
    "caption_position": "bottom",
    "music": False,
    "music_mood": "upbeat",
    "music_volume": 0.7,
    "music_source": "generated",  # or "file": the user's own audio below
    "audio_path": None,
    "audio_name": None,
    # Cuts on the beat: None follows the music (generated music has its grid; a song is cut evenly unless asked),
    # True / False is what the user said. A song's beats are found once when it arrives (`beats.analyse`).
    "beat_sync": None,
    "audio_beats_ms": None,
    "audio_downbeats_ms": None,
    "audio_bpm": None,
    "audio_ms": None,
}


def settings(draft: dict[str, Any] | None) -> dict[str, Any]:
    """The draft's global settings with every default filled in (unknown keys are kept)."""
    merged = dict(DEFAULTS)
    merged.update((draft or {}).get("m") or {})
    return merged


def photos(draft: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The photo segments of the video track, in order (deep copies: callers may edit them freely)."""
    for track in (draft or {}).get("t") or []:
        if track.get("tt") == VIDEO:
            return [copy.deepcopy(s) for s in track.get("sg") or []]
    return []


def empty_draft() -> dict[str, Any]:
    return layout([], dict(DEFAULTS))


# ---------------------------------------------------------------- timing


@dataclass(frozen=True, slots=True)
class Timing:
    """Everything in frames at `fps` (the export's FPS, or a preview's lower rate), so the renderer's xfade
    offsets land exactly on frame boundaries.

    `clips[i]` is (first frame, frame count) of photo i's clip in the output, overlapping its neighbours
    by `fade` frames; `slots[i]` is (start, end) of the span where photo i is the main picture (cut to cut).
    """

    frames: int
    fade: int
    clips: tuple[tuple[int, int], ...]
    slots: tuple[tuple[int, int], ...]
    beat: float | None  # frames per beat (the typical one, for a song) when cuts follow the music
    fps: int = FPS  # the rate every count above is at


def total_ms(count: int, conf: dict[str, Any]) -> int:
    """The video length: seconds per photo when set, else the requested length, else 3 s per photo."""
    if count == 0:
        return 0
    if conf.get("per_photo_ms"):
        wanted = int(conf["per_photo_ms"]) * count
    elif conf.get("duration_ms"):
        wanted = int(conf["duration_ms"])
    else:
        wanted = DEFAULT_PER_PHOTO_MS * count
    return max(min(wanted, MAX_DURATION_MS), MIN_SLOT_MS * count)


def beat_sync_on(conf: dict[str, Any]) -> bool:
    """Whether cuts follow the music's beat: asked for (or the generated music's default) and a beat known."""
    if not conf.get("music"):
        return False
    generated = conf.get("music_source") != "file"
    wanted = conf.get("beat_sync")
    if wanted is None:
        wanted = generated
    return bool(wanted) and (generated or bool(conf.get("audio_beats_ms")))


def music_bpm(conf: dict[str, Any]) -> int | None:
    """The music's tempo: the mood's for generated music, the one detected for the user's song."""
    if conf.get("music_source") == "file":
        return int(conf["audio_bpm"]) if conf.get("audio_bpm") else None
    return MOODS.get(str(conf.get("music_mood")), 120)


def beat_frames(conf: dict[str, Any], fps: int = FPS) -> float | None:
    """Frames per beat of the music (typical, for a song), or None when cuts need not follow a beat."""
    bpm = music_bpm(conf)
    if not beat_sync_on(conf) or not bpm:
        return None
    return fps * 60 / bpm


def beat_times(conf: dict[str, Any], until_ms: int) -> tuple[list[float], set[float]]:
    """The music's beats up to `until_ms`, in seconds, and which of them start a bar. Generated music has its
    grid (beat 1 at t=0, four to a bar); the user's song has the beats found in it, repeated the way the
    renderer loops a song shorter than the video."""
    if not beat_sync_on(conf):
        return [], set()
    if conf.get("music_source") != "file":
        until = until_ms / 1000
        step = 60 / MOODS.get(str(conf.get("music_mood")), 120)
        grid = [k * step for k in range(int(until / step) + 1)]
        return grid, set(grid[::4])
    beats = [int(ms) for ms in conf.get("audio_beats_ms") or ()]
    downbeats = [int(ms) for ms in conf.get("audio_downbeats_ms") or ()]
    length = int(conf.get("audio_ms") or 0)
    times, strong = list(beats), set(downbeats)
    loop = 1
    while length > 0 and beats and loop * length <= until_ms:
        times += [ms + loop * length for ms in beats]
        strong |= {ms + loop * length for ms in downbeats}
        loop += 1
    return [ms / 1000 for ms in times if ms <= until_ms], {ms / 1000 for ms in strong if ms <= until_ms}


def timing(count: int, conf: dict[str, Any], fps: int = FPS) -> Timing:
    """Cut points spread evenly, then each moved onto the nearest beat of the music that keeps every slot at
    least MIN_SLOT_MS long; when a slot spans a bar or more, onto a bar's first beat if one is near.

    `fps`: the rate the frames are counted at. A preview passes its own (lower) rate, so that everything it
    draws is counted at that rate from the start instead of drawn at FPS and then half thrown away; its cuts
    are the export's, counted at that rate (snapping to the beat at a coarser grid could pick another beat).
    """
    if fps != FPS:
        return _counted_at(timing(count, conf), conf, fps)
    frames = round(total_ms(count, conf) * fps / 1000)
    if count == 0:
        return Timing(0, 0, (), (), None, fps)
    min_slot = round(MIN_SLOT_MS * fps / 1000)
    beat = beat_frames(conf, fps)
    times, strong = beat_times(conf, total_ms(count, conf)) if beat else ([], set())
    beats = sorted({round(t * fps) for t in times})
    bars = sorted({round(t * fps) for t in strong})
    slot = frames / count
    cuts = [0]
    for k in range(1, count):
        even = k * frames / count
        lowest, highest = cuts[-1] + min_slot, frames - (count - k) * min_slot
        cut = round(even)
        near = [b for b in beats if lowest <= b <= highest and abs(b - even) <= slot / 2]
        if near:
            cut = min(near, key=lambda b: abs(b - even))
            downbeats = [b for b in bars if lowest <= b <= highest and abs(b - even) <= slot / 4]
            if beat and slot >= 4 * beat and downbeats:
                cut = min(downbeats, key=lambda b: abs(b - even))
        cuts.append(max(cut, cuts[-1] + 1))
    cuts.append(frames)
    fade = 0
    if conf.get("transition", "fade") != "none" and count > 1:
        fade = round(int(conf.get("transition_ms") or DEFAULT_TRANSITION_MS) * fps / 1000)
    return _around_cuts(cuts, fade, beat, fps)


def _counted_at(export: Timing, conf: dict[str, Any], fps: int) -> Timing:
    """The export's timing at another frame rate: the same cuts and transitions, each to within a frame."""
    if not export.slots:
        return Timing(round(export.frames * fps / FPS), 0, (), (), None, fps)
    cuts = [0]
    for start, _end in export.slots[1:]:
        cuts.append(max(round(start * fps / FPS), cuts[-1] + 1))
    cuts.append(max(round(export.frames * fps / FPS), cuts[-1] + 1))
    return _around_cuts(cuts, round(export.fade * fps / FPS), beat_frames(conf, fps), fps)


def _around_cuts(cuts: list[int], fade: int, beat: float | None, fps: int) -> Timing:
    """Clips overlapping their neighbours by a transition centred on each cut (at most 40% of the shortest
    slot, and even so that it is centred)."""
    count, frames = len(cuts) - 1, cuts[-1]
    shortest = min(b - a for a, b in itertools.pairwise(cuts))
    fade = min(fade, int(shortest * 0.4)) if count > 1 else 0
    fade -= fade % 2
    half = fade // 2
    clips = []
    for i in range(count):
        start = 0 if i == 0 else cuts[i] - half
        end = frames if i == count - 1 else cuts[i + 1] + half
        clips.append((start, end - start))
    slots = tuple((cuts[i], cuts[i + 1]) for i in range(count))
    return Timing(frames, fade, tuple(clips), slots, beat, fps)


def transition_for(conf: dict[str, Any], cut: int) -> str:
    """The xfade name of cut `cut` (1-based); "random" picks a varied but repeatable sequence."""
    style = str(conf.get("transition") or "fade")
    if style == "random":
        return RANDOM_POOL[(cut * 5 + 2) % len(RANDOM_POOL)]
    return style


def motion_for(conf: dict[str, Any], index: int) -> str:
    """Ken Burns alternates zoom in and out so consecutive photos do not all drift the same way."""
    motion = str(conf.get("motion") or "kenburns")
    if motion == "kenburns":
        return "zoomin" if index % 2 == 0 else "zoomout"
    return motion


# ---------------------------------------------------------------- layout


def _ms(frames: int) -> int:
    return round(frames * 1000 / FPS)


def layout(photo_segments: list[dict[str, Any]], conf: dict[str, Any]) -> dict[str, Any]:
    """Rebuild the whole draft (tracks, times, size) from the photos and the settings."""
    conf = {**DEFAULTS, **conf}
    width, height = ASPECTS.get(str(conf["aspect"]), ASPECTS["9:16"])
    conf["width"], conf["height"] = width, height
    plan = timing(len(photo_segments), conf)
    tracks: list[dict[str, Any]] = []
    if photo_segments:
        video = []
        for segment, (start, length) in zip(photo_segments, plan.clips, strict=True):
            video.append({**segment, "st": _ms(start), "d": _ms(length)})
        tracks.append({"tt": VIDEO, "sg": video, "m": {}})
        if conf["music"]:
            if conf["music_source"] == "file" and conf.get("audio_path"):
                meta = {"name": conf.get("audio_name") or "your audio", "path": conf["audio_path"]}
            else:
                meta = {"name": MOOD_LABEL.get(conf["music_mood"], "upbeat"), "mood": conf["music_mood"]}
            meta["volume"] = conf["music_volume"]
            tracks.append({"tt": AUDIO, "sg": [{"id": "bgm", "st": 0, "d": _ms(plan.frames), "m": meta}],
                           "m": {}})
        texts = []
        if conf.get("title"):
            length = min(round(TITLE_MS * FPS / 1000), max(plan.frames * 3 // 5, 1))
            texts.append({"id": "title", "st": 0, "d": _ms(length),
                          "m": {"text": conf["title"], "kind": "title", "position": conf["title_position"]}})
        for segment, (start, end) in zip(photo_segments, plan.slots, strict=True):
            caption = (segment.get("m") or {}).get("caption")
            if caption:
                texts.append({"id": f"cap-{segment.get('id')}", "st": _ms(start), "d": _ms(end - start),
                              "m": {"text": caption, "kind": "caption", "position": conf["caption_position"]}})
        if texts:
            tracks.append({"tt": TEXT, "sg": texts, "m": {}})
    return {"t": tracks, "d": _ms(plan.frames), "m": conf}
