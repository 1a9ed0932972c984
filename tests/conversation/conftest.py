"""The core tested directly: the real `Conversation` over a real SQLite store, with a transport that records
what the bot says (`RecordingReplies`) and engines that follow a script (`ScriptedEngine`). No sockets, no
subprocess: a story here runs in milliseconds, and nothing in it waits on wall-clock time."""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.conversation import Conversation, Origin
from bot.conversation.ports import Actions, Activity, is_urgent
from bot.engines.base import (
    Connection,
    Credits,
    EngineError,
    MediaFile,
    MediaKind,
    Readiness,
    RenderStatus,
    Stepped,
    StreamEvent,
    Text,
    Uploaded,
)
from bot.language import Sentence
from bot.media import MediaFolder
from bot.store import Store

CHAT = 42
USER = 7


@dataclass
class Said:
    chat_id: int
    text: str
    reply_to: int | None
    urgent: bool
    message_id: int
    actions: Actions = ()


class RecordingReplies:
    """The `Replies` port, keeping everything the bot sent; `said_event` wakes whoever waits for a text."""

    def __init__(self, *, working_lasts: float = 5.0, largest_video: int = 50 * 1024 * 1024) -> None:
        self.working_lasts = working_lasts
        self.largest_video = largest_video
        self.said: list[Said] = []
        self.edits: list[tuple[int, str]] = []
        self.actions: list[Activity] = []
        self.videos: list[tuple[Path, str, int]] = []  # the file, its caption, its size when sent
        self.video_actions: list[Actions] = []  # what each video offered, in the same order
        self.photos: list[tuple[bytes, str]] = []  # the picture as sent (the file may be gone after), its caption
        self.menus: list[tuple[int, str | None, int]] = []  # chat, language, how many texts were said before
        self.refuse_videos = False
        self._ids = itertools.count(1000)
        self._changed = asyncio.Condition()

    def texts(self, chat_id: int = CHAT) -> list[str]:
        return [s.text for s in self.said if s.chat_id == chat_id]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Until `predicate()` holds; the timeout only guards against a hang."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def wait_for_text(self, part: str, chat_id: int = CHAT) -> str:
        await self.wait_for(lambda: any(part in t for t in self.texts(chat_id)))
        return next(t for t in self.texts(chat_id) if part in t)

    async def _note(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def say(self, chat_id: int, text: str, *, reply_to: int | None = None, actions: Actions = ()) -> int | None:
        message_id = next(self._ids)
        self.said.append(Said(chat_id, text, reply_to, is_urgent(), message_id, actions))
        await self._note()
        return message_id

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        self.edits.append((message_id, text))
        await self._note()

    async def working(self, chat_id: int, activity: Activity) -> None:
        self.actions.append(activity)
        await self._note()

    async def video(
        self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None, actions: Actions = ()
    ) -> bool:
        if self.refuse_videos:
            return False
        size = await asyncio.to_thread(lambda: path.stat().st_size)
        self.videos.append((path, caption, size))
        self.video_actions.append(actions)
        await self._note()
        return True

    async def photo(self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None) -> bool:
        self.photos.append((await asyncio.to_thread(path.read_bytes), caption))
        await self._note()
        return True

    async def menu(self, chat_id: int, language: str | None) -> None:
        self.menus.append((chat_id, language, len(self.said)))
        await self._note()


Script = Callable[[str], AsyncIterator[StreamEvent]]


@dataclass
class ScriptedEngine:
    """An `Engine` whose answers the test writes: what `send` streams, what `upload` and the render calls do.

    `draft` is the engine's timeline; uploads add a clip to it (as both real engines do), and a script may
    change it. `fail_upload` / `fail_send` / ... raise the given error on the next call (then clear).
    """

    name: str
    runs_here: bool
    poll_seconds: float | None = 0.01
    max_photos: int | None = None
    state: Readiness = Readiness.READY
    balance: Credits | None = field(default_factory=lambda: Credits(100, 0, 100))
    draft_value: dict[str, Any] | None = None
    script: Script | None = None
    statuses: list[RenderStatus] = field(default_factory=lambda: [RenderStatus("completed", 100, url="https://v/1")])
    video_bytes: int = 2048
    link: str | None = None
    fail_upload: list[EngineError | None] = field(default_factory=list)  # one entry per upload call, in order
    upload_notes: dict[str, tuple[Sentence, ...]] = field(default_factory=dict)  # file name -> what upload says
    fail_send: EngineError | None = None
    fail_draft: EngineError | None = None
    uploads: list[MediaFile] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    renders: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    connects: int = 0
    moves: list[tuple[int, int]] = field(default_factory=list)
    # (instruction, draft before, draft after) per turn that changed the timeline, and the index of the
    # next one /redo would apply: an engine that sets its own timeline back (`runs_here`) or, like the
    # cloud, only keeps the earlier one (`restored` False)
    steps: list[tuple[str, Any, Any]] = field(default_factory=list)
    steps_done: int = 0
    started_over: int = 0
    _jobs: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_job_id(self) -> str:
        return f"{self.name}_job_{next(self._jobs)}"

    async def readiness(self, chat_id: int) -> Readiness:
        return self.state

    async def connect(self, chat_id: int) -> Connection:
        self.connects += 1
        new = self.state is not Readiness.READY
        self.state = Readiness.READY
        return Connection(new=new)

    async def upload(self, chat_id: int, media: MediaFile) -> Uploaded:
        if self.fail_upload:
            failure = self.fail_upload.pop(0)
            if failure is not None:
                raise failure
        self.uploads.append(media)
        if media.kind is MediaKind.PHOTO:
            draft = copy.deepcopy(self.draft_value) or {"t": [{"tt": 0, "sg": []}]}
            draft["t"][0]["sg"].append({"d": 3000, "m": {"name": media.filename}})
            self.draft_value = draft
        return Uploaded(media.filename, media.kind, ref=f"ref:{media.filename}", width=media.width,
                        height=media.height, notes=self.upload_notes.get(media.filename, ()))

    async def send(self, chat_id: int, text: str) -> AsyncIterator[StreamEvent]:
        self.sent.append(text)
        if self.fail_send is not None:
            failure, self.fail_send = self.fail_send, None
            raise failure
        before = copy.deepcopy(self.draft_value)
        if self.script is None:
            yield Text(f"Done: {text}")
        else:
            async for event in self.script(text):
                yield event
        if self.draft_value != before:
            del self.steps[self.steps_done:]
            self.steps.append((text, before, copy.deepcopy(self.draft_value)))
            self.steps_done = len(self.steps)

    async def undo(self, chat_id: int) -> Stepped | None:
        if not self.steps_done:
            return None
        self.steps_done -= 1
        what, before, after = self.steps[self.steps_done]
        if self.runs_here:
            self.draft_value = copy.deepcopy(before)
        return Stepped("instruction", what, before=after, after=before, restored=self.runs_here)

    async def redo(self, chat_id: int) -> Stepped | None:
        if self.steps_done == len(self.steps):
            return None
        what, before, after = self.steps[self.steps_done]
        self.steps_done += 1
        if self.runs_here:
            self.draft_value = copy.deepcopy(after)
        return Stepped("instruction", what, before=before, after=after,
                       restored=self.runs_here or self.steps_done == len(self.steps))

    async def start_over(self, chat_id: int) -> None:
        self.started_over += 1
        self.draft_value = None
        self.steps.clear()
        self.steps_done = 0

    async def moved(self, old: int, new: int) -> None:
        self.moves.append((old, new))

    async def draft(self, chat_id: int) -> dict[str, Any] | None:
        if self.fail_draft is not None:
            failure, self.fail_draft = self.fail_draft, None
            raise failure
        return copy.deepcopy(self.draft_value)

    def titled(self, title: str) -> None:
        """What an edit does to the timeline: a title track added (or changed)."""
        draft = copy.deepcopy(self.draft_value) or {"t": [{"tt": 0, "sg": []}]}
        draft["t"] = [track for track in draft["t"] if track.get("tt") != 7]
        draft["t"].append({"tt": 7, "sg": [{"d": 3000, "m": {"text": title}}]})
        self.draft_value = draft

    async def credits(self, chat_id: int) -> Credits | None:
        return self.balance

    async def start_render(
        self, chat_id: int, draft: dict[str, Any], *, job_id: str | None = None, preview: bool = False
    ) -> str:
        job = job_id or self.new_job_id()
        self.renders.append(job)
        return job

    async def render_status(self, chat_id: int, job_id: str) -> RenderStatus:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    async def download(self, chat_id: int, job_id: str, status: RenderStatus, dest: Path) -> Path:
        def write() -> None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(b"\0" * self.video_bytes)

        await asyncio.to_thread(write)
        return dest

    async def cancel_render(self, chat_id: int, job_id: str) -> None:
        self.cancelled.append(job_id)

    async def claim_link(self, chat_id: int) -> str | None:
        return self.link

    async def aclose(self) -> None:
        return None


@dataclass
class Core:
    """One conversation and everything around it, as a test sees it."""

    conversation: Conversation
    replies: RecordingReplies
    cloud: ScriptedEngine
    local: ScriptedEngine
    store: Store
    settings: Settings
    media: MediaFolder

    def photo(self, name: str = "a.jpg", width: int = 1080, height: int = 1920, chat_id: int = CHAT) -> MediaFile:
        """A photo as a transport hands it over: already saved in the media folder."""
        path = self.media.place_for(chat_id, name)
        path.write_bytes(b"\xff\xd8\xff" + name.encode())
        return MediaFile(path, name, MediaKind.PHOTO, path.stat().st_size, width=width, height=height)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_path": tmp_path / "db.sqlite3",
        "media_dir": tmp_path / "media",
        "heartbeat_seconds": 60,
        "render_poll_seconds": 0.01,
        "state_poll_seconds": 0.01,
        "render_timeout_seconds": 30,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change the settings the `core` fixture is built with."""
    return {}


@pytest.fixture
async def core(tmp_path: Path, settings_overrides: dict[str, Any]) -> AsyncIterator[Core]:
    settings = make_settings(tmp_path, **settings_overrides)
    store = await Store.open(settings.database_path)
    media = MediaFolder(settings.media_dir)
    replies = RecordingReplies()
    cloud = ScriptedEngine("nemo", runs_here=False, state=Readiness.SIGNED_OUT)
    local = ScriptedEngine("local", runs_here=True, max_photos=30, balance=None)
    conversation = Conversation(settings, store, {"nemo": cloud, "local": local}, replies, media)
    yield Core(conversation, replies, cloud, local, store, settings, media)
    await conversation.aclose()
    await store.close()


def origin(message_id: int | None = None, *, user_id: int = USER, chat_id: int = CHAT, in_group: bool = False,
           arrival: int | None = None) -> Origin:
    return Origin(chat_id, user_id, message_id, in_group=in_group, arrival=arrival)
