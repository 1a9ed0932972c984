"""An instruction's turn: sent to the chat's engine once, its answer streamed to the chat, and what changed
told when the engine said nothing or its answer was cut off.

A turn is recorded (with the timeline as it was) before the instruction leaves, and finished with its
outcome. An instruction whose update is handled again after a crash is never sent again (the engine may
have applied it, and sending it twice would charge twice): a turn the crash cut short is reported from the
timeline instead.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot import timeline
from bot.config import Settings
from bot.conversation import wording
from bot.conversation.chat import Chats, Pulse
from bot.conversation.ports import Origin
from bot.conversation.uploads import Uploads
from bot.engines.base import Engine, EngineError, Heartbeat, Preview, StreamBroken, Text, ToolActivity
from bot.store import Store

log = logging.getLogger(__name__)


class Turns:
    def __init__(self, chats: Chats, uploads: Uploads, store: Store, settings: Settings) -> None:
        self._chats = chats
        self._uploads = uploads
        self._store = store
        self._settings = settings

    async def instruct(self, origin: Origin, text: str) -> None:
        async with self._chats.failures_told(origin), self._chats.turn(origin):
            engine = await self._chats.engine(origin.chat_id)
            if await self._taken_up_again(origin, engine):
                return
            await self._chats.connect(origin, engine)
            await self._uploads.catch_up(origin, engine)
            before = await engine.draft(origin.chat_id)
            turn_id = await self._store.turns.start(origin.chat_id, engine=engine.name, text=text,
                                                    sender_id=origin.user_id, message_id=origin.message_id,
                                                    draft_before=before)
            said: list[str] = []
            tools: list[str] = []
            outcome = "failed"
            try:
                async with self._chats.busy(origin.chat_id, "typing") as pulse:
                    try:
                        await self._stream(origin, engine, text, pulse, said, tools)
                        outcome = "ok" if said else "silent"
                        if not said:
                            await self._report_changes(origin, engine, before)
                    except StreamBroken as exc:
                        outcome = "failed" if exc.server_error else "broken"
                        await self._report_changes(origin, engine, before, broken=exc)
            finally:
                await self._store.turns.finish(turn_id, outcome=outcome, replies=said, tools=tools)

    async def _taken_up_again(self, origin: Origin, engine: Engine) -> bool:
        """True when this message already started a turn (its update is handled again after a crash). A turn
        that had finished was answered; one a crash cut short is reported from the state, never sent again."""
        if origin.message_id is None:
            return False
        turn = await self._store.turns.for_message(origin.chat_id, origin.message_id)
        if turn is None:
            return False
        if turn.outcome == "running":
            log.info("chat %s: turn %s was cut short by a restart; reporting from the state", origin.chat_id,
                     turn.id)
            async with self._chats.busy(origin.chat_id, "typing"):
                await self._report_changes(origin, engine, turn.draft_before, broken=StreamBroken())
            await self._store.turns.finish(turn.id, outcome="broken", replies=[], tools=[])
        return True

    async def _stream(
        self, origin: Origin, engine: Engine, text: str, pulse: Pulse, said: list[str], tools: list[str]
    ) -> None:
        async for event in engine.send(origin.chat_id, text):
            match event:
                case Text(text=shown):
                    words = str(shown).strip()  # what the turn is recorded as having said (English)
                    if words:
                        said.append(words)
                        await self._chats.say(origin, shown.strip() if isinstance(shown, str) else shown)
                case ToolActivity(name=name):
                    tools.append(name)
                    pulse.activity = "upload_video"
                case Preview(path=path, caption=caption):
                    await self._chats.replies.video(origin.chat_id, path, caption=caption)
                case Heartbeat():
                    pass

    async def _report_changes(
        self, origin: Origin, engine: Engine, before: dict[str, Any] | None,
        *, broken: StreamBroken | None = None,
    ) -> None:
        """Tell what a turn changed when the engine said nothing (or the stream broke).

        After a cut stream the edit may still be running on the server, so the state is polled
        (STATE_POLL_SECONDS, then twice that, up to five unchanged polls) rather than the message re-sent.
        After an error event the service has given up on the turn: one look at the state is enough.
        """
        patient = broken is not None and not broken.server_error
        delays = [0.0]
        if patient:
            step = self._settings.state_poll_seconds
            delays = [step, 2 * step, 2 * step, 2 * step, 2 * step]
        for delay in delays:
            await asyncio.sleep(delay)
            try:
                after = await engine.draft(origin.chat_id)
            except EngineError:
                continue
            changes = timeline.diff(before, after)
            if changes:
                await self._store.chats.update(origin.chat_id, draft=after)
                await self._chats.say(origin, wording.changed(changes, timeline.summary(after)))
                return
        if broken is None:
            await self._chats.say(origin, wording.NO_CHANGE)
        else:
            await self._chats.say(origin, wording.TURN_FAILED if broken.server_error else wording.BROKEN_UNKNOWN)
