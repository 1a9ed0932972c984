"""Benchmark of the local engine's renders: `python bench/render.py` prints one table with its targets.

On real photographs (scikit-image's sample photos: astronaut, coffee, chelsea, rocket, motorcycle, ...,
laid out at about their own pixel scale into 7-megapixel collages, portrait and landscape), and (a), (b) and
the SSIM once more on drawn pictures (gradients, shapes and lettering: flat areas and hard edges):
(a)  the export: 8 photos, 15 s 1080x1920, random transitions, Ken Burns, a title and generated music;
(b)  x264 alone, with (a)'s exact encoder command, on (a)'s own frames captured once as YUV4MPEG (and the
     same music): the honest bound; (a)/(b) <= 1.10 means the graphs and Pillow cost at most 10 % on top;
(c)  MoviePy 2.x on the same job (crossfades, zoom, title, music), optionally capped (`--moviepy-seconds`) and
     scaled linearly to 15 s; (c)/(a) >= 12;
(z)  the part of (a)'s work no plumbing can remove: each picture its Ken Burns zooms make, scaled by the same
     per-frame filter from a prepared photo in an ffmpeg doing nothing else; (z)/(b) is the least the engine's
     share can be at this zoom;
plus the SSIM of (a) against its raw frames, the peak memory of exports of 10, 40 and 80 photos (1 s each;
flat, < 600 MB), the size of a 30-photo 180 s export with random transitions (< TELEGRAM_UPLOAD_LIMIT_MB) and
the preview time at 4 and 30 photos (<= 1.5 s). `--encoders` adds the preset/CRF table the encoder was chosen
by. Each case runs in its own child process; its peak memory is the largest sum of the resident memory of
that process and all its children (ffmpeg), sampled every 20 ms. CPU is user+system of the case's processes.
The previews are 15 s long (the issue's measure), plus 30 photos at the default 3 s each (90 s) for reference.
A preview starts from the preview-size frames the engine makes when each photo arrives (`prepare_preview_frame`,
kept beside the photo) and from the music an earlier preview of the draft encoded (`render.PREVIEW_MUSIC`): both
are made before the timed run, and the frames' cost per photo is its own row; "cold" is the same preview with no
frame and no music made yet (the first preview after the bot starts). `--previews N` runs only the previews.

MoviePy is not in the `bench` extra (every release pins pillow<12, so the extra would downgrade the bot's
Pillow): for (c), `pip install --no-deps "moviepy>=2,<3" decorator proglog python-dotenv` (it runs on Pillow
13), or pass `--skip-moviepy`; without MoviePy the table says (c) was skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS = 15.0
TITLE = "Summer in Lisbon"
SOURCES = ("astronaut", "coffee", "chelsea", "rocket", "stereo_motorcycle", "hubble_deep_field", "retina",
           "immunohistochemistry")
DISTINCT = 12  # photo files made; longer jobs reuse them in turn (each use is decoded again, as in a real job)


def make_photos(folder: Path) -> None:
    """DISTINCT collages of real photographs near their own scale (cells ~600 px, scaled <= 1.6x)."""
    import numpy as np
    from PIL import Image, ImageOps
    from skimage import data

    pictures = []
    for name in SOURCES:
        loaded = getattr(data, name)()
        array = np.asarray(loaded[0] if isinstance(loaded, tuple) else loaded)
        if array.ndim == 2:
            array = np.stack([array] * 3, axis=2)
        pictures.append(Image.fromarray(array[:, :, :3].astype(np.uint8)))
    rng = np.random.default_rng(7)
    for k in range(DISTINCT):
        portrait = k % 4 != 3
        width, height = (2400, 3000) if portrait else (3000, 2400)
        canvas = Image.new("RGB", (width, height))
        cell = 600
        for y in range(0, height, cell):
            for x in range(0, width, cell):
                picture = pictures[int(rng.integers(len(pictures)))]
                canvas.paste(ImageOps.fit(picture, (cell, cell), centering=tuple(rng.random(2))), (x, y))
        canvas.save(folder / f"photo{k:02d}.jpg", quality=90)


def make_drawn(folder: Path) -> None:
    """DISTINCT drawn pictures at a camera's size: a gradient sky, shapes with hard edges, lettering."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(11)
    folder.mkdir(exist_ok=True)
    for k in range(DISTINCT):
        portrait = k % 4 != 3
        width, height = (2400, 3000) if portrait else (3000, 2400)
        top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        ramp = np.linspace(0, 1, height)[:, None, None]
        sky = (top * (1 - ramp) + bottom * ramp).astype(np.uint8)
        canvas = Image.fromarray(np.repeat(sky, width, axis=1))
        draw = ImageDraw.Draw(canvas)
        for _ in range(40):
            x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
            w, h = int(rng.integers(80, 700)), int(rng.integers(80, 700))
            fill = tuple(int(c) for c in rng.integers(0, 256, 3))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x, y, x + w, y + h], fill=fill)
        for line in range(12):
            draw.text((100, 150 + line * 220), f"Lisbon {k}.{line} ABCDEFGHIJ", fill=(255, 255, 255),
                      font_size=150)
        canvas.save(folder / f"photo{k:02d}.jpg", quality=90)


