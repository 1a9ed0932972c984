"""`Replies` over python-telegram-bot: texts split to Telegram's limit, progress edits, chat actions, video, photo.

Flood limits are the job of `bot.telegram.limits` (set up in `bot.telegram.application`); this module only
shapes what is sent so that Telegram accepts it, and sends it to the project's place: a forum topic's project
is answered in that topic (`message_thread_id`), every piece, chat action and video of it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ReplyParameters
from telegram.constants import ChatAction, MessageLimit
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.conversation.ports import Actions, Activity
from bot.store import Place, Topics
from bot.telegram.menus import Menus
from bot.video_meta import VideoMeta, read_video_meta, still_jpeg

log = logging.getLogger(__name__)

_ACTIONS: dict[str, str] = {
    "typing": ChatAction.TYPING,
    "upload_video": ChatAction.UPLOAD_VIDEO,
    "upload_photo": ChatAction.UPLOAD_PHOTO,
}
_UPLOAD_TIMEOUT = 300.0  # a 50 MB video over a slow uplink
CHAT_ACTION_SECONDS = 5.0  # how long Telegram shows a chat action ("typing…") unless it is sent again
VIDEO_ATTEMPTS = 3  # tries of one way of sending a video when Telegram fails on its side
# What the Bot API takes as a video's thumbnail: a JPEG under 200 kB, at most 320 px on each side. Anything
# else is dropped without an error, and a video past 10 MB (which Telegram does not analyse) then has none.
THUMBNAIL_SIDE = 320
THUMBNAIL_BYTES = 200_000


def utf16_length(text: str) -> int:
    """The length Telegram's limits count: UTF-16 code units, so an emoji or a rare CJK character (outside
    the Basic Multilingual Plane) counts two."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units (a character is never cut in half)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut a long text into pieces Telegram accepts, preferring paragraph, line and word breaks.

    `limit` is in UTF-16 code units, as Telegram counts (4096 for a message, 1024 for a caption): counted in
    characters, a text full of emoji would pass our check and be refused as "message is too long".
    """
    if limit < 2:
        raise ValueError("a limit under 2 UTF-16 units cannot hold an emoji")
    pieces: list[str] = []
    rest = text.strip()
    while (end := _fitting(rest, limit)) < len(rest):
        window = rest[:end]
        cut = next(
            (at for sep in ("\n\n", "\n", " ")
             if (at := window.rfind(sep)) > 0 and utf16_length(window[:at]) >= limit // 2),
            end,
        )
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def keyboard(actions: Actions) -> InlineKeyboardMarkup | None:
    """What a message offers, as one row of buttons under it; a press comes back as a callback query whose
    data is the command (`/export`), run as if typed (`bot.telegram.handlers.Handlers.button`)."""
    if not actions:
        return None
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(str(action.label), callback_data=pressed_data(action.command)) for action in actions
    ]])


def pressed_data(command: str) -> str:
    """A button's callback data: the command as typed (Telegram takes 1-64 bytes; a command name is at most 32)."""
    return f"/{command}"


