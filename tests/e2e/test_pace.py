"""A chat that sends faster than Telegram lets a bot answer: the replies keep each chat's pace (a short
burst, then about one a second in a private chat), no 429 reaches anyone, the answer the user waits for
goes first, and one "I'm still on your previous request" stands for every message that waits.

The fake Telegram refuses a private chat's sends beyond its pace with 429, as Telegram does. The pace is a
setting (TELEGRAM_PRIVATE_CHAT_PER_SECOND): raised in these tests (`tests.e2e.conftest.PRIVATE_PER_SECOND`),
with the fake's limit raised to match, so the story takes seconds, not a minute; the real default is tested
in tests/telegram/test_limits.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.config import Settings
from bot.conversation import wording
from tests.e2e.conftest import PRIVATE_BURST, PRIVATE_PER_SECOND, all_handled, running, said, with_photo
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import SentCall, TelegramFake


def busiest_second(calls: list[SentCall]) -> int:
    """The most messages in any one-second window."""
    moments = sorted(call.at for call in calls)
    return max((sum(start <= t < start + 1.0 for t in moments) for start in moments), default=0)


def replied_to(call: SentCall) -> int | None:
    reply = call.result.get("reply_to_message") if isinstance(call.result, dict) else None
    return reply["message_id"] if reply else None


def messages(tg: TelegramFake, chat_id: int, start: int) -> list[SentCall]:
    return [c for c in tg.sent(chat_id)[start:] if c.method in ("sendMessage", "sendVideo", "sendDocument")]


async def test_thirty_messages_in_a_second_are_answered_at_the_chats_pace(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    nemo.anonymous_credits = 10_000  # thirty turns
    async with running(settings_for(), tg) as bot:
        jay = tg.user("Jay")
        chat = tg.private_chat(jay)
        await with_photo(tg, chat, jay)
        mark = tg.mark()
        instructions = []
        for i in range(29):
            instructions.append(await tg.send_text(chat, jay, f"make it {i + 2} seconds long"))
            await asyncio.sleep(1 / 30)  # the user's own pace: thirty in a second
        asked = time.monotonic()
        status = await tg.send_command(chat, jay, "/status")
        await all_handled(tg, bot)
        sent = messages(tg, chat.id, mark)
        print(f"\n{len(sent)} messages, at most {busiest_second(sent)} in one second")  # the figure, with -s
        assert said(tg, chat.id, mark).count(str(wording.QUEUED)) == 1, tg.dump(sent)
        answered = [replied_to(call) for call in sent]
        assert all(update["message"]["message_id"] in answered for update in instructions), tg.dump(sent)
        assert busiest_second(sent) <= PRIVATE_PER_SECOND + PRIVATE_BURST  # the pace (the fake's 429s say more)
        assert [r for r in tg.requests if r.status == 429] == []
        # The answer to /status went ahead of the instructions' answers still to come: at most the ones already
        # on their way when it was asked go before it.
        since = [replied_to(call) for call in sent if call.at >= asked]
        assert since.index(status["message"]["message_id"]) <= 3, tg.dump(sent)


async def test_eleven_files_in_half_a_second_get_one_note_for_all_that_wait(
    settings_for: Callable[..., Settings], tg: TelegramFake
) -> None:
    async with running(settings_for(), tg) as bot:
        kim = tg.user("Kim")
        chat = tg.private_chat(kim)
        await with_photo(tg, chat, kim)
        mark = tg.mark()
        for i in range(11):
            await tg.send_photo(chat, kim, jpeg_bytes(720, 1280, color=(20 * i, 80, 160)))
            await asyncio.sleep(0.5 / 11)
        await all_handled(tg, bot)
        sent = messages(tg, chat.id, mark)
        texts = said(tg, chat.id, mark)
        print(f"\n{len(sent)} messages, at most {busiest_second(sent)} in one second")  # the figure, with -s
        assert texts.count(str(wording.QUEUED)) <= 1, tg.dump(sent)
        assert sum("Got 1 photo" in t for t in texts) == 11
        assert busiest_second(sent) <= PRIVATE_PER_SECOND + PRIVATE_BURST  # the pace (the fake's 429s say more)
        assert [r for r in tg.requests if r.status == 429] == []
