"""Where received files are kept: a fresh place per file, per chat, never overwriting; and which files count."""

from __future__ import annotations

from pathlib import Path

from bot.engines.base import MediaKind
from bot.media import MediaFolder, kind_of


def test_every_file_gets_its_own_place_in_its_chats_folder(tmp_path: Path) -> None:
    folder = MediaFolder(tmp_path / "media")
    first, second = folder.place_for(5, "IMG_1.JPG"), folder.place_for(5, "IMG_1.JPG")
    other = folder.place_for(-100, "song.mp3")
    assert first != second and first.parent == second.parent == tmp_path / "media" / "5"
    assert first.suffix == ".jpg" and other.parent.name == "-100" and other.suffix == ".mp3"
    first.write_bytes(b"x")
    folder.discard(first)
    folder.discard(first)  # gone already: nothing to complain about
    assert not first.exists()


def test_the_kinds_the_bot_takes() -> None:
    assert kind_of(".JPEG") is MediaKind.PHOTO and kind_of(".heic") is MediaKind.PHOTO
    assert kind_of(".mov") is MediaKind.VIDEO and kind_of(".m4a") is MediaKind.AUDIO
    assert kind_of(".pdf") is None and kind_of("") is None
