"""Faces kept clear: found once when a photo arrives, the crop and the zoom keep them in frame, the title and
captions do not cover them; a photo too small for the frame is named when it arrives.

Real photographs (scikit-image's astronaut has a face) and drawn pictures without one.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.config import Settings
from bot.engines.local import LocalEngine, faces, images, model, render, text
from bot.engines.local.motion import Motion, focus_on, toward
from bot.language import render as say
from bot.store import Store
from tests.engines.local.conftest import PhotoMaker, media
from tests.fakes.sample_media import photograph_jpeg

CHAT = 77
FRAME = (1080, 1920)
SRC = images.frame_size(*FRAME)
# where her face is in scikit-image's 512x512 astronaut (measured by eye: brow to chin, ear to ear)
FACE_AREA = (0.30, 0.08, 0.58, 0.36)


def _photo(tmp_path: Path, name: str, picture: Image.Image) -> Path:
    path = tmp_path / name
    picture.save(path, quality=92)
    return path


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    return Image.open(io.BytesIO(photograph_jpeg("astronaut.png"))).convert("RGB")


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def test_the_astronauts_face_is_found_and_a_drawn_gradient_has_none(tmp_path: Path, astronaut: Image.Image) -> None:
    found = faces.detect(_photo(tmp_path, "astronaut.jpg", astronaut))
    assert len(found) == 1
    left, top, right, bottom = found[0]
    assert FACE_AREA[0] <= left < right <= FACE_AREA[2] and FACE_AREA[1] <= top < bottom <= FACE_AREA[3]
    gradient = Image.linear_gradient("L").resize((640, 960)).convert("RGB")
    assert faces.detect(_photo(tmp_path, "gradient.jpg", gradient)) == ()


def _off_centre(astronaut: Image.Image) -> Image.Image:
    """The astronaut at the right end of a wide landscape: a centre crop to 9:16 cuts her out."""
    wide = Image.new("RGB", (1800, 512), (30, 60, 90))
    wide.paste(astronaut, (1800 - 512, 0))
    return wide


def _luma(frame: bytes) -> Image.Image:
    """A prepared frame's luma plane: what the face detector looks at (it works on grey)."""
    return Image.frombytes("L", SRC, frame[:SRC[0] * SRC[1]])


def test_a_crop_to_fill_keeps_a_face_that_is_off_centre(tmp_path: Path, astronaut: Image.Image) -> None:
    path = _photo(tmp_path, "wide.jpg", _off_centre(astronaut))
    found = faces.detect(path)
    assert found, "the face at the edge of the landscape photo is found"
    centred = _luma(images.prepare_yuv(path, SRC, fit="crop"))
    around = _luma(images.prepare_yuv(path, SRC, fit="crop", faces=found))
    # the user's check: is there a face in the video's frame?
    assert faces.detect_in(centred) == ()
    seen = faces.detect_in(around)
    assert len(seen) == 1
    # and the frame shows it where the draft says it is
    expected = images.in_frame((1800, 512), SRC, "crop", found)[0]
    assert _overlap(seen[0], expected) > 0.5 * (expected[2] - expected[0]) * (expected[3] - expected[1])


def test_the_zoom_moves_toward_the_face_and_keeps_it_in_frame() -> None:
    face = (0.70, 0.20, 0.92, 0.32)  # near the right edge of the prepared frame
    zoom = Motion("zoomin", 90, FRAME, SRC, focus=focus_on((face,), FRAME, SRC))
    centred = Motion("zoomin", 90, FRAME, SRC)
    last = zoom.on_screen(face)
    assert last is not None and last[2] <= 1.0 and last[0] >= 0.0
    # the centred zoom pushes the face toward the edge; the focused one keeps its middle where it is
    _, _, x_focused, _ = zoom.position(89)
    _, _, x_centred, _ = centred.position(89)
    assert x_focused > x_centred
    # whole on the last frame: a point u is at (u * scaled - x) / width
    scaled, _, x, _ = zoom.position(89)
    assert (face[2] * scaled - x) / FRAME[0] <= 1.0


@pytest.mark.parametrize("kind", ["pan", "panright", "panback"])
def test_a_pan_moves_toward_the_face_and_ends_with_it_whole(kind: str) -> None:
    for face in ((0.01, 0.3, 0.09, 0.4), (0.9, 0.3, 0.98, 0.4)):  # near the left edge, near the right edge
        pan = Motion(toward(kind, (face,)), 90, FRAME, SRC)
        scaled, _, x, _ = pan.position(89)
        assert 0.0 <= (face[0] * scaled - x) / FRAME[0] and (face[2] * scaled - x) / FRAME[0] <= 1.0


