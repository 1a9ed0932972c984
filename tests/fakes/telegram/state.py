"""Everything the fake Telegram knows, as plain data: chats, messages, files, the bot's pending updates,
its commands, and the record of what happened. Both sides share one `State`: the server changes it as the
bot calls, the control side as users act and tests look.

Every change is announced on `State.changed`, so whoever waits (a long poll, a test's ``wait_for``) wakes
on the change itself and never sleeps a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.fakes.telegram.limits import CALLBACK_ANSWER_SECONDS, DEFAULT_ALLOWED_UPDATES
from tests.fakes.telegram.media import file_id_prefix
from tests.fakes.telegram.objects import BotMessage, Chat, StoredFile, User
from tests.fakes.telegram.records import RequestRecord, SentCall

T = TypeVar("T")


class Signal:
    """Wakes every waiter when the state changes; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Something changed: wake everyone waiting now (later waiters wait for the next change)."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def until(self, check: Callable[[], T], timeout: float) -> T:  # noqa: ASYNC109
        """The first truthy ``check()``, re-checked on every change; its last (falsy) value after ``timeout``
        seconds. The timeout is a guard for a test that would otherwise hang, not a pace."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            remaining = deadline - time.monotonic()
            if value or remaining <= 0:
                return value
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)


class Updates:
    """The bot's updates as Telegram keeps them: queued in order until a getUpdates offset confirms them."""

    def __init__(self, first_update_id: int) -> None:
        """``first_update_id``: the id of the first update injected (real ids are large and increasing)."""
        self.queue: deque[dict[str, Any]] = deque()
        self.first_id = self.next_id = first_update_id
        self.confirmed_offset = 0
        self.allowed: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.polls = 0  #: getUpdates calls received
        self.poll_generation = 0  #: bumped by each getUpdates: an older long poll then answers 409
        self.dropped: list[dict[str, Any]] = []  #: updates dropped (not allowed, negative offset, drop_pending)
        self.undelivered: list[dict[str, Any]] = []  #: group updates withheld by privacy mode

    def add(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue ``{"update_id": …, kind: payload}`` and return it."""
        update = {"update_id": self.next_id, kind: payload}
        self.next_id += 1
        self.queue.append(update)
        return update

    @property
    def last_id(self) -> int | None:
        """The id of the last update ever queued, or None when none was."""
        return self.next_id - 1 if self.next_id > self.first_id else None

    def confirm(self, offset: int) -> None:
        """Apply a getUpdates ``offset``: positive confirms (forgets) every update before it for good; negative
        keeps only the last ``-offset`` updates."""
        if offset > 0:
            while self.queue and self.queue[0]["update_id"] < offset:
                self.queue.popleft()
            self.confirmed_offset = max(self.confirmed_offset, offset)
        elif offset < 0:
            while len(self.queue) > -offset:
                self.dropped.append(self.queue.popleft())
            if self.queue:
                self.confirmed_offset = max(self.confirmed_offset, self.queue[0]["update_id"])

    def deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` pending updates of allowed types (copies); updates of other types are dropped, as
        Telegram drops them."""
        ready: list[dict[str, Any]] = []
        for update in list(self.queue):
            kind = next(key for key in update if key != "update_id")
            if kind not in self.allowed:
                self.queue.remove(update)
                self.dropped.append(update)
                continue
            ready.append(update)
            if len(ready) >= limit:
                break
        return json.loads(json.dumps(ready))

    def drop_pending(self) -> None:
        """Forget every pending update (deleteWebhook with drop_pending_updates)."""
        while self.queue:
            self.dropped.append(self.queue.popleft())


@dataclass
class Callback:
    """A callback query a user made, answerable once and only for a while (`State.callback_answer_seconds`)."""

    query_id: str
    chat_id: int | None
    answered: bool = False
    pressed_at: float = field(default_factory=time.monotonic)
    data: str | None = None
    message_id: int | None = None
    answer_text: str | None = None  # what the answer showed the user (None: no text, only the spinner stopped)


@dataclass
class State:
    """The fake's whole state; see the module docstring."""

    token: str
    bot: User
    group_privacy: bool  # BotFather's privacy mode: groups deliver only commands, replies and mentions
    updates: Updates
    tokens: set[str] = field(default_factory=set)
    local_dir: Path | None = None  # set when acting as a local Bot API server (``--local``)
    closing: bool = False  # the server is stopping: long polls answer at once
    changed: Signal = field(default_factory=Signal)
    # chats and messages
    chats: dict[int, Chat] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)  # a group that became a supergroup -> the supergroup
    removed: dict[int, str] = field(default_factory=dict)  # groups the bot is not in: "left" or "kicked"
    topics: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)  # forum -> thread -> its creation
    next_message_id: dict[int, int] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # everyone's, by (chat, id)
    bot_messages: dict[tuple[int, int], BotMessage] = field(default_factory=dict)
    callbacks: dict[str, Callback] = field(default_factory=dict)
    callback_answer_seconds: float = CALLBACK_ANSWER_SECONDS
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)  # (scope, language)
    # files
    files: dict[str, StoredFile] = field(default_factory=dict)
    file_serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # the record
    requests: list[RequestRecord] = field(default_factory=list)
    sent: list[SentCall] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)

    def new_message_id(self, chat_id: int) -> int:
        """The next message id of a chat (ids count up per chat, for users' and the bot's messages alike)."""
        message_id = self.next_message_id.get(chat_id, 1)
        self.next_message_id[chat_id] = message_id + 1
        return message_id

    def issue_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: int | None = None,
    ) -> StoredFile:
        """A new file_id for ``data``; ``size`` may declare more than ``len(data)`` to reach a size limit."""
        stored = StoredFile(
            file_id=f"{file_id_prefix(kind)}{secrets.token_urlsafe(40)}",
            file_unique_id=f"AgAD{secrets.token_urlsafe(10)}",
            kind=kind,
            data=data,
            size=size if size is not None else len(data),
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

    def keep_bot_message(self, chat: Chat, message: dict[str, Any], kind: str) -> BotMessage:
        """Give the bot's new ``message`` its id and keep it (it can be replied to and edited from now on)."""
        message["message_id"] = self.new_message_id(chat.id)
        key = (chat.id, message["message_id"])
        self.messages[key] = message
        stored = BotMessage(chat.id, message["message_id"], kind, message.get("text"), message.get("caption"), message)
        self.bot_messages[key] = stored
        return stored

    def inject(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for the bot and wake its long poll. The update is a snapshot, as Telegram's are: a
        later edit of the message changes what the next update says, not one already queued."""
        update = self.updates.add(kind, copy.deepcopy(payload))
        self.changed.notify()
        return update
