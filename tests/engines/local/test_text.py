"""Titles and captions: safe-box placement at every size, per-character font fallback, nothing drawn as a
box, and text too long for the screen wrapped, shrunk and (only then) cut with "…" - and always reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.engines.local import text

SIZES = [(1080, 1920), (1080, 1080), (1920, 1080), (540, 960), (540, 540), (960, 540)]  # 9:16, 1:1, 16:9, previews


def ink(placed: text.Placed) -> np.ndarray:
    with Image.open(placed.path) as image:
        return np.asarray(image.convert("RGBA"))[:, :, 3]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("position", ["top", "center", "bottom"])
def test_placement_rounds_inwards_into_the_safe_box(tmp_path: Path, size: tuple[int, int], position: str) -> None:
    left, top, right, bottom = text.safe_box(*size)
    for words in ("WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", "Hi", "A summer title that wraps onto lines"):
        for kind in ("title", "caption"):
            placed = text.render_text(words, tmp_path / "t.png", size, position=position, kind=kind)
            assert placed.x % 2 == 0 and placed.y % 2 == 0  # yuv420p: chroma-aligned
            assert left <= placed.x and placed.x + placed.width <= right, (size, placed)
            assert top <= placed.y and placed.y + placed.height <= bottom, (size, placed)
            assert ink(placed).any()


def test_the_old_rounding_left_the_box_at_16_9() -> None:
    """The safe box of a 960x540 preview starts at an odd x (107): text as wide as the box must not start at 106."""
    assert text.safe_box(960, 540)[0] % 2 == 1
    left, _, right, _ = text.even_box(960, 540)
    assert left == 108 and right % 2 == 0


def test_each_character_is_drawn_by_a_font_that_has_it() -> None:
    runs, dropped = text.assign_fonts("Seoul 서울 東京 かな 夏天 Ωмир!")
    assert dropped == ""
    fonts = {chars: Path(path or "").name for chars, path in runs}
    assert any("서울" in chars and name.startswith("NotoSansKR") for chars, name in fonts.items()), fonts
    assert runs[0][0].startswith("Seoul") and Path(runs[0][1] or "").name.startswith("NotoSansSC")
    for chars, path in runs:
        assert all(c in text.coverage(path) for c in chars if path)


def test_characters_no_font_has_are_left_out_and_reported(tmp_path: Path) -> None:
    with_emoji = text.render_text("Party 🎉 time مرحبا ❤️", tmp_path / "a.png", (1080, 1920),
                                  position="center", kind="title")
    plain = text.render_text("Party time", tmp_path / "b.png", (1080, 1920), position="center", kind="title")
    assert with_emoji.dropped == "🎉مرحبا❤"  # each once, in order; the invisible variation selector silently
    assert with_emoji.lines == ("Party time",) and not with_emoji.complete
    assert np.array_equal(ink(with_emoji), ink(plain))  # no tofu boxes: exactly the text without them
    korean = text.render_text("서울의 여름", tmp_path / "c.png", (1080, 1920), position="center", kind="title")
    assert korean.dropped == "" and korean.complete and ink(korean).mean() > 20


def test_long_text_wraps_onto_more_lines_before_anything_is_cut(tmp_path: Path) -> None:
    long = " ".join(["summer"] * 60)
    placed = text.render_text(long, tmp_path / "t.png", (1080, 1920), position="bottom", kind="caption")
    assert not placed.truncated and len(placed.lines) > text.MAX_LINES
    assert " ".join(placed.lines) == long
    word = text.render_text("Supercalifragilisticexpialidocious" * 3, tmp_path / "w.png", (1080, 1920),
                            position="center", kind="title")  # one word wider than a line: broken inside
    assert len(word.lines) > 1 and "".join(word.lines) == "Supercalifragilisticexpialidocious" * 3


@pytest.mark.parametrize("size", [(1080, 1920), (540, 960), (1920, 1080)])
def test_text_too_long_for_the_box_is_cut_with_an_ellipsis(tmp_path: Path, size: tuple[int, int]) -> None:
    left, top, right, bottom = text.safe_box(*size)
    for long in ("夏天的回忆" * 1000, "the long summer " * 600):
        placed = text.render_text(long, tmp_path / "t.png", size, position="top", kind="title")
        assert placed.truncated and not placed.complete and placed.lines[-1].endswith(text.ELLIPSIS)
        shown = "".join(placed.lines)[: -len(text.ELLIPSIS)].replace(" ", "")
        assert len(shown) > 50 and long.replace(" ", "").startswith(shown)  # a cut, not a reshuffle
        assert left <= placed.x and placed.x + placed.width <= right
        assert top <= placed.y and placed.y + placed.height <= bottom
