"""Where received files are kept: a fresh place per file, per chat, never overwriting; and which files count."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.engines.base import MediaKind
from bot.media import MediaFolder, kind_of


async def test_every_file_gets_its_own_place_in_its_chats_folder(tmp_path: Path) -> None:
    folder = MediaFolder(tmp_path / "media")
    first, second = folder.place_for(5, "IMG_1.JPG"), folder.place_for(5, "IMG_1.JPG")
    other = folder.place_for(-100, "song.mp3")
    assert first != second and first.parent == second.parent == tmp_path / "media" / "5"
    assert first.suffix == ".jpg" and other.parent.name == "-100" and other.suffix == ".mp3"
    first.write_bytes(b"x")
    await folder.discard(first)
    await folder.discard(first)  # gone already: nothing to complain about
    assert not first.exists()


def test_the_kinds_the_bot_takes() -> None:
    assert kind_of(".JPEG") is MediaKind.PHOTO and kind_of(".heic") is MediaKind.PHOTO
    assert kind_of(".mov") is MediaKind.VIDEO and kind_of(".m4a") is MediaKind.AUDIO
    assert kind_of(".pdf") is None and kind_of("") is None


@settings(deadline=None)  # each example writes a file: a busy disk is no failure
@given(st.text(max_size=300))
@example("../../../etc/passwd.jpg")
@example("x.j\x00pg")
@example("..\\..\\evil.PNG")
def test_a_file_is_kept_under_a_name_of_ours_whatever_it_was_sent_as(name: str) -> None:
    with tempfile.TemporaryDirectory() as root:
        folder = MediaFolder(Path(root) / "media")
        place = folder.place_for(7, name)
        assert place.parent == Path(root) / "media" / "7"
        assert re.fullmatch(r"[0-9a-f]{32}(\.[a-z0-9]{1,10})?", place.name)
        place.write_bytes(b"x")  # a name the file system takes (no NUL, no separator, not too long)
    assert folder.place_for(7, "../../../etc/passwd.jpg").suffix == ".jpg"
