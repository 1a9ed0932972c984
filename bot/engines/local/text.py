"""Titles and captions drawn with Pillow into small RGBA PNGs, placed inside the TikTok safe box.

Pillow (FreeType) draws any Unicode the font covers, so text never goes through ffmpeg's drawtext and its
escaping rules. The safe box is x 120-888, y 288-1248 of a 1080x1920 frame (TikTok's own buttons and caption
cover the rest), scaled for other sizes. All text uses one font, Noto Sans SC (OFL, a variable font set to
its Bold instance) from the `justmytype-intl-cjk` wheel, so Latin and Chinese titles look the same. Only if that
package is missing is a font looked for on the machine (Noto CJK/Source Han/WenQuanYi/PingFang/Microsoft YaHei
for Chinese, DejaVu/Arial for Latin), then Pillow's own.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

SAFE_BOX_1080x1920 = (120, 288, 888, 1248)  # left, top, right, bottom
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


def safe_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The safe box scaled from 1080x1920 to the output; for landscape outputs the same proportions hold."""
    left, top, right, bottom = SAFE_BOX_1080x1920
    return (round(left * width / 1080), round(top * height / 1920),
            round(right * width / 1080), round(bottom * height / 1920))


def _has_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"
               for ch in text)


@functools.lru_cache(maxsize=1)
def _bundled_font_path() -> str | None:
    """Noto Sans SC from the justmytype-intl-cjk wheel (Latin, Chinese, Japanese kana), or None if not installed."""
    try:
        path = importlib.resources.files("justmytype_intl_cjk") / "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"
    except ModuleNotFoundError:
        return None
    return str(path) if path.is_file() else None


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


@functools.lru_cache(maxsize=32)
def font(size: int, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold font of `size` px: the bundled Noto Sans SC for all text; without it a CJK font when the text needs
    one and the machine has one, else a Latin one, else Pillow's own."""
    bundled = _bundled_font_path()
    if bundled:
        return _bold(ImageFont.truetype(bundled, size))
    path = _cjk_font_path() if cjk else None
    if cjk and path is None:
        log.warning("justmytype-intl-cjk is not installed and no CJK font was found: Chinese text may show as boxes")
    path = path or _latin_font_path()
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont,
          max_width: int) -> list[str]:
    """Greedy wrap by words, or by characters for text without spaces (Chinese)."""
    tokens = text.split(" ") if " " in text.strip() else list(text)
    joiner = " " if " " in text.strip() else ""
    lines: list[str] = []
    line = ""
    for token in tokens:
        trial = f"{line}{joiner}{token}" if line else token
        if draw.textlength(trial, font=face) <= max_width or not line:
            line = trial
        else:
            lines.append(line)
            line = token
    if line:
        lines.append(line)
    return lines


@dataclass(frozen=True, slots=True)
class Placed:
    """A text image and where its top-left corner goes in the output frame."""

    path: Path
    x: int
    y: int
    width: int
    height: int


def render_text(text: str, out: Path, frame: tuple[int, int], *, position: str, kind: str) -> Placed:
    """Draw `text` (white, dark outline, soft shadow) so that every drawn pixel lies inside the safe box."""
    width, height = frame
    left, top, right, bottom = safe_box(width, height)
    box_w, box_h = right - left, bottom - top
    title = kind == "title"
    size = max(12, round(min(box_w * (0.1 if title else 0.07), box_h * (0.12 if title else 0.085))))
    cjk = _has_cjk(text)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    while True:
        face = font(size, cjk)
        stroke = max(1, size // 14)
        lines = _wrap(probe, text, face, box_w - 4 * stroke)
        spacing = size // 4
        bbox = probe.multiline_textbbox((0, 0), "\n".join(lines), font=face, spacing=spacing, align="center",
                                        stroke_width=stroke)
        text_w, text_h = math.ceil(bbox[2] - bbox[0]), math.ceil(bbox[3] - bbox[1])
        if (text_w <= box_w - 2 * stroke and text_h <= box_h - 2 * stroke and len(lines) <= 4) or size <= 14:
            break
        size = int(size * 0.85)
    shadow = max(1, size // 20)
    pad = stroke + shadow + 2
    image = Image.new("RGBA", (min(text_w + 2 * pad, box_w), min(text_h + 2 * pad, box_h)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    origin = (pad - math.floor(bbox[0]), pad - math.floor(bbox[1]))
    joined = "\n".join(lines)
    draw.multiline_text((origin[0] + shadow, origin[1] + shadow), joined, font=face, fill=(0, 0, 0, 110),
                        spacing=spacing, align="center", stroke_width=stroke, stroke_fill=(0, 0, 0, 110))
    draw.multiline_text(origin, joined, font=face, fill=(255, 255, 255, 255), spacing=spacing, align="center",
                        stroke_width=stroke, stroke_fill=(20, 20, 20, 255))
    image.save(out, format="PNG", compress_level=1)
    x = left + (box_w - image.width) // 2
    if position == "top":
        y = top
    elif position == "bottom":
        y = bottom - image.height
    else:
        y = top + (box_h - image.height) // 2
    return Placed(out, x - x % 2, y - y % 2, image.width, image.height)
