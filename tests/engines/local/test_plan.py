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
    assert str(summary(draft)).startswith("Timeline (2 tracks): 1. Video: photo1.jpg, photo2.jpg, photo3.jpg (0-15s) "
                                     "2. BGM: upbeat (0-15s, 70%)")
    assert "15 s" in str(result.sentence) and str(result.sentence).endswith(".")


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
    before = draft_with(3, transition="none" if style != "none" else "fade")
    assert apply_instruction(before, text).draft["m"]["transition"] == style


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
    assert 'Title: "Summer" (0-3s)' in str(summary(draft))
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
    assert "BGM: song.mp3" in str(summary(draft))


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
    # Chinese runs the ratio into the words around it, and often types a full-width colon
    ("改成1:1", "1:1", (1080, 1080)), ("做成16：9的视频", "16:9", (1920, 1080)), ("换回9:16", "9:16", (1080, 1920)),
])
def test_aspect(text: str, aspect: str, size: tuple[int, int]) -> None:
    conf = apply_instruction(draft_with(2, aspect="1:1" if aspect != "1:1" else "9:16"), text).draft["m"]
    assert conf["aspect"] == aspect and (conf["width"], conf["height"]) == size


def test_fit() -> None:
    assert apply_instruction(draft_with(2), "crop to fill the screen").draft["m"]["fit"] == "crop"
    assert apply_instruction(draft_with(2, fit="crop"), "blurred background").draft["m"]["fit"] == "blur"
    assert apply_instruction(draft_with(2, fit="crop"), "don't crop").draft["m"]["fit"] == "blur"
    assert apply_instruction(draft_with(2), "铺满").draft["m"]["fit"] == "crop"


@pytest.mark.parametrize("text", ["what's the weather", "hello", "谢谢", ""])
def test_unmappable_instruction_is_one_sentence_and_a_pointer_to_help(text: str) -> None:
    with pytest.raises(PlanError) as caught:
        apply_instruction(draft_with(3), text)
    assert str(caught.value.detail) == "I couldn't turn that into an edit; send /help to see what I can do."


@pytest.mark.parametrize("text", [
    "remove photo 9", "swap 1 and 9", 'caption photo 9 "x"', "move photo 9 to the start", "删除第九张",
    "zoom in on photo 9", "remove photos 2 and 9", 'add caption "x" to photo 9', "make photo 9 the first one",
    "swap the first and 9th photo", "15s and remove photo 9",
])
def test_photo_out_of_range(text: str) -> None:
    before = draft_with(3)
    with pytest.raises(PlanError, match="There is no photo 9: the timeline has 3 photos"):
        apply_instruction(before, text)
    assert before == draft_with(3)


def test_every_turn_answers_with_a_sentence() -> None:
    draft = draft_with(3)
    for text in ["dissolve", "zoom out", "calm music", "square", "crop", "make a video"]:
        result = apply_instruction(draft, text)
        assert str(result.sentence).startswith(("Done:", "Your video")) and str(result.sentence).endswith(".")
        draft = result.draft


def test_make_video_turns_nothing_on_by_itself() -> None:
    """(k) Only a music word turns music on: "square video" is just the aspect, and "make a video" answers."""
    for text in ("make a video", "square video", "make a 20 second video"):
        result = apply_instruction(draft_with(3), text)
        assert result.draft["m"]["music"] is False, text
    assert apply_instruction(draft_with(3), "square video").draft["m"]["aspect"] == "1:1"
    assert str(apply_instruction(draft_with(3), "make a video").sentence).startswith("Your video is set:")
    draft = apply_instruction(draft_with(3), "make a video with music").draft
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


# ---------------------------------------------------------------- audit regressions (items a-k)
#
# Each row: instruction → the draft fields it must produce (a subset), and a fragment its reply must contain
# (or None). `d` is the video length, `captions` the caption of each photo, `order` the photo numbers.

Row = tuple[str, dict[str, Any], str | None]


def fields(draft: dict[str, Any]) -> dict[str, Any]:
    photos = model.photos(draft)
    return {**draft["m"], "d": draft["d"], "captions": [p["m"].get("caption") for p in photos],
            "order": [int(p["id"][1:]) for p in photos]}


