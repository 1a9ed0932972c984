"""The conversation on the local engine with bad input: one clear sentence each, the timeline unchanged, and
nothing left behind (no saved copy of a refused file, no work folder).

It runs the real Conversation, Store and LocalEngine; only the transport is a recorder of what would be said.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from bot.config import Settings
from bot.conversation import Conversation
from bot.conversation.ports import Actions, Origin
from bot.engines.base import MediaFile, MediaKind
from bot.engines.local import LocalEngine
from bot.store import Store
from tests.fakes.sample_media import blank_png_bytes

CHAT = 42


class Recorder:
    """`Replies` that keeps what the bot said."""

    working_lasts = 5.0
    largest_video = 50 * 1024 * 1024

    def __init__(self) -> None:
        self.said: list[str] = []
        self.videos: list[Path] = []

    async def say(self, chat_id: int, text: str, *, reply_to: int | None = None, actions: Actions = ()) -> int | None:
        self.said.append(text)
        return len(self.said)

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        pass

    async def working(self, chat_id: int, activity: str) -> None:
        pass

    async def video(
        self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None, actions: Actions = ()
    ) -> bool:
        self.videos.append(path)
        return True

    async def photo(self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None) -> bool:
        return True

    async def menu(self, chat_id: int, language: str | None) -> None:
        pass


@pytest.fixture
async def talk(tmp_path: Path) -> AsyncIterator[tuple[Conversation, Recorder, Store, Settings]]:
    settings = Settings(database_path=tmp_path / "db.sqlite3", media_dir=tmp_path / "media", video_engine="local",
                        render_poll_seconds=0.05, _env_file=None)  # type: ignore[call-arg]
    store = await Store.open(settings.database_path)
    engine = LocalEngine(settings, store, previews=False)
    replies = Recorder()
    conversation = Conversation(settings, store, {"local": engine}, replies)
    yield conversation, replies, store, settings
    await conversation.aclose()
    await engine.aclose()
    await store.close()


def received(conversation: Conversation, name: str, write: object) -> MediaFile:
    """A file as the adapter saves it: under MEDIA_DIR/<chat>/, then handed over."""
    path = conversation.media.place_for(CHAT, name)
    if isinstance(write, bytes):
        path.write_bytes(write)
    else:
        assert isinstance(write, Image.Image)
        write.save(path, format="PNG" if name.endswith(".png") else "JPEG")
    return MediaFile(path, name, MediaKind.PHOTO, path.stat().st_size)


def leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.media_dir.rglob("*") if p.is_file())


async def timeline(store: Store) -> str:
    return json.dumps(await store.timelines.get(CHAT), sort_keys=True)


async def three_photos(conversation: Conversation) -> list[MediaFile]:
    files = [received(conversation, f"ok{i}.jpg", Image.new("RGB", (360, 640), (80 * i, 90, 90))) for i in range(3)]
    await conversation.on_media(Origin(CHAT), files)
    return files


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.jpg", b"", "empty.jpg"),
        ("corrupt.jpg", b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50, "corrupt.jpg"),
        ("notes.jpg", b"just some text, not a photo\n" * 10, "notes.jpg"),
        ("huge.png", Image.new("1", (12000, 12000)), "huge.png"),
        ("dot.png", Image.new("RGB", (1, 1)), "dot.png"),
        ("bomb.png", blank_png_bytes(30000, 30000), "bomb.png"),
        ("big.png", blank_png_bytes(20000, 20000), "big.png"),
    ],
)
async def test_an_unusable_photo_gets_a_sentence_and_leaves_nothing(
    talk: tuple[Conversation, Recorder, Store, Settings], name: str, content: object, expected: str
) -> None:
    conversation, replies, store, settings = talk
    good = await three_photos(conversation)
    before, kept = await timeline(store), leftovers(settings)
    replies.said.clear()
    await conversation.on_media(Origin(CHAT), [received(conversation, name, content)])
    (answer,) = replies.said
    # One clear sentence of the engine's own, naming the file once (not "“x” can't be used (x is ...). Send ...")
    assert answer.startswith(f"“{expected}”") and answer.count(expected) == 1, answer
    assert answer.endswith(".") and ". " not in answer and "can't be used" not in answer, answer
    assert await timeline(store) == before
    assert leftovers(settings) == kept == sorted(f.path.name for f in good)


@pytest.mark.parametrize(("side", "name"), [(30000, "bomb.png"), (20000, "big.png"), (12000, "huge.png")])
async def test_an_enormous_photo_is_called_too_large_not_damaged(
    talk: tuple[Conversation, Recorder, Store, Settings], side: int, name: str
) -> None:
    # A valid PNG of 900 or 400 megapixels is a small file; Pillow's "decompression bomb" check used to fire
    # first, and the answer said "damaged ... send it again", which would fail again the same way.
    conversation, replies, store, settings = talk
    good = await three_photos(conversation)
    before, kept = await timeline(store), leftovers(settings)
    replies.said.clear()
    await conversation.on_media(Origin(CHAT), [received(conversation, name, blank_png_bytes(side, side))])
    (answer,) = replies.said
    assert name in answer and "too large" in answer and "64 megapixels" in answer, answer
    assert "damaged" not in answer and "again" not in answer
    assert await timeline(store) == before
    assert leftovers(settings) == kept == sorted(f.path.name for f in good)


async def test_a_50_photo_album_is_refused_whole(talk: tuple[Conversation, Recorder, Store, Settings]) -> None:
    conversation, replies, store, settings = talk
    await three_photos(conversation)
    before, kept = await timeline(store), leftovers(settings)
    replies.said.clear()
    album = [received(conversation, f"a{i}.jpg", Image.new("RGB", (90, 160), (i * 5, 0, 0))) for i in range(50)]
    await conversation.on_media(Origin(CHAT), album)
    (answer,) = replies.said
    assert "50 photos" in answer and "at most 30" in answer and "none were added" in answer
    assert await timeline(store) == before and leftovers(settings) == kept


async def test_export_of_an_empty_timeline_and_an_edit_of_photo_9_of_3(
    talk: tuple[Conversation, Recorder, Store, Settings],
) -> None:
    conversation, replies, store, settings = talk
    await conversation.command(Origin(CHAT), "export")
    assert len(replies.said) == 1 and "photo" in replies.said[0].lower()
    assert replies.videos == [] and await store.renders.for_chat(CHAT) == []

    await three_photos(conversation)
    before = await timeline(store)
    replies.said.clear()
    await conversation.on_text(Origin(CHAT), "remove photo 9")
    (answer,) = replies.said
    assert "9" in answer and "3" in answer, answer
    assert await timeline(store) == before
    assert [p for p in (settings.media_dir / "local-renders").rglob("*") if p.is_file()] == []
