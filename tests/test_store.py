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
    await store.update_chat(7, session_id="s1")
    await store.close()

    again = await Store.open(path)
    assert await again.migrate() == []
    assert (await again.chat(7)).session_id == "s1"
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


async def test_the_database_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "db.sqlite3"
    store = await Store.open(path)
    await store.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


async def test_a_redelivered_update_is_recognised(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    assert await store.claim_update(100, 5)
    assert not await store.claim_update(100, 5)
    assert await store.claim_update(101, 5)
    await store.close()


async def test_renders_are_resumable_until_delivered(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.add_render("render_a", 5, engine="nemo", reply_to_message_id=3)
    await store.add_render("render_b", 5, engine="nemo")
    await store.update_render("render_b", status="failed")
    assert [r.id for r in await store.open_renders()] == ["render_a"]
    await store.update_render("render_a", status="completed", delivered=True)
    assert await store.open_renders() == []
    await store.close()


async def test_the_token_never_shows_in_a_chat_row_repr(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.update_chat(5, token="nmv_usr_secretsecretsecret")
    row = await store.chat(5)
    assert row.token == "nmv_usr_secretsecretsecret"
    assert "secret" not in repr(row)
    await store.close()


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [v for v, _ in migration_files(MIGRATIONS_DIR)]
    assert versions == list(range(1, len(versions) + 1))
