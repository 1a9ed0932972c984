"""End-to-end harness: the real bot (python-telegram-bot Application, conversation, engines, SQLite) runs
in the test's event loop against the Telegram and NemoVideo fakes on loopback, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import Core, open_core
from bot.config import Settings
from bot.telegram.application import run
from tests.e2e.leaks import assert_nothing_leaked
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes, mp4_bytes
from tests.fakes.telegram import DEFAULT_TOKEN, Chat, TelegramFake, User

# A private chat's pace in these tests (TELEGRAM_PRIVATE_CHAT_PER_SECOND; Telegram's, and the default, is 1):
# a story of a dozen messages would otherwise take a dozen seconds. The fake enforces the same pace, with a
# burst that leaves room for requests the loopback delays unevenly on a busy machine (4 messages: 0.4 s);
# the real pace itself is tested on a virtual clock in tests/telegram/test_limits.py.
PRIVATE_PER_SECOND = 10.0
PRIVATE_BURST = 6
GROUP_PER_MINUTE = 120  # likewise for groups: Telegram's 20 a minute would make a team's story last minutes


@pytest.fixture
async def tg() -> AsyncIterator[TelegramFake]:
    async with TelegramFake() as fake:
        fake.check_rates(private_per_second=PRIVATE_PER_SECOND, private_burst=PRIVATE_BURST,
                        group_per_minute=GROUP_PER_MINUTE)
        yield fake
    assert fake.internal_errors == []
    # The limits Telegram enforces with 429s (30 messages/s overall, about 1/s per private chat after a short
    # burst, 20/min per group, or the faster pace set above) are never crossed: bot.telegram.limits paces every chat.
    assert fake.flood_violations == []


@pytest.fixture
async def nemo() -> AsyncIterator[NemoFake]:
    async with NemoFake() as fake:
        fake.set_video(mp4_bytes())
        yield fake


@pytest.fixture(autouse=True)
async def nothing_leaked(tg: TelegramFake, nemo: NemoFake) -> AsyncIterator[None]:
    """After every end-to-end test: no secret and no raw backend output reached Telegram."""
    yield
    assert_nothing_leaked(tg, nemo)


INSTRUCTION = "turn my photos into a 15-second TikTok video with transitions and music"


async def with_photo(tg: TelegramFake, chat: Chat, user: User) -> None:
    mark = tg.mark()
    await tg.send_photo(chat, user, jpeg_bytes(720, 1280))
    await tg.wait_for_text(chat.id, "Got 1 photo", start=mark)


async def with_video_made(tg: TelegramFake, chat: Chat, user: User) -> None:
    """A photo and the default first turn: the chat has a timeline ready to export."""
    await with_photo(tg, chat, user)
    mark = tg.mark()
    await tg.send_text(chat, user, INSTRUCTION)
    await tg.wait_for_text(chat.id, "Send /export", start=mark)


def said(tg: TelegramFake, chat_id: int, start: int = 0) -> list[str]:
    """The texts the bot sent to `chat_id` (sendMessage) from position `start` on."""
    return [c.text or "" for c in tg.sent()[start:] if c.chat_id == chat_id and c.method == "sendMessage"]


async def all_handled(tg: TelegramFake, bot: Bot, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Wait until the bot has kept every update sent so far and handled each to its end (whatever it was
    going to say about them is said): a condition, not a pause."""
    await tg.wait_confirmed()
    deadline = asyncio.get_running_loop().time() + timeout
    while await bot.core.store.inbox.unfinished():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"updates not handled within {timeout:g} s\n{tg.dump()}")
        await asyncio.sleep(0.01)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str | None:
    """DATABASE_URL for the bot: unset (SQLite, the default), or the tests' PostgreSQL database for a story
    parametrized with `@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)`."""
    if getattr(request, "param", "sqlite") == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return None


@pytest.fixture
def settings_for(
    tmp_path: Path, tg: TelegramFake, nemo: NemoFake, database_url: str | None
) -> Callable[..., Settings]:
    """Settings as an operator would write them in .env, with intervals shortened for tests."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "telegram_bot_token": DEFAULT_TOKEN,
            "telegram_api_url": tg.api_url,
            "nemo_api_url": nemo.url,
            "database_path": tmp_path / "data" / "reelbot.sqlite3",
            "database_url": database_url,
            "media_dir": tmp_path / "data" / "media",
            "heartbeat_seconds": 5,
            "render_poll_seconds": 0.05,
            "state_poll_seconds": 0.05,
            "rate_limit_wait_seconds": 0.1,
            "stream_timeout_seconds": 20,
            "album_wait_seconds": 0.3,
            "telegram_poll_timeout_seconds": 1,
            "telegram_private_chat_per_second": PRIVATE_PER_SECOND,
            "telegram_group_chat_per_minute": GROUP_PER_MINUTE,
            **overrides,
        }
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@dataclass
class Bot:
    core: Core
    settings: Settings
    task: asyncio.Task[None]
    stop: asyncio.Event


@contextlib.asynccontextmanager
async def running(settings: Settings, tg: TelegramFake) -> AsyncIterator[Bot]:
    core = await open_core(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, core, stop))
    polling = asyncio.create_task(tg.wait_polling(timeout=15))
    await asyncio.wait({task, polling}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        polling.cancel()
        task.result()  # raises what stopped the bot
    try:
        yield Bot(core, settings, task, stop)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        await core.aclose()


@pytest.fixture
async def bot(settings_for: Callable[..., Settings], tg: TelegramFake) -> AsyncIterator[Bot]:
    async with running(settings_for(), tg) as started:
        yield started