def check(base: dict[str, Any], text: str, expected: dict[str, Any], reply: str | None) -> None:
    try:
        result = apply_instruction(base, text)
    except PlanError as exc:  # asked for what the video already was: it says so, never "Done"
        got, said = fields(base), str(exc.detail)
        assert said.startswith("Nothing changed: the video already has"), (text, said)
    else:
        got, said = fields(result.draft), str(result.sentence)
    assert {key: got[key] for key in expected} == expected, (text, said)
    if reply is not None:
        assert reply in said, (text, said)
    assert said.endswith(".")


LENGTH_ROWS: list[Row] = [  # (a) per photo needs per/each/every/a + photo; (f) per-photo wording; (j) total wins
    ("15 seconds and music", {"d": 15000, "per_photo_ms": None, "music": True}, "length 15 s"),
    ("make it 15s and add music", {"d": 15000, "per_photo_ms": None, "music": True}, None),
    ("20 seconds and slide left", {"d": 20000, "per_photo_ms": None, "transition": "slideleft"}, None),
    ("15s at most", {"d": 15000, "per_photo_ms": None}, "length 15 s;"),
    ("make it 15 seconds and add a title", {"d": 15000, "per_photo_ms": None}, "Tell me the title text"),
    ("4 seconds a photo", {"per_photo_ms": 4000, "d": 12000}, "4 s per photo"),
    ("each photo 2 seconds", {"per_photo_ms": 2000, "d": 6000}, "2 s per photo"),
    ("每张照片停留两秒", {"per_photo_ms": 2000, "d": 6000}, "2 s per photo"),
    ("pace: 2s", {"per_photo_ms": 2000, "d": 6000}, "2 s per photo"),
    ("show each photo for 1.5 seconds", {"per_photo_ms": 1500, "d": 4500}, "1.5 s per photo"),
    ("3秒一张", {"per_photo_ms": 3000, "d": 9000}, None),
    ("two seconds per photo", {"per_photo_ms": 2000}, None),
    ("十五秒", {"d": 15000}, None),
    ("1分30秒", {"d": 90000}, None),
    ("30秒，每张3秒", {"d": 30000, "duration_ms": 30000, "per_photo_ms": None}, "length 30 s (10 s per photo"),
    ("make it 30s, 3s per photo", {"d": 30000, "per_photo_ms": None}, "10 s per photo"),
]


@pytest.mark.parametrize(("text", "expected", "reply"), LENGTH_ROWS)
def test_length_and_pace_regressions(text: str, expected: dict[str, Any], reply: str | None) -> None:
    check(draft_with(3), text, expected, reply)


MUSIC_OFF = ["不要背景音乐", "关掉音乐", "music: none", "no music", "turn the music off", "把音乐关掉", "without music",
             "no epic music", "不要欢快的音乐", "mute", "音乐：无", "stop the music", "remove the background music"]
MOTION_OFF = ["disable ken burns", "remove the motion", "关闭运镜", "no zoom", "stop the panning", "ken burns: off"]
TRANSITIONS_OFF = ["no fade", "不要转场", "transitions: off", "don't use transitions", "without any transitions"]


@pytest.mark.parametrize("text", MUSIC_OFF)
@pytest.mark.parametrize("music", [True, False])
def test_negations_turn_music_off(text: str, music: bool) -> None:
    """(b) A negated feature word is checked before the positive rules and never turns the feature on."""
    check(draft_with(3, music=music), text, {"music": False}, "no music")


@pytest.mark.parametrize("text", MOTION_OFF)
@pytest.mark.parametrize("motion", ["kenburns", "none"])
def test_negations_turn_motion_off(text: str, motion: str) -> None:
    check(draft_with(3, motion=motion), text, {"motion": "none"}, "no motion")


@pytest.mark.parametrize("text", TRANSITIONS_OFF)
def test_negations_turn_transitions_off(text: str) -> None:
    check(draft_with(3), text, {"transition": "none"}, "no transitions")


NEGATION_ROWS: list[Row] = [
    ("no fade, use slide up", {"transition": "slideup"}, "slide up transitions;"),
    ("use dissolve instead of fade", {"transition": "dissolve"}, None),
    ("no ken burns, zoom out instead", {"motion": "zoomout"}, None),
    ("don't crop", {"fit": "blur"}, None),
    ("不要裁剪", {"fit": "blur"}, None),
    ("no blur", {"fit": "crop"}, None),
    ("换成别的音乐", {"music": True}, None),  # 别的 is "other", not "don't"
    ("特别欢快的音乐", {"music": True, "music_mood": "upbeat"}, None),
    ("无缝转场", {"transition": "fade"}, None),  # 无缝 is "seamless"
    ("no title", {"title": None}, "removed the title"),
    ("title: none", {"title": None}, "removed the title"),
    ("去掉标题", {"title": None}, None),
]


