"""Names of files as we pass them on: ours, not whatever the sender typed.

A file name arrives from a chat as any string: `../../../etc/passwd.jpg`, `C:\\Users\\me\\photo.jpg`, 300
characters, control characters, a right-to-left override that makes `gpj.exe` read as `exe.jpg`. Where a name
leaves the bot (an upload to the cloud) or lands on disk, it is the base name of what was sent, cleaned: the
suffix kept (services and engines know formats by it), letters of every script kept readable (a Chinese name
stays Chinese), and short enough for any file system and URL.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARACTERS = 100
MAX_UTF8_BYTES = 255  # the name limit of common file systems (ext4, APFS) and object stores' key segments
FALLBACK_STEM = "file"

_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}$")
_KEPT_PUNCTUATION = frozenset(" -_.,()[]+&'")
_RUNS = re.compile(r"[_ ]{2,}")


def safe_suffix(filename: str) -> str:
    """The extension of `filename` (".jpg"), lower-cased, or "" when it has none a file system would take."""
    return _split(_base(filename))[1].lower()


def safe_name(filename: str) -> str:
    """A name to pass `filename` on under: its last path segment, with every character that is not a letter,
    mark, digit or plain punctuation turned into "_", no leading dots, and its suffix kept within
    MAX_CHARACTERS characters and MAX_UTF8_BYTES bytes."""
    stem, suffix = _split(_base(filename))
    stem = "".join(char if _kept(char) else "_" for char in stem)
    stem = _RUNS.sub(lambda run: run.group(0)[0], stem).strip(" ._") or FALLBACK_STEM
    while len(stem) + len(suffix) > MAX_CHARACTERS or len((stem + suffix).encode()) > MAX_UTF8_BYTES:
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


def _split(base: str) -> tuple[str, str]:
    """(stem, suffix) of a base name; ".jpg" alone is a suffix with an empty stem."""
    match = _SUFFIX.search(base)
    return (base[: match.start()], match.group(0)) if match else (base, "")


def _base(filename: str) -> str:
    """The last segment of a path written with either separator (a Windows path arrives with backslashes)."""
    normal = unicodedata.normalize("NFC", filename)
    return next((part for part in reversed(re.split(r"[/\\]", normal)) if part.strip()), "")


def _kept(char: str) -> bool:
    """Letters, marks and digits of any script, and punctuation no shell, URL or file system minds."""
    return unicodedata.category(char)[0] in "LMN" or char in _KEPT_PUNCTUATION
