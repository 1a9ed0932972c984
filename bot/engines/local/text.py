"""Titles and captions drawn with Pillow into small RGBA PNGs, placed inside the TikTok safe box.

Pillow (FreeType) draws any Unicode a font covers, so text never goes through ffmpeg's drawtext and its
escaping rules. The safe box is x 120-888, y 288-1248 of a 1080x1920 frame (TikTok's own buttons and caption
cover the rest), scaled for other sizes; the text image is placed at even coordinates rounded *inwards*, so
not one drawn pixel leaves the box at any size.

Fonts: Noto Sans SC, KR, JP and TC (OFL, variable fonts set to their Bold instance) from the
`justmytype-intl-cjk` wheel. Every character is drawn with the first of them that has a glyph for it (SC, then
KR for Hangul, then JP, then TC; a run keeps its font while that font has the next character, so Korean
punctuation stays Korean), read from each font's own `cmap` table. They share one design for Latin, Greek and
Cyrillic, so mixed titles look like one font. A character none of them has (emoji, Arabic, Thai, ...) is not
drawn as a tofu box: it is left out and listed in `Placed.dropped`, so the caller can say so. Only if the
package is missing are fonts looked for on the machine (Noto CJK/Source Han/WenQuanYi/PingFang/Microsoft YaHei,
then DejaVu/Arial), then Pillow's own.

Fitting: the text is wrapped (by words, by characters for Chinese/Japanese, and inside a word too long for a
line) and shrunk until it fits the box in at most 4 lines; at the smallest size (14 px at 1080 wide, in
proportion for other sizes) it may take as many lines as the box holds, and what still does not fit is cut
with "…" and reported in `Placed.truncated`.
"""

from __future__ import annotations

import bisect
import functools
import importlib.resources
import logging
import math
import shutil
import struct
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

SAFE_BOX_1080x1920 = (120, 288, 888, 1248)  # left, top, right, bottom
MAX_LINES = 4  # the look wanted; only at the smallest size may text take more lines
ELLIPSIS = "…"
_BUNDLED = ("notosanssc/NotoSansSC[wght].ttf", "notosanskr/NotoSansKR[wght].ttf",
            "notosansjp/NotoSansJP[wght].ttf", "notosanstc/NotoSansTC[wght].ttf")
_CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSansCN-Bold.otf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyhbd.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
_LATIN_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/Library/Fonts/Arial Bold.ttf",
    "C:/Windows/Fonts/arialbd.ttf",
)
# Invisible when alone (joiners, variation selectors, combining marks, controls): left out without a word
_SILENT = ("Cc", "Cf", "Mn", "Me")

Face = ImageFont.FreeTypeFont | ImageFont.ImageFont


def safe_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The safe box scaled from 1080x1920 to the output; for landscape outputs the same proportions hold."""
    left, top, right, bottom = SAFE_BOX_1080x1920
    return (round(left * width / 1080), round(top * height / 1920),
            round(right * width / 1080), round(bottom * height / 1920))


def even_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The safe box with each edge rounded inwards to an even coordinate (yuv420p places text on even pixels)."""
    left, top, right, bottom = safe_box(width, height)
    return left + left % 2, top + top % 2, right - right % 2, bottom - bottom % 2


# ---------------------------------------------------------------- fonts and coverage


@functools.lru_cache(maxsize=1)
def _bundled_font_paths() -> tuple[str, ...]:
    """Noto Sans SC, KR, JP, TC from the justmytype-intl-cjk wheel (those present), in fallback order."""
    try:
        root = importlib.resources.files("justmytype_intl_cjk") / "fonts/ofl"
    except ModuleNotFoundError:
        return ()
    return tuple(str(root / name) for name in _BUNDLED if (root / name).is_file())


@functools.lru_cache(maxsize=1)
def _cjk_font_path() -> str | None:
    for candidate in _CJK_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    if shutil.which("fc-list"):
        try:
            found = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=5,
                                   check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        for line in found.splitlines():
            path = line.split(":", 1)[0].strip()
            if path and Path(path).is_file():
                return path
    return None


@functools.lru_cache(maxsize=1)
def _latin_font_path() -> str | None:
    return next((c for c in _LATIN_CANDIDATES if Path(c).is_file()), None)


