"""The ground every use case stands on: a chat's line, its engine, and how it is spoken to.

`Chats` keeps what users experience the same across use cases: one turn at a time per chat in arrival
order (a request that must wait for another's work is told so), the chat's engine and its first contact
("Connecting..." / "Ready!"), one clear sentence for every failure (with the way out to the engine on this
machine where it helps), and the pulse that shows work going on: the chat action kept alive and
"⏳ Still working..." after HEARTBEAT_SECONDS of silence. Use cases get a `Chats` through their
constructors; none of them calls another.

It also knows which language a chat reads (`hear`, `choose`): its own /language choice, else the sender's
Telegram language, else the script of what they wrote, else the last one (DEFAULT_LANGUAGE at first). The
language is kept in `languages`, which `Localized` renders every message with, and in the store, so what
is said after a restart before the chat writes again (a finished render) still reads right.

It also knows where a chat is: a group that became a supergroup takes its project to the new id (`moved`),
and a chat that blocked or removed the bot (`gone`) has its turns stopped and is sent nothing more until it
lets the bot back in (`back`): every use case speaks through `Chats.replies`, which stays silent there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path

from bot.config import Settings
from bot.conversation import wording
from bot.conversation.line import Line
from bot.conversation.ports import Action, Actions, Activity, Origin, Replies, Said
from bot.engines.base import Engine, EngineError, Readiness
from bot.language import ENGLISH, available_languages, language_for_code, language_in_text, render
from bot.locks import KeyedLocks
from bot.store import Store
from bot.store.chats import Presence

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

    def all(self) -> list[Engine]:
        return list(self._engines.values())

    def way_out(self, engine: Engine, exc: EngineError) -> bool:
        """Whether to offer the engine on this machine after `engine` failed with `exc` (credits, reach)."""
        return not engine.runs_here and self.where(runs_here=True) is not None and wording.offers_local(exc)


class Pulse:
    """What the keep-alive loop needs to know: the chat (a render follows its chat when a group becomes a
    supergroup) and the current chat action."""

    def __init__(self, chat_id: int, activity: Activity) -> None:
        self.chat_id = chat_id
        self.activity: Activity = activity


class Localized:
    """The transport's `Replies`, spoken in each chat's language: the one place where sentences become words,
    just before they leave, because only here is the chat (and so its language) known for every message,
    including those no message of the user's prompted (a finished render, a heartbeat)."""

    def __init__(self, replies: Replies, languages: Mapping[int, str], default: str = ENGLISH) -> None:
        self._replies = replies
        self._languages = languages
        self._default = default  # for a chat not heard from yet

    @property
    def working_lasts(self) -> float:
        return self._replies.working_lasts

    @property
    def largest_video(self) -> int:
        return self._replies.largest_video

    def words(self, chat_id: int, text: Said) -> str:
        return render(text, self._languages.get(chat_id, self._default))

    def _offered(self, chat_id: int, actions: Actions) -> Actions:
        """The actions with their labels in the chat's language."""
        return tuple(Action(action.command, self.words(chat_id, action.label)) for action in actions)

    async def say(self, chat_id: int, text: Said, *, reply_to: int | None = None, actions: Actions = ()) -> int | None:
        return await self._replies.say(chat_id, self.words(chat_id, text), reply_to=reply_to,
                                       actions=self._offered(chat_id, actions))

    async def edit(self, chat_id: int, message_id: int, text: Said) -> None:
        await self._replies.edit(chat_id, message_id, self.words(chat_id, text))

    async def working(self, chat_id: int, activity: Activity) -> None:
        await self._replies.working(chat_id, activity)

    async def video(
        self, chat_id: int, path: Path, *, caption: Said = "", reply_to: int | None = None, actions: Actions = ()
    ) -> bool:
        return await self._replies.video(chat_id, path, caption=self.words(chat_id, caption), reply_to=reply_to,
                                         actions=self._offered(chat_id, actions))

    async def photo(self, chat_id: int, path: Path, *, caption: Said = "", reply_to: int | None = None) -> bool:
        return await self._replies.photo(chat_id, path, caption=self.words(chat_id, caption), reply_to=reply_to)

    async def menu(self, chat_id: int, language: str | None) -> None:
        await self._replies.menu(chat_id, language)


