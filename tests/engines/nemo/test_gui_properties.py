"""Properties of the GUI translation, over any text and over answers mixed from content and GUI talk."""

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engines.nemo.gui import EXPORT_HINT, translate

# Content sentences, including the ones that only look like GUI talk or have dots inside.
CONTENT = [
    "I added lo-fi music.",
    "I will open with a drone shot, then the beach.",
    "The video opens with the sunset photo!",
    "The fade lasts 1.5 seconds.",
    "I used photo.jpg and beach.png for the intro.",
    "I added effects, e.g. a slow zoom.",
    "There is a click sound on every cut.",
    "The beat drop is at 0:05.",
    "The timeline now has 3 tracks?",
    "This edit used 50 credits from your balance.",
    "Titles, stickers, etc. are in place.",
    "视频已生成。",
    "我在时间线上加了字幕！",
]
# GUI instructions, each of which must go entirely.
GUI = [
    "Click Export to save it.",
    "Tap Export when ready.",
    "Press the Save button.",
    "Hit Generate.",
    "Select Download in the top menu.",
    "Preview in Timeline panel or click Export to save it.",
    "Open the Music panel to pick another track.",
    "Go to Settings to change it.",
    "Drag the clip to adjust timing.",
    "You can adjust in editor if needed.",
    "Check your account billing for more credits.",
    "Go to dashboard to see usage.",
    "点击导出保存。",
    "打开时间线面板查看。",
    "请拖拽片段调整顺序。",
]
# Phrases that must never reach the user (checked on answers made of the sentences above).
GUI_PHRASES = re.compile(
    r"(?i:\bclick\s+export|\btap\b|\bpress\b|\bhit\s+generate|\bselect\s+download|\bpreview\s+in|\bopen\s+the\s+music"
    r"|\bgo\s+to\b|\bdrag\b|\bin\s+editor|\bcheck\s+your\s+account|\bdashboard)|点击|打开|拖拽"
)

_TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=10)


@st.composite
def urls(draw: st.DrawFn, tag: int = 0) -> tuple[str, str]:
    """A URL and a token that occurs in it only (to spot a part of it in the output)."""
    token = f"zq{tag}q" + draw(_TOKEN)
    scheme = draw(st.sampled_from(["https://", "http://", "www."]))
    path = draw(st.lists(st.sampled_from(["x", "a.b", "1.5", "p,q", "s?t=1&u=2", "v-w_x", "%20", "#y", "~z", "z.mp4"]),
                         max_size=4))
    return f"{scheme}{token}.com/" + "/".join([*path, draw(_TOKEN)]), token


@st.composite
def answers(draw: st.DrawFn) -> tuple[str, list[str], list[str], list[tuple[str, str, bool]]]:
    """A backend answer mixed from content and GUI sentences, some of them carrying URLs."""
    content: list[str] = []
    gui: list[str] = []
    links: list[tuple[str, str, bool]] = []  # url, token, whether its sentence is content
    parts: list[str] = []
    for index in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["content", "gui", "content-url", "gui-url"]))
        if kind == "content":
            sentence = draw(st.sampled_from(CONTENT))
            content.append(sentence)
        elif kind == "gui":
            sentence = draw(st.sampled_from(GUI))
            gui.append(sentence)
        else:
            url, token = draw(urls(index))
            end = draw(st.sampled_from([".", "!", "", " ."]))
            if kind == "content-url":
                sentence = f"Your draft is at {url}{end}"
                content.append(sentence)
            else:
                sentence = draw(st.sampled_from([
                    f"Open the project at {url}{end}",
                    f"Click {url} to open the editor{end}",
                    f"Go to the dashboard at {url}{end}",
                ]))
                gui.append(sentence)
            links.append((url, token, kind == "content-url"))
        parts.append(sentence)
        breaks = ["\n", "\n\n", " \n"]  # a sentence without a full stop ends at its line's end
        parts.append(draw(st.sampled_from([*breaks, " ", "  "] if sentence.endswith(tuple(".!?。！？")) else breaks)))
    return "".join(parts), content, gui, links


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(answers())
def test_gui_talk_goes_content_stays_and_urls_stay_whole(case: tuple) -> None:
    text, content, gui, links = case
    out = translate(text).text
    for sentence in content:
        assert sentence.strip() in out
    for sentence in gui:
        assert sentence.strip() not in out
    assert not GUI_PHRASES.search(out), out
    for url, token, kept in links:
        assert out.count(token) == out.count(url)  # every trace of the URL is the whole URL
        if kept:
            assert url in out
        else:
            assert url not in out


@settings(max_examples=300)
@given(st.text(), urls(), st.text())
def test_a_url_in_any_text_is_kept_whole_or_dropped_whole(before: str, link: tuple[str, str], after: str) -> None:
    url, token = link
    out = translate(f"{before} {url} {after}").text
    assert out.count(token) == out.count(url)


@settings(max_examples=500)
@given(st.text())
def test_any_text_translates_and_the_result_has_no_gui_talk_left(text: str) -> None:
    result = translate(text)
    assert isinstance(result.text, str)
    again = translate(result.text)
    assert again.text == result.text  # nothing left that the translation would remove
    assert not (result.text == "" and text.strip() and not result.hints)  # never a silent answer


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Lo", "Po", "Ll"])))
def test_control_and_format_characters_do_not_break_it(text: str) -> None:
    translate(text)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,
        " " * 200_000 + "x",
        "." * 200_000 + "a",
        "click " * 30_000,
        "and, " * 40_000 + "click Export",
        "if x, " * 30_000 + "click Export",
        "https://" + "a" * 200_000,
        "a@" * 100_000,
        "1. " * 60_000,
        "e.g. " * 40_000,
        "open " * 40_000 + "panel",
        "drag\n" * 40_000,
        "I added music. Click Export. " * 7_000,
        "点击导出。" * 40_000,
    ],
)
def test_very_long_text_is_handled_in_reasonable_time(text: str) -> None:
    started = time.process_time()  # CPU time: a busy machine slows the wall clock, not the work
    result = translate(text)
    assert time.process_time() - started < 5
    if "Export" in text:
        assert EXPORT_HINT in result.hints
