"""Rendering: real ffmpeg runs on short, small clips (preview size unless the test is about exports), checked
with PyAV and by reading the MP4's own structure."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import os
import re
import struct
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from bot.engines.local import images, model, render, text
from bot.engines.local.motion import Motion

from .conftest import PhotoMaker


def draft_of(paths: list[Path], **conf: Any) -> dict[str, Any]:
    photos = [{"id": f"p{i}", "m": {"name": p.name, "path": str(p), "width": 1, "height": 1}}
              for i, p in enumerate(paths)]
    return model.layout(photos, {**model.DEFAULTS, **conf})


# The preview's size and speed at the export's 30 fps, so that frame numbers mean the same in every test
# (the real preview encoder, 15 fps, has its own test).
PREVIEW_W, PREVIEW_H = render.output_size(model.DEFAULTS, preview=True)  # 9:16
PREVIEW_SIZE = (PREVIEW_W, PREVIEW_H)
MID_Y, MID_X = PREVIEW_H // 2, PREVIEW_W // 2  # a pixel in the middle of a preview frame
SMALL_30FPS = render.Encoder(preset="ultrafast", crf=26, audio_bitrate="96k", x264_params="8x8dct=1",
                             aac_coder="fast")


def render_to(draft: dict[str, Any], workdir: Path, *, preview: bool = True,
              encoder: render.Encoder | None = None) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    spec = render.build(draft, workdir, preview=preview, encoder=encoder or (SMALL_30FPS if preview else None))
    seen: list[int] = []
    asyncio.run(render.run(spec, seen.append))
    assert seen[-1] == 100 and seen == sorted(seen)
    return spec.output


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]


def yuv_planes(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Y, U and V planes of a decoded yuv420p frame as float arrays."""
    stacked = frame.to_ndarray()  # yuv420p: Y rows, then U and V packed underneath
    height, width = frame.height, frame.width
    y = stacked[:height].astype(float)
    chroma = stacked[height:].reshape(2, height // 2, width // 2).astype(float)
    return y, chroma[0], chroma[1]


def top_level_atoms(path: Path) -> list[str]:
    """The MP4's top-level box types in file order."""
    atoms = []
    with path.open("rb") as handle:
        size = path.stat().st_size
        at = 0
        while at < size:
            handle.seek(at)
            length, kind = struct.unpack(">I4s", handle.read(8))
            if length == 1:
                length = struct.unpack(">Q", handle.read(8))[0]
            atoms.append(kind.decode("latin-1"))
            at += length if length else size
    return atoms


def nal_types(packet: bytes) -> list[int]:
    """NAL unit types in an MP4 (length-prefixed, 4-byte) H.264 sample."""
    types, at = [], 0
    while at + 4 <= len(packet):
        length = struct.unpack_from(">I", packet, at)[0]
        types.append(packet[at + 4] & 0x1F)
        at += 4 + length
    return types


# ---------------------------------------------------------------- the export: every format promise


def test_export_meets_the_delivery_format(make_photo: PhotoMaker, tmp_path: Path) -> None:
    """A full-size export: H.264 High <= 4.2, yuv420p TV range, 30 fps CFR, closed 1 s GOPs (every keyframe an
    IDR), +faststart, AAC-LC 48 kHz stereo, exact duration."""
    photos = [make_photo("a.jpg", (1600, 1200), (200, 40, 40), stripes=True),
              make_photo("b.png", (300, 500), (40, 40, 200), stripes=True)]
    draft = draft_of(photos, duration_ms=2000, music=True, title="Hi", transition="fade")
    out = render_to(draft, tmp_path / "w", preview=False)
    assert top_level_atoms(out).index("moov") < top_level_atoms(out).index("mdat")  # +faststart
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        ctx = video.codec_context
        assert ctx.name == "h264" and ctx.profile == "High" and ctx.extradata[1] == 100  # avcC profile_idc
        assert 0 < ctx.level <= 42 and ctx.extradata[3] <= 42
        assert ctx.pix_fmt == "yuv420p" and (video.width, video.height) == (1080, 1920)
        assert int(ctx.color_range) == 1  # MPEG / TV range
        assert video.average_rate == Fraction(30)
        assert audio.codec_context.name == "aac" and audio.codec_context.profile == "LC"
        assert audio.rate == 48000 and audio.channels == 2 and audio.layout.name == "stereo"
        assert abs(float(container.duration / 1_000_000) - 2.0) <= 1 / 30
        packets = [p for p in container.demux(video) if p.size]
        settings = bytes(packets[0])  # x264's settings SEI: closed GOPs (without B-frames a GOP cannot be open)
        assert b"open_gop=0" in settings or b"bframes=0" in settings
    decode_order = sorted(packets, key=lambda p: p.pts)
    keyframes = [i for i, p in enumerate(decode_order) if p.is_keyframe]
    assert keyframes == list(range(0, 60, 30))  # one every second, at frame 0 and 30
    for packet in packets:
        types = nal_types(bytes(packet))
        assert (5 in types) == packet.is_keyframe, types  # every keyframe is an IDR, no other frame is
    assert len(packets) == 60  # duration within one frame
    assert {p.pts * p.time_base for p in packets} == {Fraction(n, 30) for n in range(60)}  # constant 30 fps


def test_preview_format_and_pixels(make_photo: PhotoMaker, tmp_path: Path) -> None:
    """The quick preview: 360x640 (a third of the size), 15 fps (half the export's rate, for speed), H.264 High,
    AAC."""
    photos = [make_photo("a.jpg", (4000, 3000), (200, 40, 40), stripes=True),
              make_photo("b.png", (300, 500), (40, 40, 200), stripes=True)]
    out = render_to(draft_of(photos, duration_ms=2000, music=True, title="Hi"), tmp_path / "w",
                    encoder=render.PREVIEW)
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.width, video.height) == (360, 640)  # the quick preview's size
        assert video.codec_context.profile == "High" and video.codec_context.pix_fmt == "yuv420p"
        assert video.average_rate == Fraction(15)
        assert audio.codec_context.name == "aac" and audio.rate == 48000 and audio.channels == 2
        assert abs(float(container.duration / 1_000_000) - 2.0) <= 1 / 15
        decoded = list(container.decode(video=0))
    assert abs(len(decoded) - 30) <= 1
    for frame in decoded[::7]:  # not blank: picture content in the luma (a black frame's is flat), and colour
        luma = frame.to_ndarray(format="gray").astype(float)
        rgb = frame.to_ndarray(format="rgb24").astype(float)
        assert luma.std() > 10 and rgb.mean(axis=(0, 1)).max() > 60


