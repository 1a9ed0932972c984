"""What each chat did, counted from what the other tables keep: an admin's /usage.

Whether a chat is signed in to an engine is not counted here: the engine says that (`Engine.readiness`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.database import Statements


@dataclass(frozen=True, slots=True)
class ChatUsage:
    """One line of an admin's /usage."""

    chat_id: int
    title: str | None
    chat_type: str | None
    engine: str | None  # the chat's own engine choice; None means VIDEO_ENGINE
    photos: int
    instructions: int
    renders_delivered: int
    renders_failed: int
    senders: int
    presence: str = "present"  # present | blocked (a private chat) | removed (a group): see `Chats.set_presence`


class Usage:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def report(self) -> list[ChatUsage]:
        """Per chat, oldest first: photos, instructions, renders delivered and failed, and how many people
        sent anything."""
        rows = await self._db.fetchall(
            "WITH senders AS ("
            "  SELECT chat_id, sender_id AS user_id FROM uploads WHERE sender_id IS NOT NULL"
            "  UNION SELECT chat_id, sender_id FROM turns WHERE sender_id IS NOT NULL"
            "  UNION SELECT chat_id, requested_by FROM renders WHERE requested_by IS NOT NULL)"
            " SELECT c.chat_id, c.title, c.chat_type, c.engine, c.presence,"
            "  (SELECT COUNT(*) FROM uploads u WHERE u.chat_id = c.chat_id AND u.kind = 'photo') AS photos,"
            "  (SELECT COUNT(*) FROM turns t WHERE t.chat_id = c.chat_id) AS instructions,"
            "  (SELECT COUNT(*) FROM renders r WHERE r.chat_id = c.chat_id AND r.delivered = TRUE) AS delivered,"
            "  (SELECT COUNT(*) FROM renders r WHERE r.chat_id = c.chat_id AND r.status = 'failed') AS failed,"
            "  (SELECT COUNT(*) FROM senders s WHERE s.chat_id = c.chat_id) AS senders"
            " FROM chats c ORDER BY c.created_at, c.chat_id"
        )
        return [
            ChatUsage(chat_id=r["chat_id"], title=r["title"], chat_type=r["chat_type"], engine=r["engine"],
                      photos=r["photos"], instructions=r["instructions"], renders_delivered=r["delivered"],
                      renders_failed=r["failed"], senders=r["senders"], presence=r["presence"])
            for r in rows
        ]
