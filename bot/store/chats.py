"""A chat's own settings: its engine, its language, the last draft the bot saw, and what Telegram calls it.

The row also holds the cloud engine's credentials (`accounts.py` reads and writes those); `ChatRow` leaves
them out, so what the core handles about a chat carries nothing that signs anyone in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from bot.store.database import Database, ensure_chat, now


@dataclass(frozen=True, slots=True)
class ChatRow:
    """What the core sees of a chat."""

    chat_id: int
    language: str  # the language the chat was last spoken to in; "" until it is known
    engine: str | None  # the chat's own engine choice; None means VIDEO_ENGINE
    draft: dict[str, Any] | None  # the last draft the bot reported, the base for "what changed"
    chosen_language: str | None = None  # what /language chose; None: the sender's language or words decide


class _Unchanged(Enum):
    """The default of `Chats.update`'s fields: None is a value a field can be set to, so "leave it" needs
    a marker of its own."""

    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED

Presence = Literal["present", "blocked", "removed"]

# A chat's project, as `migrate` carries it from a group to the supergroup it became: the cloud account and
# session, the chat's choices and its last draft. Where the supergroup already has a value of its own (a
# second, late move of a stub the old id grew after the first), that value is kept.
_PROJECT_COLUMNS = ("client_id", "token", "token_expires_at", "nemo_user_id", "session_id", "task_id", "engine",
                    "draft", "title", "chat_type", "chosen_language")


class Chats:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, chat_id: int) -> ChatRow:
        """The chat's row, created on first use."""
        await ensure_chat(self._db, chat_id)
        found = await self.find(chat_id)
        assert found is not None
        return found

    async def find(self, chat_id: int) -> ChatRow | None:
        """The chat's row if there is one (nothing is written: the chat may be a stranger's)."""
        row = await self._db.fetchone(
            "SELECT chat_id, language, engine, draft, chosen_language FROM chats WHERE chat_id = ?", (chat_id,)
        )
        if row is None:
            return None
        return ChatRow(
            chat_id=row["chat_id"],
            language=row["language"],
            engine=row["engine"],
            draft=json.loads(row["draft"]) if row["draft"] else None,
            chosen_language=row["chosen_language"],
        )

    async def update(
        self,
        chat_id: int,
        *,
        engine: str | _Unchanged | None = UNCHANGED,
        language: str | _Unchanged = UNCHANGED,
        draft: dict[str, Any] | _Unchanged | None = UNCHANGED,
        chosen_language: str | _Unchanged | None = UNCHANGED,
    ) -> None:
        """Write the fields passed; the others keep their value."""
        fields: dict[str, Any] = {}
        if chosen_language is not UNCHANGED:
            fields["chosen_language"] = chosen_language
        if engine is not UNCHANGED:
            fields["engine"] = engine
        if language is not UNCHANGED:
            fields["language"] = language
        if draft is not UNCHANGED:
            fields["draft"] = json.dumps(draft, ensure_ascii=False) if draft is not None else None
        if not fields:
            return
        await ensure_chat(self._db, chat_id)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self._db.execute(
            f"UPDATE chats SET {assignments}, updated_at = ? WHERE chat_id = ?", (*fields.values(), now(), chat_id)
        )

    async def languages(self) -> dict[int, str]:
        """Every chat's language as last spoken, read at start-up: what is said before the chat writes again
        (a render finishing after a restart) is said in it."""
        rows = await self._db.fetchall("SELECT chat_id, language FROM chats WHERE language != ''")
        return {int(row["chat_id"]): str(row["language"]) for row in rows}

    async def see(self, chat_id: int, *, title: str | None, chat_type: str | None) -> None:
        """Remember what a chat is called and what kind it is, for /usage (a group may be renamed)."""
        await self._db.execute(
            "INSERT INTO chats (chat_id, title, chat_type) VALUES (?, ?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET title = excluded.title, chat_type = excluded.chat_type"
            " WHERE chats.title IS DISTINCT FROM excluded.title OR chats.chat_type IS DISTINCT FROM excluded.chat_type",
            (chat_id, title, chat_type),
        )

    async def set_presence(self, chat_id: int, presence: Presence) -> bool:
        """Record whether the bot is in the chat; True when that changed (Telegram may say it twice)."""
        await ensure_chat(self._db, chat_id)
        changed = await self._db.execute(
            "UPDATE chats SET presence = ?, presence_changed_at = ? WHERE chat_id = ? AND presence != ?",
            (presence, now(), chat_id, presence),
        )
        return changed == 1

    async def absent(self) -> set[int]:
        """The chats the bot is not in any more (blocked, removed): nothing is sent there."""
        return {int(row["chat_id"]) for row in await self._db.fetchall(
            "SELECT chat_id FROM chats WHERE presence != 'present'")}

    async def migrate(self, old: int, new: int) -> bool:
        """A group became a supergroup (`new`): everything the bot keeps under the group's id moves to the
        supergroup's, in one transaction, so the team finds its project there and nothing is left half-moved.

        Moved: the chat's project (`_PROJECT_COLUMNS`, its language), uploads, turns, renders (a render still
        running is delivered into the new chat: its chat id is read again as it is followed), the local
        timeline, the group's admission, and the update inbox's rows. Message ids are per chat in Telegram,
        so those of the old group's messages (what a row answered, a progress message to edit) mean nothing
        in the supergroup and could name a different message there: they are cleared. The old row is
        removed. False when there was nothing under `old` (the move was made already)."""
        async with self._db.transaction() as tx:
            # On PostgreSQL the old row is locked until the commit: a second move of the same group (another
            # process) waits, then finds nothing to move; a row written under the old id meanwhile (a late
            # message) waits too, then makes a new stub that the next move takes along. SQLite's writing
            # transaction holds the whole file.
            if await tx.fetchone(f"SELECT chat_id FROM chats WHERE chat_id = ?{tx.lock_rows}", (old,)) is None:
                return False
            await tx.execute("INSERT INTO chats (chat_id) VALUES (?) ON CONFLICT DO NOTHING", (new,))
            kept = ", ".join(f"{c} = COALESCE(chats.{c}, moved.{c})" for c in _PROJECT_COLUMNS)
            await tx.execute(
                f"UPDATE chats SET {kept},"
                " language = CASE chats.language WHEN '' THEN moved.language ELSE chats.language END,"
                " created_at = CASE WHEN moved.created_at < chats.created_at THEN moved.created_at"
                " ELSE chats.created_at END, updated_at = ?"
                " FROM (SELECT * FROM chats WHERE chat_id = ?) AS moved WHERE chats.chat_id = ?",
                (now(), old, new),
            )
            statements = (
                "UPDATE uploads SET chat_id = ?, message_id = NULL WHERE chat_id = ?",
                "UPDATE turns SET chat_id = ?, message_id = NULL WHERE chat_id = ?",
                "UPDATE renders SET chat_id = ?, reply_to_message_id = NULL, progress_message_id = NULL"
                " WHERE chat_id = ?",
                "INSERT INTO local_timelines (chat_id, draft, updated_at)"
                " SELECT ?, draft, updated_at FROM local_timelines WHERE chat_id = ? ON CONFLICT DO NOTHING",
                "UPDATE admissions SET subject_id = ? WHERE kind = 'chat' AND subject_id = ?",
                "UPDATE handled_updates SET chat_id = ? WHERE chat_id = ?",
                "UPDATE topics SET chat_id = ? WHERE chat_id = ?",
                "UPDATE timeline_history SET chat_id = ? WHERE chat_id = ?",
                "INSERT INTO project_starts (chat_id, after_upload, started_at)"
                " SELECT ?, after_upload, started_at FROM project_starts WHERE chat_id = ? ON CONFLICT DO NOTHING",
            )
            for statement in statements:
                await tx.execute(statement, (new, old))
            await tx.execute("DELETE FROM local_timelines WHERE chat_id = ?", (old,))
            await tx.execute("DELETE FROM project_starts WHERE chat_id = ?", (old,))
            await tx.execute("DELETE FROM chats WHERE chat_id = ?", (old,))
        return True
