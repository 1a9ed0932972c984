"""Opening the database: migrations applied once each and atomically (on SQLite and on PostgreSQL), and the
SQLite file kept owner-only."""

import os
import sqlite3
import stat
from pathlib import Path

import psycopg
import pytest

from bot.store import Store, migration_files, migrations_dir


async def test_a_second_start_applies_nothing_twice(database: Path | str) -> None:
    store = await Store.open(database)
    latest = migration_files(migrations_dir(store.dialect))[-1][0]
    assert await store.schema_version() == latest
    await store.accounts.update(7, session_id="s1")
    await store.close()

    again = await Store.open(database)
    assert await again.migrate() == []
    assert (await again.accounts.get(7)).session_id == "s1"
    rows = await again._db.fetchall("SELECT version FROM schema_migrations ORDER BY version")
    assert [row["version"] for row in rows] == [v for v, _ in migration_files(migrations_dir(again.dialect))]
    await again.close()


async def test_a_failing_migration_leaves_the_previous_version(database: Path | str, tmp_path: Path) -> None:
    store = await Store.open(database, migrate=False)
    folder = tmp_path / "migrations"
    folder.mkdir()
    for _version, source in migration_files(migrations_dir(store.dialect)):
        (folder / source.name).write_text(source.read_text())
    (folder / "9999_broken.sql").write_text("CREATE TABLE ok_table (x INTEGER);\nTHIS IS NOT SQL;")
    with pytest.raises((sqlite3.OperationalError, psycopg.errors.SyntaxError)):
        await store.migrate(folder)
    assert await store.schema_version() == migration_files(migrations_dir(store.dialect))[-1][0]
    with pytest.raises((sqlite3.OperationalError, psycopg.errors.UndefinedTable)):
        await store._db.fetchone("SELECT * FROM ok_table")  # the half-applied migration's table was rolled back
    await store.close()


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_migrations_are_numbered_without_gaps(dialect: str) -> None:
    versions = [v for v, _ in migration_files(migrations_dir(dialect))]  # type: ignore[arg-type]
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
    with sqlite3.connect(path) as db:  # and it is still an ordinary SQLite file
        assert db.execute("SELECT session_id FROM chats WHERE chat_id = 7").fetchall() == [("s2",)]
