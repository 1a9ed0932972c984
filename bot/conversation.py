"""The use cases, free of any transport: media arrives, text arrives, export, credits, status.

The conversation speaks to two ports: `Replies` (`bot.talk`; implemented by the Telegram adapter and the
terminal) and `Engine` (cloud or local). It owns what users experience across both: one turn at a time per
chat, progress while anything is slow, one clear sentence for every failure, and nothing a user sent ever
dropped. Export and the renders after it are in `bot.renders`, a part of the conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import gui, priority, timeline, wording
from bot.arrivals import Arrival, Arrivals
from bot.config import Settings
from bot.engines.base import Engine as EnginePort
from bot.engines.base import (
    EngineError,
    EngineUnavailable,
    FileTooLarge,
    Heartbeat,
    MediaFile,
    MediaKind,
    Preview,
    RateLimited,
    StreamBroken,
    Text,
    ToolActivity,
    UnsupportedFile,
)
from bot.intents import Intent, classify, is_blank, without_control_characters
from bot.renders import Renders
from bot.store import ChatUsage, Store, UploadRow
from bot.talk import Activity, Origin, Pulse, Replies, Source, keep_busy

log = logging.getLogger(__name__)

# Upload failures that were the engine's, not the file's: such a file is handed over again later.
_WORTH_RETRYING = frozenset({"EngineUnavailable", "RateLimited"})
USAGE_BALANCES_AT_ONCE = 4  # /usage reads balances a few at a time: many chats must not flood the cloud
USAGE_BALANCE_SECONDS = 20.0  # and waits no longer than this for any one of them
MAX_TEXT_CHARACTERS = 4096  # a Telegram message's limit, held to on every transport


class Conversation(Renders):
    def __init__(
        self,
        settings: Settings,
        store: Store,
        engines: Mapping[str, EnginePort],
        replies: Replies,
    ) -> None:
        if settings.video_engine not in engines:
            raise ValueError(f"engine {settings.video_engine!r} was not built")
        self.settings = settings
        self.store = store
        self.engines = dict(engines)
        self.replies = replies
        self._locks: dict[int, asyncio.Lock] = {}
        self._arrivals = Arrivals()
        self._background: set[asyncio.Task[None]] = set()
        self._ready: set[tuple[int, str]] = set()

    # ------------------------------------------------------------ plumbing

    def _lock(self, chat_id: int) -> asyncio.Lock:
        return self._locks.setdefault(chat_id, asyncio.Lock())

    def arrive(self, chat_id: int) -> Arrival:
        """A message came in: its place in the chat's line (the transport calls `leave` when done with it)."""
        return self._arrivals.arrive(chat_id)

    @contextlib.asynccontextmanager
    async def _turn(self, origin: Origin) -> AsyncIterator[None]:
        """One turn at a time per chat, in arrival order; other chats are not held up. A request that has to
        wait for another one's work (a stream, an export) is told so; waiting for photos to land is silent."""
        lock = self._lock(origin.chat_id)
        arrival = origin.arrival
        ahead = self._arrivals.ahead_of(arrival) if arrival else []
        if lock.locked() or any(a.working for a in ahead):
            await self._say(origin, wording.QUEUED)
        if arrival:
            await self._arrivals.wait(arrival)
        async with lock:
            if arrival:
                arrival.working = True
            try:
                yield
            finally:
                if arrival:
                    arrival.working = False

    async def _say(self, origin: Origin, text: str) -> int | None:
        if not text.strip():
            return None
        return await self.replies.say(origin.chat_id, text, reply_to=origin.message_id)

    async def _engine(self, chat_id: int) -> EnginePort:
        return self._engine_for((await self.store.chat(chat_id)).engine)

    def _engine_for(self, choice: str | None) -> EnginePort:
        """The engine a chat chose, or VIDEO_ENGINE when it chose none (or one this bot was not built with)."""
        return self.engines[choice if choice in self.engines else self.settings.video_engine]

    def _offers_local(self, engine: EnginePort, exc: EngineError) -> bool:
        return engine.name != "local" and "local" in self.engines and wording.offers_local(exc)

    async def _fail(self, origin: Origin, engine: EnginePort, exc: EngineError, filename: str | None = None) -> None:
        text = wording.error(exc, filename=filename)
        if self._offers_local(engine, exc):
            text += "\n" + wording.LOCAL_OFFER
        await self._say(origin, text)

    async def _guarded(self, origin: Origin, work: Callable[[], Awaitable[None]]) -> None:
        """Run a use case so that any failure reaches the user as one sentence, never a traceback."""
        try:
            await work()
        except EngineError as exc:
            log.info("chat %s: %s", origin.chat_id, type(exc).__name__)
            await self._fail(origin, await self._engine(origin.chat_id), exc)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("chat %s: unexpected failure", origin.chat_id)
            with contextlib.suppress(Exception):
                await self._say(origin, wording.INTERNAL)

    async def _connect(self, origin: Origin, engine: EnginePort) -> None:
        """First contact with a cloud engine says "Connecting..." and then "Ready!"."""
        key = (origin.chat_id, engine.name)
        if key in self._ready:
            return
        chat = await self.store.chat(origin.chat_id)
        first = engine.needs_credits and not chat.session_id
        if first:
            await self._say(origin, wording.CONNECTING)
        await engine.connect(origin.chat_id)
        if first:
            await self._say(origin, wording.READY)
        self._ready.add(key)

    def _busy(self, chat_id: int, activity: Activity) -> AbstractAsyncContextManager[Pulse]:
        return keep_busy(self.replies, chat_id, activity, self.settings.heartbeat_seconds)

    # ------------------------------------------------------------ commands

    async def tell(self, origin: Origin, text: str) -> None:
        """Answer with a sentence the adapter chose (a refusal of something the engines never see)."""
        await self._say(origin, text)

    # /start, /help, /credits and /status are answered while the user watches the chat: their replies go
    # ahead of acknowledgements and progress when Telegram's flood limits make sends queue (bot.priority).

    async def start(self, origin: Origin) -> None:
        with priority.answering_now():
            await self._say(origin, wording.GREETING)

    async def help(self, origin: Origin) -> None:
        with priority.answering_now():
            await self._say(origin, wording.HELP)

    async def credits(self, origin: Origin) -> None:
        async def work() -> None:
            engine = await self._engine(origin.chat_id)
            await self._connect(origin, engine)
            balance = await engine.credits(origin.chat_id)
            if balance is None:
                await self._say(origin, wording.LOCAL_CREDITS)
            else:
                await self._say(origin, wording.credits(balance.available, balance.frozen, balance.total))

        with priority.answering_now():
            await self._guarded(origin, work)

    async def status(self, origin: Origin) -> None:
        async def work() -> None:
            engine = await self._engine(origin.chat_id)
            await self._connect(origin, engine)
            draft = await engine.draft(origin.chat_id)
            await self._say(origin, timeline.summary(draft))

        with priority.answering_now():
            await self._guarded(origin, work)

    async def web_link(self, origin: Origin) -> None:
        """/web: a link that opens this chat's project in the engine's web editor, where it has one."""

        async def work() -> None:
            engine = await self._engine(origin.chat_id)
            await self._connect(origin, engine)
            link = await engine.claim_link(origin.chat_id)
            await self._say(origin, wording.WEB_LINK.format(url=link) if link else wording.NO_WEB_EDITOR)

        await self._guarded(origin, work)

    async def usage(self, origin: Origin) -> None:
        """/usage, for an admin (the adapter checks who asks): every chat's activity, and each cloud chat's
        live balance. Balances are read a few at a time, and one that can't be read shows "?" instead of
        sinking the whole report."""

        async def work() -> None:
            chats = await self.store.usage()
            gate = asyncio.Semaphore(USAGE_BALANCES_AT_ONCE)
            balances = await asyncio.gather(*(self._usage_balance(chat, gate) for chat in chats))
            resolved = [replace(chat, engine=self._engine_for(chat.engine).name) for chat in chats]
            await self._say(origin, wording.usage_report(list(zip(resolved, balances, strict=True))))

        await self._guarded(origin, work)

    async def _usage_balance(self, chat: ChatUsage, gate: asyncio.Semaphore) -> str | None:
        """A chat's available credits for /usage; None for an engine without credits. A cloud chat that never
        signed in shows "–": asking would make it an account it never wanted."""
        engine = self._engine_for(chat.engine)
        if not engine.needs_credits:
            return None
        if not chat.signed_in and self.settings.nemo_token is None:
            return "–"
        async with gate:
            try:
                async with asyncio.timeout(min(self.settings.http_timeout_seconds, USAGE_BALANCE_SECONDS)):
                    balance = await engine.credits(chat.chat_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # EngineError, a timeout, anything: the report still goes out
                log.info("chat %s: balance not read for /usage (%s)", chat.chat_id, type(exc).__name__)
                return "?"
        return "?" if balance is None else wording.available_credits(balance.available)

    async def use_engine(self, origin: Origin, name: str) -> None:
        """/local and /cloud: move the chat to another engine, taking everything it sent along."""

        async def work() -> None:
            if name not in self.engines:
                await self._say(origin, f"The {name} engine isn't available on this bot.")
                return
            async with self._turn(origin):
                current = await self._engine(origin.chat_id)
                if current.name == name:
                    await self._say(origin, wording.ALREADY_ON.format(engine=name))
                    return
                target = self.engines[name]
                await self._connect(origin, target)
                await self.store.update_chat(origin.chat_id, engine=name)
                if name == "local":
                    moved = await self._replay_uploads(origin, target)
                    await self._say(origin, wording.SWITCHED_LOCAL.format(count=moved, next=wording.NEXT_STEP))
                else:
                    await self._say(origin, wording.SWITCHED_CLOUD)

        await self._guarded(origin, work)

    async def _replay_uploads(self, origin: Origin, engine: EnginePort) -> int:
        """Give a newly chosen engine the files the chat sent earlier (kept on disk for this)."""
        if timeline.parse_draft(await engine.draft(origin.chat_id)).t:
            return 0
        rows = [row for row in await self.store.uploads(origin.chat_id) if row.local_path]
        return sum((await self._hand_over(origin, engine, rows)).values())

    async def _hand_over(self, origin: Origin, engine: EnginePort, rows: list[UploadRow]) -> dict[MediaKind, int]:
        """Upload the kept copies of files the chat sent earlier; returns how many of each kind went in.

        A file the engine refuses is skipped; an engine that is out of reach stops the hand-over (the caller's
        turn fails with that sentence). A file not yet on any engine is recorded as handed to this one, so it
        is never handed over twice.
        """
        counts = dict.fromkeys(MediaKind, 0)
        for row in rows:
            media = MediaFile(Path(row.local_path or ""), row.filename, MediaKind(row.kind), row.size)
            pending = row.status != "uploaded"
            try:
                uploaded = await engine.upload(origin.chat_id, media)
            except (EngineUnavailable, RateLimited):
                raise
            except (EngineError, OSError) as exc:
                log.info("chat %s: upload %s not handed over: %s", origin.chat_id, row.id, type(exc).__name__)
                if pending:
                    await self.store.update_upload(row.id, engine=engine.name, status="failed",
                                                   error=type(exc).__name__)
                continue
            if pending:
                await self.store.update_upload(row.id, engine=engine.name, engine_ref=uploaded.ref,
                                               status="uploaded")
            counts[media.kind] += 1
        return counts

    # ------------------------------------------------------------ media

    def media_path(self, chat_id: int, filename: str) -> Path:
        """Where a received file is kept: under MEDIA_DIR, one folder per chat, never overwritten."""
        folder = self.settings.media_dir / str(chat_id)
        folder.mkdir(parents=True, exist_ok=True)
        suffix = Path(filename).suffix.lower()[:10]
        return folder / f"{uuid.uuid4().hex}{suffix}"

    async def on_media(
        self, origin: Origin, files: list[MediaFile], *, caption: str | None = None,
        sources: list[Source] | None = None,
    ) -> None:
        """Photos, videos, audio (an album is one call): record, upload, acknowledge once."""

        async def work() -> None:
            async with self._turn(origin):
                await self._upload_all(origin, files, sources or [Source()] * len(files))

        await self._guarded(origin, work)
        if caption and not is_blank(caption):
            await self.on_text(origin, caption)

    async def _upload_all(self, origin: Origin, files: list[MediaFile], sources: list[Source]) -> None:
        upload_ids: list[int] = []
        done_before: set[int] = set()  # uploads a crash interrupted after they reached the engine
        for media, source in zip(files, sources, strict=True):
            known = await self._known_upload(origin.chat_id, media, source)
            if known is not None:
                upload_ids.append(known.id)
                if known.status == "uploaded":
                    done_before.add(known.id)
                continue
            upload_ids.append(await self.store.add_upload(
                origin.chat_id, kind=media.kind.value, filename=media.filename, size=media.size,
                local_path=str(media.path), file_unique_id=source.file_unique_id, sender_id=origin.user_id,
                message_id=source.message_id,
            ))
        engine = await self._engine(origin.chat_id)
        await self._connect(origin, engine)
        photos = sum(media.kind is MediaKind.PHOTO for media, upload_id in zip(files, upload_ids, strict=True)
                     if upload_id not in done_before)
        if engine.max_photos is not None and photos:
            have = timeline.clip_count(await engine.draft(origin.chat_id))
            if have + photos > engine.max_photos:  # all or nothing: half an album is not what was asked
                for upload_id, media in zip(upload_ids, files, strict=True):
                    await self._discard(upload_id, media, "TooManyPhotos")
                await self._say(origin, wording.too_many_photos(photos, have, engine.max_photos))
                return
        counts = dict.fromkeys(MediaKind, 0)
        problems: list[str] = []
        landscape = False
        async with self._busy(origin.chat_id, "upload_photo"):
            for upload_id, media in zip(upload_ids, files, strict=True):
                if upload_id in done_before:
                    counts[media.kind] += 1
                    continue
                try:
                    uploaded = await engine.upload(origin.chat_id, media)
                except EngineError as exc:
                    if isinstance(exc, FileTooLarge | UnsupportedFile):  # the file itself is unusable
                        await self._discard(upload_id, media, type(exc).__name__)
                    else:
                        await self.store.update_upload(upload_id, engine=engine.name, status="failed",
                                                       error=type(exc).__name__)
                    problems.append(wording.error(exc, filename=media.filename))
                    if not isinstance(exc, FileTooLarge | UnsupportedFile):
                        if self._offers_local(engine, exc):
                            problems.append(wording.LOCAL_OFFER)
                        break  # the engine itself is in trouble: one sentence, not one per file
                    continue
                await self.store.update_upload(upload_id, engine=engine.name, engine_ref=uploaded.ref,
                                               status="uploaded")
                counts[media.kind] += 1
                width = uploaded.width or media.width
                height = uploaded.height or media.height
                if media.kind is MediaKind.PHOTO and width and height and abs(width / height - 9 / 16) > 0.05:
                    landscape = True
        lines = [wording.received(counts[MediaKind.PHOTO], counts[MediaKind.VIDEO], counts[MediaKind.AUDIO])]
        lines += problems
        if landscape:
            lines.append(wording.VERTICAL_TIP)
        if any(counts.values()):
            lines.append(wording.NEXT_STEP)
        await self._say(origin, "\n".join(line for line in lines if line))

    async def _known_upload(self, chat_id: int, media: MediaFile, source: Source) -> UploadRow | None:
        """The upload this very file of this very message made before a crash cut its handling short; the
        copy just downloaded again is then not needed."""
        if source.message_id is None:
            return None
        known = await self.store.upload_from_message(chat_id, source.message_id, source.file_unique_id)
        if known is None or known.status == "failed" or not known.local_path:
            return None
        if Path(known.local_path) != media.path:
            with contextlib.suppress(OSError):
                media.path.unlink(missing_ok=True)
        return known

    async def _discard(self, upload_id: int, media: MediaFile, reason: str) -> None:
        """A file that will never be used (unreadable, too large, over the photo limit): recorded as failed,
        and its saved copy removed so refused input leaves nothing behind."""
        await self.store.update_upload(upload_id, status="failed", error=reason, local_path=None)
        with contextlib.suppress(OSError):
            media.path.unlink(missing_ok=True)

    async def _catch_up(self, origin: Origin, engine: EnginePort) -> None:
        """Hand the engine the files it missed while it was out of reach (kept on disk, recorded as saved),
        before anything is made from the timeline: the user was told they are saved, so they count."""
        behind = [
            row for row in await self.store.uploads(origin.chat_id)
            if row.local_path and row.engine in (None, engine.name)
            and (row.status == "saved" or (row.status == "failed" and row.error in _WORTH_RETRYING))
        ]
        if not behind:
            return
        counts = await self._hand_over(origin, engine, behind)
        if any(counts.values()):
            got = wording.received(counts[MediaKind.PHOTO], counts[MediaKind.VIDEO], counts[MediaKind.AUDIO])
            await self._say(origin, f"{got} {wording.CAUGHT_UP}")

    # ------------------------------------------------------------ text

    async def on_text(self, origin: Origin, text: str) -> None:
        """Route a message: export / credits / status / upload skip the engine's stream; the rest is a turn."""
        text = without_control_characters(text)  # a terminal's escape sequences, a pasted NUL: never sent on
        if is_blank(text):  # whitespace, or only invisible characters: nothing to send on (or charge for)
            await self._say(origin, wording.EMPTY_TEXT)
            return
        if len(text) > MAX_TEXT_CHARACTERS:  # the terminal (or a local Bot API server) lets one through
            await self._say(origin, wording.TEXT_TOO_LONG.format(length=len(text), limit=MAX_TEXT_CHARACTERS))
            return
        intent = classify(text)
        if intent is Intent.EXPORT:
            await self.export(origin)
        elif intent is Intent.CREDITS:
            await self.credits(origin)
        elif intent is Intent.STATUS:
            await self.status(origin)
        elif intent is Intent.UPLOAD:
            await self._say(origin, wording.UPLOAD_HOW)
        else:
            await self._guarded(origin, lambda: self._instruct(origin, text))

    async def _instruct(self, origin: Origin, text: str) -> None:
        async with self._turn(origin):
            engine = await self._engine(origin.chat_id)
            if await self._taken_up_again(origin, engine):
                return
            await self._connect(origin, engine)
            await self._catch_up(origin, engine)
            before = await engine.draft(origin.chat_id)
            turn_id = await self.store.start_turn(origin.chat_id, engine=engine.name, text=text,
                                                  sender_id=origin.user_id, message_id=origin.message_id,
                                                  draft_before=before)
            said: list[str] = []
            tools: list[str] = []
            outcome = "failed"
            try:
                async with self._busy(origin.chat_id, "typing") as pulse:
                    try:
                        await self._stream(origin, engine, text, pulse, said, tools)
                        outcome = "ok" if said else "silent"
                        if not said:
                            await self._report_changes(origin, engine, before)
                    except StreamBroken as exc:
                        outcome = "failed" if exc.server_error else "broken"
                        await self._report_changes(origin, engine, before, broken=exc)
            finally:
                await self.store.finish_turn(turn_id, outcome=outcome, replies=said, tools=tools)

    async def _taken_up_again(self, origin: Origin, engine: EnginePort) -> bool:
        """True when this message already started a turn (its update is handled again after a crash). A turn
        that had finished was answered; one a crash cut short is reported from the state, never sent again:
        the engine may have applied it, and sending it twice would charge twice."""
        if origin.message_id is None:
            return False
        turn = await self.store.turn_for_message(origin.chat_id, origin.message_id)
        if turn is None:
            return False
        if turn.outcome == "running":
            log.info("chat %s: turn %s was cut short by a restart; reporting from the state", origin.chat_id,
                     turn.id)
            async with self._busy(origin.chat_id, "typing"):
                await self._report_changes(origin, engine, turn.draft_before, broken=StreamBroken())
            await self.store.finish_turn(turn.id, outcome="broken", replies=[], tools=[])
        return True

    async def _stream(
        self, origin: Origin, engine: EnginePort, text: str, pulse: Pulse, said: list[str], tools: list[str]
    ) -> None:
        hints: list[str] = []
        show_timeline = False
        async for event in engine.send(origin.chat_id, text):
            match event:
                case Text(text=raw, editor_talk=editor_talk):
                    translated = gui.translate(raw) if editor_talk else gui.Translated(raw.strip())
                    show_timeline = show_timeline or translated.show_timeline
                    hints += [h for h in translated.hints if h not in hints]
                    if translated.text:
                        said.append(translated.text)
                        pulse.said()
                        await self._say(origin, translated.text)
                case ToolActivity(name=name):
                    tools.append(name)
                    pulse.activity = "upload_video"
                case Preview(path=path, caption=caption):
                    pulse.said()
                    await self.replies.video(origin.chat_id, path, caption=caption)
                case Heartbeat():
                    pass
        closing = []
        if show_timeline:
            closing.append(timeline.summary(await engine.draft(origin.chat_id)))
        closing += hints
        if closing:
            said.append("\n".join(closing))
            await self._say(origin, "\n".join(closing))

    async def _report_changes(
        self, origin: Origin, engine: EnginePort, before: dict[str, Any] | None,
        *, broken: StreamBroken | None = None,
    ) -> None:
        """Tell what a turn changed when the engine said nothing (or the stream broke).

        After a cut stream the edit may still be running on the server, so the state is polled
        (STATE_POLL_SECONDS, then twice that, up to five unchanged polls) rather than the message re-sent.
        After an error event the service has given up on the turn: one look at the state is enough.
        """
        patient = broken is not None and not broken.server_error
        delays = [0.0]
        if patient:
            step = self.settings.state_poll_seconds
            delays = [step, 2 * step, 2 * step, 2 * step, 2 * step]
        for delay in delays:
            await asyncio.sleep(delay)
            try:
                after = await engine.draft(origin.chat_id)
            except EngineError:
                continue
            changes = timeline.diff(before, after)
            if changes:
                await self.store.update_chat(origin.chat_id, draft=after)
                lines = ["Done. " + "; ".join(changes) + ".", timeline.summary(after), gui.EXPORT_HINT]
                await self._say(origin, "\n".join(lines))
                return
        if broken is None:
            await self._say(origin, wording.NO_CHANGE)
        else:
            await self._say(origin, wording.TURN_FAILED if broken.server_error else wording.BROKEN_UNKNOWN)
