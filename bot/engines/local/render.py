"""A draft → a render: short ffmpeg filter graphs, one segment of the timeline at a time, feeding one encoder.

`build` checks the draft, draws the text PNGs and returns the commands plus the work still to do; `run` starts
the encoder (x264 + AAC, reading yuv420p frames from a pipe) and then, one after the other, the segment
graphs, each writing its frames into that pipe. Why segments: one graph for the whole video keeps
every clip's and every transition's frames until the end (~20 MB a photo), so memory grew with the photos. A
segment holds a few photos; when it ends its process ends and all of its memory goes back. Why one encoder:
the frames are joined before encoding, so there is one rate control, one closed-GOP stream and one AAC
track, and a join can neither drop nor double a frame nor click. Segment edges fall inside a clip's body
(never inside a transition), and every part of a clip is made from its own window of the clip's motion
(`Motion.window_pts`), so a frame is the same whichever segment makes it.

Python prepares each photo once (Pillow: decode, upright, fit, BT.709 yuv420p, at the output's scale: a
preview reads the frame made when the photo arrived and never touches a full-size picture), two at a time
ahead of need, and writes it into the segment's stdin. A render runs at its encoder's rate from the start
(a preview's 15 fps: its timing, motion, transitions and text are counted at 15 fps, nothing is drawn to be
thrown away). In a segment graph: the photos stream → `segment` into one single-frame stream per photo → loop that
frame over the clip's window → the motion (see `motion.py`: a zoom scales only the frames where it steps,
`fps` repeats them) → trimmed into head (fading in), body and tail (fading out). Each cut is an xfade of only
the previous tail and the next head, run per plane (xfade takes no yuv420p; the transitions used here are
geometric or a plain mix, so each plane can run alone). A colour grade is one lutyuv on each photo's frame as it
comes in (once per photo, not per output frame); letterbox bars are whole rows set black on the composed
picture (`fillborders`), under the text. Titles and captions are overlaid only while shown.
Timestamps in a segment are the timeline's own, so a fade of text across a segment edge carries on.

The frames go from a segment to the encoder as YUV4MPEG (a header line, then each frame's planes after a
"FRAME" line): ffmpeg's y4m muxer writes the filter graph's own frame buffers, where the rawvideo encoder first
copies each frame into a freshly allocated packet (a 3 MB copy plus ~750 page faults a frame, about a third
of a plain segment's CPU). Each segment's stdout is a pipe of its own, moved into the encoder's pipe with
`splice` (the kernel hands the pages over; nothing is copied), minus the header line of every segment after
the first, so the encoder reads one unbroken stream.

The encoder gets a bitrate cap from the length (`video_bitrate_cap`), so the MP4 always fits the upload limit.
A preview's generated music is copied into the MP4 as it is, from an AAC track encoded once per mood, length,
volume and audio settings (`soundtrack.py`); an export encodes its music itself, at its own bitrate.
The ffmpeg binary is the one inside the imageio-ffmpeg wheel, so the output does not depend on the host.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import logging
import os
import subprocess
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg
from PIL import Image

from bot.engines.base import Said
from bot.engines.local import faces, images, model, music, soundtrack, text
from bot.engines.local import render_words as words
from bot.engines.local.motion import Motion, focus_on, toward

log = logging.getLogger(__name__)

MiB = 1024 * 1024
TELEGRAM_UPLOAD_LIMIT = 50 * MiB  # the public Bot API's; the engine passes the configured one
SIZE_MARGIN = 0.9  # the file aims at 90 % of the limit: room for the AAC encoder's own swings and the index
CONTAINER_BYTES = 512 * 1024  # the MP4 index of a 3-minute video is ~200 kB
BUFFER_SECONDS = 2.0  # the VBV buffer, in seconds of the cap: what x264 may spend above the cap at once
LEVEL_42_MAX_BITRATE = 62_500_000  # H.264 High at level 4.2
PHOTOS_PER_SEGMENT = 2  # export: a handful keeps a segment's memory small and its start-up cost hidden
# A preview is a third of the export's size (360x640 for 9:16): it is for checking the edit (order, cuts, title,
# music) in the chat, where Telegram draws it about 360 points wide; against half size (540x960) it costs ~37 %
# less CPU (the graphs, x264 and Pillow's resize all scale with the pixels) and is half the file to upload.
PREVIEW_DIVISOR = 3
# A preview is one segment: its frames are ninth-size (~240 MB peak at 30 photos), and every further ffmpeg
# costs its start-up (~40 ms of CPU) while the graph's own cost per photo is the same however it is split.
PREVIEW_PHOTOS_PER_SEGMENT = model.MAX_PHOTOS
PIPE_BYTES = 1024 * 1024  # Linux's default most for an unprivileged pipe
RENDER_NICENESS = 10  # see _yield_to_answers
PREFETCH = 2  # photos prepared ahead of need (two threads: Pillow releases the GIL while it decodes)


class RenderError(Exception):
    """A render that cannot be done or failed; `detail` is one sentence safe to show the user."""

    def __init__(self, detail: Said) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Encoder:
    """x264/AAC settings: H.264 High, level 4.2, yuv420p TV range BT.709, 30 fps, 1 s closed GOPs, +faststart.

    superfast at CRF 21 without B-frames was chosen by measurement (`bench/render.py --encoders`, x264 alone on
    the export's own frames of real photographs): its SSIM against the raw frames is above the former veryfast
    at CRF 21, for about 45 % less encoder CPU and ~100 MB less memory (each B-frame x264 holds back is a
    full-size frame, and so is each frame of the threaded lookahead, which has nothing to look ahead for at
    this preset); the files are larger, which the bitrate cap bounds. The benchmark's encode bound uses these
    same arguments, so anything set here applies to both.
    """

    preset: str = "superfast"
    crf: int = 21
    audio_bitrate: str = "160k"
    # One x264 frame thread per core instead of x264's default 1.5 per core: as fast here (the segment graphs
    # have the rest of the CPU), and each frame thread holds its own full-size frames (~25 MB at 1080x1920).
    threads: int = max(1, os.cpu_count() or 1)
    x264_params: str = "bframes=0:sync-lookahead=0"
    aac_coder: str = ""  # "" keeps ffmpeg's default (twoloop, the best); "fast" costs a quarter of the CPU
    fps: int = model.FPS  # the whole render runs at this rate: timing, motion, transitions and text alike

    @property
    def audio_bps(self) -> int:
        return int(self.audio_bitrate.removesuffix("k")) * 1000

    def video_args(self, cap_bps: int | None = None) -> list[str]:
        """`cap_bps`: the most the video may average (capped CRF: CRF decides, the cap only bites when the
        picture would cost more than the file can hold)."""
        capped = ["-maxrate", str(cap_bps), "-bufsize", str(int(cap_bps * BUFFER_SECONDS))] if cap_bps else []
        return ["-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf), *capped,
                "-threads", str(self.threads),
                *(["-x264-params", self.x264_params] if self.x264_params else []),
                "-profile:v", "high", "-level:v", "4.2", "-pix_fmt", "yuv420p",
                "-color_range", "tv", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
                "-r", str(self.fps), "-g", str(self.fps), "-keyint_min", str(self.fps), "-sc_threshold", "0",
                "-flags", "+cgop"]

    def audio_args(self) -> list[str]:
        return ["-c:a", "aac", "-profile:a", "aac_low", *(["-aac_coder", self.aac_coder] if self.aac_coder else []),
                "-b:a", self.audio_bitrate, "-ar", "48000", "-ac", "2"]


FULL = Encoder()
# Previews only (exports keep FULL): 15 fps, ultrafast with the 8x8 transform, so the stream stays H.264 High,
# and the fast AAC coder. A preview is for checking the edit (order, cuts, title, music) within a second or so.
PREVIEW = Encoder(preset="ultrafast", crf=26, audio_bitrate="96k", x264_params="8x8dct=1", aac_coder="fast",
                  fps=15)


def video_bitrate_cap(seconds: float, limit_bytes: int, audio_bps: int) -> int:
    """The video bitrate that keeps an MP4 of `seconds` under `limit_bytes` with margin, whatever the pictures.

    x264's VBV guarantees the video never averages more than the cap over any stretch, plus at most one
    buffer's worth: so the video is at most cap * (seconds + BUFFER_SECONDS) bits. What is left of 90 % of
    the limit after the audio and the MP4 index is spread over that.
    """
    seconds = max(seconds, 0.1)
    budget = limit_bytes * SIZE_MARGIN * 8 - audio_bps * seconds - CONTAINER_BYTES * 8
    return max(100_000, min(LEVEL_42_MAX_BITRATE, int(budget / (seconds + BUFFER_SECONDS))))


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def output_size(conf: dict[str, Any], *, preview: bool) -> tuple[int, int]:
    width, height = model.ASPECTS.get(str(conf.get("aspect")), model.ASPECTS["9:16"])
    if preview:
        width, height = width // PREVIEW_DIVISOR, height // PREVIEW_DIVISOR
    return width - width % 2, height - height % 2


@dataclass(frozen=True, slots=True)
class Segment:
    """Frames [start, end) of the timeline, made by one ffmpeg (`args`) from the photos `photos` (indices into
    `RenderPlan.photos`, in the order they are written to its stdin)."""

    start: int
    end: int
    photos: tuple[int, ...]
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RenderPlan:
    """The commands and what `run` still has to do while they run.

    `args`: the encoder, reading YUV4MPEG frames on stdin; `segments`: the graphs writing them, in order;
    `photos`: one callable per photo returning its raw yuv420p frame; `side_work`: files the encoder opens
    once the first frame arrives (the music), made meanwhile; `notes`: sentences for the user about text
    that could not be shown whole (characters no font has, text cut short to fit); the video is still made.
    """

    args: list[str]
    seconds: float
    output: Path
    segments: tuple[Segment, ...] = ()
    photos: tuple[Callable[[], bytes], ...] = ()
    side_work: tuple[Callable[[], None], ...] = ()
    notes: tuple[Said, ...] = ()
    frame_size: tuple[int, int] = (0, 0)  # of the frames the encoder gets
    workdir: Path | None = None


def _seconds(frames: int, fps: int) -> str:
    return f"{frames / fps:.6f}"


_TAGS = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"


def _chroma(gain: float, shift: int) -> str:
    """A lutyuv expression scaling a chroma plane's distance from neutral by `gain`, then moving it by `shift`."""
    return f"'clip((val-128)*{gain}+128+{shift},16,240)'"


def _luma(gain: float, lift: int) -> str:
    """A lutyuv expression for contrast (`gain` around mid-grey) and a lift of the whole luma."""
    return f"'clip((val-126)*{gain}+126+{lift},16,235)'"


# The colour grades, each one lutyuv on the frames' own yuv420p planes: a table lookup per sample, with no
# conversion to RGB and back (colorbalance and colorchannelmixer work in RGB, eq computes per pixel). Warm and
# cool move the chroma planes toward red/yellow or blue; vivid and soft scale the chroma's distance from grey
# and the luma's contrast; mono makes the chroma neutral, so red, green and blue come out equal.
GRADES: dict[str, str] = {
    "warm": f"lutyuv=y={_luma(1.04, 2)}:u={_chroma(1.05, -8)}:v={_chroma(1.05, 9)}",
    "warmlight": f"lutyuv=y={_luma(1.0, 6)}:u={_chroma(1.0, -5)}:v={_chroma(1.0, 6)}",
    "cool": f"lutyuv=y={_luma(1.02, 0)}:u={_chroma(1.0, 10)}:v={_chroma(1.0, -8)}",
    "vivid": f"lutyuv=y={_luma(1.1, 0)}:u={_chroma(1.4, 0)}:v={_chroma(1.4, 0)}",
    "soft": f"lutyuv=y={_luma(0.85, 6)}:u={_chroma(0.85, 0)}:v={_chroma(0.85, 0)}",
    "mono": "lutyuv=u=128:v=128",
}
LETTERBOX_SHARE = 0.10  # of the frame's height, each bar at most
CINEMA_RATIO = 2.35


def letterbox_bar(width: int, height: int) -> int:
    """The height of each letterbox bar (even, for yuv420p): a tenth of the frame, less when that would make
    the picture between the bars wider than 2.35:1, and never over the text's safe box, so a title or caption
    is never under a bar. At 16:9 this leaves a 2.2:1 picture; at 9:16 a true 2.35:1 band would be a strip a
    quarter of the frame tall, so the bars only frame it."""
    _left, safe_top, _right, safe_bottom = text.safe_box(width, height)
    bar = min(height * LETTERBOX_SHARE, (height - width / CINEMA_RATIO) / 2, safe_top, height - safe_bottom)
    return max(0, int(bar) - int(bar) % 2)


def grade_filter(conf: dict[str, Any]) -> str:
    """The grade's filter for the photos' frames ("" for none)."""
    return GRADES.get(str(conf.get("grade") or "none"), "")


def letterbox_filter(conf: dict[str, Any], size: tuple[int, int]) -> str:
    """The bars drawn on the composed picture ("" without a letterbox)."""
    bar = letterbox_bar(*size) if conf.get("letterbox") else 0
    if not bar:
        return ""
    # fillborders' fixed mode sets whole rows (free, measured); drawbox's fill costs ~3 ms a 1080x1920 frame
    return f"fillborders=top={bar}:bottom={bar}:mode=fixed:color=black"


def build(draft: dict[str, Any], workdir: Path, *, preview: bool = False, encoder: Encoder | None = None,
          size_limit: int = TELEGRAM_UPLOAD_LIMIT, photos_per_segment: int | None = None) -> RenderPlan:
    """The commands for `draft` (text PNGs drawn in `workdir`); RenderError for a draft it cannot render.

    Photos are checked here (a missing file fails before anything runs) but decoded only in `run`.
    `size_limit`: the largest file the video may be (bytes): the upload limit it must be sent under.
    """
    conf = model.settings(draft)
    photos = model.photos(draft)
    if not photos:
        raise RenderError(words.NO_PHOTOS)
    encoder = encoder or (PREVIEW if preview else FULL)
    width, height = output_size(conf, preview=preview)
    src = images.frame_size(width, height)
    fps = encoder.fps
    plan = model.timing(len(photos), conf, fps)
    fit = str(conf.get("fit"))
    feeders = tuple(_feeder(i, photo, src, fit, preview=preview) for i, photo in enumerate(photos))
    notes: list[Said] = []
    overlays: list[_Overlay] = []
    clips = _clips(conf, plan, (width, height), src, photos)
    for j, item in enumerate(_texts(conf, photos, plan)):
        end = item["start"] + item["frames"]  # the faces and the text on screen while this text is:
        shown = tuple(box for c in clips if c.start < end and item["start"] < c.start + c.length for box in c.faces)
        taken = tuple(o.placed.area((width, height)) for o in overlays
                      if o.start < end and item["start"] < o.start + o.frames)
        placed = text.render_text(item["text"], workdir / f"text{j}.png", (width, height),
                                  position=item["position"], kind=item["kind"],
                                  laid_out_for=output_size(conf, preview=False), avoid=shown, taken=taken)
        notes += _text_notes(item["label"], placed)
        overlays.append(_Overlay(placed, item["start"], item["frames"]))
    per_segment = photos_per_segment or (PREVIEW_PHOTOS_PER_SEGMENT if preview else PHOTOS_PER_SEGMENT)
    segments = tuple(
        _segment(start, end, clips, overlays, plan.fade, src, fps,
                 look=_Look(grade_filter(conf), letterbox_filter(conf, (width, height))))
        for start, end in segment_bounds(plan, per_segment)
    )
    seconds = plan.frames / fps
    audio = _audio_input(conf, workdir, seconds, encoder, keep=preview)
    output = workdir / "output.mp4"
    cap = video_bitrate_cap(seconds, size_limit, encoder.audio_bps)
    # the frames carry no colour tags but the range: say what they are, or ffmpeg takes them as BT.601
    graph = f"[0:v]{_TAGS}[vout]" + (f";[1:a]{_audio_filter(conf, seconds)}[aout]" if not audio.encoded else "")
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "yuv4mpegpipe", "-i", "pipe:0", *audio.args, "-filter_complex", graph,
            "-map", "[vout]", "-map", "1:a:0" if audio.encoded else "[aout]",
            *encoder.video_args(cap), *(["-c:a", "copy"] if audio.encoded else encoder.audio_args()),
            "-t", _seconds(plan.frames, fps),
            "-movflags", "+faststart", "-progress", "pipe:1", "-nostats", str(output)]
    return RenderPlan(args, seconds, output, segments, feeders, audio.side_work, tuple(notes), (width, height),
                      workdir)