@functools.lru_cache(maxsize=1)
def font_chain() -> tuple[str, ...]:
    """The font files tried for each character, in order (empty: only Pillow's built-in font is left)."""
    bundled = _bundled_font_paths()
    if bundled:
        return bundled
    log.warning("justmytype-intl-cjk is not installed: using the machine's fonts, some text may be left out")
    return tuple(p for p in (_cjk_font_path(), _latin_font_path()) if p)


class Coverage:
    """The code points a font maps to a glyph, as sorted ranges (read from its cmap table; no fontTools)."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def __contains__(self, char: str) -> bool:
        code = ord(char)
        i = bisect.bisect_right(self._starts, code) - 1
        return i >= 0 and code <= self._ends[i]


def _cmap_ranges(data: bytes) -> list[tuple[int, int]]:
    """Ranges from a cmap table: a format 12 subtable (full Unicode) if there is one, else format 4 (BMP)."""
    count = struct.unpack_from(">H", data, 2)[0]
    subtables = [struct.unpack_from(">HHI", data, 4 + 8 * i) for i in range(count)]
    by_format: dict[int, int] = {}
    for platform, encoding, offset in subtables:
        unicode = platform == 0 or (platform == 3 and encoding in (1, 10))
        fmt = struct.unpack_from(">H", data, offset)[0]
        if unicode and fmt in (4, 12):
            by_format.setdefault(fmt, offset)
    if 12 in by_format:
        offset = by_format[12]
        groups = struct.unpack_from(">I", data, offset + 12)[0]
        ranges = []
        for i in range(groups):
            start, end, glyph = struct.unpack_from(">III", data, offset + 16 + 12 * i)
            if glyph == 0:  # the first code maps to .notdef
                start += 1
            if start <= end:
                ranges.append((start, end))
        return ranges
    if 4 not in by_format:
        return []
    offset = by_format[4]
    segments = struct.unpack_from(">H", data, offset + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", data, offset + 14)
    starts = struct.unpack_from(f">{segments}H", data, offset + 16 + 2 * segments)
    range_at = offset + 16 + 6 * segments
    range_offsets = struct.unpack_from(f">{segments}H", data, range_at)
    ranges = []
    for i in range(segments):
        start, end = starts[i], ends[i]
        if start == 0xFFFF:
            continue
        if range_offsets[i] == 0:
            ranges.append((start, end))
            continue
        for code in range(start, end + 1):
            at = range_at + 2 * i + range_offsets[i] + 2 * (code - start)
            if at + 2 <= len(data) and struct.unpack_from(">H", data, at)[0]:
                ranges.append((code, code))
    return ranges


@functools.lru_cache(maxsize=8)
def coverage(path: str) -> Coverage:
    """Which characters the font file (TTF/OTF, or the first font of a TTC) has glyphs for."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
            if head[:4] == b"ttcf":
                handle.seek(12)
                handle.seek(struct.unpack(">I", handle.read(4))[0])
                head = handle.read(12)
            tables = struct.unpack_from(">H", head, 4)[0]
            directory = handle.read(16 * tables)
            for i in range(tables):
                tag, _, offset, length = struct.unpack_from(">4sIII", directory, 16 * i)
                if tag == b"cmap":
                    handle.seek(offset)
                    return Coverage(_cmap_ranges(handle.read(length)))
    except (OSError, struct.error) as exc:
        log.warning("could not read the character map of %s: %s", path, exc)
    return Coverage([])


_ASCII = Coverage([(0x20, 0x7E)])


def _bold(face: ImageFont.FreeTypeFont) -> ImageFont.FreeTypeFont:
    """Set a variable font to its Bold instance (or weight 700); a static font is returned as is."""
    try:
        face.set_variation_by_name("Bold")
    except (OSError, ValueError):  # not a variable font, or no instance named Bold
        try:
            axes = face.get_variation_axes()
            face.set_variation_by_axes([700 if a.get("name") == b"Weight" else a["default"] for a in axes])
        except (OSError, ValueError, KeyError):
            pass
    return face


@functools.lru_cache(maxsize=64)
def _face(path: str | None, size: int) -> Face:
    if path is None:
        return ImageFont.load_default(size)
    return _bold(ImageFont.truetype(path, size))


