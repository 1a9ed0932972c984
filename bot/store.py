"""SQLite through aiosqlite: one connection, numbered migrations, and small typed queries.

All SQL of the project lives here. Migrations are the files `migrations/NNNN_name.sql`, applied in order at
start-up, each inside one transaction together with its row in `schema_migrations`, so a crash mid-way
leaves the file at the previous version and a second start applies nothing twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


@dataclass(frozen=True, slots=True)
class ChatRow:
    chat_id: int
    client_id: str | None
    token: str | None
    token_expires_at: str | None
    nemo_user_id: str | None
    session_id: str | None
    task_id: str | None
    language: str
    engine: str | None
    draft: dict[str, Any] | None

    def __repr__(self) -> str:  # the token must not leak through a log of this row
        return f"ChatRow(chat_id={self.chat_id}, session_id={self.session_id!r}, engine={self.engine!r})"


@dataclass(frozen=True, slots=True)
class UploadRow:
    id: int
    chat_id: int
    file_unique_id: str | None
    kind: str
    filename: str
    size: int
    local_path: str | None
    engine: str | None
    engine_ref: str | None
    status: str
    error: str | None


@dataclass(frozen=True, slots=True)
class RenderRow:
    id: str
    chat_id: int
    engine: str
    status: str
    progress: int
    url: str | None
    attempt: int
    reply_to_message_id: int | None
    progress_message_id: int | None
    delivered: bool
    error: str | None


_CHAT_COLUMNS = frozenset(
    {"client_id", "token", "token_expires_at", "nemo_user_id", "session_id", "task_id", "language", "engine",
     "draft"}
)
_RENDER_COLUMNS = frozenset(
    {"status", "progress", "url", "attempt", "progress_message_id", "delivered", "error"}
)
_UPLOAD_COLUMNS = frozenset({"engine", "engine_ref", "status", "error", "local_path"})


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    if not found:  # a bot without its tables would fail later with a stranger message
        raise RuntimeError(f"no migrations found in {directory}: run the bot from the project folder")
    versions = [v for v, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number in {directory}")
    return found


def _sql_statements(script: str) -> Iterable[str]:
    """Split a migration into statements (migrations hold no triggers, so ';' ends a statement)."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    for statement in without_comments.split(";"):
        if statement.strip():
            yield statement


