"""A draft → one ffmpeg command (built here), run with live progress.

`build` does the one-off work in Python (each photo prepared once by Pillow, text PNGs, the music WAV) in a
work directory and returns the command; `run` executes it and reports percent from `-progress pipe:1`.
The graph per photo: decode once → convert to BT.709 TV-range yuv420p once → loop that one frame into a clip
→ per-frame scale/crop for motion (see `motion.py`) → split into head (fading in), body and tail (fading out).
Each cut is an xfade of only the previous tail and the next head, run per plane (xfade takes no yuv420p, and
letting ffmpeg convert would put every frame of every clip through yuv444p and back); the bodies and the
transition windows are then concatenated, so every frame is made once and only in its own time window. Titles
and captions are overlaid only while they are shown. The ffmpeg binary is the one inside the imageio-ffmpeg
wheel, so the output does not depend on what the host has installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from bot.engines.local import images, model, music, text
from bot.engines.local.motion import Motion

log = logging.getLogger(__name__)


class RenderError(Exception):
    """A render that cannot be done or failed; `detail` is one sentence safe to show the user."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Encoder:
    """x264/AAC settings: H.264 High, level 4.2, yuv420p TV range BT.709, 30 fps, 1 s closed GOPs, +faststart.

    The benchmark's encode bound uses these same arguments, so anything set here applies to both.
    """

    preset: str = "veryfast"
    crf: int = 21
    audio_bitrate: str = "160k"
    # One x264 frame thread per core instead of x264's default 1.5 per core: as fast here (the filter graph
    # has the rest of the CPU), and each frame thread holds its own full-size frames (~25 MB at 1080x1920).
    threads: int = max(1, os.cpu_count() or 1)
    x264_params: str = ""

    def video_args(self) -> list[str]:
        return ["-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf), "-threads", str(self.threads),
                *(["-x264-params", self.x264_params] if self.x264_params else []),
                "-profile:v", "high", "-level:v", "4.2", "-pix_fmt", "yuv420p",
                "-color_range", "tv", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
                "-r", str(model.FPS), "-g", str(model.FPS), "-keyint_min", str(model.FPS), "-sc_threshold", "0",
                "-flags", "+cgop"]

    def audio_args(self) -> list[str]:
        return ["-c:a", "aac", "-profile:a", "aac_low", "-b:a", self.audio_bitrate, "-ar", "48000", "-ac", "2"]


FULL = Encoder()
# Previews only (exports stay veryfast): ultrafast with the 8x8 transform, so the stream stays H.264 High.
PREVIEW = Encoder(preset="ultrafast", crf=26, audio_bitrate="96k", x264_params="8x8dct=1")


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def output_size(conf: dict[str, Any], *, preview: bool) -> tuple[int, int]:
    width, height = model.ASPECTS.get(str(conf.get("aspect")), model.ASPECTS["9:16"])
    if preview:
        width, height = width // 2, height // 2
    return width - width % 2, height - height % 2


@dataclass(frozen=True, slots=True)
class RenderPlan:
    args: list[str]
    seconds: float
    output: Path


def _seconds(frames: int) -> str:
    return f"{frames / model.FPS:.6f}"


