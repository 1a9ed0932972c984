"""What Telegram keeps about users, chats, files and the bot's messages, as plain values.

``to_dict`` methods give the Bot API objects exactly as they appear in updates and answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class User:
    """A Telegram user as the fake puts it in ``from`` fields."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class Chat:
    """A chat: ``private`` (id = the user's id), ``group`` (negative id) or ``supergroup`` (-100… id)."""

    id: int
    type: Literal["private", "group", "supergroup", "channel"]
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False  # a supergroup with topics

    @property
    def is_group(self) -> bool:
        """True for groups and supergroups (where privacy mode and the per-group rate apply)."""
        return self.type in ("group", "supergroup")

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class StoredFile:
    """A file the fake issued a ``file_id`` for (sent by a user, or uploaded by the bot)."""

    file_id: str
    file_unique_id: str
    kind: str  # photo, document, video, audio, voice, sticker
    data: bytes
    size: int  # the size Telegram reports (may be declared bigger than ``data`` to test limits)
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str | None = None  # set by the first getFile

    def to_dict(self) -> dict[str, Any]:
        """The fields every Bot API file object (``Document``, ``Video``, ``Audio``…) starts with."""
        obj: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.size}
        if self.file_name:
            obj["file_name"] = self.file_name
        if self.mime_type:
            obj["mime_type"] = self.mime_type
        return obj


@dataclass
class BotMessage:
    """The current state of one message the bot sent (edits applied)."""

    chat_id: int
    message_id: int
    kind: str  # text, video or document
    text: str | None
    caption: str | None
    message: dict[str, Any]  # the Bot API ``Message``; tests may add to it (say, an old inline keyboard)
    edits: int = 0
