"""A Telegram Bot API fake for end-to-end tests: an aiohttp server on 127.0.0.1 plus a control side.

Usage::

    async with TelegramFake(token="123456:" + "A" * 35) as tg:
        # give the bot TELEGRAM_API_URL=tg.api_url; it calls <api_url>/bot<token>/<method>
        # and downloads from <api_url>/file/bot<token>/<file_path>
        alice = tg.user(first_name="Alice")
        chat = tg.private_chat(alice)
        await tg.send_text(chat, alice, "hello")
        reply = await tg.wait_for_text(chat.id, "hello")

The server is as strict as the real Bot API where it matters to a bot: token format and validity, method names,
parameter types as Telegram parses them (query string, urlencoded form, JSON or multipart), message and caption
limits counted after entity parsing, HTML / MarkdownV2 entity parsing errors, reply targets, edit targets,
"message is not modified", chat actions, file ids, the 20 MB download and 50 MB upload limits, getUpdates offset
confirmation with long polling and the 409 conflict of two pollers. Flood control (429 with ``retry_after``) and
server failures (5xx) are switched on from the control side; per-chat send rates are checked and violations are
recorded in :attr:`TelegramFake.flood_violations` (or refused with 429 when asked to).

The control side is plain Python used from the test's event loop (the same loop that runs the bot).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import itertools
import json
import math
import re
import secrets
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import aiohttp
from aiohttp import web

__all__ = [
    "DEFAULT_TOKEN",
    "BotMessage",
    "Chat",
    "FloodViolation",
    "RequestRecord",
    "SentCall",
    "StoredFile",
    "TelegramFake",
    "User",
]

DEFAULT_TOKEN = "123456:" + "A" * 35
MiB = 1024 * 1024
DOWNLOAD_LIMIT = 20 * MiB  # getFile refuses bigger files on the public Bot API
LOCAL_FILE_LIMIT = 2000 * MiB  # a local Bot API server (--local) hands bots files up to this size
UPLOAD_LIMIT = 50 * MiB  # multipart uploads bigger than this are refused with 413
PHOTO_UPLOAD_LIMIT = 10 * MiB
MAX_TEXT = 4096
MAX_CAPTION = 1024
_TOKEN_RE = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{30,}$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
#: Methods that create a message in a chat; these count for flood limits.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendVideo",
        "sendDocument",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendVideoNote",
        "sendLocation",
        "sendContact",
    }
)
#: Every update type; the default ``allowed_updates`` is all of them except the last three.
UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
    "chat_member",
    "message_reaction",
    "message_reaction_count",
)
DEFAULT_ALLOWED_UPDATES = frozenset(UPDATE_TYPES[:-3])


# --------------------------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A Telegram user as the fake puts it in ``from`` fields."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class Chat:
    """A chat: ``private`` (id = the user's id), ``group`` (negative id) or ``supergroup`` (-100… id)."""

    id: int
    type: Literal["private", "group", "supergroup", "channel"]
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def is_group(self) -> bool:
        """True for groups and supergroups."""
        return self.type in ("group", "supergroup")

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass
class StoredFile:
    """A file the fake issued a ``file_id`` for (sent by a user, or uploaded by the bot)."""

    file_id: str
    file_unique_id: str
    kind: str  # photo, document, video, audio, voice, sticker, animation, video_note
    data: bytes
    size: int  # the size Telegram reports (may be declared bigger than ``data`` to test limits)
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str | None = None  # set by the first getFile


@dataclass
class SentCall:
    """One successful outgoing call of the bot that acts on a chat (send*, edit*, delete*, actions, answers).

    ``text`` and ``caption`` are what the user sees, i.e. after entity parsing (``params`` has the raw values).
    ``params`` holds the parameters as received (strings for form/multipart requests, JSON values otherwise);
    file parts are replaced by their file name. ``file_bytes`` are the uploaded or referenced file's bytes.
    """

    method: str
    chat_id: int | None
    text: str | None
    caption: str | None
    message_id: int | None
    params: dict[str, Any]
    file_bytes: bytes | None
    filename: str | None
    at: float
    mime_type: str | None = None
    result: Any = None

    def flag(self, name: str) -> bool:
        """A boolean parameter as Telegram reads it (``true``/``1``/``True`` in forms, ``true`` in JSON)."""
        return _truthy(self.params.get(name))

    def describe(self) -> str:
        """One readable line for failure dumps."""
        shown = self.text if self.text is not None else self.caption
        extra = f" file={self.filename!r} ({len(self.file_bytes)} B)" if self.file_bytes is not None else ""
        action = f" action={self.params.get('action')}" if self.method == "sendChatAction" else ""
        return f"{self.method} chat={self.chat_id} msg={self.message_id}{action}{extra}" + (
            f" {shown!r}" if shown is not None else ""
        )


@dataclass
class BotMessage:
    """The current state of one message the bot sent (edits applied)."""

    chat_id: int
    message_id: int
    kind: str  # text, photo, video, document, audio, voice, sticker, animation, location, contact, ...
    text: str | None
    caption: str | None
    message: dict[str, Any]
    deleted: bool = False
    edits: int = 0


@dataclass
class RequestRecord:
    """One HTTP request the fake received and what it answered.

    ``status`` stays 0 when no answer was made. ``client_gone``: the client went away (a killed bot, a long
    poll it gave up) before its answer was written; that is the client's doing, never an internal error.
    """

    http_method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    status: int = 0
    response: Any = None
    at: float = 0.0
    client_gone: bool = False

    @property
    def description(self) -> str | None:
        """The error description of a failed call, if any."""
        if isinstance(self.response, dict):
            return self.response.get("description")
        return None


@dataclass(frozen=True)
class FloodViolation:
    """A send that exceeded a rate the real Bot API enforces (recorded, or refused when enforcing)."""

    chat_id: int | None
    method: str
    rule: str  # "private", "group" or "overall"
    at: float
    detail: str


@dataclass
class _Part:
    """A multipart form part."""

    name: str
    data: bytes
    filename: str | None
    content_type: str | None


@dataclass
class _Rule:
    """A switched-on failure: flood (429) or server error (5xx)."""

    method: str | None
    chat_id: int | None
    times: int
    status: int
    retry_after: int | None = None
    body: str | None = None


@dataclass
class _Callback:
    query_id: str
    chat_id: int | None
    answered: bool = False


class _ClientGone(Exception):
    """The client hung up before its request could be read."""


def _client_gone(request: web.BaseRequest) -> bool:
    """True once the client's connection is closed or closing."""
    transport = request.transport
    return transport is None or transport.is_closing()


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# --------------------------------------------------------------------------------------------------------------
# Parameter parsing helpers (Telegram accepts strings for everything in forms; JSON values in JSON bodies)
# --------------------------------------------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return False


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Params:
    """Typed access to one request's parameters with Telegram's error texts."""

    def __init__(self, values: dict[str, Any], parts: dict[str, _Part]) -> None:
        self.values = values
        self.parts = parts

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def integer(self, name: str, default: int | None = None, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise _bad(f"{name} is empty")
            return default
        if isinstance(value, bool):
            raise _bad(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+(\.0*)?\s*", value):
            return int(value.strip().split(".", 1)[0])
        raise _bad(f"invalid {name} specified")

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        return _truthy(value)

    def obj(self, name: str, what: str) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, dict | list):
            return value
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {what} JSON object") from None
        raise _bad(f"can't parse {what} JSON object")


# --------------------------------------------------------------------------------------------------------------
# Entity parsing (HTML, MarkdownV2, Markdown), after tdlib's rules and error texts
# --------------------------------------------------------------------------------------------------------------

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"


def _entity_error(message: str) -> ApiError:
    return _bad(f"can't parse entities: {message}")


class _Builder:
    """Accumulates plain text and entities with UTF-16 offsets."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.length16 = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.chunks.append(text)
        self.length16 += _utf16_len(text)

    def entity(self, kind: str, start16: int, **extra: Any) -> None:
        if self.length16 > start16:
            self.entities.append({"type": kind, "offset": start16, "length": self.length16 - start16, **extra})

    def text(self) -> str:
        return "".join(self.chunks)


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[tuple[str, int, dict[str, Any]]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            match = re.match(r"&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);", text[i:])
            if match:
                name = match.group(1)
                if name.startswith("#x"):
                    out.add(chr(int(name[2:], 16)))
                elif name.startswith("#"):
                    out.add(chr(int(name[1:])))
                elif name.lower() in _HTML_ENTITIES:
                    out.add(_HTML_ENTITIES[name.lower()])
                else:
                    out.add(match.group(0))
                i += len(match.group(0))
            else:
                out.add("&")
                i += 1
            continue
        if char != "<":
            j = i
            while j < n and text[j] not in "<&":
                j += 1
            out.add(text[i:j])
            i = j
            continue
        begin = i
        if i + 1 < n and text[i + 1] == "/":
            if not stack:
                raise _entity_error(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            end = text.find(">", i)
            if end < 0:
                raise _entity_error(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            name = text[i + 2 : end].strip().lower()
            open_name, start16, extra = stack[-1]
            if name != open_name:
                raise _entity_error(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            stack.pop()
            kind = _HTML_TAGS[name]
            if kind == "text_link" and not extra.get("url"):
                pass  # <a> without href is plain text
            elif kind == "code" and stack and stack[-1][0] == "pre":
                if extra.get("language"):
                    stack[-1][2]["language"] = extra["language"]
            else:
                out.entity(kind, start16, **extra)
            i = end + 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] not in ">":
            j += 1
        if j >= n:
            raise _entity_error(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise _entity_error(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}')
        end = text.find(">", j)
        if end < 0:
            raise _entity_error(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        attributes = _html_attributes(text[j:end])
        extra: dict[str, Any] = {}
        if name == "a":
            href = attributes.get("href", "")
            match = re.fullmatch(r"tg://user\?id=(\d+)", href)
            extra = {"user": {"id": int(match.group(1))}} if match else ({"url": href} if href else {})
        elif name == "span" and attributes.get("class") != "tg-spoiler":
            raise _entity_error('Tag "span" must have class "tg-spoiler"')
        elif name == "code" and attributes.get("class", "").startswith("language-"):
            extra = {"language": attributes["class"][len("language-") :]}
        elif name == "tg-emoji":
            if "emoji-id" not in attributes:
                raise _entity_error('Tag "tg-emoji" must have attribute "emoji-id"')
            extra = {"custom_emoji_id": attributes["emoji-id"]}
        elif name == "blockquote" and "expandable" in attributes:
            extra = {"_kind": "expandable_blockquote"}
        stack.append((name, out.length16, extra))
        i = end + 1
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in out.entities:
        kind = entity.pop("_kind", None)
        if kind:
            entity["type"] = kind
        if entity["type"] == "text_link" and "user" in entity:
            entity["type"] = "text_mention"
    return out.text(), out.entities


def _html_attributes(source: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    pattern = r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?"""
    for match in re.finditer(pattern, source):
        key = match.group(1).lower()
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attributes[key] = _parse_html(value)[0] if "&" in value else value
    return attributes


_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}


def _parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # kind, start16, byte offset of the opening
    i, n = 0, len(text)
    line_start = True
    while i < n:
        char = text[i]
        top = stack[-1][0] if stack else None
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            line_start = False
            continue
        if top in ("code", "pre"):
            closing = "```" if top == "pre" else "`"
            if text.startswith(closing, i):
                kind, start16, _ = stack.pop()
                out.entity(kind, start16)
                i += len(closing)
            else:
                out.add(char)
                i += 1
            continue
        # end of an entity?
        ends = {
            "bold": "*",
            "italic": "_",
            "underline": "__",
            "strikethrough": "~",
            "spoiler": "||",
            "text_link": "]",
        }
        if top is not None and text.startswith(ends[top], i):
            kind, start16, _ = stack.pop()
            i += len(ends[top])
            if kind == "text_link":
                url = ""
                if i < n and text[i] == "(":
                    chars: list[str] = []
                    j = i + 1
                    while j < n and text[j] != ")":
                        if text[j] == "\\" and j + 1 < n:
                            j += 1
                        chars.append(text[j])
                        j += 1
                    if j >= n:
                        raise _entity_error(f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}")
                    url = "".join(chars)
                    i = j + 1
                if url:
                    out.entity("text_link", start16, url=url)
            else:
                out.entity(kind, start16)
            line_start = False
            continue
        if text.startswith("__", i):
            stack.append(("underline", out.length16, _byte_offset(text, i)))
            i += 2
        elif char == "_":
            stack.append(("italic", out.length16, _byte_offset(text, i)))
            i += 1
        elif char == "*":
            stack.append(("bold", out.length16, _byte_offset(text, i)))
            i += 1
        elif char == "~":
            stack.append(("strikethrough", out.length16, _byte_offset(text, i)))
            i += 1
        elif text.startswith("||", i):
            stack.append(("spoiler", out.length16, _byte_offset(text, i)))
            i += 2
        elif char == "[":
            stack.append(("text_link", out.length16, _byte_offset(text, i)))
            i += 1
        elif text.startswith("```", i):
            opening = _byte_offset(text, i)
            i += 3
            newline = text.find("\n", i)
            if newline >= 0 and re.fullmatch(r"[A-Za-z0-9_+#-]*", text[i:newline]):
                i = newline + 1
            stack.append(("pre", out.length16, opening))
        elif char == "`":
            stack.append(("code", out.length16, _byte_offset(text, i)))
            i += 1
        elif char == ">" and line_start:
            i += 1  # blockquote marker; the quote entity itself is not modelled
        elif char in _MDV2_RESERVED:
            raise _entity_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        else:
            out.add(char)
            i += 1
        line_start = char == "\n"
    if stack:
        kind, _, opening = stack[-1]
        raise _entity_error(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {opening}")
    return out.text(), out.entities


def _parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    i, n = 0, len(text)
    pairs = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if text.startswith("```", i):
            close = text.find("```", i + 3)
            if close < 0:
                raise _entity_error(f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}")
            start16 = out.length16
            out.add(text[i + 3 : close])
            out.entity("pre", start16)
            i = close + 3
        elif char in pairs:
            close = text.find(char, i + 1)
            if close < 0:
                raise _entity_error(f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}")
            start16 = out.length16
            out.add(text[i + 1 : close])
            out.entity(pairs[char], start16)
            i = close + 1
        elif char == "[":
            match = re.match(r"\[([^\]]*)\]\(([^)]*)\)", text[i:])
            if not match:
                raise _entity_error(f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}")
            start16 = out.length16
            out.add(match.group(1))
            out.entity("text_link", start16, url=match.group(2))
            i += len(match.group(0))
        else:
            out.add(char)
            i += 1
    return out.text(), out.entities


def parse_entities(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Parse ``text`` like Telegram: returns the plain text and its entities, or raises :class:`ApiError`."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    raise _bad(f"unsupported parse_mode {parse_mode!r}")


def _strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading/trailing whitespace as Telegram does, shifting entity offsets (UTF-16)."""
    stripped = text.lstrip()
    shift = _utf16_len(text) - _utf16_len(stripped)
    stripped = stripped.rstrip()
    limit = _utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# --------------------------------------------------------------------------------------------------------------
# Media helpers
# --------------------------------------------------------------------------------------------------------------


def _probe_mp4(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, duration seconds) of an MP4/MOV, or None when ``data`` is not one."""
    if len(data) < 12 or data[4:8] != b"ftyp":
        return None
    width = height = 0
    duration = 0.0

    def walk(start: int, end: int) -> None:
        nonlocal width, height, duration
        pos = start
        while pos + 8 <= end:
            size, kind = struct.unpack(">I4s", data[pos : pos + 8])
            header = 8
            if size == 1 and pos + 16 <= end:
                size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
                header = 16
            elif size == 0:
                size = end - pos
            if size < header or pos + size > end:
                return
            body = pos + header
            if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl"):
                walk(body, pos + size)
            elif kind == b"mvhd":
                version = data[body]
                if version == 1:
                    timescale, dur = struct.unpack(">IQ", data[body + 20 : body + 32])
                else:
                    timescale, dur = struct.unpack(">II", data[body + 12 : body + 20])
                if timescale:
                    duration = dur / timescale
            elif kind == b"tkhd":
                version = data[body]
                offset = body + (88 if version == 1 else 76)
                if offset + 8 <= pos + size:
                    w, h = struct.unpack(">II", data[offset : offset + 8])
                    if w and h and not width:
                        width, height = w >> 16, h >> 16
            pos += size

    walk(0, len(data))
    return width, height, round(duration)


def _image_size(data: bytes) -> tuple[int, int] | None:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        return None


@functools.lru_cache(maxsize=32)  # the same photo sent many times (bench/load.py) is scaled once
def _downscale_jpeg(data: bytes, box: int) -> tuple[bytes, int, int] | None:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            image.thumbnail((box, box))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=80)
            return buffer.getvalue(), image.width, image.height
    except Exception:
        return None


_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "audio/mpeg": "mp3",
    "audio/ogg": "oga",
    "audio/mp4": "m4a",
    "application/pdf": "pdf",
}
_FOLDERS = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "audio": "music",
    "voice": "voice",
    "sticker": "stickers",
    "animation": "animations",
    "video_note": "video_notes",
}
_FILE_METHODS = {
    "sendPhoto": "photo",
    "sendVideo": "video",
    "sendDocument": "document",
    "sendAudio": "audio",
    "sendVoice": "voice",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
    "sendVideoNote": "video_note",
}


