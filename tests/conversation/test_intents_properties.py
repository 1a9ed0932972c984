"""Properties of the router: it never raises, and the table's rows keep their meaning around other words."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation.intents import Intent, classify, is_blank, without_control_characters

ENGLISH = [
    ("export", Intent.EXPORT),
    ("download", Intent.EXPORT),
    ("send me the video", Intent.EXPORT),
    ("credits", Intent.CREDITS),
    ("balance", Intent.CREDITS),
    ("status", Intent.STATUS),
    ("show tracks", Intent.STATUS),
    ("upload", Intent.UPLOAD),
]
CHINESE = [("导出", Intent.EXPORT), ("积分", Intent.CREDITS), ("余额", Intent.CREDITS), ("状态", Intent.STATUS),
           ("上传", Intent.UPLOAD)]
EDITS = ["add music", "make it louder", "change the title to Summer", "please trim the intro", "can you add a fade",
         "加个字幕", "把标题改成Summer"]


def _cased(draw: st.DrawFn, text: str) -> str:
    return "".join(ch.upper() if draw(st.booleans()) else ch for ch in text)


@st.composite
def polite(draw: st.DrawFn) -> tuple[str, Intent]:
    """A row of the table with casing, politeness and punctuation around it."""
    keyword, intent = draw(st.sampled_from(ENGLISH + CHINESE))
    before = draw(st.sampled_from(["", "please ", "ok ", "ok, ", "hey! ", "  ", "请", "好的，"]))
    after = draw(st.sampled_from(["", "!", "?", ".", " please", " now", "!!", "？", "吧", " 🙏"]))
    return before + _cased(draw, keyword) + after, intent


@settings(max_examples=300)
@given(polite())
def test_a_row_of_the_table_keeps_its_action_around_polite_words(case: tuple[str, Intent]) -> None:
    text, intent = case
    assert classify(text) is intent


NEGATIONS = ["don't", "do not", "never", "not yet", "don't want to", "please don't", "i don't need to", "DON'T",
             "don’t"]
GLUE = [", then ", " and ", " then ", "，然后", ". "]


@settings(max_examples=300)
@given(st.sampled_from(ENGLISH), st.sampled_from(NEGATIONS))
def test_a_governing_negation_sends_the_row_to_the_stream(row: tuple[str, Intent], negation: str) -> None:
    assert classify(f"{negation} {row[0]}") is Intent.EDIT


@settings(max_examples=100)
@given(st.sampled_from(CHINESE), st.sampled_from(["不要", "先别", "别", "先不", "不用", "暂时不要"]))
def test_a_governing_chinese_negation_sends_the_row_to_the_stream(row: tuple[str, Intent], negation: str) -> None:
    assert classify(negation + row[0]) is Intent.EDIT


@settings(max_examples=300)
@given(st.sampled_from(ENGLISH + CHINESE), st.sampled_from(EDITS), st.sampled_from(GLUE))
def test_an_edit_before_the_keyword_sends_it_to_the_stream(row: tuple[str, Intent], edit: str, glue: str) -> None:
    assert classify(edit + glue + row[0]) is Intent.EDIT


@settings(max_examples=1000)
@given(st.text())
def test_no_text_makes_the_router_raise(text: str) -> None:
    assert classify(text) in set(Intent)


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Lo", "Po", "Ll"])))
def test_control_and_format_characters_do_not_break_it(text: str) -> None:
    assert classify(text) in set(Intent)


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(codec="utf-8")))  # every code point, surrogates aside
def test_cleaning_a_text_never_raises_and_leaves_no_control_character(text: str) -> None:
    cleaned = without_control_characters(text)
    assert all(ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in cleaned)
    assert without_control_characters(cleaned) == cleaned
    is_blank(cleaned)
    assert classify(cleaned) in set(Intent)


@given(st.text(alphabet=st.characters(categories=["Cc"]), min_size=1))
def test_a_text_of_control_characters_only_is_blank(text: str) -> None:
    assert is_blank(without_control_characters(text))


@pytest.mark.parametrize(
    "text",
    [
        "export " * 30_000,
        "don't " * 30_000 + "export",
        "upload " * 30_000,
        "导出" * 100_000,
        "不" * 200_000 + "导出",
        "add " * 50_000 + "export",
        "credits " * 25_000,
        "a" * 200_000,
        "if x, " * 30_000 + "export",
    ],
)
def test_very_long_text_is_routed_in_reasonable_time(text: str) -> None:
    # CPU time, not wall time: a busy machine slows the clock on the wall, not the work. A pattern that
    # backtracks on these texts takes minutes, so 5 s only catches that.
    started = time.process_time()
    assert classify(text) in set(Intent)
    assert time.process_time() - started < 5
