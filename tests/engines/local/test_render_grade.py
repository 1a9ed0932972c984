"""Colour grades and letterbox bars in rendered frames: each grade moves the colours the way its name says, the
bars are black rows that never cover the text, and a preview carries the export's grade."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.engines.local import model, render, text

from .test_render import PREVIEW_H, PREVIEW_W, SMALL_30FPS, draft_of, frames, render_to

GREY = (128, 128, 128)
TAN = (170, 120, 80)  # a warm, saturated colour: the lower half of the test picture


def two_tone_picture(path: Path, size: tuple[int, int] = (PREVIEW_W, PREVIEW_H)) -> Path:
    """Grey above, tan below: the grey shows a tint, the tan shows saturation."""
    image = Image.new("RGB", size, GREY)
    image.paste(TAN, (0, size[1] // 2, size[0], size[1]))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def halves(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean RGB of a patch well inside the grey half and the tan half."""
    height, width = frame.shape[:2]
    inset = slice(width // 4, 3 * width // 4)
    grey = frame[height // 4 - 20: height // 4 + 20, inset].reshape(-1, 3).mean(axis=0)
    tan = frame[3 * height // 4 - 20: 3 * height // 4 + 20, inset].reshape(-1, 3).mean(axis=0)
    return grey, tan


def graded(tmp_path: Path, grade: str, **conf: object) -> np.ndarray:
    photo = two_tone_picture(tmp_path / "in" / "picture.png")
    out = render_to(draft_of([photo], duration_ms=500, motion="none", grade=grade, **conf), tmp_path / grade)
    return frames(out)[5]


def saturation(rgb: np.ndarray) -> float:
    return float(rgb.max() - rgb.min())


@pytest.fixture(scope="module")
def by_grade(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    root = tmp_path_factory.mktemp("grades")
    return {grade: halves(graded(root, grade)) for grade in model.GRADES}


def test_warm_grades_warm_and_cool_grades_cool(by_grade: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    def red_over_blue(grade: str) -> float:
        grey, _tan = by_grade[grade]
        return float(grey[0] / grey[2])

    assert abs(red_over_blue("none") - 1) < 0.03  # no grade: the grey stays grey
    assert red_over_blue("warm") > red_over_blue("warmlight") > red_over_blue("none") + 0.04
    assert red_over_blue("cool") < red_over_blue("none") - 0.08


def test_black_and_white_makes_every_channel_equal(by_grade: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    for patch in by_grade["mono"]:
        assert patch.max() - patch.min() <= 2, patch


def test_vivid_saturates_and_soft_mutes(by_grade: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    plain = saturation(by_grade["none"][1])
    assert saturation(by_grade["vivid"][1]) > plain * 1.25
    assert saturation(by_grade["soft"][1]) < plain * 0.9


def test_letterbox_bars_are_black_and_the_title_stays_in_the_picture_in_its_colours(tmp_path: Path) -> None:
    """The cinematic look's frame: warm grade, bars top and bottom, a title at the top: the bars are black rows,
    the title is drawn whole between them (inside the safe box) and keeps its white."""
    frame = graded(tmp_path, "warm", letterbox=True, title="SUMMER", title_position="top")
    bar = render.letterbox_bar(PREVIEW_W, PREVIEW_H)
    assert bar >= PREVIEW_H * 0.08
    assert frame[:bar].max() <= 20 and frame[PREVIEW_H - bar:].max() <= 20
    _left, top, _right, bottom = text.safe_box(PREVIEW_W, PREVIEW_H)
    # the picture shows right up to the bars (where no text is: above and below the safe box)
    assert frame[bar + 2: top].min() > 40 and frame[bottom: PREVIEW_H - bar - 2].min() > 40
    white = np.argwhere(frame.min(axis=2) > 225)
    assert len(white) > 100
    assert bar <= top <= white[:, 0].min() and white[:, 0].max() <= bottom
    title = frame[frame.min(axis=2) > 225].astype(float).mean(axis=0)
    assert title.max() - title.min() <= 6, title  # white, not warmed
    grey, _tan = halves(frame)
    assert grey[0] / grey[2] > 1.08  # while the picture is warm


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9"])
def test_letterbox_bars_never_cover_the_safe_box(aspect: str) -> None:
    for preview in (True, False):
        width, height = render.output_size({"aspect": aspect}, preview=preview)
        bar = render.letterbox_bar(width, height)
        _left, top, _right, bottom = text.safe_box(width, height)
        assert 0 < bar <= top and height - bar >= bottom and bar % 2 == 0
        assert (width / (height - 2 * bar)) <= render.CINEMA_RATIO + 0.01


def test_a_preview_and_its_export_carry_the_same_grade(tmp_path: Path) -> None:
    photo = two_tone_picture(tmp_path / "in" / "big.png", (1080, 1920))
    draft = draft_of([photo], duration_ms=500, motion="none", grade="warm", letterbox=True)
    preview = frames(render_to(draft, tmp_path / "preview"))[5]
    export = frames(render_to(draft, tmp_path / "export", preview=False, encoder=SMALL_30FPS))[5]
    for seen, made in zip(halves(preview), halves(export), strict=True):
        assert np.abs(seen - made).max() <= 4, (seen, made)
    for frame in (preview, export):
        bar = render.letterbox_bar(frame.shape[1], frame.shape[0])
        assert frame[:bar].max() <= 20 and frame[-bar:].max() <= 20
