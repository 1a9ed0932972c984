"""The ground every use case stands on: a chat's line, its engine, and how it is spoken to.

`Chats` keeps what users experience the same across use cases: one turn at a time per chat in arrival
order (a request that must wait for another's work is told so), the chat's engine and its first contact
("Connecting..." / "Ready!"), one clear sentence for every failure (with the way out to the engine on this
machine where it helps), and the pulse that shows work going on: the chat action kept alive and
"⏳ Still working..." after HEARTBEAT_SECONDS of silence. Use cases get a `Chats` through their
constructors; none of them calls another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping

from bot.config import Settings
from bot.conversation import wording
from bot.conversation.line import Line
from bot.conversation.ports import Activity, Origin, Replies
from bot.engines.base import Engine, EngineError, Readiness
from bot.locks import KeyedLocks
from bot.store import Store

log = logging.getLogger(__name__)


class Engines:
    """The engines this bot was built with, and which one a chat uses: its own choice, else VIDEO_ENGINE."""

    def __init__(self, engines: Mapping[str, Engine], default: str) -> None:
        if default not in engines:
            raise ValueError(f"engine {default!r} was not built")
        self._engines = dict(engines)
        self._default = default

    def chosen(self, choice: str | None) -> Engine:
        """The engine a chat chose, or the default when it chose none (or one this bot was not built with)."""
        return self._engines[choice if choice in self._engines else self._default]

    def where(self, *, runs_here: bool) -> Engine | None:
        """The engine on this machine (`runs_here`), or the one elsewhere, if this bot has it."""
        return next((e for e in self._engines.values() if e.runs_here == runs_here), None)

    def named(self, name: str) -> Engine | None:
        return self._engines.get(name)

    def way_out(self, engine: Engine, exc: EngineError) -> bool:
        """Whether to offer the engine on this machine after `engine` failed with `exc` (credits, reach)."""
        return not engine.runs_here and self.where(runs_here=True) is not None and wording.offers_local(exc)


class Pulse:
    """What the keep-alive loop needs to know: the current chat action and when the user last heard from us."""

    def __init__(self, activity: Activity) -> None:
        self.activity: Activity = activity
        self.last_said = time.monotonic()

    def said(self) -> None:
        self.last_said = time.monotonic()


class Chats:
    """See the module. Shared by every use case of one conversation."""

    def __init__(self, settings: Settings, store: Store, engines: Engines, replies: Replies) -> None:
        self.settings = settings
        self.store = store
        self.engines = engines
        self.replies = replies
        self.line = Line()
        self._turns = KeyedLocks()
        self._ready: set[tuple[int, str]] = set()  # (chat, engine) pairs known to be set up in this run
        self._waiting: dict[int, int] = {}  # chat -> requests waiting for their turn
        self._told: set[int] = set()  # chats told "still on your previous request" since their wait began

    # ------------------------------------------------------------ the line

    @contextlib.asynccontextmanager
    async def turn(self, origin: Origin) -> AsyncIterator[None]:
        """One turn at a time per chat, in arrival order; other chats are not held up. A request that has to
        wait for another one's work (a stream, an export) is told so, once for all that wait: thirty
        messages sent in a second get one note, not thirty (every note is a message of the chat's few a
        second, and takes the place of an answer). Once nobody waits any more, the next wait is told
        again. Waiting for photos to land is silent."""
        chat_id = origin.chat_id
        lock = self._turns(chat_id)
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        try:
            if (lock.locked() or self.line.someone_working_ahead(origin.arrival)) and chat_id not in self._told:
                self._told.add(chat_id)
                await self.say(origin, wording.QUEUED)
            if origin.arrival is not None:
                await self.line.wait(origin.arrival)
            await lock.acquire()
        finally:
            self._waiting[chat_id] -= 1
            if not self._waiting[chat_id]:
                del self._waiting[chat_id]
        try:
            self.line.set_working(origin.arrival, True)
            try:
                yield
            finally:
                self.line.set_working(origin.arrival, False)
        finally:
            lock.release()
            if chat_id not in self._waiting:
                self._told.discard(chat_id)  # the busy spell is over

    # ------------------------------------------------------------ speaking

    async def say(self, origin: Origin, text: str) -> int | None:
        if not text.strip():
            return None
        return await self.replies.say(origin.chat_id, text, reply_to=origin.message_id)

    async def fail(self, origin: Origin, engine: Engine, exc: EngineError, *, filename: str | None = None) -> None:
        text = wording.error(exc, filename=filename)
        if self.engines.way_out(engine, exc):
            text += "\n" + wording.LOCAL_OFFER
        await self.say(origin, text)

    @contextlib.asynccontextmanager
    async def failures_told(self, origin: Origin) -> AsyncIterator[None]:
        """Run a use case so that any failure reaches the user as one sentence, never a traceback."""
        try:
            yield
        except EngineError as exc:
            log.info("chat %s: %s", origin.chat_id, type(exc).__name__)
            await self.fail(origin, await self.engine(origin.chat_id), exc)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("chat %s: unexpected failure", origin.chat_id)
            with contextlib.suppress(Exception):
                await self.say(origin, wording.INTERNAL)

    @contextlib.asynccontextmanager
    async def busy(self, chat_id: int, activity: Activity) -> AsyncIterator[Pulse]:
        """Keep the chat action alive, and say "⏳ Still working..." after each HEARTBEAT_SECONDS of silence."""
        pulse = Pulse(activity)
        heartbeat = self.settings.heartbeat_seconds
        renew = max(0.05, self.replies.working_lasts * 0.8)  # a little before the sign lapses

        async def keep_alive() -> None:
            next_action = 0.0
            while True:
                now = time.monotonic()
                if now >= next_action:
                    with contextlib.suppress(Exception):
                        await self.replies.working(chat_id, pulse.activity)
                    next_action = now + renew
                if now - pulse.last_said >= heartbeat:
                    pulse.last_said = now
                    with contextlib.suppress(Exception):
                        await self.replies.say(chat_id, wording.STILL_WORKING)
                wake = min(next_action, pulse.last_said + heartbeat)
                await asyncio.sleep(max(0.01, wake - time.monotonic()))

        task = asyncio.create_task(keep_alive())
        try:
            yield pulse
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ------------------------------------------------------------ the chat's engine

    async def engine(self, chat_id: int) -> Engine:
        return self.engines.chosen((await self.store.chats.get(chat_id)).engine)

    async def connect(self, origin: Origin, engine: Engine) -> None:
        """First contact with an engine that has to set the chat up says "Connecting..." and then "Ready!"."""
        key = (origin.chat_id, engine.name)
        if key in self._ready:
            return
        first = await engine.readiness(origin.chat_id) is not Readiness.READY
        if first:
            await self.say(origin, wording.CONNECTING)
        await engine.connect(origin.chat_id)
        if first:
            await self.say(origin, wording.READY)
        self._ready.add(key)
