"""The storyboard and the timeline view under it: every photo in order with its number and seconds, titles and
captions apart, from the local engine's draft and the cloud's alike; a picture Telegram takes as a photo and a
phone shows readably, from one photo to the most a video holds."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from bot import storyboard, timeline
from bot.engines.local import model
from bot.engines.local.text import assign_fonts
from tests.fakes.sample_media import PHOTOGRAPHS, photograph_jpeg

LABELS = storyboard.Labels(heading="heading", seconds="{seconds} s")


def photographs(folder: Path, count: int) -> list[Path]:
    """`count` real photographs (scikit-image's samples, in turn) and, every fifth, a drawn picture."""
    paths = []
    for index in range(count):
        path = folder / f"photo{index + 1}.jpg"
        if index % 5 == 4:
            drawn = Image.new("RGB", (720, 1280), (30 * (index % 8), 90, 160))
            ImageDraw.Draw(drawn).ellipse((100, 300, 620, 820), fill=(240, 200, 40))
            drawn.save(path, quality=90)
        else:
            path.write_bytes(photograph_jpeg(PHOTOGRAPHS[index % len(PHOTOGRAPHS)]))
        paths.append(path)
    return paths


def local_draft(paths: list[Path], **conf: object) -> dict:
    segments = [{"id": f"p{i}", "m": {"name": p.name, "path": str(p)}} for i, p in enumerate(paths)]
    return model.layout(segments, {**model.DEFAULTS, **conf})


def test_the_local_draft_gives_each_photo_its_number_and_the_seconds_it_is_on_screen(tmp_path: Path) -> None:
    paths = photographs(tmp_path, 4)
    draft = local_draft(paths, title="夏天", per_photo_ms=2500)
    segments = model.photos(draft)
    segments[2]["m"]["caption"] = "你好，罗马"
    board = timeline.board(model.layout(segments, model.settings(draft)))
    assert [p.number for p in board.photos] == [1, 2, 3, 4]
    assert [p.name for p in board.photos] == ["photo1.jpg", "photo2.jpg", "photo3.jpg", "photo4.jpg"]
    # transitions overlap the clips; the seconds a photo is *the* picture still add up to the video's length
    assert [round(p.seconds, 1) for p in board.photos] == [2.5, 2.5, 2.5, 2.5]
    assert round(sum(p.seconds for p in board.photos), 1) == board.seconds == 10
    assert board.photos[2].caption == "你好，罗马" and board.photos[0].path == str(paths[0])
    assert [(t.kind, t.text) for t in board.texts] == [("title", "夏天"), ("caption", "你好，罗马")]
    assert board.captions[0].photo == 3 and board.aspect == (9, 16)


def test_the_clouds_draft_gives_the_same_view() -> None:
    draft = {
        "t": [
            {"tt": 0, "sg": [{"id": f"v{i}", "st": 3000 * i, "d": 3000,
                              "m": {"name": f"IMG_{i}.jpg", "url": f"https://cdn/{i}.jpg"}} for i in range(6)]},
            {"tt": 1, "sg": [{"id": "a0", "st": 0, "d": 18000, "m": {"name": "Lo-fi", "volume": 0.35}}]},
            {"tt": 7, "sg": [{"id": "t0", "st": 0, "d": 3000, "m": {"text": "My TikTok"}}]},
        ],
        "m": {"width": 1080, "height": 1920},
    }
    board = timeline.board(draft)
    assert [p.name for p in board.photos] == [f"IMG_{i}.jpg" for i in range(6)]  # all six, not four and "+2"
    assert [p.seconds for p in board.photos] == [3.0] * 6 and board.photos[5].url == "https://cdn/5.jpg"
    assert [t.text for t in board.titles] == ["My TikTok"] and str(board.music) == "Lo-fi (0-18s, 35%)"
    assert board.seconds == 18 and board.aspect == (1080, 1920)


@pytest.mark.parametrize("draft", [None, {}, {"t": 5}, {"t": [{"tt": 0, "sg": [{"d": "x"}, {"m": 3}]}]}])
def test_an_odd_draft_makes_an_empty_board_not_an_error(draft: object) -> None:
    assert timeline.board(draft).photos == ()


def shown_on_a_phone(image: Image.Image) -> float:
    """The scale a phone shows a photo at: Telegram keeps it at most 2560 px long, the screen is ~1080 wide."""
    return min(1.0, 2560 / max(image.size)) * min(1.0, 1080 / image.width)


@pytest.mark.parametrize("count", [1, model.MAX_PHOTOS])
def test_the_storyboard_is_a_photo_telegram_takes_and_a_phone_can_read(tmp_path: Path, count: int) -> None:
    board = timeline.board(local_draft(photographs(tmp_path, count), title="夏天的回忆 Summer"))
    image = storyboard.draw(board, LABELS)
    data = storyboard.encode(image)
    assert storyboard.fits_telegram(image.width, image.height, len(data))
    assert max(image.size) <= storyboard.SHOWN_LONG_SIDE  # Telegram does not shrink it before a phone does
    assert image.height >= image.width  # a phone's shape, from one photo to thirty
    cols = storyboard.columns(count, board.aspect)
    rows = -(-count // cols)
    assert cols * rows >= count and (cols - 1) * rows < count  # no empty column
    number_px = max(30, min(72, ((image.width - 2 * storyboard.MARGIN) // cols) // 4))
    assert number_px * shown_on_a_phone(image) >= 24  # a number on screen at least as tall as body text
    assert Image.open(io.BytesIO(data)).size == image.size


def test_each_thumbnail_is_its_own_photo_in_timeline_order(tmp_path: Path) -> None:
    colours = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (230, 230, 30)]
    paths = []
    for index, colour in enumerate(colours):
        paths.append(tmp_path / f"c{index}.png")
        Image.new("RGB", (720, 1280), colour).save(paths[-1])
    board = timeline.board(local_draft([paths[2], paths[0], paths[3], paths[1]]))
    image = storyboard.draw(board, LABELS)
    cols = storyboard.columns(4, board.aspect)
    tile = (image.width - 2 * storyboard.MARGIN - (cols - 1) * storyboard.GAP) // cols
    thumb_h = tile * 16 // 9
    header = min(y for y in range(image.height) if image.getpixel((storyboard.MARGIN + tile // 2, y)) != (18, 18, 22)
                 and y > 60)
    seen = []
    for index in range(4):
        row, col = divmod(index, cols)
        x = storyboard.MARGIN + col * (tile + storyboard.GAP) + tile // 2
        y = header + row * (image.height - header - storyboard.MARGIN) // (-(-4 // cols)) + thumb_h // 2
        seen.append(image.getpixel((x, y)))
    assert [min(range(4), key=lambda i, px=px: sum(abs(a - b) for a, b in zip(colours[i], px, strict=True)))
            for px in seen] == [2, 0, 3, 1]


def test_a_chinese_title_is_drawn_with_the_shipped_fonts(tmp_path: Path) -> None:
    assert assign_fonts("夏天的回忆，你好")[1] == ""  # no character left out
    paths = photographs(tmp_path, 2)
    plain = storyboard.draw(timeline.board(local_draft(paths)), LABELS)
    titled = storyboard.draw(timeline.board(local_draft(paths, title="夏天的回忆")), LABELS)
    header = titled.crop((0, 0, titled.width, 90))
    red, green, blue = (band.point(lambda v, lo=lo, hi=hi: 255 if lo <= v <= hi else 0) for band, lo, hi in
                        zip(header.split(), (201, 151, 0), (255, 255, 79), strict=True))
    accent = ImageChops.multiply(ImageChops.multiply(red, green), blue).histogram()[255]
    assert accent > 500 and titled.height > plain.height  # the title's strokes, in its own line above the grid


def test_a_photo_that_cannot_be_read_is_a_named_tile(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not a jpeg")
    board = timeline.board(local_draft([broken, tmp_path / "gone.jpg"]))
    assert storyboard.draw(board, LABELS).size[0] > 0


def test_a_cloud_timeline_with_many_photos_and_texts_still_fits(tmp_path: Path) -> None:
    """The cloud holds more photos than the local engine, and may call every text a title."""
    picture = tmp_path / "small.jpg"
    Image.new("RGB", (180, 320), (200, 90, 40)).save(picture)
    draft = {"t": [
        {"tt": 0, "sg": [{"st": 2000 * i, "d": 2000, "m": {"name": f"IMG_{i}.jpg", "path": str(picture)}}
                         for i in range(100)]},
        {"tt": 7, "sg": [{"st": 2000 * i, "d": 2000, "m": {"text": f"第{i}段 text"}} for i in range(8)]},
    ]}
    image = storyboard.draw(timeline.board(draft), LABELS)
    assert max(image.size) <= storyboard.SHOWN_LONG_SIDE
    assert storyboard.fits_telegram(image.width, image.height, len(storyboard.encode(image)))
