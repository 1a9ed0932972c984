"""Scale benchmark: `python bench/scale.py` prints one table: renders a minute and the /credits answer time
with 1, 2 and 4 worker processes (plus one intake, on PostgreSQL) against the one-process default (SQLite),
on the same job, and the job queue's own overhead per job.

The Telegram fake runs on loopback in this process and the bot as child processes (`python -m bot`,
`python -m bot intake`, `python -m bot worker --renders 1`), configured through their environment as an
operator would; PostgreSQL is a throwaway server in a temp folder (Debian's package, as the tests use).

The job: `--chats` chats (6) each send an album of two photos and "make a 4-second video" on the local
engine (not timed: the previews), then all send /export at once. Measured from that moment:
- renders a minute: videos delivered / seconds until the last one arrived x 60;
- /credits: ten more people take turns asking, one every 0.2 s while the renders run, each waiting for the
  answer; p50, p99.
The queue's overhead: a job queued while a worker waits idle, from `defer` to the moment the job starts,
over `--jobs` jobs (200), p50 and p99, through `bot.queue` itself.

Renders are CPU work (each keeps about two cores busy while ffmpeg encodes): on a two-core machine renders a
minute cannot grow past two workers, and more workers only share the same cores. The table says what it saw.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.queue import JobQueue, WorkerTimes  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.e2e.processes import BotProcess, environment  # noqa: E402
from tests.fakes.sample_media import jpeg_bytes  # noqa: E402
from tests.fakes.telegram import DEFAULT_TOKEN, Chat, TelegramFake, User  # noqa: E402
from tests.postgres import PostgresServer  # noqa: E402

POLL_SECONDS = Settings.model_fields["worker_poll_seconds"].default  # as a worker runs by default


@dataclass
class Result:
    name: str
    renders: int = 0
    seconds: float = 0.0
    credits_ms: list[float] = field(default_factory=list)

    @property
    def per_minute(self) -> float:
        return self.renders / self.seconds * 60 if self.seconds else 0.0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _settings(folder: Path, tg: TelegramFake, database_url: str | None) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, telegram_bot_token=DEFAULT_TOKEN, telegram_api_url=tg.api_url, video_engine="local",
        database_path=folder / "reelbot.sqlite3", database_url=database_url, media_dir=folder / "media",
        render_poll_seconds=0.2, album_wait_seconds=0.3, telegram_poll_timeout_seconds=1,
    )


async def _until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: {what} did not happen within {seconds:g} s")
        await asyncio.sleep(0.05)


async def _run(name: str, workers: int, chats: int, server: PostgresServer | None) -> Result:
    result = Result(name)
    with tempfile.TemporaryDirectory(prefix="reelbot-scale-") as tmp:
        folder = Path(tmp)
        url = None
        if server is not None:
            url = _fresh_database(server, f"scale_{workers}")
        async with TelegramFake() as tg:
            settings = _settings(folder, tg, url)
            env = environment(settings)
            started: list[BotProcess] = []
            try:
                if server is None:
                    bot = BotProcess(tg, folder, env, name="bot")
                    started.append(bot)
                    await bot.start()
                else:
                    for i in range(workers):
                        worker = BotProcess(tg, folder, env, ["worker", "--renders", "1"], name=f"worker{i}")
                        started.append(worker)
                        await worker.start(lambda w=worker: "worker: running" in w.output())
                    intake = BotProcess(tg, folder, env, ["intake"], name="intake")
                    started.append(intake)
                    await intake.start()
                await _job(tg, chats, result)
            finally:
                for process in started:
                    await process.stop()
    return result


def _fresh_database(server: PostgresServer, name: str) -> str:
    import psycopg

    with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return server.url(name)


async def _job(tg: TelegramFake, chats: int, result: Result) -> None:
    people: list[tuple[Chat, User]] = []
    for i in range(chats):
        user = tg.user(f"Scale{i}")
        chat = tg.private_chat(user)
        people.append((chat, user))
        for n in range(2):
            await tg.send_photo(chat, user, jpeg_bytes(720, 1280, (40 * n, 90 + 20 * i % 160, 60)),
                                media_group_id=f"album{i}")
        await tg.send_text(chat, user, "make a 4-second video")
    for chat, _ in people:  # the previews: not timed
        await tg.wait_for(lambda c, chat=chat: c.method == "sendVideo" and c.chat_id == chat.id, timeout=300)

    # Ten people take turns asking, each in their own chat: Telegram lets a bot answer one private chat about
    # once a second, and one chat asking five times a second would measure that limit, not the bot.
    askers = [(tg.private_chat(user), user) for user in (tg.user(f"Counter{n}") for n in range(10))]
    stop = asyncio.Event()

    async def ask_credits() -> None:
        turn = 0
        while not stop.is_set():
            counter, asker = askers[turn % len(askers)]
            turn += 1
            before = len(tg.sent(counter.id, "sendMessage"))
            asked = time.monotonic()
            await tg.send_command(counter, asker, "credits")
            await _until(lambda c=counter, n=before: len(tg.sent(c.id, "sendMessage")) > n, 120, "/credits")
            result.credits_ms.append((time.monotonic() - asked) * 1000)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)

    def delivered() -> int:
        return sum(1 for chat, _ in people
                   if any("ready" in (c.caption or "") for c in tg.sent(chat.id, "sendVideo")))

    begun = time.monotonic()
    asking = asyncio.create_task(ask_credits())
    for chat, user in people:
        await tg.send_command(chat, user, "export")
    await _until(lambda: delivered() == chats, 900, "every video")
    result.seconds = time.monotonic() - begun
    result.renders = delivered()
    stop.set()
    await asking


@dataclass
class _Idle:
    started: dict[int, float] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_updates(self, payloads: list[str]) -> None:
        self.started[int(payloads[0])] = time.monotonic()
        self.arrived.set()

    async def follow_render(self, render_id: str, draft: dict[str, Any] | None) -> None:
        return None


async def _queue_overhead(server: PostgresServer, jobs: int) -> list[float]:
    """Milliseconds from `defer` to the job's start, one job at a time into an idle worker."""
    url = _fresh_database(server, "scale_queue")
    work = _Idle()
    stop = asyncio.Event()
    store = await Store.open(url)
    async with JobQueue(url, store) as queue:
        worker = asyncio.create_task(queue.run_worker(
            work, queues=["updates"], concurrency={"updates": 4},
            times=WorkerTimes(heartbeat_seconds=10, stalled_seconds=30, poll_seconds=POLL_SECONDS), stop=stop))
        await asyncio.sleep(1.0)  # the worker is listening
        waits = []
        for n in range(jobs):
            work.arrived.clear()
            deferred = time.monotonic()
            await queue.queue_updates([str(n)], first_id=n, chat_id=1, quick=False)
            await asyncio.wait_for(work.arrived.wait(), 30)
            waits.append((work.started[n] - deferred) * 1000)
        stop.set()
        await worker
    await store.close()
    return waits


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=6, help="chats exporting at once (6)")
    parser.add_argument("--workers", default="1,2,4", help="worker processes to try (1,2,4)")
    parser.add_argument("--jobs", type=int, default=200, help="jobs for the queue's overhead (200)")
    args = parser.parse_args()
    server = PostgresServer.start()
    try:
        results = [await _run("one process (SQLite)", 0, args.chats, None)]
        for count in (int(n) for n in args.workers.split(",")):
            results.append(await _run(f"intake + {count} worker{'s' if count > 1 else ''}", count, args.chats,
                                      server))
        overhead = await _queue_overhead(server, args.jobs)
    finally:
        server.stop()

    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    print(f"\n{args.chats} chats export a 4 s video at once (local engine), on {cores} cores; load {load:.1f}")
    print(f"{'setup':<24} {'renders/min':>11} {'wall s':>7} {'/credits p50 ms':>16} {'p99 ms':>8} {'asked':>6}")
    base = results[0].per_minute
    for r in results:
        print(f"{r.name:<24} {r.per_minute:>11.1f} {r.seconds:>7.1f} {statistics.median(r.credits_ms):>16.0f}"
              f" {_percentile(r.credits_ms, 0.99):>8.0f} {len(r.credits_ms):>6}")
    print("\nrenders/min against the one-process default: " + ", ".join(
        f"{r.name}: {r.per_minute / base:.2f}x" for r in results[1:]))
    late = sum(wait > 100 for wait in overhead)
    print(f"queue overhead, defer to start with the worker idle ({len(overhead)} jobs): "
          f"p50 {statistics.median(overhead):.1f} ms, p99 {_percentile(overhead, 0.99):.1f} ms;"
          f" {late} started on the worker's next look ({POLL_SECONDS:g} s) rather than on being told")
    if cores <= 2:
        print(f"renders are CPU-bound: with {cores} cores, more than {cores} render workers share the same cores,"
              " so renders/min stays flat past two.")


if __name__ == "__main__":
    if shutil.which("initdb") is None and not Path("/usr/lib/postgresql").exists():
        raise SystemExit("bench/scale.py needs PostgreSQL's server programs (Debian: apt-get install postgresql)")
    asyncio.run(main())
