"""A throwaway PostgreSQL server for the tests, started by the tests themselves.

The server is Debian's PostgreSQL package (`.ci/run` installs it where it is missing): a fresh cluster in a
temporary folder, listening only on a unix socket in that folder (no port that another run or another
program could hold), durability switched off (a test database is thrown away), stopped at the end. `initdb`
refuses to run as root, so under root every server command runs as the `postgres` user the package creates.

The store migrates one database once per run; each test that asks for it gets it as just migrated: every
row of the previous test deleted and every identity restarted (about 50 ms), with no connection of the
previous test left. A new database per test (CREATE DATABASE from a migrated template) was measured first:
it waits for two checkpoints, 0.5 to 1.5 s a test on this two-core machine under load.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

FOLDER_PREFIX = "reelbot-pg-"
DATABASE = "reelbot_test"


def server_binaries() -> Path:
    """The folder of initdb/pg_ctl: on PATH, else the newest of Debian's /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: `apt-get install -y postgresql` (.ci/run does it)")
    return found[-1].parent


def _server_user() -> str | None:
    """Who runs the server: the `postgres` user under root (initdb refuses root), else whoever runs the tests."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root needs the `postgres` user that Debian's postgresql package makes") from None
    return "postgres"


class PostgresServer:
    """One cluster in `folder` (data in folder/data, the socket in folder), run as `user`."""

    def __init__(self, folder: Path, binaries: Path, user: str | None) -> None:
        self.folder = folder
        self.binaries = binaries
        self.user = user

    @classmethod
    def start(cls) -> PostgresServer:
        _stop_abandoned()
        binaries, user = server_binaries(), _server_user()
        folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        (folder / "owner.pid").write_text(str(os.getpid()))
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        server = cls(folder, binaries, user)
        server._run("initdb", "--pgdata", str(folder / "data"), "--username", "postgres", "--auth", "trust",
                    "--encoding", "UTF8", "--locale", "C.UTF-8", "--no-sync", "--no-instructions")
        options = " ".join((
            "-c listen_addresses=''",  # the unix socket only
            f"-c unix_socket_directories='{folder}'",
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",  # thrown away after the run
            "-c max_connections=200",
        ))
        server._run("pg_ctl", "start", "--pgdata", str(folder / "data"), "--wait", "--timeout", "60",
                    "--log", str(folder / "server.log"), "--options", options)
        return server

    def url(self, database: str) -> str:
        """A libpq URL for `database` through the socket in the server's folder."""
        return f"postgresql://postgres@/{database}?host={quote(str(self.folder), safe='/')}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "stop", "--pgdata", str(self.folder / "data"), "--mode", "immediate", "--wait")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([str(self.binaries / program), *args], cwd=self.folder, user=self.user,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.folder / "server.log"
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise subprocess.CalledProcessError(done.returncode, program, done.stdout,
                                                done.stderr + server_log)


def _stop_abandoned() -> None:
    """Stop the servers of earlier runs that were killed before their clean-up (their owner is gone), so
    they do not pile up on a machine that runs the suite all day."""
    for folder in Path(tempfile.gettempdir()).glob(FOLDER_PREFIX + "*"):
        try:
            owner = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        with contextlib.suppress(Exception):
            PostgresServer(folder, server_binaries(), _server_user()).stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def create_database(server: PostgresServer) -> str:
    """The tests' database, migrated by the store itself (the code under test); returns its URL."""
    import asyncio

    import psycopg

    from bot.store import Store

    with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {DATABASE}")

    async def migrate() -> None:
        store = await Store.open(server.url(DATABASE))
        await store.close()

    asyncio.run(migrate())
    return server.url(DATABASE)


def empty_database(url: str) -> None:
    """Bring the tests' database back to just migrated: no connection of an earlier test left, no row in
    any table but `schema_migrations`, every identity starting at 1 again."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SET lock_timeout = '10s'")  # a lock left behind fails the test, never hangs it
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname = current_database() AND pid <> pg_backend_pid()")
        tables = [row[0] for row in admin.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")]
        identities = admin.execute("SELECT table_name, column_name FROM information_schema.columns"
                                   " WHERE table_schema = 'public' AND is_identity = 'YES'").fetchall()
        with admin.transaction():
            admin.execute("SET LOCAL session_replication_role = replica")  # foreign keys unchecked: any order
            for table in tables:
                admin.execute(f'DELETE FROM "{table}"')
            for table, column in identities:
                admin.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" RESTART')


class TestDatabase:
    """The tests' database, migrated once by the store itself (the code under test), emptied for each test."""

    def __init__(self, server: PostgresServer) -> None:
        import asyncio

        import psycopg

        from bot.queue import JobQueue
        from bot.store import Store

        with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {DATABASE} STRATEGY FILE_COPY")  # WAL_LOG copies through the WAL

        async def migrate() -> None:  # as `python3 -m bot migrate` does: the store's tables and the job queue's
            store = await Store.open(server.url(DATABASE))
            try:
                await JobQueue(server.url(DATABASE), store).prepare()
            finally:
                await store.close()

        asyncio.run(migrate())
        self.url = server.url(DATABASE)
        self._admin = psycopg.connect(self.url, autocommit=True)
        self._admin.execute("SET lock_timeout = '10s'")  # a lock left behind fails the test, never hangs it
        tables = [row[0] for row in self._admin.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")]
        identities = self._admin.execute(
            "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name) FROM information_schema.columns"
            " WHERE table_schema = 'public' AND is_identity = 'YES'").fetchall()
        # Foreign keys are not checked (session_replication_role), so the tables empty in any order.
        self._emptying = "; ".join([
            "SET LOCAL session_replication_role = replica",
            *(f'DELETE FROM "{table}"' for table in tables),
            *(f"SELECT setval('{sequence}', 1, false)" for (sequence,) in identities),
        ])

    def empty(self) -> str:
        """As just migrated: no connection of an earlier test left, no row in any table but
        `schema_migrations`, every identity starting at 1 again; returns the URL."""
        self._admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()")
        with self._admin.transaction():
            self._admin.execute(self._emptying.encode())
        return self.url

    def close(self) -> None:
        self._admin.close()
