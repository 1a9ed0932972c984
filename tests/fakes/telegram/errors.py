"""How a call fails: the Bot API's error answers, and what the fake refuses to guess.

Handlers raise these; the server turns them into answers (see `server.BotApiServer`).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad(description: str) -> ApiError:
    """A 400 with Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {description}")


def too_many_requests(retry_after: int) -> ApiError:
    """Telegram's flood answer: the client must wait ``retry_after`` seconds before trying again."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


class RawAnswer(Exception):
    """A non-JSON answer, such as the HTML error page of Telegram's nginx edge on a 502."""

    def __init__(self, status: int, body: str, content_type: str) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type


class NotModelled(Exception):
    """A real Bot API feature the fake leaves out because the bot does not use it (parse modes, keyboards,
    files by URL…). Rather than guess, the fake answers 501 and records an internal error, so the test that
    first needs the feature fails and says which one to model."""
