"""Photos in: validation at upload time, and one Pillow pass per photo per render.

Every photo is decoded, turned upright (EXIF), scaled and composed exactly once, into a frame slightly
larger than the output (`OVERSIZE`) so ffmpeg only has to scale that frame down a little and crop it per
frame for the Ken Burns motion; it never decodes or resamples a camera-sized image again. JPEGs are decoded
with Pillow's draft mode (DCT scaling) at the smallest size that still covers the frame, which keeps a 12 MP
photo's memory and time small.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pillow_heif
from PIL import Image, ImageEnhance, ImageFilter, ImageOps, UnidentifiedImageError

from bot.engines.base import UnsupportedFile

pillow_heif.register_heif_opener()

ACCEPTED = ("JPEG", "PNG", "WEBP", "HEIC", "GIF")
MIN_SIDE = 64
MAX_SIDE = 10_000
MAX_PIXELS = 64_000_000  # 8000x8000; a 12000x12000 image would need ~430 MB to decode
OVERSIZE = 1.12  # the prepared frame vs the output; Ken Burns zooms up to MAX_ZOOM within it
MAX_ZOOM = 1.10


def validate(path: Path, filename: str) -> tuple[int, int]:
    """The photo's upright (width, height), or UnsupportedFile with one sentence saying what is wrong.

    The size is checked from the header before anything is decoded, so an absurd image costs nothing;
    then a reduced decode proves the file is complete.
    """
    accepted = tuple(f.lower() for f in ACCEPTED)
    try:
        size = path.stat().st_size
    except OSError:
        raise UnsupportedFile(f"{filename} could not be found on disk; send it again.", accepted=accepted) from None
    if size == 0:
        raise UnsupportedFile(f"{filename} is empty (0 bytes); send the photo again.", accepted=accepted)
    try:
        with warnings.catch_warnings():  # the size is checked below, with a sentence instead of a warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
        with img:
            if img.format not in ACCEPTED and img.format not in ("MPO", "HEIF"):
                raise UnsupportedFile(
                    f"{filename} is a {img.format} image; send a JPEG, PNG, WEBP, HEIC or GIF photo.",
                    accepted=accepted,
                )
            width, height = img.size
            if min(width, height) < MIN_SIDE:
                raise UnsupportedFile(
                    f"{filename} is only {width}x{height} pixels; send a photo at least {MIN_SIDE} pixels "
                    "on each side.", accepted=accepted)
            if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
                raise UnsupportedFile(
                    f"{filename} is {width}x{height} pixels, too large to process; send a photo of at most "
                    f"{MAX_PIXELS // 1_000_000} megapixels and {MAX_SIDE} pixels on a side.", accepted=accepted)
            img.draft("RGB", (MIN_SIDE * 4, MIN_SIDE * 4))
            img.load()
            orientation = img.getexif().get(0x0112, 1)
    except UnsupportedFile:
        raise
    except UnidentifiedImageError:
        raise UnsupportedFile(
            f"{filename} is not an image I can read; send a JPEG, PNG, WEBP, HEIC or GIF photo.",
            accepted=accepted) from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise UnsupportedFile(f"{filename} is damaged or incomplete and cannot be decoded; send it again.",
                              accepted=accepted) from None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def frame_size(width: int, height: int) -> tuple[int, int]:
    """The prepared (oversized) frame for an output of width x height.

    Both sides are even (yuv420p), and the height is rounded up so that scaling the frame to any width >= the
    output's always gives a height >= the output's: the centre crop never runs short by a pixel.
    """
    big_w = _even(width * OVERSIZE)
    return big_w, 2 * math.ceil(big_w * height / width / 2)


def _open_upright(path: Path, need: tuple[int, int], cover: bool) -> Image.Image:
    """Decode once at the smallest JPEG scale that still gives `need` after a cover/contain fit."""
    img = Image.open(path)
    try:
        if img.format in ("JPEG", "MPO"):
            width, height = img.size
            rotated = img.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            if rotated:
                width, height = height, width
            scale = (max if cover else min)(need[0] / width, need[1] / height)
            want = (int(width * scale) + 1, int(height * scale) + 1)
            img.draft("RGB", (want[1], want[0]) if rotated else want)
        img.seek(0)  # GIF / animated WEBP: the first frame
        upright = ImageOps.exif_transpose(img)
        return upright.convert("RGB")
    finally:
        img.close()


def prepare(path: Path, out: Path, size: tuple[int, int], *, fit: str) -> None:
    """Write the photo as an RGB frame of exactly `size`: cropped to fill, or whole on a blurred copy of itself.

    The blurred background is made from a small copy (blur radius scales with it), so it costs a few ms.
    PPM is written because ffmpeg reads it without decompressing.
    """
    width, height = size
    cover = fit == "crop"
    img = _open_upright(path, size, cover)
    ratio = (img.width / img.height) / (width / height)
    if cover or 0.92 <= ratio <= 1.08:  # nearly the frame's shape: filling loses almost nothing
        frame = ImageOps.fit(img, size, method=Image.Resampling.BICUBIC)
    else:
        thumb = img.copy()
        thumb.thumbnail((max(width // 5, 16), max(height // 5, 16)), Image.Resampling.BILINEAR)
        small = ImageOps.fit(thumb, (max(width // 10, 8), max(height // 10, 8)), method=Image.Resampling.BILINEAR)
        small = small.filter(ImageFilter.GaussianBlur(radius=max(width // 10, 8) / 18))
        frame = ImageEnhance.Brightness(small).enhance(0.6).resize(size, Image.Resampling.BILINEAR)
        fg = ImageOps.contain(img, size, method=Image.Resampling.BICUBIC)
        frame.paste(fg, ((width - fg.width) // 2, (height - fg.height) // 2))
    img.close()
    frame.save(out, format="PPM")
