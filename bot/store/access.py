"""Team access: invite codes (kept as hashes only) and the users and groups they let in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

from bot.store.database import stamp


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


class Admissions:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def add_invite(self, code_hash: str, *, created_by: int, expires_at: datetime) -> None:
        """Keep an invite code as its hash only: the database never holds a code that would let someone in."""
        await self._db.execute(
            "INSERT INTO invites (code_hash, created_by, expires_at) VALUES (?, ?, ?)",
            (code_hash, created_by, stamp(expires_at)),
        )

    async def redeem(
        self, code_hash: str, *, kind: Literal["user", "chat"], subject_id: int, admitted_by: int | None,
        now: datetime,
    ) -> Redemption:
        """Use up a code for a user or a chat, in one statement, so two people racing with one code cannot
        both get in. "again": this very user or chat used it before (a /join handled again after a crash);
        "refused": unknown, expired or used by someone else, and nothing was written."""
        cursor = await self._db.execute(
            "INSERT OR IGNORE INTO admissions (code_hash, kind, subject_id, admitted_by, admitted_at)"
            " SELECT code_hash, ?, ?, ?, ? FROM invites WHERE code_hash = ? AND expires_at > ?",
            (kind, subject_id, admitted_by, stamp(now), code_hash, stamp(now)),
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

    async def all(self) -> list[Admission]:
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
