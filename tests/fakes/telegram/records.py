"""What the fake saw, kept for tests to inspect: every HTTP request, and every call that acted on a chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram.params import truthy


@dataclass
class SentCall:
    """One successful call of the bot that acts on a chat (sends, edits, chat actions, callback answers).

    ``text`` and ``caption`` are what the user sees (Telegram strips surrounding whitespace); ``params`` holds
    the parameters as received (strings for form/multipart requests, JSON values otherwise) with file parts
    replaced by their file name. ``file_bytes`` are the uploaded or referenced file's bytes.
    """

    method: str
    chat_id: int | None
    text: str | None
    caption: str | None
    message_id: int | None
    params: dict[str, Any]
    file_bytes: bytes | None
    filename: str | None
    at: float
    mime_type: str | None = None
    result: Any = None
    thread_id: int | None = None  # the forum topic it went to (None: the chat itself, or a forum's General topic)

    def flag(self, name: str) -> bool:
        """A boolean parameter as Telegram reads it (``true``/``1``/``True`` in forms, ``true`` in JSON)."""
        return truthy(self.params.get(name))

    def describe(self) -> str:
        """One readable line for failure dumps."""
        shown = self.text if self.text is not None else self.caption
        extra = f" file={self.filename!r} ({len(self.file_bytes)} B)" if self.file_bytes is not None else ""
        action = f" action={self.params.get('action')}" if self.method == "sendChatAction" else ""
        topic = f" topic={self.thread_id}" if self.thread_id is not None else ""
        return f"{self.method} chat={self.chat_id}{topic} msg={self.message_id}{action}{extra}" + (
            f" {shown!r}" if shown is not None else ""
        )


@dataclass
class RequestRecord:
    """One HTTP request the fake received and what it answered.

    ``status`` is None until an answer is ready, and stays None when the client went away first: a killed
    bot's dropped connection is the client's doing, recorded as ``client_gone`` and never as an error of the
    fake. ``client_gone`` is also set when the client left while its answer was being written.
    """

    http_method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    response: Any = None
    at: float = 0.0
    client_gone: bool = False

    @property
    def description(self) -> str | None:
        """The error description of a failed call, if any."""
        if isinstance(self.response, dict):
            return self.response.get("description")
        return None
