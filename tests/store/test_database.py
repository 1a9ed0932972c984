"""Opening the file: migrations applied once each and atomically, and the file kept owner-only."""

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.store import MIGRATIONS_DIR, Store, migration_files


async def test_a_second_start_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await Store.open(path)
    latest = migration_files()[-1][0]
    assert await store.schema_version() == latest
    await store.accounts.update(7, session_id="s1")
    await store.close()

    again = await Store.open(path)
    assert await again.migrate() == []
    assert (await again.accounts.get(7)).session_id == "s1"
    await again.close()
    with sqlite3.connect(path) as db:
        versions = [row[0] for row in db.execute("SELECT version FROM schema_migrations")]
    assert versions == [v for v, _ in migration_files()]


async def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for _version, source in migration_files():
        (folder / source.name).write_text(source.read_text())
    (folder / "9999_broken.sql").write_text("CREATE TABLE ok_table (x INTEGER);\nTHIS IS NOT SQL;")
    store = await Store.open(tmp_path / "db.sqlite3", migrate=False)
    with pytest.raises(sqlite3.OperationalError):
        await store.migrate(folder)
    assert await store.schema_version() == migration_files()[-1][0]
    with pytest.raises(sqlite3.OperationalError):  # the half-applied migration's table was rolled back too
        await store._db.execute("SELECT * FROM ok_table")
    await store.close()


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [v for v, _ in migration_files(MIGRATIONS_DIR)]
    assert versions == list(range(1, len(versions) + 1))


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_the_database_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "db.sqlite3"
    store = await Store.open(path)
    await store.close()
    assert _mode(path) == 0o600


async def test_a_looser_database_and_its_wal_files_are_tightened_to_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await Store.open(path)
    await store.accounts.update(7, session_id="s1")
    await store.close()
    wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
    wal.touch()
    os.chmod(path, 0o644)  # as an older version, a copy or a restore from backup may have left them
    os.chmod(wal, 0o666)

    again = await Store.open(path)
    await again.accounts.update(7, session_id="s2")  # a write: the WAL is in use while the modes are read
    assert wal.exists() and shm.exists()
    assert (_mode(path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
    await again.close()
