"""A Chinese user through the Telegram fake: the command menu in their app's language, every answer in Chinese
from their first message on, the cloud project created in Chinese, and a /language choice (answers and menu)
that outlives a restart."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from tests.e2e.conftest import all_handled, running, said
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import TelegramFake


async def test_a_chinese_user_is_answered_in_chinese_until_they_choose_english(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    li = tg.user("Li", language_code="zh-hans")
    admin = tg.user("Ada", language_code="en")
    settings = settings_for(admin_user_ids=frozenset({admin.id}))
    tg.register_chat(tg.private_chat(admin))  # she wrote to the bot before: Telegram takes her chat's menu
    chat = tg.private_chat(li)
    async with running(settings, tg) as bot:
        # The menu in each language the bot speaks: Chinese for "zh" apps, English for everyone else.
        menu = {c["command"]: c["description"] for c in tg.commands_for(language_code="zh")}
        assert menu["export"] == "渲染并发送 MP4" and menu["language"].startswith("选择我使用的语言")
        assert {c["command"]: c["description"] for c in tg.commands_for()}["export"] == "Render and send the MP4"
        admins = tg.commands_for({"type": "chat", "chat_id": admin.id}, language_code="zh")
        assert {"invite", "usage"} <= {c["command"] for c in admins}

        await tg.send_command(chat, li, "/start")
        await tg.send_photo(chat, li, jpeg_bytes(720, 1280))
        await tg.wait_for_text(chat.id, "📥 收到 1 张照片。")
        await tg.send_command(chat, li, "/credits")
        await tg.wait_for_text(chat.id, "积分：可用")
        await all_handled(tg, bot)
        first = said(tg, chat.id)
        assert first[0].startswith("把你的图片发给我") and first[1:3] == ["正在连接……", "准备好了！"]
        assert nemo.last("create_session").json["language"] == "zh"

        mark = tg.mark()
        await tg.send_command(chat, li, "/language", "English")
        await tg.wait_for_text(chat.id, "I'll speak English in this chat from now on.", start=mark)
        await all_handled(tg, bot)
        menu = {c["command"]: c["description"] for c in tg.menu_seen(chat, li)}  # her app is still Chinese
        assert menu["export"] == "Render and send the MP4"

    async with running(settings, tg) as bot:
        mark = tg.mark()
        await tg.send_text(chat, li, "音乐小一点")  # her app and her words say Chinese; her choice says English
        await tg.send_command(chat, li, "/help")
        await tg.wait_for_text(chat.id, "How it works:", start=mark)
        await all_handled(tg, bot)
        assert not any("使用方法" in text for text in said(tg, chat.id, mark))
