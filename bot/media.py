"""Where the files people send are kept (MEDIA_DIR), and which files the bot takes at all.

A received file is saved before anything else happens to it, so nothing a user sent is lost when an engine
is out of reach or the process dies. Transports save into `MediaFolder.place_for`; the core removes what it
refuses. Both get the same folder through their constructors.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

from bot.engines.base import MediaKind
from bot.filenames import safe_suffix

# The file types the bot takes, by kind: the one table transports and the wording of refusals go by.
SUFFIXES: dict[MediaKind, frozenset[str]] = {
    MediaKind.PHOTO: frozenset({".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif"}),
    MediaKind.VIDEO: frozenset({".mp4", ".mov", ".avi", ".webm", ".mkv"}),
    MediaKind.AUDIO: frozenset({".mp3", ".wav", ".m4a", ".aac"}),
}


def kind_of(suffix: str) -> MediaKind | None:
    """The kind of file a suffix (".jpg") says it is, or None for a type the bot cannot use."""
    suffix = suffix.lower()
    return next((kind for kind, suffixes in SUFFIXES.items() if suffix in suffixes), None)


class MediaFolder:
    """MEDIA_DIR: one folder per chat, a fresh name per file, so nothing is ever overwritten."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def place_for(self, chat_id: int, filename: str) -> Path:
        """Where to save a file just received in `chat_id`: a fresh name of ours, with the suffix of the name
        it was sent under (engines go by it) when that is a plain extension, never any other part of it."""
        folder = self.root / str(chat_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{uuid.uuid4().hex}{safe_suffix(filename)}"

    def discard(self, path: Path) -> None:
        """Remove a saved copy that will never be used (refused input leaves nothing behind)."""
        with contextlib.suppress(OSError):
            Path(path).unlink(missing_ok=True)