def test_full_size_and_aspects(make_photo: PhotoMaker, tmp_path: Path) -> None:
    photo = make_photo("a.jpg", (640, 480), stripes=True)
    out = render_to(draft_of([photo], duration_ms=1000, aspect="16:9", motion="none"), tmp_path / "w", preview=False)
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.width, video.height) == (1920, 1080)
        assert video.codec_context.profile == "High"


# ---------------------------------------------------------------- inputs: formats and orientation


def test_formats_and_exif_orientation(make_photo: PhotoMaker, tmp_path: Path) -> None:
    """JPEG with EXIF orientation 6 comes out upright; HEIC, WEBP and a GIF's first frame are read."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    upright = Image.new("RGB", (300, 500), (220, 30, 30))  # as the viewer sees it: red top, blue bottom
    ImageDraw.Draw(upright).rectangle([0, 250, 300, 500], fill=(30, 30, 220))
    rotated = upright.rotate(90, expand=True)  # stored sideways; orientation 6 turns it back clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    jpeg = folder / "sideways.jpg"
    rotated.save(jpeg, quality=95, exif=exif)
    heic = folder / "photo.heic"
    Image.new("RGB", (320, 480), (30, 200, 30)).save(heic, format="HEIF")
    webp = folder / "photo.webp"
    Image.new("RGB", (320, 480), (230, 200, 20)).save(webp, format="WEBP", lossless=True)
    gif = folder / "anim.gif"
    first, second = Image.new("RGB", (320, 480), (200, 30, 200)), Image.new("RGB", (320, 480), (30, 200, 200))
    first.save(gif, save_all=True, append_images=[second], duration=100, loop=0)
    for path in (jpeg, heic, webp, gif):
        assert images.validate(path, path.name)[1] > images.validate(path, path.name)[0]  # all portrait upright
    draft = draft_of([jpeg, heic, webp, gif], duration_ms=2000, motion="none", transition="none", fit="crop")
    decoded = frames(render_to(draft, tmp_path / "w"))
    assert len(decoded) == 60
    plan = model.timing(4, model.settings(draft))
    middle = [decoded[(start + end) // 2] for start, end in plan.slots]
    top, bottom = middle[0][PREVIEW_H // 6, MID_X], middle[0][PREVIEW_H * 5 // 6, MID_X]
    assert top[0] > 150 and top[2] < 90 and bottom[2] > 150 and bottom[0] < 90, (top, bottom)  # upright
    expected = [(30, 200, 30), (230, 200, 20), (200, 30, 200)]  # HEIC, WEBP, the GIF's first frame
    for frame, colour in zip(middle[1:], expected, strict=True):
        assert np.abs(frame[MID_Y, MID_X] - np.array(colour)).max() < 25, (frame[MID_Y, MID_X], colour)


def test_a_photo_that_cannot_be_decoded_is_named(make_photo: PhotoMaker, tmp_path: Path) -> None:
    good = make_photo("good.jpg", (300, 500))
    bad = tmp_path / "in" / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG" * 10)
    (tmp_path / "w").mkdir()
    spec = render.build(draft_of([good, bad], duration_ms=1000), tmp_path / "w", preview=True)
    with pytest.raises(render.RenderError, match=r"Photo 2 \(“broken.jpg”\) could not be decoded"):
        asyncio.run(render.run(spec))


# ---------------------------------------------------------------- text


def test_title_pixels_stay_inside_the_safe_box(make_photo: PhotoMaker, tmp_path: Path) -> None:
    black = make_photo("black.png", (PREVIEW_W, PREVIEW_H), (0, 0, 0))
    for position in ("top", "center", "bottom"):
        out = render_to(draft_of([black], duration_ms=1000, motion="none", title="A long summer title 夏天 WWWW",
                                 title_position=position), tmp_path / position)
        frame = frames(out)[15]
        changed = np.argwhere(frame.max(axis=2) > 40)
        assert len(changed) > 500, position
        left, top, right, bottom = text.safe_box(PREVIEW_W, PREVIEW_H)
        (y0, x0), (y1, x1) = changed.min(axis=0), changed.max(axis=0)
        assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, (position, x0, y0, x1, y1)


def test_text_that_cannot_be_shown_whole_is_reported(make_photo: PhotoMaker, tmp_path: Path) -> None:
    photo = make_photo("a.jpg", (300, 500))
    (tmp_path / "w").mkdir()
    draft = draft_of([photo], duration_ms=1000, title="Party 🎉 time")
    spec = render.build(draft, tmp_path / "w", preview=True)
    assert len(spec.notes) == 1 and "🎉" in str(spec.notes[0]) and str(spec.notes[0]).startswith("The title")
    assert render.build(draft_of([photo], duration_ms=1000, title="Party time"), tmp_path / "w").notes == ()


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9"])
def test_a_preview_shows_the_exports_text_and_says_what_the_export_will(make_photo: PhotoMaker, tmp_path: Path,
                                                                        aspect: str) -> None:
    """A long caption the export shows whole (small, on many lines) is shown whole in the preview too, on the
    same lines: laid out at its own third of the size it was cut short, and the preview said so wrongly."""
    photo = make_photo("a.jpg", (300, 500))
    for words in (150, 200, 220):
        captioned = {"id": "p0", "m": {"name": photo.name, "path": str(photo), "caption": "the long summer " * words}}
        draft = model.layout([captioned], {**model.DEFAULTS, "duration_ms": 1000, "aspect": aspect})
        (tmp_path / f"p{words}").mkdir()
        (tmp_path / f"e{words}").mkdir()
        preview = render.build(draft, tmp_path / f"p{words}", preview=True)
        export = render.build(draft, tmp_path / f"e{words}")
        assert preview.notes == export.notes, (aspect, words)
    width, height = render.output_size(model.settings(draft), preview=True)
    left, top, right, bottom = text.safe_box(width, height)
    with Image.open(tmp_path / "p220" / "text0.png") as drawn:
        assert drawn.width <= right - left and drawn.height <= bottom - top


def test_chinese_title_has_real_glyphs_inside_the_safe_box(make_photo: PhotoMaker, tmp_path: Path) -> None:
    """"夏日回忆" is drawn with the bundled Noto Sans SC: real glyphs, not .notdef boxes, inside the safe box."""
    face = text.font(80)
    assert "NotoSansSC" in str(getattr(face, "path", "")), "justmytype-intl-cjk must provide the font"
    title = text.render_text("夏日回忆", tmp_path / "title.png", (1080, 1920), position="center", kind="title")
    assert title.dropped == "" and not title.truncated
    with Image.open(title.path) as a:
        ink = np.asarray(a.convert("RGBA"))[:, :, 3] > 128
    notdef = np.zeros((80, 80), bool)  # what a .notdef box looks like: an outlined rectangle
    notdef[:6], notdef[-6:], notdef[:, :6], notdef[:, -6:] = True, True, True, True
    assert 0.15 < ink.mean() < 0.8  # strokes, not an empty image nor solid blocks
    quarters = [np.asarray(Image.fromarray(q).resize((80, 80))) for q in np.array_split(ink, 4, axis=1)]
    assert all((q != notdef).mean() > 0.2 for q in quarters)  # none of the four looks like a box
    assert all((p != q).mean() > 0.1 for p, q in itertools.combinations(quarters, 2))  # four different glyphs

    black = make_photo("black.png", (1080, 1920), (0, 0, 0))
    out = render_to(draft_of([black], duration_ms=1000, motion="none", title="夏日回忆"), tmp_path / "w",
                    preview=False)
    frame = frames(out)[15]
    changed = np.argwhere(frame.max(axis=2) > 40)
    assert len(changed) > 5000
    left, top, right, bottom = text.SAFE_BOX_1080x1920
    (y0, x0), (y1, x1) = changed.min(axis=0), changed.max(axis=0)
    assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, (x0, y0, x1, y1)


# ---------------------------------------------------------------- transitions


def _cut_window(draft: dict[str, Any], path: Path) -> tuple[list[av.VideoFrame], int]:
    plan = model.timing(2, model.settings(draft))
    with av.open(str(path)) as container:
        decoded = list(container.decode(video=0))
    return decoded, plan.clips[1][0] + plan.fade // 2


def test_transition_blends_around_the_cut(make_photo: PhotoMaker, tmp_path: Path) -> None:
    red, blue = make_photo("r.png", PREVIEW_SIZE, (220, 0, 0)), make_photo("b.png", PREVIEW_SIZE, (0, 0, 220))
    draft = draft_of([red, blue], duration_ms=2000, motion="none", transition="fade")
    plan = model.timing(2, model.settings(draft))
    decoded = frames(render_to(draft, tmp_path / "w"))
    start = plan.clips[1][0]
    middle = decoded[start + plan.fade // 2][MID_Y, MID_X]
    assert decoded[5][MID_Y, MID_X, 0] > 150 and decoded[-5][MID_Y, MID_X, 2] > 150  # red before, blue after
    assert 40 < middle[0] < 190 and 40 < middle[2] < 190  # a mix during the fade
    steps = [np.abs(decoded[i + 1] - decoded[i]).mean() for i in range(start - 3, start + plan.fade + 3)]
    assert max(steps) < 60  # gradual, not a hard cut


@pytest.mark.parametrize("transition", ["dissolve", "wipeleft", "slideup"])
def test_transitions_keep_luma_and_chroma_together(make_photo: PhotoMaker, tmp_path: Path,
                                                   transition: str) -> None:
    """Mid-transition each chroma sample must be the mix of the photos its four luma pixels show. The old
    per-plane dissolve drew a different random pattern for luma and chroma: ~94 % of the chroma was wrong."""
    red, blue = make_photo("r.png", PREVIEW_SIZE, (220, 30, 30)), make_photo("b.png", PREVIEW_SIZE, (30, 30, 220))
    draft = draft_of([red, blue], duration_ms=2000, motion="none", transition=transition)
    near_lossless = render.Encoder(preset="ultrafast", crf=1, x264_params="8x8dct=1")
    decoded, mid = _cut_window(draft, render_to(draft, tmp_path / "w", encoder=near_lossless))
    (ya, ua, va), (yb, ub, vb), (ym, um, vm) = (yuv_planes(decoded[i]) for i in (3, -3, mid))
    share_b = np.clip((ym - ya[MID_Y, MID_X]) / (yb[MID_Y, MID_X] - ya[MID_Y, MID_X]), 0, 1)  # per luma pixel
    assert 0.2 < share_b.mean() < 0.8  # really mid-transition
    block = share_b.reshape(PREVIEW_H // 2, 2, PREVIEW_W // 2, 2).mean(axis=(1, 3))  # what each chroma sample shows
    c = (MID_Y // 2, MID_X // 2)  # a chroma sample in the middle
    error = np.maximum(np.abs(um - (ua[c] + block * (ub[c] - ua[c]))), np.abs(vm - (va[c] + block * (vb[c] - va[c]))))
    assert (error > 8).mean() < 0.01, (transition, (error > 8).mean())


def test_hard_cut_without_transitions(make_photo: PhotoMaker, tmp_path: Path) -> None:
    red, blue = make_photo("r.png", PREVIEW_SIZE, (220, 0, 0)), make_photo("b.png", PREVIEW_SIZE, (0, 0, 220))
    decoded = frames(render_to(draft_of([red, blue], duration_ms=2000, motion="none", transition="none"),
                               tmp_path / "w"))
    assert len(decoded) == 60
    assert decoded[29][MID_Y, MID_X, 0] > 150 and decoded[30][MID_Y, MID_X, 2] > 150


# ---------------------------------------------------------------- Ken Burns


@pytest.mark.parametrize("kind", ["zoomin", "zoomout", "pan", "panright", "panback"])
def test_motion_positions_are_monotonic(kind: str) -> None:
    for out in ((540, 960), (1080, 1920), (1920, 1080)):
        motion = Motion(kind, 150, out, images.frame_size(*out))
        positions = [motion.position(n) for n in range(150)]
        widths, xs = [p[0] for p in positions], [p[2] for p in positions]
        for scaled, scaled_h, x, y in positions:
            assert scaled >= out[0] and scaled_h >= out[1] and 0 <= x <= scaled - out[0]
            assert 0 <= y <= scaled_h - out[1] and scaled <= images.frame_size(*out)[0]
        sign = 1 if kind in ("zoomin", "pan", "panright") else -1
        assert all(sign * (b - a) >= 0 for a, b in itertools.pairwise(widths))
        assert all(sign * (b - a) >= 0 for a, b in itertools.pairwise(xs))
        assert xs[0] != xs[-1]
        if kind.startswith("pan"):  # a constant whole number of pixels per frame: no 0/1 stepping
            steps = {abs(b - a) for a, b in itertools.pairwise(xs)}
            assert len(steps) == 1 or steps <= {0, 1}


def _ffmpeg_expr(expr: str, n: int) -> int:
    """Evaluate the integer expressions `sample_pts` writes (floor, if, eq, gt, + - * /) for N = n."""
    python = re.sub(r"\bif\(", "_if(", expr.replace("N", str(n)))
    return int(eval(python, {"floor": math.floor, "_if": lambda c, a, b: a if c else b,
                             "eq": lambda a, b: a == b, "gt": lambda a, b: a > b}))


@pytest.mark.parametrize("kind", ["zoomin", "zoomout", "pan", "panright", "panback", "none"])
def test_only_the_frames_where_the_picture_changes_are_made(kind: str) -> None:
    """ffmpeg scales one picture per `sample_frames` entry and repeats it until the next: every frame must
    still show exactly `position(n)`, and the expression must place each sample on its frame."""
    for frames_, out in itertools.product((2, 15, 60, 119, 127, 450), ((540, 960), (1080, 1920), (1920, 1080))):
        motion = Motion(kind, frames_, out, images.frame_size(*out))
        samples = motion.sample_frames()
        assert samples[0] == 0 and samples[-1] == frames_ - 1 and samples == sorted(set(samples))
        for n in range(frames_):
            shown = max(s for s in samples if s <= n)
            assert motion.position(n) == motion.position(shown), (kind, frames_, out, n)
        assert [_ffmpeg_expr(motion.sample_pts(), k) for k in range(len(samples))] == samples
        assert _ffmpeg_expr(motion.sample_pts(), len(samples)) >= frames_  # the end of the stream: after it
        if motion.zooms:  # one picture per zoom step (the last may be sampled twice); a pan changes every frame
            assert len(samples) <= len({motion.position(n) for n in range(frames_)}) + 1


@pytest.mark.parametrize("encoder", [SMALL_30FPS, render.PREVIEW], ids=["30fps", "preview15fps"])
def test_zoom_render_moves_monotonically(tmp_path: Path, encoder: render.Encoder) -> None:
    """A white stripe right of centre must only ever move outwards while zooming in, and inwards while zooming
    out: no jitter back; the clip keeps its exact frame count. The 15 fps preview scales only the frames it
    keeps, and still never steps back or loses a frame."""
    image = Image.new("RGB", (605, 1076), (0, 0, 0))
    ImageDraw.Draw(image).rectangle([420, 0, 427, 1076], fill=(255, 255, 255))
    path = tmp_path / "stripe.png"
    image.save(path)
    for kind, sign in (("zoomin", 1), ("zoomout", -1)):
        decoded = frames(render_to(draft_of([path], duration_ms=2000, motion=kind, fit="crop"), tmp_path / kind,
                                   encoder=encoder))
        assert len(decoded) == 2 * encoder.fps
        centres = []
        for frame in decoded:
            row = frame[480, :, 0].astype(float)
            weights = np.clip(row - 60, 0, None)
            centres.append(float((weights * np.arange(len(row))).sum() / weights.sum()))
        assert sign * (centres[-1] - centres[0]) > 4  # it did zoom
        assert all(sign * (b - a) > -0.35 for a, b in itertools.pairwise(centres))  # never jumps back


# ---------------------------------------------------------------- size: every export fits the upload limit


@given(seconds=st.floats(min_value=0.5, max_value=model.MAX_DURATION_MS / 1000),
       limit_mb=st.integers(min_value=1, max_value=2000), preview=st.booleans())
def test_the_bitrate_cap_keeps_any_length_under_the_limit(seconds: float, limit_mb: int, preview: bool) -> None:
    """Video at the cap for the whole length plus one full buffer, the audio and the index stay within 90 % of
    the limit (x264's VBV bounds the video by exactly that), down to the smallest limit that has room at all."""
    encoder = render.PREVIEW if preview else render.FULL
    limit = limit_mb * render.MiB
    cap = render.video_bitrate_cap(seconds, limit, encoder.audio_bps)
    worst = (cap * (seconds + render.BUFFER_SECONDS) + encoder.audio_bps * seconds) / 8 + render.CONTAINER_BYTES
    assert worst <= limit * render.SIZE_MARGIN or cap == 100_000
    assert cap <= render.LEVEL_42_MAX_BITRATE


def noise_photo(path: Path, size: tuple[int, int], seed: int) -> Path:
    """The most expensive picture there is for an encoder: every pixel random."""
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path, quality=95)
    return path


