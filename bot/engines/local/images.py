"""Photos in: validation at upload time, and one Pillow pass per photo per render.

Every photo is decoded, turned upright (EXIF), scaled, composed and converted to BT.709 yuv420p exactly once,
into a frame slightly larger than the output (`OVERSIZE`) so ffmpeg only has to scale that frame down a little
and crop it for the Ken Burns motion; it never decodes, converts or resamples a camera-sized image. JPEGs are decoded
with Pillow's draft mode (DCT scaling) at the smallest size that (within 3 %) still covers the frame, which
keeps a 12 MP photo's memory and time small. A preview's frames are made once per photo, when it arrives,
and kept beside it (`cached_yuv`), so a preview does no Pillow work at all.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from pathlib import Path

import pillow_heif
from PIL import Image, ImageEnhance, ImageFilter, ImageOps, UnidentifiedImageError

from bot.engines.base import UnsupportedFile
from bot.language import Text, _

pillow_heif.register_heif_opener()

ACCEPTED = ("JPEG", "PNG", "WEBP", "HEIC", "GIF")
MIN_SIDE = 64
MAX_SIDE = 10_000
MAX_PIXELS = 64_000_000  # 8000x8000; a 12000x12000 image would need ~430 MB to decode
OVERSIZE = 1.12  # the prepared frame vs the output; Ken Burns zooms up to MAX_ZOOM within it
MAX_ZOOM = 1.10
DRAFT_SLACK = 0.97
NEAR_SHAPE = (0.92, 1.08)  # a photo this close to the frame's shape fills it even when "blur" is asked for
SOFT_UPSCALE = 1.5  # a photo enlarged more than this to take its place in the frame looks soft

Box = tuple[float, float, float, float]  # left, top, right, bottom as fractions 0-1 (of a photo or a frame)


def validate(path: Path, filename: str) -> tuple[int, int]:
    """The photo's upright (width, height), or UnsupportedFile with one sentence saying what is wrong.

    The size is checked from the header before anything is decoded, so an absurd image costs nothing;
    then a reduced decode proves the file is complete.
    """
    accepted = tuple(f.lower() for f in ACCEPTED)
    try:
        size = path.stat().st_size
    except OSError:
        raise UnsupportedFile(_("“{name}” could not be found on disk; send it again.").format(name=filename),
                              accepted=accepted) from None
    if size == 0:
        raise UnsupportedFile(_("“{name}” is empty (0 bytes); send the photo again.").format(name=filename),
                              accepted=accepted)
    try:
        with warnings.catch_warnings():  # the size is checked below, with a sentence instead of a warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
        with img:
            if img.format not in ACCEPTED and img.format not in ("MPO", "HEIF"):
                raise UnsupportedFile(
                    _("“{name}” is a {format} image; send a JPEG, PNG, WEBP, HEIC or GIF photo.").format(
                        name=filename, format=img.format),
                    accepted=accepted,
                )
            width, height = img.size
            if min(width, height) < MIN_SIDE:
                raise UnsupportedFile(
                    _("“{name}” is only {width}x{height} pixels; send a photo at least {least} pixels on each "
                      "side.").format(name=filename, width=width, height=height, least=MIN_SIDE), accepted=accepted)
            if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
                too_large = _("“{name}” is {width}x{height} pixels, too large to process; send a photo of at most "
                              "{megapixels} megapixels and {side} pixels on a side.")
                raise UnsupportedFile(_limits(too_large.format(name=filename, width=width, height=height)),
                                      accepted=accepted)
            img.draft("RGB", (MIN_SIDE * 4, MIN_SIDE * 4))
            img.load()
            orientation = img.getexif().get(0x0112, 1)
    except UnsupportedFile:
        raise
    except UnidentifiedImageError:
        raise UnsupportedFile(
            _("“{name}” is not an image I can read; send a JPEG, PNG, WEBP, HEIC or GIF photo.").format(
                name=filename),
            accepted=accepted) from None
    except Image.DecompressionBombError:
        # Pillow refuses to open an image this big before its size can be read: it is no less too large for
        # that, and sending it again would fail the same way.
        bomb_megapixels = 2 * (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000
        too_many = _("“{name}” has more than {found} megapixels, too large to process; send a photo of at most "
                     "{megapixels} megapixels and {side} pixels on a side.")
        raise UnsupportedFile(_limits(too_many.format(name=filename, found=bomb_megapixels)),
                              accepted=accepted) from None
    except (OSError, ValueError, SyntaxError):
        raise UnsupportedFile(_("“{name}” is damaged or incomplete and cannot be decoded; send it again.").format(
            name=filename), accepted=accepted) from None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _limits(sentence: Text) -> Text:
    """A sentence for a photo past MAX_PIXELS or MAX_SIDE, with the limits, so the user knows what will do."""
    return sentence.format(megapixels=MAX_PIXELS // 1_000_000, side=MAX_SIDE)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def frame_size(width: int, height: int) -> tuple[int, int]:
    """The prepared (oversized) frame for an output of width x height.

    Both sides are even (yuv420p), and the height is rounded up so that scaling the frame to any width >= the
    output's always gives a height >= the output's: the centre crop never runs short by a pixel.
    """
    big_w = _even(width * OVERSIZE)
    return big_w, 2 * math.ceil(big_w * height / width / 2)


def upright(path: Path, need: tuple[int, int]) -> Image.Image:
    """The photo upright in RGB, decoded at the smallest JPEG scale that still covers `need`: for looking at
    what is in it (its faces), not for showing it."""
    return _open_upright(path, need, cover=True)


def _open_upright(path: Path, need: tuple[int, int], cover: bool) -> Image.Image:
    """Decode once at the smallest JPEG scale that still gives `need` after a cover/contain fit.

    No extra full-size copies: the decoded image is returned as is when it is already upright RGB (its file is
    closed by `load`), else the one transposed/converted image replaces it.
    """
    img = Image.open(path)
    out: Image.Image | None = None
    try:
        orientation = img.getexif().get(0x0112, 1)
        if img.format in ("JPEG", "MPO"):
            width, height = img.size
            rotated = orientation in (5, 6, 7, 8)
            if rotated:
                width, height = height, width
            # DRAFT_SLACK: a DCT scale giving up to 3 % less than needed is taken (then upscaled by <= 3 %, which
            # the oversized frame and the per-frame scaling make invisible): a 2400x3200 photo decodes at half size
            scale = (max if cover else min)(need[0] / width, need[1] / height) * DRAFT_SLACK
            want = (int(width * scale) + 1, int(height * scale) + 1)
            img.draft("RGB", (want[1], want[0]) if rotated else want)
        multi = getattr(img, "n_frames", 1) > 1
        img.seek(0)  # GIF / animated WEBP: the first frame
        img.load()
        out = img
        if orientation != 1:
            out = ImageOps.exif_transpose(out)
        if out.mode != "RGB":
            out = out.convert("RGB")
        if out is img and multi:
            out = img.copy()  # its file stays open for the other frames: keep a copy, close the file
        return out
    finally:
        if out is not img:
            img.close()


def fills(photo: tuple[int, int], frame: tuple[int, int], fit: str) -> bool:
    """Whether the photo is cropped to fill the frame (asked for, or nearly the frame's shape already)."""
    ratio = (photo[0] / photo[1]) / (frame[0] / frame[1])
    return fit == "crop" or NEAR_SHAPE[0] <= ratio <= NEAR_SHAPE[1]


def upscale(photo: tuple[int, int], frame: tuple[int, int], fit: str) -> float:
    """How much the photo is enlarged to take its place in the frame (cover when it fills, else contain)."""
    pick = max if fills(photo, frame, fit) else min
    return pick(frame[0] / photo[0], frame[1] / photo[1])


def _window(start: float, end: float, visible: float) -> float:
    """Where a window `visible` long (fractions of the photo's side) starts so that it centres [start, end]
    and holds all of it when it fits, never leaving the photo."""
    if visible >= 1:
        return 0.0
    first = (start + end - visible) / 2
    if end - start <= visible:
        first = min(max(first, end - visible), start)
    return min(max(first, 0.0), 1 - visible)


def crop_centering(photo: tuple[int, int], frame: tuple[int, int], faces: tuple[Box, ...]) -> tuple[float, float]:
    """`ImageOps.fit`'s centering for a crop that keeps the faces in frame: all of them when they fit the
    window, else the largest (the first); the middle of the photo when there are none."""
    if not faces:
        return 0.5, 0.5
    scale = max(frame[0] / photo[0], frame[1] / photo[1])
    visible = (frame[0] / (photo[0] * scale), frame[1] / (photo[1] * scale))
    left, top = min(b[0] for b in faces), min(b[1] for b in faces)
    right, bottom = max(b[2] for b in faces), max(b[3] for b in faces)
    if right - left > visible[0] or bottom - top > visible[1]:
        left, top, right, bottom = faces[0]
    centering = []
    for start, end, seen in ((left, right, visible[0]), (top, bottom, visible[1])):
        centering.append(_window(start, end, seen) / (1 - seen) if seen < 1 else 0.5)
    return centering[0], centering[1]


def in_frame(photo: tuple[int, int], frame: tuple[int, int], fit: str, faces: tuple[Box, ...]) -> tuple[Box, ...]:
    """Where the faces (fractions of the photo) land in the prepared frame (fractions of it), as `prepare_yuv`
    places the photo; a face cropped away is left out, one cut by the edge is kept to its visible part."""
    if fills(photo, frame, fit):
        scale = max(frame[0] / photo[0], frame[1] / photo[1])
        seen = (frame[0] / (photo[0] * scale), frame[1] / (photo[1] * scale))
        cx, cy = crop_centering(photo, frame, faces)
        origin = (cx * (1 - seen[0]), cy * (1 - seen[1]))
        span = seen
    else:
        scale = min(frame[0] / photo[0], frame[1] / photo[1])
        shown = (photo[0] * scale / frame[0], photo[1] * scale / frame[1])
        # the photo's own span of the frame is 1 / shown, starting where its margin is
        span = (1 / shown[0], 1 / shown[1])
        origin = (-(1 - shown[0]) / 2 * span[0], -(1 - shown[1]) / 2 * span[1])
    placed = []
    for left, top, right, bottom in faces:
        box = (max(0.0, (left - origin[0]) / span[0]), max(0.0, (top - origin[1]) / span[1]),
               min(1.0, (right - origin[0]) / span[0]), min(1.0, (bottom - origin[1]) / span[1]))
        if box[2] > box[0] and box[3] > box[1]:
            placed.append(box)
    return tuple(placed)


# RGB -> BT.709 TV-range Y'CbCr as one affine matrix (Pillow applies it in C, rounding to nearest):
# Y = 16 + 219 (Kr R + Kg G + Kb B) / 255, Cb/Cr = 128 + 224 / 255 * (B or R - luma) / (2 (1 - Kb or Kr)).
_KR, _KB = 0.2126, 0.0722
_KG = 1 - _KR - _KB
_Y, _C = 219 / 255, 224 / 255
BT709_TV = (
    _Y * _KR, _Y * _KG, _Y * _KB, 16.0,
    -_C * _KR / (2 - 2 * _KB), -_C * _KG / (2 - 2 * _KB), _C / 2, 128.0,
    _C / 2, -_C * _KG / (2 - 2 * _KR), -_C * _KB / (2 - 2 * _KR), 128.0,
)


def _ycc(img: Image.Image) -> tuple[Image.Image, Image.Image, Image.Image]:
    """An RGB image as its BT.709 TV-range Y', Cb and Cr planes, each at the image's size."""
    ycc = img.convert("RGB", BT709_TV)
    y, cb, cr = ycc.split()
    ycc.close()
    return y, cb, cr


def _planes(img: Image.Image) -> tuple[Image.Image, Image.Image, Image.Image]:
    """An RGB image as yuv420p planes: Y' at its size, Cb and Cr at half its size (2x2 averages, centre-sited,
    as JPEG does it)."""
    y, cb, cr = _ycc(img)
    return y, cb.reduce(2), cr.reduce(2)


def _fill_box(photo: tuple[int, int], frame: tuple[int, int], faces: tuple[Box, ...]) -> Box:
    """The part of the photo (in its pixels) that fills the frame: `ImageOps.fit`'s crop, centred around the
    faces (`crop_centering`)."""
    cx, cy = crop_centering(photo, frame, faces)
    ratio = frame[0] / frame[1]
    width, height = (photo[1] * ratio, photo[1]) if photo[0] / photo[1] > ratio else (photo[0], photo[0] / ratio)
    left, top = (photo[0] - width) * cx, (photo[1] - height) * cy
    return left, top, left + width, top + height


def _contained(photo: tuple[int, int], frame: tuple[int, int]) -> tuple[int, int, int, int]:
    """Where the whole photo goes in the frame (left, top, width, height): as large as fits, centred; every
    number even, so each chroma sample is either photo or backdrop (at most a pixel from exact centring)."""
    scale = min(frame[0] / photo[0], frame[1] / photo[1])
    width = min(frame[0], _even(photo[0] * scale))
    height = min(frame[1], _even(photo[1] * scale))
    return (frame[0] - width) // 4 * 2, (frame[1] - height) // 4 * 2, width, height


def _scaled_planes(img: Image.Image, box: Box, size: tuple[int, int],
                   resample: Image.Resampling) -> tuple[Image.Image, Image.Image, Image.Image]:
    """The `box` of `img` (in its pixels) scaled to the even `size`, as yuv420p planes.

    The colour conversion runs where there are fewer pixels. A reduction is scaled in RGB first, then converted
    at the frame's size. An enlargement (the usual case: a JPEG decoded at the DCT scale just under the frame's,
    then enlarged by a few %) is converted first, at the photo's size, and each plane is scaled on its own: Y' to
    `size`, Cb and Cr straight to half of it. Scaling the RGB picture costs Pillow four channels at full size,
    against one and a half this way, and the conversion then ran on the larger frame: an export's photo (the
    benchmark's photographs, 1210x2152 with a blurred backdrop) takes 25-30 % less time.
    """
    if (box[2] - box[0]) * (box[3] - box[1]) >= size[0] * size[1]:
        return _planes(img.resize(size, resample, box=box))
    # only the part that shows is converted, with a margin for the filter's reach (even, so chroma stays aligned)
    left, top = max(0, int(box[0]) - 8) // 2 * 2, max(0, int(box[1]) - 8) // 2 * 2
    part = img.crop((left, top, min(img.width, math.ceil(box[2]) + 8), min(img.height, math.ceil(box[3]) + 8)))
    inner = (box[0] - left, box[1] - top, box[2] - left, box[3] - top)
    y, cb, cr = _planes(part)
    part.close()
    half, chroma_box = (size[0] // 2, size[1] // 2), (inner[0] / 2, inner[1] / 2, inner[2] / 2, inner[3] / 2)
    return (y.resize(size, resample, box=inner), cb.resize(half, resample, box=chroma_box),
            cr.resize(half, resample, box=chroma_box))


def prepare_yuv(path: Path, size: tuple[int, int], *, fit: str,
                resample: Image.Resampling = Image.Resampling.BICUBIC, faces: tuple[Box, ...] = ()) -> bytes:
    """The photo as a raw yuv420p frame of exactly `size` (BT.709, TV range: exactly what the encoder takes):
    cropped to fill (around the faces, when it has any), or whole on a blurred copy of itself.

    The colour is converted once per photo (`_scaled_planes`, at whichever size has fewer pixels) and the frame
    is composed plane by plane, so ffmpeg never decodes an image nor converts a colour space.

    `resample`: bicubic for an export; a preview passes bilinear, which costs about half and is not told apart
    at preview size. The blurred background is made from a small copy (blur radius scales with it), so it costs
    a few ms; the decoded photo is let go as soon as its planes exist.
    """
    width, height = size
    img = _open_upright(path, size, fit == "crop")
    photo = img.size
    if fills(photo, size, fit):  # nearly the frame's shape: filling loses almost nothing
        planes = _scaled_planes(img, _fill_box(photo, size, faces), size, resample)
        img.close()
        return b"".join(plane.tobytes() for plane in planes)
    fit_in = min(max(width // 5, 16) / img.width, max(height // 5, 16) / img.height)
    thumb = img.resize((max(1, round(img.width * fit_in)), max(1, round(img.height * fit_in))),
                       Image.Resampling.BILINEAR, reducing_gap=2.0)
    left, top, fg_w, fg_h = _contained(photo, size)
    planes = _scaled_planes(img, (0, 0, *photo), (fg_w, fg_h), resample)
    img.close()
    small = ImageOps.fit(thumb, (max(width // 10, 8), max(height // 10, 8)), method=Image.Resampling.BILINEAR)
    small = small.filter(ImageFilter.GaussianBlur(radius=max(width // 10, 8) / 18))
    backdrop = _ycc(ImageEnhance.Brightness(small).enhance(0.6))  # every plane is scaled up from it alike
    out = []
    for plane, back, k in zip(planes, backdrop, (1, 2, 2), strict=True):
        frame = Image.new("L", (width // k, height // k))
        x0, y0, x1, y1 = left // k, top // k, (left + fg_w) // k, (top + fg_h) // k
        # The blurred copy is scaled up only where the photo leaves it showing (two bands, not the whole
        # frame: a quarter of the pixels for a 4:3 photo). A `box` resize samples where the full-frame resize
        # would, so the bands are its pixels to within one level of rounding.
        sx, sy = back.width / frame.width, back.height / frame.height
        for bx0, by0, bx1, by1 in ((0, 0, frame.width, y0), (0, y1, frame.width, frame.height),
                                   (0, 0, x0, frame.height), (x1, 0, frame.width, frame.height)):
            if bx1 > bx0 and by1 > by0:
                frame.paste(back.resize((bx1 - bx0, by1 - by0), Image.Resampling.BILINEAR,
                                        box=(bx0 * sx, by0 * sy, bx1 * sx, by1 * sy)), (bx0, by0))
        frame.paste(plane, (x0, y0))
        out.append(frame)
    return b"".join(plane.tobytes() for plane in out)


# Bumped whenever what `prepare_yuv` makes changes, so no cached frame made the old way is used again.
CACHE_VERSION = 3


def cache_path(path: Path, size: tuple[int, int], fit: str) -> Path:
    """Where the prepared frame of `path` at `size` and `fit` is kept: next to the photo, one file per size
    and fit, so a photo's cached frames go wherever the photo goes."""
    return path.with_name(f"{path.name}.{size[0]}x{size[1]}-{fit}.yuv")


def _stamp(path: Path, size: tuple[int, int], fit: str, resample: Image.Resampling,
           faces: tuple[Box, ...] = ()) -> bytes:
    """What the cached frame was made from and how: the photo's size and modification time (a file replaced
    under the same name is made again), the frame's size, fit and filter, the faces a crop centres on (only
    when there are any, so a frame without faces keeps its stamp), and the cache's version."""
    info = path.stat()
    around = f" faces {[[round(v, 4) for v in box] for box in faces]}" if faces else ""
    return (f"reelbot-yuv420p {CACHE_VERSION} {info.st_size} {info.st_mtime_ns} {size[0]}x{size[1]} {fit} "
            f"{int(resample)}{around}\n").encode()


def cached_yuv(path: Path, size: tuple[int, int], *, fit: str,
               resample: Image.Resampling = Image.Resampling.BILINEAR, faces: tuple[Box, ...] = ()) -> bytes:
    """`prepare_yuv`, kept on disk next to the photo: the preview's frames are made once, when the photo
    arrives, and every later preview of the photo reads ~0.4 MB instead of decoding and scaling it again.

    A cached file is used only when its stamp (`_stamp`) matches the photo as it is now; otherwise it is made
    again and replaced whole (written aside, then renamed), so a reader never sees half a frame. A folder that
    cannot be written only costs the cache, never the frame.
    """
    cache = cache_path(path, size, fit)
    stamp = _stamp(path, size, fit, resample, faces)
    expected = len(stamp) + size[0] * size[1] * 3 // 2
    with contextlib.suppress(OSError):
        data = cache.read_bytes()
        if len(data) == expected and data.startswith(stamp):
            return data[len(stamp):]
    frame = prepare_yuv(path, size, fit=fit, resample=resample, faces=faces)
    aside = cache.with_name(f"{cache.name}.{os.getpid()}.{id(frame)}.part")
    try:
        with aside.open("wb") as out:
            out.write(stamp)
            out.write(frame)
        os.replace(aside, cache)
    except OSError:
        with contextlib.suppress(OSError):
            aside.unlink()
    return frame
