"""The Engine port: what the conversation may ask of a video engine, and what comes back.

Both engines (the NemoVideo cloud in `nemo/`, the embedded ffmpeg engine in `local/`) implement
`Engine`. Everything crossing this boundary is a plain value defined here, so the conversation never sees
HTTP, SSE or ffmpeg, and an engine never sees Telegram. Errors are typed so the conversation can choose the
wording; an engine never writes user-facing sentences about its own failures except `EngineError.detail`,
which must be safe to show (no token, no raw response body).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from bot.language import Sentence

# What an engine says to the user: a sentence of its own from the catalogues (`bot.language`), rendered in the
# chat's language as it leaves, or a plain string the engine's service wrote.
Said = str | Sentence

# ---------------------------------------------------------------- media


class MediaKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    AUDIO = "audio"


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A file a user sent, already saved on this machine."""

    path: Path
    filename: str
    kind: MediaKind
    size: int
    width: int | None = None  # when the sender already knows (Telegram photo sizes)
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Uploaded:
    """What the engine made of an upload; `ref` is the engine's own handle (a CDN url, a stored path)."""

    filename: str
    kind: MediaKind
    ref: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    notes: tuple[Said, ...] = ()  # what the user should know about this file now (e.g. it will look soft)


# ---------------------------------------------------------------- the stream of one turn


@dataclass(frozen=True, slots=True)
class Text:
    """Text from the engine meant for the user: the service's own words as they are (an engine whose service
    talks as if the user sat in a web editor translates that itself), or a sentence of ours, rendered in the
    chat's language when it is sent."""

    text: Said


@dataclass(frozen=True, slots=True)
class ToolActivity:
    """The engine is calling a tool or got its result; shown only as a chat action, never forwarded."""

    name: str
    phase: Literal["call", "result"]


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The engine is alive but has nothing to say (heartbeat events, empty data, SSE comments)."""


@dataclass(frozen=True, slots=True)
class Preview:
    """A quick low-resolution render the user can look at while iterating (local engine)."""

    path: Path
    caption: Said = ""


StreamEvent = Text | ToolActivity | Heartbeat | Preview


# ---------------------------------------------------------------- account and renders


@dataclass(frozen=True, slots=True)
class Credits:
    available: float
    frozen: float
    total: float


class Readiness(StrEnum):
    """How far a chat is set up with an engine, read without asking the engine's service anything."""

    SIGNED_OUT = "signed out"  # no account yet: connecting, or asking the balance, would make one
    SIGNED_IN = "signed in"  # an account, but no project yet: connecting takes a moment
    READY = "ready"  # nothing to set up: `connect` returns at once


@dataclass(frozen=True, slots=True)
class Connection:
    """The result of `Engine.connect`: `new` is True when this call set the chat up (say "Ready!")."""

    new: bool


@dataclass(frozen=True, slots=True)
class Stepped:
    """What `Engine.undo` / `Engine.redo` did: the change stepped over (`what`: the instruction as written,
    or the name of the file that was added), the timeline before and after stepping, and whether the engine
    could set its timeline to it. An engine that keeps its timeline elsewhere and cannot set it (the cloud)
    keeps the restored draft for what the bot makes from it (an export) and says so: `restored` False."""

    kind: Literal["instruction", "upload"]
    what: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    restored: bool = True


# "lost": the engine no longer knows the job because the process that ran it ended (a restart). Nothing was
# finished or charged, so the render is simply started again; it does not count as a failed attempt.
RenderStatusName = Literal["pending", "processing", "completed", "failed", "lost"]


@dataclass(frozen=True, slots=True)
class RenderStatus:
    status: RenderStatusName
    progress: int = 0  # percent, 0-100
    url: str | None = None  # where the finished MP4 can be fetched (cloud)
    error: Said | None = None  # safe-to-show reason when failed
    notes: tuple[Said, ...] = ()  # sentences for the user about the finished video (text that couldn't be shown)


# ---------------------------------------------------------------- errors


class EngineError(Exception):
    """Base of every engine failure. `detail` is safe to show a user; str(self) never holds secrets."""

    def __init__(self, detail: Said = "") -> None:
        super().__init__(detail)
        self.detail = detail


class EngineUnavailable(EngineError):
    """The engine could not be reached (refused, timed out, 5xx, malformed answer)."""


class OutOfCredits(EngineError):
    """Cloud code 2001. `register_url` is set for anonymous users (the ?bind= link)."""

    def __init__(self, detail: Said = "", *, register_url: str | None = None, top_up_url: str = "") -> None:
        super().__init__(detail)
        self.register_url = register_url
        self.top_up_url = top_up_url