class TelegramReplies:
    """The `Replies` port over a python-telegram-bot `Bot`."""

    working_lasts = CHAT_ACTION_SECONDS

    def __init__(self, bot: Bot, *, retry_seconds: float = 2.0, largest_video_mb: int = 50,
                 topics: Topics | None = None, menus: Menus | None = None) -> None:
        """`retry_seconds`: the first wait before a video upload that failed on Telegram's side (5xx, network)
        is tried again; the wait doubles each time (TELEGRAM_RETRY_SECONDS). `largest_video_mb`: the Bot API
        server's upload limit (TELEGRAM_UPLOAD_LIMIT_MB): a larger video is offered as a link. `menus`: the
        bot's command menus, which a chat's choice of language changes (none: menus are left as they are)."""
        self._bot = bot
        self._menus = menus
        self._retry_seconds = retry_seconds
        self.largest_video = largest_video_mb * 1024 * 1024
        self._topics = topics
        self._places: dict[int, Place] = {}  # a topic's project key -> its place (it never changes)

    async def _place(self, project: int) -> Place:
        """Where a project's messages go (`Origin.chat_id` is a project's key: see `bot.store.topics`)."""
        if self._topics is None:
            return Place(project)
        if project not in self._places:
            self._places[project] = await self._topics.place(project)
        return self._places[project]

    async def say(
        self, chat_id: int, text: str, *, reply_to: int | None = None, actions: Actions = ()
    ) -> int | None:
        """Send `text` (in pieces when long); the buttons go under the last piece, where the reader ends."""
        message_id = None
        place = await self._place(chat_id)
        pieces = split_text(text)
        for number, piece in enumerate(pieces, 1):
            reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
            message = await self._bot.send_message(place.chat_id, piece, reply_parameters=reply,
                                                   message_thread_id=place.topic_id,
                                                   reply_markup=keyboard(actions) if number == len(pieces) else None)
            message_id = message_id or message.message_id
            reply_to = None  # only the first piece answers the user's message
        return message_id

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        try:
            place = await self._place(chat_id)  # a message id names one message in the whole chat, topics too
            await self._bot.edit_message_text(split_text(text)[0], chat_id=place.chat_id, message_id=message_id)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def working(self, chat_id: int, activity: Activity) -> None:
        place = await self._place(chat_id)
        await self._bot.send_chat_action(place.chat_id, _ACTIONS[activity], message_thread_id=place.topic_id)

    async def video(
        self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None, actions: Actions = ()
    ) -> bool:
        """Send as a playable video; if Telegram refuses it as one (BadRequest), as a document; False if
        neither went through, so the caller sends the download link instead.

        A failure on Telegram's side (5xx, a dropped connection, a timeout) is passing: the same upload is
        tried again after a short wait (TELEGRAM_RETRY_SECONDS, then twice that), VIDEO_ATTEMPTS times in
        all. If it persists, a document would meet the same trouble, so the link is the way out. 429s are
        the flood limiter's (`bot.telegram.limits`): it waits `retry_after` and sends again before this code
        sees anything.
        """
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        caption = split_text(caption, MessageLimit.CAPTION_LENGTH)[0] if caption.strip() else ""
        place = await self._place(chat_id)
        meta, thumbnail = await asyncio.to_thread(_describe, path)
        markup = keyboard(actions)
        as_video = functools.partial(self._send_video, meta=meta, thumbnail=thumbnail, markup=markup)
        as_document = functools.partial(self._send_document, markup=markup)
        for way, send in (("video", as_video), ("document", as_document)):
            for attempt in range(1, VIDEO_ATTEMPTS + 1):
                try:
                    with path.open("rb") as stream:
                        await send(place, stream, path.name, caption, reply)
                    return True
                except BadRequest as exc:
                    log.warning("chat %s: %s of %s refused: %s", chat_id, way, path.name, exc.message)
                    break  # this way of sending will not work: try the next one
                except NetworkError as exc:  # 5xx and transport failures (TimedOut is one)
                    log.warning("chat %s: %s of %s failed (attempt %d): %s", chat_id, way, path.name,
                                attempt, type(exc).__name__)
                    if attempt == VIDEO_ATTEMPTS:
                        return False
                    await asyncio.sleep(self._retry_seconds * 2 ** (attempt - 1))
                except TelegramError as exc:  # blocked by the user, flood limit past the retries…
                    log.warning("chat %s: video upload refused: %s", chat_id, type(exc).__name__)
                    return False
        return False

    async def photo(self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None) -> bool:
        """Send a picture as a photo (shown inline, scaled by Telegram); False when Telegram would not take it.
        A picture is a look at something the chat has in words already: one try, no retries."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        caption = split_text(caption, MessageLimit.CAPTION_LENGTH)[0] if caption.strip() else ""
        place = await self._place(chat_id)
        try:
            with path.open("rb") as stream:
                await self._bot.send_photo(place.chat_id, stream, filename=path.name, caption=caption,
                                           reply_parameters=reply, message_thread_id=place.topic_id,
                                           read_timeout=_UPLOAD_TIMEOUT, write_timeout=_UPLOAD_TIMEOUT)
        except TelegramError as exc:
            log.warning("chat %s: photo %s not sent: %s", chat_id, path.name, type(exc).__name__)
            return False
        return True

    async def menu(self, chat_id: int, language: str | None) -> None:
        """The command menu of the chat the project is in: a forum topic has no menu of its own, so a topic's
        choice is its forum's menu. Telegram refusing it (a chat it will not take, a failure on its side)
        is only logged: the choice itself is made and answered already."""
        if self._menus is None:
            return
        place = await self._place(chat_id)
        try:
            await self._menus.choose(place.chat_id, language)
        except TelegramError as exc:
            log.info("chat %s: command menu not set (%s)", place.chat_id, type(exc).__name__)

    async def _send_video(self, place: Place, stream: object, name: str, caption: str,
                          reply: ReplyParameters | None, *, meta: VideoMeta | None,
                          thumbnail: bytes | None, markup: InlineKeyboardMarkup | None) -> None:
        """Telegram analyses only uploads up to about 10 MB; a bigger video without its size, length and
        thumbnail shows in every client as a 320x320 square reading 00:00, so all four always go along."""
        await self._bot.send_video(
            place.chat_id, stream, filename=name, caption=caption, supports_streaming=True,
            width=meta.width if meta else None, height=meta.height if meta else None,
            duration=meta.duration if meta else None,
            thumbnail=InputFile(thumbnail, filename="thumbnail.jpg", attach=True) if thumbnail else None,
            reply_parameters=reply, message_thread_id=place.topic_id, read_timeout=_UPLOAD_TIMEOUT,
            write_timeout=_UPLOAD_TIMEOUT, reply_markup=markup,
        )

    async def _send_document(self, place: Place, stream: object, name: str, caption: str,
                             reply: ReplyParameters | None, *, markup: InlineKeyboardMarkup | None) -> None:
        await self._bot.send_document(
            place.chat_id, stream, filename=name, caption=caption, reply_parameters=reply,
            message_thread_id=place.topic_id, read_timeout=_UPLOAD_TIMEOUT, write_timeout=_UPLOAD_TIMEOUT,
            reply_markup=markup,
        )


def _describe(path: Path) -> tuple[VideoMeta | None, bytes | None]:
    """The size, length and thumbnail Telegram needs of a video (blocking: PyAV reads the file)."""
    return read_video_meta(path), still_jpeg(path, longest_side=THUMBNAIL_SIDE, max_bytes=THUMBNAIL_BYTES)
