"""`TelegramFake`, what tests hold: it runs the server, plays the users (messages, files, button presses,
edits), switches failures on, and shows what the bot did (calls, messages, requests) with waits that wake on
the change itself.

The control side is plain Python used from the test's event loop, the loop that also runs the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from tests.fakes.telegram.failures import Failures
from tests.fakes.telegram.limits import DEFAULT_TOKEN, TOKEN_RE
from tests.fakes.telegram.media import downscale_jpeg, guess_mime, image_size, probe_mp4
from tests.fakes.telegram.methods import BotApi, command_key
from tests.fakes.telegram.objects import BotMessage, Chat, StoredFile, User
from tests.fakes.telegram.params import utf16_len
from tests.fakes.telegram.rates import FloodViolation, RateCheck
from tests.fakes.telegram.records import RequestRecord, SentCall
from tests.fakes.telegram.server import BotApiServer
from tests.fakes.telegram.state import Callback, State, Updates

#: How long a wait gives the bot by default: a guard against a hung test, never a pace. Waits return as soon
#: as what they wait for happens, so a generous guard costs nothing on a machine shared with other test runs.
WAIT_SECONDS = 30.0

#: Methods whose calls ``wait_for_text`` never matches (they carry no text a user reads).
_SILENT_METHODS = frozenset({"sendChatAction"})
_UPLOAD_METHODS = frozenset({"sendVideo", "sendDocument", "sendPhoto"})


class TelegramFake:
    """A loopback Telegram Bot API server with a control side for tests (see the package docstring)."""

    _id_counter: ClassVar[itertools.count[int]] = itertools.count(1)

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "reelbot_test_bot",
        bot_first_name: str = "ReelBot",
        group_privacy: bool = True,
        first_update_id: int = 100_000,
        host: str = "127.0.0.1",
    ) -> None:
        """Create the fake (not started).

        ``group_privacy``: BotFather's privacy mode, on by default as for a new bot (groups deliver only
        commands, replies to the bot and mentions).
        """
        match = TOKEN_RE.match(token)
        if not match:
            raise ValueError("token must look like a real one: '<digits>:<30+ url-safe characters>'")
        bot = User(id=int(match.group(1)), first_name=bot_first_name, username=bot_username, is_bot=True)
        self._state = State(token, bot, group_privacy, Updates(first_update_id), tokens={token})
        self._rates = RateCheck()
        self._failures = Failures()
        self._server = BotApiServer(self._state, BotApi(self._state, self._rates), self._failures, host)
        self._business_messages: dict[int, dict[str, Any]] = {}
        self._lag_watch: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Start serving on ``host`` at a free port."""
        await self._server.start()
        self._lag_watch = asyncio.create_task(self._rates.watch_own_lag())

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        if self._lag_watch is not None:
            self._lag_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lag_watch
            self._lag_watch = None
        await self._server.stop()

    async def __aenter__(self) -> TelegramFake:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        """The bot's token."""
        return self._state.token

    @property
    def bot(self) -> User:
        """The bot's own user (its id is the token's number)."""
        return self._state.bot

    @property
    def host(self) -> str:
        """The loopback address the server listens on."""
        return self._server.host

    @property
    def api_url(self) -> str:
        """The Bot API base URL to give the bot (``TELEGRAM_API_URL``)."""
        if not self._server.port:
            raise RuntimeError("TelegramFake is not started")
        return f"http://{self.host}:{self._server.port}"

    @property
    def base_url(self) -> str:
        """``<api_url>/bot`` for python-telegram-bot's ``base_url``."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """``<api_url>/file/bot`` for python-telegram-bot's ``base_file_url``."""
        return f"{self.api_url}/file/bot"

    @property
    def group_privacy(self) -> bool:
        """BotFather's privacy mode; a test turns it off as the README tells operators to (/setprivacy)."""
        return self._state.group_privacy

    @group_privacy.setter
    def group_privacy(self, value: bool) -> None:
        self._state.group_privacy = value

    def serve_locally(self, folder: Path) -> None:
        """Act as a local Bot API server started with ``--local`` (the bot runs with local mode on): files of
        up to 2000 MB both ways, and getFile answers an absolute path in ``folder`` that the bot reads from
        disk instead of downloading it."""
        self._state.local_dir = folder

    # ---------------------------------------------------------------------------------------------- people

    def user(
        self,
        first_name: str = "Alice",
        *,
        id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> User:
        """A new user (ids are unique across fakes unless given)."""
        user_id = id if id is not None else 500_000_000 + next(self._id_counter)
        if username is None:
            username = f"{first_name.lower()}_{user_id % 100_000}"
        return User(user_id, first_name, last_name, username, language_code)

    def private_chat(self, user: User) -> Chat:
        """The private chat of ``user`` with the bot (its id is the user's id)."""
        return Chat(user.id, "private", username=user.username, first_name=user.first_name, last_name=user.last_name)

    def group(
        self, title: str = "Team", *, id: int | None = None, supergroup: bool = True, username: str | None = None
    ) -> Chat:
        """A group chat; supergroups get ``-100…`` ids, basic groups small negative ids."""
        serial = next(self._id_counter)
        if id is None:
            id = -(1_000_000_000_000 + 700_000_000 + serial) if supergroup else -(400_000_000 + serial)
        return Chat(id, "supergroup" if supergroup else "group", title=title, username=username)

    def forum(self, title: str = "Studio") -> Chat:
        """A supergroup with topics (``is_forum``): messages in a topic carry its ``message_thread_id``; the
        General topic's carry none."""
        chat = self.group(title)
        forum = Chat(chat.id, "supergroup", title=title, is_forum=True)
        self._state.chats[forum.id] = forum
        return forum

    def create_topic(self, forum: Chat, by: User, name: str) -> int:
        """``by`` creates a topic: its ``forum_topic_created`` service message (a bot gets service messages in
        privacy mode too), whose id is the topic's ``message_thread_id``; returns that id."""
        if not forum.is_forum:
            raise ValueError("topics exist in forum supergroups only")
        message = self._user_message(forum, by, {"forum_topic_created": {"name": name, "icon_color": 7322096}})
        thread = message["message_id"]
        message.update(message_thread_id=thread, is_topic_message=True)
        self._state.topics.setdefault(forum.id, {})[thread] = message
        self.inject("message", message)
        return thread

    def register_chat(self, chat: Chat) -> None:
        """Make ``chat`` known to the fake without an update (as if the user had written before)."""
        self._state.chats[chat.id] = chat

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """Simulate a user who blocked the bot: calls to the chat answer 403."""
        if blocked:
            self._state.blocked.add(chat_id)
        else:
            self._state.blocked.discard(chat_id)

    def migrate(self, group: Chat, by: User) -> Chat:
        """``by`` turns the basic group into a supergroup (as enabling topics or visible history does): a new
        chat with a ``-100…`` id, the service messages Telegram sends into both (``migrate_to_chat_id`` in the
        group, then ``migrate_from_chat_id`` in the supergroup; a bot in privacy mode gets service messages
        too), after the bot's own ``my_chat_member`` in the supergroup. Every later send to the group answers
        400 with ``migrate_to_chat_id``; the bot may still edit its messages there."""
        if group.type != "group":
            raise ValueError("only a basic group becomes a supergroup")
        supergroup = self.group(group.title or "Team")
        self._state.chats[supergroup.id] = supergroup
        self._membership(supergroup, by, "left", "member")  # the bot joins the supergroup (it stays in the group)
        self.inject("message", self._user_message(group, by, {"migrate_to_chat_id": supergroup.id}))
        self._state.migrated[group.id] = supergroup.id
        self.inject("message", self._user_message(supergroup, by, {"migrate_from_chat_id": group.id}))
        return supergroup

    def block_bot(self, user: User) -> dict[str, Any]:
        """``user`` blocks the bot: a ``my_chat_member`` update ("kicked"), and 403 for every later call."""
        chat = self.private_chat(user)
        self.block(chat.id)
        return self._membership(chat, user, "member", "kicked")

    def unblock_bot(self, user: User) -> dict[str, Any]:
        """``user`` unblocks the bot (restarts it): ``my_chat_member`` ("member"), and calls go through again."""
        chat = self.private_chat(user)
        self.block(chat.id, blocked=False)
        return self._membership(chat, user, "kicked", "member")

    def remove_bot(self, group: Chat, by: User, *, ban: bool = False) -> dict[str, Any]:
        """``by`` removes the bot from ``group`` ("left"; "kicked" when banned): ``my_chat_member``, and 403 for
        every later call."""
        status = "kicked" if ban else "left"
        self._state.removed[group.id] = status
        return self._membership(group, by, "member", status)

    def add_bot(self, group: Chat, by: User) -> dict[str, Any]:
        """``by`` adds the bot to ``group`` (again): ``my_chat_member`` ("member")."""
        old = self._state.removed.pop(group.id, "left")
        self._state.chats[group.id] = group
        return self._membership(group, by, old, "member")

    def _membership(self, chat: Chat, by: User, old: str, new: str) -> dict[str, Any]:
        self._state.chats[chat.id] = chat

        def member(status: str) -> dict[str, Any]:
            return {"user": self.bot.to_dict(), "status": status} | ({"until_date": 0} if status == "kicked" else {})

        return self.inject("my_chat_member", {
            "chat": chat.to_dict(), "from": by.to_dict(), "date": int(time.time()),
            "old_chat_member": member(old), "new_chat_member": member(new),
        })

    async def send_business_message(self, customer: User, text: str, *, connection_id: str = "bc-1") -> dict[str, Any]:
        """A customer writes to a business account connected to the bot: a ``business_message`` whose chat is
        the customer's private chat with that account, so its id is the customer's user id (the same number as
        the customer's own chat with the bot). Answering it means sending with ``business_connection_id``."""
        message = {
            "message_id": self._state.new_message_id(customer.id),
            "from": customer.to_dict(),
            "chat": self.private_chat(customer).to_dict(),
            "date": int(time.time()),
            "business_connection_id": connection_id,
            "text": text,
        }
        self._business_messages[message["message_id"]] = message
        return self.inject("business_message", message)

    async def edit_business_message(self, customer: User, message_id: int, text: str) -> dict[str, Any]:
        """The customer edits a message sent to the business account: an ``edited_business_message``."""
        message = self._business_messages[message_id]
        message.update(text=text, edit_date=int(time.time()))
        return self.inject("edited_business_message", dict(message))

    def file(self, file_id: str) -> StoredFile:
        """The stored file behind ``file_id`` (KeyError when unknown)."""
        return self._state.files[file_id]

    # ---------------------------------------------------------------------------------------------- what users send

    def inject(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update ``{"update_id": …, kind: payload}`` and wake long polls; returns the update."""
        return self._state.inject(kind, payload)

    async def send_text(
        self,
        chat: Chat,
        user: User,
        text: str,
        *,
        reply_to: int | None = None,
        entities: list[dict[str, Any]] | None = None,
        topic: int | None = None,
    ) -> dict[str, Any]:
        """The user sends ``text`` (in a forum ``topic`` when given); returns the Update."""
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._deliver(chat, self._user_message(chat, user, content, reply_to=reply_to, topic=topic))

    async def send_command(
        self, chat: Chat, user: User, command: str, args: str = "", *, mention: bool = False,
        topic: int | None = None,
    ) -> dict[str, Any]:
        """The user sends ``/command [args]`` with its bot_command entity (``mention``: ``/command@botname``)."""
        head = command if command.startswith("/") else f"/{command}"
        if mention and "@" not in head:
            head = f"{head}@{self.bot.username}"
        text = f"{head} {args}".rstrip() if args else head
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(head)}
        content = {"text": text, "entities": [entity]}
        return self._deliver(chat, self._user_message(chat, user, content, topic=topic))

    async def send_photo(
        self,
        chat: Chat,
        user: User,
        data: bytes,
        caption: str | None = None,
        media_group_id: str | None = None,
        *,
        file_size: int | None = None,
        topic: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a compressed photo: a PhotoSize array, the largest carrying ``data`` itself."""
        size = image_size(data) or (1280, 960)
        stored = self._state.issue_file("photo", data, mime_type="image/jpeg", size=file_size)
        content: dict[str, Any] = {"photo": self._photo_sizes(stored, *size)}
        message = self._user_message(chat, user, _extras(content, caption, media_group_id), topic=topic)
        return self._deliver(chat, message)

    async def send_document(
        self,
        chat: Chat,
        user: User,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        *,
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a file (uncompressed); ``file_size`` may declare a bigger size than ``data``."""
        mime = mime_type or guess_mime(file_name, None, data)
        stored = self._state.issue_file("document", data, file_name=file_name, mime_type=mime, size=file_size)
        content: dict[str, Any] = {"document": stored.to_dict()}
        thumb = self._thumbnail(data) if mime and mime.startswith("image/") else None
        if thumb:
            content["document"]["thumbnail"] = thumb
        return self._deliver(chat, self._user_message(chat, user, _extras(content, caption, media_group_id)))

    async def send_audio(
        self,
        chat: Chat,
        user: User,
        data: bytes,
        file_name: str = "song.mp3",
        mime_type: str = "audio/mpeg",
        *,
        duration: int = 30,
        performer: str | None = None,
        title: str | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a music file (an ``audio`` message)."""
        stored = self._state.issue_file("audio", data, file_name=file_name, mime_type=mime_type, size=file_size)
        audio = stored.to_dict() | {"duration": duration}
        if performer:
            audio["performer"] = performer
        if title:
            audio["title"] = title
        content = _extras({"audio": audio}, caption, media_group_id)
        return self._deliver(chat, self._user_message(chat, user, content))

    async def send_video(
        self,
        chat: Chat,
        user: User,
        data: bytes,
        file_name: str = "clip.mp4",
        mime_type: str = "video/mp4",
        *,
        width: int | None = None,
        height: int | None = None,
        duration: int | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a video; dimensions and duration come from the MP4 unless given."""
        probe = probe_mp4(data) or (1080, 1920, 5)
        stored = self._state.issue_file("video", data, file_name=file_name, mime_type=mime_type, size=file_size)
        video = stored.to_dict() | {
            "width": width or probe[0],
            "height": height or probe[1],
            "duration": duration if duration is not None else probe[2],
        }
        content = _extras({"video": video}, caption, media_group_id)
        return self._deliver(chat, self._user_message(chat, user, content))

    async def send_voice(
        self,
        chat: Chat,
        user: User,
        data: bytes,
        *,
        duration: int = 3,
        mime_type: str = "audio/ogg",
        caption: str | None = None,
    ) -> dict[str, Any]:
        """The user sends a voice note."""
        stored = self._state.issue_file("voice", data, mime_type=mime_type)
        voice = {k: v for k, v in stored.to_dict().items() if k != "file_name"} | {"duration": duration}
        return self._deliver(chat, self._user_message(chat, user, _extras({"voice": voice}, caption, None)))

    async def send_sticker(
        self,
        chat: Chat,
        user: User,
        data: bytes = b"RIFF\0\0\0\0WEBP",
        *,
        emoji: str = "👍",
        set_name: str | None = "FakeStickers",
    ) -> dict[str, Any]:
        """The user sends a (static WebP) sticker."""
        stored = self._state.issue_file("sticker", data, mime_type="image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        if set_name:
            sticker["set_name"] = set_name
        return self._deliver(chat, self._user_message(chat, user, {"sticker": sticker}))

    async def send_location(
        self, chat: Chat, user: User, latitude: float = 51.5, longitude: float = -0.12
    ) -> dict[str, Any]:
        """The user shares a location."""
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._deliver(chat, self._user_message(chat, user, content))

    async def send_contact(
        self,
        chat: Chat,
        user: User,
        phone_number: str = "+15550100",
        first_name: str = "Bob",
        *,
        last_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> dict[str, Any]:
        """The user shares a contact."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id:
            contact["user_id"] = contact_user_id
        return self._deliver(chat, self._user_message(chat, user, {"contact": contact}))

    async def send_poll(
        self, chat: Chat, user: User, question: str = "Which one?", options: Sequence[str] = ("A", "B")
    ) -> dict[str, Any]:
        """The user sends a poll."""
        poll = {
            "id": str(secrets.randbelow(10**18)),
            "question": question,
            "options": [
                {"text": option, "voter_count": 0, "persistent_id": str(index)} for index, option in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
        return self._deliver(chat, self._user_message(chat, user, {"poll": poll}))

    async def press(self, chat: Chat, message_id: int, data: str, user: User) -> dict[str, Any]:
        """The user presses the button with callback data ``data`` of the inline keyboard under the bot's
        message ``message_id``, as a client can: only a button that message shows (any time later: a message
        keeps its keyboard until an edit drops it). Injects the ``callback_query`` update; its ``id`` is the
        query to answer (see :meth:`callback`)."""
        stored = self._state.bot_messages.get((chat.id, message_id))
        keyboard = (stored.message.get("reply_markup") or {}).get("inline_keyboard", []) if stored else []
        if not any(button.get("callback_data") == data for row in keyboard for button in row):
            raise KeyError(f"message {message_id} in chat {chat.id} shows no button with data {data!r}")
        return await self.send_callback(chat, user, data, message_id)

    def buttons(self, chat_id: int, message_id: int) -> list[tuple[str, str]]:
        """The (text, callback_data) of each button under the bot's message, row by row."""
        stored = self._state.bot_messages.get((chat_id, message_id))
        keyboard = (stored.message.get("reply_markup") or {}).get("inline_keyboard", []) if stored else []
        return [(button["text"], button["callback_data"]) for row in keyboard for button in row]

    def callback(self, query_id: str) -> Callback:
        """A button press: whether (and with what text) the bot answered it."""
        return self._state.callbacks[query_id]

    @property
    def callback_answer_seconds(self) -> float:
        """How long after a press answerCallbackQuery is still accepted."""
        return self._state.callback_answer_seconds

    @callback_answer_seconds.setter
    def callback_answer_seconds(self, seconds: float) -> None:
        self._state.callback_answer_seconds = seconds

    async def send_callback(self, chat: Chat, user: User, data: str, message_id: int) -> dict[str, Any]:
        """A callback query with ``data`` under the message ``message_id``, whatever that message shows (a
        button an older version of the bot sent, say); :meth:`press` is a user pressing a button it shows."""
        message = self._state.messages.get((chat.id, message_id))
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat.id}")
        query_id = str(secrets.randbelow(10**18))
        self._state.callbacks[query_id] = Callback(query_id, chat.id, data=data, message_id=message_id)
        return self.inject(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_dict(),
                "message": message,
                "chat_instance": str(abs(chat.id) * 7919),
                "data": data,
            },
        )

    async def edit_text(self, chat: Chat, user: User, message_id: int, text: str) -> dict[str, Any]:
        """The user edits their message's text (or a file's caption); injects an ``edited_message`` update."""
        message = self._own_message(chat, user, message_id)
        message["text" if "text" in message else "caption"] = text
        message["edit_date"] = int(time.time())
        return self.inject("edited_message", dict(message))

    async def react(self, chat: Chat, message_id: int) -> dict[str, Any]:
        """Someone puts the first reaction on a message. Telegram tells the bot with an ``edited_message``
        carrying the message unchanged (same text or caption; the ``edit_date`` of an earlier real edit, or
        none), not only with ``message_reaction`` (which the bot gets only when it asks for it, as an admin
        in groups): tdlib/telegram-bot-api#388, #773."""
        message = self._state.messages.get((chat.id, message_id))
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat.id}")
        return self.inject("edited_message", dict(message))

    def _own_message(self, chat: Chat, user: User, message_id: int) -> dict[str, Any]:
        message = self._state.messages.get((chat.id, message_id))
        if message is None or message.get("from", {}).get("id") != user.id:
            raise KeyError(f"no message {message_id} of user {user.id} in chat {chat.id}")
        return message

    def _user_message(
        self, chat: Chat, user: User, content: dict[str, Any], *, reply_to: int | None = None,
        topic: int | None = None,
    ) -> dict[str, Any]:
        """A message of ``user`` in ``chat`` (in a forum ``topic``: with its thread id, and answering the topic's
        creation unless it answers another message, as Telegram shows it), kept so the bot can reply to it."""
        if chat.id in self._state.migrated:
            raise ValueError(f"group {chat.id} became supergroup {self._state.migrated[chat.id]}: write there")
        self._state.chats[chat.id] = chat
        message: dict[str, Any] = {
            "message_id": self._state.new_message_id(chat.id),
            "from": user.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            original = self._state.messages.get((chat.id, reply_to))
            if original is None:
                raise KeyError(f"no message {reply_to} in chat {chat.id}")
            message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        if topic is not None:
            created = self._state.topics.get(chat.id, {}).get(topic)
            if created is None:
                raise KeyError(f"no topic {topic} in chat {chat.id}")
            message.update(message_thread_id=topic, is_topic_message=True)
            message.setdefault("reply_to_message", {k: v for k, v in created.items() if k != "reply_to_message"})
        self._state.messages[(chat.id, message["message_id"])] = message
        return message

    def _deliver(self, chat: Chat, message: dict[str, Any]) -> dict[str, Any]:
        """Queue ``message`` for the bot, unless privacy mode withholds it in a group (then it is kept in
        `undelivered`, with no update id)."""
        if self._state.group_privacy and chat.is_group and not self._visible_in_group(message):
            update = {"update_id": None, "message": message}
            self._state.updates.undelivered.append(update)
            return update
        return self.inject("message", message)

    def _visible_in_group(self, message: dict[str, Any]) -> bool:
        """What a bot in privacy mode sees in a group: commands (its own or unaddressed), replies to its own
        messages, and messages that mention it."""
        text = message.get("text") or message.get("caption") or ""
        if text.startswith("/"):
            target = text.split()[0].partition("@")[2]
            return not target or target.lower() == (self.bot.username or "").lower()
        reply = message.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot.id:
            return True
        return f"@{self.bot.username}".lower() in text.lower()

    def _photo_sizes(self, stored: StoredFile, width: int, height: int) -> list[dict[str, Any]]:
        """The PhotoSize array Telegram makes of a photo: scaled-down copies (90, 320, 800 px boxes) below
        the original."""
        sizes: list[dict[str, Any]] = []
        for box in (90, 320, 800):
            if max(width, height) > box and (small := self._scaled_copy(stored.data, box)) is not None:
                sizes.append(small)
        sizes.append(
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.size,
                "width": width,
                "height": height,
            }
        )
        return sizes

    def _thumbnail(self, data: bytes) -> dict[str, Any] | None:
        """The thumbnail Telegram attaches to an image sent as a file."""
        return self._scaled_copy(data, 320)

    def _scaled_copy(self, data: bytes, box: int) -> dict[str, Any] | None:
        scaled = downscale_jpeg(data, box)
        if scaled is None:
            return None
        small_bytes, width, height = scaled
        small = self._state.issue_file("photo", small_bytes, mime_type="image/jpeg")
        return {
            "file_id": small.file_id,
            "file_unique_id": small.file_unique_id,
            "file_size": small.size,
            "width": width,
            "height": height,
        }

    # ---------------------------------------------------------------------------------------------- failures

    def flood(
        self, method: str | None = "sendMessage", *, times: int = 1, retry_after: int = 1, chat_id: int | None = None
    ) -> None:
        """The next ``times`` calls of ``method`` (None: any method; optionally only for ``chat_id``) get 429."""
        self._failures.flood(method, times=times, retry_after=retry_after, chat_id=chat_id)

    def fail(
        self,
        method: str | None = None,
        *,
        status: int = 502,
        times: int = 1,
        chat_id: int | None = None,
        html: bool | None = None,
    ) -> None:
        """The next ``times`` calls get HTTP ``status``; 502/504 answer nginx's HTML page like Telegram's edge."""
        self._failures.fail(method, status=status, times=times, chat_id=chat_id, html=html)

    def check_rates(
        self,
        enabled: bool = True,
        *,
        enforce: bool = True,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
        overall_per_second: int = 30,
        count_edits: bool = False,
    ) -> None:
        """Configure the send-rate check: on by default, answering 429 as Telegram does (``enforce=False``: let
        through, only recorded); what crosses a rate is in `flood_violations` either way."""
        self._rates.configure(
            enabled,
            enforce=enforce,
            private_per_second=private_per_second,
            private_burst=private_burst,
            group_per_minute=group_per_minute,
            overall_per_second=overall_per_second,
            count_edits=count_edits,
        )

    # ---------------------------------------------------------------------------------------------- reading

    @property
    def requests(self) -> list[RequestRecord]:
        """Every HTTP request received, in order."""
        return self._state.requests

    @property
    def internal_errors(self) -> list[str]:
        """Bugs of the fake (exceptions while the client waited) and features it does not model; should stay
        empty. A client that went away is never one (see `RequestRecord.client_gone`)."""
        return self._state.internal_errors

    @property
    def flood_violations(self) -> list[FloodViolation]:
        """Sends that crossed a rate Telegram enforces (see `check_rates`)."""
        return self._rates.violations

    @property
    def polls(self) -> int:
        """getUpdates calls received."""
        return self._state.updates.polls

    @property
    def dropped_updates(self) -> list[dict[str, Any]]:
        """Updates dropped: of types not allowed, cut by a negative offset, or by drop_pending_updates."""
        return self._state.updates.dropped

    @property
    def undelivered(self) -> list[dict[str, Any]]:
        """Group messages privacy mode withheld from the bot."""
        return self._state.updates.undelivered

    @property
    def confirmed_offset(self) -> int:
        """The highest offset the bot confirmed: every update with a smaller id is gone for good."""
        return self._state.updates.confirmed_offset

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not confirmed yet (delivered or not)."""
        return list(self._state.updates.queue)

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[SentCall]:
        """Successful calls that acted on a chat, in order (sends, edits, chat actions, callback answers)."""
        return [
            call
            for call in self._state.sent
            if (chat_id is None or call.chat_id == chat_id) and (method is None or call.method == method)
        ]

    def mark(self) -> int:
        """A position in :meth:`sent` to pass as ``start`` to :meth:`wait_for` (only later calls match)."""
        return len(self._state.sent)

    def messages(self, chat_id: int) -> list[BotMessage]:
        """The bot's messages in ``chat_id``, in order, edits applied."""
        return [m for m in self._state.bot_messages.values() if m.chat_id == chat_id]

    def texts(self, chat_id: int) -> list[str]:
        """The current texts of the bot's text messages in ``chat_id`` (after edits)."""
        return [m.text for m in self.messages(chat_id) if m.text is not None]

    def edits(self, chat_id: int | None = None) -> list[SentCall]:
        """The bot's successful edit calls."""
        return [call for call in self.sent(chat_id) if call.method.startswith("editMessage")]

    def actions(self, chat_id: int | None = None) -> list[str]:
        """The chat actions the bot sent, in order."""
        return [str(call.params.get("action")) for call in self.sent(chat_id, "sendChatAction")]

    def uploads(self, chat_id: int | None = None) -> list[SentCall]:
        """The bot's successful file sends (sendVideo, sendDocument, sendPhoto)."""
        return [call for call in self.sent(chat_id) if call.method in _UPLOAD_METHODS]

    def errors(self, method: str | None = None) -> list[RequestRecord]:
        """Requests the bot got an error answer to (requests still in progress, or whose client went away,
        had no answer and are left out)."""
        return [
            r
            for r in self._state.requests
            if r.status not in (None, 200) and not r.client_gone and (method is None or r.method == method)
        ]

    def all_request_bodies(self) -> list[str]:
        """Every request received, as ``"<METHOD> <path>?<query>\\n<headers>\\n\\n<body>"`` (for secret checks)."""
        dumps = []
        for r in self._state.requests:
            headers = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
            body = r.body.decode("utf-8", "replace")
            dumps.append(f"{r.http_method} {r.path}?{r.query}\n{headers}\n\n{body}")
        return dumps

    @property
    def commands(self) -> list[dict[str, str]]:
        """The commands set for the default scope and no language."""
        return self.commands_for()

    def commands_for(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, str]]:
        """The commands set for ``scope`` (default ``{"type": "default"}``) and ``language_code``."""
        return list(self._state.commands.get(command_key(scope or {"type": "default"}, language_code), []))

    def menu_seen(self, chat: Chat, user: User) -> list[dict[str, str]]:
        """The command menu ``user`` sees in ``chat``, as their app picks it (the Bot API's "Determining list
        of commands"): the first menu set of the chat's own scope, then all private (or group) chats, then the
        default, each first in the app's language (the two letters of ``user.language_code``), then for any
        language. The administrators' scopes come in between in groups; the fake refuses them when set."""
        language = (user.language_code or "").split("-")[0].lower()
        everywhere = {"type": "all_private_chats" if chat.type == "private" else "all_group_chats"}
        for scope in ({"type": "chat", "chat_id": chat.id}, everywhere, {"type": "default"}):
            for code in (language, "") if language else ("",):
                menu = self._state.commands.get(command_key(scope, code))
                if menu is not None:
                    return list(menu)
        return []

    def dump(self, calls: Iterable[SentCall] | None = None) -> str:
        """A readable listing of the outgoing calls and the failed requests, for assertion messages."""
        lines = [f"  {index}: {call.describe()}" for index, call in enumerate(calls or self._state.sent)]
        failed = [f"  {r.method} -> {r.status} {r.description}" for r in self.errors()]
        return (
            "sent:\n"
            + ("\n".join(lines) or "  (nothing)")
            + ("\nfailed requests:\n" + "\n".join(failed) if failed else "")
        )

    # ---------------------------------------------------------------------------------------------- waiting

    async def wait_for(
        self,
        predicate: Callable[[SentCall], bool],
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> SentCall:
        """The first outgoing call from index ``start`` on matching ``predicate``, as soon as it is made.

        Raises AssertionError with a dump of what was sent when nothing matches within ``timeout``.
        """

        def found() -> SentCall | None:
            return next((call for call in self._state.sent[start:] if predicate(call)), None)

        call = await self._state.changed.until(found, timeout)
        if call is None:
            raise AssertionError(f"no matching Telegram call within {timeout:g} s\n{self.dump()}")
        return call

    async def wait_for_text(
        self,
        chat_id: int,
        substring: str,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> SentCall:
        """The first send or edit in ``chat_id`` whose text or caption contains ``substring``."""

        def matches(call: SentCall) -> bool:
            if call.chat_id != chat_id or call.method in _SILENT_METHODS:
                return False
            candidates = (call.text, call.caption, call.params.get("text"), call.params.get("caption"))
            return any(isinstance(value, str) and substring in value for value in candidates)

        try:
            return await self.wait_for(matches, timeout, start=start)
        except AssertionError as error:
            raise AssertionError(f"no message containing {substring!r} in chat {chat_id}: {error}") from None

    async def wait_polling(self, timeout: float = WAIT_SECONDS) -> None:  # noqa: ASYNC109
        """Wait until the bot has called getUpdates at least once."""
        if not await self._state.changed.until(lambda: self.polls > 0, timeout):
            raise AssertionError(f"the bot did not call getUpdates within {timeout:g} s")

    async def wait_confirmed(
        self,
        update: dict[str, Any] | None = None,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109
    ) -> None:
        """Wait until the bot confirmed ``update`` (default: every update injected so far)."""
        last = update["update_id"] if update is not None else self._state.updates.last_id
        if last is None:
            return  # nothing was ever injected
        target = last + 1
        if not await self._state.changed.until(lambda: self.confirmed_offset >= target, timeout):
            raise AssertionError(
                f"offset {target} not confirmed within {timeout:g} s (confirmed: {self.confirmed_offset})"
            )


def _extras(content: dict[str, Any], caption: str | None, media_group_id: str | None) -> dict[str, Any]:
    """Add a caption and an album id to a message's content."""
    if caption:
        content["caption"] = caption
    if media_group_id:
        content["media_group_id"] = media_group_id
    return content
