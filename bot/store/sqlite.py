"""The SQLite file (the default): opening it, keeping it private, its transactions and its migrations.

One connection serves the whole process, so the statements of every task meet on it. Two transactions begun
on it at once would nest, which SQLite refuses, so transactions take turns (`_turn`). A plain statement of
another task is not held back: it runs inside a transaction open at that moment (and is undone with it should
that transaction fail). Holding such statements back until the COMMIT was tried: it is the stricter isolation,
but it changes when the core's concurrent tasks see a group's move (a render followed under the old id then
re-creates the old chat's row), and SQLite stays exactly as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.database import Dialect, Params, Row, migration_files, sql_statements, stamp

# What SQLite writes for "now" in the columns' defaults; `stamp` writes the same form.
_SQLITE_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
# Its clock in seconds since the epoch (milliseconds: all SQLite's 'now' has): julianday counts from 4713 BC.
_SQLITE_CLOCK = "((julianday('now') - 2440587.5) * 86400.0)"


def _dict_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, values, strict=True)}


def _bind(params: Params) -> tuple[Any, ...]:
    """SQLite keeps times as text: a datetime parameter is written in the one form every row has."""
    return tuple(stamp(value) if isinstance(value, datetime) else value for value in params)


class _Connection:
    """Statements run straight on the connection (the caller holds the turn)."""

    lock_rows = ""
    clock = _SQLITE_CLOCK

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._connection.execute(sql, _bind(params)) as cursor:
            return cursor.rowcount

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._connection.execute(sql, _bind(params)) as cursor:
            row: Row | None = await cursor.fetchone()  # type: ignore[assignment]
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._connection.execute(sql, _bind(params)) as cursor:
            return list(await cursor.fetchall())  # type: ignore[arg-type]


class _Snapshot(_Connection):
    async def rows(self, sql: str, size: int = 1000) -> AsyncIterator[list[tuple[Any, ...]]]:
        """The rows of a query in batches of plain tuples, never all of a table in memory at once."""
        self._connection.row_factory = None
        try:
            async with self._connection.execute(sql) as cursor:
                while batch := list(await cursor.fetchmany(size)):
                    yield batch
        finally:
            self._connection.row_factory = _dict_row  # type: ignore[assignment]


class SqliteDatabase:
    dialect: Dialect = "sqlite"
    lock_rows = ""
    clock = _SQLITE_CLOCK

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._direct = _Connection(connection)
        self._connection = connection
        self._turn = asyncio.Lock()

    @classmethod
    async def connect(cls, path: Path) -> SqliteDatabase:
        """Open the database file (made owner-only first) in WAL mode, autocommit, with foreign keys on."""
        memory = str(path) == ":memory:"
        if not memory:
            _create_private(path)
        connecting = aiosqlite.connect(path, isolation_level=None)
        # A store left open (a crash, a failed test) must not keep the process from exiting: aiosqlite's
        # worker thread is not a daemon, and Python waits for such threads at exit.
        worker = getattr(connecting, "_thread", None)
        if worker is not None:
            worker.daemon = True
        connection = await connecting
        connection.row_factory = _dict_row  # type: ignore[assignment]
        await connection.execute("PRAGMA journal_mode=WAL")
        if not memory:
            _keep_private(path)  # the -wal and -shm files WAL mode has just made hold the same data
        # WAL with NORMAL sync survives a killed process (only a power cut can lose the last commits) and
        # spares an fsync per incoming update.
        await connection.execute("PRAGMA synchronous=NORMAL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute("PRAGMA busy_timeout=5000")
        return cls(connection)

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._direct.execute(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._direct.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._direct.fetchall(sql, params)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Connection]:
        # BEGIN IMMEDIATE takes the write lock at once: another process's writer waits (busy_timeout) instead
        # of both reading and then one failing to upgrade.
        async with self._turn:
            connection = self._direct
            await connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                await connection.execute("ROLLBACK")
                raise
            await connection.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[_Snapshot]:
        """Reads that all see the file as it was at the first of them (a deferred transaction: in WAL mode
        a bot still writing meanwhile is not blocked), for copy-db."""
        async with self._turn:
            connection = self._direct
            await connection.execute("BEGIN")
            try:
                yield _Snapshot(self._connection)
            finally:
                await connection.execute("COMMIT")

    async def migrate(self, directory: Path) -> list[int]:
        async with self._turn:
            connection = self._direct
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                f" version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT ({_SQLITE_NOW}))"
            )
            applied_now = []
            for version, path in migration_files(directory):
                await connection.execute("BEGIN IMMEDIATE")
                try:
                    if await connection.fetchone("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                        await connection.execute("ROLLBACK")
                        continue
                    for statement in sql_statements(path.read_text(encoding="utf-8")):
                        await connection.execute(statement)
                    await connection.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                                             (version, path.name))
                    await connection.execute("COMMIT")
                except BaseException:
                    await connection.execute("ROLLBACK")
                    raise
                applied_now.append(version)
            return applied_now

    async def ensure_schema(self, marker: str, script: str) -> bool:
        async with self.transaction() as statements:  # BEGIN IMMEDIATE: another process asking waits here
            found = await statements.fetchone("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                              (marker,))
            if found:
                return False
            for statement in sql_statements(script):
                await statements.execute(statement)
        return True

    @contextlib.asynccontextmanager
    async def sole(self, key: int, *, retry_seconds: float) -> AsyncIterator[asyncio.Event]:
        """A SQLite file is one process's: held at once, never lost."""
        yield asyncio.Event()

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")
        return int(row["version"]) if row else 0

    async def close(self) -> None:
        await self._connection.close()


def _create_private(path: Path) -> None:
    """Create the file owner-only before SQLite opens it, so it is never readable by others, even briefly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    _keep_private(path)


def _keep_private(path: Path) -> None:
    """The database holds cloud tokens and what people sent: owner-only (0600), tightened where an older
    file, or its -wal / -shm companions, were left readable by others."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o777 != 0o600:
                os.chmod(file, 0o600)
        except FileNotFoundError:
            continue
