import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.gui import ADJUST_HINT, CREDITS_HINT, EXPORT_HINT, translate


def test_the_contract_example_becomes_a_summary_and_the_export_pointer() -> None:
    result = translate("Your video is ready! Preview in Timeline panel or click Export to save it.")
    assert result.text == "Your video is ready!"
    assert result.show_timeline
    assert result.hints == (EXPORT_HINT,)


@pytest.mark.parametrize(
    ("backend", "kept", "hint"),
    [
        ("I added lo-fi music. Drag the clip to adjust timing.", "I added lo-fi music.", ADJUST_HINT),
        ("Done! You can adjust in editor if needed.", "Done!", ADJUST_HINT),
        ("Check your account billing for more credits.", "", CREDITS_HINT),
        ("Go to dashboard to see usage. Your clip is 15s.", "Your clip is 15s.", CREDITS_HINT),
        ("视频已生成！点击导出保存。", "视频已生成！", EXPORT_HINT),
        ("Click the Export button when you're happy.", "", EXPORT_HINT),
        ("请拖拽片段调整顺序。好的。", "好的。", ADJUST_HINT),
    ],
)
def test_gui_instructions_are_replaced_and_content_kept(backend: str, kept: str, hint: str) -> None:
    result = translate(backend)
    assert result.text == kept
    assert hint in result.hints


def test_open_a_panel_shows_the_timeline() -> None:
    result = translate("Open the Music panel to pick another track.")
    assert result.text == ""
    assert result.show_timeline


def test_plain_content_passes_untouched() -> None:
    text = 'Added the title "Urban Dreams" for the first 3 seconds, with a fade between every photo.'
    result = translate(text)
    assert result.text == text
    assert not result.show_timeline
    assert result.hints == ()


@given(st.text())
def test_translation_never_raises(text: str) -> None:
    translate(text)
