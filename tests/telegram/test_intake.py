"""The intake (several processes): what it keeps and queues, in which jobs, in which order."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, Update

from bot.config import Settings
from bot.store import Store
from bot.telegram.intake import Intake
from tests.fakes.telegram import DEFAULT_TOKEN, TelegramFake


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[tuple[list[int], int | None, bool]] = []  # (update ids, chat, quick)

    async def queue_updates(self, payloads: list[str], *, first_id: int, chat_id: int | None, quick: bool) -> None:
        ids = [json.loads(payload)["update_id"] for payload in payloads]
        assert ids[0] == first_id
        self.jobs.append((ids, chat_id, quick))


def message(update_id: int, chat_id: int, *, text: str | None = None, album: str | None = None) -> Update:
    body: dict[str, Any] = {"message_id": update_id, "date": 0, "chat": {"id": chat_id, "type": "private"},
                            "from": {"id": chat_id, "is_bot": False, "first_name": "A"}}
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    else:
        body["photo"] = [{"file_id": f"f{update_id}", "file_unique_id": f"u{update_id}", "width": 9, "height": 9}]
    if album:
        body["media_group_id"] = album
    return Update.de_json({"update_id": update_id, "message": body}, BOT)


BOT = Bot("123:abc")


@pytest.fixture
def intake(store: Store, tmp_path: Path) -> tuple[Intake, RecordingQueue]:
    settings = Settings(_env_file=None, album_wait_seconds=0.05, database_path=tmp_path / "x.sqlite3")  # type: ignore[call-arg]
    queue = RecordingQueue()

    async def admits(update: Update) -> bool:
        return update.effective_chat is not None and update.effective_chat.id != 666  # a stranger

    async def turn_away(update: Update) -> None:
        TURNED_AWAY.append(update.update_id)

    TURNED_AWAY.clear()
    return Intake(settings, store, queue, BOT, admits, turn_away), queue


TURNED_AWAY: list[int] = []


async def until(check: Any) -> None:
    deadline = asyncio.get_running_loop().time() + 5
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "not within 5 s"
        await asyncio.sleep(0.01)


async def test_an_album_is_one_job_and_what_the_chat_sent_after_it_waits_behind_it(
    intake: tuple[Intake, RecordingQueue],
) -> None:
    reader, queue = intake
    await reader.keep([message(1, 10, album="a"), message(2, 10, album="a"), message(3, 10, text="make it"),
                        message(4, 20, text="hello")])
    assert queue.jobs == [([4], 20, False)]  # another chat is not held up by the album
    await until(lambda: len(queue.jobs) == 3)
    assert queue.jobs[1:] == [([1, 2], 10, False), ([3], 10, False)]


async def test_quick_answers_take_no_chat_lock_and_strangers_are_answered_but_never_kept(
    intake: tuple[Intake, RecordingQueue], store: Store
) -> None:
    reader, queue = intake
    await reader.keep([message(1, 10, text="/credits"), message(2, 10, text="/export"), message(3, 666, text="hi")])
    assert queue.jobs == [([1], 10, True), ([2], 10, False)]
    assert [update_id for update_id, _ in await store.inbox.unfinished()] == [1, 2]
    await until(lambda: TURNED_AWAY == [3])  # the stranger is answered (refused, or their /join), at once


async def test_an_update_delivered_again_is_not_queued_again_and_a_new_reader_queues_what_is_unfinished(
    intake: tuple[Intake, RecordingQueue], store: Store
) -> None:
    reader, queue = intake
    batch = [message(1, 10, album="a"), message(2, 10, album="a"), message(3, 10, text="hi")]
    await reader.keep(batch)
    await until(lambda: len(queue.jobs) == 2)
    await reader.keep(batch)  # Telegram sends it again: the reader died before confirming
    assert len(queue.jobs) == 2
    await store.inbox.finish(3)
    queue.jobs.clear()
    assert await reader.queue_unfinished() == 2  # the standby's first step: the album, still one job
    assert queue.jobs == [([1, 2], 10, False)]


async def admit_all(update: Update) -> bool:
    return True


async def no_strangers(update: Update) -> None:
    raise AssertionError("nobody here is a stranger")


def reading_settings(tmp_path: Path) -> Settings:
    """A reader that asks Telegram every second and a standby that looks every 0.05 s."""
    return Settings(_env_file=None, database_path=tmp_path / "x.sqlite3", intake_standby_seconds=0.05,  # type: ignore[call-arg]
                    telegram_poll_timeout_seconds=1)


class FailingOnce(RecordingQueue):
    """The database fails while the first job is queued (after the update was kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def queue_updates(self, payloads: list[str], *, first_id: int, chat_id: int | None, quick: bool) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("the database went away")
        await super().queue_updates(payloads, first_id=first_id, chat_id=chat_id, quick=quick)


async def test_a_batch_that_failed_to_be_queued_is_asked_for_again_and_each_update_queued_once(
    store: Store, tmp_path: Path
) -> None:
    async with TelegramFake() as tg:
        settings = reading_settings(tmp_path)
        queue = FailingOnce()

        async with Bot(DEFAULT_TOKEN, base_url=f"{tg.api_url}/bot") as bot:
            reader = Intake(settings, store, queue, bot, admit_all, no_strangers)
            fay = tg.user("Fay")
            chat = tg.private_chat(fay)
            first = await tg.send_text(chat, fay, "one")
            second = await tg.send_text(chat, fay, "two")
            stop = asyncio.Event()
            reading = asyncio.create_task(reader.run(stop))
            await until(lambda: len(queue.jobs) == 2)
            await tg.wait_confirmed()
            stop.set()
            await reading
    assert [ids for ids, _, _ in queue.jobs] == [[first["update_id"]], [second["update_id"]]]


async def test_a_standby_stops_when_told_and_reads_on_once_the_reader_is_gone(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = reading_settings(tmp_path)

    stores = [await Store.open(postgres_url) for _ in range(3)]
    try:
        async with TelegramFake() as tg, contextlib.AsyncExitStack() as processes:
            # Three processes: each its own store and its own connection to Telegram.
            bots = [await processes.enter_async_context(Bot(DEFAULT_TOKEN, base_url=f"{tg.api_url}/bot"))
                    for _ in stores]
            reader, standby, second = (Intake(settings, store, RecordingQueue(), bot, admit_all, no_strangers)
                                       for store, bot in zip(stores, bots, strict=True))
            stops = [asyncio.Event() for _ in range(3)]
            reading = asyncio.create_task(reader.run(stops[0]))
            await until(lambda: tg.polls > 0)
            waiting = asyncio.create_task(standby.run(stops[1]))
            stops[1].set()
            await asyncio.wait_for(waiting, 15)  # stopped while standing by: it never read

            taking_over = asyncio.create_task(second.run(stops[2]))
            stops[0].set()
            await asyncio.wait_for(reading, 15)  # it lets go of the lock
            polls = tg.polls
            await until(lambda: tg.polls > polls)  # the standby reads on
            stops[2].set()
            await asyncio.wait_for(taking_over, 15)
    finally:
        for store in stores:
            await store.close()