@dataclass(frozen=True, slots=True)
class _Clip:
    index: int
    start: int  # first timeline frame
    length: int
    motion: Motion
    transition: str  # of the cut into this clip ("" for the first)
    faces: tuple[images.Box, ...] = ()  # where its faces are on screen (fractions of the output) over the clip


@dataclass(frozen=True, slots=True)
class _Look:
    """The picture's grade (ffmpeg filters for each photo's frame) and letterbox (for the composed picture)."""

    grade: str = ""
    bars: str = ""


@dataclass(frozen=True, slots=True)
class _Overlay:
    placed: text.Placed
    start: int
    frames: int


def _clips(conf: dict[str, Any], plan: model.Timing, out: tuple[int, int], src: tuple[int, int],
           photos: list[dict[str, Any]]) -> list[_Clip]:
    clips = []
    for i, (start, length) in enumerate(plan.clips):
        kind = model.motion_for(conf, i)
        if kind == "pan" and i % 2:
            kind = "panback"
        boxes = faces.in_prepared(photos[i].get("m") or {}, src, str(conf.get("fit")))
        motion = Motion(toward(kind, boxes), length, out, src, plan.fps, focus=focus_on(boxes, out, src))
        clips.append(_Clip(i, start, length, motion, model.transition_for(conf, i) if i else "",
                           tuple(b for b in map(motion.on_screen, boxes) if b is not None)))
    return clips


