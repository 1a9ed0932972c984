"""Fixtures every test folder shares: a real SQLite store in the test's own folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.store import Store

# Hypothesis' per-example deadline is a wall-clock check: on a busy two-core machine one slow example fails a
# property that holds. The suite asserts properties; speed is measured in bench/.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "db.sqlite3")
    yield opened
    await opened.close()
