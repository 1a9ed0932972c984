"""Where the faces are in a photo: found once, when the photo arrives, and kept with it in the draft.

Why then and only then: detection costs ~0.1-0.2 s a photo, and a render or a preview must never pay it
again (a preview is meant to take about a second for the whole video). Why OpenCV's Haar cascade: its model
ships inside the `opencv-python-headless` wheel (`cv2.data.haarcascades`), so nothing is downloaded at run
time, and frontal faces (what a title must not cover) are what it finds best; of its frontal models, alt2
found the astronaut's face and nothing else on scikit-image's sample photographs ("default" also saw a face
in her suit). It runs on a copy of about `DETECT_SIDE` squared pixels (JPEGs decoded near that scale directly),
which finds any face larger than about a twelfth of the photo's shorter side: smaller faces are not what a
crop or a title could hide anyway.

A box is (left, top, right, bottom) as fractions 0-1 of the upright photo, so it holds at any scale, and
`in_frame` maps it to where it lands in a frame of the video.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path

import numpy as np
from PIL import Image

from bot.engines.local import images

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]  # left, top, right, bottom as fractions 0-1

DETECT_SIDE = 400
MOST = 8  # a crowd is not a subject: beyond this many, the largest are kept
_CASCADE = "haarcascade_frontalface_alt2.xml"  # fewer false faces than "default" on the sample photographs
_lock = threading.Lock()  # one classifier object, and OpenCV documents none of its methods as thread-safe


@functools.lru_cache(maxsize=1)
def _classifier() -> object:
    import cv2  # imported on first use: the bot starts without paying for OpenCV

    cv2.setNumThreads(1)  # the machine's cores belong to the renders; one photo at a time is fast enough
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + _CASCADE)
    if classifier.empty():
        raise OSError(f"the face model {_CASCADE} is missing from the OpenCV package")
    return classifier


def detect_in(image: Image.Image) -> tuple[Box, ...]:
    """The faces in `image` (already upright), largest first."""
    import cv2

    grey = image.convert("L")
    # as many pixels as a DETECT_SIDE square (the cost goes with the area): a panorama keeps its faces' size
    scale = min(1.0, DETECT_SIDE / (grey.width * grey.height) ** 0.5)
    if scale < 1.0:
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                           Image.Resampling.BILINEAR, reducing_gap=2.0)
    pixels = cv2.equalizeHist(np.asarray(grey))
    least = max(20, min(grey.size) // 12)
    try:
        with _lock:
            found = _classifier().detectMultiScale(  # type: ignore[attr-defined]
                pixels, scaleFactor=1.1, minNeighbors=5, minSize=(least, least))
    except cv2.error as exc:  # a photo without faces found is still a photo: it goes in, framed as before
        log.warning("face detection failed on a %dx%d picture: %s", grey.width, grey.height, exc)
        return ()
    width, height = grey.size
    boxes = sorted(((float(x) / width, float(y) / height, float(x + w) / width, float(y + h) / height)
                    for x, y, w, h in found),
                   key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    return tuple(tuple(round(v, 4) for v in box) for box in boxes[:MOST])  # type: ignore[misc]


def detect(path: Path) -> tuple[Box, ...]:
    """The faces in the photo at `path`; none when it cannot be read (the render says so, not this)."""
    try:
        image = images.upright(path, (DETECT_SIDE, DETECT_SIDE))
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        log.warning("could not look for faces in %s: %s", path, exc)
        return ()
    try:
        return detect_in(image)
    except OSError as exc:  # the model missing from the package: the photo still goes in
        log.warning("could not look for faces in %s: %s", path, exc)
        return ()
    finally:
        image.close()


def of(meta: dict[str, object]) -> tuple[Box, ...]:
    """The face boxes kept in a photo segment's `m` (none when it has none, or they are malformed)."""
    kept = meta.get("faces") or ()
    boxes: list[Box] = []
    if isinstance(kept, list | tuple):
        for box in kept:
            if isinstance(box, list | tuple) and len(box) == 4 and all(isinstance(v, int | float) for v in box):
                left, top, right, bottom = (min(1.0, max(0.0, float(v))) for v in box)
                if right > left and bottom > top:
                    boxes.append((left, top, right, bottom))
    return tuple(boxes)


def union(boxes: tuple[Box, ...] | list[Box]) -> Box | None:
    """The smallest box holding all of `boxes`."""
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def in_prepared(meta: dict[str, object], frame: tuple[int, int], fit: str) -> tuple[Box, ...]:
    """A photo segment's faces where they land in its prepared frame of `frame` size (fractions of it)."""
    found = of(meta)
    width, height = meta.get("width"), meta.get("height")
    if not found or not isinstance(width, int) or not isinstance(height, int) or width <= 0 or height <= 0:
        return ()
    return images.in_frame((width, height), frame, fit, found)