@pytest.mark.parametrize("transition", ["dissolve", "random"])
def test_an_export_the_picture_would_make_too_big_still_fits(tmp_path: Path, transition: str) -> None:
    """Random-noise photos at full size cost x264 several times what a 1 MB budget holds: the cap bites and the file
    stays under the limit; a dissolve costs what a fade costs (it used to be random pixels, ~0.3 MB a frame)."""
    (tmp_path / "in").mkdir()
    photos = [noise_photo(tmp_path / "in" / f"n{i}.jpg", (540, 960), i) for i in range(4)]
    draft = draft_of(photos, duration_ms=4000, transition=transition, music=True)
    workdir = tmp_path / "w"
    workdir.mkdir()
    limit = 1 * render.MiB
    spec = render.build(draft, workdir, size_limit=limit)
    asyncio.run(render.run(spec))
    assert spec.output.stat().st_size < limit * render.SIZE_MARGIN
    with av.open(str(spec.output)) as container:
        assert container.streams.video[0].frames == 120


# ---------------------------------------------------------------- segments: seamless, same as one piece


def test_segment_edges_fall_inside_bodies_never_inside_transitions() -> None:
    conf = {**model.DEFAULTS, "duration_ms": 20_000, "transition": "random"}
    plan = model.timing(30, conf)
    for per in (1, 2, 4, 16):
        bounds = render.segment_bounds(plan, per)
        assert bounds[0][0] == 0 and bounds[-1][1] == plan.frames
        assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(bounds))  # no gap, no overlap
        for _, edge in bounds[:-1]:
            for start, _length in plan.clips[1:]:  # a transition is the first `fade` frames of a clip
                assert not start < edge < start + plan.fade, (per, edge, start)


