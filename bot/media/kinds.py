"""Which files the bot takes at all, by kind: the one table transports and the wording of refusals go by."""

from __future__ import annotations

from bot.engines.base import MediaKind

SUFFIXES: dict[MediaKind, frozenset[str]] = {
    MediaKind.PHOTO: frozenset({".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif"}),
    MediaKind.VIDEO: frozenset({".mp4", ".mov", ".avi", ".webm", ".mkv"}),
    MediaKind.AUDIO: frozenset({".mp3", ".wav", ".m4a", ".aac"}),
}


def kind_of(suffix: str) -> MediaKind | None:
    """The kind of file a suffix (".jpg") says it is, or None for a type the bot cannot use."""
    suffix = suffix.lower()
    return next((kind for kind, suffixes in SUFFIXES.items() if suffix in suffixes), None)
