"""/export and everything after it: a render is submitted under a job id kept before the request leaves,
followed to its end (progress edited, a failure tried once more under a new id, a render lost in a restart
started again), and delivered exactly once, also after a restart (`resume`).

A render follows its chat: the chat id is read again at every poll, so one running while a group became a
supergroup is delivered into the supergroup. Following stops when the bot is blocked or removed (`stop`); a
cloud render already submitted stays recorded and is delivered if the chat lets the bot back in (`back`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import timeline
from bot.config import Settings
from bot.conversation import wording
from bot.conversation.chat import Chats
from bot.conversation.ports import Origin, RenderQueue
from bot.conversation.uploads import Uploads
from bot.engines.base import Engine, EngineError, EngineUnavailable, RateLimited, RenderStatus
from bot.language import join
from bot.store import RenderRow, Store

log = logging.getLogger(__name__)

_ENDED = frozenset({"failed", "cancelled"})  # a render's row that nothing follows any more


class Exports:
    def __init__(
        self, chats: Chats, uploads: Uploads, store: Store, settings: Settings, queue: RenderQueue | None = None
    ) -> None:
        self._chats = chats
        self._queue = queue  # several processes: renders are followed by whichever worker takes the job
        self._uploads = uploads
        self._store = store
        self._settings = settings
        self._background: set[asyncio.Task[None]] = set()
        self._following: dict[str, asyncio.Task[None]] = {}  # render id -> the task following it
        # The render each chat's follower is on: a failed render is retried under a new row, and between the
        # two no row of the chat is unfinished in the store.
        self._current: dict[int, RenderRow] = {}

    async def export(self, origin: Origin) -> None:
        async with self._chats.failures_told(origin):
            async with self._chats.turn(origin):
                if origin.message_id is not None:
                    asked = await self._store.renders.for_message(origin.chat_id, origin.message_id)
                    if asked:  # asked for before a restart: `resume` (or the render's job) follows it to the end
                        if self._queue is not None:  # the job may not have been queued before the crash
                            for row in asked:
                                if not row.delivered and row.status not in _ENDED:
                                    await self._queue_follower(row, self._queue)
                        return
                if await self._already_rendering(origin):
                    return
                engine = await self._chats.engine(origin.chat_id)
                await self._chats.connect(origin, engine)
                await self._uploads.catch_up(origin, engine)
                draft = await engine.draft(origin.chat_id)
                missing = timeline.missing_for_export(draft)
                if missing:
                    await self._chats.say(origin, missing)
                    return
                assert draft is not None
                # With several processes a render of ours starts on a render worker (its job), not here.
                starts_here = self._queue is None or not engine.runs_here
                row = await self._submit_render(origin, engine, draft, attempt=1, start=starts_here)
                progress_id = await self._chats.say(origin, wording.RENDER_STARTED.format(progress=0))
                await self._store.renders.update(row.id, progress_message_id=progress_id)
            row = await self._store.renders.get(row.id)
            assert row is not None
            if self._queue is not None:
                try:
                    await self._queue.queue_render(row.id, draft, here=engine.runs_here)
                except BaseException:  # a render nobody follows would answer every later /export with "wait"
                    await self._store.renders.update(row.id, status="failed", error="not queued")
                    raise
            else:
                self._follow(row, draft)

    async def follow_queued(self, render_id: str, draft: dict[str, Any] | None) -> None:
        """A render's job (`RenderQueue`), on whichever worker took it: start the render when it is ours to
        make (again, when the worker that was making it died), follow it and deliver it once. A render that
        ended (delivered, failed, cancelled) needs nothing more."""
        row = await self._store.renders.get(render_id)
        if row is None or row.delivered or row.status in _ENDED:
            return
        await self._chats.refresh(row.chat_id)  # spoken to as the chat was last heard, by any process
        engine = self._chats.engines.named(row.engine)
        if engine is not None and engine.runs_here and row.status != "completed":
            draft = draft if draft is not None else await engine.draft(row.chat_id)
            if timeline.missing_for_export(draft) or draft is None:
                await self._store.renders.update(row.id, status="failed", error="nothing to render")
                return
            await engine.start_render(row.chat_id, draft, job_id=row.id)
        await self._follow_render(row, draft)

    async def _already_rendering(self, origin: Origin) -> bool:
        """One render at a time per chat: a second /export while one runs (in this run, or left by a restart
        and resumed) would make and charge a second video of the same timeline. The user is pointed at the
        running render's progress message instead. Asked inside the chat's turn, so two /export sent at
        once are decided one after the other."""
        running = self._current.get(origin.chat_id) or await self._store.renders.running_in(origin.chat_id)
        if running is None:
            return False
        pointer = replace(origin, message_id=running.progress_message_id or origin.message_id)
        await self._chats.say(pointer, wording.ALREADY_RENDERING)
        return True

    async def _submit_render(
        self, origin: Origin, engine: Engine, draft: dict[str, Any], *, attempt: int,
        progress_message_id: int | None = None, start: bool = True,
    ) -> RenderRow:
        """Record a job id, then submit the render under it.

        The job id is the only handle on a render, so it is in the database before the request leaves: a
        crash while the request is out leaves a `submitting` row that a restart polls. An answer that never
        came (a timeout) is taken as a refusal and the user asked to export again.
        """
        job_id = engine.new_job_id()
        await self._store.renders.add(job_id, origin.chat_id, engine=engine.name, status="submitting",
                                    attempt=attempt, reply_to_message_id=origin.message_id,
                                    progress_message_id=progress_message_id, requested_by=origin.user_id)
        if not start:  # recorded only: the render's job starts it (`follow_queued`)
            await self._store.renders.update(job_id, status="pending")
            row = await self._store.renders.get(job_id)
            assert row is not None
            return row
        try:
            confirmed = await engine.start_render(origin.chat_id, draft, job_id=job_id)
        except BaseException as exc:
            await self._store.renders.update(job_id, status="failed", error=f"submit: {type(exc).__name__}")
            raise
        if confirmed != job_id:  # the service renamed the job: follow it under its own id
            log.warning("render %s was accepted as %s", job_id, confirmed)
            await self._store.renders.update(job_id, status="cancelled", error=f"renamed {confirmed}")
            await self._store.renders.add(confirmed, origin.chat_id, engine=engine.name, attempt=attempt,
                                        reply_to_message_id=origin.message_id,
                                        progress_message_id=progress_message_id, requested_by=origin.user_id)
            job_id = confirmed
        else:
            await self._store.renders.update(job_id, status="pending")
        row = await self._store.renders.get(job_id)
        assert row is not None
        return row

    async def resume(self) -> int:
        """After a restart: poll every render that was accepted but not delivered, and deliver it once.

        With several processes each such render gets a job, so any worker follows it: a render left by the
        one-process bot before the switch to workers has none, and neither has one whose job was lost. One
        whose job is still waiting keeps that job alone (`queue_render` does not queue it twice), and one
        being followed right now gets a second job that runs after it and finds it delivered."""
        rows = [row for row in await self._store.renders.unfinished() if not self._chats.is_absent(row.chat_id)]
        for row in rows:
            if self._queue is not None:
                await self._queue_follower(row, self._queue)
            else:
                self._follow(row, None)
        return len(rows)

    async def _queue_follower(self, row: RenderRow, queue: RenderQueue) -> None:
        """A job following `row` with the chat's timeline as it is (the draft of its /export went with the
        render's first job, if it was ever queued)."""
        engine = self._chats.engines.named(row.engine)
        await queue.queue_render(row.id, None, here=bool(engine and engine.runs_here))

    async def stop(self, chat_id: int) -> None:
        """The bot was blocked in or removed from the chat: stop following its renders. A render on this
        machine is cancelled (its work would be for nobody); one in the cloud runs on, stays recorded, and
        is followed again by `back`."""
        for row in await self._store.renders.unfinished():
            if row.chat_id != chat_id:
                continue
            task = self._following.get(row.id)
            if task is not None:
                task.cancel()  # not awaited: the task calling this may be that very one (a 403 while sending)
            engine = self._chats.engines.named(row.engine)
            if engine is not None and engine.runs_here:
                with contextlib.suppress(Exception):
                    await engine.cancel_render(chat_id, row.id)
                await self._store.renders.update(row.id, status="cancelled", error="bot removed")

    async def back(self, chat_id: int) -> int:
        """The chat let the bot back in: follow (and deliver) its renders that were left; returns how many."""
        rows = [row for row in await self._store.renders.unfinished()
                if row.chat_id == chat_id and row.id not in self._following]
        for row in rows:
            if self._queue is not None:
                engine = self._chats.engines.named(row.engine)
                await self._queue.queue_render(row.id, None, here=bool(engine and engine.runs_here))
            else:
                self._follow(row, None)
        return len(rows)

    def _follow(self, row: RenderRow, draft: dict[str, Any] | None) -> None:
        task = self._spawn(self._follow_render(row, draft))
        self._following[row.id] = task
        task.add_done_callback(lambda _: self._following.pop(row.id, None))

    def _spawn(self, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def wait_background(self) -> None:
        """For the terminal and tests: wait until every render has been followed to its end."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def _follow_render(self, row: RenderRow, draft: dict[str, Any] | None) -> None:
        self._current[row.chat_id] = row
        try:
            await self._follow_to_end(row, draft)
        finally:
            if self._current.get(row.chat_id) is row:
                del self._current[row.chat_id]

    async def _follow_to_end(self, row: RenderRow, draft: dict[str, Any] | None) -> None:
        origin = Origin(row.chat_id, row.requested_by, message_id=row.reply_to_message_id)  # a retry keeps who
        engine = self._chats.engines.named(row.engine)
        if engine is None:
            await self._store.renders.update(row.id, status="failed", error="engine gone")
            return
        await self._poll_until_done(origin, engine, row, draft)

    async def _poll_until_done(
        self, origin: Origin, engine: Engine, row: RenderRow, draft: dict[str, Any] | None
    ) -> None:
        """Follow the render, and the retry that may replace it, to its end. A failure is recorded on the row
        followed at the time (`row` is the retry's once there is one): a row left unfinished would count as
        a render still running, and the chat's next /export would be told to wait for it."""
        deadline = time.monotonic() + self._settings.render_timeout_seconds
        interval = min(self._settings.render_poll_seconds, engine.poll_seconds or self._settings.render_poll_seconds)
        shown = row.progress
        try:
            async with self._chats.busy(origin.chat_id, "upload_video") as pulse:
                while True:
                    current = await self._store.renders.get(row.id)
                    if current is not None and current.status == "cancelled":  # `stop`, maybe in another process
                        if engine.runs_here:
                            with contextlib.suppress(Exception):
                                await engine.cancel_render(origin.chat_id, row.id)
                        return
                    if current is not None and current.chat_id != origin.chat_id:  # the group became a supergroup
                        origin = Origin(current.chat_id, origin.user_id)  # the old chat's message ids mean nothing
                        row = current
                        pulse.chat_id = current.chat_id
                    try:
                        status = await engine.render_status(origin.chat_id, row.id)
                    except (EngineUnavailable, RateLimited) as exc:
                        # The job goes on without us: a poll that failed is asked again, until the deadline.
                        log.info("render %s: status not read (%s); asking again", row.id, type(exc).__name__)
                        status = RenderStatus("processing", progress=shown)
                    if status.status == "completed":
                        await self._store.renders.update(row.id, status="completed", progress=100, url=status.url)
                        await self._deliver(origin, engine, row, status)
                        return
                    if status.status == "lost":
                        log.info("render %s was lost in a restart; starting it again", row.id)
                        await self._store.renders.update(row.id, status="failed", error="lost in a restart")
                        again = await self._retry_render(origin, engine, row, draft, counts_as_attempt=False)
                        if again is None:
                            await self._chats.say(origin, wording.RENDER_FAILED)
                            return
                        row = again
                        continue
                    if status.status == "failed":
                        reason = None if status.error is None else str(status.error)  # recorded in English
                        await self._store.renders.update(row.id, status="failed", error=reason)
                        retry = await self._retry_render(origin, engine, row, draft)
                        if retry is None:
                            await self._chats.say(origin, wording.RENDER_FAILED)
                            return
                        row = retry
                        continue
                    if status.progress != shown and row.progress_message_id is not None:
                        shown = status.progress
                        with contextlib.suppress(Exception):
                            await self._chats.replies.edit(origin.chat_id, row.progress_message_id,
                                                    wording.RENDER_STARTED.format(progress=shown))
                        await self._store.renders.update(row.id, status=status.status, progress=shown)
                    if time.monotonic() > deadline:
                        await engine.cancel_render(origin.chat_id, row.id)
                        await self._store.renders.update(row.id, status="cancelled", error="timeout")
                        await self._chats.say(origin, wording.RENDER_TIMED_OUT)
                        return
                    await asyncio.sleep(interval)
        except asyncio.CancelledError:
            raise
        except EngineError as exc:
            await self._store.renders.update(row.id, status="failed", error=type(exc).__name__)
            await self._chats.fail(origin, engine, exc)
        except Exception:
            log.exception("render %s: unexpected failure", row.id)
            await self._store.renders.update(row.id, status="failed", error="internal")
            with contextlib.suppress(Exception):
                await self._chats.say(origin, wording.INTERNAL)

    async def _retry_render(
        self, origin: Origin, engine: Engine, row: RenderRow, draft: dict[str, Any] | None,
        *, counts_as_attempt: bool = True,
    ) -> RenderRow | None:
        """A failed render is tried once more under a new id (an id is never reused); one lost in a restart
        is started again without counting as a try."""
        if counts_as_attempt and row.attempt >= 2:
            return None
        draft = draft if draft is not None else await engine.draft(origin.chat_id)
        if timeline.missing_for_export(draft) or draft is None:
            return None
        attempt = row.attempt + 1 if counts_as_attempt else row.attempt
        return await self._submit_render(origin, engine, draft, attempt=attempt,
                                         progress_message_id=row.progress_message_id)

    async def _deliver(self, origin: Origin, engine: Engine, row: RenderRow, status: RenderStatus) -> None:
        """Fetch the MP4 into a temp file (streamed, never whole in memory) and send it, exactly once."""
        fresh = await self._store.renders.get(row.id)
        if fresh is not None and fresh.delivered:
            return
        limit = self._chats.replies.largest_video
        with tempfile.TemporaryDirectory(prefix="reelbot-") as folder:
            path = await engine.download(origin.chat_id, row.id, status, Path(folder) / "reelbot.mp4")
            size = path.stat().st_size
            sent = False
            if size <= limit:
                with contextlib.suppress(Exception):  # only a sign of work: its failure must not stop the video
                    await self._chats.replies.working(origin.chat_id, "upload_video")
                sent = await self._chats.replies.video(origin.chat_id, path, caption=wording.RENDER_DONE,
                                                reply_to=origin.message_id)
            if not sent and self._chats.is_absent(origin.chat_id):
                return  # blocked or removed meanwhile: delivered if the chat lets the bot back in
            if not sent:
                url = status.url
                link = wording.RENDER_LINK if size > limit else wording.RENDER_LINK_UNSENT
                await self._chats.say(origin, link.format(url=url) if url else wording.RENDER_UNDELIVERABLE)
        await self._store.renders.update(row.id, delivered=True)
        if status.notes:  # a message of their own: a caption has a length limit the video must not trip over
            await self._chats.say(origin, join(status.notes))
        if row.progress_message_id is not None:
            with contextlib.suppress(Exception):
                await self._chats.replies.edit(origin.chat_id, row.progress_message_id, wording.RENDER_DONE)