@pytest.mark.parametrize(("text", "expected", "reply"), NEGATION_ROWS)
def test_negation_regressions(text: str, expected: dict[str, Any], reply: str | None) -> None:
    check(draft_with(3, title="Old", fit="blur" if expected.get("fit") == "crop" else "crop"), text, expected, reply)


TITLE_ROWS: list[Row] = [  # (c) title text only after an explicit marker; positions bind to the nearest keyword
    ("标题放在底部", {"title": "Old", "title_position": "bottom"}, "title at the bottom"),
    ("把标题移到顶部", {"title": "Old", "title_position": "top"}, None),
    ("title at the top and captions at the bottom",
     {"title": "Old", "title_position": "top", "caption_position": "bottom"}, None),
    ("captions at the top and the title at the bottom",
     {"title": "Old", "title_position": "bottom", "caption_position": "top"}, None),
    ("标题放顶部字幕放底部", {"title": "Old", "title_position": "top", "caption_position": "bottom"}, None),
    ("move the title and captions to the top", {"title_position": "top", "caption_position": "top"}, None),
    ("set the title to the top", {"title": "Old", "title_position": "top"}, None),
    ('subtitle photo 2 "x"', {"title": "Old", "captions": [None, "x", None]}, 'caption “x” on photo 2'),
    ("add title Summer at the top", {"title": "Summer", "title_position": "top"}, 'title “Summer” at the top'),
    ("change the title to Winter", {"title": "Winter"}, None),
    ("title: Lisbon Days", {"title": "Lisbon Days"}, None),
    ("a video titled Lisbon Days", {"title": "Lisbon Days"}, None),
    ("call it Summer Vibes", {"title": "Summer Vibes"}, None),
    ("标题是夏天的回忆", {"title": "夏天的回忆"}, None),
    ("加标题夏天", {"title": "夏天"}, None),
    ('"Summer" as the title', {"title": "Summer"}, None),
    ('"Summer" at the top', {"title": "Summer", "title_position": "top"}, None),
    # (d) title words are taken out before the other rules run
    ("title: Crop Top Summer", {"title": "Crop Top Summer", "fit": "blur"}, None),
    ("title: the music of the night", {"title": "the music of the night", "music": False}, None),
    ("title: Slide Left and add music", {"title": "Slide Left", "transition": "fade", "music": True}, None),
    ("title: Rock and Roll", {"title": "Rock and Roll"}, None),
    # (g) each keyword takes the quote nearest after it
    ('title "Trip" and caption photo 1 "Day one"', {"title": "Trip", "captions": ["Day one", None, None]}, None),
    ('caption photo 1 "Day one" and title "Trip"', {"title": "Trip", "captions": ["Day one", None, None]}, None),
    ('"Trip" as the title, caption photo 2 "Beach"', {"title": "Trip", "captions": [None, "Beach", None]}, None),
]


@pytest.mark.parametrize(("text", "expected", "reply"), TITLE_ROWS)
def test_title_and_caption_regressions(text: str, expected: dict[str, Any], reply: str | None) -> None:
    check(draft_with(3, title="Old"), text, expected, reply)


def test_title_style_is_reported_not_taken_as_text() -> None:
    before = draft_with(3, title="Old")
    with pytest.raises(PlanError, match="I can't change the size, font or colour of text yet"):
        apply_instruction(before, "make the title bigger")
    assert before == draft_with(3, title="Old")
    check(before, "make the title bigger and 15s", {"title": "Old", "d": 15000}, "I can't change the size")


