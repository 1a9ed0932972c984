"""Tiny media files for tests: JPEG and PNG images made with Pillow, and a real (tiny) H.264 MP4 made with PyAV.

Everything is generated in memory, deterministic for the same arguments, and small enough to keep tests fast.
"""

from __future__ import annotations

import io
import struct
from fractions import Fraction

from PIL import Image, ImageDraw

RGB = tuple[int, int, int]


def _image(width: int, height: int, color: RGB) -> Image.Image:
    """An RGB image of one colour with a contrasting diagonal, so encoders have something to encode."""
    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    inverse = (255 - color[0], 255 - color[1], 255 - color[2])
    draw.line((0, 0, width - 1, height - 1), fill=inverse, width=max(1, min(width, height) // 16))
    return image


def jpeg_bytes(width: int = 64, height: int = 48, color: RGB = (200, 60, 40), quality: int = 85) -> bytes:
    """Encode a small JPEG of ``width`` x ``height`` pixels."""
    buffer = io.BytesIO()
    _image(width, height, color).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def png_bytes(width: int = 64, height: int = 48, color: RGB = (40, 120, 200)) -> bytes:
    """Encode a small PNG of ``width`` x ``height`` pixels."""
    buffer = io.BytesIO()
    _image(width, height, color).save(buffer, format="PNG")
    return buffer.getvalue()


def mp4_bytes(width: int = 108, height: int = 192, frames: int = 6, fps: int = 6) -> bytes:
    """Encode a real, tiny H.264 MP4 (yuv420p) with PyAV; about ``frames / fps`` seconds long."""
    import av  # imported lazily: only tests that need a real video pay for it

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index in range(frames):
            shade = (index * 40) % 256
            frame = av.VideoFrame.from_image(_image(width, height, (shade, 90, 255 - shade)))
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def fake_mp4_bytes(size: int) -> bytes:
    """``size`` bytes that start with an MP4 ``ftyp`` box (not playable): for size-limit tests."""
    header = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 0x200, b"isom", b"mp41")
    if size < len(header):
        raise ValueError(f"size must be at least {len(header)}")
    return header + b"\0" * (size - len(header))
