"""Telegram's flood limits hold across processes: two flood limiters, each with its own store and so its
own connections to one PostgreSQL database (what two workers have in common), send at once, and what leaves
from both together keeps a group's messages in any minute and the bot's 30 in any second.

A group's minute is scaled down to half a second (and the bot's pace sped up in that story, as its
hundredths of a second are to a real minute), so each story takes about a second."""

from __future__ import annotations

import asyncio
import time

from bot.store import Store
from bot.telegram.limits import FloodLimiter, group_pace
from bot.telegram.pace import SharedPace

GROUP = -1001234567890
MINUTE = 0.5  # a group's minute in the group's story
GROUP_PER_MINUTE = 10  # TELEGRAM_GROUP_CHAT_PER_MINUTE turned down (Telegram's own is 20)
OVERALL_PER_SECOND = 30  # Telegram: about 30 messages a second for the whole bot


def most_in_any(window: float, moments: list[float]) -> int:
    return max(sum(start <= t < start + window for t in moments) for start in moments)


class _Worker:
    """One worker's limiter over its own store, recording when each request left."""

    def __init__(self, store: Store, **pace: float) -> None:
        burst, period = group_pace(GROUP_PER_MINUTE)
        self.limiter = FloodLimiter(group_pace=(burst, period * MINUTE / 60), pace=SharedPace(store.flood_slots),
                                    **pace)
        self.left: list[float] = []

    async def _leave(self) -> bool:
        self.left.append(time.monotonic())
        return True

    async def send(self, chat_id: int) -> None:
        await self.limiter.process_request(self._leave, (), {}, "sendMessage", {"chat_id": chat_id}, None)


async def _two_workers_send(url: str, chats: list[list[int]], **pace: float) -> list[list[float]]:
    """Two workers, each with its own store, send to their `chats` all at once; when each message left."""
    stores = [await Store.open(url) for _ in chats]
    try:
        workers = [_Worker(store, **pace) for store in stores]
        await asyncio.gather(*(worker.send(chat_id) for worker, own in zip(workers, chats, strict=True)
                               for chat_id in own))
    finally:
        for store in stores:
            await store.close()
    return [worker.left for worker in workers]


async def test_two_workers_sending_into_one_group_keep_its_minute_between_them(postgres_url: str) -> None:
    each = GROUP_PER_MINUTE // 2 + 1  # more between them than the group's minute allows
    left = await _two_workers_send(postgres_url, [[GROUP] * each] * 2, overall_per_second=1000)
    assert [len(moments) for moments in left] == [each, each]
    assert most_in_any(MINUTE, sorted(left[0] + left[1])) <= GROUP_PER_MINUTE


async def test_two_workers_keep_the_bots_second_between_them(postgres_url: str) -> None:
    each = OVERALL_PER_SECOND // 2 + 1  # to people, each to their own chat: only the bot's pace holds them
    left = await _two_workers_send(postgres_url, [[1000 + i for i in range(each)], [2000 + i for i in range(each)]])
    assert [len(moments) for moments in left] == [each, each]
    assert most_in_any(1.0, sorted(left[0] + left[1])) <= OVERALL_PER_SECOND
