"""The only place with SQL: the bot's state in SQLite through aiosqlite, one module per table family.

`database` opens the file (WAL, owner-only) and applies the numbered migrations; each other module owns a
family of tables as a small class over the one shared connection, and `Store` composes them:
`chats` (a chat's engine, language and last draft), `accounts` (the cloud engine's credentials and
session, which only that engine reads), `uploads`, `turns`, `renders`, `inbox` (the durable Telegram update
inbox), `messages` (a digest of what each message said, to tell a real edit), `access` (invites and
admissions), `usage` (the /usage counts), `timelines` (the local engine's drafts), `history` (each
timeline's steps for /undo and /redo, and where a chat's project begins) and `topics` (a forum topic's
project key). Rows are frozen dataclasses; none that the core handles carries a credential.
"""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from bot.store import database
from bot.store.access import Admission, Admissions, Redemption
from bot.store.accounts import CloudAccount, CloudAccounts
from bot.store.chats import ChatRow, Chats
from bot.store.database import MIGRATIONS_DIR, migration_files
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
    "MIGRATIONS_DIR",
    "Admission",
    "Admissions",
    "ChatRow",
    "ChatUsage",
    "Chats",
    "CloudAccount",
    "CloudAccounts",
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
    "migration_files",
]


class Store:
    """One SQLite connection and the tables over it, each family behind its own attribute."""

    def __init__(self, db: aiosqlite.Connection) -> None:
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

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Store:
        """Open (or create) the database at `path`, applying the migrations not applied yet unless told not to."""
        store = cls(await database.connect(Path(path)))
        if migrate:
            await store.migrate()
        return store

    async def close(self) -> None:
        await self._db.close()

    async def migrate(self, directory: Path = MIGRATIONS_DIR) -> list[int]:
        """Apply the migrations not applied yet; returns the versions applied now."""
        return await database.migrate(self._db, directory)

    async def schema_version(self) -> int:
        return await database.schema_version(self._db)