def font(size: int) -> Face:
    """The first font of the chain (the bundled Noto Sans SC) in Bold at `size` px."""
    chain = font_chain()
    return _face(chain[0] if chain else None, size)


def _covers(path: str | None) -> Coverage:
    return coverage(path) if path else _ASCII


def assign_fonts(text: str) -> tuple[list[tuple[str, str | None]], str]:
    """Split `text` into runs of (characters, font path) and return them with the characters no font has.

    A run keeps its font while that font has the next character (spaces and punctuation inside Korean text
    stay in the Korean font); otherwise the first font of the chain that has it starts a new run. Newlines are
    kept as their own runs. Characters no font has are left out; the visible ones are returned, each once.
    """
    chain: tuple[str | None, ...] = font_chain() or (None,)
    runs: list[tuple[str, str | None]] = []
    dropped: list[str] = []
    current: str | None = None
    buffer: list[str] = []
    for char in text:
        if char == "\n":
            if buffer:
                runs.append(("".join(buffer), current))
                buffer = []
            runs.append(("\n", current))
            continue
        previous = buffer[-1] if buffer else runs[-1][0][-1:] if runs else ""
        if char == " " and previous in ("", " ", "\n"):
            continue  # no double spaces where a character was left out
        if buffer and char in _covers(current):
            buffer.append(char)
            continue
        path = next((p for p in chain if char in _covers(p)), "")
        if path == "":
            if unicodedata.category(char) not in _SILENT and char not in dropped:
                dropped.append(char)
            continue
        if buffer and path != current:
            runs.append(("".join(buffer), current))
            buffer = []
        current = path
        buffer.append(char)
    if buffer:
        runs.append(("".join(buffer), current))
    return runs, "".join(dropped)


# ---------------------------------------------------------------- layout


Run = tuple[str, str | None]  # characters and the font file that draws them


@functools.lru_cache(maxsize=8192)
def _advance(chars: str, path: str | None, size: int) -> float:
    return _face(path, size).getlength(chars)


@dataclass(slots=True)
class _Line:
    runs: list[Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.runs)

    def add(self, chars: str, path: str | None) -> None:
        if self.runs and self.runs[-1][1] == path:
            self.runs[-1] = (self.runs[-1][0] + chars, path)
        else:
            self.runs.append((chars, path))

    def width(self, size: int) -> float:
        return sum(_advance(chars, path, size) for chars, path in self.runs)

    def stripped(self) -> _Line:
        runs = [run for run in self.runs if run[0]]
        while runs and not runs[-1][0].rstrip(" "):
            runs.pop()
        if runs:
            runs[-1] = (runs[-1][0].rstrip(" "), runs[-1][1])
        while runs and not runs[0][0].lstrip(" "):
            runs.pop(0)
        if runs:
            runs[0] = (runs[0][0].lstrip(" "), runs[0][1])
        return _Line(runs)


def _breakable(char: str) -> bool:
    """A line may break after this character with no space: CJK ideographs, kana, Hangul, full-width forms."""
    return ("\u2e80" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af" or "\uf900" <= char <= "\ufaff"
            or "\uff00" <= char <= "\uffef" or "\U00020000" <= char <= "\U0003ffff")


def _tokens(runs: list[Run]) -> list[list[Run]]:
    """Units that wrap as a whole: a word with its trailing space, each CJK character, each newline."""
    tokens: list[list[Run]] = []
    current: list[Run] = []
    for chars, path in runs:
        for char in chars:
            if char == "\n" or _breakable(char):
                if current:
                    tokens.append(current)
                tokens.append([(char, path)])
                current = []
                continue
            current.append((char, path))
            if char == " ":
                tokens.append(current)
                current = []
    if current:
        tokens.append(current)
    return tokens


