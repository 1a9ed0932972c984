from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.replies import split_text


def test_long_text_is_split_at_line_breaks() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    pieces = split_text(text)
    assert len(pieces) == 3
    assert all(len(p) <= 4096 for p in pieces)
    assert all(p.startswith("line ") for p in pieces)
    assert "\n".join(pieces) == text


@given(st.text(min_size=1, max_size=20000))
def test_every_piece_fits_and_nothing_is_lost(text: str) -> None:
    pieces = split_text(text)
    assert all(0 < len(p) <= 4096 for p in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())
