"""What Telegram reads from the files it is given: an MP4's size and duration, an image's dimensions, a
MIME type, the scaled-down copies it makes of photos, and how it names files and their ids."""

from __future__ import annotations

import functools
import io
import mimetypes
import struct

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
    """(width, height, duration seconds) of an MP4/MOV, or None when ``data`` is not one (Telegram then
    turns a sendVideo into a document)."""
    if len(data) < 12 or data[4:8] != b"ftyp":
        return None
    width = height = 0
    duration = 0.0

    def walk(start: int, end: int) -> None:
        nonlocal width, height, duration
        pos = start
        while pos + 8 <= end:
            size, kind = struct.unpack(">I4s", data[pos : pos + 8])
            header = 8
            if size == 1 and pos + 16 <= end:
                size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
                header = 16
            elif size == 0:
                size = end - pos
            if size < header or pos + size > end:
                return
            body = pos + header
            if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl"):
                walk(body, pos + size)
            elif kind == b"mvhd":
                version = data[body]
                if version == 1:
                    timescale, dur = struct.unpack(">IQ", data[body + 20 : body + 32])
                else:
                    timescale, dur = struct.unpack(">II", data[body + 12 : body + 20])
                if timescale:
                    duration = dur / timescale
            elif kind == b"tkhd":
                version = data[body]
                offset = body + (88 if version == 1 else 76)
                if offset + 8 <= pos + size:
                    w, h = struct.unpack(">II", data[offset : offset + 8])
                    if w and h and not width:
                        width, height = w >> 16, h >> 16
            pos += size

    walk(0, len(data))
    return width, height, round(duration)


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
