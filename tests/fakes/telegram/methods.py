"""The Bot API methods, as strict as Telegram on every parameter the bot sends.

Only what the bot calls is here, with what python-telegram-bot's Application calls for it: getMe
(``initialize``), deleteWebhook and getUpdates (``start_polling``), setMyCommands and deleteMyCommands
(with scopes), sendMessage, editMessageText, sendChatAction, sendVideo, sendDocument, getFile and answerCallbackQuery.
Anything else answers 404 like an unknown method. Features of these methods the bot does not use (parse
modes, entities, reply keyboards and buttons other than callback buttons, files by URL, inline messages)
raise `NotModelled` rather than being guessed. An inline keyboard of callback buttons is checked as Telegram
checks it and kept on the message, where a user can press it (`TelegramFake.press`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.fakes.telegram.errors import ApiError, NotModelled, bad
from tests.fakes.telegram.limits import (
    ANALYSED_VIDEO_LIMIT,
    CHAT_ACTIONS,
    COMMAND_RE,
    DEFAULT_ALLOWED_UPDATES,
    DOWNLOAD_LIMIT,
    LOCAL_FILE_LIMIT,
    MAX_CALLBACK_ANSWER,
    MAX_CALLBACK_DATA,
    MAX_CAPTION,
    MAX_COMMAND_DESCRIPTION,
    MAX_COMMANDS,
    MAX_PHOTO_BYTES,
    MAX_PHOTO_RATIO,
    MAX_PHOTO_SIDES_SUM,
    MAX_TEXT,
    PHOTO_BOXES,
    UNANALYSED_VIDEO_SIDE,
    UPLOAD_LIMIT,
)
from tests.fakes.telegram.media import (
    analyse_video,
    downscale_jpeg,
    file_path,
    guess_mime,
    image_size,
    valid_thumbnail,
)
from tests.fakes.telegram.objects import Chat, StoredFile
from tests.fakes.telegram.params import Params, truthy, utf16_len
from tests.fakes.telegram.rates import RateCheck
from tests.fakes.telegram.records import SentCall
from tests.fakes.telegram.state import State

Handler = Callable[[Params], Awaitable[Any]]

# Scopes of a command menu (BotCommandScope): those naming a chat, and all the Bot API knows.
_SCOPES_OF_A_CHAT = frozenset({"chat", "chat_administrators", "chat_member"})
_SCOPES = _SCOPES_OF_A_CHAT | {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class BotApi:
    """The Bot API methods over the shared `State`; the server calls them with parsed parameters."""

    def __init__(self, state: State, rates: RateCheck) -> None:
        self._state = state
        self._rates = rates
        methods: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "deleteWebhook": self.delete_webhook,
            "setMyCommands": self.set_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "sendChatAction": self.send_chat_action,
            "sendVideo": self.send_video,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "getFile": self.get_file,
            "answerCallbackQuery": self.answer_callback_query,
        }
        # Telegram reads method names case-insensitively: lower-case name -> (canonical name, handler)
        self._methods = {name.lower(): (name, handler) for name, handler in methods.items()}

    def find(self, name: str) -> tuple[str, Handler] | None:
        """The canonical name and handler of method ``name`` (any case), or None for an unknown method."""
        return self._methods.get(name.lower())

    @property
    def file_limit(self) -> int:
        """The largest file the bot may upload: 50 MB, or 2000 MB to a local Bot API server."""
        return LOCAL_FILE_LIMIT if self._state.local_dir is not None else UPLOAD_LIMIT

    # ------------------------------------------------------------------------------------------ the bot itself

    async def get_me(self, params: Params) -> dict[str, Any]:
        """The bot's ``User`` with the capabilities BotFather set."""
        return {
            **self._state.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self._state.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def set_my_commands(self, params: Params) -> bool:
        """The command menu of a scope and language, validated as Telegram validates it."""
        commands = params.obj("commands", "bot commands")
        if commands is None:
            raise bad('parameter "commands" is required')
        if not isinstance(commands, list):
            raise bad("can't parse bot commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad("too many commands")
        cleaned: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad("can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not COMMAND_RE.match(name):
                raise bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= MAX_COMMAND_DESCRIPTION:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        self._state.commands[self._command_key(params)] = cleaned
        return True

    async def delete_my_commands(self, params: Params) -> bool:
        """The menu of a scope and language removed, so the next broader one applies; the scope is checked as
        setMyCommands checks it, and removing a menu that was never set is no error."""
        self._state.commands.pop(self._command_key(params), None)
        return True

    def _command_key(self, params: Params) -> tuple[str, str]:
        """Where a menu is kept: its scope, checked as the Bot API server parses it (Client.cpp
        get_bot_command_scope) and TDLib resolves it (BotCommandScope.cpp), and its language."""
        scope = params.obj("scope", "BotCommandScope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise bad("can't parse BotCommandScope: BotCommandScope must be an Object")
        kind = scope.get("type")
        if kind is None:
            raise bad('can\'t parse BotCommandScope: Can\'t find field "type"')
        if not isinstance(kind, str):
            raise bad('can\'t parse BotCommandScope: Field "type" must be of type String')
        if kind not in _SCOPES:
            raise bad("can't parse BotCommandScope: Unsupported type specified")
        if kind in _SCOPES_OF_A_CHAT:
            chat_id = scope.get("chat_id")
            if chat_id is None:
                raise bad('can\'t parse BotCommandScope: Can\'t find field "chat_id"')
            if chat_id == "":
                raise bad("can't parse BotCommandScope: Empty chat_id specified")
            if kind != "chat":
                raise NotModelled(f"{kind} scope (the fake knows no group's administrators)")
            scope = {"type": "chat", "chat_id": self._scope_chat(chat_id).id}  # kept under the chat's number
        elif kind == "all_chat_administrators":
            raise NotModelled(f"{kind} scope (the fake knows no group's administrators)")
        else:
            scope = {"type": kind}
        language = params.string("language_code", "") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad("invalid language code specified")
        return command_key(scope, language)

    def _scope_chat(self, raw: Any) -> Chat:
        """The chat a menu is set for, looked up as the Bot API server's check_chat does with the right to read
        its members: a chat Telegram has not seen is "not found", a group the bot is not in refused, and
        channels have no menus. A user who blocked the bot still has their private chat's menu."""
        if isinstance(raw, str) and raw.startswith("@"):
            chat = next((c for c in self._state.chats.values()
                         if c.username and f"@{c.username}" == raw and c.type != "private"), None)
        else:
            try:
                chat = self._state.chats.get(int(raw))
            except (TypeError, ValueError):
                chat = None
        if chat is None:
            raise bad("chat not found")
        if chat.type == "channel":
            raise bad("can't change commands in channel chats")
        if chat.type == "group" and chat.id in self._state.migrated:  # reading members needs a live group
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self._state.migrated[chat.id]})
        removed = self._state.removed.get(chat.id)
        if removed == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if removed == "left" and (chat.type == "group" or not chat.username):  # a public supergroup is readable
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    # ------------------------------------------------------------------------------------------ updates

    async def delete_webhook(self, params: Params) -> bool:
        """Called by ``start_polling`` before it polls; no webhook is ever set, so only the optional drop of
        pending updates does anything."""
        if params.boolean("drop_pending_updates"):
            self._state.updates.drop_pending()
        return True

    async def get_updates(self, params: Params) -> list[dict[str, Any]]:
        """Confirm ``offset``, then answer the pending updates, holding the request up to ``timeout`` seconds
        until one comes. A newer getUpdates ends this one with Telegram's 409."""
        updates = self._state.updates
        offset = params.integer("offset", 0) or 0
        limit = min(max(params.integer("limit", 100) or 100, 1), 100)
        timeout = max(params.integer("timeout", 0) or 0, 0)
        allowed = params.obj("allowed_updates", "allowed updates")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(item, str) for item in allowed):
                raise bad("can't parse allowed updates JSON object")
            updates.allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
        updates.polls += 1
        updates.confirm(offset)
        updates.poll_generation += 1
        generation = updates.poll_generation
        self._state.changed.notify()  # wakes an older long poll, which then answers 409

        def superseded() -> bool:
            return generation != updates.poll_generation

        await self._state.changed.until(
            lambda: superseded() or self._state.closing or bool(updates.deliverable(limit)), timeout
        )
        if superseded():
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            )
        return updates.deliverable(limit)

    # ------------------------------------------------------------------------------------------ messages

    async def send_message(self, params: Params) -> dict[str, Any]:
        """A text message (plain text: 1 to 4096 UTF-16 code units once stripped)."""
        chat = self._chat(params)
        text = self._text(params, "text", "entities", MAX_TEXT, required=True)
        message = self._new_message(chat, params)
        self._rates.check("sendMessage", chat)
        message["text"] = text
        stored = self._state.keep_bot_message(chat, message, "text")
        self._record("sendMessage", params, chat.id, text=text, message_id=stored.message_id, result=message,
                     thread_id=message.get("message_thread_id"))
        return message

    async def edit_message_text(self, params: Params) -> dict[str, Any]:
        """Edit the text of one of the bot's own text messages; refused when nothing would change."""
        if params.has("inline_message_id"):
            raise NotModelled("editMessageText of an inline message (inline_message_id)")
        chat = self._chat(params, sending=False)
        if not params.has("message_id"):
            raise bad("message identifier is not specified")
        message_id = params.integer("message_id")
        assert message_id is not None
        stored = self._state.bot_messages.get((chat.id, message_id))
        if stored is None:
            if (chat.id, message_id) in self._state.messages:
                raise bad("message can't be edited")  # a user's message
            raise bad("message to edit not found")
        if stored.kind != "text":
            raise bad("there is no text in the message to edit")
        text = self._text(params, "text", "entities", MAX_TEXT, required=True)
        if params.has("reply_markup"):
            raise NotModelled("reply_markup in an edit")
        # An edit without reply_markup drops an inline keyboard the message had: that alone is a change.
        if stored.message.get("text") == text and "reply_markup" not in stored.message:
            raise bad(_NOT_MODIFIED)
        self._rates.check("editMessageText", chat)
        stored.message["text"] = text
        stored.message.pop("reply_markup", None)
        stored.message["edit_date"] = int(time.time())
        stored.text = text
        stored.edits += 1
        self._record(
            "editMessageText", params, chat.id, text=text, message_id=stored.message_id, result=stored.message
        )
        return stored.message

    async def send_chat_action(self, params: Params) -> bool:
        """A chat action ("typing"…), one of Telegram's list; shown in a forum topic when it names one."""
        chat = self._chat(params)
        thread = self._thread(params, chat)
        action = params.string("action")
        if not action:
            raise bad("action is empty")
        if action not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        self._record("sendChatAction", params, chat.id, result=True, thread_id=thread)
        return True

    async def answer_callback_query(self, params: Params) -> bool:
        """Answer a button press once, soon after it (`State.callback_answer_seconds`), with at most 200
        characters: an unknown, answered or too old query is refused alike, as Telegram does."""
        query_id = params.string("callback_query_id")
        callback = self._state.callbacks.get(query_id or "")
        too_old = callback is not None and (
            time.monotonic() - callback.pressed_at > self._state.callback_answer_seconds)
        if callback is None or callback.answered or too_old:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = params.string("text", "") or ""
        if len(text) > MAX_CALLBACK_ANSWER:
            raise bad("MESSAGE_TOO_LONG")
        callback.answered = True
        callback.answer_text = text or None
        self._record("answerCallbackQuery", params, callback.chat_id, text=text or None, result=True)
        return True

    # ------------------------------------------------------------------------------------------ files

    async def send_video(self, params: Params) -> dict[str, Any]:
        """A video. Telegram analyses an upload of up to 10 MB itself (size, length, its own thumbnail); a
        bigger one is stored with the ``width``, ``height``, ``duration`` and ``thumbnail`` the call gave, and
        what it left out reads 320x320 and 0 seconds with no thumbnail. A file Telegram can analyse but finds
        no video in arrives as a document."""
        chat, caption, message = self._file_message(params)
        stored = self._input_file(params, "video")
        thumbnail = self._input_thumbnail(params)
        self._rates.check("sendVideo", chat)
        given = {key: params.integer(key) for key in ("width", "height", "duration")}
        if stored.size > ANALYSED_VIDEO_LIMIT:
            kind = "video" if (stored.mime_type or "").startswith("video/") else "document"
            seen: dict[str, int] = {"width": UNANALYSED_VIDEO_SIDE, "height": UNANALYSED_VIDEO_SIDE, "duration": 0}
        else:
            analysis = analyse_video(stored.data)
            kind = "video" if analysis is not None else "document"
            width, height, duration, own_thumbnail = analysis or (0, 0, 0, None)
            seen = {"width": width, "height": height, "duration": duration}
            thumbnail = self._kept_photo(own_thumbnail) if own_thumbnail else None
        if kind == "document":
            message["document"] = stored.to_dict()
        else:
            message["video"] = stored.to_dict() | {key: given[key] or seen[key] for key in seen}
            if thumbnail is not None:
                message["video"]["thumbnail"] = thumbnail
        return self._finish_file_message("sendVideo", params, chat, caption, message, stored, kind)

    def _input_thumbnail(self, params: Params) -> dict[str, Any] | None:
        """The PhotoSize of the thumbnail a send uploaded (a multipart ``thumbnail`` part, or ``attach://<name>``
        naming one), or None: an invalid one is dropped without an error, as Telegram drops it."""
        part = params.parts.get("thumbnail")
        value = params.string("thumbnail")
        if part is None and value:
            if not value.startswith("attach://"):
                raise NotModelled("thumbnail given as a file_id or URL (Telegram only takes new uploads)")
            part = params.parts.get(value.removeprefix("attach://"))
        if part is None or valid_thumbnail(part.data) is None:
            return None
        return self._kept_photo(part.data)

    def _kept_photo(self, data: bytes) -> dict[str, Any]:
        """A JPEG kept as a photo file, as the PhotoSize that points at it."""
        size = image_size(data) or (0, 0)
        kept = self._state.issue_file("photo", data, mime_type="image/jpeg")
        return {
            "file_id": kept.file_id,
            "file_unique_id": kept.file_unique_id,
            "file_size": kept.size,
            "width": size[0],
            "height": size[1],
        }

    async def send_document(self, params: Params) -> dict[str, Any]:
        """A file sent as it is."""
        chat, caption, message = self._file_message(params)
        stored = self._input_file(params, "document")
        self._rates.check("sendDocument", chat)
        message["document"] = stored.to_dict()
        return self._finish_file_message("sendDocument", params, chat, caption, message, stored, "document")

    async def send_photo(self, params: Params) -> dict[str, Any]:
        """A picture, kept as Telegram keeps photos: JPEG copies scaled into 90…2560 px boxes (the PhotoSize
        array, largest last). Refused as Telegram refuses it: over 10 MB, width + height over 10000, a side
        more than 20 times the other, or bytes that are no image."""
        chat, caption, message = self._file_message(params)
        part = params.parts.get("photo")
        if part is None:
            if params.string("photo"):
                raise NotModelled("photo given as a file_id or URL (the bot uploads its pictures)")
            raise bad("there is no photo in the request")
        if len(part.data) > MAX_PHOTO_BYTES:
            raise bad("PHOTO_SAVE_FILE_INVALID")
        size = image_size(part.data)
        if size is None:
            raise bad("IMAGE_PROCESS_FAILED")
        width, height = size
        if width + height > MAX_PHOTO_SIDES_SUM or max(width, height) > MAX_PHOTO_RATIO * min(width, height):
            raise bad("PHOTO_INVALID_DIMENSIONS")
        self._rates.check("sendPhoto", chat)
        sizes = []
        for box in PHOTO_BOXES:
            scaled = downscale_jpeg(part.data, box)
            if scaled is None:
                raise bad("IMAGE_PROCESS_FAILED")
            data, scaled_w, scaled_h = scaled
            kept = self._state.issue_file("photo", data, mime_type="image/jpeg")
            sizes.append({"file_id": kept.file_id, "file_unique_id": kept.file_unique_id, "file_size": kept.size,
                          "width": scaled_w, "height": scaled_h})
            if max(width, height) <= box:
                break
        message["photo"] = sizes
        stored = self._state.issue_file("photo", part.data, file_name=part.filename,
                                        mime_type=guess_mime(part.filename, part.content_type, part.data))
        return self._finish_file_message("sendPhoto", params, chat, caption, message, stored, "photo")

    async def get_file(self, params: Params) -> dict[str, Any]:
        """A file's ``file_path`` for download: up to 20 MB, or up to 2000 MB from a local Bot API server,
        which answers an absolute path on its own disk instead."""
        file_id = params.string("file_id")
        if not file_id:
            raise bad("file_id is empty")
        stored = self._state.files.get(file_id)
        if stored is None:
            raise bad("invalid file_id")
        local_dir = self._state.local_dir
        if stored.size > (LOCAL_FILE_LIMIT if local_dir is not None else DOWNLOAD_LIMIT):
            raise bad("file is too big")
        if stored.file_path is None:
            stored.file_path = file_path(stored, next(self._state.file_serial))
            if local_dir is not None:
                stored.file_path = str(self._write_local(local_dir, stored, stored.file_path))
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def _write_local(self, local_dir: Path, stored: StoredFile, relative: str) -> Path:
        """Put a file on "the server's disk" as `telegram-bot-api --local` does, at its reported size (the
        bytes beyond ``data`` are a sparse tail of zeros), and return the absolute path getFile answers."""
        path = (local_dir / self._state.token / relative).resolve()  # the server keeps a folder per bot token
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            out.write(stored.data)
            out.truncate(max(stored.size, len(stored.data)))
        return path

    def _file_message(self, params: Params) -> tuple[Chat, str | None, dict[str, Any]]:
        """What every file send checks first, in Telegram's order: the chat, the caption, the reply."""
        chat = self._chat(params)
        caption = self._text(params, "caption", "caption_entities", MAX_CAPTION, required=False)
        return chat, caption, self._new_message(chat, params)

    def _finish_file_message(
        self,
        method: str,
        params: Params,
        chat: Chat,
        caption: str | None,
        message: dict[str, Any],
        stored: StoredFile,
        kind: str,
    ) -> dict[str, Any]:
        if caption is not None:
            message["caption"] = caption
        bot_message = self._state.keep_bot_message(chat, message, kind)
        self._record(
            method, params, chat.id, caption=caption, message_id=bot_message.message_id, file=stored, result=message,
            thread_id=message.get("message_thread_id"),
        )
        return message

    def _input_file(self, params: Params, kind: str) -> StoredFile:
        """The file a send refers to: a multipart upload in the field named ``kind``, or a known file_id."""
        part = params.parts.get(kind)
        if part is not None:
            if not part.data:
                raise bad("file must be non-empty")
            mime = guess_mime(part.filename, part.content_type, part.data)
            return self._state.issue_file(kind, part.data, file_name=part.filename, mime_type=mime)
        value = params.string(kind)
        if not value:
            raise bad(f"there is no {kind} in the request")
        if re.match(r"^(https?|file|attach)://", value):
            raise NotModelled(f"{kind} given as {value.split('://', 1)[0]}:// (only uploads and file_ids are)")
        stored = self._state.files.get(value)
        if stored is None:
            raise bad("wrong file identifier/HTTP URL specified")
        if stored.kind == "photo":
            raise bad(f"can't use file of type Photo as {kind.title()}")
        return stored

    # ------------------------------------------------------------------------------------------ shared checks

    def _chat(self, params: Params, *, sending: bool = True) -> Chat:
        """The chat a call acts on: a known chat id, or ``@username`` of a public group; 403 when the user
        blocked the bot or it is not in the group any more. A group that became a supergroup takes no new
        messages (400 with ``migrate_to_chat_id``), but the bot is still in it and may edit what it sent
        there (tdlib/telegram-bot-api#266)."""
        raw = params.values.get("chat_id")
        if raw is None or raw == "":
            raise bad("chat_id is empty")
        chat: Chat | None
        if isinstance(raw, str) and raw.startswith("@"):
            chats = self._state.chats.values()
            chat = next((c for c in chats if c.username and f"@{c.username}" == raw and c.type != "private"), None)
        else:
            chat_id = params.integer("chat_id")
            chat = self._state.chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad("chat not found")
        if sending and chat.id in self._state.migrated:  # for good, once the group became a supergroup
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self._state.migrated[chat.id]})
        if chat.id in self._state.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.id in self._state.removed:
            if self._state.removed[chat.id] == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    @staticmethod
    def _text(params: Params, key: str, entities_key: str, limit: int, *, required: bool) -> str | None:
        """A text or caption as the user will see it: stripped, and at most ``limit`` UTF-16 code units."""
        for unmodelled in ("parse_mode", entities_key):
            if params.has(unmodelled):
                raise NotModelled(f"{unmodelled} (the fake takes plain text only)")
        text = (params.string(key) or "").strip()
        if not text:
            if required:
                raise bad("message text is empty")
            return None
        if utf16_len(text) > limit:
            raise bad("message is too long" if key == "text" else "message caption is too long")
        return text

    @staticmethod
    def _inline_keyboard(params: Params) -> dict[str, Any] | None:
        """The message's inline keyboard of callback buttons, checked as Telegram checks it: rows of buttons,
        each with a non-empty text and callback_data of 1-64 bytes. Other keyboards and button kinds are not
        modelled."""
        markup = params.obj("reply_markup", "reply markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            raise NotModelled("reply_markup other than an inline keyboard")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad("can't parse inline keyboard button: field \"inline_keyboard\" must be an Array of Arrays")
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                text = button.get("text")
                if not isinstance(text, str):
                    raise bad("can't parse inline keyboard button: Field \"text\" must be of type String")
                if not text.strip():
                    raise bad("text buttons are unallowed in the inline keyboard")
                kinds = set(button) - {"text"}
                if not kinds:
                    raise bad("text buttons are unallowed in the inline keyboard")
                if kinds != {"callback_data"}:
                    raise NotModelled(f"inline buttons of kind {sorted(kinds)}")
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise bad("BUTTON_DATA_INVALID")
        return {"inline_keyboard": [[dict(button) for button in row] for row in rows]}

    def _new_message(self, chat: Chat, params: Params) -> dict[str, Any]:
        """The frame of a message the bot sends: sender, chat, date, the forum topic it goes to and the
        message it replies to."""
        thread = self._thread(params, chat)
        reply = self._reply_target(params, chat)
        keyboard = self._inline_keyboard(params)
        message: dict[str, Any] = {
            "message_id": 0,
            "from": self._state.bot.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        if keyboard is not None:
            message["reply_markup"] = keyboard
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        if reply is not None:
            message["reply_to_message"] = reply
        return message

    def _thread(self, params: Params, chat: Chat) -> int | None:
        """The forum topic a send names (``message_thread_id``), which must be a topic of that very forum;
        None for the chat itself (a forum's General topic)."""
        if not params.has("message_thread_id"):
            return None
        thread = params.integer("message_thread_id")
        if not thread:
            return None
        if thread not in self._state.topics.get(chat.id, {}):
            raise bad("message thread not found")
        return thread

    def _reply_target(self, params: Params, chat: Chat) -> dict[str, Any] | None:
        """The message replied to (``reply_parameters``, or the older ``reply_to_message_id``); a missing one
        is an error unless ``allow_sending_without_reply``."""
        reply = params.obj("reply_parameters", "reply parameters")
        allow = params.boolean("allow_sending_without_reply")
        message_id: int | None = None
        target_chat = chat.id
        if reply is not None:
            if not isinstance(reply, dict) or "message_id" not in reply:
                raise bad("can't parse reply parameters JSON object")
            try:
                message_id = int(reply["message_id"])
            except (TypeError, ValueError):
                raise bad("can't parse reply parameters JSON object") from None
            allow = truthy(reply.get("allow_sending_without_reply", allow))
            if reply.get("chat_id") not in (None, ""):
                try:
                    target_chat = int(reply["chat_id"])
                except (TypeError, ValueError):
                    raise bad("chat not found") from None
        elif params.has("reply_to_message_id"):
            message_id = params.integer("reply_to_message_id")
        if message_id is None:
            return None
        original = self._state.messages.get((target_chat, message_id))
        if original is None:
            if allow:
                return None
            raise bad("message to be replied not found")
        return {key: value for key, value in original.items() if key != "reply_to_message"}

    def _record(
        self,
        method: str,
        params: Params,
        chat_id: int | None,
        *,
        text: str | None = None,
        caption: str | None = None,
        message_id: int | None = None,
        file: StoredFile | None = None,
        result: Any = None,
        thread_id: int | None = None,
    ) -> None:
        self._state.sent.append(
            SentCall(
                method=method,
                chat_id=chat_id,
                text=text,
                caption=caption,
                message_id=message_id,
                params=params.shown(),
                file_bytes=file.data if file is not None else None,
                filename=file.file_name if file is not None else None,
                at=time.monotonic(),
                mime_type=file.mime_type if file is not None else None,
                result=result,
                thread_id=thread_id,
            )
        )


def command_key(scope: dict[str, Any], language: str) -> tuple[str, str]:
    """The key of a scope and language in `State.commands` (the scope's JSON with sorted keys)."""
    return json.dumps(scope, sort_keys=True), language

