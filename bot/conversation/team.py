"""A team's bot: who gets in (the access lists and invite codes of `access`), one polite refusal for
everyone else, and the admins' view of what every chat has done (/usage).

Nothing of a stranger's is stored: the transport asks `lets_in` before it keeps an update, and a refused
chat hears the refusal once per run.
"""

from __future__ import annotations

import asyncio
import logging

from bot.config import Settings
from bot.conversation import wording
from bot.conversation.access import Access, JoinResult
from bot.conversation.chat import Chats
from bot.conversation.ports import Origin
from bot.engines.base import Engine, Readiness
from bot.store import ChatUsage, Store

log = logging.getLogger(__name__)

USAGE_BALANCES_AT_ONCE = 4  # /usage reads balances a few at a time: many chats must not flood the cloud
USAGE_BALANCE_SECONDS = 20.0  # and waits no longer than this for any one of them


class Team:
    def __init__(self, chats: Chats, access: Access, store: Store, settings: Settings) -> None:
        self._chats = chats
        self._access = access
        self._store = store
        self._settings = settings
        self._refused: set[int] = set()  # chats told (in this run) that they are not on the access lists
        self._names: dict[int, tuple[str | None, str | None]] = {}  # what /usage calls each chat, as stored

    async def lets_in(self, user_id: int | None, chat_id: int | None) -> bool:
        return await self._access.lets_in(user_id, chat_id)

    async def refuse(self, origin: Origin) -> None:
        """One polite refusal per chat (per run); nothing of a stranger's is stored or sent to an engine."""
        if origin.chat_id in self._refused:
            return
        self._refused.add(origin.chat_id)
        await self._chats.say(origin, wording.NOT_ALLOWED)

    async def see_chat(self, chat_id: int, *, title: str | None, kind: str | None) -> None:
        """Keep the chat's title (a person's name in a private chat) and kind for /usage, written only when
        it changed: a group can be renamed."""
        if self._names.get(chat_id) != (title, kind):
            await self._store.chats.see(chat_id, title=title, chat_type=kind)
            self._names[chat_id] = (title, kind)

    def moved(self, old: int, new: int) -> None:
        """The chat's id changed: what this run remembers about it follows (its admission moved in the store)."""
        self._refused.discard(new)
        self._names.pop(old, None)

    async def invite(self, origin: Origin) -> None:
        """/invite: a one-time code, for admins, and never posted where a whole group could read it."""
        if not self._access.is_admin(origin.user_id):
            await self._chats.say(origin, wording.ADMINS_ONLY.format(command="invite"))
            return
        if origin.in_group or origin.user_id is None:
            await self._chats.say(origin, wording.INVITE_PRIVATE_ONLY)
            return
        made = await self._access.invite(origin.user_id)
        await self._chats.say(origin, wording.invite_made(
            made.code, self._settings.invite_valid_hours, made.expires_at, open_to_all=self._access.open_to_all,
        ))

    async def join(self, origin: Origin, code: str) -> None:
        """/join CODE: lets the sender in (a private chat) or the whole group it was sent in. It is the way in,
        so strangers reach it; a wrong code from a stranger leaves nothing in the database."""
        if origin.user_id is None:
            return
        code = "".join(code.split())
        if not code:
            await self._chats.say(origin, wording.JOIN_HOW)
            return
        result = await self._access.join(code, user_id=origin.user_id, chat_id=origin.admitted_as,
                                         in_group=origin.in_group)
        if result is JoinResult.ADMITTED:
            self._refused.discard(origin.chat_id)
        text = {
            JoinResult.ADMITTED: wording.JOINED_GROUP if origin.in_group else wording.JOINED_USER,
            JoinResult.ALREADY_IN: wording.ALREADY_IN_GROUP if origin.in_group else wording.ALREADY_IN_USER,
            JoinResult.REFUSED: wording.JOIN_REFUSED,
        }.get(result) or wording.join_locked(self._access.guard.wait_left(origin.user_id))
        await self._chats.say(origin, text)

    async def usage(self, origin: Origin) -> None:
        """/usage, for admins and only in a private chat since it names every chat: every chat's activity,
        and each chat's live balance where its engine has credits. Balances are read a few at a time, and one
        that can't be read shows "?" instead of sinking the whole report."""
        if not self._access.is_admin(origin.user_id):
            await self._chats.say(origin, wording.ADMINS_ONLY.format(command="usage"))
            return
        if origin.in_group:
            await self._chats.say(origin, wording.USAGE_PRIVATE_ONLY)
            return
        async with self._chats.failures_told(origin):
            chats = await self._store.usage.report()
            gate = asyncio.Semaphore(USAGE_BALANCES_AT_ONCE)
            balances = await asyncio.gather(*(self._balance(chat, gate) for chat in chats))
            lines = [
                (chat, wording.engine_label(engine.runs_here), balance)
                for chat, (engine, balance) in zip(chats, balances, strict=True)
            ]
            await self._chats.say(origin, wording.usage_report(lines))

    async def _balance(self, chat: ChatUsage, gate: asyncio.Semaphore) -> tuple[Engine, str | None]:
        """A chat's engine and its available credits for /usage; None for an engine without credits. A chat
        that never signed in shows "–": asking would make it an account it never wanted."""
        engine = self._chats.engines.chosen(chat.engine)
        if await engine.readiness(chat.chat_id) is Readiness.SIGNED_OUT:
            return engine, "–"
        async with gate:
            try:
                async with asyncio.timeout(min(self._settings.http_timeout_seconds, USAGE_BALANCE_SECONDS)):
                    balance = await engine.credits(chat.chat_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # EngineError, a timeout, anything: the report still goes out
                log.info("chat %s: balance not read for /usage (%s)", chat.chat_id, type(exc).__name__)
                return engine, "?"
        return engine, None if balance is None else wording.available_credits(balance.available)
