"""The numbers and vocabularies the real Bot API enforces on the calls the bot makes, in one place.

Every value here is Telegram's own (https://core.telegram.org/bots/api); the fake refuses what Telegram
refuses, so a bot that passes its tests is not surprised in production.
"""

from __future__ import annotations

import re

MiB = 1024 * 1024

#: A well-formed token (``<bot id>:<secret>``); the fake serves the bot whose id is the part before the colon.
DEFAULT_TOKEN = "123456:" + "A" * 35
TOKEN_RE = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{30,}$")

DOWNLOAD_LIMIT = 20 * MiB  #: getFile refuses bigger files on the public Bot API
UPLOAD_LIMIT = 50 * MiB  #: the public Bot API answers 413 to bigger multipart uploads
LOCAL_FILE_LIMIT = 2000 * MiB  #: a local Bot API server (``--local``) takes and hands out files up to this size
MULTIPART_SLACK = MiB  #: room for the other parts and headers of a multipart body around its file

#: Telegram reads the size, length and a thumbnail of an uploaded video itself only up to this size; past it,
#: the Video is stored with what sendVideo said, and clients show a 320x320 square reading 0:00 for what it left out.
ANALYSED_VIDEO_LIMIT = 10 * MiB
UNANALYSED_VIDEO_SIDE = 320
#: A thumbnail sent with a file: a JPEG under 200 kB, at most 320 px each side; any other is silently dropped.
MAX_THUMBNAIL_BYTES = 200_000
MAX_THUMBNAIL_SIDE = 320

#: sendPhoto: at most 10 MB, width + height at most 10000, the long side at most 20 times the short one. Telegram keeps
#: scaled copies, the largest fitting 2560 px, which is what clients show.
MAX_PHOTO_BYTES = 10 * MiB
MAX_PHOTO_SIDES_SUM = 10_000
MAX_PHOTO_RATIO = 20
PHOTO_BOXES = (90, 320, 800, 1280, 2560)

#: Lengths of what the user sees, in UTF-16 code units (an emoji outside the BMP counts twice).
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
#: An inline button's callback_data: 1-64 bytes (UTF-8), per the Bot API's InlineKeyboardButton.
MAX_CALLBACK_DATA = 64
#: How long a button press can be answered. The Bot API documents no figure; bots meet "query is too old"
#: some seconds after the press (reports say 10 to 15 s): the fake takes 15 s, and tests may shorten it.
CALLBACK_ANSWER_SECONDS = 15.0

COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256

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

#: The calls that create a message in a chat: these count against Telegram's flood limits.
MESSAGE_METHODS = frozenset({"sendMessage", "sendVideo", "sendDocument", "sendPhoto"})

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
