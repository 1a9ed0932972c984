"""Telegram handlers, each named after what it answers. They turn updates into calls on the conversation.

Files are downloaded here (Telegram's getFile is a Telegram concern) into the media folder, so the core
only ever sees saved files. What an update may do is the core's to say: who gets in, what a command does.

Some updates are not a chat's messages to the bot: a business account's chats (the bot answers there only
through its business connection, and the customer's chat id is the same number as that person's own chat
with the bot) and guest messages (answered through their query). The bot offers neither, so they are
ignored before anything is written or sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from telegram import CallbackQuery, ChatMember, Message, MessageEntity, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.config import Settings
from bot.conversation import COMMANDS, Conversation, Origin, Source, wording
from bot.engines.base import MediaFile, MediaKind
from bot.media import MediaFolder, kind_of
from bot.store import Place, Store
from bot.telegram.albums import AlbumCollector
from bot.telegram.presence import ChatPresence

log = logging.getLogger(__name__)

_MIME_SUFFIX = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
    "image/heif": ".heif", "image/gif": ".gif", "video/mp4": ".mp4", "video/quicktime": ".mov",
    "video/webm": ".webm", "video/x-matroska": ".mkv", "audio/mpeg": ".mp3", "audio/mp3": ".mp3",
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/aac": ".aac",
}
_OPEN_TO_STRANGERS = frozenset(command.name for command in COMMANDS if command.open_to_strangers)
_COMMAND_NAMES = frozenset(command.name for command in COMMANDS)
# Updates that are no chat of the bot's own (see the module).
_NOT_OURS = ("business_connection", "business_message", "edited_business_message", "deleted_business_messages",
             "guest_message")
# What the bot's own membership says once it is back in a chat (a restricted member may still be one).
_IN_THE_CHAT = frozenset({ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER})


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
    """The callbacks registered in `bot.telegram.application`."""

    def __init__(
        self, settings: Settings, store: Store, media: MediaFolder, conversation: Conversation,
        presence: ChatPresence | None = None,
    ) -> None:
        self.settings = settings
        self.store = store  # for the update inbox (`bot.telegram.inbox`): which updates were handled
        self.folder = media
        self.conversation = conversation
        self.presence = presence or ChatPresence()
        self.albums: AlbumCollector[AlbumPart] = AlbumCollector(settings.album_wait_seconds, self._album_ready)
        self._told_channels: set[int] = set()  # channels already told the bot does not work there

    # ------------------------------------------------------------ every update

    async def claim(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Group -1, the first code an update meets: its place in the chat's line is taken before any await
        (updates are handled concurrently; the line keeps a chat's messages in order). An update Telegram
        delivers again after a crash was seen before: skip it. One whose handling a crash cut short is
        handled again: the core acts on a message once (it checks what the message already did).

        A business or guest update stops here, before anything (see the module). The service messages of a
        group that became a supergroup move the project first, so the supergroup is let in as the group was."""
        if _not_ours(update):
            log.info("update %s is not a chat of the bot's own; ignored", update.update_id)
            raise ApplicationHandlerStop
        chat_id = update.effective_chat.id if update.effective_chat else None
        if chat_id is not None:
            self.conversation.arrive(_place(update), update.update_id)
        moved = _migration(update)
        if moved is not None:
            await self.presence.chat_moved(*moved)
        if not await self.admits(update):
            if command_in(update) in _OPEN_TO_STRANGERS:
                return  # the way in (/join): it writes nothing unless the code is good
            self.conversation.leave(update.update_id)
            log.info("update %s from a chat or user not on the access lists: refused", update.update_id)
            if update.callback_query is not None:  # the refusal stops the spinner; nothing else happens
                chat_id = update.effective_chat.id if update.effective_chat else 0
                await self._answer(update.callback_query, self.conversation.words(chat_id, wording.NOT_ALLOWED))
            elif update.effective_chat is not None and update.effective_message is not None:
                await self.conversation.refuse(await self._origin(update))
            raise ApplicationHandlerStop
        if moved is None or chat_id != moved[0]:  # the old group is gone: no row for it again
            await self._see_chat(update)
        before = await self.store.inbox.start(update.update_id, chat_id)
        if before == "done":
            log.info("update %s was handled before; skipped", update.update_id)
            self.conversation.leave(update.update_id)
            raise ApplicationHandlerStop
        if before == "started":
            log.info("update %s was being handled when the bot stopped; taking it up again", update.update_id)
        if update.message is not None and chat_id is not None:  # what it said, to tell a real edit of it later
            await self.store.messages.remember(chat_id, update.message.message_id,
                                               update.message.text or update.message.caption)

    async def finish(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Group 1, run after the handlers whatever they did: the update leaves its chat's line. A stranger's
        /join that let them in makes the chat known only now."""
        self.conversation.leave(update.update_id)
        if command_in(update) in _OPEN_TO_STRANGERS and await self.admits(update):
            await self._see_chat(update)
        await self.store.inbox.finish(update.update_id)

    async def admits(self, update: Update) -> bool:
        """Asked of every update as it arrives (`bot.telegram.inbox` keeps only what this admits) and as it is
        handled: the access lists and invites of the core. A business or guest update is never kept; the
        service message of a group's move is Telegram's own and is (it carries nothing of anyone's)."""
        if _not_ours(update):
            return False
        if _migration(update) is not None:
            return True
        user, chat = update.effective_user, update.effective_chat
        return await self.conversation.lets_in(user.id if user else None, chat.id if chat else None)

    async def _see_chat(self, update: Update) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        await self.conversation.see_chat(chat.id, title=chat.effective_name, kind=chat.type)
        place = _place(update)
        if place.topic_id is not None:  # /usage lists a topic's project under the forum's name and the topic's
            message = update.effective_message
            created = message.reply_to_message.forum_topic_created if message and message.reply_to_message else None
            name = created.name if created else f"#{place.topic_id}"
            await self.conversation.see_chat(await self.store.topics.project(place),
                                             title=f"{chat.effective_name} / {name}", kind="forum topic")

    async def _origin(self, update: Update) -> Origin:
        """Who asked and where to answer. In a forum, each topic is a project of its own (its key from
        `bot.store.topics`); the General topic, like any other chat, is the chat's own project."""
        chat = update.effective_chat
        assert chat is not None
        user = update.effective_user
        message = update.effective_message
        project = await self.store.topics.project(_place(update))
        return Origin(project, user.id if user else None, message.message_id if message else None,
                      in_group=chat.type != chat.PRIVATE, arrival=update.update_id,
                      group_id=chat.id if project != chat.id else None,
                      language_code=user.language_code if user else None)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("while handling an update: %s", type(context.error).__name__, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat:
            try:
                place = _place(update)
                text = self.conversation.words(place.chat_id, wording.INTERNAL)
                await context.bot.send_message(place.chat_id, text, message_thread_id=place.topic_id)
            except TelegramError:
                pass

    # ------------------------------------------------------------ commands, text and media

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any command of the core's table (`bot.conversation.COMMANDS`), as /name or /name@thisbot."""
        name = command_in(update)
        if name is not None:
            await self.conversation.command(await self._origin(update), name, " ".join(context.args or []))

    async def text(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        await self.conversation.on_text(await self._origin(update), message.text or "")

    async def media(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, image/video/audio files: saved, then handed over (an album as one hand-over)."""
        message = update.effective_message
        assert message is not None
        origin = await self._origin(update)
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
        source = Source(message.message_id, incoming.file_unique_id)
        if message.media_group_id:
            await self.albums.add(message.media_group_id, message.message_id,
                                  AlbumPart(origin, media, source, message.caption))
        else:
            await self.conversation.on_media(origin, [media], caption=message.caption, sources=[source])

    async def _download(self, message: Message, incoming: Incoming) -> MediaFile:
        path = self.folder.place_for(message.chat_id, incoming.filename)
        telegram_file = await message.get_bot().get_file(incoming.file_id)
        await telegram_file.download_to_drive(path)
        await self.folder.keep(path)  # readable by the worker on whichever machine takes the next step
        return MediaFile(path, incoming.filename, incoming.kind, path.stat().st_size,
                         width=incoming.width, height=incoming.height)

    async def _album_ready(self, _group_id: str, parts: list[AlbumPart]) -> None:
        caption = next((p.caption for p in parts if p.caption), None)
        await self.conversation.on_media(
            parts[0].origin, [p.media for p in parts], caption=caption, sources=[p.source for p in parts],
        )

    # ------------------------------------------------------------ the bot's own membership

    async def membership(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot's own membership changed: blocked in a private chat or removed from a group ("kicked",
        "left") stops everything for that chat; let back in, what was left undelivered is delivered."""
        change = update.my_chat_member
        if change is None:
            return
        chat, member = change.chat, change.new_chat_member
        if member.status in (ChatMember.BANNED, ChatMember.LEFT):
            await self.conversation.gone(chat.id, blocked=chat.type == chat.PRIVATE)
        elif member.status in _IN_THE_CHAT or getattr(member, "is_member", False):
            await self.conversation.back(chat.id)

    # ------------------------------------------------------------ what the bot does not act on

    async def edited(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message: acting on it again could run (and charge) a turn twice, or take a file in twice,
        so the user is asked to send the change as a new message. Only a real change of its text or caption
        is answered, and only once per message: Telegram also sends `edited_message` when nothing visible
        changed (the first reaction to a message, among other client actions), and a second edit of the
        same message would only repeat what the user was already told."""
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None:
            return
        if await self.store.messages.first_real_edit(chat.id, message.message_id, message.text or message.caption):
            await self.conversation.tell(await self._origin(update), wording.EDITED)

    async def channel_post(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A post in a channel the bot is in: a post has no sender to make a video for and every answer is
        published to the subscribers, so the channel is told once (per run) and nothing else happens."""
        chat = update.effective_chat
        if chat is None or chat.id in self._told_channels or update.edited_channel_post is not None:
            return
        self._told_channels.add(chat.id)
        await self.conversation.tell(await self._origin(update), wording.NO_CHANNELS)

    async def button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on an inline button (`bot.telegram.replies.keyboard`): the spinner is stopped at once, then
        the command runs exactly as if typed, in the chat's line (the press took its place as it arrived), on
        a message however old. A press answers nothing twice: pressing Export while a render runs meets the
        same "already rendering" answer as typing /export. Data no command of ours reads (a button of an
        older version of the bot) gets a short note instead."""
        query = update.callback_query
        if query is None:
            return
        name = _pressed(query.data)
        chat = update.effective_chat
        note = None if name is not None else self.conversation.words(
            chat.id if chat else None, wording.OLD_BUTTON, language_code=query.from_user.language_code)
        await self._answer(query, note)
        if name is None or chat is None:
            return
        # The message under which the button sits is the bot's, pressed any number of times: it names no
        # request (what the core keys a message's one-time work on), so the press runs as a fresh command.
        await self.conversation.command(replace(await self._origin(update), message_id=None), name)

    @staticmethod
    async def _answer(query: CallbackQuery, text: str | None) -> None:
        """Stop the user's spinner (with a short note when given). A query Telegram no longer takes (pressed
        while the bot was down, answered too late) is only logged: what it asked for is still done."""
        try:
            await query.answer(text)
        except TelegramError as exc:
            log.info("callback query not answered: %s", type(exc).__name__)

    async def unsupported(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, locations, polls, contacts, voice…: one clear answer instead of silence."""
        message = update.effective_message
        if message is None:
            return
        text = wording.VOICE if message.voice or message.video_note else wording.UNSUPPORTED_KIND
        await self.conversation.tell(await self._origin(update), text)


def _place(update: Update) -> Place:
    """The chat an update came from, and the forum topic in it: a topic message in a forum has its thread id;
    the General topic has none, and neither has any other chat."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None
    if chat.is_forum and message is not None and message.is_topic_message and message.message_thread_id:
        return Place(chat.id, message.message_thread_id)
    return Place(chat.id)


def _not_ours(update: Update) -> bool:
    return any(getattr(update, kind, None) is not None for kind in _NOT_OURS)


def _migration(update: Update) -> tuple[int, int] | None:
    """(group, supergroup) when the update is a service message of a group's move: `migrate_to_chat_id` in
    the old group, `migrate_from_chat_id` in the new supergroup (Telegram sends both)."""
    message = update.message
    if message is None:
        return None
    if message.migrate_to_chat_id:
        return message.chat.id, message.migrate_to_chat_id
    if message.migrate_from_chat_id:
        return message.migrate_from_chat_id, message.chat.id
    return None


def _pressed(data: str | None) -> str | None:
    """The command a button's data names ("/export" -> "export"), if it is one of the core's."""
    if not data or not data.startswith("/"):
        return None
    name = data[1:].lower()
    return name if name in _COMMAND_NAMES else None


def command_in(update: Update) -> str | None:
    """The command a new message starts with ("/join" or "/join@botname" -> "join"), if it starts with one."""
    message = update.message
    if message is None or not message.text or not message.entities:
        return None
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    return message.text[1:first.length].partition("@")[0].lower()


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
        by_mime = _MIME_SUFFIX.get(document.mime_type or "", "")
        name = document.file_name or f"file_{message.message_id}{by_mime}"
        kind = kind_of(Path(name).suffix or by_mime)
        if kind is not None:
            return Incoming(document.file_id, document.file_unique_id, name, kind, document.file_size)
    return None