OTHER_ROWS: list[Row] = [
    # (e) "slideshow" is not a slide transition
    ("make a slideshow of my photos", {"transition": "fade"}, "Your video is set"),
    ("slideshow with slide transitions", {"transition": "slideleft"}, None),
    ("remove slide 2", {"transition": "fade", "order": [1, 3]}, None),
    # (h) nothing is dropped
    ("remove photos 2 and 3", {"order": [1]}, "removed photos 2 and 3"),
    ("remove photo 2 and photo 3", {"order": [1]}, None),
    ("删除第2张和第3张", {"order": [1]}, None),
    ("删除第2、3张", {"order": [1]}, None),
    ("remove photos 1-2", {"order": [3]}, None),
    ('caption photo 1 "x" and title "y"', {"title": "y", "captions": ["x", None, None]}, "title “y”"),
    ("make it 15s and add stickers", {"d": 15000}, "I can't add stickers yet."),
    ("make it 15s and add unicorns", {"d": 15000}, "I didn't understand “unicorns”."),
    ("wipe up", {"transition": "wipeup"}, "wipe up transitions"),
    ("wipe down", {"transition": "wipedown"}, None),
    ("wipe right", {"transition": "wiperight"}, None),
    ("slide in from the left", {"transition": "slideright"}, None),
    ("转场用缩放", {"transition": "zoomin", "motion": "kenburns"}, "zoom transitions"),
    ("音量百分之五十", {"music_volume": 0.5, "music": True}, "50%"),
    ("60 percent", {"music_volume": 0.6}, "60%"),
    ("volume 30", {"music_volume": 0.3}, None),
    ("zoom in on photo 2", {"motion": "zoomin"}, "on every photo"),
    ("zoom in on photo 2", {"motion": "zoomin"}, "I can't set motion for a single photo yet"),
    ("pan left", {"motion": "panback"}, "panning motion to the left"),
    ("向左平移", {"motion": "panback"}, None),
    ("pan right", {"motion": "panright"}, "panning motion to the right"),
    ("make it faster and add fireworks", {"per_photo_ms": 2100}, "I can't add effects yet."),
    # (i) phrasings that used to be refused
    ('add caption "Sunset" to photo 3', {"captions": [None, None, "Sunset"]}, None),
    ('加字幕"你好"到第2张', {"captions": [None, "你好", None]}, None),
    ('put "Hello" on photo 2', {"captions": [None, "Hello", None], "title": None}, None),
    ("第三张字幕：海边", {"captions": [None, None, "海边"]}, None),
    ("swap the first and last photo", {"order": [3, 2, 1]}, "swapped photos 1 and 3"),
    ("把第一张和最后一张交换", {"order": [3, 2, 1]}, None),
    ("make photo 3 the first one", {"order": [3, 1, 2]}, "moved photo 3 to position 1"),
    ("move photo 2 after photo 3", {"order": [1, 3, 2]}, None),
    ("把第1张放到第2张后面", {"order": [2, 1, 3]}, None),
    # (k) a video word alone turns nothing on
    ("square video", {"aspect": "1:1", "music": False}, None),
]


@pytest.mark.parametrize(("text", "expected", "reply"), OTHER_ROWS)
def test_other_regressions(text: str, expected: dict[str, Any], reply: str | None) -> None:
    check(draft_with(3), text, expected, reply)


@pytest.mark.parametrize(("text", "detail"), [
    ("speed up the music", "I can't change the music's speed yet."),
    ("add a filter", "Tell me which colours: warm, cool, vivid, soft or black and white (or “no filter”)."),
    ("add stickers and a filter", "I can't add stickers yet. Tell me which colours:"),
    ("make it sepia", "I can't make a vintage or sepia look yet."),
    ("brighter please", "I can't adjust brightness or contrast yet."),
    ("add a title", "Tell me the title text, e.g. title “Summer in Lisbon”."),
])
def test_only_unsupported_is_refused_with_a_pointer_to_help(text: str, detail: str) -> None:
    """(h) Nothing done: the refusal says what it could not do and points to /help (not the whole list of what
    the engine can do); the draft is unchanged."""
    before = draft_with(3)
    with pytest.raises(PlanError) as caught:
        apply_instruction(before, text)
    said = str(caught.value.detail)
    assert said.startswith(detail) and "/help" in said and "I can:" not in said
    assert before == draft_with(3)


# ---------------------------------------------------------------- honest answers, in the chat's language


def test_a_title_and_a_caption_keep_their_full_width_punctuation() -> None:
    result = apply_instruction(draft_with(3), '标题"你好，罗马"，“你好！世界”放到第2张')
    assert result.draft["m"]["title"] == "你好，罗马"
    assert model.photos(result.draft)[1]["m"]["caption"] == "你好！世界"
    assert "“你好，罗马”" in result.sentence.render("zh")


def test_answers_read_in_chinese_for_a_chinese_chat() -> None:
    said = apply_instruction(draft_with(3, music=True), "音乐小一点").sentence.render("zh")
    assert said == "已完成：音乐调小了（49%）；视频现在时长9秒，共3张照片。"
    with pytest.raises(PlanError) as caught:
        apply_instruction(draft_with(3), "add stickers")
    assert caught.value.detail.render("zh") == "我暂时还不能添加贴纸。没有改动；发送 /help 看看我能做什么。"


