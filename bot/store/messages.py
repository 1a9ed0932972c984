"""What each received message said, as a digest: enough to tell a real edit of its text or caption from the
`edited_message` updates that change nothing (a first reaction, and other client actions), and to answer an
edit once, also after a restart. The text itself is never kept."""

from __future__ import annotations

import hashlib

from bot.store.database import Statements


def digest(content: str | None) -> str:
    """SHA-256 of a message's text or caption (none counts as empty)."""
    return hashlib.sha256((content or "").encode("utf-8")).hexdigest()


class MessageContents:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def remember(self, chat_id: int, message_id: int, content: str | None) -> None:
        """Note what a new message says (a message handled again after a crash keeps its first note)."""
        await self._db.execute(
            "INSERT INTO message_contents (chat_id, message_id, digest) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (chat_id, message_id, digest(content)),
        )

    async def first_real_edit(self, chat_id: int, message_id: int, content: str | None) -> bool:
        """True exactly once per message: for the first edit whose text or caption differs from what the
        message said. One statement, so two edits handled at once cannot both get True. A message never
        noted (sent before the bot kept notes, or before it was let in) is noted now, and False: nothing
        was done with it that an edit could change."""
        new = digest(content)
        answered = await self._db.execute(
            "UPDATE message_contents SET edit_answered = TRUE, digest = ?"
            " WHERE chat_id = ? AND message_id = ? AND edit_answered = FALSE AND digest != ?",
            (new, chat_id, message_id, new),
        )
        if answered == 1:
            return True
        await self.remember(chat_id, message_id, content)
        return False
