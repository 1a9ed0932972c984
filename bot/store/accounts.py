"""The cloud engine's account for each chat: the client id, the token and its expiry, the cloud's user id,
and the session and task the chat's project lives in.

They are columns of `chats` (one account and one project per chat), kept apart from `ChatRow` so only the
cloud engine ever holds them: a token read here can call the cloud on the chat's behalf, and the client id
can ask for the token again, so neither is shown by `repr` (a log line of a row must not sign anyone in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.store.database import Statements, assignments, ensure_chat, now

# The account's field names -> the columns of `chats` that hold them.
_COLUMNS = {
    "client_id": "client_id",
    "token": "token",
    "token_expires_at": "token_expires_at",
    "user_id": "nemo_user_id",
    "session_id": "session_id",
    "task_id": "task_id",
}


@dataclass(frozen=True, slots=True)
class CloudAccount:
    chat_id: int
    client_id: str | None = field(repr=False)  # X-Client-Id, kept so a renewed token keeps the account
    token: str | None = field(repr=False)  # an anonymous token of the chat's own (NEMO_TOKEN is not kept)
    token_expires_at: str | None
    user_id: str | None  # the cloud's user id ("anon_…" for an anonymous account)
    session_id: str | None
    task_id: str | None


class CloudAccounts:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def get(self, chat_id: int) -> CloudAccount:
        """The chat's account; every field None before the cloud engine first set the chat up. Only reads:
        the engine asks this for every request, and for `readiness` of chats it may never serve."""
        row = await self._db.fetchone(
            "SELECT client_id, token, token_expires_at, nemo_user_id, session_id, task_id FROM chats"
            " WHERE chat_id = ?",
            (chat_id,),
        )
        if row is None:
            return CloudAccount(chat_id, None, None, None, None, None, None)
        return CloudAccount(
            chat_id=chat_id,
            client_id=row["client_id"],
            token=row["token"],
            token_expires_at=row["token_expires_at"],
            user_id=row["nemo_user_id"],
            session_id=row["session_id"],
            task_id=row["task_id"],
        )

    async def update(self, chat_id: int, **fields: str | None) -> None:
        """Write the fields passed (names as in `CloudAccount`); an unknown name is a ValueError."""
        unknown = set(fields) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"not cloud account fields: {sorted(unknown)}")
        if not fields:
            return
        columns = {_COLUMNS[name]: value for name, value in fields.items()}
        await ensure_chat(self._db, chat_id)
        await self._db.execute(
            f"UPDATE chats SET {assignments(columns, frozenset(_COLUMNS.values()), 'chat')}, updated_at = ?"
            " WHERE chat_id = ?",
            (*columns.values(), now(), chat_id),
        )
