"""SQLite through aiosqlite: one connection, numbered migrations, and small typed queries.

All SQL of the project lives here. Migrations are the files `migrations/NNNN_name.sql`, applied in order at
start-up, each inside one transaction together with its row in `schema_migrations`, so a crash mid-way
leaves the file at the previous version and a second start applies nothing twice.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import aiosqlite

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
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
    sender_id: int | None = None  # the Telegram user who sent it (in a group, one of many)


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
    requested_by: int | None = None


@dataclass(frozen=True, slots=True)
class TurnRow:
    id: int
    outcome: str
    draft_before: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ChatUsage:
    """One line of an admin's /usage: what a chat did, counted from what the store keeps."""

    chat_id: int
    title: str | None
    chat_type: str | None
    engine: str | None  # the chat's own engine choice; None means VIDEO_ENGINE
    signed_in: bool  # has a cloud token of its own: its balance can be read without making an account
    photos: int
    instructions: int
    renders_delivered: int
    renders_failed: int
    senders: int


@dataclass(frozen=True, slots=True)
class Admission:
    """Who got in with an invite code, which code (its hash), who made the code, and when."""

    kind: Literal["user", "chat"]
    subject_id: int
    admitted_by: int | None
    admitted_at: str
    code_hash: str
    invited_by: int
    invited_at: str