def build(draft: dict[str, Any], workdir: Path, *, preview: bool = False,
          encoder: Encoder | None = None) -> RenderPlan:
    """Prepare the inputs in `workdir` and return the ffmpeg command; RenderError for a draft it cannot render."""
    conf = model.settings(draft)
    photos = model.photos(draft)
    if not photos:
        raise RenderError("The timeline has no photos yet: send some photos first.")
    encoder = encoder or (PREVIEW if preview else FULL)
    width, height = output_size(conf, preview=preview)
    src = images.frame_size(width, height)
    plan = model.timing(len(photos), conf)
    inputs: list[str] = []
    graph: list[str] = []
    prepared_paths = _prepare_all(photos, workdir, src, str(conf.get("fit")))
    segments: list[str] = []  # the labels concatenated in order: bodies and transition windows
    tails: dict[int, str] = {}
    for i, prepared in enumerate(prepared_paths):
        _, length = plan.clips[i]
        kind = model.motion_for(conf, i)
        if kind == "pan" and i % 2:
            kind = "panback"
        motion = Motion(kind, length, (width, height), src)
        inputs += ["-framerate", str(model.FPS), "-i", str(prepared)]
        parts = _clip_parts(i, len(photos), length, plan.fade)
        names = [f"c{i}{name}" for name, _, _ in parts]
        outs = "".join(f"[{n}]" for n in names)
        graph.append(f"[{i}:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,{motion.before_loop()}"
                     f"loop=loop={length - 1}:size=1:start=0,setpts=N,{motion.per_frame()},setsar=1,format=yuv420p,"
                     + (f"split={len(parts)}{outs}" if len(parts) > 1 else f"null{outs}"))
        for (_, first, frames), label in zip(parts, names, strict=True):
            # trim drops the frames outside its part as they pass, so nothing waits in a queue for concat
            graph.append(f"[{label}]trim=start_frame={first}:end_frame={first + frames},setpts=PTS-STARTPTS[{label}o]")
        by_name = dict(zip((name for name, _, _ in parts), names, strict=True))
        if "head" in by_name:
            graph.append(_xfade(f"{tails[i - 1]}o", f"{by_name['head']}o", f"x{i}",
                                model.transition_for(conf, i), plan.fade))
            segments.append(f"x{i}")
        segments.append(f"{by_name['body']}o")
        if "tail" in by_name:
            tails[i] = by_name["tail"]
    if len(segments) > 1:
        graph.append("".join(f"[{s}]" for s in segments) + f"concat=n={len(segments)}:v=1:a=0[cat]")
        last = "cat"
    else:
        last = segments[0]
    index = len(photos)
    for j, item in enumerate(_texts(conf, photos, plan)):
        placed = text.render_text(item["text"], workdir / f"text{j}.png", (width, height),
                                  position=item["position"], kind=item["kind"])
        first, frames = item["start"], item["frames"]
        fade = min(0.3, frames / model.FPS / 4)
        inputs += ["-framerate", str(model.FPS), "-i", str(placed.path)]
        graph.append(
            f"[{index}:v]format=rgba,loop=loop={frames - 1}:size=1:start=0,setpts=N+{first},"
            f"fade=t=in:st={_seconds(first)}:d={fade:.3f}:alpha=1,"
            f"fade=t=out:st={(first + frames) / model.FPS - fade:.6f}:d={fade:.3f}:alpha=1[t{j}]"
        )
        graph.append(f"[{last}][t{j}]overlay=x={placed.x}:y={placed.y}:eof_action=pass:format=yuv420[o{j}]")
        last = f"o{j}"
        index += 1
    seconds = plan.frames / model.FPS
    graph.append(f"[{last}]format=yuv420p[vout]")
    inputs += _audio_input(conf, workdir, seconds)
    graph.append(f"[{index}:a]{_audio_filter(conf, seconds)}[aout]")
    output = workdir / "output.mp4"
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *inputs,
            "-filter_complex", ";".join(graph), "-map", "[vout]", "-map", "[aout]",
            *encoder.video_args(), *encoder.audio_args(), "-t", _seconds(plan.frames),
            "-movflags", "+faststart", "-progress", "pipe:1", "-nostats", str(output)]
    return RenderPlan(args, seconds, output)


def _xfade(a: str, b: str, out: str, transition: str, frames: int) -> str:
    """xfade of two `frames`-long windows, run on each yuv420p plane as gray.

    xfade takes no chroma-subsampled format, so on yuv420p ffmpeg would convert both inputs to yuv444p and the
    result back, with yuv444p frame pools for each; per plane there is no conversion at all. The transitions
    are geometric in the frame's own width and height, so the quarter-size chroma planes move with the luma.
    """
    chain = [f"[{a}]extractplanes=y+u+v[{a}y][{a}u][{a}v]", f"[{b}]extractplanes=y+u+v[{b}y][{b}u][{b}v]"]
    for plane in "yuv":
        chain.append(f"[{a}{plane}][{b}{plane}]xfade=transition={transition}:duration={_seconds(frames)}:offset=0"
                     f"[{out}{plane}]")
    chain.append(f"[{out}y][{out}u][{out}v]mergeplanes=0x001020:yuv420p[{out}]")
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