def _wrap(runs: list[Run], size: int, max_width: float, limit: int) -> tuple[list[_Line], bool]:
    """Greedy wrap into at most `limit` lines (True: text was left over); a word wider than a whole line is
    broken between its characters. Widths add up character advances (kerning only ever narrows a line much)."""
    lines: list[list[Run]] = [[]]
    used = [0.0]  # each line's width including its trailing space
    trail = [0.0]  # the width of that trailing space

    def put(pieces: list[Run], width: float, space: float) -> None:
        lines[-1].extend(pieces)
        used[-1] += width
        trail[-1] = space

    def new_line() -> bool:
        lines.append([])
        used.append(0.0)
        trail.append(0.0)
        return len(lines) > limit

    for token in _tokens(runs):
        if token[0][0] == "\n":
            if new_line():
                break
            continue
        width = sum(_advance(char, path, size) for char, path in token)
        space = _advance(" ", token[-1][1], size) if token[-1][0] == " " else 0.0
        if used[-1] + width - space <= max_width:
            put(token, width, space)
        elif lines[-1] and width - space <= max_width:
            if new_line():
                break
            put(token, width, space)
        else:  # too wide even alone: one character at a time
            for char, path in token:
                advance = _advance(char, path, size)
                if lines[-1] and used[-1] + advance - (advance if char == " " else 0.0) > max_width and new_line():
                    break
                put([(char, path)], advance, advance if char == " " else 0.0)
            if len(lines) > limit:
                break
    more = len(lines) > limit
    kept = []
    for pieces in lines[:limit]:
        line = _Line()
        for char, path in pieces:
            line.add(char, path)
        kept.append(line.stripped())
    return kept, more


def _ellipsize(line: _Line, size: int, max_width: float) -> _Line:
    """`line` cut so that it ends with "…" (or "..." in a font without it) and fits `max_width`."""
    chain = font_chain() or (None,)
    path = next((p for p in chain if ELLIPSIS in _covers(p)), None)
    mark = ELLIPSIS
    if path is None:
        mark, path = "...", next((p for p in chain if "." in _covers(p)), chain[0])
    runs = list(line.runs)
    while True:
        trial = _Line(list(runs))
        trial.add(mark, path)
        if trial.width(size) <= max_width or not runs:
            return trial
        chars, run_path = runs[-1]
        chars = chars[:-1].rstrip(" ")
        if chars:
            runs[-1] = (chars, run_path)
        else:
            runs.pop()


@dataclass(frozen=True, slots=True)
class _Layout:
    lines: list[_Line]
    size: int
    stroke: int
    shadow: int
    margin: int  # from the image edge to the text: shadow, outline and overhang room
    spacing: int
    ascent: int
    line_height: int
    width: int  # of the image
    height: int
    truncated: bool


