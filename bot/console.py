"""Terminal mode: the same conversation as the Telegram bot, typed at a prompt.

Every command of the core's table works as in Telegram (`/credits`, `/status`, `/export`, `/local`...);
`/upload PATH...` stands in for sending files and `/quit` leaves; any other line is a message. An exported
MP4 is copied into the output folder and its path printed.

The terminal's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) stands where Telegram's `language_code` stands:
the core answers in it unless the chat chose a language (/language), and where the locale names none the bot
has (C, POSIX), what the user writes decides.
"""

from __future__ import annotations

import asyncio
import math
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.conversation import Conversation, Origin
from bot.conversation.ports import Activity, Said
from bot.engines.base import MediaFile
from bot.language import _, locale_code
from bot.media import MediaFolder, kind_of

TERMINAL_CHAT_ID = 1  # one terminal is one chat; its history survives restarts like any chat's


class ConsoleReplies:
    """The `Replies` port on standard output."""

    working_lasts = math.inf  # nothing to renew: the terminal shows no busy sign
    largest_video = sys.maxsize  # a file copy has no size limit

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._next_id = 0
        self._words: Callable[[int, Said], str] = lambda _chat, text: str(text)

    def speak_as(self, conversation: Conversation) -> None:
        """What this transport says of its own ("Saved to ...") in the chat's language, as the core decided it."""
        self._words = conversation.words

    async def say(self, chat_id: int, text: str, *, reply_to: int | None = None) -> int | None:
        self._next_id += 1
        print(f"bot> {text}", flush=True)
        return self._next_id

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        print(f"bot> {text}", flush=True)

    async def working(self, chat_id: int, activity: Activity) -> None:
        return None

    async def video(self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None) -> bool:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        target = self.out_dir / f"reelbot-{time.strftime('%Y%m%d-%H%M%S')}-{self._next_id}.mp4"
        shutil.copyfile(path, target)
        saved = self._words(chat_id, _("Saved to {path}").format(path=target.resolve()))
        print(f"bot> {caption} {saved}".replace("bot>  ", "bot> "), flush=True)
        return True


def _keep(media: MediaFolder, chat_id: int, name: str) -> MediaFile | Said:
    """Copy a file the user named into the chat's media folder; a sentence when it can't be used."""
    source = Path(name).expanduser()
    if not source.is_file():
        return _("I can't find {path}.").format(path=source)
    kind = kind_of(source.suffix)
    if kind is None:
        return _("“{name}” isn't a photo, video or audio file I can use.").format(name=source.name)
    kept = media.place_for(chat_id, source.name)
    shutil.copyfile(source, kept)
    return MediaFile(kept, source.name, kind, kept.stat().st_size)


async def upload(conversation: Conversation, origin: Origin, arguments: str) -> None:
    if not arguments.strip():
        await conversation.tell(origin, _("Usage: /upload PATH [PATH...]"))
        return
    files: list[MediaFile] = []
    for name in shlex.split(arguments):
        kept = await asyncio.to_thread(_keep, conversation.media, origin.chat_id, name)
        if isinstance(kept, MediaFile):
            files.append(kept)
        else:
            await conversation.tell(origin, kept)
    if files:
        await conversation.on_media(origin, files)


def _origin() -> Origin:
    return Origin(TERMINAL_CHAT_ID, user_id=TERMINAL_CHAT_ID, language_code=locale_code(os.environ))


async def handle(conversation: Conversation, line: str) -> bool:
    """One typed line; False when the user wants to leave."""
    origin = _origin()
    first, _, rest = line.strip().partition(" ")
    name = first[1:].lower() if first.startswith("/") else None
    if name in ("quit", "exit"):
        return False
    if name == "upload":
        await upload(conversation, origin, rest)
    elif name is None or not await conversation.command(origin, name, rest):
        await conversation.on_text(origin, line.strip())
    await conversation.wait_background()  # an /export is followed to the MP4 before the next prompt
    return True


async def run(conversation: Conversation) -> None:
    interactive = sys.stdin.isatty()
    if interactive:
        welcome = _("reelbot in the terminal. /upload PATH..., then type what you want; /export, /quit.")
        await conversation.tell(_origin(), welcome)
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            print("you> ", end="", flush=True)
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        if line.strip() and not await handle(conversation, line):
            break
    await conversation.wait_background()