def segment_bounds(plan: model.Timing, per_segment: int) -> list[tuple[int, int]]:
    """Frame windows [start, end) covering the timeline, each about `per_segment` photos long.

    Every edge is the middle of a clip's body (the frames where only that photo shows), never inside a
    transition, so no cut has to be made from two processes' halves.
    """
    count = len(plan.clips)
    edges = [0]
    for i in range(per_segment, count, per_segment):
        start, length = plan.clips[i]
        body_start = start + (plan.fade if i > 0 else 0)
        body_end = start + length - (plan.fade if i < count - 1 else 0)
        edge = (body_start + body_end) // 2
        if edges[-1] < edge < plan.frames:
            edges.append(edge)
    edges.append(plan.frames)
    return list(itertools.pairwise(edges))


def _segment(start: int, end: int, clips: list[_Clip], overlays: list[_Overlay], fade: int,
             src: tuple[int, int], fps: int, look: _Look = _Look()) -> Segment:
    """The ffmpeg command making timeline frames [start, end) (counted at `fps`) as YUV4MPEG on its stdout.

    The grade runs on each photo's one frame as it comes in, before motion and transitions: a grade is the
    same colour map for every pixel, so grading the photo then moving and mixing it is the composed picture
    graded (to a rounding), at the cost of one frame per photo instead of every frame. The text is overlaid
    afterwards, so titles keep their colours; the letterbox bars go on the composed picture under the text.
    """
    count = len(clips)
    used = [c for c in clips if c.start < end and c.start + c.length > start]
    labels = "".join(f"[p{c.index}]" for c in used)
    graded = f"{_TAGS},{look.grade}" if look.grade else _TAGS
    if len(used) > 1:
        graph = [f"[0:v]{graded},segment=frames={'|'.join(str(k) for k in range(1, len(used)))}{labels}"]
    else:
        graph = [f"[0:v]{graded}{labels}"]
    pieces: list[str] = []  # labels concatenated in order: bodies and transition windows
    for clip in used:
        i = clip.index
        first, stop = max(start, clip.start) - clip.start, min(end, clip.start + clip.length) - clip.start
        parts = [(name, max(a, first), min(a + frames, stop))
                 for name, a, frames in _clip_parts(i, count, clip.length, fade)]
        parts = [(name, a, b) for name, a, b in parts if a < b]
        names = [f"c{i}{name}" for name, _, _ in parts]
        outs = "".join(f"[{n}]" for n in names)
        motion = clip.motion
        per_frame = motion.per_frame()
        chain = (f"[p{i}]{motion.before_loop()}loop=loop={len(motion.window_samples(first, stop)) - 1}:size=1:"
                 f"start=0,setpts='{motion.window_pts(first, stop)}'" + (f",{per_frame}" if per_frame else "")
                 + (f",fps={fps}" if motion.zooms else "") + f",trim=end_frame={stop - first}")
        graph.append(f"{chain},setsar=1," + (f"split={len(parts)}{outs}" if len(parts) > 1 else f"null{outs}"))
        for (_, a, b), label in zip(parts, names, strict=True):
            # trim drops the frames outside its part as they pass, so nothing waits in a queue for concat
            graph.append(f"[{label}]trim=start_frame={a - first}:end_frame={b - first},setpts=PTS-STARTPTS"
                         f"[{label}o]")
        for name, _, _ in parts:
            if name == "head":
                graph.append(_xfade(f"c{i - 1}tailo", f"c{i}heado", f"x{i}", clip.transition, fade, fps))
                pieces.append(f"x{i}")
            elif name == "body":
                pieces.append(f"c{i}bodyo")
    if len(pieces) > 1:
        graph.append("".join(f"[{s}]" for s in pieces) + f"concat=n={len(pieces)}:v=1:a=0[cat]")
        last = "cat"
    else:
        last = pieces[0]
    bars = f",{look.bars}" if look.bars else ""
    graph.append(f"[{last}]settb=1/{fps},setpts=N+{start}{bars}[main]")  # the timeline's own timestamps
    last = "main"
    inputs: list[str] = []
    index = 1
    for j, overlay in enumerate(overlays):
        shown_from, shown_to = max(start, overlay.start), min(end, overlay.start + overlay.frames)
        if shown_from >= shown_to:
            continue
        first, frames = overlay.start, overlay.frames
        fade_s = min(0.3, frames / fps / 4)
        inputs += ["-framerate", str(fps), "-i", str(overlay.placed.path)]
        # converted once to the video's own format, then looped: the overlay blends without converting
        graph.append(
            f"[{index}:v]scale=out_color_matrix=bt709:out_range=tv,format=yuva420p,"
            f"loop=loop={shown_to - shown_from - 1}:size=1:start=0,settb=1/{fps},setpts=N+{shown_from},"
            f"fade=t=in:st={_seconds(first, fps)}:d={fade_s:.3f}:alpha=1,"
            f"fade=t=out:st={(first + frames) / fps - fade_s:.6f}:d={fade_s:.3f}:alpha=1[t{j}]"
        )
        graph.append(f"[{last}][t{j}]overlay=x={overlay.placed.x}:y={overlay.placed.y}:eof_action=pass:"
                     f"format=yuv420[o{j}]")
        last = f"o{j}"
        index += 1
    graph.append(f"[{last}]format=yuv420p[vout]")
    # One thread for the whole graph: a segment runs beside x264, which already keeps every core busy, so
    # slicing each frame across threads only adds their hand-overs (~20 % more CPU for the same frames).
    # `-filter_threads` would not do it: it sets the simple graphs' threads, not -filter_complex's.
    args = (ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-filter_complex_threads", "1",
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", f"{src[0]}x{src[1]}", "-framerate",
            str(fps), "-i", "pipe:0", *inputs, "-filter_complex", ";".join(graph),
            "-map", "[vout]", "-fps_mode", "passthrough", "-f", "yuv4mpegpipe", "-pix_fmt", "yuv420p", "pipe:1")
    return Segment(start, end, tuple(c.index for c in used), args)


