"""`TelegramReplies` through python-telegram-bot against the Telegram fake, which is as strict as Telegram:
lengths counted in UTF-16 units, and a video past 10 MB stored with only what the call said."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import telegram
from PIL import Image

from bot.store import Place, Store
from bot.telegram.replies import TelegramReplies
from tests.fakes.sample_media import mp4_bytes, noisy_mp4_bytes, png_bytes
from tests.fakes.telegram import DEFAULT_TOKEN, MiB, TelegramFake


@pytest.fixture
async def replies(tg: TelegramFake) -> AsyncIterator[TelegramReplies]:
    async with telegram.Bot(DEFAULT_TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
        yield TelegramReplies(bot)


async def deliver(tg: TelegramFake, replies: TelegramReplies, video: bytes, tmp_path: Path) -> dict:
    """Send ``video`` as the bot sends a render; the Video object Telegram kept of it."""
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "/export")
    path = tmp_path / "reel.mp4"
    path.write_bytes(video)
    assert await replies.video(chat.id, path, caption="Your video is ready")
    (upload,) = tg.uploads(chat.id)
    assert upload.method == "sendVideo" and "video" in upload.result
    return upload.result["video"]


async def test_a_video_past_10_mb_shows_its_size_length_and_thumbnail(
    tg: TelegramFake, replies: TelegramReplies, tmp_path: Path
) -> None:
    video = noisy_mp4_bytes(11 * MiB)
    kept = await deliver(tg, replies, video, tmp_path)
    assert kept["file_size"] > 10 * MiB
    assert (kept["width"], kept["height"]) == (540, 960)  # not the 320x320 square of an unanalysed upload
    assert kept["duration"] >= 2  # not 0:00
    thumbnail = kept["thumbnail"]
    image = Image.open(io.BytesIO(tg.file(thumbnail["file_id"]).data))
    assert image.format == "JPEG" and image.size == (180, 320) == (thumbnail["width"], thumbnail["height"])


async def test_a_small_video_is_analysed_by_telegram_and_told_the_same(
    tg: TelegramFake, replies: TelegramReplies, tmp_path: Path
) -> None:
    kept = await deliver(tg, replies, mp4_bytes(), tmp_path)
    assert (kept["width"], kept["height"], kept["duration"]) == (108, 192, 1)
    assert "thumbnail" in kept


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_texts_edits_and_captions_full_of_emoji_fit_telegrams_count(
    tg: TelegramFake, replies: TelegramReplies, tmp_path: Path
) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "/status")
    long_text = "🎬 " * 1500  # 3000 characters, 4500 UTF-16 units: over the 4096 of one message
    first = await replies.say(chat.id, long_text)
    assert first is not None
    await replies.edit(chat.id, first, "✅ " + "😀" * 2100)  # an edit keeps what fits of its first piece
    path = tmp_path / "reel.mp4"
    path.write_bytes(mp4_bytes())
    assert await replies.video(chat.id, path, caption="🎉" * 600)  # 1200 units: trimmed to the caption's 1024
    assert tg.errors() == []
    texts = [m.text for m in tg.messages(chat.id) if m.kind == "text"]
    assert len(texts) == 2 and all(units(text or "") <= 4096 for text in texts)
    assert units(texts[0] or "") > 4000 and (texts[0] or "").startswith("✅ 😀")
    (video,) = tg.uploads(chat.id)
    assert video.method == "sendVideo" and video.caption == "🎉" * 512


async def test_everything_said_to_a_topics_project_lands_in_that_topic(
    tg: TelegramFake, store: Store, tmp_path: Path
) -> None:
    forum, gus = tg.forum("Studio"), tg.user("Gus")
    topic = tg.create_topic(forum, gus, "Beach")
    project = await store.topics.project(Place(forum.id, topic))
    path = tmp_path / "preview.mp4"
    path.write_bytes(mp4_bytes())
    async with telegram.Bot(DEFAULT_TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
        replies = TelegramReplies(bot, topics=store.topics)
        first = await replies.say(project, "word " * 1000)  # 5000 characters: two messages
        await replies.working(project, "typing")
        assert first is not None
        await replies.edit(project, first, "changed")
        assert await replies.video(project, path, caption="Quick preview")
        board = tmp_path / "storyboard.png"
        board.write_bytes(png_bytes(600, 1200))
        assert await replies.photo(project, board, caption="Your photos in order")
    sent = tg.sent(forum.id)
    assert [c.method for c in sent] == ["sendMessage", "sendMessage", "sendChatAction", "editMessageText",
                                        "sendVideo", "sendPhoto"]
    assert all(c.thread_id == topic for c in sent if not c.method.startswith("edit")), tg.dump(sent)


async def test_a_storyboard_goes_as_a_photo_with_a_caption_trimmed_to_telegrams_count(
    tg: TelegramFake, replies: TelegramReplies, tmp_path: Path
) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "照片顺序")
    board = tmp_path / "storyboard.png"
    board.write_bytes(png_bytes(1280, 2200))
    assert await replies.photo(chat.id, board, caption="照片按顺序编号 🎞" * 150, reply_to=1)  # 1500 units
    (sent,) = tg.uploads(chat.id)
    assert sent.method == "sendPhoto" and units(sent.caption or "") <= 1024
    largest = sent.result["photo"][-1]
    assert (largest["width"], largest["height"]) == (1280, 2200)
    assert sent.result["reply_to_message"]["text"] == "照片顺序"


async def test_a_picture_telegram_refuses_is_reported_not_raised(
    tg: TelegramFake, replies: TelegramReplies, tmp_path: Path
) -> None:
    alice = tg.user()
    chat = tg.private_chat(alice)
    await tg.send_text(chat, alice, "/status")
    strip = tmp_path / "strip.png"
    strip.write_bytes(png_bytes(100, 2100))  # a side more than 20 times the other
    assert not await replies.photo(chat.id, strip)
    assert [e.description for e in tg.errors("sendPhoto")] == ["Bad Request: PHOTO_INVALID_DIMENSIONS"]
