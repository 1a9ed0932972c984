"""Telegram handlers, each named after what it answers. They translate updates into conversation calls.

Files are downloaded here (Telegram's getFile is a Telegram concern) into the place the conversation
chooses, so the conversation only ever sees saved files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from telegram import Message, MessageEntity, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import wording
from bot.access import Access, JoinResult
from bot.arrivals import Arrival
from bot.config import Settings
from bot.conversation import Conversation
from bot.engines.base import MediaFile, MediaKind
from bot.store import Store
from bot.talk import Origin, Source
from bot.telegram.albums import AlbumCollector

log = logging.getLogger(__name__)

PHOTO_TYPES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif"}
VIDEO_TYPES = {".mp4", ".mov", ".avi", ".webm", ".mkv"}
AUDIO_TYPES = {".mp3", ".wav", ".m4a", ".aac"}
_MIME_SUFFIX = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
    "image/heif": ".heif", "image/gif": ".gif", "video/mp4": ".mp4", "video/quicktime": ".mov",
    "video/webm": ".webm", "video/x-matroska": ".mkv", "audio/mpeg": ".mp3", "audio/mp3": ".mp3",
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/aac": ".aac",
}


@dataclass(frozen=True, slots=True)
class Incoming:
    """One file of a message, not yet downloaded."""

    file_id: str
    file_unique_id: str
    filename: str
    kind: MediaKind
    size: int | None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class AlbumPart:
    origin: Origin
    media: MediaFile
    source: Source
    caption: str | None


class Handlers:
    """The callbacks registered in `bot.telegram.application`, sharing the conversation and settings."""

    def __init__(self, settings: Settings, store: Store, conversation: Conversation) -> None:
        self.settings = settings
        self.store = store
        self.conversation = conversation
        self.albums: AlbumCollector[AlbumPart] = AlbumCollector(settings.album_wait_seconds, self._album_ready)
        self._arrivals: dict[int, Arrival] = {}  # update id -> its place in its chat's line
        self._refused: set[int] = set()  # chats already told they are not on the access lists
        self.access = Access(settings, store)
        self._chat_names: dict[int, tuple[str | None, str]] = {}  # what /usage calls each chat, as last stored
        self._told_channels: set[int] = set()  # channels already told the bot does not work there

    # ------------------------------------------------------------ bookkeeping

    async def claim(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Group -1, the first code an update meets: its place in the chat's line is taken before any await
        (updates are handled concurrently; the line keeps a chat's messages in order). An update Telegram
        delivers again after a crash was seen before: skip it. One whose handling a crash cut short is
        handled again: the conversation acts on a message once (it checks what the message already did)."""
        chat_id = update.effective_chat.id if update.effective_chat else None
        if chat_id is not None:
            self._arrivals[update.update_id] = self.conversation.arrive(chat_id)
        if not await self.admits(update):
            if _is_join(update):
                return  # the way in, for strangers too: `join` writes nothing unless the code is good
            self._leave(update)
            await self._refuse(update)
            raise ApplicationHandlerStop
        await self._see_chat(update)
        before = await self.store.start_update(update.update_id, chat_id)
        if before == "done":
            log.info("update %s was handled before; skipped", update.update_id)
            self._leave(update)
            raise ApplicationHandlerStop
        if before == "started":
            log.info("update %s was being handled when the bot stopped; taking it up again", update.update_id)

    async def finish(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Group 1, run after the handlers whatever they did: the update leaves its chat's line."""
        self._leave(update)
        await self.store.finish_update(update.update_id)

    async def admits(self, update: Update) -> bool:
        """Asked of every update as it arrives (`bot.telegram.inbox` keeps only what this admits) and as it is
        handled. Open to all unless ALLOWED_USER_IDS / ALLOWED_CHAT_IDS are set; admins are always let in, and so
        are the people and groups an invite let in (`bot.access`; kept in the database, so a restart keeps them)."""
        user, chat = update.effective_user, update.effective_chat
        return await self.access.lets_in(user.id if user else None, chat.id if chat else None)

    async def _see_chat(self, update: Update) -> None:
        """Keep the chat's title (a person's name in a private chat) and type for /usage, written only when
        it changed: a group can be renamed."""
        chat = update.effective_chat
        if chat is None:
            return
        name = (chat.effective_name, chat.type)
        if self._chat_names.get(chat.id) != name:
            await self.store.see_chat(chat.id, title=name[0], chat_type=name[1])
            self._chat_names[chat.id] = name

    async def _refuse(self, update: Update) -> None:
        """One polite refusal per chat (per run); nothing of a stranger's is stored or sent to an engine."""
        chat = update.effective_chat
        log.info("update %s from a chat or user not on the access lists: refused", update.update_id)
        if chat is None or chat.id in self._refused or update.effective_message is None:
            return
        self._refused.add(chat.id)
        await self.conversation.tell(Origin(chat.id, message_id=update.effective_message.message_id),
                                     wording.NOT_ALLOWED)

    def _leave(self, update: Update) -> None:
        arrival = self._arrivals.pop(update.update_id, None)
        if arrival is not None:
            arrival.leave()

    def _origin(self, update: Update) -> Origin:
        chat = update.effective_chat
        assert chat is not None
        user = update.effective_user
        message = update.effective_message
        return Origin(chat.id, user.id if user else None, message.message_id if message else None,
                      arrival=self._arrivals.get(update.update_id))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("while handling an update: %s", type(context.error).__name__, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat:
            try:
                await context.bot.send_message(update.effective_chat.id, wording.INTERNAL)
            except TelegramError:
                pass

    # ------------------------------------------------------------ commands

    async def start(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.conversation.start(self._origin(update))

    async def help(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.conversation.help(self._origin(update))

    async def credits(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.conversation.credits(self._origin(update))

    async def status(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.conversation.status(self._origin(update))

    async def export(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.conversation.export(self._origin(update))

    async def use_local(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.conversation.use_engine(self._origin(update), "local")

    async def use_cloud(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.conversation.use_engine(self._origin(update), "nemo")

    async def web(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """The link hands the whole project over to whoever opens it first: in a group, admins only."""
        chat, user = update.effective_chat, update.effective_user
        in_group = chat is not None and chat.type != "private"
        if in_group and (user is None or user.id not in self.settings.admin_user_ids):
            await self.conversation.tell(self._origin(update), wording.WEB_ADMINS_ONLY)
            return
        await self.conversation.web_link(self._origin(update))

    # ------------------------------------------------------------ team access

    async def invite(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """/invite: a one-time code, for admins, and never posted where a whole group could read it."""
        chat, user = update.effective_chat, update.effective_user
        origin = self._origin(update)
        if user is None or not self.access.is_admin(user.id):
            await self.conversation.tell(origin, wording.ADMINS_ONLY.format(command="invite"))
            return
        if chat is None or chat.type != "private":
            await self.conversation.tell(origin, wording.INVITE_PRIVATE_ONLY)
            return
        made = await self.access.invite(user.id)
        await self.conversation.tell(origin, wording.invite_made(
            made.code, self.settings.invite_valid_hours, made.expires_at, open_to_all=self.access.open_to_all,
        ))

    async def join(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/join CODE: lets the sender in (private chat) or the whole group it was sent in. It is the way in,
        so `claim` lets strangers reach it; a wrong code from a stranger leaves nothing in the database."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        origin = self._origin(update)
        code = "".join(context.args or [])
        if not code:
            await self.conversation.tell(origin, wording.JOIN_HOW)
            return
        in_group = chat.type in ("group", "supergroup")
        result = await self.access.join(code, user_id=user.id, chat_id=chat.id, in_group=in_group)
        if result is JoinResult.ADMITTED:
            self._refused.discard(chat.id)
            await self._see_chat(update)
        text = {
            JoinResult.ADMITTED: wording.JOINED_GROUP if in_group else wording.JOINED_USER,
            JoinResult.ALREADY_IN: wording.ALREADY_IN_GROUP if in_group else wording.ALREADY_IN_USER,
            JoinResult.REFUSED: wording.JOIN_REFUSED,
        }.get(result) or wording.join_locked(self.access.guard.wait_left(user.id))
        await self.conversation.tell(origin, text)

    async def usage(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """/usage: every chat's activity, for admins, and only in a private chat since it names every chat."""
        chat, user = update.effective_chat, update.effective_user
        origin = self._origin(update)
        if user is None or not self.access.is_admin(user.id):
            await self.conversation.tell(origin, wording.ADMINS_ONLY.format(command="usage"))
        elif chat is None or chat.type != "private":
            await self.conversation.tell(origin, wording.USAGE_PRIVATE_ONLY)
        else:
            await self.conversation.usage(origin)

    # ------------------------------------------------------------ text and media

    async def text(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        await self.conversation.on_text(self._origin(update), message.text or "")

    async def media(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, image/video/audio files: saved, then handed over (an album as one hand-over)."""
        message = update.effective_message
        assert message is not None
        origin = self._origin(update)
        incoming = _incoming(message)
        if incoming is None:
            name = message.document.file_name if message.document else None
            await self.conversation.tell(origin, wording.unusable_file(name))
            return
        limit_mb = self.settings.download_limit_mb
        if incoming.size is not None and incoming.size > limit_mb * 1024 * 1024:
            await self.conversation.tell(origin, wording.too_big_to_download(incoming.filename, limit_mb))
            return
        if message.media_group_id:
            self.albums.expect(message.media_group_id)
        try:
            media = await self._download(message, incoming)
        except BaseException:
            if message.media_group_id:
                self.albums.abandon(message.media_group_id)
            raise
        if message.media_group_id:
            part = AlbumPart(origin, media, Source(message.message_id, incoming.file_unique_id), message.caption)
            await self.albums.add(message.media_group_id, message.message_id, part)
        else:
            await self.conversation.on_media(origin, [media], caption=message.caption,
                                             sources=[Source(message.message_id, incoming.file_unique_id)])

    async def _download(self, message: Message, incoming: Incoming) -> MediaFile:
        path = self.conversation.media_path(message.chat_id, incoming.filename)
        telegram_file = await message.get_bot().get_file(incoming.file_id)
        await telegram_file.download_to_drive(path)
        return MediaFile(path, incoming.filename, incoming.kind, path.stat().st_size,
                         width=incoming.width, height=incoming.height)

    async def _album_ready(self, _group_id: str, parts: list[AlbumPart]) -> None:
        caption = next((p.caption for p in parts if p.caption), None)
        await self.conversation.on_media(
            parts[0].origin, [p.media for p in parts], caption=caption,
            sources=[p.source for p in parts],
        )

    async def edited(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message: acting on it again could run (and charge) a turn twice, or take a file in twice,
        so the user is asked to send the change as a new message."""
        await self.conversation.tell(self._origin(update), wording.EDITED)

    async def channel_post(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A post in a channel the bot is in: a post has no sender to make a video for and every answer is
        published to the subscribers, so the channel is told once (per run) and nothing else happens."""
        chat = update.effective_chat
        if chat is None or chat.id in self._told_channels or update.edited_channel_post is not None:
            return
        self._told_channels.add(chat.id)
        await self.conversation.tell(self._origin(update), wording.NO_CHANNELS)

    async def old_button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on an inline button (the bot sends none now; an older message may carry one): answered,
        so the user's app stops its spinner, with a short note."""
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer(wording.OLD_BUTTON)
        except TelegramError as exc:  # a query older than Telegram keeps them: nothing left to answer
            log.info("callback query not answered: %s", type(exc).__name__)

    async def unsupported(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, locations, polls, contacts, voice…: one clear answer instead of silence."""
        message = update.effective_message
        if message is None:
            return
        text = wording.VOICE if message.voice or message.video_note else wording.UNSUPPORTED_KIND
        await self.conversation.tell(self._origin(update), text)


def _is_join(update: Update) -> bool:
    """A new message that starts with /join (or /join@botname): the one command a stranger may send."""
    message = update.message
    if message is None or not message.text or not message.entities:
        return False
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return False
    return message.text[1:first.length].partition("@")[0].lower() == "join"


def _incoming(message: Message) -> Incoming | None:
    """What file a message carries and of which kind, or None for a type the bot cannot use."""
    if message.photo:
        largest = message.photo[-1]
        return Incoming(largest.file_id, largest.file_unique_id, f"photo_{message.message_id}.jpg",
                        MediaKind.PHOTO, largest.file_size, largest.width, largest.height)
    if message.video:
        video = message.video
        name = video.file_name or f"video_{message.message_id}.mp4"
        return Incoming(video.file_id, video.file_unique_id, name, MediaKind.VIDEO, video.file_size,
                        video.width, video.height)
    if message.audio:
        audio = message.audio
        name = audio.file_name or f"audio_{message.message_id}{_MIME_SUFFIX.get(audio.mime_type or '', '.mp3')}"
        return Incoming(audio.file_id, audio.file_unique_id, name, MediaKind.AUDIO, audio.file_size)
    if message.document:
        document = message.document
        name = document.file_name or f"file_{message.message_id}{_MIME_SUFFIX.get(document.mime_type or '', '')}"
        suffix = Path(name).suffix.lower() or _MIME_SUFFIX.get(document.mime_type or "", "")
        for kinds, kind in ((PHOTO_TYPES, MediaKind.PHOTO), (VIDEO_TYPES, MediaKind.VIDEO),
                            (AUDIO_TYPES, MediaKind.AUDIO)):
            if suffix in kinds:
                return Incoming(document.file_id, document.file_unique_id, name, kind, document.file_size)
    return None
