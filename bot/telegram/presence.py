"""What Telegram's answers say about where a chat is: moved (a group that became a supergroup answers 400 with
`migrate_to_chat_id`, which python-telegram-bot raises as `ChatMigrated`) or gone (403: the user blocked the
bot, or it was removed from the group).

Every request the bot makes passes `ChatPresence.watching` (the flood limiter wraps each call in it), so one
place follows a move for every send, whoever sent it: a text is sent again to the new chat, and every later
send to the old id goes to the new one directly. The conversation is told (`report_to`) so it moves the
project, or stops and records the chat that is gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import ChatMigrated, Forbidden

log = logging.getLogger(__name__)

Moved = Callable[[int, int], Awaitable[None]]
Gone = Callable[[int], Awaitable[None]]
Call = Callable[..., Coroutine[Any, Any, Any]]

# Parameters that name a message of the old chat: a reply to it in the supergroup would reply to whatever
# message has that number there, so a send that follows a move drops them.
_OLD_MESSAGE_PARAMETERS = ("reply_parameters", "reply_to_message_id")


class ChatPresence:
    """See the module. Made before the conversation exists (PTB builds its bot first): `report_to` connects
    the two once both are there."""

    def __init__(self) -> None:
        self._moved: Moved | None = None
        self._gone: Gone | None = None
        self.moves: dict[int, int] = {}  #: old chat id -> the supergroup it became, as learned in this run

    def report_to(self, *, moved: Moved, gone: Gone) -> None:
        self._moved = moved
        self._gone = gone

    async def chat_moved(self, old: int, new: int) -> None:
        """A move learned from Telegram (an answer, or the service messages of the two chats)."""
        self.moves[old] = new
        if self._moved is not None:
            await self._moved(old, new)

    def watching(self, callback: Call, endpoint: str, data: dict[str, Any]) -> Call:
        """`callback` (PTB's request for one Bot API call, made with `data` among its arguments) following
        moves and reporting chats that are gone."""
        sending = endpoint.lower().startswith("send")

        async def call(*args: Any, **kwargs: Any) -> Any:
            chat_id = _chat_id(data)
            if sending and chat_id in self.moves:
                return await callback(*_with(args, data, self.moves[chat_id]), **kwargs)
            try:
                return await callback(*args, **kwargs)
            except ChatMigrated as exc:
                new = int(exc.new_chat_id)
                if chat_id is None:
                    raise
                log.info("chat %s became chat %s (told by %s)", chat_id, new, endpoint)
                await self.chat_moved(chat_id, new)
                if not sending:  # an edit names a message of the old chat: there is nothing to edit any more
                    raise
                return await callback(*_with(args, data, new), **kwargs)
            except Forbidden:
                if chat_id is not None and self._gone is not None:
                    log.info("chat %s: the bot was blocked or removed (told by %s)", chat_id, endpoint)
                    # Shielded: stopping the chat's work may stop the very task that sent this, and the
                    # stopping must still be done in full.
                    await asyncio.shield(self._gone(chat_id))
                raise

        return call


def _chat_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):  # no chat, or a channel's @username
        return None


def _with(args: tuple[Any, ...], data: dict[str, Any], chat_id: int) -> tuple[Any, ...]:
    """The call's arguments with its parameters sent to `chat_id` instead (and no reply to an old message)."""
    moved = {key: value for key, value in data.items() if key not in _OLD_MESSAGE_PARAMETERS} | {"chat_id": chat_id}
    return tuple(moved if arg is data else arg for arg in args)