def job(folder: Path, count: int, seconds: float, transition: str = "random",
        title: str | None = TITLE) -> dict[str, Any]:
    from bot.engines.local import model

    paths = sorted(folder.glob("photo*.jpg"))
    photos = [{"id": f"p{i}", "m": {"name": paths[i % len(paths)].name, "path": str(paths[i % len(paths)])}}
              for i in range(count)]
    conf = {**model.DEFAULTS, "duration_ms": int(seconds * 1000), "transition": transition, "motion": "kenburns",
            "title": title, "music": True, "music_mood": "upbeat"}
    return model.layout(photos, conf)


class Peak:
    """The largest resident memory of this process plus all its descendants, sampled on a thread.

    The sampling costs CPU of its own (~1 ms a sample, more on a loaded machine); `cpu` is that thread's own
    time, which `measured` takes out of a case's CPU so that it is not counted as the engine's work."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.mb = 0.0
        self.cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.wait(0.02):
            total = 0
            for process in [self._me, *self._me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.mb = max(self.mb, total / 1024 / 1024)
        self.cpu = time.thread_time()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.mb


def measured(cpu_before: float, peak: Peak) -> float:
    """The CPU seconds of a case since `cpu_before`, less its memory sampler's (stop `peak` first)."""
    return cpu_seconds() - cpu_before - peak.cpu


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def render_case(folder: Path, draft: dict[str, Any], *, preview: bool, name: str,
                capture: bool = False) -> dict[str, Any]:
    from bot.engines.local import render

    work = folder / name
    work.mkdir(exist_ok=True)
    arrival = 0.0
    if preview:  # what the engine does when each photo arrives, before any preview is asked for
        for made in folder.glob("photo*.jpg.*.yuv"):
            made.unlink()
        arrival = cpu_seconds()
        arrived = {Path(photo["m"]["path"]) for photo in draft["t"][0]["sg"]}  # each file made once
        for path in arrived:
            render.prepare_preview_frame(path, draft)
        arrival = (cpu_seconds() - arrival) / len(arrived)
        # and what an earlier preview of the draft left: its generated music, encoded (kept in the process)
        for made_before in render.build(draft, work, preview=True).side_work:
            made_before()
    peak = Peak()
    cpu, started = cpu_seconds(), time.perf_counter()
    spec = render.build(draft, work, preview=preview)
    asyncio.run(render.run(spec))
    seconds, mb = time.perf_counter() - started, peak.stop()
    result = {"seconds": seconds, "cpu": measured(cpu, peak), "peak_mb": mb, "bytes": spec.output.stat().st_size,
              "video_seconds": spec.seconds, "arrival_cpu": arrival}
    if capture:  # the same frames once more, into a file, for (b) and the SSIM
        spec.output.rename(work / f"{name}.mp4")
        raw = work / "frames.y4m"
        asyncio.run(render.capture(render.build(draft, work, preview=preview), raw))
        (work / "encoder.json").write_text(json.dumps({"args": spec.args, "size": spec.frame_size}))
    return result


