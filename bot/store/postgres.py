"""PostgreSQL (DATABASE_URL): a pool of psycopg 3 connections, its transactions and its migrations.

Several processes (and, within one, several tasks on several pooled connections) write at once here, where
SQLite lets one writer in at a time. What keeps the store's promises:
- one statement is atomic and re-checks its WHERE on the newest row when it had to wait for another writer
  (READ COMMITTED), so the single-statement guards (`first_real_edit`, `redeem`, ON CONFLICT DO NOTHING)
  hold as they are;
- a transaction that reads before it writes locks what it read (`lock_rows`, FOR UPDATE), so a concurrent
  writer waits for it rather than acting on what it is about to change;
- migrations are applied under an advisory lock, so processes started together apply each one once.

The table modules write `?` placeholders (SQLite's); they become psycopg's `%s` here. Times come back as the
same `stamp` text SQLite hands back.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.datetime import TimestamptzBinaryLoader, TimestamptzLoader
from psycopg_pool import AsyncConnectionPool

from bot.store.database import Dialect, Params, Row, migration_files, stamp

# pg_advisory_lock key held while migrating (any constant no other code of this database uses).
_MIGRATION_LOCK = 0x7265656C  # "reel"
POOL_SIZE = 10
# The server's clock as the statement runs (not as its transaction began, as now() would be).
_CLOCK = "CAST(extract(epoch FROM clock_timestamp()) AS double precision)"


@functools.lru_cache(maxsize=512)
def placeholders(sql: str) -> str:
    """`?` -> `%s` outside quoted literals, and a literal `%` doubled, for psycopg's parameter syntax."""
    out: list[str] = []
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == "%":
            out.append("%%")
        elif char == "?" and not quoted:
            out.append("%s")
        else:
            out.append(char)
    return "".join(out)


class _StampLoader(TimestamptzLoader):
    """timestamptz read as the store's text form, as SQLite hands it back."""

    def load(self, data: Any) -> str:  # type: ignore[override]
        return stamp(super().load(data))


class _StampBinaryLoader(TimestamptzBinaryLoader):
    def load(self, data: Any) -> str:  # type: ignore[override]
        return stamp(super().load(data))


async def _configure(connection: psycopg.AsyncConnection[Any]) -> None:
    connection.adapters.register_loader("timestamptz", _StampLoader)
    connection.adapters.register_loader("timestamptz", _StampBinaryLoader)


class _Connection:
    """Statements on one pooled connection (a transaction's)."""

    lock_rows = " FOR UPDATE"
    clock = _CLOCK

    def __init__(self, connection: psycopg.AsyncConnection[Row]) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._connection.execute(placeholders(sql), params)
        return cursor.rowcount

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        cursor = await self._connection.execute(placeholders(sql), params)
        return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = await self._connection.execute(placeholders(sql), params)
        return await cursor.fetchall()