def _segmented(draft: dict[str, Any], workdir: Path, per: int) -> tuple[render.RenderPlan, Path]:
    workdir.mkdir(parents=True)
    near_lossless = render.Encoder(preset="ultrafast", crf=4, x264_params="8x8dct=1", aac_coder="fast")
    spec = render.build(draft, workdir, preview=True, encoder=near_lossless, photos_per_segment=per)
    asyncio.run(render.run(spec))
    return spec, spec.output


def test_a_video_in_segments_is_the_video_in_one_piece(make_photo: PhotoMaker, tmp_path: Path) -> None:
    """Cut after every photo, the video has exactly duration x 30 frames, each the same as when made in one
    piece (motion, transitions, the title's fade and the captions run on across the joins), its audio is as
    long as its video, and nothing jumps at a join more than it moves inside a segment."""
    colours = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40), (40, 200, 200)]
    photos = [make_photo(f"p{i}.jpg", (900 + 100 * i, 1200), c, stripes=True) for i, c in enumerate(colours)]
    draft = draft_of(photos, duration_ms=5000, transition="random", music=True, title="Across the joins")
    whole_spec, whole = _segmented(draft, tmp_path / "whole", 100)
    cut_spec, cut = _segmented(draft, tmp_path / "cut", 1)
    assert len(whole_spec.segments) == 1 and len(cut_spec.segments) == 5
    with av.open(str(cut)) as container:
        audio = container.streams.audio[0]
        audio_seconds = float(audio.duration * audio.time_base)
        video_frames = [f.to_ndarray().astype(np.int16) for f in container.decode(video=0)]
    assert len(video_frames) == 150  # 5 s x 30 fps: no frame dropped or doubled at a join
    assert abs(audio_seconds - 5.0) < 0.05
    with av.open(str(whole)) as container:
        reference = [f.to_ndarray().astype(np.int16) for f in container.decode(video=0)]
    assert max(np.abs(a - b).mean() for a, b in zip(video_frames, reference, strict=True)) < 1.5
    steps = [np.abs(b - a).mean() for a, b in itertools.pairwise(video_frames)]
    typical = float(np.median(steps))
    for segment in cut_spec.segments[1:]:
        start = segment.start
        assert steps[start - 1] <= max(3 * typical, 1.0), (start, steps[start - 1], typical)
    assert top_level_atoms(cut).index("moov") < top_level_atoms(cut).index("mdat")