@pytest.mark.parametrize(("fit", "position"), [("blur", "upper"), ("crop", "top"), ("blur", "center")])
def test_the_title_over_the_astronauts_face_moves_off_it(tmp_path: Path, astronaut: Image.Image,
                                                         fit: str, position: str) -> None:
    path = _photo(tmp_path, "astronaut.jpg", astronaut)
    meta = {"width": 512, "height": 512, "faces": [list(b) for b in faces.detect(path)]}
    boxes = faces.in_prepared(meta, SRC, fit)
    motion = Motion(model.motion_for({"motion": "kenburns"}, 0), 90, FRAME, SRC, focus=focus_on(boxes, FRAME, SRC))
    shown = tuple(b for b in map(motion.on_screen, boxes) if b is not None)
    assert shown
    words = "Our first walk on the moon"
    plain = text.render_text(words, tmp_path / "plain.png", FRAME, position=position, kind="title")
    placed = text.render_text(words, tmp_path / "title.png", FRAME, position=position, kind="title", avoid=shown)
    face_px = tuple(v * s for v, s in zip(shown[0], (*FRAME, *FRAME), strict=True))
    text_box = (placed.x, placed.y, placed.x + placed.width, placed.y + placed.height)
    plain_box = (plain.x, plain.y, plain.x + plain.width, plain.y + plain.height)
    assert _overlap(plain_box, face_px) > 0, "the place chosen without faces is over her face"
    assert _overlap(text_box, face_px) == 0
    left, top, right, bottom = text.safe_box(*FRAME)
    assert left <= placed.x and top <= placed.y and placed.x + placed.width <= right
    assert placed.y + placed.height <= bottom
    if position != "upper":  # asked for: nudged, but within its own half of the box
        lowest, highest = top, bottom - placed.height
        band = text.PLACES[position][1]
        assert lowest + band[0] * (highest - lowest) - 2 <= placed.y <= lowest + band[1] * (highest - lowest) + 2


def test_default_places_and_a_caption_large_enough_for_a_phone(tmp_path: Path) -> None:
    title = text.render_text("Summer", tmp_path / "t.png", FRAME, position=model.DEFAULTS["title_position"],
                             kind="title")
    caption = text.render_text("Day one", tmp_path / "c.png", FRAME, position=model.DEFAULTS["caption_position"],
                               kind="caption")
    _left, top, _right, bottom = text.safe_box(*FRAME)
    assert title.y + title.height / 2 < top + (bottom - top) / 3  # upper part of the safe box
    assert caption.y + caption.height / 2 > top + 2 * (bottom - top) / 3  # its lower third
    # the glyphs' height: the image is the ink plus the outline, shadow and 1 px (a cap height is ~0.72 size)
    assert caption.height >= 0.72 * 64


async def test_the_render_places_the_default_title_and_a_caption_off_her_face(
        tmp_path: Path, store: Store, settings: Settings, astronaut: Image.Image) -> None:
    engine = LocalEngine(settings, store, previews=False)
    try:
        await engine.upload(CHAT, media(_photo(tmp_path, "astronaut.jpg", astronaut)))
        draft = await engine.draft(CHAT)
        assert draft is not None
        kept = model.photos(draft)[0]["m"]["faces"]
        assert len(kept) == 1  # found once, kept with the photo in the draft
        photos = model.photos(draft)
        photos[0]["m"]["caption"] = "Far from home, closer than ever"
        draft = model.layout(photos, {**model.settings(draft), "title": "Our first walk on the moon"})
        (tmp_path / "work").mkdir()
        plan = render.build(draft, tmp_path / "work")
    finally:
        await engine.aclose()
    graph = next(a for a in plan.segments[0].args if "overlay=x=" in a)
    boxes = []
    for j, overlay in enumerate(graph.split("overlay=x=")[1:]):  # the title, then the caption
        x, y = (int(v) for v in overlay.split(":eof")[0].split(":y="))
        with Image.open(tmp_path / "work" / f"text{j}.png") as drawn:
            boxes.append((x, y, x + drawn.width, y + drawn.height))
    face = images.in_frame((512, 512), SRC, "blur", faces.of({"faces": kept}))[0]
    face_px = (face[0] * FRAME[0], face[1] * FRAME[1], face[2] * FRAME[0], face[3] * FRAME[1])
    title, caption = boxes
    assert _overlap(title, face_px) == 0 and _overlap(caption, face_px) == 0
    assert _overlap(title, caption) == 0  # both on screen for the first seconds
    assert title[3] <= caption[1]


