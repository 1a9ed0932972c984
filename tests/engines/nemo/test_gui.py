import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engines.nemo.gui import ADJUST_HINT, CREDITS_HINT, EXPORT_HINT, translate


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


# ---------------------------------------------------------------- audit: the sentence splitter

@pytest.mark.parametrize(
    ("backend", "kept"),
    [
        # A URL is never cut, whether its sentence stays or goes.
        ("I added music. See https://nemovideo.com/x. Then click Export.", "I added music. See https://nemovideo.com/x."),
        ("I added music. You can open the project at https://nemovideo.com/x.", "I added music."),
        ("Your draft: https://nemovideo.com/p/a.b?c=1,2. Tap Export when ready.",
         "Your draft: https://nemovideo.com/p/a.b?c=1,2."),
        ("Details at www.nemovideo.com/help.html, click Export to save.", "Details at www.nemovideo.com/help.html."),
        ("Write to help@nemovideo.com. Click Export to save.", "Write to help@nemovideo.com."),
        # Decimals, file names, abbreviations and list numbers are not sentence ends.
        ("The fade lasts 1.5 seconds. Drag the clip to adjust.", "The fade lasts 1.5 seconds."),
        ("I used photo.jpg and beach.PNG as the first shots. Open the Media panel to swap them.",
         "I used photo.jpg and beach.PNG as the first shots."),
        ("I added effects, e.g. a slow zoom, i.e. a Ken Burns move. Click Export.",
         "I added effects, e.g. a slow zoom, i.e. a Ken Burns move."),
        ("Version 2.0 vs. the old one: brighter. Click Export to save.", "Version 2.0 vs. the old one: brighter."),
        ("Tracks: 1. Video 2. Music. Open the timeline to see them.", "Tracks: 1. Video 2. Music."),
        # Chinese delimiters split without a space.
        ("视频已生成。点击导出保存。背景音乐已添加！", "视频已生成。背景音乐已添加！"),
        ("字幕已添加？打开时间线面板查看。", "字幕已添加？"),
        ("好的！请拖拽片段调整顺序。音量是35%。", "好的！音量是35%。"),
        # Line breaks stay between kept lines; a line that was only GUI talk goes with its break.
        ("Done!\nClick Export.\nNext I will add titles.", "Done!\nNext I will add titles."),
        ("Music added.\n\nOpen the Music panel to pick another.\n\nThe title is Summer.",
         "Music added.\n\nThe title is Summer."),
    ],
)
def test_sentences_are_split_without_breaking_urls_numbers_or_names(backend: str, kept: str) -> None:
    assert translate(backend).text == kept


# ---------------------------------------------------------------- audit: content stays, GUI talk goes

@pytest.mark.parametrize(
    ("backend", "kept", "hint"),
    [
        # tap / press / hit / select are clicks; clicking Export (or Save) points to /export.
        ("Tap Export when ready.", "", EXPORT_HINT),
        ("Press the Save button to keep it.", "", EXPORT_HINT),
        ("Hit Export and you're done.", "", EXPORT_HINT),
        ("Select Download in the top menu.", "", EXPORT_HINT),
        ("All done. Export it from the top right.", "All done.", EXPORT_HINT),
        ("You can download it now.", "", EXPORT_HINT),
        ("Check your balance on the dashboard.", "", CREDITS_HINT),
        ("Visit your billing page to top up. Your clip is ready.", "Your clip is ready.", CREDITS_HINT),
        ("查看账户余额。片段已生成。", "片段已生成。", CREDITS_HINT),
        ("Use the slider to set the volume.", "", ADJUST_HINT),
        ("You can trim it in the editor. The clip is 15s.", "The clip is 15s.", ADJUST_HINT),
        ("Drag and drop your photos onto the timeline.", "", ADJUST_HINT),
        # Only the GUI part of a sentence goes, with the words that lead into it.
        ("Your video is ready, click Export to save it.", "Your video is ready.", EXPORT_HINT),
        ("I added lo-fi music, and you can drag the clip to adjust timing.", "I added lo-fi music.", ADJUST_HINT),
        ("To celebrate summer, I added fireworks, click Export to save.", "To celebrate summer, I added fireworks.",
         EXPORT_HINT),
        ("视频已生成，点击导出保存。", "视频已生成。", EXPORT_HINT),
    ],
)
def test_gui_verbs_are_removed_with_their_hint(backend: str, kept: str, hint: str) -> None:
    result = translate(backend)
    assert result.text == kept
    assert hint in result.hints


@pytest.mark.parametrize(
    "backend",
    [
        "I will open with a drone shot… then the photos follow.",
        "I will open with a drone shot, then cut to the beach.",
        "The video opens with the sunset photo.",
        "The opening title stays on screen for 3 seconds.",
        "I added a click sound effect on every cut.",
        "This track will hit TikTok trends.",
        "The beat drop is at 0:05.",
        "I'll select the best three photos.",
        "The timeline now has 3 tracks: video, music and a title.",
        "This edit used 50 credits from your balance.",
        "我在时间线上加了字幕。",
        "我打算用航拍镜头开场。",
    ],
)
def test_content_that_only_looks_like_gui_talk_stays(backend: str) -> None:
    result = translate(backend)
    assert result.text == backend
    assert not result.show_timeline


@pytest.mark.parametrize(
    ("backend", "show_timeline"),
    [
        ("Open the Music panel to pick another track.", True),
        ("Go to Settings to change the resolution.", True),
        ("打开时间线查看效果。", True),
        ("Preview it in the player.", True),
        ("I will open the editor for you.", True),
        ("I will open with a drone shot.", False),
    ],
)
def test_open_counts_only_for_a_panel(backend: str, show_timeline: bool) -> None:
    assert translate(backend).show_timeline is show_timeline


@pytest.mark.parametrize(
    "backend",
    ["Click Apply to confirm.", "Tap OK.", "点击确认。", "Scroll down and hit Generate.", "Click here.\nClick there."],
)
def test_an_answer_that_was_only_gui_talk_is_carried_by_the_summary_and_hint(backend: str) -> None:
    result = translate(backend)
    assert result.text == ""
    assert result.show_timeline  # the bot did the click; the summary shows what is there now
    assert EXPORT_HINT in result.hints


@pytest.mark.parametrize("backend", ["", "   ", "\n\n"])
def test_nothing_said_gives_nothing_to_say(backend: str) -> None:
    assert translate(backend) == translate("")
    assert translate(backend).text == ""
    assert not translate(backend).show_timeline
    assert translate(backend).hints == ()