def case_encoder_alone(folder: Path, name: str, args: list[str] | None = None,
                       out_name: str = "alone.mp4") -> dict[str, Any]:
    """(b): the export's own encoder command, reading the captured frames from the file instead of the pipe."""
    work = folder / name
    saved = json.loads((work / "encoder.json").read_text())
    command = [str(work / "frames.y4m") if a == "pipe:0" else a for a in (args or saved["args"])]
    command[-1] = str(work / out_name)
    peak = Peak()
    cpu, started = cpu_seconds(), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds, mb = time.perf_counter() - started, peak.stop()
    return {"seconds": seconds, "cpu": measured(cpu, peak), "peak_mb": mb, "bytes": (work / out_name).stat().st_size}


def case_zoom(folder: Path) -> dict[str, Any]:
    """(z): the Ken Burns zoom's resampling alone, for (a)'s job: every picture (a)'s zooms make, scaled by the
    same per-frame filter from a prepared photo, in one ffmpeg that does nothing else (no transition, no text,
    no pipe, no encoder). It is the part of the engine's work that no plumbing can take away: its share of (b)
    is the least the engine's own share can be at this zoom."""
    from PIL import Image

    from bot.engines.local import images, model, render
    from bot.engines.local.motion import Motion

    draft = job(folder, 8, SECONDS)
    conf, photos = model.settings(draft), model.photos(draft)
    out = render.output_size(conf, preview=False)
    src = images.frame_size(*out)
    plan = model.timing(len(photos), conf, render.FULL.fps)
    zooms = [m for m in (Motion(model.motion_for(conf, i), length, out, src, plan.fps)
                         for i, (_start, length) in enumerate(plan.clips)) if m.zooms]
    frame = folder / "zoom.yuv"
    frame.write_bytes(images.prepare_yuv(Path(photos[0]["m"]["path"]), src, fit=str(conf.get("fit")),
                                         resample=Image.Resampling.BICUBIC))
    chains = [f"[z{k}]loop=loop={m.sample_count() - 1}:size=1:start=0,setpts='{m.sample_pts()}',{m.per_frame()}"
              f"[s{k}]" for k, m in enumerate(zooms)]
    graph = ";".join([f"[0:v]split={len(zooms)}" + "".join(f"[z{k}]" for k in range(len(zooms))), *chains,
                      "".join(f"[s{k}]" for k in range(len(zooms))) + f"concat=n={len(zooms)}:v=1:a=0[v]"])
    peak = Peak()
    cpu, started = cpu_seconds(), time.perf_counter()
    subprocess.run([render.ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
                    "-filter_complex_threads", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p",
                    "-video_size", f"{src[0]}x{src[1]}", "-i", str(frame), "-filter_complex", graph,
                    "-map", "[v]", "-f", "null", "-"], check=True)
    seconds, mb = time.perf_counter() - started, peak.stop()
    return {"seconds": seconds, "cpu": measured(cpu, peak), "peak_mb": mb,
            "pictures": sum(m.sample_count() for m in zooms), "frames": plan.frames}


def ssim(folder: Path, name: str, video: str) -> float:
    """SSIM (all planes) of an MP4 against the raw frames it was encoded from, by ffmpeg's ssim filter."""
    from bot.engines.local import render

    work = folder / name
    out = subprocess.run([render.ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(work / video),
                          "-f", "yuv4mpegpipe", "-i", str(work / "frames.y4m"), "-lavfi", "[0:v][1:v]ssim",
                          "-f", "null", "-"], capture_output=True, text=True, check=True)
    found = re.findall(r"All:([0-9.]+)", out.stderr)
    return float(found[-1])


def case_encoders(folder: Path, name: str) -> list[dict[str, Any]]:
    """The preset/CRF candidates on (a)'s captured frames: speed, SSIM, size (the choice of `render.FULL`)."""
    saved = json.loads((folder / name / "encoder.json").read_text())
    rows = []
    for preset, crf, params in (("veryfast", 21, ""), ("superfast", 23, ""), ("superfast", 21, ""),
                                ("superfast", 21, "bframes=0:sync-lookahead=0"),
                                ("superfast", 22, "bframes=0:sync-lookahead=0"),
                                ("superfast", 23, "bframes=0:sync-lookahead=0"),
                                ("ultrafast", 23, "bframes=0:sync-lookahead=0")):
        args = list(saved["args"])
        args[args.index("-preset") + 1], args[args.index("-crf") + 1] = preset, str(crf)
        if "-x264-params" in args:
            del args[args.index("-x264-params"):args.index("-x264-params") + 2]
        if params:
            args[args.index("-preset"):args.index("-preset")] = ["-x264-params", params]
        out = f"{preset}-{crf}-{'bf0' if params else 'bf3'}.mp4"
        row = case_encoder_alone(folder, name, args, out)
        rows.append({"preset": preset, "crf": crf, "params": params or "(preset's)", **row,
                     "ssim": ssim(folder, name, out)})
    return rows


