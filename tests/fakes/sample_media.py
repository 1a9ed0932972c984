"""Tiny media files for tests: JPEG and PNG images made with Pillow, and a real (tiny) H.264 MP4 made with PyAV.

Everything is generated in memory, deterministic for the same arguments, and small enough to keep tests fast.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
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


def noisy_jpeg_bytes(width: int, height: int, *, min_bytes: int) -> bytes:
    """A JPEG of random noise of at least ``min_bytes`` (at the best quality, noise keeps its size)."""
    noise = random.Random(width * height)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), noise.randbytes(width * height * 3)).save(buffer, "JPEG", quality=100)
    data = buffer.getvalue()
    if len(data) < min_bytes:
        raise ValueError(f"{width}x{height} of noise makes only {len(data)} bytes")
    return data


@functools.lru_cache(maxsize=4)  # made once per session: a 30000x30000 one takes most of a second
def blank_png_bytes(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of any size, built row by row with zlib so a picture of 900 megapixels (a
    "decompression bomb") never has to exist in memory: its file is about 110 kB."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte "none", then one bit per pixel
    packer = zlib.compressobj(9)
    rows = [packer.compress(row * 64) for _ in range(height // 64)]
    data = b"".join(rows) + packer.compress(row * (height % 64)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


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


@functools.lru_cache(maxsize=2)  # a session makes each big video once
def noisy_mp4_bytes(min_bytes: int, width: int = 540, height: int = 960, fps: int = 8) -> bytes:
    """A real, playable H.264 MP4 of at least ``min_bytes``: lossless frames of random noise (which no encoder
    can shrink), as many as it takes, so a test gets a big video in about a second."""
    import av

    noise = random.Random(min_bytes)
    buffer = io.BytesIO()
    written = 0
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"crf": "0", "preset": "ultrafast"})
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        index = 0
        while written < min_bytes * 1.02:  # the container's boxes come on top of the packets
            image = Image.frombytes("RGB", (width, height), noise.randbytes(width * height * 3))
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            index += 1
            for packet in stream.encode(frame):
                written += packet.size
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = buffer.getvalue()
    assert len(data) >= min_bytes
    return data


def fake_mp4_bytes(size: int) -> bytes:
    """``size`` bytes that start with an MP4 ``ftyp`` box (not playable): for size-limit tests."""
    header = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 0x200, b"isom", b"mp41")
    if size < len(header):
        raise ValueError(f"size must be at least {len(header)}")
    return header + b"\0" * (size - len(header))



# scikit-image's sample photographs (real pictures: a face, fur, a cup, a rocket at night, a retina, galaxies),
# read as the files the package ships: its own loaders take seconds to import.
PHOTOGRAPHS = ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "retina.jpg",
               "hubble_deep_field.jpg", "ihc.png")


@functools.lru_cache(maxsize=16)
def photograph_jpeg(name: str) -> bytes:
    """One of `PHOTOGRAPHS` as a JPEG."""
    import importlib.resources

    with importlib.resources.files("skimage.data").joinpath(name).open("rb") as source, Image.open(source) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()