def _prepare_one(index: int, photo: dict[str, Any], workdir: Path, size: tuple[int, int], fit: str) -> Path:
    meta = photo.get("m") or {}
    source = Path(str(meta.get("path") or ""))
    name = meta.get("name") or source.name
    if not source.is_file():
        raise RenderError(f"Photo {index + 1} ({name}) is no longer on this machine; send it again.")
    prepared = workdir / f"photo{index}.ppm"
    try:
        images.prepare(source, prepared, size, fit=fit)
    except (OSError, ValueError) as exc:
        log.warning("could not prepare %s: %s", source, exc)
        raise RenderError(f"Photo {index + 1} ({name}) could not be decoded; send it again.") from None
    return prepared


def _prepare_all(photos: list[dict[str, Any]], workdir: Path, size: tuple[int, int], fit: str) -> list[Path]:
    """Prepare the photos two at a time: Pillow releases the GIL while decoding and resampling."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_prepare_one, i, p, workdir, size, fit) for i, p in enumerate(photos)]
        return [f.result() for f in futures]


def _texts(conf: dict[str, Any], photos: list[dict[str, Any]], plan: model.Timing) -> list[dict[str, Any]]:
    """Title first (its first 3 s), then each caption during its photo's slot."""
    found: list[dict[str, Any]] = []
    if conf.get("title"):
        frames = min(round(model.TITLE_MS * model.FPS / 1000), max(plan.frames * 3 // 5, 1))
        found.append({"text": str(conf["title"]), "position": conf.get("title_position", "center"),
                      "kind": "title", "start": 0, "frames": frames})
    for photo, (start, end) in zip(photos, plan.slots, strict=True):
        caption = (photo.get("m") or {}).get("caption")
        if caption:
            found.append({"text": str(caption), "position": conf.get("caption_position", "bottom"),
                          "kind": "caption", "start": start, "frames": max(end - start, 1)})
    return found


def _audio_input(conf: dict[str, Any], workdir: Path, seconds: float) -> list[str]:
    """Generated music as a WAV, the user's own file looped if short, or silence (the MP4 always has AAC)."""
    if not conf.get("music"):
        return ["-f", "lavfi", "-t", f"{seconds:.6f}", "-i", "anullsrc=r=48000:cl=stereo"]
    if conf.get("music_source") == "file" and conf.get("audio_path"):
        path = Path(str(conf["audio_path"]))
        if not path.is_file():
            raise RenderError("Your audio file is no longer on this machine; send it again or choose a mood.")
        return ["-stream_loop", "-1", "-i", str(path)]
    wav = workdir / "music.wav"
    samples = music.synthesise(str(conf.get("music_mood")), seconds, volume=float(conf.get("music_volume", 0.7)))
    music.write_wav(samples, wav)
    return ["-i", str(wav)]


def _audio_filter(conf: dict[str, Any], seconds: float) -> str:
    fmt = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"
    if conf.get("music") and conf.get("music_source") == "file" and conf.get("audio_path"):
        fade_out = min(1.5, seconds / 3)
        volume = float(conf.get("music_volume", 0.7))
        return (f"atrim=0:{seconds:.6f},asetpts=N/SR/TB,aresample=48000,{fmt},volume={volume:.3f},"
                f"afade=t=in:d={min(0.5, seconds / 4):.3f},afade=t=out:st={seconds - fade_out:.3f}:d={fade_out:.3f}")
    return fmt


async def run(plan: RenderPlan, on_progress: Callable[[int], None] | None = None) -> None:
    """Run the command; percent goes to `on_progress`. RenderError on failure; the process dies on cancel."""
    process = await asyncio.create_subprocess_exec(
        *plan.args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    errors: list[bytes] = []

    async def read_progress() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit() and on_progress:
                done = int(value) / 1_000_000 / max(plan.seconds, 0.001)
                on_progress(max(0, min(99, int(done * 100))))

    async def read_errors() -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            if len(errors) < 200:
                errors.append(raw)

    try:
        await asyncio.gather(read_progress(), read_errors())
        code = await process.wait()
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await asyncio.shield(process.wait())
    if code != 0 or not plan.output.is_file():
        log.error("ffmpeg failed (%s): %s", code, b"".join(errors[-20:]).decode(errors="replace")[-2000:])
        raise RenderError("The video could not be rendered; try again, or change the photos or settings.")
    if on_progress:
        on_progress(100)
