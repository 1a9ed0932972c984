"""Benchmark of the local engine's export: `python bench/render.py` prints one table and the ratios.

(a) the local engine exporting 4 generated photos of mixed sizes (one 4000x3000 landscape) as a 15 s
    1080x1920 video with transitions, Ken Burns, a title and music (Pillow prep + one ffmpeg, wall time);
(b) the encode bound: the same ffmpeg binary encoding 450 frames of one still 1080x1920 image with the same
    encoder settings (and the same AAC track, silent);
(c) MoviePy 2.x doing the same job (crossfades, zoom, title, music), optionally capped (`--moviepy-seconds`)
    and scaled linearly to 15 s, which the table then says;
plus the 540x960 preview of (a). Each case runs in its own child Python process so its peak memory
(the process's own peak RSS plus the peak RSS of its ffmpeg child, from getrusage) is not mixed with the others.
Targets: (a)/(b) <= 1.5, (c)/(a) >= 8, peak memory of (a) <= 500 MB, preview <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS = 15.0
SIZES = [(4000, 3000), (1080, 1920), (1500, 1500), (2400, 3200)]


def make_photos(folder: Path) -> list[Path]:
    """Photo-like test images: gradients, shapes and fine noise (x264 must work as on a real photo)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(1)
    paths = []
    for i, (w, h) in enumerate(SIZES):
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        base = np.stack([(x / w) * 255, (y / h) * 255, ((x + y) / (w + h)) * 255 * (i + 1) % 255], axis=2)
        image = Image.fromarray(base.astype(np.uint8))
        draw = ImageDraw.Draw(image)
        for _ in range(40):
            cx, cy, r = rng.integers(0, w), rng.integers(0, h), int(rng.integers(w // 40, w // 8))
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
        image = image.filter(ImageFilter.GaussianBlur(2))
        noise = rng.normal(0, 6, (h, w, 1)).astype(np.float32)
        image = Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + noise, 0, 255).astype(np.uint8))
        path = folder / f"photo{i + 1}.jpg"
        image.save(path, quality=92)
        paths.append(path)
    return paths


def engine_draft(paths: list[Path]) -> dict[str, Any]:
    from bot.engines.local import model, plan

    photos = [{"id": f"p{i}", "m": {"name": p.name, "path": str(p)}} for i, p in enumerate(paths)]
    draft = model.layout(photos, dict(model.DEFAULTS))
    draft = plan.apply_instruction(draft, "turn my photos into a 15-second TikTok video with transitions and "
                                          "music").draft
    return plan.apply_instruction(draft, 'ken burns, title "Summer in Lisbon"').draft


def case_engine(folder: Path, preview: bool) -> float:
    import asyncio

    from bot.engines.local import render

    draft = engine_draft(sorted(folder.glob("photo*.jpg")))
    work = Path(tempfile.mkdtemp(dir=folder))
    started = time.perf_counter()
    spec = render.build(draft, work, preview=preview)
    asyncio.run(render.run(spec))
    return time.perf_counter() - started


def case_still(folder: Path) -> float:
    from PIL import Image, ImageOps

    from bot.engines.local import render

    still = folder / "still.ppm"
    with Image.open(folder / "photo1.jpg") as image:
        ImageOps.fit(image.convert("RGB"), (1080, 1920)).save(still)
    out = folder / "still.mp4"
    args = [render.ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-framerate", "30", "-i", str(still), "-f", "lavfi", "-t", "15", "-i", "anullsrc=r=48000:cl=stereo",
            "-filter_complex", "[0:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
            "loop=loop=449:size=1:start=0,setpts=N[v]", "-map", "[v]", "-map", "1:a",
            *render.FULL.video_args(), *render.FULL.audio_args(), "-t", "15", "-movflags", "+faststart", str(out)]
    started = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - started


def case_moviepy(folder: Path, seconds: float) -> float:
    """The same job in MoviePy 2: zooming ImageClips, crossfades, a TextClip title and numpy music."""
    from moviepy import AudioArrayClip, CompositeVideoClip, ImageClip, TextClip, vfx

    from bot.engines.local import music, render, text

    paths = sorted(folder.glob("photo*.jpg"))
    started = time.perf_counter()
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
    title = (TextClip(font=font, text="Summer in Lisbon", font_size=77, color="white", stroke_color="black",
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
    return time.perf_counter() - started


def child(case: str, folder: Path, moviepy_seconds: float) -> None:
    """Run one case in this process and print its time and peak memory as JSON."""
    if case == "make":
        make_photos(folder)
        return
    if case == "a":
        seconds = case_engine(folder, preview=False)
    elif case == "preview":
        seconds = case_engine(folder, preview=True)
    elif case == "b":
        seconds = case_still(folder)
    else:
        seconds = case_moviepy(folder, moviepy_seconds)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "python_mb": own, "ffmpeg_mb": kids}))


def run_child(case: str, folder: Path, moviepy_seconds: float) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", case, "--folder", str(folder),
                          "--moviepy-seconds", str(moviepy_seconds)], check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--moviepy-seconds", type=float, default=SECONDS,
                        help="cap MoviePy's clip length (scaled linearly to 15 s in the table)")
    parser.add_argument("--skip-moviepy", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.folder, args.moviepy_seconds)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([sys.executable, __file__, "--child", "make", "--folder", str(folder)], check=True)
        run_child("a", folder, 0)  # warm-up: page cache, font cache
        results = {case: run_child(case, folder, args.moviepy_seconds)
                   for case in ("a", "b", "preview", *(() if args.skip_moviepy else ("c",)))}
    scale = SECONDS / args.moviepy_seconds
    if "c" in results:
        results["c"]["seconds"] *= scale
    labels = {"a": "(a) local engine export, 15 s 1080x1920", "b": "(b) encode bound: 450 frames of one still",
              "preview": "    preview 540x960 of (a)",
              "c": "(c) MoviePy 2.x same job" + (f" ({args.moviepy_seconds:g} s x{scale:g})" if scale != 1 else "")}
    print(f"{'case':<48} {'seconds':>8} {'peak MB (py+ffmpeg)':>22}")
    for case, row in results.items():
        peak = row["python_mb"] + row["ffmpeg_mb"]
        split = f"({row['python_mb']:.0f}+{row['ffmpeg_mb']:.0f})"
        print(f"{labels[case]:<48} {row['seconds']:>8.2f} {peak:>10.0f} {split}")
    a, b = results["a"]["seconds"], results["b"]["seconds"]
    peak_a = results["a"]["python_mb"] + results["a"]["ffmpeg_mb"]
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    preview = results["preview"]["seconds"]
    print(f"(a)/(b) = {a / b:.2f}  (target <= 1.5: {verdict(a / b <= 1.5)})")
    if "c" in results:
        ratio = results["c"]["seconds"] / a
        print(f"(c)/(a) = {ratio:.1f}  (target >= 8: {verdict(ratio >= 8)})")
    print(f"peak memory of (a) = {peak_a:.0f} MB  (target <= 500: {verdict(peak_a <= 500)})")
    print(f"preview = {preview:.2f} s  (target <= 1.5: {verdict(preview <= 1.5)})")

if __name__ == "__main__":
    main()
