"""Rendering: real ffmpeg runs on short, small clips (preview size), checked with PyAV."""

from __future__ import annotations

import asyncio
import itertools
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from bot.engines.local import model, render, text
from bot.engines.local.motion import Motion

from .conftest import PhotoMaker


def draft_of(paths: list[Path], **conf: Any) -> dict[str, Any]:
    photos = [{"id": f"p{i}", "m": {"name": p.name, "path": str(p), "width": 1, "height": 1}}
              for i, p in enumerate(paths)]
    return model.layout(photos, {**model.DEFAULTS, **conf})


def render_to(draft: dict[str, Any], workdir: Path, *, preview: bool = True) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    spec = render.build(draft, workdir, preview=preview)
    seen: list[int] = []
    asyncio.run(render.run(spec, seen.append))
    assert seen[-1] == 100 and seen == sorted(seen)
    return spec.output


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]


def test_output_format_and_streams(make_photo: PhotoMaker, tmp_path: Path) -> None:
    photos = [make_photo("a.jpg", (4000, 3000), (200, 40, 40)), make_photo("b.png", (300, 500), (40, 40, 200))]
    out = render_to(draft_of(photos, duration_ms=2000, music=True, title="Hi"), tmp_path / "w")
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        ctx = video.codec_context
        assert ctx.name == "h264" and ctx.profile == "High"
        assert ctx.pix_fmt == "yuv420p" and (video.width, video.height) == (540, 960)
        assert str(ctx.color_range) in ("1", "ColorRange.MPEG", "MPEG") or "MPEG" in str(ctx.color_range)
        assert video.average_rate == Fraction(30)
        assert audio.codec_context.name == "aac" and audio.rate == 48000 and audio.channels == 2
        assert abs(float(container.duration / 1_000_000) - 2.0) < 0.1
        decoded = [f for f in container.decode(video=0)]
    assert abs(len(decoded) - 60) <= 1  # duration within one frame
    assert all(float(f.to_ndarray().std()) > 1 for f in decoded[::15])  # not blank


def test_full_size_and_aspects(make_photo: PhotoMaker, tmp_path: Path) -> None:
    photo = make_photo("a.jpg", (640, 480), stripes=True)
    out = render_to(draft_of([photo], duration_ms=1000, aspect="16:9", motion="none"), tmp_path / "w", preview=False)
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.width, video.height) == (1920, 1080)
        assert video.codec_context.profile == "High"


def test_title_pixels_stay_inside_the_safe_box(make_photo: PhotoMaker, tmp_path: Path) -> None:
    black = make_photo("black.png", (540, 960), (0, 0, 0))
    for position in ("top", "center", "bottom"):
        out = render_to(draft_of([black], duration_ms=2000, motion="none", title="A long summer title 夏天 WWWW",
                                 title_position=position), tmp_path / position)
        frame = frames(out)[30]
        changed = np.argwhere(frame.max(axis=2) > 40)
        assert len(changed) > 500, position
        left, top, right, bottom = text.safe_box(540, 960)
        (y0, x0), (y1, x1) = changed.min(axis=0), changed.max(axis=0)
        assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, (position, x0, y0, x1, y1)


