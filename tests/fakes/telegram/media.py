"""What Telegram reads from the files it is given: an MP4's size and duration, an image's dimensions, a
MIME type, the scaled-down copies it makes of photos, and how it names files and their ids."""

from __future__ import annotations

import functools
import io
import mimetypes

from tests.fakes.telegram.limits import MAX_THUMBNAIL_BYTES, MAX_THUMBNAIL_SIDE
from tests.fakes.telegram.objects import StoredFile

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "audio/mpeg": "mp3",
    "audio/ogg": "oga",
    "audio/mp4": "m4a",
    "application/pdf": "pdf",
}
_KIND_EXTENSIONS = {"photo": "jpg", "video": "mp4", "voice": "oga", "sticker": "webp", "audio": "mp3"}
_FOLDERS = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "audio": "music",
    "voice": "voice",
    "sticker": "stickers",
}
_FILE_ID_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
}


def file_id_prefix(kind: str) -> str:
    """The start of a real file_id of this kind (PTB and the bot never parse it, but logs look right)."""
    return _FILE_ID_PREFIX.get(kind, "BQACAgIAAxkBAAI")


def file_path(stored: StoredFile, serial: int) -> str:
    """The ``file_path`` getFile answers: a folder per kind, and the extension of the name the file was sent
    under when it has one (``.jpeg`` stays ``.jpeg``), else one for its MIME type or kind."""
    folder = _FOLDERS.get(stored.kind, "documents")
    if stored.file_name and "." in stored.file_name:
        extension = stored.file_name.rsplit(".", 1)[1].lower()
    elif stored.mime_type in _EXTENSIONS:
        extension = _EXTENSIONS[stored.mime_type]
    else:
        extension = _KIND_EXTENSIONS.get(stored.kind, "bin")
    return f"{folder}/file_{serial}.{extension}"


def guess_mime(name: str | None, declared: str | None, data: bytes) -> str | None:
    """The MIME type Telegram reports: sniffed from the bytes first, then the declared one, then the name."""
    if data[4:8] == b"ftyp":
        return "video/mp4" if not name or not name.lower().endswith(".mov") else "video/quicktime"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"%PDF"):
        return "application/pdf"
    if declared and declared != "application/octet-stream":
        return declared
    if name and "." in name:
        guessed = mimetypes.guess_type(name)[0]
        if guessed:
            return guessed
    return declared


def probe_mp4(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, duration seconds) of a video Telegram can analyse, read with PyAV; None when ``data``
    is not one (Telegram then turns a sendVideo into a document)."""
    analysis = analyse_video(data)
    return analysis[:3] if analysis is not None else None


@functools.lru_cache(maxsize=8)  # the same render delivered to many chats is analysed once
def analyse_video(data: bytes) -> tuple[int, int, int, bytes | None] | None:
    """What Telegram reads from a video it analyses: (width, height, whole seconds, a JPEG thumbnail of the
    first frame in a 320 px box or None), or None when ``data`` holds no decodable video stream."""
    import av

    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            else:
                seconds = (container.duration or 0) / av.time_base
            first = next(iter(container.decode(stream)), None)
            image = first.to_image() if first is not None else None
    except (av.FFmpegError, OSError, ValueError):
        return None
    if not width or not height:
        return None
    thumbnail = None
    if image is not None:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        scaled = downscale_jpeg(buffer.getvalue(), 320)
        thumbnail = scaled[0] if scaled is not None else None
    return width, height, round(seconds), thumbnail


def valid_thumbnail(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a thumbnail the Bot API keeps: a JPEG under 200 kB, at most 320 px each side; None
    for any other, which Telegram drops without an error."""
    if len(data) >= MAX_THUMBNAIL_BYTES or not data.startswith(b"\xff\xd8\xff"):
        return None
    size = image_size(data)
    if size is None or max(size) > MAX_THUMBNAIL_SIDE:
        return None
    return size


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an image Pillow can open, else None."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        return None


@functools.lru_cache(maxsize=32)  # the same photo sent many times (bench/load.py) is scaled once
def downscale_jpeg(data: bytes, box: int) -> tuple[bytes, int, int] | None:
    """A JPEG of ``data`` fitting in ``box`` × ``box`` and its size, as Telegram makes for PhotoSize arrays and
    thumbnails; None when ``data`` is not an image."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            image.thumbnail((box, box))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=80)
            return buffer.getvalue(), image.width, image.height
    except Exception:
        return None
