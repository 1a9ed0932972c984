"""The storyboard: the whole timeline as one picture, so the order is seen at a glance and "swap 3 and 5" is easy
to say. Every photo in order as a thumbnail in a grid, its number large in a corner, its seconds in the other,
its caption and name under it; the title above the grid.

Drawn with Pillow, text with the fonts the local engine ships (`bot.engines.local.text`: Noto Sans SC, KR, JP,
TC), so Chinese titles read as they are written. Sized for a phone and for what Telegram takes as a photo: a
photo is shown scaled to 2560 px on its long side at most (so the board stays under that, and numbers are
drawn large enough to read after scaling), sendPhoto refuses more than 10 MB, width + height over 10000 or a
side ratio over 20. The grid's columns grow with the number of photos so the board keeps a phone's portrait
shape from one photo to the most a video holds.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageDraw, ImageFont, ImageOps

from bot.engines.local.text import assign_fonts, font_chain
from bot.timeline import Board, BoardPhoto

log = logging.getLogger(__name__)

pillow_heif.register_heif_opener()  # photos kept as sent: HEIC from iPhones too

# Telegram's limits for a photo (sendPhoto), and the size it shows a photo at.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_SIDES_SUM = 10_000
MAX_SIDE_RATIO = 20
SHOWN_LONG_SIDE = 2560

WIDTH = 1280  # the board's width once there are three columns or more: a phone shows it about 1:1
MARGIN = 24
GAP = 16
BACKGROUND = (18, 18, 22)
PANEL = (44, 44, 52)
INK = (245, 245, 245)
MUTED = (170, 170, 180)
ACCENT = (255, 196, 0)
BADGE = (0, 0, 0, 170)


@dataclass(frozen=True, slots=True)
class Labels:
    """The words of the board in the reader's language (the caller renders them): the line under the title
    (e.g. "12 photos · 36 s") and the template of a photo's seconds with `{seconds}` in it."""

    heading: str
    seconds: str = "{seconds} s"


def columns(count: int, aspect: tuple[int, int]) -> int:
    """How many thumbnails a row holds: the grid stays portrait-shaped like a phone's screen."""
    if count <= 1:
        return 1
    width, height = aspect
    # Rows ≈ columns × 1.4 on screen: cols² ≈ count × (thumbnail height / width) / 1.4 (wide frames take fewer).
    wanted = math.sqrt(count * (height / width + 0.35) / 1.4)
    cols = max(1, min(count, math.ceil(wanted - 0.15)))
    return math.ceil(count / math.ceil(count / cols))  # as many rows, each as full as it can be: 6×5, not 7+7+7+7+2


def seconds_text(seconds: float) -> str:
    """3, 2.5: whole seconds without a decimal, others to a tenth."""
    return f"{seconds:.0f}" if abs(seconds - round(seconds)) < 0.05 else f"{seconds:.1f}"


# ---------------------------------------------------------------- text


@functools.lru_cache(maxsize=64)
def _face(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is None:
        return ImageFont.load_default(size)
    face = ImageFont.truetype(path, size)
    try:
        face.set_variation_by_name("Bold")
    except (OSError, ValueError):  # a static font: drawn as it is
        pass
    return face


@functools.lru_cache(maxsize=4096)
def _advance(char: str, path: str | None, size: int) -> float:
    return _face(path, size).getlength(char)  # slow on a variable font: asked once per character and size


def _runs_width(runs: list[tuple[str, str | None]], size: int) -> float:
    return sum(_advance(char, path, size) for chars, path in runs for char in chars)


def _cut(text: str, size: int, width: float, lines: int) -> list[list[tuple[str, str | None]]]:
    """`text` in at most `lines` lines of `width` px (by words, by characters where there are no spaces),
    the last one ending in "…" when the text goes on. Characters no font has are left out."""
    runs, _ = assign_fonts(" ".join(text.split()))
    chars = [(char, path) for chunk, path in runs for char in chunk]
    result: list[list[tuple[str, str | None]]] = []
    start = 0
    while start < len(chars) and len(result) < lines:
        end = start
        while end < len(chars) and _runs_width(chars[start:end + 1], size) <= width:
            end += 1
        if end < len(chars) and len(result) < lines - 1:
            space = max((i for i in range(start, end) if chars[i][0] == " "), default=-1)
            if space > start:
                end = space
        if end == start:
            end = start + 1  # one glyph wider than the line: shown clipped rather than never
        line = chars[start:end]
        if end < len(chars) and len(result) == lines - 1:
            while line and _runs_width([*line, ("…", line[-1][1])], size) > width:
                line = line[:-1]
            line = [*line, ("…", line[-1][1] if line else None)]
        result.append(line)
        start = end + 1 if end < len(chars) and chars[end][0] == " " else end
    return result


def _draw_line(draw: ImageDraw.ImageDraw, xy: tuple[float, float], line: list[tuple[str, str | None]], size: int,
               fill: tuple[int, ...]) -> None:
    x, y = xy
    for path, group in itertools.groupby(line, key=lambda cell: cell[1]):
        chars = "".join(char for char, _ in group)
        draw.text((x, y), chars, font=_face(path, size), fill=fill)
        x += sum(_advance(char, path, size) for char in chars)


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, width: float,
          fill: tuple[int, ...], *, lines: int = 1) -> float:
    """Draw `text` wrapped into `width`; returns the height used."""
    x, y = xy
    cut = _cut(text, size, width, lines)
    for line in cut:
        _draw_line(draw, (x, y), line, size, fill)
        y += size * 1.3
    return size * 1.3 * len(cut)


# ---------------------------------------------------------------- pictures


