"""Properties of the planner over arbitrary text: it raises nothing but PlanError, never edits the draft it is
given, and what it returns is a draft the model itself would lay out the same way."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engines.local import model
from bot.engines.local.plan import PlanError, apply_instruction

# Words the rules react to, so generated messages reach deep into them rather than all being refused.
VOCABULARY = (
    "title", "caption", "subtitle", "photo", "photos", "2", "3", "9", "0", "and", ",", ":", "：", "no", "don't",
    "remove", "swap", "move", "make", "to", "the", "top", "bottom", "first", "last", "slide", "left", "right", "up",
    "wipe", "zoom", "in", "out", "on", "pan", "fade", "dissolve", "random", "transitions", "music", "lo-fi", "epic",
    "50%", "percent", "volume", "15s", "30", "seconds", "per", "each", "pace", "square", "16:9", "crop", "blur",
    "video", "stickers", "ken burns", "off", "none", '"', "'", "“", "”", "「", "」", "每张", "第", "张", "秒", "两",
    "十", "百分之", "标题", "字幕", "放在", "底部", "不要", "关掉", "音乐", "转场", "缩放", "运镜", "最后", "一",
    "\n", "\t", "\x00", "\ue000", "\u202e",
)

messages = st.one_of(
    st.text(max_size=300),  # any characters, control characters and Chinese included
    st.lists(st.sampled_from(VOCABULARY) | st.text(max_size=4), max_size=40).map(" ".join),
    st.lists(st.sampled_from(VOCABULARY), max_size=40).map("".join),
)


def draft_with(count: int, **conf: Any) -> dict[str, Any]:
    photos = [{"id": f"p{i}", "m": {"name": f"photo{i}.jpg", "path": f"/x/photo{i}.jpg", "width": 800,
                                    "height": 600, **({"caption": f"c{i}"} if i % 2 else {})}}
              for i in range(1, count + 1)]
    return model.layout(photos, {**model.DEFAULTS, **conf})


drafts = st.builds(
    draft_with, st.integers(min_value=0, max_value=5),
    music=st.booleans(), title=st.sampled_from([None, "Old"]), motion=st.sampled_from(["kenburns", "none"]),
    transition=st.sampled_from(["fade", "none"]), audio_path=st.sampled_from([None, "/x/song.mp3"]),
)

PROPERTY = settings(max_examples=300)


@PROPERTY
@given(draft=drafts, text=messages)
def test_only_plan_errors_and_the_given_draft_is_never_modified(draft: dict[str, Any], text: str) -> None:
    before = copy.deepcopy(draft)
    try:
        result = apply_instruction(draft, text)
    except PlanError as exc:
        said = str(exc.detail)
        assert said.strip() and said.endswith(".") and "Done" not in said
        assert draft == before  # a refusal leaves the timeline exactly as it was
        return
    assert draft == before
    said = str(result.sentence)
    assert said.startswith(("Done:", "Your video is set:")) and said.endswith(".")
    # "Done" only when the video changed
    assert said.startswith("Your video is set:") or result.draft != model.layout(model.photos(before), before["m"])
    # the new draft is consistent: laying it out again changes nothing
    assert model.layout(model.photos(result.draft), result.draft["m"]) == result.draft
    # photos are only ever reordered or removed, never invented
    ids = [p["id"] for p in model.photos(result.draft)]
    assert len(ids) == len(set(ids)) and set(ids) <= {p["id"] for p in model.photos(before)}


@PROPERTY
@given(text=messages)
def test_no_draft_yet_is_handled_too(text: str) -> None:
    try:
        result = apply_instruction(None, text)
    except PlanError:
        return
    assert model.photos(result.draft) == []


@settings(max_examples=100, deadline=2000)
@given(words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=20))
def test_a_message_that_names_a_missing_photo_changes_nothing(words: list[str]) -> None:
    """Naming photo 9 of 3 is refused as a whole, whatever else the message asks for."""
    before = draft_with(3)
    for text in (" ".join([*words, "and remove photo 9"]), " ".join(['caption photo 9 "x"', *words])):
        try:
            apply_instruction(before, text)
        except PlanError:
            continue
        raise AssertionError(f"{text!r} was applied although it names photo 9 of 3")
    assert before == draft_with(3)