def test_window_expressions_place_every_sample(tmp_path: Path) -> None:
    """A segment makes part of a clip from `window_pts`: the frames it places are the window's samples, and
    the end of the stream lands on the window's end."""
    for kind, frames_ in itertools.product(("zoomin", "zoomout", "pan", "none"), (15, 60, 127)):
        motion = Motion(kind, frames_, (540, 960), images.frame_size(540, 960))
        for first, end in ((0, frames_), (0, frames_ // 2), (frames_ // 3, frames_), (frames_ // 3, frames_ - 2)):
            samples = motion.window_samples(first, end)
            placed = [_ffmpeg_expr(motion.window_pts(first, end), k) for k in range(len(samples) + 1)]
            assert placed == [*samples, end], (kind, frames_, first, end)
            for n in range(first, end):
                shown = max(s for s in samples if s <= n)
                assert motion.position(n) == motion.position(shown)


def test_a_render_gives_way_to_the_bot_for_the_cpu(make_photo: PhotoMaker, tmp_path: Path) -> None:
    """Every ffmpeg of a render runs at a lower priority than the bot, so an answer arriving meanwhile does not
    wait for a core (bench/scale.py: /credits p99 while six renders run)."""
    import psutil

    photos = [make_photo("a.jpg", (1200, 1600), (200, 40, 40), stripes=True)]
    (tmp_path / "w").mkdir()
    spec = render.build(draft_of(photos, duration_ms=3000), tmp_path / "w", preview=True, encoder=SMALL_30FPS)
    niceness: dict[int, int] = {}

    async def watch() -> None:
        task = asyncio.create_task(render.run(spec, lambda _: None))
        while not task.done():
            for child in psutil.Process().children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    if "ffmpeg" in child.name():  # the last look counts: one may come before the change
                        niceness[child.pid] = child.nice()
            await asyncio.sleep(0.005)
        await task

    asyncio.run(watch())
    # (a test run already below the render's priority cannot raise it: then the render keeps the run's)
    assert niceness and set(niceness.values()) == {max(render.RENDER_NICENESS, os.nice(0))}