def test_transition_blends_around_the_cut(make_photo: PhotoMaker, tmp_path: Path) -> None:
    red, blue = make_photo("r.png", (540, 960), (220, 0, 0)), make_photo("b.png", (540, 960), (0, 0, 220))
    draft = draft_of([red, blue], duration_ms=2000, motion="none", transition="fade")
    plan = model.timing(2, model.settings(draft))
    decoded = frames(render_to(draft, tmp_path / "w"))
    start = plan.clips[1][0]
    middle = decoded[start + plan.fade // 2][480, 270]
    assert decoded[5][480, 270, 0] > 150 and decoded[-5][480, 270, 2] > 150  # red before, blue after
    assert 40 < middle[0] < 190 and 40 < middle[2] < 190  # a mix during the fade
    steps = [np.abs(decoded[i + 1] - decoded[i]).mean() for i in range(start - 3, start + plan.fade + 3)]
    assert max(steps) < 60  # gradual, not a hard cut


def test_hard_cut_without_transitions(make_photo: PhotoMaker, tmp_path: Path) -> None:
    red, blue = make_photo("r.png", (540, 960), (220, 0, 0)), make_photo("b.png", (540, 960), (0, 0, 220))
    decoded = frames(render_to(draft_of([red, blue], duration_ms=2000, motion="none", transition="none"),
                               tmp_path / "w"))
    assert len(decoded) == 60
    assert decoded[29][480, 270, 0] > 150 and decoded[30][480, 270, 2] > 150


@pytest.mark.parametrize("kind", ["zoomin", "zoomout", "pan", "panback"])
def test_motion_positions_are_monotonic(kind: str) -> None:
    for out in ((540, 960), (1080, 1920), (1920, 1080)):
        from bot.engines.local.images import frame_size

        motion = Motion(kind, 150, out, frame_size(*out))
        positions = [motion.position(n) for n in range(150)]
        widths, xs = [p[0] for p in positions], [p[2] for p in positions]
        for scaled, scaled_h, x, y in positions:
            assert scaled >= out[0] and scaled_h >= out[1] and 0 <= x <= scaled - out[0]
            assert 0 <= y <= scaled_h - out[1] and scaled <= frame_size(*out)[0]
        sign = 1 if kind in ("zoomin", "pan") else -1
        assert all(sign * (b - a) >= 0 for a, b in itertools.pairwise(widths))
        assert all(sign * (b - a) >= 0 for a, b in itertools.pairwise(xs))
        assert xs[0] != xs[-1]
        if kind.startswith("pan"):  # a constant whole number of pixels per frame: no 0/1 stepping
            steps = {abs(b - a) for a, b in itertools.pairwise(xs)}
            assert len(steps) == 1 or steps <= {0, 1}


def test_zoom_render_moves_monotonically(make_photo: PhotoMaker, tmp_path: Path) -> None:
    """A white stripe right of centre must only ever move outwards while zooming in: no jitter back."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (605, 1076), (0, 0, 0))
    ImageDraw.Draw(image).rectangle([420, 0, 427, 1076], fill=(255, 255, 255))
    path = tmp_path / "stripe.png"
    image.save(path)
    decoded = frames(render_to(draft_of([path], duration_ms=3000, motion="zoomin", fit="crop"), tmp_path / "w"))
    centres = []
    for frame in decoded:
        row = frame[480, :, 0].astype(float)
        weights = np.clip(row - 60, 0, None)
        centres.append(float((weights * np.arange(len(row))).sum() / weights.sum()))
    assert centres[-1] - centres[0] > 5  # it did zoom
    assert all(b - a > -0.35 for a, b in itertools.pairwise(centres))  # never jumps back


def test_chinese_title_has_real_glyphs_inside_the_safe_box(make_photo: PhotoMaker, tmp_path: Path) -> None:
    """"夏日回忆" is drawn with the bundled Noto Sans SC: real glyphs, not .notdef boxes, inside the safe box."""
    from PIL import Image

    face = text.font(80, True)
    assert "NotoSansSC" in str(getattr(face, "path", "")), "justmytype-intl-cjk must provide the font"
    title = text.render_text("夏日回忆", tmp_path / "title.png", (1080, 1920), position="center", kind="title")
    boxes = text.render_text("\ue000\ue001\ue002\ue003", tmp_path / "boxes.png", (1080, 1920),
                             position="center", kind="title")  # private-use: four .notdef glyphs
    with Image.open(title.path) as a, Image.open(boxes.path) as b:
        ink = np.asarray(a.convert("RGBA"))[:, :, 3] > 128
        notdef = np.asarray(b.convert("RGBA").resize(a.size))[:, :, 3] > 128
    assert 0.15 < ink.mean() < 0.8  # strokes, not an empty image nor solid blocks
    assert (ink != notdef).mean() > 0.15  # clearly not the rendering of four boxes
    # Each glyph is different: the four quarters of the ink differ from one another.
    quarters = np.array_split(ink, 4, axis=1)
    assert all((p.shape == q.shape and (p != q).mean() > 0.1) for p, q in itertools.combinations(quarters, 2)
               if p.shape == q.shape)

    black = make_photo("black.png", (1080, 1920), (0, 0, 0))
    out = render_to(draft_of([black], duration_ms=1000, motion="none", title="夏日回忆"), tmp_path / "w",
                    preview=False)
    frame = frames(out)[15]
    changed = np.argwhere(frame.max(axis=2) > 40)
    assert len(changed) > 5000
    left, top, right, bottom = text.SAFE_BOX_1080x1920
    (y0, x0), (y1, x1) = changed.min(axis=0), changed.max(axis=0)
    assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, (x0, y0, x1, y1)
