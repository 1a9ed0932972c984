"""Terminal mode: the same conversation as the Telegram bot, typed at a prompt.

Every command of the core's table works as in Telegram (`/credits`, `/status`, `/export`, `/local`...).
Files are added with `upload PATH...` (`/upload`, `上传`), or by dropping them on the window (a terminal types
their paths); `/help` says so; `/quit` leaves. The prompt (prompt_toolkit: line editing, history kept in the data
folder) comes back only once the answer is complete, an export included. While the bot works, one line shows it
and is updated in place (a render's progress too) instead of scrolling. Previews and exports are saved apart
(preview-….mp4, video-….mp4) in the videos folder, storyboards beside them (storyboard-….png), and each path is
printed. Log lines go to a file, never between the lines of the conversation.

The terminal's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) stands where Telegram's `language_code` stands:
the core answers in it unless the chat chose a language (/language), and where the locale names none the bot
has (C, POSIX), what the user writes decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output, create_output

from bot.conversation import Conversation, Origin, wording
from bot.conversation.ports import Actions, Activity
from bot.engines.base import MediaFile
from bot.language import ENGLISH, Sentence, _, locale_code, render
from bot.media import MediaFolder, kind_of

TERMINAL_CHAT_ID = 1  # one terminal is one chat; its history survives restarts like any chat's
PROMPT = "you> "
SPEAKER = "bot> "
UPLOAD_WORDS = ("upload", "/upload", "上传", "/上传")


class Screen:
    """What the terminal shows: lines of the conversation, and one line that changes in place (the busy sign, a
    render's progress). Where the output is not a terminal (a pipe, a file), every line is simply written."""

    def __init__(self, stream: TextIO, live: Output | None = None) -> None:
        """`live`: how to move about on the terminal (found for a real one; a test gives its own)."""
        self._stream = stream
        self._live = live if live is not None else create_output(stdout=stream) if stream.isatty() else None
        self._transient = False  # the busy sign is on the last line, with no newline after it

    @property
    def live(self) -> bool:
        return self._live is not None

    def _clear_transient(self) -> None:
        if self._live is not None and self._transient:
            self._live.write_raw("\r")
            self._live.erase_end_of_line()
            self._live.flush()  # before the next line goes to the stream itself
            self._transient = False

    def line(self, text: str) -> None:
        self._clear_transient()
        self._stream.write(text + "\n")
        self._stream.flush()

    def replace_last(self, text: str) -> None:
        """Write `text` over the last line of the conversation (a progress message edited)."""
        self._clear_transient()
        if self._live is None:
            self.line(text)
            return
        self._live.cursor_up(1)
        self._live.write_raw("\r")
        self._live.erase_end_of_line()
        self._live.flush()
        self.line(text)

    def transient(self, text: str) -> None:
        """A line that the next one replaces (only on a terminal: a pipe gets nothing)."""
        if self._live is None:
            return
        self._live.write_raw("\r")
        self._live.erase_end_of_line()
        self._live.write(text)
        self._live.flush()
        self._transient = True


class ConsoleReplies:
    """The `Replies` port on a terminal: what the bot says is printed, files are saved into the videos folder."""

    working_lasts = math.inf  # the busy line stays until the next message replaces it
    largest_video = sys.maxsize  # a file copy has no size limit

    def __init__(self, out_dir: Path, screen: Screen | None = None) -> None:
        self.out_dir = out_dir
        self.screen = screen or Screen(sys.stdout)
        self._speaker: Callable[[Sentence | str], str] = lambda text: render(text, ENGLISH)
        self._next_id = 0
        self._last_single_line: int | None = None  # the message on the last line, if it is one line long
        self._last_text = ""

    def speak_as(self, conversation: Conversation) -> None:
        """What this transport says of its own ("Saved to ...", its working line) in the chat's language, as
        the core decided it."""
        self._speaker = lambda text: conversation.words(TERMINAL_CHAT_ID, text, language_code=locale_code(os.environ))

    def _words(self, sentence: Sentence | str) -> str:
        return self._speaker(sentence)

    async def say(
        self, chat_id: int, text: str, *, reply_to: int | None = None, actions: Actions = ()
    ) -> int | None:
        self._next_id += 1
        self.screen.line(f"{SPEAKER}{text}")
        self._last_single_line = self._next_id if "\n" not in text else None
        self._last_text = text
        self._offer(actions)
        return self._next_id

    def _offer(self, actions: Actions) -> None:
        """A terminal has no buttons: what a message offers is shown as the commands to type."""
        if actions:
            self.screen.line("     " + "  ".join(f"[{self._words(a.label)} /{a.command}]" for a in actions))
            self._last_single_line = None

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        if message_id == self._last_single_line and "\n" not in text:
            self.screen.replace_last(f"{SPEAKER}{text}")
            self._last_text = text
        elif not self._last_text.startswith(text):  # "✅ Your video is ready." right under "… Saved to …"
            await self.say(chat_id, text)

    async def working(self, chat_id: int, activity: Activity) -> None:
        self.screen.transient(self._words(wording.TERMINAL_WORKING))

    def _save_copy(self, path: Path, kind: str) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        target = self.out_dir / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}-{self._next_id}{path.suffix}"
        shutil.copyfile(path, target)
        return target.resolve()

    async def _saved(self, chat_id: int, path: Path, kind: str, caption: str, actions: Actions = ()) -> bool:
        target = await asyncio.to_thread(self._save_copy, path, kind)
        saved = wording.TERMINAL_SAVED.format(path=target)
        # one sentence after another as the language puts them: "… quality. Saved to …", "…画质。已保存到 …"
        words = self._words(_("{first} {then}").format(first=caption, then=saved) if caption else saved)
        await self.say(chat_id, words, actions=actions)
        return True

    async def video(
        self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None, actions: Actions = ()
    ) -> bool:
        # The local engine names its quick previews preview-…; everything else sent as a video is an export.
        kind = "preview" if path.name.startswith("preview") else "video"
        return await self._saved(chat_id, path, kind, caption, actions)

    async def photo(self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None) -> bool:
        return await self._saved(chat_id, path, "storyboard", caption)

    async def menu(self, chat_id: int, language: str | None) -> None:
        """A terminal has no command menu: /help lists the commands."""