def _parse_multipart(body: bytes, content_type: str) -> list[_Part]:
    """Split a multipart/form-data body into parts (exact bytes, no re-encoding)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise _bad("can't parse multipart/form-data: no boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    parts: list[_Part] = []
    chunks = body.split(delimiter)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        data = data.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _disposition_param(disposition, "name")
        if name is None:
            continue
        filename = _disposition_param(disposition, "filename*")
        if filename is not None:
            filename = unquote(filename.split("''", 1)[-1])
        else:
            filename = _disposition_param(disposition, "filename")
        parts.append(_Part(name, data, filename, headers.get("content-type")))
    return parts


def _disposition_param(disposition: str, key: str) -> str | None:
    pattern = rf'(?:^|;)\s*{re.escape(key)}=(?:"((?:[^"\\]|\\.)*)"|([^;]*))'
    match = re.search(pattern, disposition)
    if not match:
        return None
    if match.group(1) is not None:
        return re.sub(r"\\(.)", r"\1", match.group(1)).replace("%22", '"')
    return match.group(2).strip()


# --------------------------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------------------------

Handler = Callable[[_Params], Awaitable[Any]]


class TelegramFake:
    """A loopback Telegram Bot API server with a control side for tests (see the module docstring)."""

    _id_counter: ClassVar[itertools.count[int]] = itertools.count(1)

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "reelbot_test_bot",
        bot_first_name: str = "ReelBot",
        group_privacy: bool = True,
        fetch_urls: bool = True,
        first_update_id: int = 100_000,
        host: str = "127.0.0.1",
    ) -> None:
        """Create the fake (not started).

        ``group_privacy``: BotFather's privacy mode, on by default as for a new bot (groups deliver only
        commands, replies to the bot and mentions). ``fetch_urls``: files sent to the bot by URL are fetched
        (from loopback fakes) like Telegram does; off, the URL is only recorded.
        """
        match = _TOKEN_RE.match(token)
        if not match:
            raise ValueError("token must look like a real one: '<digits>:<30+ url-safe characters>'")
        self.token = token
        self.bot = User(id=int(match.group(1)), first_name=bot_first_name, username=bot_username, is_bot=True)
        self.group_privacy = group_privacy
        self.fetch_urls = fetch_urls
        self.host = host
        self._tokens: set[str] = {token}
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = False
        self._changed = asyncio.Event()
        # updates
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = self._first_update_id = first_update_id
        self._confirmed_offset = 0
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll_generation = 0
        self.polls = 0  #: getUpdates calls received
        self.dropped_updates: list[dict[str, Any]] = []  #: updates dropped (not allowed, negative offset)
        self.undelivered: list[dict[str, Any]] = []  #: group updates withheld by privacy mode
        self.webhook_url = ""
        self.local_dir: Path | None = None  #: set by serve_locally: a local Bot API server's working folder
        # chats, messages, files
        self._chats: dict[int, Chat] = {}
        self._blocked: set[int] = set()
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._bot_messages: dict[tuple[int, int], BotMessage] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callbacks: dict[str, _Callback] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.descriptions: dict[str, str] = {}  #: setMyDescription / setMyShortDescription / setMyName values
        # recording
        self.requests: list[RequestRecord] = []  #: every HTTP request received, in order
        self.internal_errors: list[str] = []  #: exceptions raised inside the fake (should stay empty)
        self._sent: list[SentCall] = []
        # failures and flood control
        self._rules: list[_Rule] = []
        self.flood_violations: list[FloodViolation] = []
        self._rate_enabled = True
        self._rate_enforce = False
        self._private_rate = 1.0
        self._private_burst = 3.0
        self._group_per_minute = 20
        self._overall_per_second = 30
        self._count_edits = False
        self._private_tokens: dict[int, tuple[float, float]] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._all_sends: deque[float] = deque()
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": self._true,
            "close": self._true,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_description("description", 512),
            "setMyShortDescription": self._set_description("short_description", 120),
            "setMyName": self._set_description("name", 64),
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "sendLocation": self._send_location,
            "sendContact": self._send_contact,
            "answerCallbackQuery": self._answer_callback_query,
            "getChat": self._get_chat,
        }
        for method in _FILE_METHODS:
            handlers[method] = self._send_file_method(method)
        # Bot API method names are case-insensitive: lower-case name -> (canonical name, handler)
        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in handlers.items()
        }

    # ---------------------------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Start serving on ``host`` at a free port."""
        app = web.Application(client_max_size=UPLOAD_LIMIT * 2 + MiB)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a request whose client hung up (a killed bot's long poll) ends right away.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        self._closing = True
        self._bump()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramFake:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """The Bot API base URL to give the bot (``TELEGRAM_API_URL``)."""
        if not self._port:
            raise RuntimeError("TelegramFake is not started")
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        """``<api_url>/bot`` for python-telegram-bot's ``base_url``."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """``<api_url>/file/bot`` for python-telegram-bot's ``base_file_url``."""
        return f"{self.api_url}/file/bot"

    def add_token(self, token: str) -> None:
        """Accept a second token (the same bot); used to test token rotation."""
        self._tokens.add(token)

    def _bump(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def _wait_change(self, seconds: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    # ---------------------------------------------------------------------------------------------- HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request. A client that goes away (SIGKILLed bot, cancelled long poll) is recorded with
        ``client_gone`` and not answered; only exceptions while the client still waits are internal errors."""
        record = RequestRecord(
            http_method=request.method,
            path=request.path,
            query=request.query_string,
            headers=dict(request.headers),
            body=b"",
            at=time.monotonic(),
        )
        self.requests.append(record)
        try:
            response = await self._respond(request, record)
            if response is None or _client_gone(request):
                record.client_gone = True  # nobody to answer: aiohttp drops the response unwritten
                return response or web.Response(status=400)
            try:
                await response.prepare(request)
                await response.write_eof()
            except ConnectionError:  # the client left while the answer was being written
                record.client_gone = True
            return response
        except asyncio.CancelledError:
            # aiohttp cancels the handler when the client's connection is lost, and every handler when the
            # fake stops; neither is an answer, nor an error of the fake.
            record.client_gone = not self._closing
            raise
        finally:
            self._bump()

    async def _read(self, request: web.Request) -> bytes:
        try:
            return await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(413, "Request Entity Too Large") from None
        except Exception:
            if _client_gone(request):  # the bot died halfway through sending its request
                raise _ClientGone from None
            raise

    async def _respond(self, request: web.Request, record: RequestRecord) -> web.StreamResponse | None:
        """The answer to ``request`` (recorded on ``record``), or None when its client hung up unread."""
        try:
            record.body = await self._read(request)
            path = request.path
            if path.startswith("/file/bot"):
                return await self._download(request, record)
            match = re.fullmatch(r"/bot([^/]*)/([^/]*)/?", path)
            if not match:
                raise ApiError(404, "Not Found")
            token, method = match.group(1), match.group(2)
            if not _TOKEN_RE.match(token):
                raise ApiError(404, "Not Found")
            if token not in self._tokens:
                raise ApiError(401, "Unauthorized")
            entry = self._handlers.get(method.lower())
            if entry is None:
                raise ApiError(404, "Not Found")
            record.method, handler = entry
            params = self._parse_params(request, record)
            record.params = {key: value for key, value in params.values.items()} | {
                name: f"<file {part.filename!r} {len(part.data)} B>"
                for name, part in params.parts.items()
                if part.filename is not None
            }
            self._apply_rules(record.method, params)
            result = await handler(params)
            payload: dict[str, Any] = {"ok": True, "result": result}
            record.status = 200
        except _ClientGone:
            return None
        except ApiError as error:
            payload = {"ok": False, "error_code": error.status, "description": error.description}
            if error.parameters:
                payload["parameters"] = error.parameters
            record.status = error.status
        except _RawAnswer as raw:
            record.status = raw.status
            record.response = raw.body
            return web.Response(status=raw.status, text=raw.body, content_type=raw.content_type)
        except Exception as error:
            if isinstance(error, OSError) and _client_gone(request):
                return None  # a connection error because the client left: theirs, not the fake's
            # A bug in the fake: answer 500 and keep it for the test to see.
            self.internal_errors.append(f"{record.method or request.path}: {error!r}")
            payload = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            record.status = 500
        record.response = payload
        return web.json_response(payload, status=record.status)

    def _parse_params(self, request: web.Request, record: RequestRecord) -> _Params:
        values: dict[str, Any] = dict(parse_qsl(request.query_string, keep_blank_values=True))
        parts: dict[str, _Part] = {}
        content_type = request.headers.get("Content-Type", "")
        body = record.body
        if body:
            mime = content_type.split(";", 1)[0].strip().lower()
            if mime == "application/json":
                try:
                    decoded = json.loads(body)
                except ValueError:
                    raise _bad("can't parse JSON encoded request parameters") from None
                if not isinstance(decoded, dict):
                    raise _bad("can't parse JSON encoded request parameters")
                values.update(decoded)
            elif mime == "application/x-www-form-urlencoded":
                values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            elif mime == "multipart/form-data":
                for part in _parse_multipart(body, content_type):
                    if part.filename is None:
                        values[part.name] = part.data.decode("utf-8", "replace")
                    else:
                        if len(part.data) > UPLOAD_LIMIT:
                            raise ApiError(413, "Request Entity Too Large")
                        parts[part.name] = part
        return _Params(values, parts)

    def _apply_rules(self, method: str, params: _Params) -> None:
        chat_id: int | None
        try:
            chat_id = params.integer("chat_id")
        except ApiError:
            chat_id = None
        for rule in self._rules:
            if rule.times <= 0:
                continue
            if rule.method is not None and rule.method.lower() != method.lower():
                continue
            if rule.chat_id is not None and rule.chat_id != chat_id:
                continue
            rule.times -= 1
            if rule.status == 429:
                retry = rule.retry_after or 1
                raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
            if rule.body is not None:
                raise _RawAnswer(rule.status, rule.body, "text/html")
            raise ApiError(rule.status, _STATUS_TEXT.get(rule.status, "Internal Server Error"))

    async def _download(self, request: web.Request, record: RequestRecord) -> web.StreamResponse:
        match = re.fullmatch(r"/file/bot([^/]*)/(.+)", request.path)
        if not match or not _TOKEN_RE.match(match.group(1)):
            raise ApiError(404, "Not Found")
        if match.group(1) not in self._tokens:
            raise ApiError(401, "Unauthorized")
        record.method = "download"
        for stored in self._files.values():
            if stored.file_path == match.group(2):
                record.status = 200
                record.response = f"<{len(stored.data)} bytes>"
                return web.Response(body=stored.data, content_type="application/octet-stream")
        raise ApiError(404, "Not Found")

    # ---------------------------------------------------------------------------------------------- updates

    async def _get_me(self, params: _Params) -> dict[str, Any]:
        return {
            **self.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _true(self, params: _Params) -> bool:
        return True

    async def _get_updates(self, params: _Params) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.integer("offset", 0) or 0
        limit = params.integer("limit", 100) or 100
        limit = min(max(limit, 1), 100)
        timeout = max(params.integer("timeout", 0) or 0, 0)
        allowed = params.obj("allowed_updates", "allowed updates")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(item, str) for item in allowed):
                raise _bad("can't parse allowed updates JSON object")
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
        self.polls += 1
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._bump()  # wakes an older long poll, which then answers 409
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            ready = self._deliverable(limit)
            remaining = deadline - time.monotonic()
            if ready or self._closing or remaining <= 0:
                return ready
            await self._wait_change(remaining)

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
            self._confirmed_offset = max(self._confirmed_offset, offset)
        elif offset < 0:
            keep = -offset
            while len(self._updates) > keep:
                self.dropped_updates.append(self._updates.popleft())
            if self._updates:
                self._confirmed_offset = max(self._confirmed_offset, self._updates[0]["update_id"])

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        ready: list[dict[str, Any]] = []
        for update in list(self._updates):
            kind = next(key for key in update if key != "update_id")
            if kind not in self._allowed_updates:
                self._updates.remove(update)
                self.dropped_updates.append(update)
                continue
            ready.append(update)
            if len(ready) >= limit:
                break
        return json.loads(json.dumps(ready))

    async def _set_webhook(self, params: _Params) -> bool:
        url = params.string("url", "") or ""
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        if params.boolean("drop_pending_updates"):
            self._drop_pending()
        return True

    async def _delete_webhook(self, params: _Params) -> bool:
        self.webhook_url = ""
        if params.boolean("drop_pending_updates"):
            self._drop_pending()
        return True

    def _drop_pending(self) -> None:
        while self._updates:
            self.dropped_updates.append(self._updates.popleft())

    async def _get_webhook_info(self, params: _Params) -> dict[str, Any]:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    # ---------------------------------------------------------------------------------------------- commands

    @staticmethod
    def _scope_key(params: _Params) -> tuple[str, str]:
        scope = params.obj("scope", "bot command scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse bot command scope JSON object")
        language = params.string("language_code", "") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    async def _set_my_commands(self, params: _Params) -> bool:
        commands = params.obj("commands", "bot commands")
        if commands is None:
            raise _bad('parameter "commands" is required')
        if not isinstance(commands, list):
            raise _bad("can't parse bot commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands")
        cleaned: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.match(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        self._commands[self._scope_key(params)] = cleaned
        return True

    async def _get_my_commands(self, params: _Params) -> list[dict[str, str]]:
        return list(self._commands.get(self._scope_key(params), []))

    async def _delete_my_commands(self, params: _Params) -> bool:
        self._commands.pop(self._scope_key(params), None)
        return True

    def _set_description(self, key: str, limit: int) -> Handler:
        async def handler(params: _Params) -> bool:
            value = params.string(key, "") or ""
            if len(value) > limit:
                raise _bad(f"{key.replace('_', ' ')} is too long")
            language = params.string("language_code", "") or ""
            self.descriptions[f"{key}:{language}" if language else key] = value
            return True

        return handler

    # ---------------------------------------------------------------------------------------------- chats

    def _chat_for(self, params: _Params, *, sending: bool = True) -> Chat:
        raw = params.values.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat: Chat | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = next(
                (c for c in self._chats.values() if c.username and f"@{c.username}" == raw and c.type != "private"),
                None,
            )
        else:
            chat_id = params.integer("chat_id")
            chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise _bad("chat not found")
        if sending and chat.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    async def _get_chat(self, params: _Params) -> dict[str, Any]:
        chat = self._chat_for(params, sending=False)
        return {**chat.to_dict(), "accent_color_id": 0, "max_reaction_count": 11}

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _reply_target(self, params: _Params, chat: Chat) -> dict[str, Any] | None:
        reply = params.obj("reply_parameters", "reply parameters")
        allow = params.boolean("allow_sending_without_reply")
        message_id: int | None = None
        target_chat = chat.id
        if reply is not None:
            if not isinstance(reply, dict) or "message_id" not in reply:
                raise _bad("can't parse reply parameters JSON object")
            try:
                message_id = int(reply["message_id"])
            except (TypeError, ValueError):
                raise _bad("can't parse reply parameters JSON object") from None
            allow = _truthy(reply.get("allow_sending_without_reply", allow))
            if reply.get("chat_id") not in (None, ""):
                try:
                    target_chat = int(reply["chat_id"])
                except (TypeError, ValueError):
                    raise _bad("chat not found") from None
        elif params.has("reply_to_message_id"):
            message_id = params.integer("reply_to_message_id")
        if message_id is None:
            return None
        original = self._messages.get((target_chat, message_id))
        if original is None:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return {key: value for key, value in original.items() if key != "reply_to_message"}

    @staticmethod
    def _check_markup(params: _Params) -> dict[str, Any] | None:
        markup = params.obj("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise _bad("can't parse inline keyboard button: Text must be non-empty")
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode()) <= 64:
                        raise _bad("BUTTON_DATA_INVALID")
                    actions = set(button) - {"text"}
                    if not actions:
                        raise _bad("text buttons are unallowed in the inline keyboard")
                    url = button.get("url")
                    if url is not None and not re.match(r"^(https?|tg)://", str(url)):
                        raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        elif not ({"keyboard", "remove_keyboard", "force_reply"} & set(markup)):
            raise _bad("can't parse reply keyboard markup JSON object")
        return markup

    def _render(
        self, params: _Params, key: str, entities_key: str, limit: int, *, required: bool
    ) -> tuple[str | None, list[dict[str, Any]]]:
        raw = params.string(key)
        if raw is None or raw == "":
            if required:
                raise _bad("message text is empty")
            return None, []
        entities = params.obj(entities_key, "message entities")
        if entities is not None:
            if not isinstance(entities, list):
                raise _bad("can't parse message entities JSON object")
            text, parsed = raw, entities
        else:
            text, parsed = parse_entities(raw, params.string("parse_mode"))
        text, parsed = _strip_text(text, parsed)
        if not text:
            if required:
                raise _bad("message text is empty")
            return None, []
        if _utf16_len(text) > limit:
            raise _bad("message is too long" if key == "text" else "message caption is too long")
        return text, parsed

    def _base_message(self, chat: Chat, params: _Params) -> dict[str, Any]:
        reply = self._reply_target(params, chat)
        markup = self._check_markup(params)
        message: dict[str, Any] = {
            "message_id": 0,
            "from": self.bot.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        if reply is not None:
            message["reply_to_message"] = reply
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _check_rate(self, method: str, chat: Chat) -> None:
        counted = method in MESSAGE_METHODS or (self._count_edits and method.startswith("edit"))
        if not self._rate_enabled or not counted:
            return
        now = time.monotonic()
        violations: list[FloodViolation] = []
        waits: list[float] = []
        while self._all_sends and now - self._all_sends[0] >= 1.0:
            self._all_sends.popleft()
        if len(self._all_sends) >= self._overall_per_second:
            waits.append(1.0 - (now - self._all_sends[0]))
            violations.append(
                FloodViolation(chat.id, method, "overall", now, f"more than {self._overall_per_second} messages in 1 s")
            )
        if chat.is_group:
            sends = self._group_sends.setdefault(chat.id, deque())
            while sends and now - sends[0] >= 60.0:
                sends.popleft()
            if len(sends) >= self._group_per_minute:
                waits.append(60.0 - (now - sends[0]))
                violations.append(
                    FloodViolation(
                        chat.id, method, "group", now, f"more than {self._group_per_minute} messages in 60 s"
                    )
                )
        else:
            tokens, last = self._private_tokens.get(chat.id, (self._private_burst, now))
            tokens = min(self._private_burst, tokens + (now - last) * self._private_rate)
            if tokens < 1.0:
                waits.append((1.0 - tokens) / self._private_rate)
                violations.append(
                    FloodViolation(
                        chat.id,
                        method,
                        "private",
                        now,
                        f"faster than {self._private_rate:g}/s beyond a burst of {self._private_burst:g}",
                    )
                )
            else:
                tokens -= 1.0
            self._private_tokens[chat.id] = (tokens, now)
        if violations and self._rate_enforce:
            retry = max(1, math.ceil(max(waits)))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self.flood_violations.extend(violations)
        self._all_sends.append(now)
        if chat.is_group:
            self._group_sends[chat.id].append(now)

    def _store_bot_message(self, chat: Chat, message: dict[str, Any], kind: str) -> BotMessage:
        message["message_id"] = self._new_message_id(chat.id)
        self._messages[(chat.id, message["message_id"])] = message
        stored = BotMessage(chat.id, message["message_id"], kind, message.get("text"), message.get("caption"), message)
        self._bot_messages[(chat.id, message["message_id"])] = stored
        return stored

    def _record(
        self,
        method: str,
        params: _Params,
        chat_id: int | None,
        *,
        text: str | None = None,
        caption: str | None = None,
        message_id: int | None = None,
        file: StoredFile | None = None,
        filename: str | None = None,
        result: Any = None,
    ) -> SentCall:
        shown = {key: value for key, value in params.values.items()}
        for name, part in params.parts.items():
            shown[name] = part.filename or name
        call = SentCall(
            method=method,
            chat_id=chat_id,
            text=text,
            caption=caption,
            message_id=message_id,
            params=shown,
            file_bytes=file.data if file is not None else None,
            filename=filename if filename is not None else (file.file_name if file is not None else None),
            at=time.monotonic(),
            mime_type=file.mime_type if file is not None else None,
            result=result,
        )
        self._sent.append(call)
        return call

    # ---------------------------------------------------------------------------------------------- sending

    async def _send_message(self, params: _Params) -> dict[str, Any]:
        chat = self._chat_for(params)
        text, entities = self._render(params, "text", "entities", MAX_TEXT, required=True)
        message = self._base_message(chat, params)
        self._check_rate("sendMessage", chat)
        message["text"] = text
        if entities:
            message["entities"] = entities
        stored = self._store_bot_message(chat, message, "text")
        self._record("sendMessage", params, chat.id, text=text, message_id=stored.message_id, result=message)
        return message

    async def _send_location(self, params: _Params) -> dict[str, Any]:
        chat = self._chat_for(params)
        latitude, longitude = params.string("latitude"), params.string("longitude")
        try:
            lat, lon = float(latitude or "x"), float(longitude or "x")
        except ValueError:
            raise _bad("wrong latitude/longitude specified") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _bad("wrong latitude/longitude specified")
        message = self._base_message(chat, params)
        self._check_rate("sendLocation", chat)
        message["location"] = {"latitude": lat, "longitude": lon}
        stored = self._store_bot_message(chat, message, "location")
        self._record("sendLocation", params, chat.id, message_id=stored.message_id, result=message)
        return message

    async def _send_contact(self, params: _Params) -> dict[str, Any]:
        chat = self._chat_for(params)
        phone, first = params.string("phone_number"), params.string("first_name")
        if not phone:
            raise _bad("phone_number is empty")
        if not first:
            raise _bad("first_name is empty")
        message = self._base_message(chat, params)
        self._check_rate("sendContact", chat)
        message["contact"] = {"phone_number": phone, "first_name": first}
        stored = self._store_bot_message(chat, message, "contact")
        self._record("sendContact", params, chat.id, message_id=stored.message_id, result=message)
        return message

    def _send_file_method(self, method: str) -> Handler:
        kind = _FILE_METHODS[method]

        async def handler(params: _Params) -> dict[str, Any]:
            return await self._send_file(method, kind, params)

        return handler

    async def _resolve_input_file(self, params: _Params, kind: str) -> tuple[StoredFile, bool]:
        """The file a send* call refers to: an upload, a known file_id or a URL. True when newly uploaded."""
        part = params.parts.get(kind)
        value = params.string(kind)
        if part is None and value and value.startswith("attach://"):
            part = params.parts.get(value[len("attach://") :])
            if part is None:
                raise _bad("wrong file identifier/HTTP URL specified")
        if part is not None:
            if not part.data:
                raise _bad("file must be non-empty")
            if kind == "photo" and len(part.data) > PHOTO_UPLOAD_LIMIT:
                raise _bad("PHOTO_SAVE_FILE_INVALID")
            return self._issue_file(
                kind,
                part.data,
                file_name=part.filename,
                mime_type=_guess_mime(part.filename, part.content_type, part.data),
            ), True
        if not value:
            raise _bad(f"there is no {kind.replace('_', ' ')} in the request")
        if re.match(r"^https?://", value):
            data = await self._fetch(value)
            name = urlsplit(value).path.rsplit("/", 1)[-1] or None
            return self._issue_file(kind, data, file_name=name, mime_type=_guess_mime(name, None, data)), True
        stored = self._files.get(value)
        if stored is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if (stored.kind == "photo") != (kind == "photo"):
            raise _bad(f"can't use file of type {stored.kind.title()} as {kind.replace('_', ' ').title()}")
        return stored, False

    async def _fetch(self, url: str) -> bytes:
        if not self.fetch_urls:
            return url.encode()
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                async with session.get(url) as response:
                    if response.status != 200:
                        raise _bad("failed to get HTTP URL content")
                    data = await response.content.read(DOWNLOAD_LIMIT + 1)
        except (aiohttp.ClientError, TimeoutError):
            raise _bad("failed to get HTTP URL content") from None
        if len(data) > DOWNLOAD_LIMIT:
            raise _bad("failed to get HTTP URL content")
        return data

    async def _send_file(self, method: str, kind: str, params: _Params) -> dict[str, Any]:
        chat = self._chat_for(params)
        caption, entities = self._render(params, "caption", "caption_entities", MAX_CAPTION, required=False)
        message = self._base_message(chat, params)
        stored, _ = await self._resolve_input_file(params, kind)
        self._check_rate(method, chat)
        reported_kind = kind
        if kind == "photo":
            sizes = self._photo_sizes(stored)
            if sizes is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            message["photo"] = sizes
        elif kind in ("video", "animation", "video_note"):
            probe = _probe_mp4(stored.data)
            if probe is None:
                reported_kind = "document"  # Telegram turns a non-video into a document
                message["document"] = self._file_object(stored)
            else:
                width, height, duration = probe
                width = params.integer("width", width) or width
                height = params.integer("height", height) or height
                duration = params.integer("duration", duration) or duration
                obj = self._file_object(stored) | {"width": width, "height": height, "duration": duration}
                if kind == "video_note":
                    obj = {k: v for k, v in obj.items() if k not in ("width", "height", "file_name", "mime_type")}
                    obj["length"] = width
                message[kind] = obj
        elif kind == "audio":
            message["audio"] = self._file_object(stored) | {"duration": params.integer("duration", 0) or 0}
            for key in ("performer", "title"):
                if params.string(key):
                    message["audio"][key] = params.string(key)
        elif kind == "voice":
            message["voice"] = {k: v for k, v in self._file_object(stored).items() if k != "file_name"} | {
                "duration": params.integer("duration", 0) or 0
            }
        elif kind == "sticker":
            message["sticker"] = self._file_object(stored) | {
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        else:
            message["document"] = self._file_object(stored)
        if caption is not None and kind not in ("sticker", "video_note"):
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        if params.boolean("has_spoiler") and kind in ("photo", "video", "animation"):
            message["has_media_spoiler"] = True
        bot_message = self._store_bot_message(chat, message, reported_kind)
        self._record(
            method,
            params,
            chat.id,
            caption=message.get("caption"),
            message_id=bot_message.message_id,
            file=stored,
            result=message,
        )
        return message

    def _photo_sizes(self, stored: StoredFile) -> list[dict[str, Any]] | None:
        size = _image_size(stored.data)
        if size is None:
            return None
        width, height = size
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise _bad("PHOTO_INVALID_DIMENSIONS")
        return self._make_sizes(stored, width, height)

    def _make_sizes(self, stored: StoredFile, width: int, height: int) -> list[dict[str, Any]]:
        sizes: list[dict[str, Any]] = []
        for box in (90, 320, 800):
            if max(width, height) > box:
                scaled = _downscale_jpeg(stored.data, box)
                if scaled is None:
                    continue
                data, w, h = scaled
                small = self._issue_file("photo", data, mime_type="image/jpeg")
                sizes.append(
                    {
                        "file_id": small.file_id,
                        "file_unique_id": small.file_unique_id,
                        "file_size": small.size,
                        "width": w,
                        "height": h,
                    }
                )
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

    @staticmethod
    def _file_object(stored: StoredFile) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if stored.file_name:
            obj["file_name"] = stored.file_name
        if stored.mime_type:
            obj["mime_type"] = stored.mime_type
        return obj

    def _issue_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: int | None = None,
    ) -> StoredFile:
        stored = StoredFile(
            file_id=f"{_FILE_ID_PREFIX.get(kind, 'BQACAgIAAxkBAAI')}{secrets.token_urlsafe(40)}",
            file_unique_id=f"AgAD{secrets.token_urlsafe(10)}",
            kind=kind,
            data=data,
            size=size if size is not None else len(data),
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        return stored

    # ---------------------------------------------------------------------------------------------- editing

    def _editable(self, params: _Params) -> tuple[Chat, BotMessage]:
        if params.has("inline_message_id"):
            raise _bad("message to edit not found")
        chat = self._chat_for(params)
        if not params.has("message_id"):
            raise _bad("message identifier is not specified")
        message_id = params.integer("message_id")
        assert message_id is not None
        stored = self._bot_messages.get((chat.id, message_id))
        if stored is None or stored.deleted:
            if (chat.id, message_id) in self._messages and stored is None:
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        return chat, stored

    def _finish_edit(
        self,
        method: str,
        params: _Params,
        chat: Chat,
        stored: BotMessage,
        changes: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        new_markup = markup if markup is not None and "inline_keyboard" in markup else None
        current = {key: stored.message.get(key) for key in changes}
        if current == changes and stored.message.get("reply_markup") == new_markup:
            raise _bad(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        self._check_rate(method, chat)
        for key, value in changes.items():
            if value in (None, []):
                stored.message.pop(key, None)
            else:
                stored.message[key] = value
        if new_markup is None:
            stored.message.pop("reply_markup", None)
        else:
            stored.message["reply_markup"] = new_markup
        stored.message["edit_date"] = int(time.time())
        stored.text = stored.message.get("text")
        stored.caption = stored.message.get("caption")
        stored.edits += 1
        self._record(
            method,
            params,
            chat.id,
            text=stored.text,
            caption=stored.caption,
            message_id=stored.message_id,
            result=stored.message,
        )
        return stored.message

    async def _edit_message_text(self, params: _Params) -> dict[str, Any]:
        chat, stored = self._editable(params)
        if stored.kind != "text":
            raise _bad("there is no text in the message to edit")
        text, entities = self._render(params, "text", "entities", MAX_TEXT, required=True)
        markup = self._check_markup(params)
        return self._finish_edit(
            "editMessageText", params, chat, stored, {"text": text, "entities": entities or None}, markup
        )

    async def _edit_message_caption(self, params: _Params) -> dict[str, Any]:
        chat, stored = self._editable(params)
        if stored.kind in ("text", "location", "contact", "sticker"):
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._render(params, "caption", "caption_entities", MAX_CAPTION, required=False)
        markup = self._check_markup(params)
        return self._finish_edit(
            "editMessageCaption",
            params,
            chat,
            stored,
            {"caption": caption, "caption_entities": entities or None},
            markup,
        )

    async def _edit_message_reply_markup(self, params: _Params) -> dict[str, Any]:
        chat, stored = self._editable(params)
        markup = self._check_markup(params)
        return self._finish_edit("editMessageReplyMarkup", params, chat, stored, {}, markup)

    async def _delete_message(self, params: _Params) -> bool:
        chat = self._chat_for(params, sending=False)
        message_id = params.integer("message_id", required=True)
        assert message_id is not None
        self._delete_one(chat, message_id)
        self._record("deleteMessage", params, chat.id, message_id=message_id, result=True)
        return True

    def _delete_one(self, chat: Chat, message_id: int) -> None:
        if (chat.id, message_id) not in self._messages:
            raise _bad("message to delete not found")
        del self._messages[(chat.id, message_id)]
        stored = self._bot_messages.get((chat.id, message_id))
        if stored is not None:
            stored.deleted = True

    async def _delete_messages(self, params: _Params) -> bool:
        chat = self._chat_for(params, sending=False)
        ids = params.obj("message_ids", "message identifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message identifiers are not specified")
        for message_id in ids:
            with contextlib.suppress(ApiError):
                self._delete_one(chat, int(message_id))
        self._record("deleteMessages", params, chat.id, result=True)
        return True

    async def _send_chat_action(self, params: _Params) -> bool:
        chat = self._chat_for(params)
        action = params.string("action")
        if not action:
            raise _bad("action is empty")
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._record("sendChatAction", params, chat.id, result=True)
        return True

    async def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.string("callback_query_id")
        callback = self._callbacks.get(query_id or "")
        if callback is None or callback.answered:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.string("text", "") or ""
        if len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        callback.answered = True
        self._record("answerCallbackQuery", params, callback.chat_id, text=text or None, result=True)
        return True

    # ---------------------------------------------------------------------------------------------- files

    async def _get_file(self, params: _Params) -> dict[str, Any]:
        file_id = params.string("file_id")
        if not file_id:
            raise _bad("file_id is empty")
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad("invalid file_id")
        if stored.size > (LOCAL_FILE_LIMIT if self.local_dir is not None else DOWNLOAD_LIMIT):
            raise _bad("file is too big")
        if stored.file_path is None:
            extension = _extension(stored)
            stored.file_path = f"{_FOLDERS.get(stored.kind, 'documents')}/file_{next(self._file_counter)}.{extension}"
            if self.local_dir is not None:
                stored.file_path = str(self._write_local(stored, stored.file_path))
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def _write_local(self, stored: StoredFile, relative: str) -> Path:
        """Put a file on "the server's disk" as `telegram-bot-api --local` does, at its reported size (the
        bytes beyond ``data`` are a sparse tail of zeros), and return the absolute path getFile answers."""
        assert self.local_dir is not None
        path = (self.local_dir / self.token / relative).resolve()  # the server keeps a folder per bot token
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            out.write(stored.data)
            out.truncate(max(stored.size, len(stored.data)))
        return path

    # ============================================================================================== control side

    def serve_locally(self, folder: Path) -> None:
        """Act as a local Bot API server started with ``--local`` (the bot runs with local mode on):
        getFile hands out files up to 2000 MB, answering with an absolute path in ``folder`` that the bot
        reads from disk instead of downloading it."""
        self.local_dir = folder

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

    def register_chat(self, chat: Chat) -> None:
        """Make ``chat`` known to the fake without an update (as if the user had written before)."""
        self._chats[chat.id] = chat

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """Simulate a user who blocked the bot: sends to the chat answer 403."""
        if blocked:
            self._blocked.add(chat_id)
        else:
            self._blocked.discard(chat_id)

    def add_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
    ) -> StoredFile:
        """Issue a file_id for ``data`` (``file_size`` may declare a bigger size, e.g. to hit the 20 MB limit)."""
        return self._issue_file(kind, data, file_name=file_name, mime_type=mime_type, size=file_size)

    def file(self, file_id: str) -> StoredFile:
        """The stored file behind ``file_id`` (KeyError when unknown)."""
        return self._files[file_id]

    # ---------------------------------------------------------------------------------------------- injecting

    def inject(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update ``{"update_id": …, kind: payload}`` and wake long polls; returns the update."""
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._bump()
        return update

    def _user_message(
        self, chat: Chat, user: User, content: dict[str, Any], *, reply_to: int | None = None
    ) -> dict[str, Any]:
        self._chats[chat.id] = chat
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat.id),
            "from": user.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            original = self._messages.get((chat.id, reply_to))
            if original is None:
                raise KeyError(f"no message {reply_to} in chat {chat.id}")
            message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        self._messages[(chat.id, message["message_id"])] = message
        return message

    def _deliver(self, chat: Chat, message: dict[str, Any]) -> dict[str, Any]:
        if self.group_privacy and chat.is_group and not self._visible_in_group(message):
            update = {"update_id": None, "message": message}
            self.undelivered.append(update)
            return update
        return self.inject("message", message)

    def _visible_in_group(self, message: dict[str, Any]) -> bool:
        text = message.get("text") or message.get("caption") or ""
        if text.startswith("/"):
            target = text.split()[0].partition("@")[2]
            return not target or target.lower() == (self.bot.username or "").lower()
        reply = message.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot.id:
            return True
        return f"@{self.bot.username}".lower() in text.lower()

    async def send_text(
        self,
        chat: Chat,
        user: User,
        text: str,
        *,
        reply_to: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The user sends ``text``; returns the Update."""
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._deliver(chat, self._user_message(chat, user, content, reply_to=reply_to))

    async def send_command(
        self, chat: Chat, user: User, command: str, args: str = "", *, mention: bool = False
    ) -> dict[str, Any]:
        """The user sends ``/command [args]`` with its bot_command entity (``mention``: ``/command@botname``)."""
        head = command if command.startswith("/") else f"/{command}"
        if mention and "@" not in head:
            head = f"{head}@{self.bot.username}"
        text = f"{head} {args}".rstrip() if args else head
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(head)}
        return self._deliver(chat, self._user_message(chat, user, {"text": text, "entities": [entity]}))

    async def send_photo(
        self,
        chat: Chat,
        user: User,
        data: bytes,
        caption: str | None = None,
        media_group_id: str | None = None,
        *,
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a compressed photo: a PhotoSize array, the largest carrying ``data`` itself."""
        size = _image_size(data) or (1280, 960)
        stored = self._issue_file("photo", data, mime_type="image/jpeg", size=file_size)
        content: dict[str, Any] = {"photo": self._make_sizes(stored, *size)}
        return self._deliver(chat, self._user_message(chat, user, self._extras(content, caption, media_group_id)))

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
        mime = mime_type or _guess_mime(file_name, None, data)
        stored = self._issue_file("document", data, file_name=file_name, mime_type=mime, size=file_size)
        content: dict[str, Any] = {"document": self._file_object(stored)}
        thumb = self._thumbnail(data) if mime and mime.startswith("image/") else None
        if thumb:
            content["document"]["thumbnail"] = thumb
        return self._deliver(chat, self._user_message(chat, user, self._extras(content, caption, media_group_id)))

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
        stored = self._issue_file("audio", data, file_name=file_name, mime_type=mime_type, size=file_size)
        audio = self._file_object(stored) | {"duration": duration}
        if performer:
            audio["performer"] = performer
        if title:
            audio["title"] = title
        content = self._extras({"audio": audio}, caption, media_group_id)
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
        probe = _probe_mp4(data) or (1080, 1920, 5)
        stored = self._issue_file("video", data, file_name=file_name, mime_type=mime_type, size=file_size)
        video = self._file_object(stored) | {
            "width": width or probe[0],
            "height": height or probe[1],
            "duration": duration if duration is not None else probe[2],
        }
        content = self._extras({"video": video}, caption, media_group_id)
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
        stored = self._issue_file("voice", data, mime_type=mime_type)
        voice = {k: v for k, v in self._file_object(stored).items() if k != "file_name"} | {"duration": duration}
        return self._deliver(chat, self._user_message(chat, user, self._extras({"voice": voice}, caption, None)))

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
        stored = self._issue_file("sticker", data, mime_type="image/webp")
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
        self,
        chat: Chat,
        user: User,
        latitude: float = 51.5,
        longitude: float = -0.12,
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

    async def send_callback(self, chat: Chat, user: User, data: str, message_id: int) -> dict[str, Any]:
        """The user presses an inline button with ``data`` under the bot's message ``message_id``."""
        message = self._messages.get((chat.id, message_id))
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat.id}")
        query_id = str(secrets.randbelow(10**18))
        self._callbacks[query_id] = _Callback(query_id, chat.id)
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
        """The user edits their text message; injects an ``edited_message`` update."""
        message = self._messages.get((chat.id, message_id))
        if message is None or message.get("from", {}).get("id") != user.id:
            raise KeyError(f"no message {message_id} of user {user.id} in chat {chat.id}")
        message["text"] = text
        message["edit_date"] = int(time.time())
        return self.inject("edited_message", dict(message))

    @staticmethod
    def _extras(content: dict[str, Any], caption: str | None, media_group_id: str | None) -> dict[str, Any]:
        if caption:
            content["caption"] = caption
        if media_group_id:
            content["media_group_id"] = media_group_id
        return content

    def _thumbnail(self, data: bytes) -> dict[str, Any] | None:
        scaled = _downscale_jpeg(data, 320)
        if scaled is None:
            return None
        thumb_bytes, width, height = scaled
        thumb = self._issue_file("photo", thumb_bytes, mime_type="image/jpeg")
        return {
            "file_id": thumb.file_id,
            "file_unique_id": thumb.file_unique_id,
            "file_size": thumb.size,
            "width": width,
            "height": height,
        }

    # ---------------------------------------------------------------------------------------------- failures

    def flood(
        self, method: str | None = "sendMessage", *, times: int = 1, retry_after: int = 1, chat_id: int | None = None
    ) -> None:
        """The next ``times`` calls of ``method`` (None: any method; optionally only for ``chat_id``) get 429."""
        self._rules.append(_Rule(method, chat_id, times, 429, retry_after=retry_after))

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
        body = (
            _NGINX_PAGE.format(status=status, text=_STATUS_TEXT.get(status, "Error"))
            if (html if html is not None else status in (502, 504))
            else None
        )
        self._rules.append(_Rule(method, chat_id, times, status, body=body))

    def check_rates(
        self,
        enabled: bool = True,
        *,
        enforce: bool = False,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
        overall_per_second: int = 30,
        count_edits: bool = False,
    ) -> None:
        """Configure the send-rate check (on by default, recording only; ``enforce`` answers 429 instead)."""
        self._rate_enabled = enabled
        self._rate_enforce = enforce
        self._private_rate = private_per_second
        self._private_burst = float(private_burst)
        self._group_per_minute = group_per_minute
        self._overall_per_second = overall_per_second
        self._count_edits = count_edits
        self._private_tokens.clear()
        self._group_sends.clear()
        self._all_sends.clear()

    # ---------------------------------------------------------------------------------------------- reading

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[SentCall]:
        """Successful outgoing calls in order (sends, edits, deletes, chat actions, callback answers)."""
        return [
            call
            for call in self._sent
            if (chat_id is None or call.chat_id == chat_id) and (method is None or call.method == method)
        ]

    def mark(self) -> int:
        """A position in :meth:`sent` to pass as ``start`` to :meth:`wait_for` (only later calls match)."""
        return len(self._sent)

    def messages(self, chat_id: int) -> list[BotMessage]:
        """The bot's messages in ``chat_id`` that still exist, in order, edits applied."""
        return [m for m in self._bot_messages.values() if m.chat_id == chat_id and not m.deleted]

    def texts(self, chat_id: int) -> list[str]:
        """The current texts of the bot's text messages in ``chat_id`` (after edits, deleted ones left out)."""
        return [m.text for m in self.messages(chat_id) if m.text is not None]

    def edits(self, chat_id: int | None = None) -> list[SentCall]:
        """The bot's successful edit calls (editMessageText/Caption/ReplyMarkup)."""
        return [call for call in self.sent(chat_id) if call.method.startswith("editMessage")]

    def actions(self, chat_id: int | None = None) -> list[str]:
        """The chat actions the bot sent, in order."""
        return [str(call.params.get("action")) for call in self.sent(chat_id, "sendChatAction")]

    def uploads(self, chat_id: int | None = None) -> list[SentCall]:
        """The bot's successful file sends (sendVideo, sendDocument, sendPhoto, …)."""
        return [call for call in self.sent(chat_id) if call.method in _FILE_METHODS]

    def errors(self, method: str | None = None) -> list[RequestRecord]:
        """Requests the bot got an error answer to (requests still in progress, or whose client went away,
        had no answer and are left out)."""
        return [
            r
            for r in self.requests
            if r.status not in (0, 200) and not r.client_gone and (method is None or r.method == method)
        ]

    def all_request_bodies(self) -> list[str]:
        """Every request received, as ``"<METHOD> <path>?<query>\\n<headers>\\n\\n<body>"`` (for secret checks)."""
        dumps = []
        for r in self.requests:
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
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        return list(self._commands.get(key, []))

    @property
    def confirmed_offset(self) -> int:
        """The highest offset the bot confirmed: every update with a smaller id is gone for good."""
        return self._confirmed_offset

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not confirmed yet (delivered or not)."""
        return list(self._updates)

    def dump(self, calls: Iterable[SentCall] | None = None) -> str:
        """A readable listing of the outgoing calls and the failed requests, for assertion messages."""
        lines = [f"  {index}: {call.describe()}" for index, call in enumerate(calls or self._sent)]
        failed = [f"  {r.method} -> {r.status} {r.description}" for r in self.errors()]
        return (
            "sent:\n"
            + ("\n".join(lines) or "  (nothing)")
            + ("\nfailed requests:\n" + "\n".join(failed) if failed else "")
        )

    async def wait_for(
        self,
        predicate: Callable[[SentCall], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> SentCall:
        """The first outgoing call from index ``start`` on matching ``predicate``, waiting up to ``timeout``.

        Raises AssertionError with a dump of what was sent when nothing matches in time.
        """
        deadline = time.monotonic() + timeout
        while True:
            for call in self._sent[start:]:
                if predicate(call):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching Telegram call within {timeout:g} s\n{self.dump()}")
            await self._wait_change(remaining)

    async def wait_for_text(
        self,
        chat_id: int,
        substring: str,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> SentCall:
        """The first send/edit in ``chat_id`` whose text or caption (rendered or raw) contains ``substring``."""

        def matches(call: SentCall) -> bool:
            if call.chat_id != chat_id or call.method in ("sendChatAction", "deleteMessage", "deleteMessages"):
                return False
            candidates = (call.text, call.caption, call.params.get("text"), call.params.get("caption"))
            return any(isinstance(value, str) and substring in value for value in candidates)

        try:
            return await self.wait_for(matches, timeout, start=start)
        except AssertionError as error:
            raise AssertionError(f"no message containing {substring!r} in chat {chat_id}: {error}") from None

    async def wait_polling(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has called getUpdates at least once."""
        deadline = time.monotonic() + timeout
        while not self.polls:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"the bot did not call getUpdates within {timeout:g} s")
            await self._wait_change(remaining)

    async def wait_confirmed(
        self,
        update: dict[str, Any] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until the bot confirmed ``update`` (default: every update injected so far)."""
        if update is None and self._next_update_id == self._first_update_id:
            return  # nothing was ever injected
        target = (update["update_id"] if update is not None else self._next_update_id - 1) + 1
        deadline = time.monotonic() + timeout
        while self._confirmed_offset < target:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"offset {target} not confirmed within {timeout:g} s (confirmed: {self._confirmed_offset})"
                )
            await self._wait_change(remaining)


class _RawAnswer(Exception):
    """A non-JSON answer (an nginx error page)."""

    def __init__(self, status: int, body: str, content_type: str) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type


_STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}
_NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {text}</title></head>\r\n<body>\r\n<center><h1>{status} {text}</h1>"
    "</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
_FILE_ID_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "animation": "CgACAgIAAxkBAAI",
    "video_note": "DQACAgIAAxkBAAI",
}


def _guess_mime(name: str | None, declared: str | None, data: bytes) -> str | None:
    if data[4:8] == b"ftyp":
        return "video/mp4" if not name or not name.lower().endswith(".mov") else "video/quicktime"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"%PDF"):
        return "application/pdf"
    if declared and declared != "application/octet-stream":
        return declared
    if name and "." in name:
        import mimetypes

        guessed = mimetypes.guess_type(name)[0]
        if guessed:
            return guessed
    return declared


def _extension(stored: StoredFile) -> str:
    if stored.file_name and "." in stored.file_name:
        return stored.file_name.rsplit(".", 1)[1].lower()
    if stored.mime_type in _EXTENSIONS:
        return _EXTENSIONS[stored.mime_type]
    return {"photo": "jpg", "video": "mp4", "voice": "oga", "sticker": "webp", "audio": "mp3"}.get(stored.kind, "bin")
