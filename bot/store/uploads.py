"""Everything a chat sent, kept on disk so nothing is lost when an engine refuses it or is down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.store.database import Row, Statements, assignments, ensure_chat

_COLUMNS = frozenset({"engine", "engine_ref", "status", "error", "local_path"})


@dataclass(frozen=True, slots=True)
class UploadRow:
    id: int
    chat_id: int
    file_unique_id: str | None
    kind: str  # photo | video | audio
    filename: str
    size: int
    local_path: str | None  # the kept copy
    engine: str | None  # the engine it was handed to
    engine_ref: str | None  # that engine's handle on it (a CDN url, a path)
    status: str  # saved | uploaded | failed
    error: str | None
    sender_id: int | None = None  # the Telegram user who sent it (in a group, one of many)
    message_id: int | None = None  # the message it came with


class Uploads:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def add(
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
        """Record a file the chat sent (status "saved"); returns its id."""
        await ensure_chat(self._db, chat_id)
        made = await self._db.fetchone(
            "INSERT INTO uploads (chat_id, file_unique_id, kind, filename, size, local_path, sender_id, message_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (chat_id, file_unique_id, kind, filename, size, local_path, sender_id, message_id),
        )
        assert made is not None
        return int(made["id"])

    async def update(self, upload_id: int, **fields: Any) -> None:
        """Write the fields passed (engine, engine_ref, status, error, local_path)."""
        columns = assignments(fields, _COLUMNS, "upload")
        if fields:
            await self._db.execute(f"UPDATE uploads SET {columns} WHERE id = ?", (*fields.values(), upload_id))

    async def for_chat(self, chat_id: int, *, kind: str | None = None) -> list[UploadRow]:
        """The uploads of the chat's current project (of one kind when given), oldest first: those of a project
        it started over from (/new) stay kept and counted, but are not handed to an engine again."""
        query = ("SELECT * FROM uploads WHERE chat_id = ? AND id >"
                 " COALESCE((SELECT after_upload FROM project_starts WHERE chat_id = ?), 0)")
        params: tuple[Any, ...] = (chat_id, chat_id)
        if kind is not None:
            query += " AND kind = ?"
            params += (kind,)
        return [_row(r) for r in await self._db.fetchall(query + " ORDER BY id", params)]

    async def from_message(self, chat_id: int, message_id: int, file_unique_id: str | None) -> UploadRow | None:
        """The upload a message's file already made (its update may be handled again after a crash)."""
        row = await self._db.fetchone(
            "SELECT * FROM uploads WHERE chat_id = ? AND message_id = ? AND file_unique_id IS NOT DISTINCT FROM ?"
            " ORDER BY id",
            (chat_id, message_id, file_unique_id),
        )
        return _row(row) if row else None


def _row(r: Row) -> UploadRow:
    return UploadRow(
        id=r["id"], chat_id=r["chat_id"], file_unique_id=r["file_unique_id"], kind=r["kind"],
        filename=r["filename"], size=r["size"], local_path=r["local_path"], engine=r["engine"],
        engine_ref=r["engine_ref"], status=r["status"], error=r["error"], sender_id=r["sender_id"],
        message_id=r["message_id"],
    )
