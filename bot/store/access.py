"""Team access: invite codes (kept as hashes only) and the users and groups they let in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.store.database import Statements


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
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def add_invite(self, code_hash: str, *, created_by: int, expires_at: datetime) -> None:
        """Keep an invite code as its hash only: the database never holds a code that would let someone in."""
        await self._db.execute(
            "INSERT INTO invites (code_hash, created_by, expires_at) VALUES (?, ?, ?)",
            (code_hash, created_by, expires_at),
        )

    async def redeem(
        self, code_hash: str, *, kind: Literal["user", "chat"], subject_id: int, admitted_by: int | None,
        now: datetime,
    ) -> Redemption:
        """Use up a code for a user or a chat, in one statement, so two people racing with one code cannot
        both get in. "again": this very user or chat used it before (a /join handled again after a crash);
        "refused": unknown, expired or used by someone else, and nothing was written."""
        admitted = await self._db.execute(
            "INSERT INTO admissions (code_hash, kind, subject_id, admitted_by, admitted_at)"
            " SELECT code_hash, ?, ?, ?, ? FROM invites WHERE code_hash = ? AND expires_at > ?"
            " ON CONFLICT DO NOTHING",
            (kind, subject_id, admitted_by, now, code_hash, now),
        )
        if admitted == 1:
            return "admitted"
        found = await self._db.fetchone(
            "SELECT 1 AS found FROM admissions WHERE code_hash = ? AND kind = ? AND subject_id = ?",
            (code_hash, kind, subject_id),
        )
        return "again" if found else "refused"

    async def is_admitted(self, *, user_id: int | None, chat_id: int | None) -> bool:
        """Whether an invite let this user in, or this chat (a group) in."""
        return await self._db.fetchone(
            "SELECT 1 AS found FROM admissions WHERE (kind = 'user' AND subject_id = ?)"
            " OR (kind = 'chat' AND subject_id = ?) LIMIT 1",
            (user_id, chat_id),
        ) is not None

    async def all(self) -> list[Admission]:
        """Every admission with its invite, oldest first: the audit trail of who let whom in."""
        rows = await self._db.fetchall(
            "SELECT a.kind, a.subject_id, a.admitted_by, a.admitted_at, a.code_hash,"
            " i.created_by, i.created_at FROM admissions a JOIN invites i USING (code_hash) ORDER BY a.id"
        )
        return [
            Admission(kind=r["kind"], subject_id=r["subject_id"], admitted_by=r["admitted_by"],
                      admitted_at=r["admitted_at"], code_hash=r["code_hash"], invited_by=r["created_by"],
                      invited_at=r["created_at"])
            for r in rows
        ]
