"""A prepared frame shows the photo in its own colours, where the frame says it is: the planes are made each at
its own size (an enlarged photo's colour planes straight at half size), so they must still line up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.engines.local import images

FRAME = images.frame_size(1080, 1920)
RED, BLUE = (255, 0, 0), (0, 0, 255)


def _bt709_tv(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    r, g, b = (v / 255 for v in rgb)
    luma = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 16 + 219 * luma, 128 + 224 * (b - luma) / 1.8556, 128 + 224 * (r - luma) / 1.5748


def _planes(frame: bytes, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    width, height = size
    data = np.frombuffer(frame, np.uint8)
    luma = width * height
    return (data[:luma].reshape(height, width),
            data[luma:luma * 5 // 4].reshape(height // 2, width // 2),
            data[luma * 5 // 4:].reshape(height // 2, width // 2))


@pytest.mark.parametrize(("photo_size", "fit"), [((500, 640), "blur"), ((1600, 1200), "blur"),
                                                 ((500, 900), "crop"), ((3000, 2000), "crop")])
def test_the_frame_shows_the_photo_in_its_colours_with_every_plane_lined_up(
        tmp_path: Path, photo_size: tuple[int, int], fit: str) -> None:
    """Red on the left half, blue on the right: enlarged (the first and third) or reduced, whole on a backdrop
    or cropped to fill, the frame's colours are the photo's, and the colour's edge is where the light's is."""
    photo = Image.new("RGB", photo_size, BLUE)
    photo.paste(RED, (0, 0, photo_size[0] // 2, photo_size[1]))
    path = tmp_path / "halves.png"  # lossless: the colours and the edge are exactly as drawn
    photo.save(path)
    y, cb, cr = _planes(images.prepare_yuv(path, FRAME, fit=fit), FRAME)
    middle = FRAME[1] // 2  # a row through the photo whatever the fit
    for x, colour in ((FRAME[0] // 2 - 40, RED), (FRAME[0] // 2 + 40, BLUE)):
        expected = _bt709_tv(colour)
        found = (y[middle, x], cb[middle // 2, x // 2], cr[middle // 2, x // 2])
        assert all(abs(int(a) - b) <= 2 for a, b in zip(found, expected, strict=True)), (colour, found, expected)
    red_y, blue_y = _bt709_tv(RED)[0], _bt709_tv(BLUE)[0]
    luma_edge = int(np.argmax(y[middle] < (red_y + blue_y) / 2))
    red_cr, blue_cr = _bt709_tv(RED)[2], _bt709_tv(BLUE)[2]
    chroma_edge = int(np.argmax(cr[middle // 2] < (red_cr + blue_cr) / 2))
    assert abs(luma_edge - FRAME[0] // 2) <= 2
    assert abs(2 * chroma_edge - luma_edge) <= 2
