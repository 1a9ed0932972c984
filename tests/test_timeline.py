from hypothesis import given
from hypothesis import strategies as st

from bot import timeline

SEED_DRAFT = {
    "t": [
        {"tt": 0, "sg": [{"st": 0, "d": 10000, "m": {"name": "city timelapse"}}]},
        {"tt": 1, "sg": [{"st": 0, "d": 10000, "m": {"name": "Lo-fi", "volume": 0.35}}]},
        {"tt": 7, "sg": [{"st": 0, "d": 3000, "m": {"text": "Urban Dreams"}}]},
    ]
}


def test_summary_matches_the_seed_example_exactly() -> None:
    assert str(timeline.summary(SEED_DRAFT)) == (
        "Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) "
        '3. Title: "Urban Dreams" (0-3s)'
    )


def test_summary_of_several_photos_spans_them_all() -> None:
    draft = {"t": [{"tt": 0, "sg": [{"d": 5000, "m": {"name": f"p{i}.jpg"}} for i in range(3)]}]}
    assert str(timeline.summary(draft)) == "Timeline (1 track): 1. Video: p0.jpg, p1.jpg, p2.jpg (0-15s)"


def test_export_readiness_says_what_is_missing() -> None:
    assert timeline.missing_for_export(None)
    assert timeline.missing_for_export({"t": []})
    assert "no clips" in str(timeline.missing_for_export({"t": [{"tt": 0, "sg": []}]}) or "")
    assert timeline.missing_for_export(SEED_DRAFT) is None


def test_diff_names_what_changed() -> None:
    before = {"t": SEED_DRAFT["t"][:1]}
    after = {"t": [SEED_DRAFT["t"][0], SEED_DRAFT["t"][1]]}
    assert [str(c) for c in timeline.diff(before, after)] == ["Added BGM: Lo-fi (0-10s, 35%)"]
    assert [str(c) for c in timeline.diff(after, before)] == ["Removed BGM: Lo-fi (0-10s, 35%)"]
    assert [str(c) for c in timeline.diff(SEED_DRAFT, SEED_DRAFT)] == []
    louder = {
        "t": [SEED_DRAFT["t"][0], {"tt": 1, "sg": [{"st": 0, "d": 10000, "m": {"name": "Lo-fi", "volume": 0.6}}]}]
    }
    assert [str(c) for c in timeline.diff(after, louder)] == ["Changed BGM: Lo-fi (0-10s, 60%)"]


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["t", "tt", "sg", "d", "m", "st", "name", "text", "volume"]), inner, max_size=5
        )
    ),
    max_leaves=30,
)
segments = st.fixed_dictionaries({}, optional={"st": scalars, "d": scalars, "m": json_values, "id": scalars})
tracks = st.fixed_dictionaries(
    {}, optional={"tt": scalars, "sg": st.lists(segments | json_values, max_size=4) | scalars, "m": json_values}
)
drafts = (
    st.fixed_dictionaries(
        {}, optional={"t": st.lists(tracks | json_values, max_size=4) | scalars, "d": scalars, "m": json_values}
    )
    | json_values
)


@given(drafts, drafts)
def test_no_draft_makes_the_parser_raise(a: object, b: object) -> None:
    timeline.summary(a)
    timeline.missing_for_export(a)
    timeline.diff(a, b)
    timeline.parse_draft(a)  # what the conversation reads before a hand-over and a photo count
    assert timeline.clip_count(a) >= 0


any_json = st.recursive(
    scalars | st.floats(allow_nan=True, allow_infinity=True) | st.integers(min_value=-(10**30), max_value=10**30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=5),
    max_leaves=30,
)


@given(any_json, any_json)
def test_no_json_value_at_all_makes_the_parser_raise(a: object, b: object) -> None:
    """Any keys, not only the draft's: the cloud's answer is not ours to trust."""
    for language in ("en", "zh"):  # words only exist once rendered: that is where a sentence could break
        assert timeline.summary(a).render(language).strip()
        for change in timeline.diff(a, b):
            assert change.render(language).strip()
    timeline.missing_for_export(a)
    timeline.parse_draft(a)
    assert timeline.clip_count(a) >= 0


def test_odd_values_from_the_cloud_do_not_hide_the_rest() -> None:
    draft = {"t": [{"tt": 0, "sg": [{"d": "soon"}, {"d": 5000, "m": {"name": "kept.jpg"}}]}, 5, {"sg": 7}]}
    assert "kept.jpg (0-5s)" in str(timeline.summary(draft))
    assert str(timeline.summary({"t": 5})) == "Timeline is empty."


def test_the_summary_and_what_changed_read_in_chinese_too() -> None:
    assert timeline.summary(SEED_DRAFT).render("zh").startswith("时间线（3 条轨道）：1. 视频：")
    louder = {"t": [{"tt": 1, "sg": [{"d": 10000, "m": {"name": "Lo-fi", "volume": 0.6}}]}]}
    quieter = {"t": [{"tt": 1, "sg": [{"d": 10000, "m": {"name": "Lo-fi", "volume": 0.35}}]}]}
    assert [c.render("zh") for c in timeline.diff(quieter, louder)] == ["修改了背景音乐：Lo-fi（0-10秒、60%）"]


def test_the_boards_music_is_said_without_its_label_in_either_language() -> None:
    music = timeline.board(SEED_DRAFT).music
    assert music is not None and str(music) == "Lo-fi (0-10s, 35%)"
    assert music.render("zh") == "Lo-fi（0-10秒、35%）"


def test_generated_music_and_unnamed_parts_are_said_in_the_readers_language() -> None:
    # the local engine's own music names its mood, a word of ours (a track's given name stays as given: above)
    local = {"t": [{"tt": 0, "sg": [{"d": 3000, "m": {}}]},
                   {"tt": 1, "sg": [{"d": 3000, "m": {"name": "lo-fi", "mood": "lofi", "volume": 0.7}}]}]}
    assert timeline.summary(local).render("zh") == (
        "时间线（2 条轨道）：1. 视频：未命名（0-3秒） 2. 背景音乐：低保真（0-3秒、70%）")
    assert str(timeline.summary(local)) == "Timeline (2 tracks): 1. Video: untitled (0-3s) 2. BGM: lo-fi (0-3s, 70%)"
    music = timeline.board(local).music
    assert music is not None and music.render("zh") == "低保真（0-3秒、70%）"
    titled = {"t": [{"tt": 7, "sg": [{"d": 3000, "m": {"text": "夏天"}}]}]}
    assert timeline.summary(titled).render("zh") == "时间线（1 条轨道）：1. 标题：“夏天”（0-3秒）"
