"""Which replies someone is waiting on right now, told by the use cases to whatever transport sends them.

Under load a transport queues what it sends (Telegram allows a bot about 30 messages a second). A user who
typed /credits is watching the chat for the answer; an album's acknowledgement or a progress edit can come a
moment later without anyone noticing. The conversation marks the first kind with `answering_now()`; a
transport's rate limiter reads `is_urgent()` and lets those replies go first. It is a context variable, so
the mark follows the use case's own task (each update is handled in its own task) and nothing else; this
module knows neither Telegram nor HTTP.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_urgent: ContextVar[bool] = ContextVar("reelbot_urgent_reply", default=False)


@contextlib.contextmanager
def answering_now() -> Iterator[None]:
    """Inside this block, whatever the current task sends answers a user who is waiting for it."""
    token = _urgent.set(True)
    try:
        yield
    finally:
        _urgent.reset(token)


def is_urgent() -> bool:
    """True when the reply being sent is one a user is waiting on right now (see `answering_now`)."""
    return _urgent.get()
