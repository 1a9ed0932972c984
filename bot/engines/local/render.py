"""A draft → one ffmpeg command (built here), run with live progress while Python feeds it the photos.

`build` checks the draft, draws the text PNGs and returns the command plus the work still to do; `run` starts
ffmpeg at once and, while it starts, synthesises the music (a few tens of ms) and prepares the photos one by
one (Pillow: decode, upright, fit, BT.709 yuv420p: the only time a photo is decoded or scaled), writing them,
in the order the video needs them, as raw frames into ffmpeg's stdin. Encoding starts as soon as the first
photo is in, so the rest of the preparation is hidden behind it. Percent comes from `-progress pipe:1`.
The graph: the frames stream → `segment` into one single-frame stream per photo → loop that frame into a
clip → the motion (see `motion.py`: a zoom scales only the frames where it steps, `fps` repeats them) →
split into head (fading in), body and tail (fading out). Each cut is an xfade of only the previous tail and
the next head, run per plane (xfade takes no yuv420p, and letting ffmpeg convert would put every frame of
every clip through yuv444p and back; only a dissolve, whose random pattern must be the same for luma and
chroma, takes that path, for its window only, see `_xfade`). The bodies and the transition windows are then
concatenated, so every frame is made once and only in its own time window. Titles and captions are overlaid
only while they are shown. The ffmpeg binary is the one inside the imageio-ffmpeg wheel, so the output does
not depend on what the host has installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg
from PIL import Image

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
    aac_coder: str = ""  # "" keeps ffmpeg's default (twoloop, the best); "fast" costs a quarter of the CPU
    fps: int = model.FPS  # the graph always runs at model.FPS; a lower rate keeps every other frame

    def video_args(self) -> list[str]:
        return ["-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf), "-threads", str(self.threads),
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
# and the fast AAC coder. The encoder is most of a preview's time and the two-loop AAC search a quarter of it;
# a preview is for checking the edit (order, cuts, title, music) within a second or so, the export is 30 fps.
PREVIEW = Encoder(preset="ultrafast", crf=26, audio_bitrate="96k", x264_params="8x8dct=1", aac_coder="fast",
                  fps=15)


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def output_size(conf: dict[str, Any], *, preview: bool) -> tuple[int, int]:
    width, height = model.ASPECTS.get(str(conf.get("aspect")), model.ASPECTS["9:16"])
    if preview:
        width, height = width // 2, height // 2
    return width - width % 2, height - height % 2


@dataclass(frozen=True, slots=True)
class RenderPlan:
    """The ffmpeg command and what `run` still has to do while ffmpeg runs.

    `frames`: one callable per photo returning its raw yuv420p frame, written to ffmpeg's stdin in order;
    `side_work`: files ffmpeg opens only after the first frame has arrived (the music), made meanwhile;
    `notes`: sentences for the user about text that could not be shown whole (characters no font has, text
    cut short to fit the screen); the video is still made.
    """

    args: list[str]
    seconds: float
    output: Path
    frames: tuple[Callable[[], bytes], ...] = ()
    side_work: tuple[Callable[[], None], ...] = ()
    notes: tuple[str, ...] = ()


def _seconds(frames: int) -> str:
    return f"{frames / model.FPS:.6f}"


_TAGS = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"


def build(draft: dict[str, Any], workdir: Path, *, preview: bool = False,
          encoder: Encoder | None = None) -> RenderPlan:
    """The ffmpeg command for `draft` (text PNGs drawn in `workdir`); RenderError for a draft it cannot render.

    Photos are checked here (a missing file fails before anything runs) but decoded only in `run`.
    """
    conf = model.settings(draft)
    photos = model.photos(draft)
    if not photos:
        raise RenderError("The timeline has no photos yet: send some photos first.")
    encoder = encoder or (PREVIEW if preview else FULL)
    width, height = output_size(conf, preview=preview)
    src = images.frame_size(width, height)
    plan = model.timing(len(photos), conf)
    fit = str(conf.get("fit"))
    feeders = tuple(_feeder(i, photo, src, fit) for i, photo in enumerate(photos))
    inputs = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", f"{src[0]}x{src[1]}",
              "-framerate", str(model.FPS), "-i", "pipe:0"]
    count = len(photos)
    labels = "".join(f"[p{i}]" for i in range(count))
    if count > 1:
        cuts = "|".join(str(i) for i in range(1, count))
        graph = [f"[0:v]{_TAGS},segment=frames={cuts}{labels}"]
    else:
        graph = [f"[0:v]{_TAGS}{labels}"]
    segments: list[str] = []  # the labels concatenated in order: bodies and transition windows
    tails: dict[int, str] = {}
    for i in range(count):
        _, length = plan.clips[i]
        kind = model.motion_for(conf, i)
        if kind == "pan" and i % 2:
            kind = "panback"
        motion = Motion(kind, length, (width, height), src)
        parts = _clip_parts(i, count, length, plan.fade)
        names = [f"c{i}{name}" for name, _, _ in parts]
        outs = "".join(f"[{n}]" for n in names)
        per_frame = motion.per_frame()
        chain = (f"[p{i}]{motion.before_loop()}loop=loop={motion.sample_count() - 1}:size=1:start=0,"
                 f"setpts='{motion.sample_pts()}'" + (f",{per_frame}" if per_frame else "")
                 + (f",fps={model.FPS}" if motion.zooms else ""))
        graph.append(f"{chain},setsar=1," + (f"split={len(parts)}{outs}" if len(parts) > 1 else f"null{outs}"))
        for (_, first, frames), label in zip(parts, names, strict=True):
            # trim drops the frames outside its part as they pass, so nothing waits in a queue for concat
            graph.append(f"[{label}]trim=start_frame={first}:end_frame={first + frames},setpts=PTS-STARTPTS[{label}o]")
        if any(name == "head" for name, _, _ in parts):
            graph.append(_xfade(f"{tails[i - 1]}o", f"c{i}heado", f"x{i}", model.transition_for(conf, i),
                                plan.fade))
            segments.append(f"x{i}")
        segments.append(f"c{i}bodyo")
        if any(name == "tail" for name, _, _ in parts):
            tails[i] = f"c{i}tail"
    if len(segments) > 1:
        graph.append("".join(f"[{s}]" for s in segments) + f"concat=n={len(segments)}:v=1:a=0[cat]")
        last = "cat"
    else:
        last = segments[0]
    index = 1
    notes: list[str] = []
    for j, item in enumerate(_texts(conf, photos, plan)):
        placed = text.render_text(item["text"], workdir / f"text{j}.png", (width, height),
                                  position=item["position"], kind=item["kind"])
        notes += _text_notes(item["label"], placed)
        first, frames = item["start"], item["frames"]
        fade = min(0.3, frames / model.FPS / 4)
        inputs += ["-framerate", str(model.FPS), "-i", str(placed.path)]
        # converted once to the video's own format, then looped: the overlay blends without converting
        graph.append(
            f"[{index}:v]scale=out_color_matrix=bt709:out_range=tv,format=yuva420p,"
            f"loop=loop={frames - 1}:size=1:start=0,setpts=N+{first},"
            f"fade=t=in:st={_seconds(first)}:d={fade:.3f}:alpha=1,"
            f"fade=t=out:st={(first + frames) / model.FPS - fade:.6f}:d={fade:.3f}:alpha=1[t{j}]"
        )
        graph.append(f"[{last}][t{j}]overlay=x={placed.x}:y={placed.y}:eof_action=pass:format=yuv420[o{j}]")
        last = f"o{j}"
        index += 1
    seconds = plan.frames / model.FPS
    graph.append(f"[{last}]" + (f"fps={encoder.fps}," if encoder.fps != model.FPS else "") + "format=yuv420p[vout]")
    audio_args, side_work = _audio_input(conf, workdir, seconds)
    inputs += audio_args
    graph.append(f"[{index}:a]{_audio_filter(conf, seconds)}[aout]")
    output = workdir / "output.mp4"
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *inputs,
            "-filter_complex", ";".join(graph), "-map", "[vout]", "-map", "[aout]",
            *encoder.video_args(), *encoder.audio_args(), "-t", _seconds(plan.frames),
            "-movflags", "+faststart", "-progress", "pipe:1", "-nostats", str(output)]
    return RenderPlan(args, seconds, output, feeders, side_work, tuple(notes))


def _xfade(a: str, b: str, out: str, transition: str, frames: int) -> str:
    """xfade of two `frames`-long yuv420p windows.

    xfade takes no chroma-subsampled format. The geometric transitions (fade, slides, wipes, zoom) are run on
    each plane as gray: no conversion at all, and being in the frame's own width and height they move the
    quarter-size chroma planes with the luma. A dissolve is not geometric: xfade draws its random pattern per
    plane pixel, so per plane, luma pixel (x, y) and its chroma sample (x/2, y/2) would come from different
    photos (a quarter of the pixels off-colour mid-way). So a dissolve runs once on yuv444p (one pattern for
    all three planes: chroma doubled pixel for pixel, so the rest of the picture comes back unchanged) and is
    averaged back 2x2 to yuv420p: each chroma sample is the mix of its four pixels' photos, as a 4:2:0 encoder
    stores any full-colour picture. Only xfade and scale touch the windows: a filter that syncs several inputs
    (maskedmerge, blend, overlay) asks all of them for frames from the start, which makes the clips run ahead
    while their bodies queue up (hundreds of MB).
    """
    duration = _seconds(frames)
    if transition == "dissolve":
        return (f"[{a}]scale=flags=neighbor,format=yuv444p[{a}4];[{b}]scale=flags=neighbor,format=yuv444p[{b}4];"
                f"[{a}4][{b}4]xfade=transition=dissolve:duration={duration}:offset=0,"
                f"scale=flags=area,format=yuv420p[{out}]")
    chain = [f"[{a}]extractplanes=y+u+v[{a}y][{a}u][{a}v]", f"[{b}]extractplanes=y+u+v[{b}y][{b}u][{b}v]"]
    for plane in "yuv":
        chain.append(f"[{a}{plane}][{b}{plane}]xfade=transition={transition}:duration={duration}:offset=0"
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


def _feeder(index: int, photo: dict[str, Any], size: tuple[int, int], fit: str) -> Callable[[], bytes]:
    """Check the photo is on disk now; return the call that makes its raw frame (run while ffmpeg runs)."""
    meta = photo.get("m") or {}
    source = Path(str(meta.get("path") or ""))
    name = meta.get("name") or source.name
    if not source.is_file():
        raise RenderError(f"Photo {index + 1} ({name}) is no longer on this machine; send it again.")

    def make() -> bytes:
        try:
            return images.prepare_yuv(source, size, fit=fit)
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            log.warning("could not prepare %s: %s", source, exc)
            raise RenderError(f"Photo {index + 1} ({name}) could not be decoded; send it again.") from None

    return make


def _texts(conf: dict[str, Any], photos: list[dict[str, Any]], plan: model.Timing) -> list[dict[str, Any]]:
    """Title first (its first 3 s), then each caption during its photo's slot."""
    found: list[dict[str, Any]] = []
    if conf.get("title"):
        frames = min(round(model.TITLE_MS * model.FPS / 1000), max(plan.frames * 3 // 5, 1))
        found.append({"text": str(conf["title"]), "position": conf.get("title_position", "center"),
                      "kind": "title", "label": "The title", "start": 0, "frames": frames})
    for number, (photo, (start, end)) in enumerate(zip(photos, plan.slots, strict=True), 1):
        caption = (photo.get("m") or {}).get("caption")
        if caption:
            found.append({"text": str(caption), "position": conf.get("caption_position", "bottom"),
                          "kind": "caption", "label": f"The caption of photo {number}", "start": start,
                          "frames": max(end - start, 1)})
    return found


def _text_notes(label: str, placed: text.Placed) -> list[str]:
    """What the user should know about a title or caption that is not shown exactly as typed."""
    notes = []
    if placed.dropped:
        notes.append(f"{label} is shown without {placed.dropped}: the video's fonts have no "
                     f"{'character' if len(placed.dropped) == 1 else 'characters'} for that (emoji and some "
                     "scripts such as Arabic or Thai cannot be drawn yet).")
    if placed.truncated:
        notes.append(f"{label} is too long for the screen even in small letters, so it was cut short with "
                     "\"…\"; shorten it to show all of it.")
    return notes


def _audio_input(conf: dict[str, Any], workdir: Path,
                 seconds: float) -> tuple[list[str], tuple[Callable[[], None], ...]]:
    """Generated music as a WAV (made by `run` while the photos are prepared), the user's own file looped if
    short, or silence (the MP4 always has AAC): the input arguments and the work that makes the file."""
    if not conf.get("music"):
        return ["-f", "lavfi", "-t", f"{seconds:.6f}", "-i", "anullsrc=r=48000:cl=stereo"], ()
    if conf.get("music_source") == "file" and conf.get("audio_path"):
        path = Path(str(conf["audio_path"]))
        if not path.is_file():
            raise RenderError("Your audio file is no longer on this machine; send it again or choose a mood.")
        return ["-stream_loop", "-1", "-i", str(path)], ()
    wav = workdir / "music.wav"
    mood, volume = str(conf.get("music_mood")), float(conf.get("music_volume", 0.7))

    def make() -> None:
        music.write_wav(music.synthesise(mood, seconds, volume=volume), wav)

    return ["-i", str(wav)], (make,)


def _audio_filter(conf: dict[str, Any], seconds: float) -> str:
    fmt = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"
    if conf.get("music") and conf.get("music_source") == "file" and conf.get("audio_path"):
        fade_out = min(1.5, seconds / 3)
        volume = float(conf.get("music_volume", 0.7))
        return (f"atrim=0:{seconds:.6f},asetpts=N/SR/TB,aresample=48000,{fmt},volume={volume:.3f},"
                f"afade=t=in:d={min(0.5, seconds / 4):.3f},afade=t=out:st={seconds - fade_out:.3f}:d={fade_out:.3f}")
    return fmt


async def run(plan: RenderPlan, on_progress: Callable[[int], None] | None = None) -> None:
    """Run the command, feeding it the photos; percent goes to `on_progress`.

    RenderError on failure (a photo that cannot be decoded names the photo); the process dies on cancel.
    """
    read_fd, write_fd = os.pipe() if plan.frames else (-1, -1)
    try:
        process = await asyncio.create_subprocess_exec(
            *plan.args, stdin=read_fd if plan.frames else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    except BaseException:
        if plan.frames:
            os.close(write_fd)
        raise
    finally:
        if plan.frames:
            os.close(read_fd)  # ffmpeg has its own copy
    loop = asyncio.get_running_loop()
    errors: list[bytes] = []
    failed: list[BaseException] = []

    def kill() -> None:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()

    def feed() -> None:
        """One thread does all the Pillow work (so its memory is reused, not spread over several threads'
        heaps) and writes each frame straight into the pipe: the side work (music) first, because ffmpeg opens
        the other inputs as soon as it has the first frame, then the photos in the order the video needs them."""
        try:
            for job in plan.side_work:
                job()
            for make in plan.frames:
                frame = memoryview(make())
                while frame:
                    frame = frame[os.write(write_fd, frame):]
        except (BrokenPipeError, ConnectionResetError):
            pass  # ffmpeg stopped reading: it has failed and says why on stderr
        except Exception as exc:  # handed to the caller once ffmpeg is stopped
            failed.append(exc)
            loop.call_soon_threadsafe(kill)
        finally:
            os.close(write_fd)

    async def read_progress() -> None:
        assert process.stdout is not None
        shown = 0
        async for raw in process.stdout:
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit() and on_progress:
                done = int(value) / 1_000_000 / max(plan.seconds, 0.001)
                percent = max(0, min(99, int(done * 100)))
                if percent > shown:  # the muxer's time can step back (audio and video interleave): never show it
                    shown = percent
                    on_progress(percent)

    async def read_errors() -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            if len(errors) < 200:
                errors.append(raw)

    feeder = asyncio.ensure_future(asyncio.to_thread(feed)) if plan.frames else None
    try:
        await asyncio.gather(read_progress(), read_errors())
        code = await process.wait()
    finally:
        kill()
        with contextlib.suppress(Exception):
            await asyncio.shield(process.wait())
        if feeder is not None:  # a dead reader makes the writer stop at once; a photo in Pillow finishes first
            with contextlib.suppress(Exception):
                await asyncio.shield(feeder)
    if failed:
        raise failed[0]
    if code != 0 or not plan.output.is_file():
        log.error("ffmpeg failed (%s): %s", code, b"".join(errors[-20:]).decode(errors="replace")[-2000:])
        raise RenderError("The video could not be rendered; try again, or change the photos or settings.")
    if on_progress:
        on_progress(100)