class Heard:
    """The transport's `Replies`, noting when each busy chat last heard from the bot.

    Silence counts from when a message went out, not from when it was handed over, and a chat with a message
    on its way is not silent: a chat's messages go at Telegram's pace (a group gets 20 a minute), so a message
    may wait seconds for its slot, and a "⏳ Still working..." timed from the hand-over would queue up ahead of
    the very answer the user is waiting for. Only chats being kept alive (`Chats.busy`) are noted."""

    def __init__(self, replies: Replies) -> None:
        self._replies = replies
        self._watched: dict[int, int] = {}  # chat -> keep-alive loops on it
        self._on_the_way: dict[int, int] = {}
        self._last_heard: dict[int, float] = {}

    @property
    def working_lasts(self) -> float:
        return self._replies.working_lasts

    @property
    def largest_video(self) -> int:
        return self._replies.largest_video

    def watch(self, chat_id: int) -> None:
        self._watched[chat_id] = self._watched.get(chat_id, 0) + 1
        self._last_heard.setdefault(chat_id, time.monotonic())

    def unwatch(self, chat_id: int) -> None:
        self._watched[chat_id] -= 1
        if not self._watched[chat_id]:
            del self._watched[chat_id]
            self._last_heard.pop(chat_id, None)

    def silent_for(self, chat_id: int) -> float:
        if self._on_the_way.get(chat_id):
            return 0.0
        return time.monotonic() - self._last_heard.get(chat_id, time.monotonic())

    @contextlib.contextmanager
    def _speaking(self, chat_id: int) -> Iterator[None]:
        if chat_id not in self._watched:
            yield
            return
        self._on_the_way[chat_id] = self._on_the_way.get(chat_id, 0) + 1
        try:
            yield
        finally:
            self._on_the_way[chat_id] -= 1
            if not self._on_the_way[chat_id]:
                del self._on_the_way[chat_id]
            if chat_id in self._watched:
                self._last_heard[chat_id] = time.monotonic()

    async def say(self, chat_id: int, text: Said, *, reply_to: int | None = None, actions: Actions = ()) -> int | None:
        with self._speaking(chat_id):
            return await self._replies.say(chat_id, text, reply_to=reply_to, actions=actions)

    async def edit(self, chat_id: int, message_id: int, text: Said) -> None:
        with self._speaking(chat_id):
            await self._replies.edit(chat_id, message_id, text)

    async def working(self, chat_id: int, activity: Activity) -> None:
        await self._replies.working(chat_id, activity)  # a sign, not a word: the chat is still waiting

    async def video(
        self, chat_id: int, path: Path, *, caption: Said = "", reply_to: int | None = None, actions: Actions = ()
    ) -> bool:
        with self._speaking(chat_id):
            return await self._replies.video(chat_id, path, caption=caption, reply_to=reply_to, actions=actions)

    async def photo(self, chat_id: int, path: Path, *, caption: Said = "", reply_to: int | None = None) -> bool:
        with self._speaking(chat_id):
            return await self._replies.photo(chat_id, path, caption=caption, reply_to=reply_to)

    async def menu(self, chat_id: int, language: str | None) -> None:
        await self._replies.menu(chat_id, language)  # not a word in the chat: silence goes on


class PresentOnly:
    """The transport's `Replies`, silent towards the chats the bot is not in any more: whatever a use case
    still had to say there (a heartbeat, a progress edit, a finished video) is not sent. A video counts as
    not taken, so a render stays undelivered until the chat lets the bot back in."""

    def __init__(self, replies: Replies, absent: set[int]) -> None:
        self._replies = replies
        self._absent = absent

    @property
    def working_lasts(self) -> float:
        return self._replies.working_lasts

    @property
    def largest_video(self) -> int:
        return self._replies.largest_video

    async def say(self, chat_id: int, text: Said, *, reply_to: int | None = None, actions: Actions = ()) -> int | None:
        if chat_id in self._absent:
            return None
        return await self._replies.say(chat_id, text, reply_to=reply_to, actions=actions)

    async def edit(self, chat_id: int, message_id: int, text: Said) -> None:
        if chat_id not in self._absent:
            await self._replies.edit(chat_id, message_id, text)

    async def working(self, chat_id: int, activity: Activity) -> None:
        if chat_id not in self._absent:
            await self._replies.working(chat_id, activity)

    async def video(
        self, chat_id: int, path: Path, *, caption: Said = "", reply_to: int | None = None, actions: Actions = ()
    ) -> bool:
        if chat_id in self._absent:
            return False
        return await self._replies.video(chat_id, path, caption=caption, reply_to=reply_to, actions=actions)

    async def photo(self, chat_id: int, path: Path, *, caption: Said = "", reply_to: int | None = None) -> bool:
        if chat_id in self._absent:
            return False
        return await self._replies.photo(chat_id, path, caption=caption, reply_to=reply_to)

    async def menu(self, chat_id: int, language: str | None) -> None:
        if chat_id not in self._absent:
            await self._replies.menu(chat_id, language)