@pytest.mark.parametrize(("conf", "text", "said"), [
    ({"transition": "fade"}, "fade transitions", "Nothing changed: the video already has fade transitions."),
    ({"music": True, "music_mood": "calm"}, "calm music",
     "Nothing changed: the video already has calm music."),
    ({"music": True}, "sync to the beat",
     "Nothing changed: the video already has cuts on the beat of the upbeat music (120 BPM)."),
    ({"music": True}, "音乐卡点", "Nothing changed: the video already has cuts on the beat of the upbeat music"),
    ({}, "hello", "I couldn't turn that into an edit; send /help to see what I can do."),
])
def test_a_message_that_changes_nothing_says_so_and_what_was_understood(conf: dict[str, Any], text: str,
                                                                        said: str) -> None:
    before = draft_with(3, **conf)
    with pytest.raises(PlanError) as caught:
        apply_instruction(before, text)
    answer = str(caught.value.detail)
    assert answer.startswith(said) and "Done" not in answer and len(answer) < 160
    assert before == draft_with(3, **conf)


def test_done_names_what_changed_apart_from_what_was_so_already() -> None:
    said = str(apply_instruction(draft_with(3), "fade transitions, 20 seconds").sentence)
    assert said.startswith("Done: length 20 s (already so: fade transitions);")


def test_crop_to_fill_is_understood_whole() -> None:
    said = str(apply_instruction(draft_with(3), "crop the photos to fill the frame").sentence)
    assert said.startswith("Done: photos cropped to fill the frame;") and "understand" not in said


# ---------------------------------------------------------------- styles

LOOKS = {
    "cinematic": {"per_photo_ms": 4000, "transition": "dissolve", "motion": "zoomin", "music_mood": "epic",
                  "grade": "warm", "letterbox": True},
    "dynamic": {"per_photo_ms": 1500, "transition": "zoomin", "motion": "zoomin", "music_mood": "upbeat",
                "grade": "vivid", "letterbox": False},
    "calm": {"per_photo_ms": 4000, "transition": "fade", "motion": "kenburns", "music_mood": "calm",
             "grade": "soft", "letterbox": False},
    "clean": {"per_photo_ms": 3000, "transition": "fade", "motion": "none", "music_mood": "lofi",
              "grade": "none", "letterbox": False},
    "vlog": {"per_photo_ms": 2000, "transition": "slideleft", "motion": "pan", "music_mood": "upbeat",
             "grade": "warmlight", "letterbox": False},
}
LOOK_COLOURS = {"cinematic": ("warm colour grade", "letterbox bars"), "dynamic": ("vivid colours",),
                "calm": ("soft, muted colours",), "clean": (), "vlog": ("light warm colour grade",)}


@pytest.mark.parametrize(("text", "look", "named"), [
    ("make it more cinematic", "cinematic", "cinematic look:"), ("更有电影感", "cinematic", "cinematic look:"),
    ("电影感", "cinematic", "cinematic look:"), ("make it more dynamic", "dynamic", "dynamic look:"),
    ("动感一点", "dynamic", "dynamic look:"), ("more energetic please", "dynamic", "dynamic look:"),
    ("calmer vibe", "calm", "calm look:"), ("治愈系", "calm", "calm look:"),
    ("make it look professional", "clean", "clean, professional look:"), ("高级感", "clean", "clean, professional"),
    ("vlog style", "vlog", "vlog look:"), ("日常vlog", "vlog", "vlog look:"),
])
def test_a_style_sets_its_look_together_and_names_what_it_changed(text: str, look: str, named: str) -> None:
    result = apply_instruction(draft_with(3, transition="none", motion="none"), text)
    conf = result.draft["m"]
    assert {key: conf[key] for key in LOOKS[look]} == LOOKS[look] and conf["music"] is True
    said = str(result.sentence)
    assert said.startswith(f"Done: {named}") and "music" in said and "per photo" in said, said
    assert all(colour in said for colour in LOOK_COLOURS[look]), said


def test_the_cinematic_look_names_its_grade_and_bars_in_chinese() -> None:
    said = apply_instruction(draft_with(3), "更有电影感").sentence.render("zh")
    assert "暖色调" in said and "电影黑边" in said, said


