"""/status (and "show photos", "照片顺序") as a user sees it: a summary naming every photo, the title and
captions apart, then one storyboard picture of the photos in order; on the local engine and on the cloud."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from bot.config import Settings
from bot.conversation import Conversation, wording
from bot.conversation.intents import Intent, classify
from bot.engines.base import MediaFile, MediaKind
from bot.engines.local import LocalEngine
from bot.language import render
from bot.store import Store
from tests.conversation.conftest import CHAT, Core, RecordingReplies, origin
from tests.fakes.sample_media import PHOTOGRAPHS, photograph_jpeg


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[tuple[Conversation, RecordingReplies]]:
    settings = Settings(database_path=tmp_path / "db.sqlite3", media_dir=tmp_path / "media", video_engine="local",
                        _env_file=None)  # type: ignore[call-arg]
    store = await Store.open(settings.database_path)
    engine = LocalEngine(settings, store, previews=False)
    replies = RecordingReplies()
    conversation = Conversation(settings, store, {"local": engine}, replies)
    yield conversation, replies
    await conversation.aclose()
    await engine.aclose()
    await store.close()


def photograph(conversation: Conversation, index: int) -> MediaFile:
    name = f"photo{index + 1}-{PHOTOGRAPHS[index % len(PHOTOGRAPHS)].split('.')[0]}.jpg"
    path = conversation.media.place_for(CHAT, name)
    path.write_bytes(photograph_jpeg(PHOTOGRAPHS[index % len(PHOTOGRAPHS)]))
    return MediaFile(path, name, MediaKind.PHOTO, path.stat().st_size)


def picture(replies: RecordingReplies) -> Image.Image:
    (sent, _caption) = replies.photos[-1]
    image = Image.open(io.BytesIO(sent))
    image.load()
    return image


async def test_status_on_the_local_engine_names_every_photo_and_sends_the_storyboard(
    local: tuple[Conversation, RecordingReplies],
) -> None:
    conversation, replies = local
    await conversation.on_media(origin(1), [photograph(conversation, i) for i in range(6)])
    await conversation.on_text(origin(2), "add title '夏天的回忆'")
    await conversation.on_text(origin(3), 'caption photo 2 "罗马假日"')
    await conversation.command(origin(4), "status", "")
    summary = replies.texts()[-1]
    lines = summary.splitlines()
    assert lines[0] == "Timeline: 6 photos, 18 s"
    for index in range(6):  # every photo on its own line: none hidden behind "+2 more"
        assert f"{index + 1}. photo{index + 1}-{PHOTOGRAPHS[index % len(PHOTOGRAPHS)].split('.')[0]}.jpg: 3 s" in lines
    assert "Title: “夏天的回忆” (0–3 s)" in lines and "• on photo 2: “罗马假日”" in lines
    assert len(replies.photos) == 1 and replies.photos[0][1] == render(wording.STORYBOARD_CAPTION, "en")
    image = picture(replies)
    assert image.format == "PNG" and image.height > image.width
    assert not list((Path(conversation.media.root) / "storyboards").glob("*"))  # nothing left behind


@pytest.mark.parametrize("words", ["show photos", "照片顺序", "show the timeline"])
async def test_asking_to_see_the_photos_is_status(core: Core, words: str) -> None:
    await core.conversation.on_media(origin(1), [core.photo("a.jpg"), core.photo("b.jpg")])
    await core.conversation.on_text(origin(2), words)
    heading = "时间线：2 张照片，6 秒" if words == "照片顺序" else "Timeline: 2 photos, 6 s"  # in the language asked in
    assert core.replies.texts()[-1].startswith(heading)
    assert len(core.replies.photos) == 1 and core.cloud.sent == []  # nothing sent to (or charged by) the cloud


async def test_the_clouds_timeline_is_drawn_from_the_photos_kept_here(core: Core) -> None:
    """The cloud's draft names a photo by its own url; the chat's uploads say where it was kept."""
    files = []
    for index in range(6):
        path = core.media.place_for(CHAT, f"trip{index}.jpg")
        Image.new("RGB", (720, 1280), (40 * index, 200 - 30 * index, 90)).save(path)
        files.append(MediaFile(path, f"trip{index}.jpg", MediaKind.PHOTO, path.stat().st_size))
    await core.conversation.on_media(origin(1), files)
    core.cloud.draft_value = {"t": [
        {"tt": 0, "sg": [{"st": 3000 * i, "d": 3000, "m": {"name": f"cdn-{i}.jpg", "url": f"ref:trip{i}.jpg"}}
                         for i in (5, 4, 3, 2, 1, 0)]},  # the cloud reversed them
        {"tt": 7, "sg": [{"st": 0, "d": 3000, "m": {"text": "My TikTok"}}]},
    ]}
    await core.conversation.command(origin(2), "status", "")
    assert [line.split(":")[0] for line in core.replies.texts()[-1].splitlines()[1:7]] == [
        f"{n}. cdn-{i}.jpg" for n, i in zip(range(1, 7), (5, 4, 3, 2, 1, 0), strict=True)]
    image = picture(core.replies).convert("RGB")
    # the first thumbnail is the photo the cloud put first (trip5: the reddest), not a blank tile
    first_tile = image.crop((0, 0, image.width // 3, image.height // 2))
    def near(colour: tuple[int, int, int]) -> int:
        mask = [band.point(lambda v, c=c: 255 if abs(v - c) < 12 else 0) for band, c in
                zip(first_tile.split(), colour, strict=True)]
        return ImageChops.multiply(ImageChops.multiply(mask[0], mask[1]), mask[2]).histogram()[255]
    assert near((200, 50, 90)) > 20_000 and near((0, 200, 90)) == 0


async def test_the_storyboard_caption_is_in_the_chats_language(core: Core) -> None:
    core.conversation.chats.languages[CHAT] = "zh"
    await core.conversation.on_media(origin(1), [core.photo("a.jpg")])
    await core.conversation.command(origin(2), "status", "")
    assert core.replies.texts()[-1].startswith("时间线：1 张照片，3 秒")
    assert core.replies.photos[-1][1].startswith("照片按顺序编号")


async def test_an_empty_timeline_is_said_and_no_picture_is_sent(core: Core) -> None:
    await core.conversation.command(origin(1), "status", "")
    assert core.replies.texts()[-1] == render(wording.TIMELINE_EMPTY, "en") and core.replies.photos == []


@pytest.mark.parametrize(("words", "asks_to_see"), [
    ("show photos", True), ("show me the photos please", True), ("what is the photo order?", True),
    ("照片顺序", True), ("照片顺序是什么？", True), ("看看照片", True),
    ("show photos 3 and 5 side by side", False), ("reverse the photo order", False),
    ("把照片顺序反过来", False), ("调整照片顺序", False), ("照片顺序倒过来", False),
])
def test_asking_to_see_the_order_is_not_asking_to_change_it(words: str, asks_to_see: bool) -> None:
    assert (classify(words) is Intent.STATUS) is asks_to_see