async def test_a_small_photo_is_named_when_it_arrives(engine: LocalEngine, make_photo: PhotoMaker) -> None:
    sharp = await engine.upload(CHAT, media(make_photo("big.jpg", (1440, 2560))))
    assert sharp.notes == ()
    await engine.upload(CHAT, media(make_photo("b.jpg", (1200, 1600))))
    soft = await engine.upload(CHAT, media(make_photo("small.jpg", (451, 300))))
    assert [say(note, "en") for note in soft.notes] == ["Photo 3 is small (451x300) and will look soft."]
    assert [say(note, "zh_CN") for note in soft.notes] == ["第 3 张照片尺寸较小（451x300），放大后画面会发虚。"]


async def test_the_preview_frame_made_on_arrival_is_the_one_the_preview_reads(
        tmp_path: Path, store: Store, settings: Settings, astronaut: Image.Image,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The faces are part of what the kept preview frame was made with: a preview of a photo with a face still
    reads the frame made when it arrived, and decodes nothing."""
    engine = LocalEngine(settings, store, previews=True)
    try:
        await engine.upload(CHAT, media(_photo(tmp_path, "astronaut.jpg", astronaut)))
        draft = await engine.draft(CHAT)
    finally:
        await engine.aclose()
    meta = model.photos(draft)[0]["m"]
    assert faces.of(meta)

    def no_decoding(*args: object, **kwargs: object) -> object:
        raise AssertionError("a preview decoded a photo")

    monkeypatch.setattr(images, "_open_upright", no_decoding)
    size = images.frame_size(*render.output_size(model.settings(draft), preview=True))
    assert images.cached_yuv(Path(meta["path"]), size, fit="blur", faces=faces.of(meta))


_unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def _face_boxes(draw: st.DrawFn) -> tuple[images.Box, ...]:
    boxes = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        left, top = draw(_unit), draw(_unit)
        size = draw(st.floats(min_value=0.02, max_value=0.4))
        boxes.append((min(left, 1 - size), min(top, 1 - size), min(left, 1 - size) + size, min(top, 1 - size) + size))
    return tuple(boxes)


@settings(max_examples=60, deadline=None)
@given(photo=st.tuples(st.integers(min_value=64, max_value=6000), st.integers(min_value=64, max_value=6000)),
       found=_face_boxes())
def test_a_crop_keeps_every_face_whole_when_they_fit_together(photo: tuple[int, int],
                                                              found: tuple[images.Box, ...]) -> None:
    scale = max(SRC[0] / photo[0], SRC[1] / photo[1])
    seen = (SRC[0] / (photo[0] * scale), SRC[1] / (photo[1] * scale))
    union = faces.union(found)
    assert union is not None
    placed = images.in_frame(photo, SRC, "crop", found)
    if union[2] - union[0] <= seen[0] and union[3] - union[1] <= seen[1]:
        assert len(placed) == len(found)  # none cut away, and none cut by the edge:
        for box, was in zip(placed, found, strict=True):
            assert box[2] - box[0] == pytest.approx((was[2] - was[0]) / seen[0])
            assert box[3] - box[1] == pytest.approx((was[3] - was[1]) / seen[1])
    else:  # the largest (the first) stays whole
        largest = found[0]
        if largest[2] - largest[0] <= seen[0] and largest[3] - largest[1] <= seen[1]:
            assert any(b[2] - b[0] == pytest.approx((largest[2] - largest[0]) / seen[0]) for b in placed)


@settings(max_examples=60, deadline=None)
@given(found=_face_boxes(), kind=st.sampled_from(["zoomin", "zoomout"]))
def test_a_zoom_keeps_a_face_on_screen_that_fits_at_its_closest(found: tuple[images.Box, ...], kind: str) -> None:
    face = found[0]
    motion = Motion(kind, 60, FRAME, SRC, focus=focus_on((face,), FRAME, SRC))
    closest = motion.position(59 if kind == "zoomin" else 0)
    zoom = closest[0] / FRAME[0]
    if (face[2] - face[0]) * zoom <= 1 and (face[3] - face[1]) * zoom <= 1:
        scaled, scaled_h, x, y = closest
        # whole to within the rounding of the crop to whole pixels
        assert face[0] * scaled - x >= -1 and face[2] * scaled - x <= FRAME[0] + 1
        assert face[1] * scaled_h - y >= -1 and face[3] * scaled_h - y <= FRAME[1] + 1
