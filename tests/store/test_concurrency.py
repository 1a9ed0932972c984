"""Two processes on one database at once (here: two stores, each with connections of its own). SQLite lets
one writer in at a time; PostgreSQL runs them side by side: the store's promises hold on both."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Place, Store

GROUP, SUPERGROUP, FORUM = -4001, -1001234567890, -1009876543210


@pytest.fixture
async def two(database: Path | str) -> AsyncIterator[tuple[Store, Store]]:
    first = await Store.open(database)
    second = await Store.open(database)
    yield first, second
    await first.close()
    await second.close()


async def test_a_group_moved_by_two_processes_at_once_moves_once(two: tuple[Store, Store]) -> None:
    first, second = two
    for n in range(5):
        await first.uploads.add(GROUP, kind="photo", filename=f"{n}.jpg", size=1, local_path=None)
    await first.accounts.update(GROUP, token="nmv_usr_x")
    # Telegram tells both the group (migrate_to_chat_id) and the supergroup (migrate_from_chat_id).
    moved = await asyncio.gather(first.chats.migrate(GROUP, SUPERGROUP), second.chats.migrate(GROUP, SUPERGROUP))
    assert sorted(moved) == [False, True]
    assert len(await first.uploads.for_chat(SUPERGROUP)) == 5
    assert (await first.accounts.get(SUPERGROUP)).token == "nmv_usr_x"
    assert [u.chat_id for u in await first.usage.report()] == [SUPERGROUP]


async def test_topics_given_keys_by_two_processes_at_once_get_one_key_each(two: tuple[Store, Store]) -> None:
    first, second = two
    places = [Place(FORUM, topic) for topic in range(1, 21)]
    # One process goes through the topics forwards, the other backwards: they give out keys for different
    # topics at the same moments, and meet in the middle on the same ones.
    forwards, backwards = await asyncio.gather(
        asyncio.gather(*(first.topics.project(place) for place in places)),
        asyncio.gather(*(second.topics.project(place) for place in reversed(places))),
    )
    assert forwards == list(reversed(backwards))  # both processes agree on every topic's key
    assert len(set(forwards)) == len(places)  # one key per topic, never two topics on one key
    assert await first.topics.in_chat(FORUM) == sorted(forwards)
    for place, key in zip(places, forwards, strict=True):
        assert await second.topics.place(key) == place


async def test_an_update_kept_by_two_processes_at_once_is_new_to_one_of_them(two: tuple[Store, Store]) -> None:
    first, second = two
    batch = [(update_id, 5, f'{{"update_id": {update_id}}}') for update_id in range(1, 41)]
    new = await asyncio.gather(first.inbox.receive(batch[:30]), second.inbox.receive(batch[10:]))
    assert new[0] | new[1] == set(range(1, 41)) and not new[0] & new[1]


async def test_an_edit_and_an_invite_handled_by_two_processes_at_once_count_once(two: tuple[Store, Store]) -> None:
    first = two[0]
    await first.messages.remember(5, 1, "make a video")
    answers = await asyncio.gather(*(store.messages.first_real_edit(5, 1, f"make a video {i}")
                                     for i in range(4) for store in two))
    assert answers.count(True) == 1
    now = datetime.now(UTC)
    await first.access.add_invite("h", created_by=1, expires_at=now + timedelta(hours=1))
    redeemed = await asyncio.gather(*(store.access.redeem("h", kind="user", subject_id=10 + i, admitted_by=10 + i,
                                                          now=now) for i, store in enumerate(two)))
    assert sorted(redeemed) == ["admitted", "refused"]
