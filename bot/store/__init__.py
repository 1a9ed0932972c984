"""The only place with SQL: the bot's state, one module per table family, in SQLite (the default, through
aiosqlite) or PostgreSQL (DATABASE_URL, through psycopg 3).

`database` is the seam between the two (`sqlite` and `postgres` are what differs: opening, transactions,
placeholders, migrations); each other module owns a family of tables as a small class over that one seam, and
`Store` composes them:
`chats` (a chat's engine, language and last draft), `accounts` (the cloud engine's credentials and
session, which only that engine reads), `uploads`, `turns`, `renders`, `inbox` (the durable Telegram update
inbox), `messages` (a digest of what each message said, to tell a real edit), `access` (invites and
admissions), `usage` (the /usage counts), `timelines` (the local engine's drafts), `history` (each
timeline's steps for /undo and /redo, and where a chat's project begins), `topics` (a forum topic's
project key) and `flood_slots` (Telegram's flood limits, shared by every process sending for the bot).
Rows are frozen dataclasses; none that the core handles carries a credential.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from pathlib import Path

from bot.store.access import Admission, Admissions, Redemption
from bot.store.accounts import CloudAccount, CloudAccounts
from bot.store.chats import ChatRow, Chats
from bot.store.database import DIALECTS, MIGRATIONS_DIR, Database, Dialect, migration_files, migrations_dir
from bot.store.flood_slots import FloodSlots
from bot.store.history import Step, TimelineHistory
from bot.store.inbox import UpdateInbox
from bot.store.messages import MessageContents
from bot.store.renders import RenderRow, Renders
from bot.store.timelines import LocalTimelines
from bot.store.topics import Place, Topics
from bot.store.turns import TurnRow, Turns
from bot.store.uploads import UploadRow, Uploads
from bot.store.usage import ChatUsage, Usage

__all__ = [
    "DIALECTS",
    "MIGRATIONS_DIR",
    "Admission",
    "Admissions",
    "ChatRow",
    "ChatUsage",
    "Chats",
    "CloudAccount",
    "CloudAccounts",
    "Database",
    "Dialect",
    "FloodSlots",
    "LocalTimelines",
    "MessageContents",
    "Place",
    "Redemption",
    "RenderRow",
    "Renders",
    "Step",
    "Store",
    "TimelineHistory",
    "Topics",
    "TurnRow",
    "Turns",
    "UpdateInbox",
    "UploadRow",
    "Uploads",
    "Usage",
    "is_database_url",
    "migration_files",
    "migrations_dir",
]

_URL_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(target: Path | str) -> bool:
    """Whether `target` names a PostgreSQL server (a URL) rather than a SQLite file (a path)."""
    return isinstance(target, str) and target.startswith(_URL_SCHEMES)


class Store:
    """One database (SQLite or PostgreSQL) and the tables over it, each family behind its own attribute."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.chats = Chats(db)
        self.accounts = CloudAccounts(db)
        self.uploads = Uploads(db)
        self.turns = Turns(db)
        self.renders = Renders(db)
        self.inbox = UpdateInbox(db)
        self.messages = MessageContents(db)
        self.access = Admissions(db)
        self.usage = Usage(db)
        self.timelines = LocalTimelines(db)
        self.topics = Topics(db)
        self.history = TimelineHistory(db)
        self.flood_slots = FloodSlots(db)

    @classmethod
    async def open(cls, target: Path | str, *, migrate: bool = True) -> Store:
        """Open the database `target` names: a `postgresql://` URL, or else the path of a SQLite file (made if
        missing); the migrations not applied yet are applied unless told not to."""
        db: Database
        if is_database_url(target):
            from bot.store.postgres import PostgresDatabase  # psycopg is loaded only by those who use it

            db = await PostgresDatabase.connect(str(target))
        else:
            from bot.store.sqlite import SqliteDatabase

            db = await SqliteDatabase.connect(Path(target))
        store = cls(db)
        if migrate:
            try:
                await store.migrate()
            except BaseException:
                await db.close()
                raise
        return store

    @property
    def dialect(self) -> Dialect:
        return self._db.dialect

    async def close(self) -> None:
        await self._db.close()

    async def migrate(self, directory: Path | None = None) -> list[int]:
        """Apply the migrations not applied yet (this database's own, unless `directory` says where others
        are); returns the versions applied now."""
        return await self._db.migrate(directory or migrations_dir(self._db.dialect))

    async def schema_version(self) -> int:
        return await self._db.schema_version()

    async def ensure_schema(self, marker: str, script: str) -> bool:
        """Run `script` (another library's tables: the job queue's) unless its table `marker` exists, under
        the migrations' lock; True when it ran now."""
        return await self._db.ensure_schema(marker, script)

    def sole(self, role: str, *, retry_seconds: float) -> contextlib.AbstractAsyncContextManager[asyncio.Event]:
        """Hold `role` ("intake") as the only process doing it; see `Database.sole`."""
        return self._db.sole(zlib.crc32(role.encode()), retry_seconds=retry_seconds)
