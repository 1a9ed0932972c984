"""The command menus (the "/" list of the Telegram app), built from the core's command table in one place for
start-up and for a chat's /language choice.

Telegram's app shows the first menu set of (Bot API, "Determining list of commands"): the chat's own scope in
the app's language, the chat's own scope for any language, then the broader scopes the same way. At start-up
everyone gets a menu per language the bot speaks (the app's language picks one), and each admin's private
chat one that adds the admins' commands. A chat that chose its language gets that language's menu on its own
scope for every language code the bot sets menus for, so no app language wins over the choice; "auto" takes
the chat's own menus away again (an admin's private chat gets its per-language admin menus back).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.config import Settings
from bot.conversation import COMMANDS
from bot.language import ENGLISH, available_languages, language_for_code, render

log = logging.getLogger(__name__)


def _menu(language: str, *shown: str) -> list[BotCommand]:
    return [BotCommand(command.name, render(command.summary, language)) for command in COMMANDS
            if command.menu in shown]


def _menu_languages(settings: Settings) -> list[tuple[str, str | None]]:
    """(language, Telegram's language_code for it): the default language's menu is everyone's whose app
    language has no menu of its own (no language_code), every other language's is for its speakers."""
    default = language_for_code(settings.default_language) or ENGLISH
    return [(language, None if language == default else language) for language in available_languages()]


class Menus:
    """The bot's command menus: everyone's and the admins' at start-up (`offer`), a chat's own (`choose`)."""

    def __init__(self, bot: Bot, settings: Settings) -> None:
        self._bot = bot
        self._languages = _menu_languages(settings)
        self._admins = settings.admin_user_ids

    async def offer(self, chosen: Mapping[int, str] | None = None) -> None:
        """At start-up: the menu in every language the bot speaks, so each user's app shows it in theirs, then
        each admin's own. `chosen`: the languages admins chose for their private chats (/language), which a
        restart must not undo."""
        for language, code in self._languages:
            await self._bot.set_my_commands(_menu(language, "all"), language_code=code)
        for admin_id in sorted(self._admins):
            try:
                await self.choose(admin_id, (chosen or {}).get(admin_id))
            except TelegramError as exc:
                log.info("admin %s: command menu not set (%s)", admin_id, type(exc).__name__)

    async def choose(self, chat_id: int, language: str | None) -> None:
        """The menu of one chat (a Telegram chat id, not a topic's) after it chose `language` (None: "auto").

        An admin's private chat (its id is the admin's) shows the admins' commands (/invite, /usage) too:
        everyone else would just be refused. Raises what Telegram answers: it refuses a chat it has not seen
        (an admin who never wrote to the bot), whose commands still work, only the menu lacks them."""
        scope = BotCommandScopeChat(chat_id)
        shown = ("all", "admins") if chat_id in self._admins else ("all",)
        for menu_language, code in self._languages:
            if language is not None:
                await self._bot.set_my_commands(_menu(language, *shown), scope=scope, language_code=code)
            elif chat_id in self._admins:
                await self._bot.set_my_commands(_menu(menu_language, *shown), scope=scope, language_code=code)
            else:  # back to the menus everyone gets in their app's language
                await self._bot.delete_my_commands(scope=scope, language_code=code)
