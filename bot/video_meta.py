"""What a video file is, read from the file itself: its picture size, its length, and a still to show for it.

Chat services show a video before anyone plays it, from a size, a duration and a small picture; some (Telegram
past 10 MB) only know what the sender tells them. Reading these takes PyAV: the container's header for the
numbers, one decoded frame for the still. Nothing here knows a chat service's limits: callers pass them in.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image

STILL_AT_SECONDS = 1.0  # a render may open on a fade from black: a frame one second in shows the video
_QUALITIES = (85, 75, 60, 45, 30)  # tried in turn until the still fits the caller's byte limit


@dataclass(frozen=True)
class VideoMeta:
    """A video's picture size in pixels as coded (a display rotation is not applied: renders, the videos
    these describe, carry none) and its length in whole seconds, rounded up so a clip of 0.4 s does not read
    0:00."""

    width: int
    height: int
    duration: int


def read_video_meta(path: Path) -> VideoMeta | None:
    """The size and length of the first video stream in `path`, or None when it is not a readable video."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            seconds = _seconds(container, stream)
    except (av.FFmpegError, OSError, ValueError):
        return None
    if not width or not height:
        return None
    return VideoMeta(width=width, height=height, duration=math.ceil(seconds) if seconds > 0 else 0)


def still_jpeg(path: Path, *, longest_side: int, max_bytes: int) -> bytes | None:
    """A JPEG of one frame of `path` (about STILL_AT_SECONDS in), scaled to at most `longest_side` pixels on
    its longer side and smaller than `max_bytes`; None when no frame can be decoded or fit."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            at = min(STILL_AT_SECONDS, _seconds(container, stream) / 2)
            image = _frame_at(container, stream, at)
    except (av.FFmpegError, OSError, ValueError):
        return None
    if image is None:
        return None
    image = image.convert("RGB")
    image.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    for quality in _QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality, optimize=True)
        if buffer.tell() < max_bytes:
            return buffer.getvalue()
    return None


def _seconds(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    """The stream's length, or the container's when the stream does not say (some muxers leave it out)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _frame_at(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
              seconds: float) -> Image.Image | None:
    """The first frame at or after `seconds` (the last one when the video is shorter), decoded from the key
    frame before it rather than from the start."""
    if seconds > 0 and stream.time_base is not None:
        container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
    last: Image.Image | None = None
    for frame in container.decode(stream):
        last = frame.to_image()
        if frame.time is None or frame.time >= seconds:
            break
    return last