class PostgresDatabase:
    dialect: Dialect = "postgres"
    lock_rows = " FOR UPDATE"
    clock = _CLOCK

    def __init__(self, pool: AsyncConnectionPool[psycopg.AsyncConnection[Row]]) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, url: str, *, size: int = POOL_SIZE) -> PostgresDatabase:
        """A pool of autocommit connections to `url`; a server that cannot be reached is one clear error
        now, not a pool retrying in the background."""
        # Imported here: bot.config imports nothing of the store, and the store needs the sentence type.
        from bot.config import CannotStart

        try:
            probe = await psycopg.AsyncConnection.connect(url)
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CannotStart(f"DATABASE_URL: PostgreSQL cannot be reached ({reason}).") from None
        await probe.close()
        pool: AsyncConnectionPool[psycopg.AsyncConnection[Row]] = AsyncConnectionPool(
            url, min_size=1, max_size=size, open=False, configure=_configure, name="reelbot",
            kwargs={"autocommit": True, "row_factory": dict_row},
        )
        await pool.open(wait=True)
        return cls(pool)

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._pool.connection() as connection:
            return await _Connection(connection).execute(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._pool.connection() as connection:
            return await _Connection(connection).fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._pool.connection() as connection:
            return await _Connection(connection).fetchall(sql, params)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Connection]:
        async with self._pool.connection() as connection, connection.transaction():
            yield _Connection(connection)

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Row]]:
        """A pooled connection of its own (copy-db streams rows through COPY on it)."""
        async with self._pool.connection() as connection:
            yield connection

    async def migrate(self, directory: Path) -> list[int]:
        """Apply the migrations not applied yet, each in one transaction with its `schema_migrations` row.
        PostgreSQL's DDL is transactional, so a migration that fails leaves nothing of itself behind."""
        async with self._pool.connection() as connection:
            await connection.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                await connection.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
                    " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
                )
                applied_now = []
                for version, path in migration_files(directory):
                    async with connection.transaction():
                        done = await connection.execute("SELECT 1 FROM schema_migrations WHERE version = %s",
                                                        (version,))
                        if await done.fetchone():
                            continue
                        # Sent whole: PostgreSQL runs a parameterless script of several statements as one.
                        await connection.execute(path.read_text(encoding="utf-8").encode())
                        await connection.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                                                 (version, path.name))
                    applied_now.append(version)
                return applied_now
            finally:
                await connection.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))

    async def ensure_schema(self, marker: str, script: str) -> bool:
        async with self._pool.connection() as connection:
            await connection.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                cursor = await connection.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (marker,))
                row = await cursor.fetchone()
                if row and row["found"]:
                    return False
                async with connection.transaction():
                    await connection.execute(script.encode())  # a parameterless script: several statements
                return True
            finally:
                await connection.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))

    @contextlib.asynccontextmanager
    async def sole(self, key: int, *, retry_seconds: float) -> AsyncIterator[asyncio.Event]:
        """A session advisory lock on a connection of its own: PostgreSQL lets go of it the moment that
        connection closes, also when the process holding it is killed, and a standby's next try gets it.

        A question on that connection is never cut off half-way (a standby stopped while it asks, the hold
        given up while it checks): psycopg's connection, cancelled mid-query, could not always be closed
        afterwards, and the lock stayed held. So each question runs to its end, and closing waits for it."""
        connection = await psycopg.AsyncConnection.connect(self._pool.conninfo, autocommit=True)
        asking: set[asyncio.Task[Any]] = set()

        async def ask(sql: str, params: Params = ()) -> Any:
            task = asyncio.ensure_future(_scalar(connection, sql, params))
            asking.add(task)
            task.add_done_callback(asking.discard)
            return await asyncio.shield(task)

        try:
            while True:  # polled: a waiting pg_advisory_lock() would not let the standby be stopped cleanly
                if await ask("SELECT pg_try_advisory_lock(%s)", (key,)):
                    break
                await asyncio.sleep(retry_seconds)
            lost, done = asyncio.Event(), asyncio.Event()
            watch = asyncio.create_task(_watch(ask, lost, done, retry_seconds))
            try:
                yield lost
            finally:
                done.set()
                await watch
        finally:
            if asking:
                await asyncio.wait(asking, timeout=10)
            with contextlib.suppress(psycopg.Error, TimeoutError):
                await asyncio.wait_for(connection.close(), 10)

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")
        return int(row["version"]) if row else 0

    async def close(self) -> None:
        await self._pool.close()


async def _scalar(connection: psycopg.AsyncConnection[Any], sql: str, params: Params = ()) -> Any:
    cursor = await connection.execute(sql, params)
    row = await cursor.fetchone()
    return row[0] if row else None


async def _watch(
    ask: Callable[[str], Awaitable[Any]], lost: asyncio.Event, done: asyncio.Event, every: float
) -> None:
    """Ask the held connection a trivial question now and then: an answer that does not come means the
    lock may be someone else's now."""
    while not done.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), every)
            return
        try:
            await asyncio.wait_for(asyncio.shield(ask("SELECT 1")), max(every, 5.0))
        except (psycopg.Error, TimeoutError):
            lost.set()
            return