Redemption = Literal["admitted", "again", "refused"]


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
            _keep_private(path)
        connecting = aiosqlite.connect(path, isolation_level=None)
        # A store left open (a crash, a failed test) must not keep the process from exiting: aiosqlite's
        # worker thread is not a daemon, and Python waits for such threads at exit.
        worker = getattr(connecting, "_thread", None)
        if worker is not None:
            worker.daemon = True
        db = await connecting
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode=WAL")
        if str(path) != ":memory:":
            _keep_private(path)  # the -wal and -shm files WAL mode has just made hold the same data
        # WAL with NORMAL sync survives a killed process (only a power cut can lose the last commits) and
        # spares an fsync per incoming update.
        await db.execute("PRAGMA synchronous=NORMAL")
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
        message_id: int | None = None,
    ) -> int:
        await self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        cursor = await self._db.execute(
            "INSERT INTO uploads (chat_id, file_unique_id, kind, filename, size, local_path, sender_id, message_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (chat_id, file_unique_id, kind, filename, size, local_path, sender_id, message_id),
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
            return [_upload_row(r) for r in await cursor.fetchall()]

    async def upload_from_message(self, chat_id: int, message_id: int, file_unique_id: str | None) -> UploadRow | None:
        """The upload a message's file already made (its update may be handled again after a crash)."""
        async with self._db.execute(
            "SELECT * FROM uploads WHERE chat_id = ? AND message_id = ? AND file_unique_id IS ? ORDER BY id",
            (chat_id, message_id, file_unique_id),
        ) as cursor:
            row = await cursor.fetchone()
        return _upload_row(row) if row else None

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
        requested_by: int | None = None,
    ) -> None:
        await self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        await self._db.execute(
            "INSERT INTO renders (id, chat_id, engine, status, attempt, reply_to_message_id, progress_message_id,"
            " requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (render_id, chat_id, engine, status, attempt, reply_to_message_id, progress_message_id, requested_by),
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

    async def renders_for_message(self, chat_id: int, message_id: int) -> list[RenderRow]:
        """The renders a message asked for (its update may be handled again after a crash)."""
        async with self._db.execute(
            "SELECT * FROM renders WHERE chat_id = ? AND reply_to_message_id = ? ORDER BY created_at",
            (chat_id, message_id),
        ) as cursor:
            return [_render_row(r) for r in await cursor.fetchall()]

    async def renders_for_chat(self, chat_id: int) -> list[RenderRow]:
        async with self._db.execute(
            "SELECT * FROM renders WHERE chat_id = ? ORDER BY created_at", (chat_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [_render_row(r) for r in rows]

    # ------------------------------------------------------------ turns

    async def start_turn(
        self, chat_id: int, *, engine: str, text: str, sender_id: int | None = None,
        message_id: int | None = None, draft_before: dict[str, Any] | None = None,
    ) -> int:
        await self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        cursor = await self._db.execute(
            "INSERT INTO turns (chat_id, engine, text, sender_id, message_id, draft_before)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (chat_id, engine, text, sender_id, message_id,
             json.dumps(draft_before, ensure_ascii=False) if draft_before is not None else None),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def finish_turn(self, turn_id: int, *, outcome: str, replies: list[str], tools: list[str]) -> None:
        await self._db.execute(
            "UPDATE turns SET outcome = ?, replies = ?, tools = ?,"
            " finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
            (outcome, "\n".join(replies), ",".join(tools), turn_id),
        )

    async def turn_for_message(self, chat_id: int, message_id: int) -> TurnRow | None:
        """The turn a message started, if it started one (its update may be handled again after a crash)."""
        async with self._db.execute(
            "SELECT id, outcome, draft_before FROM turns WHERE chat_id = ? AND message_id = ? ORDER BY id DESC",
            (chat_id, message_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        before = json.loads(row["draft_before"]) if row["draft_before"] else None
        return TurnRow(id=row["id"], outcome=row["outcome"], draft_before=before)

    async def turns(self, chat_id: int) -> list[dict[str, Any]]:
        async with self._db.execute(
            "SELECT id, text, outcome, replies, tools, sender_id FROM turns WHERE chat_id = ? ORDER BY id",
            (chat_id,),
        ) as cursor:
            return [dict(r) for r in await cursor.fetchall()]

    # ------------------------------------------------------------ updates

    async def receive_updates(self, updates: list[tuple[int, int | None, str]]) -> set[int]:
        """Keep a batch of arriving updates (id, chat id, payload) in one transaction, before Telegram is told
        they were received; returns the ids that are new (Telegram delivers an unconfirmed update again
        after a crash, and one kept before is queued from here or was handled)."""
        if not updates:
            return set()
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            ids = [update_id for update_id, _, _ in updates]
            async with self._db.execute(
                f"SELECT update_id FROM handled_updates WHERE update_id IN ({', '.join('?' * len(ids))})", ids
            ) as cursor:
                known = {int(row[0]) for row in await cursor.fetchall()}
            fresh = [update for update in updates if update[0] not in known]
            await self._db.executemany(
                "INSERT OR IGNORE INTO handled_updates (update_id, chat_id, status, payload)"
                " VALUES (?, ?, 'received', ?)",
                fresh,
            )
            await self._db.execute("COMMIT")
        except BaseException:
            await self._db.execute("ROLLBACK")
            raise
        return {update[0] for update in fresh}

    async def start_update(self, update_id: int, chat_id: int | None) -> str | None:
        """Mark an update as being handled; returns how far it had got before: None (never seen), 'received',
        'started' (a crash interrupted its handling: it is handled again, idempotently) or 'done'."""
        async with self._db.execute(
            "SELECT status FROM handled_updates WHERE update_id = ?", (update_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            await self._db.execute(
                "INSERT OR IGNORE INTO handled_updates (update_id, chat_id, status) VALUES (?, ?, 'started')",
                (update_id, chat_id),
            )
            return None
        if row["status"] == "received":
            await self._db.execute("UPDATE handled_updates SET status = 'started' WHERE update_id = ?", (update_id,))
        return str(row["status"])

    async def finish_update(self, update_id: int) -> None:
        """Handled: only the id is kept (to recognise a re-delivery), not what the user sent."""
        await self._db.execute(
            "UPDATE handled_updates SET status = 'done', payload = NULL WHERE update_id = ?", (update_id,)
        )

    async def unfinished_updates(self) -> list[tuple[int, str]]:
        """Updates kept but not handled to the end, oldest first: what a restart handles before anything new."""
        async with self._db.execute(
            "SELECT update_id, payload FROM handled_updates"
            " WHERE status != 'done' AND payload IS NOT NULL ORDER BY update_id"
        ) as cursor:
            return [(int(r["update_id"]), str(r["payload"])) for r in await cursor.fetchall()]

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

    # ------------------------------------------------------------ team access

    async def see_chat(self, chat_id: int, *, title: str | None, chat_type: str | None) -> None:
        """Remember what a chat is called and what kind it is, for /usage (a group may be renamed)."""
        await self._db.execute(
            "INSERT INTO chats (chat_id, title, chat_type) VALUES (?, ?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET title = excluded.title, chat_type = excluded.chat_type"
            " WHERE title IS NOT excluded.title OR chat_type IS NOT excluded.chat_type",
            (chat_id, title, chat_type),
        )

    async def add_invite(self, code_hash: str, *, created_by: int, expires_at: datetime) -> None:
        """Keep an invite code as its hash only: the database never holds a code that would let someone in."""
        await self._db.execute(
            "INSERT INTO invites (code_hash, created_by, expires_at) VALUES (?, ?, ?)",
            (code_hash, created_by, _stamp(expires_at)),
        )

    async def redeem_invite(
        self, code_hash: str, *, kind: Literal["user", "chat"], subject_id: int, admitted_by: int | None,
        now: datetime,
    ) -> Redemption:
        """Use up a code for a user or a chat, in one statement, so two people racing with one code cannot
        both get in. "again": this very user or chat used it before (a /join handled again after a crash);
        "refused": unknown, expired or used by someone else, and nothing was written."""
        cursor = await self._db.execute(
            "INSERT OR IGNORE INTO admissions (code_hash, kind, subject_id, admitted_by, admitted_at)"
            " SELECT code_hash, ?, ?, ?, ? FROM invites WHERE code_hash = ? AND expires_at > ?",
            (kind, subject_id, admitted_by, _stamp(now), code_hash, _stamp(now)),
        )
        if cursor.rowcount == 1:
            return "admitted"
        async with self._db.execute(
            "SELECT 1 FROM admissions WHERE code_hash = ? AND kind = ? AND subject_id = ?",
            (code_hash, kind, subject_id),
        ) as found:
            return "again" if await found.fetchone() else "refused"

    async def is_admitted(self, *, user_id: int | None, chat_id: int | None) -> bool:
        """Whether an invite let this user in, or this chat (a group) in."""
        async with self._db.execute(
            "SELECT 1 FROM admissions WHERE (kind = 'user' AND subject_id IS ?) OR (kind = 'chat' AND subject_id IS ?)"
            " LIMIT 1",
            (user_id, chat_id),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def admissions(self) -> list[Admission]:
        """Every admission with its invite, oldest first: the audit trail of who let whom in."""
        async with self._db.execute(
            "SELECT a.kind, a.subject_id, a.admitted_by, a.admitted_at, a.code_hash,"
            " i.created_by, i.created_at FROM admissions a JOIN invites i USING (code_hash) ORDER BY a.id"
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            Admission(kind=r["kind"], subject_id=r["subject_id"], admitted_by=r["admitted_by"],
                      admitted_at=r["admitted_at"], code_hash=r["code_hash"], invited_by=r["created_by"],
                      invited_at=r["created_at"])
            for r in rows
        ]

    async def usage(self) -> list[ChatUsage]:
        """Per chat: photos, instructions, renders delivered and failed, and how many people sent anything."""
        async with self._db.execute(
            "WITH senders AS ("
            "  SELECT chat_id, sender_id AS user_id FROM uploads WHERE sender_id IS NOT NULL"
            "  UNION SELECT chat_id, sender_id FROM turns WHERE sender_id IS NOT NULL"
            "  UNION SELECT chat_id, requested_by FROM renders WHERE requested_by IS NOT NULL)"
            " SELECT c.chat_id, c.title, c.chat_type, c.engine, c.token IS NOT NULL AS signed_in,"
            "  (SELECT COUNT(*) FROM uploads u WHERE u.chat_id = c.chat_id AND u.kind = 'photo') AS photos,"
            "  (SELECT COUNT(*) FROM turns t WHERE t.chat_id = c.chat_id) AS instructions,"
            "  (SELECT COUNT(*) FROM renders r WHERE r.chat_id = c.chat_id AND r.delivered = 1) AS delivered,"
            "  (SELECT COUNT(*) FROM renders r WHERE r.chat_id = c.chat_id AND r.status = 'failed') AS failed,"
            "  (SELECT COUNT(*) FROM senders s WHERE s.chat_id = c.chat_id) AS senders"
            " FROM chats c ORDER BY c.created_at, c.chat_id"
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            ChatUsage(chat_id=r["chat_id"], title=r["title"], chat_type=r["chat_type"], engine=r["engine"],
                      signed_in=bool(r["signed_in"]), photos=r["photos"], instructions=r["instructions"],
                      renders_delivered=r["delivered"], renders_failed=r["failed"], senders=r["senders"])
            for r in rows
        ]


def _stamp(moment: datetime) -> str:
    """A time in the form SQLite's strftime('%Y-%m-%dT%H:%M:%fZ') writes, so stored times compare as text."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _keep_private(path: Path) -> None:
    """The database holds cloud tokens and what people sent: owner-only (0600), tightened where an older
    file, or its -wal / -shm companions, were left readable by others."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o777 != 0o600:
                os.chmod(file, 0o600)
        except FileNotFoundError:
            continue


def _upload_row(r: aiosqlite.Row) -> UploadRow:
    return UploadRow(
        id=r["id"], chat_id=r["chat_id"], file_unique_id=r["file_unique_id"], kind=r["kind"],
        filename=r["filename"], size=r["size"], local_path=r["local_path"], engine=r["engine"],
        engine_ref=r["engine_ref"], status=r["status"], error=r["error"], sender_id=r["sender_id"],
    )


def _render_row(row: aiosqlite.Row) -> RenderRow:
    return RenderRow(
        id=row["id"], chat_id=row["chat_id"], engine=row["engine"], status=row["status"],
        progress=row["progress"], url=row["url"], attempt=row["attempt"],
        reply_to_message_id=row["reply_to_message_id"], progress_message_id=row["progress_message_id"],
        delivered=bool(row["delivered"]), error=row["error"], requested_by=row["requested_by"],
    )