def _xfade(a: str, b: str, out: str, transition: str, frames: int, fps: int) -> str:
    """xfade of two `frames`-long yuv420p windows, run on each plane as gray.

    xfade takes no chroma-subsampled format, and letting ffmpeg convert would put the window through yuv444p
    and back. The transitions used are geometric (slides, wipes, zoom: in the frame's own width and height
    they move the quarter-size chroma planes with the luma) or a plain mix, so each plane can run alone.

    A dissolve is a cross-dissolve on an ease-in-out curve: slow to leave the first photo, quick through the
    middle, slow to settle on the next (a plain fade is linear). The curve is given to xfade through the
    frames' timestamps, which is all xfade reads its progress from: no per-pixel work beyond a fade. (The
    former random-pixel dissolve was noise to the encoder: each of its frames cost ~0.3 MB.)
    """
    duration = _seconds(frames, fps)
    if transition == "dissolve":
        fine = fps * 1000
        curve = f"settb=1/{fine},setpts='round({1000 * frames}*(N/{frames})*(N/{frames})*(3-2*N/{frames}))',"
        xfade, after = "fade", f",settb=1/{fps},setpts=N"
    else:
        curve, xfade, after = "", transition, ""
    chain = [f"[{a}]{curve}extractplanes=y+u+v[{a}y][{a}u][{a}v]",
             f"[{b}]{curve}extractplanes=y+u+v[{b}y][{b}u][{b}v]"]
    for plane in "yuv":
        chain.append(f"[{a}{plane}][{b}{plane}]xfade=transition={xfade}:duration={duration}:offset=0"
                     f"[{out}{plane}]")
    chain.append(f"[{out}y][{out}u][{out}v]mergeplanes=0x001020:yuv420p{after}[{out}]")
    return ";".join(chain)


