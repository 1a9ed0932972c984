"""Terminal mode: the same conversation as the Telegram bot, typed at a prompt.

`/upload PATH...` stands in for sending files, text is an instruction, `/credits`, `/status`, `/export`
work as in Telegram; the exported MP4 is copied next to the working directory and its path printed.
"""

from __future__ import annotations

import asyncio
import shlex
import shutil
import sys
import time
from pathlib import Path

from bot.conversation import Conversation
from bot.engines.base import MediaFile, MediaKind
from bot.talk import Activity, Origin

TERMINAL_CHAT_ID = 1  # one terminal is one chat; its history survives restarts like any chat's
_KINDS = {
    MediaKind.PHOTO: {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif"},
    MediaKind.VIDEO: {".mp4", ".mov", ".avi", ".webm", ".mkv"},
    MediaKind.AUDIO: {".mp3", ".wav", ".m4a", ".aac"},
}


class ConsoleReplies:
    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._next_id = 0

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
        print(f"bot> {caption} Saved to {target.resolve()}".strip(), flush=True)
        return True


def _kind(path: Path) -> MediaKind | None:
    suffix = path.suffix.lower()
    return next((kind for kind, suffixes in _KINDS.items() if suffix in suffixes), None)


def _keep(conversation: Conversation, chat_id: int, name: str) -> MediaFile | str:
    """Copy a file the user named into the chat's media folder; a sentence when it can't be used."""
    source = Path(name).expanduser()
    if not source.is_file():
        return f"I can't find {source}."
    kind = _kind(source)
    if kind is None:
        return f"{source.name} isn't a photo, video or audio file I can use."
    kept = conversation.media_path(chat_id, source.name)
    shutil.copyfile(source, kept)
    return MediaFile(kept, source.name, kind, kept.stat().st_size)


async def upload(conversation: Conversation, origin: Origin, arguments: str) -> None:
    if not arguments.strip():
        print("bot> Usage: /upload PATH [PATH...]", flush=True)
        return
    files: list[MediaFile] = []
    for name in shlex.split(arguments):
        kept = await asyncio.to_thread(_keep, conversation, origin.chat_id, name)
        if isinstance(kept, str):
            print(f"bot> {kept}", flush=True)
        else:
            files.append(kept)
    if files:
        await conversation.on_media(origin, files)


async def handle(conversation: Conversation, line: str) -> bool:
    """One typed line; False when the user wants to leave."""
    origin = Origin(TERMINAL_CHAT_ID, user_id=TERMINAL_CHAT_ID)
    command, _, rest = line.strip().partition(" ")
    match command.lower():
        case "/quit" | "/exit":
            return False
        case "/upload":
            await upload(conversation, origin, rest)
        case "/start":
            await conversation.start(origin)
        case "/help":
            await conversation.help(origin)
        case "/credits":
            await conversation.credits(origin)
        case "/status":
            await conversation.status(origin)
        case "/export":
            await conversation.export(origin)
            await conversation.wait_background()
        case "/local":
            await conversation.use_engine(origin, "local")
        case "/cloud":
            await conversation.use_engine(origin, "nemo")
        case _:
            await conversation.on_text(origin, line.strip())
    return True


async def run(conversation: Conversation) -> None:
    interactive = sys.stdin.isatty()
    if interactive:
        print("reelbot in the terminal. /upload PATH..., then type what you want; /export, /quit.", flush=True)
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
