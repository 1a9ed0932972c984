"""Who may use the bot: the access lists from the settings, and the people and groups an invite let in.

Transport-free: the transport asks `lets_in` (through the conversation) for every update, and /invite and
/join come here through `bot.conversation.team`. An invite code is shown once, to the admin who made it;
the store keeps only its SHA-256, so a copy of the database lets nobody in. Codes are long enough that
guessing is hopeless, and a user who keeps guessing is made to wait anyway (`JoinGuard`).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from bot.config import Settings
from bot.store import Store

log = logging.getLogger(__name__)

# No 0/O or 1/I/L: a code is read off one screen and typed on another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4  # "K7QM-2XPA-9RTF": about 59 bits
MAX_WRONG_CODES = 5
LOCKOUT_SECONDS = 15 * 60


def new_code() -> str:
    """A fresh invite code, grouped for reading aloud."""
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH)) for _ in range(CODE_GROUPS)
    )


def code_hash(code: str) -> str:
    """What the store keeps of a code. Case, spaces and dashes don't matter, so "k7qm 2xpa 9rtf" works too."""
    plain = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


class JoinResult(Enum):
    ADMITTED = "admitted"
    ALREADY_IN = "already in"  # nothing to do: the code stays unused for someone else
    REFUSED = "refused"  # unknown, expired or used: the same answer for each, so a guesser learns nothing
    LOCKED = "locked"  # too many wrong codes lately


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    expires_at: datetime


@dataclass
class JoinGuard:
    """Counts wrong codes per user in this run; after `limit` of them, further tries are refused for
    `lockout_seconds` (a correct code too, or the lock would not slow a guesser down)."""

    limit: int = MAX_WRONG_CODES
    lockout_seconds: float = LOCKOUT_SECONDS
    clock: Callable[[], float] = time.monotonic
    _wrong: dict[int, int] = field(default_factory=dict)
    _locked_until: dict[int, float] = field(default_factory=dict)

    def wait_left(self, user_id: int) -> float:
        """Seconds this user still has to wait before trying a code; 0 when they may try now."""
        until = self._locked_until.get(user_id)
        if until is None:
            return 0.0
        left = until - self.clock()
        if left <= 0:
            del self._locked_until[user_id]
            return 0.0
        return left

    def wrong(self, user_id: int) -> None:
        count = self._wrong.get(user_id, 0) + 1
        if count >= self.limit:
            self._locked_until[user_id] = self.clock() + self.lockout_seconds
            count = 0
            log.warning("user %s sent %d wrong invite codes; locked out for a while", user_id, self.limit)
        self._wrong[user_id] = count

    def right(self, user_id: int) -> None:
        self._wrong.pop(user_id, None)


class Access:
    def __init__(self, settings: Settings, store: Store, guard: JoinGuard | None = None) -> None:
        self.settings = settings
        self.store = store
        self.guard = guard or JoinGuard()
        self._let_in: set[tuple[int | None, int | None]] = set()  # (user, chat) pairs an invite let in

    @property
    def open_to_all(self) -> bool:
        """Both allow-lists empty: anyone may use the bot (invites still record who joined, for later)."""
        return not self.settings.allowed_user_ids and not self.settings.allowed_chat_ids

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_user_ids

    async def user_allowed(self, user_id: int | None) -> bool:
        """On ALLOWED_USER_IDS, an admin, or let in by an invite (in the database, so it outlives a restart)."""
        return user_id is not None and (self._listed(user_id, None) or await self._admitted(user_id, None))

    async def chat_allowed(self, chat_id: int | None) -> bool:
        """On ALLOWED_CHAT_IDS, or a group an invite let in."""
        return chat_id is not None and (self._listed(None, chat_id) or await self._admitted(None, chat_id))

    async def lets_in(self, user_id: int | None, chat_id: int | None) -> bool:
        """The rule for every update: open to all, or the sender or the chat is allowed. The lists are
        checked first, so the team on them costs no database read."""
        return self.open_to_all or self._listed(user_id, chat_id) or await self._admitted(user_id, chat_id)

    def _listed(self, user_id: int | None, chat_id: int | None) -> bool:
        s = self.settings
        if user_id is not None and (user_id in s.allowed_user_ids or user_id in s.admin_user_ids):
            return True
        return chat_id is not None and chat_id in s.allowed_chat_ids

    async def _admitted(self, user_id: int | None, chat_id: int | None) -> bool:
        """Let in by an invite. A yes is remembered: an admission is never taken back, and every update asks
        (twice: once as it arrives, once as it is handled)."""
        if (user_id, chat_id) in self._let_in:
            return True
        if not await self.store.access.is_admitted(user_id=user_id, chat_id=chat_id):
            return False
        self._let_in.add((user_id, chat_id))
        return True

    async def invite(self, admin_id: int) -> Invite:
        """A new one-time code (the caller checked that `admin_id` is an admin). Only its hash is stored."""
        code = new_code()
        expires_at = datetime.now(UTC) + timedelta(hours=self.settings.invite_valid_hours)
        await self.store.access.add_invite(code_hash(code), created_by=admin_id, expires_at=expires_at)
        log.info("admin %s made an invite code, valid until %s", admin_id, expires_at.isoformat(timespec="seconds"))
        return Invite(code, expires_at)

    async def join(self, code: str, *, user_id: int, chat_id: int, in_group: bool) -> JoinResult:
        """Use up `code` for the sender (a private chat) or for the whole group it was sent in. A wrong
        code writes nothing: a stranger's guess leaves no trace in the database."""
        if self.guard.wait_left(user_id):
            return JoinResult.LOCKED
        already = await self.chat_allowed(chat_id) if in_group else await self.user_allowed(user_id)
        if already:
            return JoinResult.ALREADY_IN
        outcome = await self.store.access.redeem(
            code_hash(code), kind="chat" if in_group else "user", subject_id=chat_id if in_group else user_id,
            admitted_by=user_id, now=datetime.now(UTC),
        )
        if outcome == "refused":
            self.guard.wrong(user_id)
            log.info("user %s sent an invite code that does not work", user_id)
            return JoinResult.REFUSED
        self.guard.right(user_id)
        log.info("%s %s let in by an invite (sent by user %s)", "group" if in_group else "user",
                 chat_id if in_group else user_id, user_id)
        return JoinResult.ADMITTED
