"""copy-db: a bot's data moved from its SQLite file to PostgreSQL, for the move to several processes.

As Synapse's port_db does it: the SQLite file is brought up to date first (what starting the bot would do),
the PostgreSQL database gets its schema from its own migrations, then every table is copied in the order its
foreign keys need (parents first: read from PostgreSQL's catalog, so tables added by later migrations are
copied without a change here), each through COPY, all in one transaction (a copy that fails leaves the target
empty); the identity columns then continue after the largest id copied. The SQLite file is read as one
snapshot and never changed beyond its migrations. A target that already holds the bot's data is refused:
copying into it would mix two bots' chats.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass
from pathlib import Path

from bot.language import Sentence, _
from bot.store.database import migration_files, migrations_dir
from bot.store.postgres import PostgresDatabase
from bot.store.sqlite import SqliteDatabase

# Tables left behind: Telegram's flood pace is about the next seconds of whoever sent last, not the bot's data.
NOT_COPIED = frozenset({"flood_slots"})


class CopyRefused(Exception):
    """Nothing was copied: `sentence` says why and what to do."""

    def __init__(self, sentence: Sentence) -> None:
        super().__init__(str(sentence))
        self.sentence = sentence


@dataclass(frozen=True, slots=True)
class Copied:
    table: str
    rows: int


async def copy_database(sqlite_path: Path, url: str) -> list[Copied]:
    """Copy every table of the bot's SQLite file at `sqlite_path` into the empty PostgreSQL database at
    `url`; returns the rows copied per table, in the order copied."""
    _refuse_missing(sqlite_path)
    source = await SqliteDatabase.connect(sqlite_path)
    try:
        await _bring_up_to_date(source, sqlite_path)
        target = await PostgresDatabase.connect(url)
        try:
            await target.migrate(migrations_dir("postgres"))
            return await _copy(source, target)
        finally:
            await target.close()
    finally:
        await source.close()


def _refuse_missing(path: Path) -> None:
    """Connecting would make an empty file where none is: a mistyped path is said so instead."""
    if not path.is_file():
        raise CopyRefused(_("{path} is not a file: give the path of the bot's SQLite database (DATABASE_PATH).")
                          .format(path=path))


async def _bring_up_to_date(source: SqliteDatabase, path: Path) -> None:
    known = migration_files(migrations_dir("sqlite"))[-1][0]
    if await source.fetchone("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"):
        if await source.schema_version() > known:
            raise CopyRefused(_("{path} was made by a newer version of the bot: copy it with that version.")
                              .format(path=path))
    elif await source.fetchone("SELECT name FROM sqlite_master WHERE type = 'table'"):
        raise CopyRefused(_("{path} is not the bot's database (it has no schema_migrations table).").format(path=path))
    await source.migrate(migrations_dir("sqlite"))


async def _copy(source: SqliteDatabase, target: PostgresDatabase) -> list[Copied]:
    source_tables = {row["name"] for row in await source.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name != 'schema_migrations'")} - NOT_COPIED
    order = [table for table in await _dependency_order(target) if table not in NOT_COPIED]
    missing = sorted(source_tables - set(order))
    if missing:
        raise CopyRefused(_("The PostgreSQL database has no table {table}: the file has tables this version of"
                            " the bot does not know.").format(table=missing[0]))
    tables = [table for table in order if table in source_tables]
    for table in tables:
        if await target.fetchone(f'SELECT 1 AS found FROM "{table}" LIMIT 1'):
            raise CopyRefused(_("The PostgreSQL database already holds the bot's data (table {table} has rows):"
                                " copy-db only fills an empty one.").format(table=table))
    copied = []
    async with source.snapshot() as snapshot, target.connection() as connection, connection.transaction():
        for table in tables:
            columns = [row["name"] for row in await snapshot.fetchall(f'SELECT name FROM pragma_table_info("{table}")')]
            quoted = ", ".join(f'"{column}"' for column in columns)
            count = 0
            async with connection.cursor().copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                # COPY's text form: SQLite's 0/1 become booleans, its time text becomes timestamptz.
                async for batch in snapshot.rows(f'SELECT {quoted} FROM "{table}"'):
                    for row in batch:
                        await copy.write_row(row)
                    count += len(batch)
            copied.append(Copied(table, count))
        identities = await connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_identity = 'YES'")
        for identity in await identities.fetchall():
            table, column = identity["table_name"], identity["column_name"]
            await connection.execute(
                f'SELECT setval(pg_get_serial_sequence(%s, %s), MAX("{column}")) FROM "{table}" HAVING COUNT(*) > 0',
                (f'"{table}"', column),
            )
    return copied


async def _dependency_order(target: PostgresDatabase) -> list[str]:
    """The tables of the bot's schema, each after the tables its foreign keys refer to."""
    tables = [row["tablename"] for row in await target.fetchall(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename != 'schema_migrations'"
        " ORDER BY tablename")]
    references = await target.fetchall(
        "SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c"
        " JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()")
    graph: dict[str, set[str]] = {table: set() for table in tables}
    for reference in references:
        if reference["child"] != reference["parent"]:
            graph.setdefault(reference["child"], set()).add(reference["parent"])
    return list(graphlib.TopologicalSorter(graph).static_order())
