"""A chat's command menu follows its /language choice: the real core, speaking through `TelegramReplies` and
`Menus` to the Telegram fake, and each menu read as a user's app picks it (`TelegramFake.menu_seen`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import telegram

from bot.conversation import Conversation, Origin
from bot.media import MediaFolder
from bot.store import Place, Store
from bot.telegram.menus import Menus
from bot.telegram.replies import TelegramReplies
from tests.conversation.conftest import ScriptedEngine, make_settings
from tests.fakes.telegram import DEFAULT_TOKEN, Chat, TelegramFake, User

ENGLISH_EXPORT = "Render and send the MP4"
CHINESE_EXPORT = "渲染并发送 MP4"



@pytest.fixture
def admin(tg: TelegramFake) -> User:
    ada = tg.user("Ada", language_code="zh-hans")
    tg.register_chat(tg.private_chat(ada))  # she wrote to the bot before: Telegram knows her chat
    return ada


@pytest.fixture
async def talk(tg: TelegramFake, admin: User, store: Store, tmp_path: Path) -> AsyncIterator[Conversation]:
    """The core as the bot runs it, its menus offered as at start-up."""
    settings = make_settings(tmp_path, admin_user_ids={admin.id})
    async with telegram.Bot(DEFAULT_TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
        menus = Menus(bot, settings)
        await menus.offer()
        engines = {"nemo": ScriptedEngine("nemo", runs_here=False), "local": ScriptedEngine("local", runs_here=True)}
        conversation = Conversation(settings, store, engines, TelegramReplies(bot, topics=store.topics, menus=menus),
                                    MediaFolder(settings.media_dir))
        yield conversation
        await conversation.aclose()


def person(tg: TelegramFake, name: str, app_language: str) -> tuple[User, Chat]:
    user = tg.user(name, language_code=app_language)
    chat = tg.private_chat(user)
    tg.register_chat(chat)
    return user, chat


def described(menu: list[dict[str, str]]) -> dict[str, str]:
    return {command["command"]: command["description"] for command in menu}


async def choose(talk: Conversation, chat: Chat, user: User, language: str, *, project: int | None = None) -> None:
    origin = Origin(project if project is not None else chat.id, user.id, in_group=chat.type != "private",
                    group_id=chat.id if project is not None else None, language_code=user.language_code)
    await talk.command(origin, "language", language)


async def test_a_chats_choice_of_language_is_its_menu_until_it_goes_back_to_auto(
    tg: TelegramFake, talk: Conversation
) -> None:
    ann, ann_chat = person(tg, "Ann", "en")
    bob, bob_chat = person(tg, "Bob", "en")
    li, li_chat = person(tg, "Li", "zh-hans")
    assert described(tg.menu_seen(ann_chat, ann))["export"] == ENGLISH_EXPORT

    await choose(talk, ann_chat, ann, "中文")
    await choose(talk, li_chat, li, "English")
    assert tg.texts(ann_chat.id) == ["好的，从现在起我在这个聊天里说中文。"]
    assert described(tg.menu_seen(ann_chat, ann))["export"] == CHINESE_EXPORT
    assert described(tg.menu_seen(li_chat, li))["export"] == ENGLISH_EXPORT
    assert described(tg.menu_seen(bob_chat, bob))["export"] == ENGLISH_EXPORT  # another chat: as it was
    assert "invite" not in described(tg.menu_seen(ann_chat, ann))

    await choose(talk, ann_chat, ann, "auto")
    await choose(talk, li_chat, li, "auto")
    assert described(tg.menu_seen(ann_chat, ann))["export"] == ENGLISH_EXPORT
    assert described(tg.menu_seen(li_chat, li))["export"] == CHINESE_EXPORT
    assert tg.errors() == []


async def test_an_admins_chat_keeps_the_admin_commands_in_the_language_chosen(
    tg: TelegramFake, talk: Conversation, admin: User, store: Store, tmp_path: Path
) -> None:
    chat = tg.private_chat(admin)
    assert {"invite", "usage"} <= set(described(tg.menu_seen(chat, admin)))
    await choose(talk, chat, admin, "English")
    menu = described(tg.menu_seen(chat, admin))
    assert menu["export"] == ENGLISH_EXPORT and menu["invite"] == "Make a one-time invite code"

    # A restart offers the menus again, and keeps her choice (the store remembers it).
    settings = make_settings(tmp_path, admin_user_ids={admin.id})
    async with telegram.Bot(DEFAULT_TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
        await Menus(bot, settings).offer({admin.id: "en"})
    assert described(tg.menu_seen(chat, admin)) == menu

    await choose(talk, chat, admin, "auto")  # her app's language again, admin commands and all
    menu = described(tg.menu_seen(chat, admin))
    assert menu["export"] == CHINESE_EXPORT and {"invite", "usage"} <= set(menu)
    assert described(tg.menu_seen(chat, tg.user("Ada", id=admin.id, language_code="en")))["export"] == ENGLISH_EXPORT


async def test_a_groups_choice_is_the_groups_menu_without_the_admin_commands(
    tg: TelegramFake, talk: Conversation, admin: User, store: Store
) -> None:
    team, studio = tg.group("Team"), tg.forum("Studio")
    await tg.send_text(team, admin, "hello")  # the bot is in the group
    topic = tg.create_topic(studio, admin, "Beach")
    await choose(talk, team, admin, "English")
    project = await store.topics.project(Place(studio.id, topic))
    await choose(talk, studio, admin, "English", project=project)  # a topic has no menu: its forum's changes
    for group in (team, studio):
        menu = described(tg.menu_seen(group, admin))
        assert menu["export"] == ENGLISH_EXPORT and "invite" not in menu and "usage" not in menu
    assert [call.thread_id for call in tg.sent(studio.id)] == [topic]  # the answer in the topic itself


async def test_a_menu_telegram_refuses_leaves_the_answer_and_no_secret_in_the_log(
    tg: TelegramFake, talk: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    ann, chat = person(tg, "Ann", "en")
    tg.fail("setMyCommands", status=500)
    with caplog.at_level(logging.INFO, logger="bot"):  # the bot's own lines (httpx is quieted by bot.logs)
        await choose(talk, chat, ann, "中文")
    assert tg.texts(chat.id) == ["好的，从现在起我在这个聊天里说中文。"]
    assert described(tg.menu_seen(chat, ann))["export"] == ENGLISH_EXPORT  # only the menu is missing
    assert [r.levelno for r in caplog.records if "command menu not set" in r.getMessage()] == [logging.INFO]
    assert not any(DEFAULT_TOKEN in r.getMessage() for r in caplog.records if r.name.startswith("bot"))
