"""Another library's tables beside the store's (the job queue's): made once, however many processes ask."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store

SCRIPT = ("CREATE TABLE library_jobs (id integer PRIMARY KEY, name text);"
          " CREATE INDEX library_jobs_name ON library_jobs (name);")


@pytest.fixture(autouse=True)
async def _dropped_after(database: Path | str) -> AsyncIterator[None]:
    """The tests' PostgreSQL database outlives the test: the table goes with it."""
    yield
    store = await Store.open(database)
    await store._db.execute("DROP TABLE IF EXISTS library_jobs")
    await store.close()


async def test_a_schema_is_made_once_and_asked_for_again_changes_nothing(store: Store) -> None:
    assert await store.ensure_schema("library_jobs", SCRIPT) is True
    assert await store.ensure_schema("library_jobs", SCRIPT) is False
    assert await store._db.fetchall("SELECT id FROM library_jobs") == []


async def test_processes_starting_together_make_it_once(database: Path | str) -> None:
    stores = [await Store.open(database) for _ in range(3)]
    try:
        made = await asyncio.gather(*(store.ensure_schema("library_jobs", SCRIPT) for store in stores))
    finally:
        for store in stores:
            await store.close()
    assert sorted(made) == [False, False, True]
