"""Fixtures every test folder shares: a real SQLite store in the test's own folder, a Telegram fake, a real PostgreSQL
server (started on first use, once per run) with a fresh database per test that asks for one, and an
S3-compatible server (moto's, likewise) with a fresh bucket per test that asks for one."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.store import Store
from tests.fakes.telegram import TelegramFake
from tests.postgres import PostgresServer, TestDatabase
from tests.s3 import S3Server

# Hypothesis' per-example deadline is a wall-clock check: on a busy two-core machine one slow example fails a
# property that holds. The suite asserts properties; speed is measured in bench/.
# The suite tries the same examples on every run: a property that can fail fails every time, never once in twenty
# runs. HYPOTHESIS_PROFILE=explore draws new examples, for hunting counterexamples on purpose.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


@pytest.fixture
async def tg() -> AsyncIterator[TelegramFake]:
    """A started Telegram Bot API fake that must end without an internal error of its own (the e2e stories
    use one that also checks Telegram's flood limits)."""
    async with TelegramFake() as fake:
        yield fake
    assert fake.internal_errors == []


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "db.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[TestDatabase]:
    """The tests' PostgreSQL server (started on first use, stopped after the run) and its migrated database."""
    server = PostgresServer.start()
    try:
        database = TestDatabase(server)
        yield database
        database.close()
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_database: TestDatabase) -> str:
    """The URL of the tests' PostgreSQL database, as just migrated (nothing of an earlier test in it)."""
    return postgres_database.empty()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """The tests' S3 stand-in (moto's server in its own process), started on first use, stopped after the run."""
    server = S3Server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    """A fresh, empty bucket on the tests' S3 server."""
    return s3_server.new_bucket()