def _clip_parts(index: int, count: int, length: int, fade: int) -> list[tuple[str, int, int]]:
    """(name, first frame within the clip, frame count) of a clip's head (fading in), body and tail (fading out)."""
    head = fade if index > 0 else 0
    tail = fade if index < count - 1 else 0
    parts = [("head", 0, head)] if head else []
    parts.append(("body", head, length - head - tail))
    if tail:
        parts.append(("tail", length - tail, tail))
    return parts


def prepare_preview_frame(path: Path, draft: dict[str, Any], found: tuple[images.Box, ...] = ()) -> None:
    """Make (and keep next to it) the frame a preview of `draft` will use for the photo at `path` (with the
    faces `found` in it): called when a photo arrives, so the previews after it start from frames already
    decoded and scaled."""
    conf = model.settings(draft)
    try:
        images.cached_yuv(path, images.frame_size(*output_size(conf, preview=True)), fit=str(conf.get("fit")),
                          faces=found)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        log.warning("could not prepare the preview frame of %s: %s", path, exc)  # the preview will say so


def _feeder(index: int, photo: dict[str, Any], size: tuple[int, int], fit: str,
            *, preview: bool) -> Callable[[], bytes]:
    """Check the photo is on disk now; return the call that makes its raw frame (run while ffmpeg runs).

    A preview's frame comes from the cache next to the photo (`images.cached_yuv`, made when the photo
    arrived) and is scaled bilinearly when made; an export's is made afresh at full size, bicubic.
    """
    meta = photo.get("m") or {}
    source = Path(str(meta.get("path") or ""))
    name = meta.get("name") or source.name
    if not source.is_file():
        raise RenderError(words.photo_gone(index, name))

    def make() -> bytes:
        try:
            if preview:
                return images.cached_yuv(source, size, fit=fit, faces=faces.of(meta))
            return images.prepare_yuv(source, size, fit=fit, faces=faces.of(meta))
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            log.warning("could not prepare %s: %s", source, exc)
            raise RenderError(words.photo_undecodable(index, name)) from None

    return make


