"""The core: what the bot does for a chat, free of any transport.

`Conversation` is the one door transports (`bot.telegram`, `bot.console`) use: messages arrive, texts and
files come in, commands are run from `COMMANDS` (the one command table both transports serve), and the
core answers through the `Replies` port it was given. Behind the door, one use case per module, each given
what it needs through its constructor and none calling another:

    chat      the ground they stand on: a chat's line, its engine, say / fail / keep-alive
    uploads   files kept and handed to an engine (once, and again wherever missing)
    turns     an instruction streamed to the engine, and what changed
    exports   /export, the render followed to its end, delivered once
    account   greeting, help, credits, timeline, web editor, choice of engine
    history   /undo, /redo and /new
    team      who gets in, invite codes, /usage

`intents` routes plain text (English and Chinese); `wording` holds every sentence the bot says.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.config import Settings
from bot.conversation import wording
from bot.conversation.access import Access
from bot.conversation.account import Account
from bot.conversation.chat import Chats, Engines
from bot.conversation.exports import Exports
from bot.conversation.history import History
from bot.conversation.intents import Intent, classify, is_blank, without_control_characters
from bot.conversation.ports import Origin, RenderQueue, Replies, Said, Source
from bot.conversation.team import Team
from bot.conversation.turns import Turns
from bot.conversation.uploads import Uploads
from bot.engines.base import Engine, MediaFile
from bot.language import Text, _, language_for_code, render
from bot.media import MediaFolder
from bot.store import Store

__all__ = ["COMMANDS", "Command", "Conversation", "Origin", "Replies", "Source"]

# An instruction is one chat message's worth. A transport without such a limit (a terminal paste, a local
# Bot API server) could hand over more; it is refused, not streamed to an engine.
LONGEST_INSTRUCTION = 4096


class Conversation:
    """See the module. One per transport; `resume`, `wait_background` and `aclose` frame its life."""

    def __init__(
        self, settings: Settings, store: Store, engines: Mapping[str, Engine], replies: Replies,
        media: MediaFolder | None = None, render_queue: RenderQueue | None = None,
    ) -> None:
        self.media = media or MediaFolder(settings.media_dir)
        self.chats = Chats(settings, store, Engines(engines, settings.video_engine), replies)
        access = Access(settings, store)
        self.uploads = Uploads(self.chats, store, self.media)
        self.turns = Turns(self.chats, self.uploads, store, settings)
        self.exports = Exports(self.chats, self.uploads, store, settings, render_queue)
        self.account = Account(self.chats, self.uploads, access, store, self.media)
        self.team = Team(self.chats, access, store, settings)
        self.history = History(self.chats, store)

    # ------------------------------------------------------------ a message's life

    def arrive(self, line: Hashable, key: int) -> None:
        """A message came in: its place in its line (the chat's, or a forum topic's: whatever names the place
        the transport knows without waiting), under the transport's key for it (passed back as
        `Origin.arrival`). Call it before any await; `leave` when done with the message, whatever became of
        it."""
        self.chats.line.arrive(line, key)

    def leave(self, key: int) -> None:
        self.chats.line.leave(key)

    async def refresh(self, chat_id: int) -> None:
        """Before a message of the chat is handled by one of several processes: what this one remembers of
        the chat is read again (another process may have handled its last message)."""
        await self.chats.refresh(chat_id)

    async def follow_render(self, render_id: str, draft: dict[str, Any] | None) -> None:
        """A render's job (see `RenderQueue`): make it if it is ours to make, follow it, deliver it once."""
        await self.exports.follow_queued(render_id, draft)

    async def lets_in(self, user_id: int | None, chat_id: int | None) -> bool:
        return await self.team.lets_in(user_id, chat_id)

    async def refuse(self, origin: Origin) -> None:
        await self.chats.hear(origin, keep=False)  # a stranger: answered in their language, nothing stored
        await self.team.refuse(origin)

    async def see_chat(self, chat_id: int, *, title: str | None, kind: str | None) -> None:
        await self.team.see_chat(chat_id, title=title, kind=kind)

    # ------------------------------------------------------------ where a chat is

    async def moved(self, old: int, new: int) -> None:
        """The chat's id changed (a group became a supergroup): its project, its renders in flight and its
        admission follow it. Idempotent: the transport may learn of one move several times."""
        if await self.chats.moved(old, new):
            self.team.moved(old, new)

    async def gone(self, chat_id: int, *, blocked: bool) -> None:
        """The bot was blocked (a private chat) or removed from a group: its turns and renders stop, and
        nothing more is sent there; /usage shows it."""
        for project in await self.chats.gone(chat_id, "blocked" if blocked else "removed"):
            await self.exports.stop(project)

    async def back(self, chat_id: int) -> None:
        """The bot is in the chat again: what was left undelivered there is followed and delivered."""
        for project in await self.chats.back(chat_id):
            await self.exports.back(project)

    async def tell(self, origin: Origin, text: Said) -> None:
        """Answer with a sentence the transport chose (a refusal of something the engines never see)."""
        await self.chats.hear(origin)
        await self.chats.say(origin, text)

    def words(self, chat_id: int | None, text: Said, *, language_code: str | None = None) -> str:
        """A sentence as the chat reads it, for what a transport sends itself (an answer to a button press,
        the last word after an unexpected failure): the chat's language, else the sender's."""
        known = self.chats.languages.get(chat_id) if chat_id is not None else None
        return render(text, known or language_for_code(language_code) or self.chats.default_language)

    # ------------------------------------------------------------ what people send

    async def on_text(self, origin: Origin, text: str) -> None:
        """Route a message: export / credits / status / upload skip the engine's stream; the rest is a turn."""
        text = without_control_characters(text)  # a terminal's escape sequences, a pasted NUL: never sent on
        await self.chats.hear(origin, text)
        if is_blank(text):  # whitespace, or only invisible characters: nothing to send on (or charge for)
            await self.chats.say(origin, wording.EMPTY_TEXT)
            return
        if len(text) > LONGEST_INSTRUCTION:
            await self.chats.say(origin, wording.TEXT_TOO_LONG.format(length=len(text), limit=LONGEST_INSTRUCTION))
            return
        match classify(text):
            case Intent.EXPORT:
                await self.exports.export(origin)
            case Intent.CREDITS:
                await self.account.credits(origin)
            case Intent.STATUS:
                await self.account.status(origin)
            case Intent.UPLOAD:
                await self.chats.say(origin, wording.UPLOAD_HOW)
            case Intent.UNDO:
                await self.history.undo(origin)
            case Intent.REDO:
                await self.history.redo(origin)
            case Intent.NEW:
                await self.history.start_over(origin)
            case _:
                await self.turns.instruct(origin, text)

    async def on_media(
        self, origin: Origin, files: list[MediaFile], *, caption: str | None = None,
        sources: list[Source] | None = None,
    ) -> None:
        """Photos, videos, audio (an album is one call), saved in `media`; a caption is an instruction."""
        await self.chats.hear(origin, caption or "")
        await self.uploads.take_in(origin, files, sources or [Source()] * len(files))
        if caption and not is_blank(caption):
            await self.on_text(origin, caption)

    async def command(self, origin: Origin, name: str, arguments: str = "") -> bool:
        """Run /name from `COMMANDS`; False when there is no such command (the transport decides what then)."""
        command = BY_NAME.get(name.lower())
        if command is None:
            return False
        # A command's name says nothing of the language; the way in (/join) stores nothing of a stranger's.
        await self.chats.hear(origin, keep=not command.open_to_strangers)
        await command.run(self, origin, arguments)
        return True

    # ------------------------------------------------------------ renders in the background

    async def load(self) -> None:
        """At start-up: what the store says of every chat (which blocked or removed the bot, which language
        each is spoken to in)."""
        await self.chats.load_presence()
        await self.chats.load_languages()

    async def resume(self) -> int:
        """After a restart: follow every render that was accepted but not delivered, and deliver it once
        (except in chats that blocked or removed the bot: they get theirs if they let it back in)."""
        await self.load()
        return await self.exports.resume()

    async def wait_background(self) -> None:
        """For the terminal and tests: wait until every render has been followed to its end."""
        await self.exports.wait_background()

    async def aclose(self) -> None:
        await self.exports.aclose()


