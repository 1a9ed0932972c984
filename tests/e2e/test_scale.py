"""The bot as several processes on PostgreSQL (`intake`, a standby intake, two `worker`s), each with a media
folder of its own and the files in S3, as on separate machines, killed at the worst moments: a render is
finished by the other worker and delivered once, the standby intake reads on with nothing lost or done twice,
and each chat's answers come in the order its messages were sent."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from bot.config import Settings
from bot.store import Store
from tests.e2e.conftest import said
from tests.e2e.processes import BotProcess, environment
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import DEFAULT_TOKEN, TelegramFake
from tests.s3 import S3Server

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

# A worker beats every 0.2 s and is taken for dead after 1.5 s of silence; a standby intake asks every 0.1 s.
TIMES = {"worker_heartbeat_seconds": 0.2, "worker_stalled_seconds": 1.5, "worker_poll_seconds": 0.2,
         "intake_standby_seconds": 0.1}


@pytest.fixture
async def processes(
    tmp_path: Path, tg: TelegramFake, nemo: NemoFake, settings_for: Callable[..., Settings], s3_server: S3Server,
    s3_bucket: str,
) -> AsyncIterator[Callable[..., BotProcess]]:
    """Each process as if on a machine of its own: its own MEDIA_DIR, the files shared through S3."""
    made: list[BotProcess] = []

    def make(*args: str, name: str, **overrides: Any) -> BotProcess:
        settings = settings_for(**{"video_engine": "local", **TIMES, **s3_server.settings(s3_bucket),
                                   "media_dir": tmp_path / name / "media", **overrides})
        process = BotProcess(tg, tmp_path, environment(settings), args, name=name)
        made.append(process)
        return process

    yield make
    for process in made:
        await process.stop()
    for process in made:
        log = process.output()
        assert DEFAULT_TOKEN not in log and all(token not in log for token in nemo.tokens), "a token was logged"
        assert "Traceback" not in log, f"{process.log.name}:\n{log}"


def running(process: BotProcess) -> Callable[[], bool]:
    return lambda: "worker: running" in process.output()


def rendering(process: BotProcess) -> bool:
    """Whether ffmpeg runs under this process: it holds a render (a preview is over long before)."""
    try:
        return any("ffmpeg" in child.name() for child in psutil.Process(process.pid).children(recursive=True))
    except psutil.Error:
        return False


async def until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.05)


async def test_several_processes_keep_every_promise_through_kills(
    processes: Callable[..., BotProcess], tg: TelegramFake, postgres_url: str
) -> None:
    fay, gus, eve = tg.user("Fay"), tg.user("Gus"), tg.user("Eve")
    team = {"allowed_user_ids": frozenset({fay.id, gus.id})}  # Eve is a stranger
    intake = processes("intake", name="intake", **team)
    standby = processes("intake", name="standby", **team)
    workers = [processes("worker", "--renders", "1", name=f"worker{i}", **team) for i in (1, 2)]
    for worker in workers:
        await worker.start(running(worker))
    await intake.start()  # reading: the standby waits behind it
    await standby.start(lambda: "standing by" in standby.output())

    chat = tg.private_chat(fay)
    for i in range(2):
        await tg.send_photo(chat, fay, jpeg_bytes(720, 1280, (90 * i, 120, 60)), media_group_id="trip")
    await tg.wait_for_text(chat.id, "Got 2 photos", timeout=30)  # one album, one answer, whichever worker
    await tg.send_text(chat, fay, "make a 4-second video")
    await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == chat.id, timeout=60)  # the preview

    # kill -9 the worker making the video: the other one makes it again and delivers it, once.
    mark = tg.mark()
    await tg.send_command(chat, fay, "/export")
    await tg.wait_for_text(chat.id, "Rendering your video", start=mark, timeout=30)
    holders: list[BotProcess] = []
    await until(lambda: bool(holders.extend(w for w in workers if rendering(w)) or holders), "a worker renders")
    await holders[0].kill()
    await tg.wait_for(
        lambda c: c.method == "sendVideo" and c.chat_id == chat.id and "ready" in (c.caption or ""),
        start=mark, timeout=90,
    )
    store = await Store.open(postgres_url)
    try:
        async def rendered() -> bool:
            rows = await store.renders.for_chat(chat.id)
            return bool(rows) and all(row.delivered or row.status in ("failed", "cancelled") for row in rows)

        deadline = asyncio.get_running_loop().time() + 30
        while not await rendered():  # the killed worker's row too: taken up, not left "rendering"
            assert asyncio.get_running_loop().time() < deadline, "a render left unfinished"
            await asyncio.sleep(0.05)
        # a render the one-process bot accepted before it was replaced by these processes: no job was queued
        await store.renders.add("left_by_one_process", chat.id, engine="local", status="processing")
    finally:
        await store.close()
    assert sum("ready" in (c.caption or "") for c in tg.uploads(chat.id)) == 1
    assert not any("failed" in text or "went wrong" in text for text in said(tg, chat.id, mark))

    # kill -9 the intake: the standby reads on. Two chats' messages, sent while nobody reads and after,
    # are each answered once, and in each chat in the order sent.
    await intake.kill()
    other = tg.private_chat(gus)
    mark = tg.mark()
    for n in range(1, 4):
        await tg.send_text(chat, fay, f'title "fay {n}"')
        await tg.send_text(other, gus, f'title "gus {n}"')
    await until(lambda: "reading updates" in standby.output(), "the standby reads")
    for who, place in (("fay", chat), ("gus", other)):
        await until(lambda place=place: len(_titles(said(tg, place.id, mark))) >= 3, f"{who}'s three answers")
    await tg.wait_confirmed()
    assert _titles(said(tg, chat.id, mark)) == ["fay 1", "fay 2", "fay 3"]
    assert _titles(said(tg, other.id, mark)) == ["gus 1", "gus 2", "gus 3"]
    # the new reader gave the render left from before the switch a follower: made and delivered, once
    await until(lambda: sum("ready" in (c.caption or "") for c in tg.uploads(chat.id)) == 2, "the left render")

    # A stranger is answered by the intake itself, and nothing of theirs is kept or queued.
    outside = tg.private_chat(eve)
    await tg.send_text(outside, eve, 'title "eve"')
    await tg.wait_for_text(outside.id, "private to its team", timeout=30)
    store = await Store.open(postgres_url)
    try:
        assert await store.chats.find(outside.id) is None
        kept = await store._db.fetchall("SELECT update_id FROM handled_updates WHERE chat_id = ?", (outside.id,))
        assert kept == []
        assert (await store.renders.get("left_by_one_process")).delivered
    finally:
        await store.close()
    assert sum("ready" in (c.caption or "") for c in tg.uploads(chat.id)) == 2


def _titles(texts: list[str]) -> list[str]:
    """The titles the answers name, in the order they were said."""
    return [found for text in texts for found in re.findall(r"“((?:fay|gus) \d)”", text)]
