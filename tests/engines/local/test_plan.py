"""Planning: each kind of instruction in English and Chinese, and the ones that must be refused."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engines.local import model
from bot.engines.local.plan import PlanError, apply_instruction
from bot.timeline import AUDIO, TEXT, summary


def draft_with(count: int = 3, **conf: Any) -> dict[str, Any]:
    photos = [{"id": f"p{i}", "m": {"name": f"photo{i}.jpg", "path": f"/x/photo{i}.jpg", "width": 800,
                                    "height": 600}} for i in range(1, count + 1)]
    return model.layout(photos, {**model.DEFAULTS, **conf})


def names(draft: dict[str, Any]) -> list[str]:
    return [p["m"]["name"] for p in model.photos(draft)]


def track(draft: dict[str, Any], tt: int) -> dict[str, Any] | None:
    return next((t for t in draft["t"] if t["tt"] == tt), None)


def test_canonical_first_instruction_makes_15s_with_transitions_and_music() -> None:
    result = apply_instruction(draft_with(3), "turn my photos into a 15-second TikTok video with transitions and music")
    draft = result.draft
    assert draft["d"] == 15000
    assert draft["m"]["transition"] != "none"
    assert draft["m"]["music"] is True
    assert track(draft, AUDIO) is not None
    assert summary(draft).startswith("Timeline (2 tracks): 1. Video: photo1.jpg, photo2.jpg, photo3.jpg (0-15s) "
                                     "2. BGM: upbeat (0-15s, 70%)")
    assert "15 s" in result.sentence and result.sentence.endswith(".")


def test_canonical_chinese() -> None:
    draft = apply_instruction(draft_with(3), "把我的照片做成一个30秒的抖音视频，加上转场和音乐").draft
    assert draft["d"] == 30000 and draft["m"]["music"] and draft["m"]["transition"] == "fade"


@pytest.mark.parametrize(("text", "seconds"), [("15s", 15), ("make it 20 seconds", 20), ("30秒", 30),
                                               ("半分钟", 30), ("1 minute", 60), ("十秒", 10)])
def test_total_length(text: str, seconds: int) -> None:
    assert apply_instruction(draft_with(3), text).draft["d"] == seconds * 1000


@pytest.mark.parametrize("text", ["2 seconds per photo", "2s each", "每张2秒", "每张照片两秒"])
def test_seconds_per_photo(text: str) -> None:
    assert apply_instruction(draft_with(4), text).draft["d"] == 8000


def test_faster_and_slower_pace() -> None:
    base = draft_with(3, duration_ms=15000)
    assert apply_instruction(base, "faster").draft["d"] < 15000
    assert apply_instruction(base, "慢一点").draft["d"] > 15000


@pytest.mark.parametrize(("text", "style"), [
    ("use fade transitions", "fade"), ("crossfade", "fade"), ("dissolve", "dissolve"),
    ("slide left", "slideleft"), ("slide right transitions", "slideright"), ("slide up", "slideup"),
    ("slide down", "slidedown"), ("wipe", "wipeleft"), ("zoom transitions", "zoomin"),
    ("no transitions", "none"), ("random transitions", "random"), ("淡入淡出", "fade"), ("向右滑动", "slideright"),
    ("不要转场", "none"), ("随机转场", "random"),
])
def test_transitions(text: str, style: str) -> None:
    assert apply_instruction(draft_with(3), text).draft["m"]["transition"] == style


@pytest.mark.parametrize(("text", "motion"), [
    ("ken burns", "kenburns"), ("no ken burns", "none"), ("zoom in slowly", "zoomin"), ("zoom out", "zoomout"),
    ("pan across", "pan"), ("static photos", "none"), ("放大", "zoomin"), ("静止", "none"), ("平移", "pan"),
])
def test_motion(text: str, motion: str) -> None:
    assert apply_instruction(draft_with(3, motion="none" if motion != "none" else "kenburns"), text) \
        .draft["m"]["motion"] == motion


def test_title_quoted_unquoted_chinese_position_and_removal() -> None:
    draft = apply_instruction(draft_with(3), 'add title "Summer" at the top').draft
    assert draft["m"]["title"] == "Summer" and draft["m"]["title_position"] == "top"
    titles = track(draft, TEXT)
    assert titles and titles["sg"][0]["m"]["text"] == "Summer" and titles["sg"][0]["d"] == 3000
    assert 'Title: "Summer" (0-3s)' in summary(draft)
    assert apply_instruction(draft, "title: Lisbon Days").draft["m"]["title"] == "Lisbon Days"
    assert apply_instruction(draft, "标题：夏天的回忆").draft["m"]["title"] == "夏天的回忆"
    assert apply_instruction(draft, "move the title to the bottom").draft["m"]["title_position"] == "bottom"
    assert apply_instruction(draft, "标题放在底部").draft["m"]["title_position"] == "bottom"
    assert apply_instruction(draft, "remove the title").draft["m"]["title"] is None
    assert apply_instruction(draft_with(2), '"No music"').draft["m"] == {**draft_with(2)["m"], "title": "No music"}


def test_captions() -> None:
    draft = apply_instruction(draft_with(3), 'caption photo 2 "Beach day"').draft
    assert model.photos(draft)[1]["m"]["caption"] == "Beach day"
    texts = track(draft, TEXT)
    assert texts and texts["sg"][0]["m"] == {"text": "Beach day", "kind": "caption", "position": "bottom"}
    draft = apply_instruction(draft, "第三张字幕：海边").draft
    assert model.photos(draft)[2]["m"]["caption"] == "海边"
    draft = apply_instruction(draft, "swap 2 and 3").draft  # captions follow their photos
    assert [p["m"].get("caption") for p in model.photos(draft)] == [None, "海边", "Beach day"]
    assert apply_instruction(draft, "captions at the top").draft["m"]["caption_position"] == "top"
    assert all("caption" not in p["m"] for p in model.photos(apply_instruction(draft, "remove captions").draft))


@pytest.mark.parametrize(("text", "expected"), [
    ("music", ("generated", "upbeat", 0.7)), ("lo-fi music", ("generated", "lofi", 0.7)),
    ("calm music at 40%", ("generated", "calm", 0.4)), ("epic soundtrack", ("generated", "epic", 0.7)),
    ("欢快的音乐", ("generated", "upbeat", 0.7)), ("音量50%", ("generated", "upbeat", 0.5)),
])
def test_music_on_mood_volume(text: str, expected: tuple[str, str, float]) -> None:
    conf = apply_instruction(draft_with(3), text).draft["m"]
    assert conf["music"] is True
    assert (conf["music_source"], conf["music_mood"], conf["music_volume"]) == expected


def test_music_off_and_own_audio() -> None:
    on = draft_with(3, music=True)
    assert apply_instruction(on, "no music").draft["m"]["music"] is False
    assert apply_instruction(on, "去掉音乐").draft["m"]["music"] is False
    with pytest.raises(PlanError, match="audio file first"):
        apply_instruction(on, "use my own song")
    mine = draft_with(3, audio_path="/x/song.mp3", audio_name="song.mp3")
    draft = apply_instruction(mine, "use my song as the music").draft
    assert draft["m"]["music_source"] == "file"
    assert "BGM: song.mp3" in summary(draft)


def test_order_edits() -> None:
    base = draft_with(4)
    assert names(apply_instruction(base, "reverse the order").draft) == [f"photo{i}.jpg" for i in (4, 3, 2, 1)]
    assert names(apply_instruction(base, "swap photo 1 and 3").draft)[:3] == ["photo3.jpg", "photo2.jpg",
                                                                              "photo1.jpg"]
    assert names(apply_instruction(base, "move photo 4 to the start").draft)[0] == "photo4.jpg"
    assert names(apply_instruction(base, "move the first photo to the end").draft)[-1] == "photo1.jpg"
    assert names(apply_instruction(base, "remove photo 2").draft) == ["photo1.jpg", "photo3.jpg", "photo4.jpg"]
    assert names(apply_instruction(base, "删除第二张").draft) == ["photo1.jpg", "photo3.jpg", "photo4.jpg"]
    assert names(apply_instruction(base, "交换第1张和第4张").draft)[0] == "photo4.jpg"
    assert names(apply_instruction(base, "把第3张移到最前面").draft)[0] == "photo3.jpg"
    assert names(apply_instruction(base, "倒序").draft)[0] == "photo4.jpg"


@pytest.mark.parametrize(("text", "aspect", "size"), [
    ("square", "1:1", (1080, 1080)), ("make it 16:9", "16:9", (1920, 1080)), ("横屏", "16:9", (1920, 1080)),
    ("back to 9:16 vertical", "9:16", (1080, 1920)),
])
def test_aspect(text: str, aspect: str, size: tuple[int, int]) -> None:
    conf = apply_instruction(draft_with(2, aspect="1:1" if aspect != "1:1" else "9:16"), text).draft["m"]
    assert conf["aspect"] == aspect and (conf["width"], conf["height"]) == size


def test_fit() -> None:
    assert apply_instruction(draft_with(2), "crop to fill the screen").draft["m"]["fit"] == "crop"
    assert apply_instruction(draft_with(2, fit="crop"), "blurred background").draft["m"]["fit"] == "blur"
    assert apply_instruction(draft_with(2), "don't crop").draft["m"]["fit"] == "blur"
    assert apply_instruction(draft_with(2), "铺满").draft["m"]["fit"] == "crop"


@pytest.mark.parametrize("text", ["what's the weather", "hello", "谢谢", ""])
def test_unmappable_instruction_lists_capabilities(text: str) -> None:
    with pytest.raises(PlanError) as caught:
        apply_instruction(draft_with(3), text)
    assert "I can:" in caught.value.detail and "transitions" in caught.value.detail


@pytest.mark.parametrize("text", ["remove photo 9", "swap 1 and 9", 'caption photo 9 "x"', "move photo 9 to the start",
                                  "删除第九张"])
def test_photo_out_of_range(text: str) -> None:
    before = draft_with(3)
    with pytest.raises(PlanError, match="There is no photo 9: the timeline has 3 photos"):
        apply_instruction(before, text)
    assert before == draft_with(3)


def test_every_turn_answers_with_a_sentence() -> None:
    draft = draft_with(3)
    for text in ["dissolve", "zoom out", "calm music", "square", "crop", "make a video"]:
        result = apply_instruction(draft, text)
        assert result.sentence.startswith(("Done:", "Your video")) and result.sentence.endswith(".")
        draft = result.draft


def test_make_video_does_not_bring_back_removed_music() -> None:
    draft = apply_instruction(draft_with(3), "make a video").draft
    assert draft["m"]["music"] is True
    draft = apply_instruction(draft, "no music").draft
    assert apply_instruction(draft, "make it a 20 second video").draft["m"]["music"] is False


def test_cuts_snap_to_the_music_beat() -> None:
    conf = {**model.DEFAULTS, "music": True, "music_mood": "upbeat", "duration_ms": 15000}
    plan = model.timing(4, conf)
    assert plan.beat == 15.0  # 120 bpm at 30 fps
    assert all(start % 15 == 0 for start, _ in plan.slots)
    assert plan.frames == 450 and plan.clips[-1][0] + plan.clips[-1][1] == 450


def test_timing_covers_the_whole_length_with_overlaps() -> None:
    for count in range(1, 12):
        plan = model.timing(count, {**model.DEFAULTS, "duration_ms": 15000})
        assert plan.frames == 450
        for (start, length), (next_start, _) in zip(plan.clips, plan.clips[1:], strict=False):
            assert start + length - next_start == plan.fade  # each xfade overlaps exactly `fade` frames
