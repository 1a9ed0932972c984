"""Failures a test switches on: the next calls of a method answer 429 (flood control, with ``retry_after``)
or a 5xx, the 502/504 ones as the HTML page of Telegram's nginx edge, as the real service sometimes does."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes.telegram.errors import ApiError, RawAnswer, too_many_requests

_STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}
_NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {text}</title></head>\r\n<body>\r\n<center><h1>{status} {text}</h1>"
    "</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class FailureRule:
    """The next ``times`` calls of ``method`` (None: any), to ``chat_id`` (None: any), fail with ``status``."""

    method: str | None
    chat_id: int | None
    times: int
    status: int
    retry_after: int | None = None
    body: str | None = None  # a non-JSON body (an nginx page) instead of the Bot API's JSON error


class Failures:
    """The switched-on failures, used up in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[FailureRule] = []

    def flood(self, method: str | None, *, times: int, retry_after: int, chat_id: int | None) -> None:
        """The next ``times`` matching calls answer 429 with ``retry_after``."""
        self.rules.append(FailureRule(method, chat_id, times, 429, retry_after=retry_after))

    def fail(self, method: str | None, *, status: int, times: int, chat_id: int | None, html: bool | None) -> None:
        """The next ``times`` matching calls answer ``status``; ``html`` (default: for 502 and 504) answers
        nginx's HTML page instead of JSON."""
        if html if html is not None else status in (502, 504):
            body = _NGINX_PAGE.format(status=status, text=_STATUS_TEXT.get(status, "Error"))
        else:
            body = None
        self.rules.append(FailureRule(method, chat_id, times, status, body=body))

    def apply(self, method: str, chat_id: int | None) -> None:
        """Raise the answer of the first rule that matches this call, using it up once."""
        for rule in self.rules:
            if rule.times <= 0:
                continue
            if rule.method is not None and rule.method.lower() != method.lower():
                continue
            if rule.chat_id is not None and rule.chat_id != chat_id:
                continue
            rule.times -= 1
            if rule.status == 429:
                raise too_many_requests(rule.retry_after or 1)
            if rule.body is not None:
                raise RawAnswer(rule.status, rule.body, "text/html")
            raise ApiError(rule.status, _STATUS_TEXT.get(rule.status, "Internal Server Error"))