async def _keep(media: MediaFolder, chat_id: int, name: str) -> MediaFile | Sentence:
    """Copy a file the user named into the chat's media folder and keep it there (shared, with MEDIA_URL);
    a sentence when it can't be used."""
    kept = await asyncio.to_thread(_copy_in, media, chat_id, name)
    if isinstance(kept, MediaFile):
        await media.keep(kept.path)
    return kept


def _copy_in(media: MediaFolder, chat_id: int, name: str) -> MediaFile | Sentence:
    """The copy itself, on a worker thread: a large file must not hold up the terminal's event loop."""
    source = Path(name).expanduser()
    if not source.is_file():
        return wording.TERMINAL_NOT_FOUND.format(path=source)
    kind = kind_of(source.suffix)
    if kind is None:
        return wording.TERMINAL_NOT_MEDIA.format(name=source.name)
    kept = media.place_for(chat_id, source.name)
    shutil.copyfile(source, kept)
    return MediaFile(kept, source.name, kind, kept.stat().st_size)


def _paths(text: str) -> list[str]:
    """The paths in `text` as a shell would split them (quotes, backslash-escaped spaces: what a terminal types
    when files are dropped on it; file:// too); empty when it does not split."""
    try:
        words = shlex.split(text)
    except ValueError:
        return []
    return [word.removeprefix("file://") for word in words]


def _dropped_files(line: str) -> list[str]:
    """The files of a line that is nothing but paths of existing files (dropped on the window), else []."""
    words = _paths(line)
    return words if words and all(Path(w).expanduser().is_file() for w in words) else []