def _thumbnail(photo: BoardPhoto, size: tuple[int, int]) -> Image.Image | None:
    """The photo cut to the frame's shape (as the video fills its frame), or None when it cannot be read."""
    if not photo.path:
        return None
    try:
        with Image.open(photo.path) as image:
            image.draft("RGB", (size[0] * 2, size[1] * 2))  # a JPEG decodes at a fraction of its size: fast
            upright = ImageOps.exif_transpose(image).convert("RGB")
            return ImageOps.fit(upright, size, Image.Resampling.LANCZOS)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.info("storyboard: %s not drawn: %s", photo.name, type(exc).__name__)
        return None


def _badge(canvas: Image.Image, xy: tuple[int, int], text: str, size: int, *, right: bool = False) -> None:
    """A number or the seconds on a dark rounded patch over the photo, readable on any picture."""
    chain = font_chain()
    face = _face(chain[0] if chain else None, size)
    width = face.getlength(text)
    pad = size * 0.35
    box_w, box_h = width + 2 * pad, size * 1.35
    x = xy[0] - box_w if right else xy[0]
    patch = Image.new("RGBA", (math.ceil(box_w), math.ceil(box_h)), (0, 0, 0, 0))
    ImageDraw.Draw(patch).rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=box_h / 3, fill=BADGE)
    canvas.alpha_composite(patch, (round(x), round(xy[1])))
    ImageDraw.Draw(canvas).text((x + pad, xy[1] + box_h / 2), text, font=face, fill=INK, anchor="lm")


def draw(board: Board, labels: Labels) -> Image.Image:
    """The storyboard of `board` (see the module)."""
    count = len(board.photos)
    cols = columns(count, board.aspect)
    rows = max(1, math.ceil(count / cols))
    width = WIDTH if cols >= 3 else 720 if cols == 2 else 600
    tile_w = (width - 2 * MARGIN - (cols - 1) * GAP) // cols
    frame_w, frame_h = board.aspect
    thumb_h = round(tile_w * frame_h / frame_w)
    small = max(18, min(30, tile_w // 8))
    number_size = max(30, min(72, tile_w // 4))
    under = round(small * 1.3 * 3 + 8)  # name, then a caption on up to two lines

    title_size = 52 if width >= 1000 else 44
    # The title block keeps its size: the cloud may call every text on its timeline a title, and they share it.
    titles = [" · ".join(f"“{t.text}”" for t in board.titles)] if board.titles else []
    header = MARGIN + len(titles) * round(title_size * 1.3 * 2) + round(30 * 1.3) + GAP
    height = header + rows * (thumb_h + under + GAP) + MARGIN
    canvas = Image.new("RGBA", (width, height), BACKGROUND)
    pen = ImageDraw.Draw(canvas)

    y = float(MARGIN)
    for title in titles:
        y += _text(pen, (MARGIN, y), title, title_size, width - 2 * MARGIN, ACCENT, lines=2)
    y += _text(pen, (MARGIN, y), labels.heading, 30, width - 2 * MARGIN, MUTED)

    for index, photo in enumerate(board.photos):
        row, col = divmod(index, cols)
        x0 = MARGIN + col * (tile_w + GAP)
        y0 = header + row * (thumb_h + under + GAP)
        picture = _thumbnail(photo, (tile_w, thumb_h))
        if picture is None:
            pen.rectangle((x0, y0, x0 + tile_w - 1, y0 + thumb_h - 1), fill=PANEL)
            _text(pen, (x0 + 8, y0 + thumb_h / 2), photo.name, small, tile_w - 16, MUTED, lines=2)
        else:
            canvas.paste(picture, (x0, y0))
        inset = max(6, tile_w // 30)
        _badge(canvas, (x0 + inset, y0 + inset), str(photo.number), number_size)
        seconds = labels.seconds.format(seconds=seconds_text(photo.seconds))
        _badge(canvas, (x0 + tile_w - inset, y0 + thumb_h - inset - round(small * 1.35)), seconds, small,
               right=True)
        line_y = y0 + thumb_h + 6
        if photo.caption:
            line_y += _text(pen, (x0, line_y), f"“{photo.caption}”", small, tile_w, INK, lines=2)
        _text(pen, (x0, line_y), photo.name, small, tile_w, MUTED)
    board_image = canvas.convert("RGB")
    if max(board_image.size) > SHOWN_LONG_SIDE:  # more photos than a video here holds (the cloud's): shown whole
        board_image.thumbnail((SHOWN_LONG_SIDE, SHOWN_LONG_SIDE), Image.Resampling.LANCZOS)
    return board_image


def fits_telegram(width: int, height: int, size: int) -> bool:
    """Whether Telegram's sendPhoto takes a picture this size (bytes) and shape."""
    return (size <= MAX_PHOTO_BYTES and width + height <= MAX_SIDES_SUM
            and max(width, height) <= MAX_SIDE_RATIO * min(width, height))


def encode(image: Image.Image) -> bytes:
    """PNG (sharp text), or a JPEG when photographs make the PNG too heavy for a photo message."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # twice as fast as the default, a tenth larger
    if buffer.tell() <= MAX_PHOTO_BYTES // 2:  # half the limit: a board is seen on a phone, sent quickly
        return buffer.getvalue()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, subsampling=0)
    return buffer.getvalue()


def save(board: Board, labels: Labels, folder: Path, stem: str) -> Path:
    """Draw the board and write it into `folder` (`stem`.png or .jpg); blocking, run it in a thread."""
    data = encode(draw(board, labels))
    suffix = ".png" if data.startswith(b"\x89PNG") else ".jpg"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}{suffix}"
    path.write_bytes(data)
    return path