def _layout(lines: list[_Line], size: int, truncated: bool) -> _Layout:
    stroke, shadow = max(1, size // 14), max(1, size // 20)
    margin = 2 * stroke + shadow + 2
    primary = _face((font_chain() or (None,))[0], size)
    ascent, descent = primary.getmetrics() if isinstance(primary, ImageFont.FreeTypeFont) else (size, size // 4)
    spacing = size // 4
    text_w = max((line.width(size) for line in lines), default=0)
    text_h = (ascent + descent) * len(lines) + spacing * (len(lines) - 1)
    return _Layout(lines, size, stroke, shadow, margin, spacing, ascent, ascent + descent,
                   math.ceil(text_w) + 2 * margin, text_h + 2 * margin, truncated)


def _fit(runs: list[Run], box_w: int, box_h: int, start: int, floor: int) -> _Layout:
    """The largest size (from `start`, down by 15 % steps to `floor`) at which the wrapped text fits the box in
    at most MAX_LINES lines; at `floor`, as many lines as the box holds, the last one cut with "…" if the text
    is longer still."""
    size = start
    while True:
        empty = _layout([], size, False)
        max_width = box_w - 2 * empty.margin
        room = max(1, (box_h - 2 * empty.margin + empty.spacing) // (empty.line_height + empty.spacing))
        lines, more = _wrap(runs, size, max_width, room if size <= floor else min(room, MAX_LINES))
        layout = _layout(lines, size, False)
        if not more and layout.width <= box_w and layout.height <= box_h:
            return layout
        if size <= floor:
            break
        size = max(floor, int(size * 0.85))
    if more:
        lines = [*lines[:-1], _ellipsize(lines[-1], size, max_width)]
    return _layout(lines, size, more)


def _fit_frame(runs: list[Run], frame: tuple[int, int], kind: str) -> _Layout:
    """`_fit` with the sizes for a title or caption in `frame`'s safe box."""
    left, top, right, bottom = even_box(*frame)
    box_w, box_h = right - left, bottom - top
    title = kind == "title"
    raw_left, _, raw_right, _ = safe_box(*frame)
    scale = (raw_right - raw_left) / 768  # the size rules are made for the 768-px box of a 1080x1920 frame
    # a caption starts at ~68 px on a 1080-wide frame (it was ~54): read on a phone held at arm's length
    start = max(8, round(min(box_w * (0.1 if title else 0.088), box_h * (0.12 if title else 0.1))))
    floor = min(start, max(7, round(14 * scale)))
    return _fit(runs, box_w, box_h, start, floor)


@dataclass(frozen=True, slots=True)
class Placed:
    """A text image and where its top-left corner goes in the output frame.

    `dropped`: the characters that no bundled font can draw (emoji, Arabic, ...), each once, in order of
    appearance; they were left out instead of drawn as boxes. `truncated`: the text did not fit the safe box
    even at the smallest size and was cut with "…". `lines`: the text as drawn, one string per line.
    """

    path: Path
    x: int
    y: int
    width: int
    height: int
    dropped: str = ""
    truncated: bool = False
    lines: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.dropped and not self.truncated

    def area(self, frame: tuple[int, int]) -> tuple[float, float, float, float]:
        """Where it is drawn, as fractions of `frame` (left, top, right, bottom)."""
        return (self.x / frame[0], self.y / frame[1], (self.x + self.width) / frame[0],
                (self.y + self.height) / frame[1])


# Where in the safe box each position puts the text (0 its top edge, 1 its bottom), and the band it may be
# nudged within to clear a face: each stays in its own half ("upper", a title nobody placed, in the upper
# half, which leaves the lower one to the captions).
PLACES: dict[str, tuple[float, tuple[float, float]]] = {
    "upper": (1 / 6, (0.0, 0.5)),
    "top": (0.0, (0.0, 0.5)),
    "center": (0.5, (0.25, 0.75)),
    "bottom": (1.0, (0.5, 1.0)),
}
FACE_MARGIN = 0.01  # of the frame's height kept clear around a head
# A face box runs from the brows to the chin: the head it belongs to reaches further (hair above, ears aside),
# as fractions of the box's own height and width.
HEAD_ABOVE, HEAD_BELOW, HEAD_ASIDE = 0.45, 0.1, 0.1
HARD = 25.0  # how many times a pixel of face (or of other text) counts against one of hair


def place_y(top: int, bottom: int, height: int, frame: tuple[int, int], x: tuple[int, int], position: str,
            avoid: tuple[tuple[float, float, float, float], ...],
            taken: tuple[tuple[float, float, float, float], ...] = ()) -> int:
    """The even top edge for text `height` px tall spanning columns `x` between safe edges `top` and `bottom`:
    at the position's place, moved the least within its band to cover nothing of `avoid` (faces, as fractions
    of the frame, with the head around each) nor of `taken` (other text on screen at the same time). When
    every place in the band covers something, the one covering least, where a face or a text counts many
    times more than hair: a line over the top of a head reads better than one across the eyes."""
    lowest, highest = top, bottom - height
    highest -= highest % 2
    wanted, (first, last) = PLACES.get(position, PLACES["center"])
    span = highest - lowest
    preferred = lowest + round(span * wanted)
    band = (lowest + math.ceil(span * first), lowest + int(span * last))
    width, frame_h = frame
    pad = FACE_MARGIN * frame_h
    rects: list[tuple[float, float, float, float, float]] = []  # left, top, right, bottom, weight
    for left, top_, right, bottom_ in avoid:
        w, h = (right - left) * width, (bottom_ - top_) * frame_h
        rects.append((left * width, top_ * frame_h, right * width, bottom_ * frame_h, HARD))
        rects.append((left * width - HEAD_ASIDE * w, top_ * frame_h - HEAD_ABOVE * h - pad,
                      right * width + HEAD_ASIDE * w, bottom_ * frame_h + HEAD_BELOW * h + pad, 1.0))
    for left, top_, right, bottom_ in taken:
        rects.append((left * width, top_ * frame_h - pad, right * width, bottom_ * frame_h + pad, HARD))
    rects = [r for r in rects if r[0] < x[1] and x[0] < r[2]]  # only what is in the text's columns matters

    def covered(y: int) -> float:
        return sum(max(0.0, min(y + height, r[3]) - max(y, r[1])) * (min(x[1], r[2]) - max(x[0], r[0])) * r[4]
                   for r in rects)

    start = band[0] + band[0] % 2
    candidates = range(start, max(band[1], start) + 1, 2)
    best = min(candidates, key=lambda y: (covered(y), abs(y - preferred)))
    return best - best % 2


def render_text(text: str, out: Path, frame: tuple[int, int], *, position: str, kind: str,
                laid_out_for: tuple[int, int] | None = None,
                avoid: tuple[tuple[float, float, float, float], ...] = (),
                taken: tuple[tuple[float, float, float, float], ...] = ()) -> Placed:
    """Draw `text` (white, dark outline, soft shadow) so that every drawn pixel lies inside the safe box, and
    over none of the faces in `avoid` nor the other text in `taken` (fractions of the frame) when its place
    allows (see `place_y`).

    `laid_out_for`: the frame whose layout to draw, scaled to `frame` (a preview passes its export's): the same
    lines, broken and cut short in the same places, so the preview shows the export's text and its notes say
    what the export's will. Laid out at its own small size, a long text would be cut where the export's is not
    (small fonts measure relatively wider).
    """
    width, height = frame
    left, top, right, bottom = even_box(width, height)
    box_w, box_h = right - left, bottom - top
    clean = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\t", " ")).strip()
    runs, dropped = assign_fonts(clean)
    layout = _fit_frame(runs, laid_out_for or frame, kind)
    if laid_out_for and laid_out_for != frame:
        lay_left, _, lay_right, _ = even_box(*laid_out_for)
        size = max(1, int(layout.size * box_w / (lay_right - lay_left)))
        scaled = _layout(list(layout.lines), size, layout.truncated)
        # small sizes measure relatively wider (hinting): a pixel smaller rather than a line cut at the edge
        while (scaled.width > box_w or scaled.height > box_h) and size > 1:
            size -= 1
            scaled = _layout(list(layout.lines), size, layout.truncated)
        layout = scaled
    image = Image.new("RGBA", (max(2, layout.width), max(2, layout.height)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    size, stroke, shadow = layout.size, layout.stroke, layout.shadow
    origin = layout.margin
    passes = (((shadow, shadow), (0, 0, 0, 110), stroke, (0, 0, 0, 110)),
              ((0, 0), (20, 20, 20, 255), stroke, (20, 20, 20, 255)),
              ((0, 0), (255, 255, 255, 255), 0, None))
    for (dx, dy), fill, stroke_width, stroke_fill in passes:  # shadow, then every outline, then every fill
        for i, line in enumerate(layout.lines):
            x = origin + (layout.width - 2 * origin - line.width(size)) / 2 + dx
            baseline = origin + i * (layout.line_height + layout.spacing) + layout.ascent + dy
            for chars, path in line.runs:
                face = _face(path, size)
                draw.text((x, baseline), chars, font=face, fill=fill, anchor="ls", stroke_width=stroke_width,
                          stroke_fill=stroke_fill)
                x += face.getlength(chars)
    bbox = image.getchannel("A").getbbox()  # trim to the ink (plus the 1-px margin yuv420p needs)
    if bbox:
        x0, y0 = max(0, bbox[0] - 1), max(0, bbox[1] - 1)
        x1, y1 = min(image.width, bbox[2] + 1), min(image.height, bbox[3] + 1)
        image = image.crop((x0 - x0 % 2, y0 - y0 % 2, x1 + x1 % 2, y1 + y1 % 2))
    if image.width > box_w or image.height > box_h:  # cannot happen by construction; never draw outside
        image = image.crop((0, 0, min(image.width, box_w), min(image.height, box_h)))
    image.save(out, format="PNG", compress_level=1)
    x = left + (box_w - image.width) // 2
    x -= x % 2
    y = place_y(top, bottom, image.height, frame, (x, x + image.width), position, avoid, taken)
    # even coordinates, rounded towards the box's inside: left/top edges are even, so rounding down stays in
    return Placed(out, x - x % 2, y - y % 2, image.width, image.height, dropped=dropped,
                  truncated=layout.truncated, lines=tuple(line.text for line in layout.lines))
