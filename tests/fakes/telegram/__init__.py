"""A Telegram Bot API fake for end-to-end tests: an aiohttp server on 127.0.0.1 plus a control side.

Usage::

    async with TelegramFake(token="123456:" + "A" * 35) as tg:
        # give the bot TELEGRAM_API_URL=tg.api_url; it calls <api_url>/bot<token>/<method>
        # and downloads from <api_url>/file/bot<token>/<file_path>
        alice = tg.user(first_name="Alice")
        chat = tg.private_chat(alice)
        await tg.send_text(chat, alice, "hello")
        reply = await tg.wait_for_text(chat.id, "hello")

The server models the methods the bot calls and is as strict as the real Bot API on them: token format and
validity, method names, parameter types as Telegram parses them (query string, urlencoded form, JSON or
multipart), the 4096 / 1024 limits counted in UTF-16 code units, reply targets, edit targets, "message is
not modified", chat actions, file ids, the 20 MB download and 50 MB upload limits (2000 MB as a local Bot
API server), getUpdates offset confirmation with long polling and the 409 of two pollers, privacy mode in
groups. Flood control (429 with ``retry_after``) and server failures (5xx) are switched on from the control
side; per-chat and overall send rates are enforced with 429 as Telegram does, and what crossed them is
recorded in :attr:`TelegramFake.flood_violations`. Users can send anything a real user can: text, commands,
photos, albums, files, audio, video, voice, stickers, locations, contacts, polls, button presses, edits and
reactions.

Modules, one concept each:

- `control`: `TelegramFake`, what tests use: playing the users, switching failures on, looking, waiting;
- `server`: the HTTP side (routing, tokens, answers, clients that go away);
- `methods`: the Bot API methods themselves;
- `state`: what Telegram knows (chats, messages, files, pending updates) and the record of what happened;
- `params`: request parameters as Telegram reads them; `errors`: how calls fail;
- `rates` and `failures`: flood limits checked, failures switched on;
- `objects`, `records`, `media`, `limits`: the values, the records tests read, files, Telegram's numbers.
"""

from tests.fakes.telegram.control import TelegramFake
from tests.fakes.telegram.limits import DEFAULT_TOKEN, MiB
from tests.fakes.telegram.objects import BotMessage, Chat, StoredFile, User
from tests.fakes.telegram.rates import FloodViolation
from tests.fakes.telegram.records import RequestRecord, SentCall

__all__ = [
    "DEFAULT_TOKEN",
    "BotMessage",
    "Chat",
    "FloodViolation",
    "MiB",
    "RequestRecord",
    "SentCall",
    "StoredFile",
    "TelegramFake",
    "User",
]
