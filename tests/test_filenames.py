"""Names we pass on are ours: any name a chat sends becomes one safe path segment, its suffix and its letters
kept."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bot.filenames import safe_name, safe_suffix

_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}$")
_PATHS = st.lists(st.sampled_from(["..", ".", "etc", "C:", "", "照片", " "]), max_size=4).map("/".join)
_NAMES = st.builds(
    lambda path, sep, name, suffix: path.replace("/", sep) + sep + name + suffix,
    _PATHS, st.sampled_from(["/", "\\"]), st.text(max_size=320), st.sampled_from(["", ".jpg", ".JPEG", ".mp4", "."]),
) | st.text(max_size=400)


@settings(deadline=None)  # each example writes a file: a busy disk is no failure
@given(_NAMES)
@example("../../../etc/passwd.jpg")
@example("a" * 300 + ".png")
@example("\x00\x1b[31m.jpg")
def test_any_name_becomes_one_safe_segment(name: str) -> None:
    safe = safe_name(name)
    assert safe and len(safe) <= 100 and len(safe.encode()) <= 255
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".") and safe.strip() == safe
    assert all(unicodedata.category(char)[0] in "LMN" or char in " -_.,()[]+&'" for char in safe)
    assert safe_name(safe) == safe  # already ours: left as it is
    with tempfile.TemporaryDirectory() as folder:  # every file system and URL segment takes it
        (Path(folder) / safe).write_bytes(b"x")
        assert [p.name for p in Path(folder).iterdir()] == [safe]


@given(_NAMES)
def test_the_suffix_is_kept(name: str) -> None:
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    if (match := _SUFFIX.search(base)) and base.strip():
        assert safe_name(name).endswith(match.group(0))
        assert safe_suffix(name) == match.group(0).lower()
    assert re.fullmatch(r"(\.[a-z0-9]{1,10})?", safe_suffix(name))


@given(st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=90))
def test_letters_of_every_script_stay_readable(stem: str) -> None:
    stem = unicodedata.normalize("NFC", stem)
    assume(len(f"{stem}.jpg".encode()) <= 255)
    assert safe_name(f"../{stem}.jpg") == f"{stem}.jpg"


def test_examples() -> None:
    assert safe_name("../../../etc/passwd.jpg") == "passwd.jpg"
    assert safe_name("C:\\Users\\me\\IMG 1.JPG") == "IMG 1.JPG"
    assert safe_name("旅行照片.png") == "旅行照片.png"
    assert safe_name("中" * 300 + ".jpg") == "中" * 83 + ".jpg"  # 253 bytes of UTF-8
    assert safe_name("\u202egpj.exe") == "gpj.exe"  # the right-to-left override that hid ".exe" is gone
    assert safe_name("") == safe_name("..") == "file" and safe_name(".jpg") == "file.jpg"