def _texts(conf: dict[str, Any], photos: list[dict[str, Any]], plan: model.Timing) -> list[dict[str, Any]]:
    """Title first (its first 3 s), then each caption during its photo's slot."""
    found: list[dict[str, Any]] = []
    if conf.get("title"):
        frames = min(round(model.TITLE_MS * plan.fps / 1000), max(plan.frames * 3 // 5, 1))
        found.append({"text": str(conf["title"]), "position": conf.get("title_position", "center"),
                      "kind": "title", "label": words.TITLE, "start": 0, "frames": frames})
    for number, (photo, (start, end)) in enumerate(zip(photos, plan.slots, strict=True), 1):
        caption = (photo.get("m") or {}).get("caption")
        if caption:
            found.append({"text": str(caption), "position": conf.get("caption_position", "bottom"),
                          "kind": "caption", "label": words.caption_of(number), "start": start,
                          "frames": max(end - start, 1)})
    return found


def _text_notes(label: Said, placed: text.Placed) -> list[Said]:
    """What the user should know about a title or caption that is not shown exactly as typed."""
    return words.text_notes(label, dropped=placed.dropped, truncated=placed.truncated)


# The generated music of previews, encoded once per mood, length, volume and audio settings (see soundtrack.py).
PREVIEW_MUSIC = soundtrack.EncodedMusic(ffmpeg_exe)


@dataclass(frozen=True, slots=True)
class _Audio:
    """The encoder's audio input: its arguments, the work that makes its file (run while the first segment
    starts), and whether it is already AAC to be copied as it is (`encoded`) rather than filtered and encoded."""

    args: list[str]
    side_work: tuple[Callable[[], None], ...] = ()
    encoded: bool = False


def _audio_input(conf: dict[str, Any], workdir: Path, seconds: float, encoder: Encoder, *, keep: bool) -> _Audio:
    """Generated music (a WAV made by `run`, or with `keep`, the AAC track of `PREVIEW_MUSIC`), the user's own
    file looped if short, or silence (the MP4 always has AAC)."""
    if not conf.get("music"):
        return _Audio(["-f", "lavfi", "-t", f"{seconds:.6f}", "-i", "anullsrc=r=48000:cl=stereo"])
    if conf.get("music_source") == "file" and conf.get("audio_path"):
        path = Path(str(conf["audio_path"]))
        if not path.is_file():
            raise RenderError(words.AUDIO_GONE)
        return _Audio(["-stream_loop", "-1", "-i", str(path)])
    mood, volume = str(conf.get("music_mood")), float(conf.get("music_volume", 0.7))
    if keep:
        track = workdir / "music.m4a"

        def copy_kept() -> None:
            try:
                PREVIEW_MUSIC.write(mood, seconds, volume, encoder.audio_args(), track)
            except (OSError, subprocess.CalledProcessError) as exc:
                log.error("could not make the music: %s", getattr(exc, "stderr", None) or exc)
                raise RenderError(words.NOT_RENDERED) from None

        return _Audio(["-i", str(track)], (copy_kept,), encoded=True)
    wav = workdir / "music.wav"

    def make() -> None:
        music.write_wav(music.synthesise(mood, seconds, volume=volume), wav)

    return _Audio(["-i", str(wav)], (make,))


def _audio_filter(conf: dict[str, Any], seconds: float) -> str:
    fmt = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"
    if conf.get("music") and conf.get("music_source") == "file" and conf.get("audio_path"):
        fade_out = min(1.5, seconds / 3)
        volume = float(conf.get("music_volume", 0.7))
        return (f"atrim=0:{seconds:.6f},asetpts=N/SR/TB,aresample=48000,{fmt},volume={volume:.3f},"
                f"afade=t=in:d={min(0.5, seconds / 4):.3f},afade=t=out:st={seconds - fade_out:.3f}:d={fade_out:.3f}")
    return fmt


class _Prepared:
    """The photos' raw frames, made on two threads a few photos ahead of need and let go once used."""

    def __init__(self, makers: tuple[Callable[[], bytes], ...]) -> None:
        self._makers = makers
        self._pool = ThreadPoolExecutor(max_workers=PREFETCH, thread_name_prefix="photos")
        self._made: dict[int, Future[bytes]] = {}

    def get(self, index: int) -> bytes:
        for ahead in range(index, min(index + PREFETCH + 1, len(self._makers))):
            if ahead not in self._made:
                self._made[ahead] = self._pool.submit(self._makers[ahead])
        return self._made[index].result()

    def release_below(self, index: int) -> None:
        for done in [k for k in self._made if k < index]:
            del self._made[done]

    def close(self) -> None:
        for future in self._made.values():
            future.cancel()
        self._made.clear()
        self._pool.shutdown(wait=True)  # a photo in Pillow finishes first; nothing is left running


async def run(plan: RenderPlan, on_progress: Callable[[int], None] | None = None) -> None:
    """Run the encoder and the segments into it; percent goes to `on_progress`.

    RenderError on failure (a photo that cannot be decoded names the photo); every process dies on cancel.
    """
    await _render(plan, on_progress, raw=None)


async def capture(plan: RenderPlan, raw: Path) -> None:
    """Write the frames `run` would hand the encoder into `raw` (YUV4MPEG), without encoding them: the
    benchmark's bound is the encoder alone on exactly these frames."""
    await _render(plan, None, raw=raw)


def _yield_to_answers(pid: int) -> None:
    """A render's ffmpeg runs at a lower priority than the bot: it keeps both cores busy for seconds to
    minutes, and a /credits or an instruction's answer arriving meanwhile should not wait for a core. The
    render only loses time while something else wants the CPU."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, RENDER_NICENESS)


async def _render(plan: RenderPlan, on_progress: Callable[[int], None] | None, raw: Path | None) -> None:
    processes: list[asyncio.subprocess.Process] = []
    errors: list[bytes] = []
    prepared = _Prepared(plan.photos)
    encoder: asyncio.subprocess.Process | None = None
    readers: list[asyncio.Task[None]] = []
    if raw is None:
        read_fd, write_fd = os.pipe()
        with contextlib.suppress(OSError):  # a frame is ~3 MB: 64 kB at a time would switch processes 50 times
            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        try:
            encoder = await asyncio.create_subprocess_exec(
                *plan.args, stdin=read_fd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            _yield_to_answers(encoder.pid)
        except BaseException:
            os.close(write_fd)
            prepared.close()
            raise
        finally:
            os.close(read_fd)  # the encoder has its own copy
        processes.append(encoder)
        readers = [asyncio.create_task(_read_progress(encoder, plan.seconds, on_progress)),
                   asyncio.create_task(_read_errors(encoder, errors))]
    else:
        write_fd = os.open(raw, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    workdir = plan.workdir or plan.output.parent
    upcoming: tuple[asyncio.subprocess.Process, int, int] | None = None
    try:
        upcoming = await _start_segment(plan.segments[0], 0, workdir, processes)
        side_work = asyncio.create_task(asyncio.to_thread(lambda: [job() for job in plan.side_work]))
        for number, segment in enumerate(plan.segments):
            assert upcoming is not None
            (process, feed_fd, out_fd), upcoming = upcoming, None
            # each thread owns (and closes) its descriptors, even when the render is cancelled under it
            feeding = asyncio.create_task(asyncio.to_thread(_feed, feed_fd, prepared, segment.photos))
            if number == 0:
                # the music before any frame (the encoder opens its other inputs once the first frame is in);
                # meanwhile the first segment gets its photos and builds its graph
                try:
                    await side_work
                except BaseException:
                    os.close(out_fd)
                    raise
            relaying = asyncio.create_task(asyncio.to_thread(_relay, out_fd, os.dup(write_fd), number == 0))
            if number + 1 < len(plan.segments):  # started now, it waits for its photos: start-up is hidden
                upcoming = await _start_segment(plan.segments[number + 1], number + 1, workdir, processes)
            await asyncio.gather(feeding, relaying)
            code = await process.wait()
            if code != 0:
                if encoder is not None and encoder.returncode is None:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(encoder.wait(), 1)
                log.error("segment %d failed (%s): %s; encoder: %s", number, code,
                          _log_tail(workdir / f"segment{number}.log"),
                          b"".join(errors[-20:]).decode(errors="replace")[-2000:])
                raise RenderError(words.NOT_RENDERED)
            prepared.release_below(segment.photos[-1])
            (workdir / f"segment{number}.log").unlink(missing_ok=True)
        os.close(write_fd)
        write_fd = -1
        if encoder is not None:
            await asyncio.gather(*readers)
            code = await encoder.wait()
            if code != 0 or not plan.output.is_file():
                log.error("encoder failed (%s): %s", code, b"".join(errors[-20:]).decode(errors="replace")[-2000:])
                raise RenderError(words.NOT_RENDERED)
    finally:
        if write_fd >= 0:
            os.close(write_fd)
        if upcoming is not None:  # started, never fed
            os.close(upcoming[1])
            os.close(upcoming[2])
        for process in processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        for process in processes:
            with contextlib.suppress(Exception):
                await asyncio.shield(process.wait())
        for reader in readers:
            reader.cancel()
        await asyncio.to_thread(prepared.close)
    if on_progress:
        on_progress(100)


async def _start_segment(segment: Segment, number: int, workdir: Path,
                         processes: list[asyncio.subprocess.Process]) -> tuple[asyncio.subprocess.Process, int, int]:
    """Start a segment's ffmpeg; return it, the pipe its photos go into and the pipe its frames come out of."""
    read_fd, write_fd = os.pipe()
    frames_fd, out_fd = os.pipe()
    with contextlib.suppress(OSError):  # a frame is ~3 MB: 64 kB at a time would switch processes 50 times
        fcntl.fcntl(out_fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    try:
        with (workdir / f"segment{number}.log").open("wb") as log_file:
            process = await asyncio.create_subprocess_exec(*segment.args, stdin=read_fd, stdout=out_fd,
                                                           stderr=log_file)
        _yield_to_answers(process.pid)
    except BaseException:
        os.close(write_fd)
        os.close(frames_fd)
        raise
    finally:
        os.close(read_fd)
        os.close(out_fd)
    processes.append(process)
    return process, write_fd, frames_fd


def _relay(source: int, sink: int, keep_header: bool) -> None:
    """Move a segment's YUV4MPEG stream into the encoder's pipe (or the capture file) with `splice`, so the
    kernel hands the pages over without copying them; every segment after the first drops its header line,
    so the encoder reads one stream. A sink that is gone ends the relay (the encoder says why)."""
    try:
        if not keep_header:
            while os.read(source, 1) not in (b"\n", b""):
                pass  # the header is one short line; the frames start after it
        while os.splice(source, sink, PIPE_BYTES):
            pass
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        os.close(source)
        os.close(sink)


def _feed(fd: int, prepared: _Prepared, photos: tuple[int, ...]) -> None:
    """Write the segment's photos into its stdin, then close it (a dead reader just ends the writing)."""
    try:
        for index in photos:
            frame = memoryview(prepared.get(index))
            while frame:
                frame = frame[os.write(fd, frame):]
    except (BrokenPipeError, ConnectionResetError):
        pass  # the segment stopped reading: it has failed and says why in its log
    finally:
        os.close(fd)


def _log_tail(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_bytes()[-2000:].decode(errors="replace")
    return ""


async def _read_progress(process: asyncio.subprocess.Process, seconds: float,
                         on_progress: Callable[[int], None] | None) -> None:
    assert process.stdout is not None
    shown = 0
    async for raw in process.stdout:
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and value.lstrip("-").isdigit() and on_progress:
            percent = max(0, min(99, int(int(value) / 1_000_000 / max(seconds, 0.001) * 100)))
            if percent > shown:  # the muxer's time can step back (audio and video interleave): never show it
                shown = percent
                on_progress(percent)


async def _read_errors(process: asyncio.subprocess.Process, errors: list[bytes]) -> None:
    assert process.stderr is not None
    async for raw in process.stderr:
        if len(errors) < 200:
            errors.append(raw)