def _named_files(text: str) -> list[str]:
    """The words after "upload" when each names a file (one that exists, or a path, or a media file's name):
    a missing one is then said to be missing; "upload my logo as a watermark" names none."""
    words = _paths(text)
    def a_file(word: str) -> bool:
        path = Path(word).expanduser()
        return path.is_file() or "/" in word or "\\" in word or kind_of(path.suffix) is not None
    return words if words and all(a_file(w) for w in words) else []


async def upload(conversation: Conversation, origin: Origin, arguments: str) -> None:
    names = _paths(arguments)
    if not names:
        await conversation.tell(origin, wording.TERMINAL_UPLOAD_USAGE)
        return
    files: list[MediaFile] = []
    for name in names:
        kept = await _keep(conversation.media, origin.chat_id, name)
        if isinstance(kept, MediaFile):
            files.append(kept)
        else:
            await conversation.tell(origin, kept)
    if files:
        await conversation.on_media(origin, files)


def _upload_arguments(line: str) -> str | None:
    """The paths of "upload PATH", "/upload PATH", "上传 PATH" (or "上传PATH"), or of a line of dropped files;
    None for any other line. "upload my logo as a watermark" names no file: it is an instruction."""
    for word in UPLOAD_WORDS:
        if line.lower().startswith(word):
            rest = line[len(word):]
            if word.startswith("/") and (not rest or rest[0].isspace()):
                return rest.strip()  # the command asks for files even when it names none (it says how)
            if (rest[:1].isspace() or word.endswith("传")) and _named_files(rest.strip()):
                return rest.strip()
    if _dropped_files(line):
        return line
    return None


def _origin() -> Origin:
    """The terminal's user, speaking the locale's language (where Telegram would give its `language_code`)."""
    return Origin(TERMINAL_CHAT_ID, user_id=TERMINAL_CHAT_ID, language_code=locale_code(os.environ))


async def handle(conversation: Conversation, line: str, replies: ConsoleReplies | None = None) -> bool:
    """One typed line; False when the user wants to leave."""
    origin = _origin()
    line = line.strip()
    first, _, rest = line.partition(" ")
    name = first[1:].lower() if first.startswith("/") else None
    if name in ("quit", "exit"):
        return False
    arguments = await asyncio.to_thread(_upload_arguments, line)
    if arguments is not None:
        await upload(conversation, origin, arguments)
    elif name == "help":
        videos = replies.out_dir if replies is not None else Path(".")
        await conversation.tell(origin, wording.TERMINAL_HELP.format(videos=videos))
    elif name is None or not await conversation.command(origin, name, rest):
        await conversation.on_text(origin, line)
    await conversation.wait_background()  # an /export is followed to the MP4 before the next prompt
    return True


async def run(conversation: Conversation, replies: ConsoleReplies, *, history: Path | None = None,
              log_file: Path | None = None, terminal: Input | None = None, output: Output | None = None,
              new_project: bool = False) -> None:
    """The conversation at a prompt. With a terminal (or `terminal` given: tests drive it through a pipe),
    prompt_toolkit reads lines with editing and history; otherwise lines are read from standard input.
    `new_project` (`chat --new`) first starts a fresh project, as /new does."""
    replies.speak_as(conversation)
    if new_project:
        await handle(conversation, "/new", replies)
    interactive = terminal is not None or sys.stdin.isatty()
    if interactive:
        await conversation.tell(_origin(), wording.TERMINAL_WELCOME)
        if log_file is not None:
            await conversation.tell(_origin(), wording.TERMINAL_FOLDERS.format(videos=replies.out_dir, log=log_file))
        kept = FileHistory(str(history)) if history is not None else InMemoryHistory()
        session: PromptSession[str] = PromptSession(history=kept, input=terminal, output=output)
        while True:
            try:
                line = await session.prompt_async(PROMPT)
            except (EOFError, KeyboardInterrupt):
                break
            if line.strip() and not await handle(conversation, line, replies):
                break
    else:
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            if line.strip() and not await handle(conversation, line, replies):
                break
    with contextlib.suppress(Exception):
        await conversation.wait_background()
