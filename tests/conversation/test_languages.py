"""A chat is answered in its language: its own /language choice (remembered across restarts), else the
sender's Telegram language, else the script of what they wrote. Every kind of reply follows: greeting, help,
acknowledgements, errors, progress, the finished video, /credits, /usage."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.conversation import Conversation, Origin, wording
from bot.engines.base import EngineUnavailable, RenderStatus, UnsupportedFile
from bot.language import render
from tests.conversation.conftest import CHAT, USER, Core

ADMIN = USER


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"admin_user_ids": {ADMIN}}


def chinese(message_id: int | None = None, *, code: str | None = "zh-hans", chat_id: int = CHAT,
            user_id: int = USER) -> Origin:
    return Origin(chat_id, user_id, message_id, language_code=code)


# Words that stay as they are in any language: commands, formats, names of settings, links, file names.
_KEPT = re.compile(r"/[a-z_]+|https?://\S+|“[^”]*”|\b[A-Z0-9_]{2,}\b|\d+x\d+|NemoVideo|Telegram|TikTok|nemovideo\.com"
                   r"|reelbot|\S+\.(jpg|png|mp4)")


def in_chinese(text: str) -> bool:
    """Written in Chinese: Han characters, and no English words left beside the names that stay."""
    bare = _KEPT.sub(" ", text)
    return bool(re.search(r"[\u4e00-\u9fff]", text)) and not re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", bare)


def all_said(core: Core, chat_id: int = CHAT) -> list[str]:
    captions = [caption for _, caption, _ in core.replies.videos]
    return [*core.replies.texts(chat_id), *(text for _, text in core.replies.edits), *captions]


async def test_a_chinese_telegram_user_reads_every_kind_of_reply_in_chinese(core: Core) -> None:
    talk = core.conversation

    async def quiet(text: str):  # an edit the engine made without a word: the core tells what happened
        return
        yield

    core.cloud.script = quiet
    await talk.command(chinese(1), "start")
    await talk.command(chinese(2), "help")
    await talk.on_media(chinese(3), [core.photo("a.jpg"), core.photo("b.jpg", width=1920, height=1080)])
    core.cloud.fail_upload = [UnsupportedFile("not an image")]
    await talk.on_media(chinese(4), [core.photo("c.jpg")])
    await talk.on_text(chinese(5), "make it faster")  # the Telegram language wins over the script
    core.cloud.fail_send = EngineUnavailable("the video service could not be reached")
    await talk.on_text(chinese(6), "音乐小一点")
    await talk.command(chinese(7), "credits")
    await talk.command(chinese(8), "export")
    await talk.wait_background()
    await talk.command(chinese(9), "usage")
    await talk.on_text(chinese(10), " ")
    await talk.command(chinese(11), "language")

    said = all_said(core)
    assert said and all(in_chinese(text) for text in said), [text for text in said if not in_chinese(text)]
    texts = core.replies.texts()
    for sentence in (wording.GREETING, wording.HELP, wording.CONNECTING, wording.READY, wording.VERTICAL_TIP,
                     wording.NOTHING_CHANGED, wording.LOCAL_OFFER, wording.RENDER_STARTED.format(progress=0)):
        assert any(render(sentence, "zh") in text for text in texts), render(sentence, "zh")
    assert any(text.startswith("📥 收到 2 张照片。") for text in texts)
    assert any(text.startswith("“c.jpg”无法使用：请发送 JPG、PNG") for text in texts)
    assert core.replies.videos[0][1] == "✅ 你的视频做好了。"
    assert texts[-2] == render(wording.EMPTY_TEXT, "zh") and "我在这个聊天里说中文" in texts[-1]
    assert (await core.store.chats.get(CHAT)).language == "zh"  # what a cloud session is created with


async def test_without_a_telegram_language_the_words_decide(core: Core) -> None:
    await core.conversation.on_text(chinese(1, code=None), "把照片做成十五秒的视频")
    assert core.replies.texts()[:2] == ["正在连接……", "准备好了！"]
    await core.conversation.on_text(chinese(2, code="fr"), "make it slower")  # no catalogue for French
    await core.conversation.command(chinese(3, code=None), "help")  # a command's name is no language
    assert core.replies.texts()[-1] == str(wording.HELP)
    await core.conversation.on_text(chinese(4, code=None), "加标题“Summer Trip”")  # quoted words don't count
    await core.conversation.command(chinese(5, code=None), "help")
    assert core.replies.texts()[-1] == render(wording.HELP, "zh")


async def test_a_chats_own_choice_wins_and_outlives_a_restart(core: Core) -> None:
    english = "en-US"
    await core.conversation.command(chinese(1, code=english), "language", "中文")
    assert core.replies.texts()[-1] == "好的，从现在起我在这个聊天里说中文。"
    await core.conversation.on_text(chinese(2, code=english), "make it slower")
    assert core.replies.texts()[-3:-1] == ["正在连接……", "准备好了！"]

    restarted = Conversation(core.settings, core.store, {"nemo": core.cloud, "local": core.local}, core.replies,
                             core.media)
    await restarted.resume()
    await restarted.command(chinese(3, code=english), "help")
    assert core.replies.texts()[-1] == render(wording.HELP, "zh")
    await restarted.command(chinese(4, code=english), "language", "English")
    assert core.replies.texts()[-1] == "I'll speak English in this chat from now on."
    await restarted.command(chinese(5, code="zh-CN"), "language", "klingon")
    assert core.replies.texts()[-1] == (
        "I don't speak “klingon” yet; send /language en for English or /language zh for 中文.")
    await restarted.command(chinese(6, code="zh-CN"), "language", "auto")
    assert core.replies.texts()[-1] == "我会跟随你的 Telegram 语言和你写的文字：目前是中文。"
    await restarted.aclose()


async def test_a_render_finishing_after_a_restart_speaks_the_chats_language(core: Core) -> None:
    await core.conversation.on_media(chinese(1, code="zh"), [core.photo()])
    await core.store.renders.add("nemo_job_77", CHAT, engine="nemo", status="processing", reply_to_message_id=1,
                                 requested_by=USER)
    core.cloud.statuses = [RenderStatus("failed", error="boom")]
    restarted = Conversation(core.settings, core.store, {"nemo": core.cloud, "local": core.local}, core.replies,
                             core.media)
    assert await restarted.resume() == 1
    await restarted.wait_background()
    assert core.replies.texts()[-1] == render(wording.RENDER_FAILED, "zh")
    await restarted.aclose()


async def test_a_stranger_is_refused_in_their_language_and_nothing_of_theirs_is_kept(core: Core) -> None:
    stranger = 99
    await core.conversation.refuse(chinese(1, code="zh-TW", chat_id=stranger, user_id=stranger))
    assert core.replies.texts(stranger) == [render(wording.NOT_ALLOWED, "zh")]
    assert stranger not in await core.store.chats.languages()


async def test_each_sender_of_a_group_is_answered_in_their_language(core: Core) -> None:
    group = -100
    await core.conversation.command(chinese(1, code="zh", chat_id=group, user_id=1), "help")
    await core.conversation.command(chinese(2, code="en", chat_id=group, user_id=2), "help")
    assert core.replies.texts(group) == [render(wording.HELP, "zh"), str(wording.HELP)]


async def test_a_choice_of_language_is_the_chats_menu_told_after_the_answer(core: Core) -> None:
    talk = core.conversation
    await talk.command(chinese(1, code="en"), "language", "中文")
    await talk.command(chinese(2, code="en"), "language", "klingon")  # no language chosen: the menu stays
    await talk.command(chinese(3, code="en"), "language")  # only asked which one
    await talk.command(chinese(4, code="en"), "language", "auto")
    # (chat, language, texts said before it): each menu after its answer, "auto" as no language of its own
    assert core.replies.menus == [(CHAT, "zh", 1), (CHAT, None, 4)]
