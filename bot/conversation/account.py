"""What a chat asks about itself and its engine: the greeting and help, credits, the timeline, the web editor
link, and moving to the other engine.

/start, /help, /credits and /status are answered while the user watches the chat: their replies go ahead of
acknowledgements and progress when the transport's flood limits make sends queue (`answering_now`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from pathlib import Path

from bot import storyboard, timeline
from bot.conversation import wording
from bot.conversation.access import Access
from bot.conversation.chat import Chats
from bot.conversation.ports import Origin, answering_now
from bot.conversation.uploads import Uploads
from bot.language import ENGLISH, available_languages, language_name, language_named, render
from bot.media import MediaFolder
from bot.store import Store


class Account:
    def __init__(self, chats: Chats, uploads: Uploads, access: Access, store: Store, media: MediaFolder) -> None:
        self._chats = chats
        self._uploads = uploads
        self._access = access
        self._store = store
        self._media = media

    async def start(self, origin: Origin) -> None:
        with answering_now():
            await self._chats.say(origin, wording.GREETING)

    async def help(self, origin: Origin) -> None:
        with answering_now():
            await self._chats.say(origin, wording.HELP)

    async def credits(self, origin: Origin) -> None:
        with answering_now():
            async with self._chats.failures_told(origin):
                engine = await self._chats.engine(origin.chat_id)
                await self._chats.connect(origin, engine)
                balance = await engine.credits(origin.chat_id)
                if balance is None:
                    await self._chats.say(origin, wording.LOCAL_CREDITS)
                else:
                    await self._chats.say(origin, wording.credits(balance.available, balance.frozen, balance.total))

    async def status(self, origin: Origin) -> None:
        with answering_now():
            async with self._chats.failures_told(origin):
                engine = await self._chats.engine(origin.chat_id)
                await self._chats.connect(origin, engine)
                board = timeline.board(await engine.draft(origin.chat_id))
                await self._chats.say(origin, wording.board_summary(board))
                if board.photos:
                    await self._show_storyboard(origin, board)

    async def _show_storyboard(self, origin: Origin, board: timeline.Board) -> None:
        """The storyboard picture after the summary: the photos as kept on this machine (the cloud's draft
        names them by its own url or by file name; the chat's uploads say where each was kept)."""
        board = await self._with_pictures(origin.chat_id, board)
        language = self._chats.languages.get(origin.chat_id, ENGLISH)
        labels = storyboard.Labels(heading=render(wording.board_heading(board), language),
                                   seconds=render(wording.STORYBOARD_SECONDS, language))
        folder = Path(self._chats.settings.media_dir) / "storyboards"
        await self._chats.replies.working(origin.chat_id, "upload_photo")
        path = await asyncio.to_thread(storyboard.save, board, labels, folder,
                                       f"storyboard-{origin.chat_id}-{uuid.uuid4().hex[:8]}")
        try:
            await self._chats.replies.photo(origin.chat_id, path, caption=wording.STORYBOARD_CAPTION,
                                            reply_to=origin.message_id)
        finally:
            with contextlib.suppress(OSError):
                path.unlink()

    async def _with_pictures(self, chat_id: int, board: timeline.Board) -> timeline.Board:
        kept = [u for u in await self._store.uploads.for_chat(chat_id, kind="photo") if u.local_path]
        by_ref = {u.engine_ref: u.local_path for u in kept if u.engine_ref}
        by_name = {u.filename: u.local_path for u in kept}
        photos = []
        for photo in board.photos:
            path = photo.path or by_ref.get(photo.url or "") or by_name.get(photo.name)
            if path:  # received on another machine, perhaps: fetched here (one out of reach is drawn as missing)
                with contextlib.suppress(OSError):
                    path = str(await self._media.fetch(path))
            photos.append(dataclasses.replace(photo, path=path))
        return dataclasses.replace(board, photos=tuple(photos))

    async def web_link(self, origin: Origin) -> None:
        """/web: a link that opens this chat's project in the engine's web editor, where it has one. The link
        hands the whole project over to whoever opens it first: in a group, only an admin may ask."""
        if origin.in_group and not self._access.is_admin(origin.user_id):
            await self._chats.say(origin, wording.WEB_ADMINS_ONLY)
            return
        async with self._chats.failures_told(origin):
            engine = await self._chats.engine(origin.chat_id)
            await self._chats.connect(origin, engine)
            link = await engine.claim_link(origin.chat_id)
            await self._chats.say(origin, wording.WEB_LINK.format(url=link) if link else wording.NO_WEB_EDITOR)

    async def use_engine(self, origin: Origin, *, runs_here: bool) -> None:
        """/local and /cloud: move the chat to the engine on this machine or the one elsewhere, taking
        everything it sent along to the one here."""
        label = wording.engine_label(runs_here)
        async with self._chats.failures_told(origin):
            target = self._chats.engines.where(runs_here=runs_here)
            if target is None:
                await self._chats.say(origin, wording.ENGINE_MISSING.format(engine=label))
                return
            async with self._chats.turn(origin):
                current = await self._chats.engine(origin.chat_id)
                if current is target:
                    await self._chats.say(origin, wording.ALREADY_ON.format(engine=label))
                    return
                await self._chats.connect(origin, target)
                await self._store.chats.update(origin.chat_id, engine=target.name)
                if runs_here:
                    moved = await self._uploads.move_to(origin, target)
                    await self._chats.say(origin, wording.SWITCHED_LOCAL.format(count=moved, next=wording.NEXT_STEP))
                else:
                    await self._chats.say(origin, wording.SWITCHED_CLOUD)

    async def language(self, origin: Origin, name: str) -> None:
        """/language [NAME]: the chat's own choice of language ("zh", "中文", "English"...), remembered across
        restarts; "auto" goes back to the sender's Telegram language and what they write; no name says which
        language the chat reads and how to change it. The answer is in the language chosen, and so is the
        chat's command menu from then on."""
        languages = available_languages()
        choices = wording.language_choices(languages, {code: language_name(code) for code in languages})
        wanted = name.strip()
        with answering_now():
            if not wanted:
                now = self._chats.languages.get(origin.chat_id, self._chats.default_language)
                await self._chats.say(origin, wording.LANGUAGE_NOW.format(language=language_name(now),
                                                                          choices=choices))
                return
            chosen: str | None = None  # "auto": no language of the chat's own
            if wanted.lower() in ("auto", "automatic", "自动"):
                now = await self._chats.choose(origin, None)
                await self._chats.say(origin, wording.LANGUAGE_AUTO.format(language=language_name(now)))
            else:
                chosen = language_named(wanted)
                if chosen is None:
                    await self._chats.say(origin, wording.LANGUAGE_UNKNOWN.format(name=wanted[:40],
                                                                                  choices=choices))
                    return
                await self._chats.choose(origin, chosen)
                await self._chats.say(origin, wording.LANGUAGE_SET.format(language=language_name(chosen)))
        # The answer first (someone is waiting for it), then the chat's command menu in the language chosen.
        await self._chats.replies.menu(origin.chat_id, chosen)