class ExportBlocked(EngineError):
    """HTTP 402: the free plan blocks export; registering unlocks it (not a credit problem)."""

    def __init__(self, detail: Said = "", *, register_url: str = "") -> None:
        super().__init__(detail)
        self.register_url = register_url


class UnsupportedFile(EngineError):
    """Code 4001, or a file the local engine cannot read."""

    def __init__(self, detail: Said = "", *, accepted: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.accepted = accepted


class FileTooLarge(EngineError):
    """Code 4002 (the cloud takes at most `limit_mb`)."""

    def __init__(self, detail: Said = "", *, limit_mb: int = 200) -> None:
        super().__init__(detail)
        self.limit_mb = limit_mb


class RateLimited(EngineError):
    """HTTP 429 that persisted after the one retry."""


class VideoGone(EngineError):
    """A finished render whose file the engine no longer has (every download place answered 404): the
    service is fine, so the cure is rendering again, not waiting."""


class StreamBroken(EngineError):
    """The stream ended abnormally (cut, timed out, error event). The message must NOT be sent again:
    it may already be charged. The conversation reports from the state instead.

    `server_error`: the service itself said the turn failed (an error event), so there is no edit still
    running to wait for; a cut or a timeout may leave one finishing on the server.
    """

    def __init__(self, detail: Said = "", *, server_error: bool = False) -> None:
        super().__init__(detail)
        self.server_error = server_error


class NotReady(EngineError):
    """Export asked for a draft that has nothing to render; `detail` says what is missing."""


class BadInstruction(EngineError):
    """The local engine could not map an instruction; `detail` lists what it can do."""


# ---------------------------------------------------------------- the port


@runtime_checkable
class Engine(Protocol):
    """A video engine, addressed per chat. Every method may raise an `EngineError` subclass."""

    name: str  # what the store records as a chat's engine: "nemo" or "local"
    runs_here: bool  # on this machine: free and offline, the way out when an engine elsewhere fails
    poll_seconds: float | None  # how often a render's status is worth asking; None: RENDER_POLL_SECONDS
    max_photos: int | None  # the most photos one timeline holds; None: no limit of the bot's own

    def new_job_id(self) -> str:
        """A fresh render job id, recorded by the caller before `start_render` sends it anywhere."""

    async def readiness(self, chat_id: int) -> Readiness:
        """How far the chat is set up (from what is kept; no request leaves)."""

    async def connect(self, chat_id: int) -> Connection:
        """Make sure the chat has credentials and a session; idempotent."""

    async def upload(self, chat_id: int, media: MediaFile) -> Uploaded:
        """Hand one saved file to the engine."""

    def send(self, chat_id: int, text: str) -> AsyncIterator[StreamEvent]:
        """Run one instruction; yields events until the engine's answer is complete.

        Raises StreamBroken if the answer was cut off; the caller must not send the text again.
        """

    async def draft(self, chat_id: int) -> dict[str, Any] | None:
        """The chat's current timeline draft JSON (t/tt/sg/d/m), or None if there is none yet."""

    async def credits(self, chat_id: int) -> Credits | None:
        """The balance, or None for an engine that needs no credits."""

    async def undo(self, chat_id: int) -> Stepped | None:
        """Take back the chat's last change of the timeline; None when there is none to take back."""

    async def redo(self, chat_id: int) -> Stepped | None:
        """Apply again the change undone last; None when nothing was undone (or a new change came since)."""

    async def start_over(self, chat_id: int) -> None:
        """A fresh project: an empty timeline (a new session where the engine has them) and no history. What
        the chat sent before stays kept by the bot."""

    async def start_render(
        self, chat_id: int, draft: dict[str, Any], *, job_id: str | None = None, preview: bool = False
    ) -> str:
        """Submit a render of `draft` under `job_id` (a new one if None; unique per attempt); returns the id
        the engine confirmed, normally the same."""

    async def render_status(self, chat_id: int, job_id: str) -> RenderStatus:
        """The job's status and progress."""

    async def download(self, chat_id: int, job_id: str, status: RenderStatus, dest: Path) -> Path:
        """Write the finished MP4 to `dest` (streamed, never held whole in memory); returns `dest`."""

    async def cancel_render(self, chat_id: int, job_id: str) -> None:
        """Best-effort cancel of a job that will not be waited for any more."""

    async def claim_link(self, chat_id: int) -> str | None:
        """A link that opens the project in the engine's web editor, if it has one."""

    async def moved(self, old: int, new: int) -> None:
        """The chat's id changed (a group became a supergroup) after the store moved what it keeps: what the
        engine holds in memory under the old id (a render running, a preview) now belongs to the new one."""

    async def aclose(self) -> None:
        """Release connections and background work."""
