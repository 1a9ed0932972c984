"""Forum topics as projects: which project key a topic of a forum supergroup has, and back.

A chat's own project (a private chat, a group, a forum's General topic) is keyed by the chat id; a topic's
by a number from `FIRST_TOPIC_PROJECT` on, above every Telegram id, given out once (see
migrations/0005_forum_topics.sql). So every other table, and every engine, keeps addressing a project by
one integer, and the rows kept before topics existed mean what they meant.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.database import Statements

# Telegram's chat ids have at most 52 significant bits: a key from here on can never be a chat's.
FIRST_TOPIC_PROJECT = 2**53


@dataclass(frozen=True, slots=True)
class Place:
    """Where a project's conversation happens: the chat, and the forum topic in it (None: the chat itself,
    or a forum's General topic)."""

    chat_id: int
    topic_id: int | None = None


def is_topic_project(project: int) -> bool:
    return project >= FIRST_TOPIC_PROJECT


class Topics:
    def __init__(self, db: Statements) -> None:
        self._db = db
        self._known: dict[Place, int] = {}  # a key given out never changes: asked for every topic message

    async def project(self, place: Place) -> int:
        """The project key of a place: the chat id, or the topic's own key (given out on first use)."""
        if place.topic_id is None:
            return place.chat_id
        if place in self._known:
            return self._known[place]
        while True:
            # The next key is the largest given out plus one. Two processes giving out a key at once may
            # both pick the same one: the second insert then does nothing (ON CONFLICT), finds no row for
            # its topic, and picks again; a topic made by the other one meanwhile is found instead.
            await self._db.execute(
                "INSERT INTO topics (project_id, chat_id, topic_id)"
                " SELECT COALESCE(MAX(project_id) + 1, ?), ?, ? FROM topics WHERE TRUE ON CONFLICT DO NOTHING",
                (FIRST_TOPIC_PROJECT, place.chat_id, place.topic_id),
            )
            row = await self._db.fetchone(
                "SELECT project_id FROM topics WHERE chat_id = ? AND topic_id = ?", (place.chat_id, place.topic_id)
            )
            if row is not None:
                break
        self._known[place] = int(row["project_id"])
        return self._known[place]

    async def place(self, project: int) -> Place:
        """Where a project lives (a key that is no topic's is the chat itself)."""
        if not is_topic_project(project):
            return Place(project)
        row = await self._db.fetchone("SELECT chat_id, topic_id FROM topics WHERE project_id = ?", (project,))
        if row is None:
            raise LookupError(f"no topic has project key {project}")
        return Place(int(row["chat_id"]), int(row["topic_id"]))

    async def in_chat(self, chat_id: int) -> list[int]:
        """The project keys of the chat's topics (not the chat's own)."""
        rows = await self._db.fetchall("SELECT project_id FROM topics WHERE chat_id = ? ORDER BY project_id",
                                       (chat_id,))
        return [int(row["project_id"]) for row in rows]