def case_moviepy(folder: Path, seconds: float) -> dict[str, Any]:
    """The same job in MoviePy 2: zooming ImageClips, crossfades, a TextClip title and numpy music."""
    from moviepy import AudioArrayClip, CompositeVideoClip, ImageClip, TextClip, vfx

    from bot.engines.local import music, render, text

    paths = sorted(folder.glob("photo*.jpg"))[:8]
    peak = Peak()
    cpu, started = cpu_seconds(), time.perf_counter()
    per, fade = seconds / len(paths), 0.5
    clips = []
    for i, path in enumerate(paths):
        base = ImageClip(str(path)).resized(height=1920)
        clip = (base.resized(lambda t: 1 + 0.1 * t / per).with_duration(per + fade)
                .with_position("center").with_start(i * per))
        if i:
            clip = clip.with_effects([vfx.CrossFadeIn(fade)])
        clips.append(clip)
    font = text.font_chain()[0]  # the engine's own bundled font (Noto Sans SC), not a host path
    title = (TextClip(font=font, text=TITLE, font_size=77, color="white", stroke_color="black",
                      stroke_width=5).with_duration(min(3, seconds)).with_position("center"))
    samples = music.synthesise("upbeat", seconds, volume=0.7)
    video = CompositeVideoClip([*clips, title], size=(1080, 1920)).with_duration(seconds)
    video = video.with_audio(AudioArrayClip(samples, fps=48000))
    enc = render.FULL
    # temp_audiofile: MoviePy would otherwise write its audio track into the current working directory
    video.write_videofile(str(folder / "moviepy.mp4"), fps=30, codec="libx264", audio_codec="aac",
                          audio_fps=48000, audio_bitrate=enc.audio_bitrate, preset=enc.preset,
                          ffmpeg_params=["-crf", str(enc.crf), "-pix_fmt", "yuv420p"],
                          temp_audiofile=str(folder / "moviepy-audio.m4a"), logger=None)
    seconds, mb = time.perf_counter() - started, peak.stop()
    return {"seconds": seconds, "cpu": measured(cpu, peak), "peak_mb": mb}


def child(case: str, folder: Path, moviepy_seconds: float) -> Any:
    if case == "make":
        make_photos(folder)
        make_drawn(folder / "drawn")
        return {}
    if case in ("a", "a_drawn"):
        photos = folder if case == "a" else folder / "drawn"
        return render_case(folder, job(photos, 8, SECONDS), preview=False, name=case, capture=True)
    if case in ("b", "b_drawn"):
        return case_encoder_alone(folder, "a" + case[1:])
    if case in ("ssim", "ssim_drawn"):
        name = "a" + case[4:]
        return {"ssim": ssim(folder, name, f"{name}.mp4")}
    if case == "encoders":
        return case_encoders(folder, "a")
    if case == "zoom":
        return case_zoom(folder)
    if case == "c":
        return case_moviepy(folder, moviepy_seconds)
    if case.startswith("mem"):
        count = int(case[3:])
        return render_case(folder, job(folder, count, count * 1.0), preview=False, name=case)
    if case == "size180":
        return render_case(folder, job(folder, 30, 180.0), preview=False, name=case)
    if case in ("preview30cold", "preview4cold"):
        for made in folder.glob("photo*.jpg.*.yuv"):
            made.unlink()
        draft = job(folder, int(case[7:].removesuffix("cold")), SECONDS)
        from bot.engines.local import render
        spec_cpu, started = cpu_seconds(), time.perf_counter()
        work = folder / case
        work.mkdir(exist_ok=True)
        peak = Peak()
        asyncio.run(render.run(render.build(draft, work, preview=True)))
        seconds, mb = time.perf_counter() - started, peak.stop()
        return {"seconds": seconds, "cpu": measured(spec_cpu, peak), "peak_mb": mb}
    if case.startswith("preview"):
        count, _, seconds = case[7:].partition("x")
        return render_case(folder, job(folder, int(count), float(seconds or SECONDS)), preview=True, name=case)
    raise SystemExit(f"unknown case {case}")


