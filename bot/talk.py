"""How the conversation meets the people it talks to, whatever the transport: who asked (`Origin`, and
`Source` for a file), how it answers (`Replies`), and the pulse that shows it is still at work."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from bot import wording
from bot.arrivals import Arrival

Activity = Literal["typing", "upload_video", "upload_photo"]
CHAT_ACTION_SECONDS = 4.0  # Telegram shows a chat action for 5 s; renew it a little before it lapses


@dataclass(frozen=True, slots=True)
class Origin:
    """Who asked and where to answer; the same for a terminal and a Telegram chat. `arrival` is the
    message's place in its chat's line (see `bot.arrivals`) when the transport delivers concurrently."""

    chat_id: int
    user_id: int | None = None
    message_id: int | None = None
    arrival: Arrival | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a received file came from: the message (and the transport's id of the file in it), so a file
    is taken in once even when its message is handled again after a crash."""

    message_id: int | None = None
    file_unique_id: str | None = None


class Replies(Protocol):
    """How the conversation talks back. Implementations split long texts and respect flood limits."""

    async def say(self, chat_id: int, text: str, *, reply_to: int | None = None) -> int | None:
        """Send a text; returns its message id where the transport has one."""

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Replace the text of a message sent before (progress)."""

    async def working(self, chat_id: int, activity: Activity) -> None:
        """Show that the bot is busy (a chat action); lasts a few seconds."""

    async def video(self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None) -> bool:
        """Send an MP4; False when the transport could not take it (too large, refused)."""


@contextlib.asynccontextmanager
async def keep_busy(
    replies: Replies, chat_id: int, activity: Activity, heartbeat_seconds: float
) -> AsyncIterator[Pulse]:
    """Keep the chat action alive, and say "⏳ Still working..." after each HEARTBEAT_SECONDS of silence."""
    pulse = Pulse(activity)

    async def keep_alive() -> None:
        next_action = 0.0
        while True:
            now = time.monotonic()
            if now >= next_action:
                with contextlib.suppress(Exception):
                    await replies.working(chat_id, pulse.activity)
                next_action = now + CHAT_ACTION_SECONDS
            if now - pulse.last_said >= heartbeat_seconds:
                pulse.last_said = now
                with contextlib.suppress(Exception):
                    await replies.say(chat_id, wording.STILL_WORKING)
            wake = min(next_action, pulse.last_said + heartbeat_seconds)
            await asyncio.sleep(max(0.01, wake - time.monotonic()))

    task = asyncio.create_task(keep_alive())
    try:
        yield pulse
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class Pulse:
    """What the keep-alive loop needs to know: the current chat action and when the user last heard from us."""

    def __init__(self, activity: Activity) -> None:
        self.activity: Activity = activity
        self.last_said = time.monotonic()

    def said(self) -> None:
        self.last_said = time.monotonic()
