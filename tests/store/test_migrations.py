"""The two sets of migrations stay twins: every migration exists for SQLite and for PostgreSQL, and both
databases end up with the same tables, columns and indexes."""

from __future__ import annotations

from pathlib import Path

from bot.store import MIGRATIONS_DIR, Store, migration_files, migrations_dir


def test_every_migration_has_its_twin_for_the_other_database() -> None:
    sqlite = [path.name for _, path in migration_files(migrations_dir("sqlite"))]
    postgres = [path.name for _, path in migration_files(migrations_dir("postgres"))]
    assert sorted(set(sqlite) - set(postgres)) == [], "write the PostgreSQL twin in migrations/postgres/"
    assert sorted(set(postgres) - set(sqlite)) == [], "write the SQLite twin in migrations/sqlite/"


def test_no_migration_lies_outside_the_two_folders() -> None:
    """A migration left in migrations/ itself would be applied by neither database."""
    assert sorted(path.name for path in MIGRATIONS_DIR.glob("*.sql")) == []


async def _sqlite_schema(path: Path) -> dict[str, set[str]]:
    store = await Store.open(path)
    tables = await store._db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    schema = {}
    for table in tables:
        columns = await store._db.fetchall(f"SELECT name FROM pragma_table_info('{table['name']}')")
        schema[table["name"]] = {column["name"] for column in columns}
    indexes = await store._db.fetchall("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    schema["(indexes)"] = {index["name"] for index in indexes}
    await store.close()
    return schema


async def _postgres_schema(url: str) -> dict[str, set[str]]:
    store = await Store.open(url)
    schema: dict[str, set[str]] = {}
    for column in await store._db.fetchall(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
    ):
        schema.setdefault(column["table_name"], set()).add(column["column_name"])
    indexes = await store._db.fetchall(  # those CREATE INDEX made, not the ones behind a key or UNIQUE
        "SELECT indexname FROM pg_indexes i WHERE schemaname = current_schema() AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")
    schema["(indexes)"] = {index["indexname"] for index in indexes}
    await store.close()
    # The job queue's own tables (bot.queue: several processes, PostgreSQL only) are procrastinate's.
    return {name: {item for item in items if _QUEUE not in item}
            for name, items in schema.items() if _QUEUE not in name}


_QUEUE = "procrastinate_"


async def test_both_databases_get_the_same_tables_columns_and_indexes(tmp_path: Path, postgres_url: str) -> None:
    sqlite = await _sqlite_schema(tmp_path / "db.sqlite3")
    postgres = await _postgres_schema(postgres_url)
    assert sorted(sqlite) == sorted(postgres)
    for table, columns in sqlite.items():
        assert columns == postgres[table], table
