from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.replies import split_text, utf16_length


def units(text: str) -> int:
    """UTF-16 code units, counted as Telegram counts them (independently of the code under test)."""
    return len(text.encode("utf-16-le")) // 2

# Text as users and group titles write it: Latin, CJK (BMP and the supplementary plane), emoji (two UTF-16
# units each, some joined by ZWJ or variation selectors), and every kind of break.
_ALPHABET = st.sampled_from(
    list("abc xyz,.") + list("中文标题视频") + ["𠀀", "𪚥"] + ["😀", "🎬", "👩‍👩‍👧", "❤️", "🇨🇳"]
    + [" ", "\n", "\n\n", "\t", "\u3000"]
)
_TEXTS = st.lists(_ALPHABET, max_size=6000).map("".join) | st.text(max_size=12000)


def test_long_text_is_split_at_line_breaks() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    pieces = split_text(text)
    assert len(pieces) == 3
    assert all(len(p) <= 4096 for p in pieces)
    assert all(p.startswith("line ") for p in pieces)
    assert "\n".join(pieces) == text


def test_emoji_count_twice() -> None:
    pieces = split_text("😀" * 3000)  # 3000 characters, 6000 units: two messages
    assert [units(p) for p in pieces] == [4096, 1904]
    assert split_text("🎬" * 600, 1024) == ["🎬" * 512, "🎬" * 88]  # a caption: 512 emoji, not 1024


@given(_TEXTS, st.sampled_from([4096, 1024, 7, 2]))
def test_every_piece_fits_in_utf16_units_and_nothing_is_lost(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(0 < units(p) <= limit for p in pieces)
    assert all(p == p.strip() for p in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())
    assert all(p.encode("utf-16-le", "strict") for p in pieces)  # no lone half of a surrogate pair


@given(_TEXTS)
def test_utf16_length_is_telegrams_count(text: str) -> None:
    assert utf16_length(text) == units(text)
