"""Where Telegram's answers say a chat went: a ChatMigrated is followed (and told) at the one place every
request passes, a 403 is told as the bot's removal, and updates that are no chat of the bot's are ignored."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update
from telegram.error import ChatMigrated, Forbidden

from bot.telegram.handlers import _not_ours
from bot.telegram.presence import ChatPresence

GROUP, SUPERGROUP = -4001, -1001234567890


class _Telegram:
    """A stand-in for PTB's request: the group answers ChatMigrated, a blocked chat 403, others go through."""

    def __init__(self, blocked: int | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.blocked = blocked

    async def __call__(self, endpoint: str, data: dict[str, Any]) -> bool:
        if data.get("chat_id") == GROUP:
            raise ChatMigrated(SUPERGROUP)
        if data.get("chat_id") == self.blocked:
            raise Forbidden("Forbidden: bot was blocked by the user")
        self.sent.append((endpoint, data))
        return True


def _watched(presence: ChatPresence) -> tuple[_Telegram, list[tuple[int, int]], list[int]]:
    moves: list[tuple[int, int]] = []
    gone: list[int] = []

    async def moved(old: int, new: int) -> None:
        moves.append((old, new))

    async def went(chat_id: int) -> None:
        gone.append(chat_id)

    presence.report_to(moved=moved, gone=went)
    return _Telegram(blocked=5), moves, gone


async def test_a_send_to_a_group_that_moved_goes_to_the_supergroup_and_the_move_is_told_once() -> None:
    presence = ChatPresence()
    telegram, moves, _ = _watched(presence)
    data = {"chat_id": GROUP, "text": "hi", "reply_parameters": {"message_id": 9}}
    assert await presence.watching(telegram, "sendMessage", data)("sendMessage", data)
    # Sent again to the supergroup, without the reply: message 9 of the group is not message 9 there.
    assert telegram.sent == [("sendMessage", {"chat_id": SUPERGROUP, "text": "hi"})]
    assert moves == [(GROUP, SUPERGROUP)]
    action = {"chat_id": GROUP, "action": "typing"}
    await presence.watching(telegram, "sendChatAction", action)("sendChatAction", action)
    assert telegram.sent[-1] == ("sendChatAction", {"chat_id": SUPERGROUP, "action": "typing"})
    assert moves == [(GROUP, SUPERGROUP)]  # known now: straight to the supergroup, nothing to tell again


async def test_an_edit_in_a_group_that_moved_is_not_sent_elsewhere() -> None:
    presence = ChatPresence()
    telegram, moves, _ = _watched(presence)
    edit = {"chat_id": GROUP, "message_id": 3, "text": "50%"}
    with pytest.raises(ChatMigrated):
        await presence.watching(telegram, "editMessageText", edit)("editMessageText", edit)
    assert telegram.sent == [] and moves == [(GROUP, SUPERGROUP)]


async def test_a_403_is_told_as_the_bot_being_blocked_or_removed() -> None:
    presence = ChatPresence()
    telegram, _, gone = _watched(presence)
    data = {"chat_id": 5, "text": "hi"}
    with pytest.raises(Forbidden):
        await presence.watching(telegram, "sendMessage", data)("sendMessage", data)
    assert gone == [5]


def test_business_and_guest_updates_are_no_chat_of_the_bots() -> None:
    message = {"message_id": 1, "date": 0, "chat": {"id": 77, "type": "private"}, "text": "hi"}
    for kind in ("business_message", "edited_business_message", "guest_message"):
        assert _not_ours(Update.de_json({"update_id": 1, kind: message}, None))
    assert not _not_ours(Update.de_json({"update_id": 1, "message": message}, None))
