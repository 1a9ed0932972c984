"""The durable inbox: a batch the poller queues is in the store before the next getUpdates may confirm it,
handed on in order, a re-delivery is not handed on twice, and a stranger's update is never written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, Update
from telegram.request import HTTPXRequest

from bot.store import Store
from bot.telegram.inbox import ConfirmWhenKept, Inbox
from tests.fakes.telegram import DEFAULT_TOKEN


def _update(update_id: int, chat_id: int, text: str = "hi") -> Update:
    user = {"id": chat_id, "is_bot": False, "first_name": "U"}
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": chat_id, "type": "private"}, "from": user, "text": text,
    }}, Bot(DEFAULT_TOKEN))


async def test_a_batch_is_kept_before_it_is_confirmed_and_handed_on_once_in_order(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    inbox = Inbox(store)

    async def admits(update: Update) -> bool:
        return update.effective_chat is not None and update.effective_chat.id != 666

    inbox.admit_with(admits)
    for update_id, chat_id in ((1, 10), (2, 666), (3, 11)):
        await inbox.put(_update(update_id, chat_id))
    assert inbox.empty()  # nothing is handed on before it is kept
    await inbox.kept()
    assert [inbox.get_nowait().update_id for _ in range(inbox.qsize())] == [1, 2, 3]
    assert [update_id for update_id, _ in await store.inbox.unfinished()] == [1, 3]  # the stranger's: not kept

    await inbox.put(_update(3, 11))  # Telegram delivers it again (the confirmation never arrived)
    await inbox.kept()
    assert inbox.empty()
    await store.close()


async def test_get_updates_waits_for_the_inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    inbox = Inbox(store)
    order: list[str] = []

    async def sent(self: HTTPXRequest, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        order.append("getUpdates")
        return 200, b'{"ok": true, "result": []}'

    monkeypatch.setattr(HTTPXRequest, "do_request", sent)  # the wire: what reaches Telegram, and when
    original = store.inbox.receive

    async def receive(updates: list[tuple[int, int | None, str]]) -> set[int]:
        fresh = await original(updates)
        order.append("kept")
        return fresh

    monkeypatch.setattr(store.inbox, "receive", receive)
    await inbox.put(_update(1, 10))
    await ConfirmWhenKept(inbox).do_request("http://127.0.0.1/bot/getUpdates", "POST")
    assert order == ["kept", "getUpdates"]
    await store.close()


async def test_a_button_press_is_kept_like_a_message_and_read_back_after_a_restart(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    inbox = Inbox(store)
    user = {"id": 10, "is_bot": False, "first_name": "U"}
    bot_message = {"message_id": 5, "date": 0, "chat": {"id": 10, "type": "private"}, "text": "Done.",
                   "reply_markup": {"inline_keyboard": [[{"text": "🎬 Export", "callback_data": "/export"}]]}}
    press = Update.de_json({"update_id": 7, "callback_query": {
        "id": "4242", "from": user, "message": bot_message, "chat_instance": "1", "data": "/export",
    }}, Bot(DEFAULT_TOKEN))
    await inbox.put(press)
    await inbox.kept()
    assert inbox.get_nowait().update_id == 7

    after_restart = Inbox(store)  # the bot stopped before the press was handled
    assert await after_restart.put_unfinished(Bot(DEFAULT_TOKEN)) == 1
    again = after_restart.get_nowait()
    assert again.callback_query is not None and again.callback_query.data == "/export"
    assert again.effective_chat is not None and again.effective_chat.id == 10
    await store.close()
