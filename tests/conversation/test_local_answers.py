"""The local engine's answers through the conversation: in the chat's language, and "Done" only when the
timeline changed (a refusal says so and leaves it as it was)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from bot.config import Settings
from bot.conversation import Conversation, Origin
from bot.engines.base import MediaFile, MediaKind
from bot.engines.local import LocalEngine
from bot.store import Store
from tests.conversation.test_local_bad_input import CHAT, Recorder


@pytest.fixture
async def talk(tmp_path: Path) -> AsyncIterator[tuple[Conversation, Recorder, Store]]:
    settings = Settings(database_path=tmp_path / "db.sqlite3", media_dir=tmp_path / "media", video_engine="local",
                        _env_file=None)  # type: ignore[call-arg]
    store = await Store.open(settings.database_path)
    engine = LocalEngine(settings, store, previews=False)
    replies = Recorder()
    conversation = Conversation(settings, store, {"local": engine}, replies)
    yield conversation, replies, store
    await conversation.aclose()
    await engine.aclose()
    await store.close()


async def test_a_chinese_chat_reads_the_planners_answers_in_chinese(
    talk: tuple[Conversation, Recorder, Store],
) -> None:
    conversation, replies, store = talk
    photos = []
    for i in range(3):
        path = conversation.media.place_for(CHAT, f"p{i}.jpg")
        Image.new("RGB", (360, 640), (60 * i, 90, 90)).save(path, format="JPEG")
        photos.append(MediaFile(path, path.name, MediaKind.PHOTO, path.stat().st_size))
    await conversation.on_media(Origin(CHAT), photos)
    await conversation.command(Origin(CHAT), "language", "zh")  # chosen: English words do not switch it back
    replies.said.clear()
    await conversation.on_text(Origin(CHAT), "音乐小一点")
    assert replies.said == ["已完成：音乐调小了（49%）；视频现在时长9秒，共3张照片。"]
    before = json.dumps(await store.timelines.get(CHAT), sort_keys=True)
    await conversation.on_text(Origin(CHAT), "sync to the beat")
    # generated music is cut on its own beat already
    assert replies.said[-1] == "没有改动：视频已经是按欢快的音乐的节拍卡点切换（120 BPM）了。"
    assert json.dumps(await store.timelines.get(CHAT), sort_keys=True) == before