def has_moviepy() -> bool:
    import importlib.util

    return importlib.util.find_spec("moviepy") is not None


def run_child(case: str, folder: Path, moviepy_seconds: float) -> Any:
    load = os.getloadavg()[0]  # before the case starts: what else the machine was doing
    out = subprocess.run([sys.executable, __file__, "--child", case, "--folder", str(folder),
                          "--moviepy-seconds", str(moviepy_seconds)], check=True, capture_output=True, text=True)
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": load}


PREVIEW_CASES = ("preview4cold", "preview4", "preview30cold", "preview30", "preview30x90")


def previews_only(repeat: int) -> None:
    """`--previews`: only the preview cases, each `repeat` times in turn, one line per run with the load
    average before it (the quick check while working on the preview path)."""
    from bot.engines.local import render

    small = "x".join(map(str, render.output_size({}, preview=True)))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([sys.executable, __file__, "--child", "make", "--folder", str(folder)], check=True)
        run_child("preview4", folder, 0)  # warm-up: page cache, font cache
        print(f"preview {small}, 15 s unless said; warm: frames made on arrival; cold: none made yet; "
              f"{os.cpu_count()} cores")
        print(f"{'case':<16} {'run':>3} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} {'load':>5}")
        for run in range(repeat):
            for case in PREVIEW_CASES:
                row = run_child(case, folder, 0)
                print(f"{case:<16} {run:>3} {row['seconds']:>7.2f} {row['cpu']:>7.2f} {row['peak_mb']:>8.0f} "
                      f"{row['load']:>5.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--moviepy-seconds", type=float, default=SECONDS,
                        help="cap MoviePy's clip length (scaled linearly to 15 s in the table)")
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--encoders", action="store_true", help="also print the preset/CRF candidates")
    parser.add_argument("--previews", type=int, metavar="N", default=0,
                        help="only the preview cases, each N times, with the load average of each run")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.folder, args.moviepy_seconds)))
        return
    if args.previews:
        previews_only(args.previews)
        return
    from bot.config import Settings
    from bot.engines.local import render

    limit_mb = Settings(_env_file=None).upload_limit_mb
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([sys.executable, __file__, "--child", "make", "--folder", str(folder)], check=True)
        run_child("preview4", folder, 0)  # warm-up: page cache, font cache
        r: dict[str, Any] = {}
        for case in ("a", "b", "zoom", "ssim", "a_drawn", "b_drawn", "ssim_drawn", "mem10", "mem40", "mem80", "size180",
                     "preview30cold", "preview4", "preview30", "preview30x90",
                     *(() if args.skip_moviepy or not has_moviepy() else ("c",)),
                     *(("encoders",) if args.encoders else ())):
            r[case] = run_child(case, folder, args.moviepy_seconds)
    scale = SECONDS / args.moviepy_seconds
    if "c" in r:
        r["c"]["seconds"] *= scale
        r["c"]["cpu"] *= scale

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"encoder: {render.FULL.preset} CRF {render.FULL.crf} {render.FULL.x264_params}; photos: real "
          f"photographs (scikit-image); load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other work on the machine slows the wall times)")
    small = "x".join(map(str, render.output_size({}, preview=True)))
    print(f"{'case':<58} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} {'MB file':>8}")
    labels = {"a": "(a) export: 8 photos, 15 s 1080x1920, random transitions",
              "b": "(b) x264 alone on (a)'s captured frames, same settings",
              "zoom": "(z) (a)'s zoom resampling alone (the engine's floor)",
              "a_drawn": "(a) the same export of drawn pictures",
              "b_drawn": "(b) x264 alone on those frames",
              "c": "(c) MoviePy 2.x, same job" + (f" ({args.moviepy_seconds:g} s x{scale:g})" if scale != 1 else ""),
              "mem10": "    export 10 photos x 1 s", "mem40": "    export 40 photos x 1 s",
              "mem80": "    export 80 photos x 1 s", "size180": "    export 30 photos x 180 s, random transitions",
              "preview4": f"    preview {small}, 4 photos, 15 s", "preview30": f"    preview {small}, 30 photos, 15 s",
              "preview30x90": f"    preview {small}, 30 photos, 90 s (3 s each, the default)",
              "preview30cold": f"    preview {small}, 30 photos, 15 s, no frame made on arrival yet"}
    for case, label in labels.items():
        if case in r:
            row = r[case]
            size = f"{row['bytes'] / 1e6:8.1f}" if "bytes" in row else f"{'':>8}"
            print(f"{label:<58} {row['seconds']:>7.2f} {row['cpu']:>7.2f} {row['peak_mb']:>8.0f} {size}")
    print(f"{'    making a photo preview frame on arrival (per photo)':<58} {'':>7} "
          f"{r['preview30']['arrival_cpu']:>7.3f}")
    for suffix, what in (("", "photographs"), ("_drawn", "drawn pictures")):
        a, b = r["a" + suffix], r["b" + suffix]
        print(f"{what}: (a)/(b) wall = {a['seconds'] / b['seconds']:.2f}, CPU = {a['cpu'] / b['cpu']:.2f}  "
              f"(target <= 1.10 CPU: {verdict(a['cpu'] / b['cpu'] <= 1.10)}); engine's own share of (a)'s CPU = "
              f"{(a['cpu'] - b['cpu']) / a['cpu']:.0%} (target < 10%)")
    z, b = r["zoom"], r["b"]
    each = z["cpu"] / z["pictures"] * 1000
    print(f"(z): (a)'s zooms make {z['pictures']} of its {z['frames']} pictures, {each:.1f} ms of CPU each: "
          f"{z['cpu'] / b['cpu']:.0%} of (b), so (a)/(b) CPU >= {1 + z['cpu'] / b['cpu']:.2f} at this zoom, "
          "whatever the rest costs")
    a = r["a"]
    if "c" in r:
        ratio = r["c"]["seconds"] / a["seconds"]
        print(f"(c)/(a) = {ratio:.1f}  (target >= 12: {verdict(ratio >= 12)})")
    else:
        print("(c) skipped: MoviePy is not installed (see the module's docstring)")
    peaks = [r[f"mem{n}"]["peak_mb"] for n in (10, 40, 80)]
    flat = max(peaks) <= min(peaks) * 1.10 and r["mem80"]["peak_mb"] <= r["mem10"]["peak_mb"] * 1.10
    print(f"peak memory 10/40/80 photos = {peaks[0]:.0f}/{peaks[1]:.0f}/{peaks[2]:.0f} MB  "
          f"(target flat within 10 % and < 600: {verdict(flat and max(peaks) < 600)})")
    size = r["size180"]["bytes"] / render.MiB
    print(f"30 photos x 180 s = {size:.1f} MiB  (target < {limit_mb} MiB: {verdict(size < limit_mb)})")
    previews = r["preview4"]["seconds"], r["preview30"]["seconds"]
    print(f"preview 4 / 30 photos = {previews[0]:.2f} / {previews[1]:.2f} s  "
          f"(target <= 1.5: {verdict(max(previews) <= 1.5)})")
    print(f"SSIM of (a) against its raw frames = {r['ssim']['ssim']:.4f} (photographs), "
          f"{r['ssim_drawn']['ssim']:.4f} (drawn pictures)")
    if "encoders" in r:
        print(f"{'preset':<10} {'CRF':>4} {'x264 params':<27} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} {'SSIM':>7} "
              f"{'MB':>6}  (x264 alone on (a)'s frames)")
        for row in r["encoders"]:
            print(f"{row['preset']:<10} {row['crf']:>4} {row['params']:<27} {row['seconds']:>7.2f} {row['cpu']:>7.2f} "
                  f"{row['peak_mb']:>8.0f} "
                  f"{row['ssim']:>7.4f} {row['bytes'] / 1e6:>6.1f}")


if __name__ == "__main__":
    main()
