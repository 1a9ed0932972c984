import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.conversation.intents import Intent, classify

# Every row of the product's routing table (seed: "User says..." → action).
SEED_TABLE = [
    ("export", Intent.EXPORT),
    ("导出", Intent.EXPORT),
    ("download", Intent.EXPORT),
    ("send me the video", Intent.EXPORT),
    ("credits", Intent.CREDITS),
    ("积分", Intent.CREDITS),
    ("balance", Intent.CREDITS),
    ("余额", Intent.CREDITS),
    ("status", Intent.STATUS),
    ("状态", Intent.STATUS),
    ("show tracks", Intent.STATUS),
    ("upload", Intent.UPLOAD),
    ("上传", Intent.UPLOAD),
    ("generate a video of my photos", Intent.EDIT),
    ("add BGM", Intent.EDIT),
]


@pytest.mark.parametrize(("text", "intent"), SEED_TABLE)
def test_every_row_of_the_seed_table(text: str, intent: Intent) -> None:
    assert classify(text) is intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("EXPORT", Intent.EXPORT),
        ("Export please!", Intent.EXPORT),
        ("can you send me the video?", Intent.EXPORT),
        ("what's my balance?", Intent.CREDITS),
        ("how many credits do I have left", Intent.CREDITS),
        ("Status?", Intent.STATUS),
        ("请导出", Intent.EXPORT),
        ("我的积分还有多少", Intent.CREDITS),
    ],
)
def test_paraphrases_that_must_match(text: str, intent: Intent) -> None:
    assert classify(text) is intent


@pytest.mark.parametrize(
    "text",
    [
        "don't export yet, add music",
        "don’t export yet, add music",  # a phone's curly apostrophe
        "do not download anything, make it slower",
        "add music and then export",
        "turn my photos into a 15-second TikTok video with transitions and music",
        "exporter-style fast cuts",  # not the whole word
        "the statuses of my life: add a title",
        "不要导出，先加音乐",
        "make the credits roll at the end",
        "",
        "   ",
    ],
)
def test_paraphrases_that_must_go_to_the_stream(text: str) -> None:
    assert classify(text) is Intent.EDIT


@given(st.text())
def test_no_text_makes_the_router_raise(text: str) -> None:
    assert classify(text) in set(Intent)


# ---------------------------------------------------------------- audit: clear requests reach their action

@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # A negation elsewhere in the message does not govern the keyword.
        ("no, just export it", Intent.EXPORT),
        ("export it now, no more changes", Intent.EXPORT),
        ("don't change anything, just export", Intent.EXPORT),
        ("nope, download it", Intent.EXPORT),
        ("no i want to export", Intent.EXPORT),
        ("why not export", Intent.EXPORT),
        ("don't forget to export", Intent.EXPORT),
        ("export now, not later", Intent.EXPORT),
        ("export吧", Intent.EXPORT),  # an English keyword next to Chinese is still a whole word
        ("帮我导出一下", Intent.EXPORT),
        # No edit instruction: edit words that are not commands do not count.
        ("把做好的视频导出", Intent.EXPORT),
        ("把改好的视频导出", Intent.EXPORT),
        ("导出修改后的视频", Intent.EXPORT),
        ("别再修改了，导出吧", Intent.EXPORT),
        ("再导出一次", Intent.EXPORT),
        ("ok export", Intent.EXPORT),
        ("please download it", Intent.EXPORT),
        ("export the video with music added", Intent.EXPORT),
        ("export the final cut", Intent.EXPORT),
        ("the final cut, export it", Intent.EXPORT),
        ("make sure to export in 1080p", Intent.EXPORT),
        ("looks great! send me the video", Intent.EXPORT),
        ("send me the final mp4 please", Intent.EXPORT),
        ("re-export it", Intent.EXPORT),
        ("ＥＸＰＯＲＴ", Intent.EXPORT),  # full-width letters
        ("ex\u200bport", Intent.EXPORT),  # a zero-width space inside the word
        ("视频发给我", Intent.EXPORT),
        # Status, credits, upload.
        ("what's the status", Intent.STATUS),
        ("what's the status of my export", Intent.STATUS),  # the first keyword decides
        ("show tracks", Intent.STATUS),
        ("show me the timeline", Intent.STATUS),
        ("进度怎么样", Intent.STATUS),
        ("how many credits does a 30s video cost?", Intent.CREDITS),  # free to answer; the stream would charge
        ("how many credits to make a video?", Intent.CREDITS),
        ("what's my balance?", Intent.CREDITS),
        ("余额还有多少", Intent.CREDITS),
        ("upload", Intent.UPLOAD),
        ("how do I upload?", Intent.UPLOAD),
        ("can I upload videos too?", Intent.UPLOAD),
        ("怎么上传", Intent.UPLOAD),
    ],
)
def test_clear_requests_reach_their_action(text: str, intent: Intent) -> None:
    assert classify(text) is intent


@pytest.mark.parametrize(
    "text",
    [
        # A negation that governs the keyword: right before it, or deferring it right after.
        "don't export",
        "not yet export",
        "I don't want to export yet",
        "never download it",
        "no export yet",
        "don't download the music yet",
        "before you export, add a title",
        "export later",
        "export? not yet",
        "I am not ready to export",
        "export it after adding music",
        "不要导出",
        "先别导出",
        "先不要导出，加个字幕",
        "稍后导出",
        "改天再导出",
        "导出之前加个字幕",
        # An edit instruction anywhere: it must happen first, and must not be dropped.
        "add music then export",
        "add music and export",
        "export it and then add music",
        "can you make it louder and export",
        "use 9:16 and download",
        "add an export button",
        "先加音乐再导出",
        "导出，然后加字幕",
        "把标题改成Summer然后导出",
        # The keyword means something else here.
        "make the credits roll at the end",
        "credit to @ana at the end",
        "white balance looks off",
        "balance the music and the voice",
        "hide the status bar",
        "export settings",
        "upload my logo as a watermark",
        "upload a song and put it under the intro",
        "上传我的logo做水印",
        "the downloads folder has my photos",
    ],
)
def test_negated_deferred_or_edited_requests_go_to_the_stream(text: str) -> None:
    assert classify(text) is Intent.EDIT
