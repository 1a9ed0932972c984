"""Work shared by several processes (DATABASE_URL): procrastinate's jobs, in the bot's own PostgreSQL.

One place knows procrastinate: the intake queues what Telegram delivered, the conversation queues renders to
follow, and a worker runs both kinds of job here. What it promises and how:

- **A chat's order.** An update's job carries the lock `chat:<id>`: procrastinate starts a locked job only
  when no job of the same lock is running and none queued before it waits, so a chat's messages are handled
  one after another, in the order they came, on whichever worker is free; other chats go on in parallel.
  Quick answers (/credits, /status, /help, /start) take no chat lock: they read, and nobody should wait
  behind a minute-long stream to see their balance.
- **Nothing lost when a worker dies.** Workers beat (`WORKER_HEARTBEAT_SECONDS`); every worker also looks for
  jobs whose worker stopped beating for `WORKER_STALLED_SECONDS` and queues them again (procrastinate finds
  them; retrying them is left to the application). A job is safe to run again: an update counts once through
  the inbox, a render is delivered once through its row.
- **Nothing queued twice by a standby.** An update's job has the queueing lock `update:<first id>`: a job
  still waiting is not queued again when a new intake queues what the old one may already have queued. A
  render's follower likewise has `render:<id>`: the reader queues one for every unfinished render when it
  takes over (renders left by a one-process bot before the switch to workers have no job).

Jobs carry what they need as JSON (the updates as Telegram sent them, the render's draft), so a job never
depends on memory of the process that queued it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import procrastinate
from procrastinate import exceptions as job_errors

from bot.store import Store

log = logging.getLogger(__name__)

UPDATES, RENDERS = "updates", "renders"
QUEUES = (UPDATES, RENDERS)

class Work(Protocol):
    """What a worker does with each kind of job (`bot.telegram.worker` gives it)."""

    async def handle_updates(self, payloads: list[str]) -> None: ...

    async def follow_render(self, render_id: str, draft: dict[str, Any] | None) -> None: ...


@dataclass(frozen=True, slots=True)
class WorkerTimes:
    heartbeat_seconds: float
    stalled_seconds: float
    poll_seconds: float


async def _handle_updates(context: procrastinate.JobContext, payloads: list[str]) -> None:
    work: Work = context.additional_context["work"]
    await work.handle_updates(payloads)


async def _follow_render(context: procrastinate.JobContext, render_id: str, draft: dict[str, Any] | None) -> None:
    work: Work = context.additional_context["work"]
    await work.follow_render(render_id, draft)


class JobQueue:
    """procrastinate's App on DATABASE_URL: queue jobs, run a worker."""

    def __init__(self, url: str, store: Store) -> None:
        self._store = store
        self._app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=8))
        self._handle_updates = self._app.task(name="handle_updates", queue=UPDATES, pass_context=True)(_handle_updates)
        self._follow_render = self._app.task(name="follow_render", queue=RENDERS, pass_context=True)(_follow_render)

    async def __aenter__(self) -> JobQueue:
        await self.prepare()
        await self._app.open_async()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._app.close_async()

    async def prepare(self) -> None:
        """procrastinate's own tables, made once beside the store's (`migrate` and every start ask)."""
        if await self._store.ensure_schema("procrastinate_jobs", self._app.schema_manager.get_schema()):
            log.info("job queue tables made")

    async def queue_updates(self, payloads: list[str], *, first_id: int, chat_id: int | None, quick: bool) -> None:
        """Queue the handling of updates (one, or an album's parts) in their chat's order; see the module."""
        # A quick answer waits for no chat, only for a second copy of itself (queued again by a new intake).
        lock = f"update:{first_id}" if quick or chat_id is None else f"chat:{chat_id}"
        job = self._handle_updates.configure(lock=lock, queueing_lock=f"update:{first_id}")
        with contextlib.suppress(job_errors.AlreadyEnqueued):
            await job.defer_async(payloads=payloads)

    async def queue_render(self, render_id: str, draft: dict[str, Any] | None, *, here: bool) -> None:
        """Queue following a render to its delivery: on the render workers when it renders on our machines
        (`here`), else beside the updates (following a cloud render is waiting, not work)."""
        # The lock runs two followers of one render one after the other (the second finds it delivered); the
        # queueing lock keeps a second from being queued while one still waits (a new reader's `resume`).
        job = self._follow_render.configure(queue=RENDERS if here else UPDATES, lock=f"render:{render_id}",
                                            queueing_lock=f"render:{render_id}")
        with contextlib.suppress(job_errors.AlreadyEnqueued):
            await job.defer_async(render_id=render_id, draft=draft)

    async def run_worker(
        self, work: Work, *, queues: Iterable[str], concurrency: dict[str, int], times: WorkerTimes,
        stop: asyncio.Event,
    ) -> None:
        """Run the jobs of `queues` until `stop` is set: one procrastinate worker per queue, each with its own
        concurrency (many updates wait on the network at once; a render keeps a core busy)."""
        workers = [
            asyncio.create_task(self._app.run_worker_async(
                queues=[queue], concurrency=concurrency[queue], name=f"{queue}-worker", wait=True,
                install_signal_handlers=False, additional_context={"work": work},
                update_heartbeat_interval=times.heartbeat_seconds,
                stalled_worker_timeout=times.stalled_seconds,
                fetch_job_polling_interval=times.poll_seconds, abort_job_polling_interval=times.poll_seconds,
                delete_jobs="successful",
            ), name=f"{queue} worker")
            for queue in queues
        ]
        rescuer = asyncio.create_task(self._rescue_stalled(times, stop), name="stalled jobs")
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([*workers, stopping], return_when=asyncio.FIRST_COMPLETED)
        rescuer.cancel()
        for worker in workers:
            worker.cancel()
        results = await asyncio.gather(*workers, rescuer, stopping, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                raise result

    async def _rescue_stalled(self, times: WorkerTimes, stop: asyncio.Event) -> None:
        """Queue again the jobs of workers that stopped beating (killed, frozen, their machine gone)."""
        while not stop.is_set():
            try:
                for job in await self._app.job_manager.get_stalled_jobs(
                    seconds_since_heartbeat=times.stalled_seconds
                ):
                    with contextlib.suppress(job_errors.ConnectorException):  # another worker took it first
                        await self._app.job_manager.retry_job(job)
                        log.info("job %s (%s) of a stalled worker queued again", job.id, job.task_name)
            except job_errors.ConnectorException as exc:
                log.warning("stalled jobs not checked: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), times.heartbeat_seconds)
