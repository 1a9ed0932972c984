"""Checks shared by the end-to-end tests: what reached Telegram holds no secret and no raw backend output."""

from __future__ import annotations

from tests.fakes.nemo import NemoFake
from tests.fakes.telegram import DEFAULT_TOKEN, TelegramFake

RAW_MARKS = ("Traceback", '{"', '"code"', "nmv_usr_", "Bearer ")


def shown(tg: TelegramFake) -> list[str]:
    """Every text and caption the bot sent or edited, in any chat."""
    return [value for call in tg.sent() for value in (call.text, call.caption) if value]


def assert_nothing_leaked(tg: TelegramFake, nemo: NemoFake) -> None:
    """No NemoVideo token anywhere the bot sent to Telegram (path, headers, bodies); the bot token only in
    the request path where the Bot API wants it, never in a body; no traceback or raw JSON in a chat."""
    everything = "\n".join(tg.all_request_bodies())
    for token in nemo.tokens:
        assert token not in everything, "a NemoVideo token reached Telegram"
    bodies = "\n".join(r.body.decode("utf-8", "replace") + r.query for r in tg.requests)
    assert DEFAULT_TOKEN not in bodies, "the bot token reached a request body"
    for text in shown(tg):
        assert DEFAULT_TOKEN not in text
        assert all(token not in text for token in nemo.tokens)
        for mark in RAW_MARKS:
            assert mark not in text, f"raw output in a chat: {text!r}"