# -------------------------------------------------------------------- the command table

Run = Callable[[Conversation, Origin, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Command:
    """A /command as every transport offers it. `menu`: in whose command menu it is shown ("all", "admins"
    (in their private chat), or nowhere); `open_to_strangers`: it is the way in, so the access lists let it
    through."""

    name: str
    summary: Text
    run: Run
    menu: Literal["all", "admins", "none"] = "all"
    open_to_strangers: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", _("Start: what this bot does"), lambda c, o, _: c.account.start(o)),
    Command("help", _("How to make a video"), lambda c, o, _: c.account.help(o)),
    Command("status", _("Show the timeline"), lambda c, o, _: c.account.status(o)),
    Command("credits", _("Show your credit balance"), lambda c, o, _: c.account.credits(o)),
    Command("export", _("Render and send the MP4"), lambda c, o, _: c.exports.export(o)),
    Command("undo", _("Undo the last change"), lambda c, o, _: c.history.undo(o)),
    Command("redo", _("Redo what was undone"), lambda c, o, _: c.history.redo(o)),
    Command("new", _("Start a new project"), lambda c, o, _: c.history.start_over(o)),
    Command("local", _("Make the video on this machine (free)"),
            lambda c, o, _: c.account.use_engine(o, runs_here=True)),
    Command("cloud", _("Make the video in the cloud"), lambda c, o, _: c.account.use_engine(o, runs_here=False),
            menu="none"),
    Command("web", _("Open the project in the NemoVideo web editor"), lambda c, o, _: c.account.web_link(o)),
    Command("join", _("Join with an invite code"), lambda c, o, code: c.team.join(o, code), open_to_strangers=True),
    Command("invite", _("Make a one-time invite code"), lambda c, o, _: c.team.invite(o), menu="admins"),
    Command("usage", _("What every chat has done, and its credits"), lambda c, o, _: c.team.usage(o),
            menu="admins"),
    Command("language", _("Choose the language I speak (English, 中文)"),
            lambda c, o, name: c.account.language(o, name)),
)
BY_NAME: Mapping[str, Command] = {command.name: command for command in COMMANDS}