def test_a_look_keeps_the_colours_the_user_chose_and_says_so() -> None:
    draft = apply_instruction(draft_with(3, letterbox=True), "black and white, no letterbox").draft
    result = apply_instruction(draft, "make it more cinematic")
    conf = result.draft["m"]
    assert (conf["grade"], conf["letterbox"], conf["transition"]) == ("mono", False, "dissolve")
    assert "keeping your black and white and no letterbox bars" in str(result.sentence), str(result.sentence)
    # a look's own grade is not the user's: the next look replaces it, bars included
    dynamic = apply_instruction(apply_instruction(draft_with(3), "电影感").draft, "动感一点").draft["m"]
    assert (dynamic["grade"], dynamic["letterbox"]) == ("vivid", False)


def test_a_style_never_silently_overrides_what_the_user_chose() -> None:
    draft = apply_instruction(draft_with(3), "calm music, 20 seconds").draft
    result = apply_instruction(draft, "make it more cinematic")
    conf = result.draft["m"]
    assert (conf["music_mood"], conf["duration_ms"], conf["transition"]) == ("calm", 20000, "dissolve")
    assert "keeping your length 20 s and calm music" in str(result.sentence)
    assert "保留了你选的时长20秒和舒缓的音乐" in result.sentence.render("zh")
    muted = apply_instruction(apply_instruction(draft_with(3, music=True), "no music").draft, "动感一点")
    assert muted.draft["m"]["music"] is False and "keeping your music off" in str(muted.sentence)
    with pytest.raises(PlanError) as caught:  # already that look: said so, never "Done"
        apply_instruction(result.draft, "电影感")
    assert str(caught.value.detail) == ("Nothing changed: the video already has the cinematic look, keeping your "
                                        "length 20 s and calm music.")


def test_a_style_word_before_music_is_only_the_music_mood() -> None:
    conf = apply_instruction(draft_with(3, transition="none"), "epic cinematic music").draft["m"]
    assert (conf["music_mood"], conf["transition"]) == ("epic", "none")


@pytest.mark.parametrize(("conf", "text", "expected", "said"), [
    ({}, "warmer colours", {"grade": "warm"}, "Done: warm colour grade;"),
    ({}, "black and white", {"grade": "mono"}, "Done: black and white;"),
    ({}, "黑白", {"grade": "mono"}, "已完成：黑白画面"),
    ({}, "暖色调", {"grade": "warm"}, "已完成：暖色调"),
    ({}, "冷色调", {"grade": "cool"}, "已完成：冷色调"),
    ({}, "more vivid", {"grade": "vivid"}, "Done: vivid colours;"),
    ({}, "颜色鲜艳一点", {"grade": "vivid"}, "已完成：鲜艳的色彩；"),
    ({"grade": "mono"}, "no filter", {"grade": "none"}, "Done: natural colours (no filter);"),
    ({"grade": "warm"}, "去掉滤镜", {"grade": "none"}, "已完成：原本的色彩（无滤镜）"),
    ({}, "letterbox", {"letterbox": True, "fit": "blur"}, "Done: letterbox bars;"),
    ({}, "电影黑边", {"letterbox": True, "fit": "blur"}, "已完成：电影黑边"),
    ({"letterbox": True}, "去掉黑边", {"letterbox": False, "fit": "blur"}, "已完成：无电影黑边"),
    ({}, "warm music", {"grade": "none"}, None),  # a music word after it: not a colour
])
def test_colours_and_letterbox_as_people_ask(conf: dict[str, Any], text: str, expected: dict[str, Any],
                                            said: str | None) -> None:
    result = apply_instruction(draft_with(3, **conf), text)
    assert {key: result.draft["m"][key] for key in expected} == expected
    if said:
        answer = result.sentence.render("zh" if said.startswith("已") else "en")
        assert answer.startswith(said) and "can't" not in answer and "不能" not in answer, answer


def test_colours_already_so_are_said_as_such() -> None:
    with pytest.raises(PlanError) as caught:
        apply_instruction(draft_with(3), "no filter")
    assert str(caught.value.detail) == "Nothing changed: the video already has natural colours (no filter)."


@pytest.mark.parametrize("text", ["add some effects", "make it look better", "做得好看一点", "加点特效"])
def test_a_vague_wish_is_pointed_at_the_looks(text: str) -> None:
    with pytest.raises(PlanError) as caught:
        apply_instruction(draft_with(3), text)
    assert "try a look such as “cinematic”" in str(caught.value.detail)
    assert "可以试试一种风格" in caught.value.detail.render("zh")
