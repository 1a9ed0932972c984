"""The common edits phrased the many ways people ask for them, in English and Chinese (tables in `phrasings`):
each makes exactly its edit on the same draft. A phrasing that changes nothing (the title is already "Old")
must say so, never "Done"."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engines.local.plan import PlanError, apply_instruction
from tests.engines.local.phrasings import CHINESE, ENGLISH, base, fields
from tests.engines.local.phrasings_held_out import HELD_OUT


def outcome(text: str) -> tuple[dict[str, Any], str]:
    """The draft's fields after `text` and the answer, in English."""
    before = base()
    try:
        result = apply_instruction(before, text)
    except PlanError as exc:
        return fields(before), str(exc.detail)
    return fields(result.draft), str(result.sentence)


def makes(text: str, expected: dict[str, Any]) -> bool:
    got, said = outcome(text)
    return {key: got[key] for key in expected} == expected and got != fields(base()) and said.startswith("Done")


def test_the_table_is_half_chinese_and_150_with_the_held_out_rows() -> None:
    rows = ENGLISH + CHINESE + HELD_OUT
    chinese = [text for text, _ in rows if any("\u4e00" <= ch <= "\u9fff" for ch in text)]
    assert len(rows) >= 150 and len(chinese) >= len(rows) / 2
    assert len(HELD_OUT) == 30 and not {text for text, _ in HELD_OUT} & {text for text, _ in ENGLISH + CHINESE}


@pytest.mark.parametrize(("text", "expected"), ENGLISH + CHINESE)
def test_each_phrasing_makes_its_edit(text: str, expected: dict[str, Any]) -> None:
    got, said = outcome(text)
    assert {key: got[key] for key in expected} == expected, said
    assert said.startswith("Done"), said


def test_held_out_phrasings_score() -> None:
    """Rows nobody tuned the rules on: the share understood is reported, and must not fall below what it was."""
    missed = [text for text, expected in HELD_OUT if not makes(text, expected)]
    score = 1 - len(missed) / len(HELD_OUT)
    print(f"held-out phrasings understood: {score:.0%}; missed: {missed}")
    assert score >= HELD_OUT_FLOOR, missed


# Measured the first time the held-out rows ran (28 of 30; the code before these rules: 23 of 30).
HELD_OUT_FLOOR = 28 / 30