class Store:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Store:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        store = cls(db)
        if migrate:
            await store.migrate()
        return store

    async def close(self) -> None:
        await self._db.close()

    # ------------------------------------------------------------ migrations

    async def migrate(self, directory: Path = MIGRATIONS_DIR) -> list[int]:
        """Apply the migrations not applied yet; returns the versions applied now."""
        await self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
        )
        applied_now = []
        for version, path in migration_files(directory):
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                async with self._db.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
                ) as cursor:
                    if await cursor.fetchone():
                        await self._db.execute("ROLLBACK")
                        continue
                for statement in _sql_statements(path.read_text(encoding="utf-8")):
                    await self._db.execute(statement)
                await self._db.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, path.name)
                )
                await self._db.execute("COMMIT")
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            applied_now.append(version)
        return applied_now

    async def schema_version(self) -> int:
        async with self._db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    # ------------------------------------------------------------ chats

    async def chat(self, chat_id: int) -> ChatRow:
        """The chat's row, created on first use."""
        await self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        async with self._db.execute("SELECT * FROM chats WHERE chat_id = ?", (chat_id,)) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return ChatRow(
            chat_id=row["chat_id"],
            client_id=row["client_id"],
            token=row["token"],
            token_expires_at=row["token_expires_at"],
            nemo_user_id=row["nemo_user_id"],
            session_id=row["session_id"],
            task_id=row["task_id"],
            language=row["language"],
            engine=row["engine"],
            draft=json.loads(row["draft"]) if row["draft"] else None,
        )

    async def update_chat(self, chat_id: int, **fields: Any) -> None:
        unknown = set(fields) - _CHAT_COLUMNS
        if unknown:
            raise ValueError(f"not chat columns: {sorted(unknown)}")
        if not fields:
            return
        if "draft" in fields and fields["draft"] is not None:
            fields["draft"] = json.dumps(fields["draft"], ensure_ascii=False)
        await self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self._db.execute(
            f"UPDATE chats SET {assignments}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
            " WHERE chat_id = ?",
            (*fields.values(), chat_id),
        )

    # ------------------------------------------------------------ uploads

    async def add_upload(
        self,
        chat_id: int,
        *,
        kind: str,
        filename: str,
        size: int,
        local_path: str | None,
        file_unique_id: str | None = None,
        sender_id: int | None = None,
    ) -> int:
        await self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        cursor = await self._db.execute(
            "INSERT INTO uploads (chat_id, file_unique_id, kind, filename, size, local_path, sender_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (chat_id, file_unique_id, kind, filename, size, local_path, sender_id),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def update_upload(self, upload_id: int, **fields: Any) -> None:
        unknown = set(fields) - _UPLOAD_COLUMNS
        if unknown:
            raise ValueError(f"not upload columns: {sorted(unknown)}")
        if fields:
            assignments = ", ".join(f"{name} = ?" for name in fields)
            await self._db.execute(
                f"UPDATE uploads SET {assignments} WHERE id = ?", (*fields.values(), upload_id)
            )

    async def uploads(self, chat_id: int, *, kind: str | None = None) -> list[UploadRow]:
        query = "SELECT * FROM uploads WHERE chat_id = ?"
        params: tuple[Any, ...] = (chat_id,)
        if kind is not None:
            query += " AND kind = ?"
            params += (kind,)
        async with self._db.execute(query + " ORDER BY id", params) as cursor:
            rows = await cursor.fetchall()
        return [
            UploadRow(
                id=r["id"], chat_id=r["chat_id"], file_unique_id=r["file_unique_id"], kind=r["kind"],
                filename=r["filename"], size=r["size"], local_path=r["local_path"], engine=r["engine"],
                engine_ref=r["engine_ref"], status=r["status"], error=r["error"],
            )
            for r in rows
        ]

    # ------------------------------------------------------------ renders

    async def add_render(
        self,
        render_id: str,
        chat_id: int,
        *,
        engine: str,
        status: str = "pending",
        attempt: int = 1,
        reply_to_message_id: int | None = None,
        progress_message_id: int | None = None,
    ) -> None:
        await self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        await self._db.execute(
            "INSERT INTO renders (id, chat_id, engine, status, attempt, reply_to_message_id, progress_message_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (render_id, chat_id, engine, status, attempt, reply_to_message_id, progress_message_id),
        )

    async def update_render(self, render_id: str, **fields: Any) -> None:
        unknown = set(fields) - _RENDER_COLUMNS
        if unknown:
            raise ValueError(f"not render columns: {sorted(unknown)}")
        if "delivered" in fields:
            fields["delivered"] = int(bool(fields["delivered"]))
        if fields:
            assignments = ", ".join(f"{name} = ?" for name in fields)
            await self._db.execute(
                f"UPDATE renders SET {assignments}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
                " WHERE id = ?",
                (*fields.values(), render_id),
            )

    async def render(self, render_id: str) -> RenderRow | None:
        async with self._db.execute("SELECT * FROM renders WHERE id = ?", (render_id,)) as cursor:
            row = await cursor.fetchone()
        return _render_row(row) if row else None

    async def open_renders(self) -> list[RenderRow]:
        """Renders accepted but not yet delivered or given up: what a restart must resume."""
        async with self._db.execute(
            "SELECT * FROM renders WHERE delivered = 0 AND status NOT IN ('failed', 'cancelled')"
            " ORDER BY created_at"
        ) as cursor:
            rows = await cursor.fetchall()
        return [_render_row(r) for r in rows]

    async def renders_for_chat(self, chat_id: int) -> list[RenderRow]:
        async with self._db.execute(
            "SELECT * FROM renders WHERE chat_id = ? ORDER BY created_at", (chat_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [_render_row(r) for r in rows]

    # ------------------------------------------------------------ turns

    async def start_turn(self, chat_id: int, *, engine: str, text: str, sender_id: int | None = None) -> int:
        await self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        cursor = await self._db.execute(
            "INSERT INTO turns (chat_id, engine, text, sender_id) VALUES (?, ?, ?, ?)",
            (chat_id, engine, text, sender_id),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def finish_turn(self, turn_id: int, *, outcome: str, replies: list[str], tools: list[str]) -> None:
        await self._db.execute(
            "UPDATE turns SET outcome = ?, replies = ?, tools = ?,"
            " finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
            (outcome, "\n".join(replies), ",".join(tools), turn_id),
        )

    async def turns(self, chat_id: int) -> list[dict[str, Any]]:
        async with self._db.execute(
            "SELECT id, text, outcome, replies, tools, sender_id FROM turns WHERE chat_id = ? ORDER BY id",
            (chat_id,),
        ) as cursor:
            return [dict(r) for r in await cursor.fetchall()]

    # ------------------------------------------------------------ updates

    async def claim_update(self, update_id: int, chat_id: int | None) -> bool:
        """Record an update as started; False when it was seen before (a re-delivery after a crash)."""
        cursor = await self._db.execute(
            "INSERT OR IGNORE INTO handled_updates (update_id, chat_id) VALUES (?, ?)", (update_id, chat_id)
        )
        return cursor.rowcount == 1

    async def finish_update(self, update_id: int) -> None:
        await self._db.execute("UPDATE handled_updates SET status = 'done' WHERE update_id = ?", (update_id,))

    # ------------------------------------------------------------ local engine timelines

    async def local_draft(self, chat_id: int) -> dict[str, Any] | None:
        async with self._db.execute(
            "SELECT draft FROM local_timelines WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return json.loads(row["draft"]) if row else None

    async def put_local_draft(self, chat_id: int, draft: dict[str, Any]) -> None:
        await self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        await self._db.execute(
            "INSERT INTO local_timelines (chat_id, draft) VALUES (?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET draft = excluded.draft,"
            " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            (chat_id, json.dumps(draft, ensure_ascii=False)),
        )


def _render_row(row: aiosqlite.Row) -> RenderRow:
    return RenderRow(
        id=row["id"], chat_id=row["chat_id"], engine=row["engine"], status=row["status"],
        progress=row["progress"], url=row["url"], attempt=row["attempt"],
        reply_to_message_id=row["reply_to_message_id"], progress_message_id=row["progress_message_id"],
        delivered=bool(row["delivered"]), error=row["error"],
    )
