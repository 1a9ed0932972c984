import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.intents import Intent, classify

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
