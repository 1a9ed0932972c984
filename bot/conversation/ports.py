"""Where the core meets whatever carries a conversation (Telegram, a terminal): who asked (`Origin`, and
`Source` for a file), how the core answers (`Replies`), and which answers someone is waiting on right now.

The core knows no transport: what differs between them (how long a "typing…" sign lasts, the largest
video one can carry) is asked of the `Replies` it was given.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.language import Sentence

Activity = Literal["typing", "upload_video", "upload_photo"]

# What the core hands to be said: a sentence from the catalogues (words only once the chat's language is known)
# or a plain string that already is words (a reply the video service wrote, a summary of the user's own titles).
Said = str | Sentence


@dataclass(frozen=True, slots=True)
class Action:
    """Something a message offers to do next: the command it runs (a name from the core's command table, run
    exactly as if typed) and the words on it. A transport shows it as it can (Telegram as a button under the
    message, a terminal as a hint) or not at all."""

    command: str
    label: Said


Actions = tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Origin:
    """Who asked and where to answer; the same for a terminal and a Telegram chat.

    `chat_id` is the project's key: a chat's own id, or a forum topic's own key (each topic is a project of
    its own; `bot.store.topics`), and `Replies` take it back to the place. `group_id` is the chat a topic's
    project lives in (None when that is `chat_id` itself): access and admission are per chat. `arrival` is
    the transport's key for this message's place in its line (`Conversation.arrive`), when the transport
    hands messages over concurrently; `in_group` says that several people read the answers (a code or a
    link that hands something over must not be posted there). `language_code` is the language the sender's
    app is set to, where the transport knows it (an IETF tag such as "zh-hans"): one of the hints the core
    decides a chat's language from.
    """

    chat_id: int
    user_id: int | None = None
    message_id: int | None = None
    in_group: bool = False
    arrival: int | None = field(default=None, compare=False)
    group_id: int | None = None
    language_code: str | None = field(default=None, compare=False)

    @property
    def admitted_as(self) -> int:
        """The chat an invite lets in, or access lists name, for this message."""
        return self.group_id if self.group_id is not None else self.chat_id


@dataclass(frozen=True, slots=True)
class Source:
    """Where a received file came from: the message (and the transport's id of the file in it), so a file
    is taken in once even when its message is handled again after a crash."""

    message_id: int | None = None
    file_unique_id: str | None = None


class Replies(Protocol):
    """How the core talks back, to a project's key (`Origin.chat_id`: the transport finds the place, a forum
    topic too). Implementations split long texts and respect flood limits."""

    working_lasts: float  # seconds a `working` sign stays shown; the core renews it before it lapses
    largest_video: int  # bytes: a larger MP4 is offered as a link instead

    async def say(
        self, chat_id: int, text: str, *, reply_to: int | None = None, actions: Actions = ()
    ) -> int | None:
        """Send a text, offering `actions` (text and labels already words: the core renders its sentences
        before they reach a transport); returns its message id where the transport has one."""

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Replace the text of a message sent before (progress)."""

    async def working(self, chat_id: int, activity: Activity) -> None:
        """Show that the bot is busy (a chat action); lasts `working_lasts` seconds."""

    async def video(
        self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None, actions: Actions = ()
    ) -> bool:
        """Send an MP4 offering `actions`; False when the transport could not take it (refused, failing)."""

    async def photo(self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None) -> bool:
        """Send a picture (PNG or JPEG; the storyboard); False when the transport could not take it."""

    async def menu(self, chat_id: int, language: str | None) -> None:
        """Show the chat's list of commands in `language`, the one it chose (None: back to each reader's own
        app language), where the transport has such a list: a choice of language must not leave the menu
        in another one. Never raises for a menu the transport refuses: a menu is a convenience, the
        commands work without it."""


class RenderQueue(Protocol):
    """Where renders are followed when the bot runs as several processes (`bot.queue`): following a render
    to its delivery becomes a job any worker can take up, also after the process that asked for it died.
    Without one, the conversation follows its renders itself."""

    async def queue_render(self, render_id: str, draft: dict[str, Any] | None, *, here: bool) -> None:
        """Follow render `render_id` (rendered on our own machines when `here`) to its delivery."""


# ---------------------------------------------------------------- replies someone is waiting on

# Under load a transport queues what it sends (Telegram allows a bot about 30 messages a second). A user who
# typed /credits watches the chat for the answer; an album's acknowledgement or a progress edit can come a
# moment later without anyone noticing. The use cases mark the first kind with `answering_now()`, and a
# transport's rate limiter reads `is_urgent()` to let those go first. A context variable: the mark follows
# the use case's own task (each update is handled in its own task) and nothing else.
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
