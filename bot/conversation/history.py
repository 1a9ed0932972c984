"""/undo, /redo and /new: stepping through a chat's timeline, and starting a fresh project.

The engine keeps the history (`Engine.undo` / `redo`: the local engine its own timelines, the cloud the
drafts the bot saw, since the service cannot be set back); this use case runs the step in the chat's turn,
so it lands between instructions in the order they were sent, and says what was undone or redone, what it
changed, and, where the engine could not set its own timeline back, what it restored and what not.

/new starts a fresh project: an empty timeline (a new session on the cloud) and no history. Everything the
chat sent stays kept on disk and counted by /usage; it is only never handed to an engine again.
"""

from __future__ import annotations

from bot.conversation import wording
from bot.conversation.chat import Chats
from bot.conversation.ports import Origin, answering_now
from bot.engines.base import Readiness
from bot.store import Store


class History:
    def __init__(self, chats: Chats, store: Store) -> None:
        self._chats = chats
        self._store = store

    async def undo(self, origin: Origin) -> None:
        await self._step(origin, forward=False)

    async def redo(self, origin: Origin) -> None:
        await self._step(origin, forward=True)

    async def _step(self, origin: Origin, *, forward: bool) -> None:
        with answering_now():
            async with self._chats.failures_told(origin), self._chats.turn(origin):
                engine = await self._chats.engine(origin.chat_id)
                if await engine.readiness(origin.chat_id) is Readiness.SIGNED_OUT:  # no account: no change yet
                    await self._chats.say(origin, wording.REDO_NOTHING if forward else wording.UNDO_NOTHING)
                    return
                await self._chats.connect(origin, engine)
                step = await (engine.redo if forward else engine.undo)(origin.chat_id)
                if step is None:
                    await self._chats.say(origin, wording.REDO_NOTHING if forward else wording.UNDO_NOTHING)
                    return
                await self._store.chats.update(origin.chat_id, draft=step.after)  # the base of "what changed"
                await self._chats.say(origin, wording.stepped(step, forward=forward), actions=wording.EDITING_ACTIONS)

    async def start_over(self, origin: Origin) -> None:
        """A new project on the chat's engine; an engine on this machine it used before starts over too
        (it costs nothing), so going back to it does not bring the old timeline back."""
        with answering_now():
            async with self._chats.failures_told(origin), self._chats.turn(origin):
                engine = await self._chats.engine(origin.chat_id)
                await self._store.history.start_project(origin.chat_id)
                await engine.start_over(origin.chat_id)
                for other in self._chats.engines.all():
                    if other is not engine and other.runs_here:
                        await other.start_over(origin.chat_id)
                await self._store.chats.update(origin.chat_id, draft=None)
                await self._chats.say(origin, wording.NEW_PROJECT)