class Chats:
    """See the module. Shared by every use case of one conversation."""

    def __init__(self, settings: Settings, store: Store, engines: Engines, replies: Replies) -> None:
        self.settings = settings
        self.store = store
        self.engines = engines
        self._absent: set[int] = set()  # chats that blocked or removed the bot (`gone`)
        self.languages: dict[int, str] = {}  # chat -> the language it is spoken to in (English when absent)
        self._chosen: dict[int, str | None] = {}  # chat -> its /language choice, once read from the store
        self._heard = Heard(Localized(replies, self.languages, self.default_language))
        self.replies = PresentOnly(self._heard, self._absent)
        self.line = Line()
        self._turns = KeyedLocks()
        self._ready: set[tuple[int, str]] = set()  # (chat, engine) pairs known to be set up in this run
        self._running: dict[int, set[asyncio.Timeout]] = {}  # each chat's turns now, to stop when it goes
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
            running = self._running.setdefault(origin.chat_id, set())
            try:
                # A scope `gone` can end: the turn stops where it is (a stream, an upload) and ends quietly.
                async with asyncio.timeout(None) as scope:
                    running.add(scope)
                    if origin.chat_id in self._absent:  # a late message from a chat the bot has left
                        scope.reschedule(asyncio.get_running_loop().time())
                    try:
                        yield
                    finally:
                        running.discard(scope)
            except TimeoutError:
                if not scope.expired():
                    raise
                log.info("chat %s: turn stopped, the bot is not in the chat any more", origin.chat_id)
            finally:
                self.line.set_working(origin.arrival, False)
                if not running:
                    self._running.pop(origin.chat_id, None)
        finally:
            lock.release()
            if chat_id not in self._waiting:
                self._told.discard(chat_id)  # the busy spell is over

    # ------------------------------------------------------------ the chat's language

    @property
    def default_language(self) -> str:
        wanted = self.settings.default_language
        return language_for_code(wanted) or ENGLISH

    async def hear(self, origin: Origin, words: str = "", *, keep: bool = True) -> str:
        """Decide the language a message is answered in (see the module) and speak it from now on in its
        chat; `words` is what the user wrote (not a command's name). `keep=False` for someone the bot does not
        let in: nothing of theirs is stored, so only their Telegram language counts."""
        chat_id = origin.chat_id
        if not keep:
            decided = language_for_code(origin.language_code) or self.languages.get(chat_id, self.default_language)
            self.languages[chat_id] = decided
            return decided
        if chat_id not in self._chosen:
            row = await self.store.chats.get(chat_id)
            self._chosen[chat_id] = row.chosen_language if row.chosen_language in available_languages() else None
            if row.language:
                self.languages.setdefault(chat_id, row.language)
        decided = (
            self._chosen[chat_id]
            or language_for_code(origin.language_code)
            or (language_in_text(words) if words else None)
            or self.languages.get(chat_id)
            or self.default_language
        )
        if decided != self.languages.get(chat_id):
            self.languages[chat_id] = decided
            await self.store.chats.update(chat_id, language=decided)
        return decided

    async def choose(self, origin: Origin, language: str | None) -> str:
        """/language: the chat's own choice (None: back to deciding per message), remembered across restarts;
        returns the language the chat is spoken to in now."""
        await self.store.chats.update(origin.chat_id, chosen_language=language)
        self._chosen[origin.chat_id] = language
        return await self.hear(origin)

    async def refresh(self, chat_id: int) -> None:
        """Forget what this process remembers of the chat and read it again: with several worker processes,
        the chat's last message may have been handled by another one (its language, its /language choice,
        an engine it set up)."""
        row = await self.store.chats.find(chat_id)
        self._chosen.pop(chat_id, None)  # read again on the chat's next message
        if row is not None and row.language:
            self.languages[chat_id] = row.language
        self._ready = {(chat, name) for chat, name in self._ready if chat != chat_id}

    async def load_languages(self) -> None:
        """At start-up: every chat is spoken to in its language before it writes again."""
        for chat_id, language in (await self.store.chats.languages()).items():
            self.languages.setdefault(chat_id, language)

    # ------------------------------------------------------------ where the chat is

    def is_absent(self, chat_id: int) -> bool:
        return chat_id in self._absent

    async def load_presence(self) -> None:
        """At start-up: the chats that blocked or removed the bot in an earlier run are still sent nothing."""
        for chat_id in await self.store.chats.absent():
            self._absent.update(await self.projects_in(chat_id))

    async def projects_in(self, chat_id: int) -> list[int]:
        """The chat's own project and those of its forum topics."""
        return [chat_id, *await self.store.topics.in_chat(chat_id)]

    async def gone(self, chat_id: int, presence: Presence) -> list[int]:
        """The bot was blocked or removed: recorded, the turns of the chat (and of its topics) stopped,
        nothing more sent there. Returns the projects that stopped."""
        projects = await self.projects_in(chat_id)
        self._absent.update(projects)
        for project in projects:  # /usage lists a forum's topics too
            await self.store.chats.set_presence(project, presence)
        now = asyncio.get_running_loop().time()
        for project in projects:
            for scope in list(self._running.get(project, ())):
                scope.reschedule(now)
        return projects

    async def back(self, chat_id: int) -> list[int]:
        """The bot is in the chat again: the projects that had been away (none if it had not)."""
        projects = await self.projects_in(chat_id)
        was_away = chat_id in self._absent or chat_id in await self.store.chats.absent()
        self._absent.difference_update(projects)
        for project in projects:
            await self.store.chats.set_presence(project, "present")
        return projects if was_away else []

    async def moved(self, old: int, new: int) -> bool:
        """A group became a supergroup: its project moves to the new id (store, engines, what this run knows),
        and a language it chose is its menu's under the new id too (a transport's menus are per chat id);
        False when it had moved already."""
        if not await self.store.chats.migrate(old, new):
            return False
        for engine in self.engines.all():
            await engine.moved(old, new)
        self._ready = {(new if chat == old else chat, name) for chat, name in self._ready}
        if old in self.languages:
            self.languages.setdefault(new, self.languages.pop(old))
        self._chosen.pop(old, None)
        self._chosen.pop(new, None)  # read again: the store merged the two rows
        if old in self._absent:
            self._absent.discard(old)
            self._absent.add(new)
        log.info("chat %s became chat %s; its project moved with it", old, new)
        chosen = (await self.store.chats.get(new)).chosen_language
        if chosen in available_languages():
            await self.replies.menu(new, chosen)
        return True

    # ------------------------------------------------------------ speaking

    async def say(self, origin: Origin, text: Said, *, actions: Actions = ()) -> int | None:
        if not render(text, ENGLISH).strip():
            return None
        return await self.replies.say(origin.chat_id, text, reply_to=origin.message_id, actions=actions)

    async def fail(self, origin: Origin, engine: Engine, exc: EngineError, *, filename: str | None = None) -> None:
        text = wording.error(exc, filename=filename)
        if self.engines.way_out(engine, exc):
            text = wording.with_local_offer(text)
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
        """Keep the chat action alive, and say "⏳ Still working..." after each HEARTBEAT_SECONDS of silence (see
        `Heard` for what silence is)."""
        pulse = Pulse(chat_id, activity)
        heartbeat = self.settings.heartbeat_seconds
        renew = max(0.05, self.replies.working_lasts * 0.8)  # a little before the sign lapses

        watched = [chat_id]  # the chat noted by `Heard`: a render follows its group to a new id

        async def keep_alive() -> None:
            next_action = 0.0
            while True:
                if pulse.chat_id != watched[0]:
                    self._heard.watch(pulse.chat_id)
                    self._heard.unwatch(watched[0])
                    watched[0] = pulse.chat_id
                now = time.monotonic()
                if now >= next_action:
                    with contextlib.suppress(Exception):
                        await self.replies.working(pulse.chat_id, pulse.activity)
                    next_action = now + renew
                if self._heard.silent_for(pulse.chat_id) >= heartbeat:
                    with contextlib.suppress(Exception):
                        await self.replies.say(pulse.chat_id, wording.STILL_WORKING)
                    continue
                due = time.monotonic() + heartbeat - self._heard.silent_for(pulse.chat_id)
                await asyncio.sleep(max(0.01, min(next_action, due) - time.monotonic()))

        self._heard.watch(chat_id)
        task = asyncio.create_task(keep_alive())
        try:
            yield pulse
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._heard.unwatch(watched[0])

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
