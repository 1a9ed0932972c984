"""The media folder's promise on both backends: a kept file reads the same on the machine that did not receive
it, a file kept nowhere is not found, a discarded file is gone everywhere, and a large file moves in parts.

"local" is one machine (no MEDIA_URL): the second reader shares the first one's MEDIA_DIR, the only way two
processes share files there. "s3" is two machines: two MEDIA_DIRs, one bucket on the tests' S3 server.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.config import Settings
from bot.media import MediaFolder, open_media
from bot.media.s3 import MiB, S3Storage
from bot.media.shared import StorageUnavailable
from tests.s3 import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, S3Server

CHAT = -1001234567890  # a supergroup: the folder name is a negative number


@dataclass
class Machines:
    a: MediaFolder  # received the file
    b: MediaFolder  # reads it later


@pytest.fixture(params=["local", "s3"])
async def machines(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Machines]:
    if request.param == "local":
        a = b = open_media(Settings(media_dir=tmp_path / "a", _env_file=None))  # type: ignore[call-arg]
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        shared = server.settings(request.getfixturevalue("s3_bucket"))
        a = open_media(Settings(media_dir=tmp_path / "a", **shared, _env_file=None))  # type: ignore[call-arg]
        b = open_media(Settings(media_dir=tmp_path / "b", **shared, _env_file=None))  # type: ignore[call-arg]
    assert a.shared is (request.param == "s3")
    yield Machines(a, b)
    await a.aclose()
    if b is not a:
        await b.aclose()


def bucket_keys(request: pytest.FixtureRequest) -> list[str]:
    """What the test's bucket holds, as anyone looking into the storage would see it."""
    server: S3Server = request.getfixturevalue("s3_server")
    return server.keys(request.getfixturevalue("s3_bucket"))


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_a_kept_file_reads_the_same_on_the_other_machine(
    machines: Machines, request: pytest.FixtureRequest
) -> None:
    photo = machines.a.place_for(CHAT, "IMG_0001.JPG")
    photo.write_bytes(b"\xff\xd8 a photo " + os.urandom(2000))
    await machines.a.keep(photo)

    # a draft names the photo by the path machine A saved it under, as a string
    here = await machines.b.fetch(str(photo))
    assert here == machines.b.root / str(CHAT) / photo.name
    assert here.read_bytes() == photo.read_bytes()
    assert await machines.b.fetch(here) == here  # there now: read from the disk, not fetched again
    assert files_under(machines.b.root) == [f"{CHAT}/{photo.name}"]  # no partial download left beside it
    if machines.a.shared:
        assert bucket_keys(request) == [f"media/{CHAT}/{photo.name}"]


async def test_a_file_kept_nowhere_is_not_found_and_leaves_nothing(machines: Machines) -> None:
    never_kept = machines.a.place_for(CHAT, "song.mp3")
    with pytest.raises(FileNotFoundError):
        await machines.b.fetch(never_kept)
    assert files_under(machines.b.root) == []


async def test_a_discarded_file_is_gone_everywhere(machines: Machines, request: pytest.FixtureRequest) -> None:
    photo = machines.a.place_for(CHAT, "refused.png")
    photo.write_bytes(b"not really a png")
    await machines.a.keep(photo)
    await machines.a.discard(photo)
    await machines.a.discard(photo)  # gone already: nothing to complain about
    assert not photo.exists()
    with pytest.raises(FileNotFoundError):
        await machines.b.fetch(photo)
    if machines.a.shared:
        assert bucket_keys(request) == []


async def test_a_large_file_moves_in_parts_never_whole_in_memory(
    s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    def folder(name: str) -> MediaFolder:
        storage = S3Storage(s3_bucket, "media", endpoint_url=s3_server.endpoint_url, region=REGION,
                            access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET_ACCESS_KEY,
                            part_size=5 * MiB, max_concurrency=2)
        return MediaFolder(tmp_path / name, storage)

    a, b = folder("a"), folder("b")
    render = a.finished_render("local_0123456789ab")
    render.parent.mkdir(parents=True)
    size = 30 * MiB
    with render.open("wb") as out:
        for _ in range(size // MiB):
            out.write(os.urandom(MiB))
    tracemalloc.start()
    try:
        await a.keep(render)
        here = await b.fetch(render)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert here == b.root / "renders" / render.name
    assert digest(here) == digest(render)
    # the transfer holds a few parts at a time (two 5 MB parts at once here), never the 30 MB file
    assert peak < size / 2, f"peak {peak / MiB:.1f} MiB"
    head = s3_server._client.head_object(Bucket=s3_bucket, Key=f"media/renders/{render.name}")
    assert head["ContentLength"] == size and head["ETag"].strip('"').endswith("-6")  # six parts
    await a.aclose()
    await b.aclose()


async def test_storage_trouble_is_an_os_error_naming_no_credential(s3_server: S3Server, tmp_path: Path) -> None:
    settings = Settings(media_dir=tmp_path / "a", **s3_server.settings("reelbot-no-such-bucket"),
                        _env_file=None)  # type: ignore[call-arg]
    folder = open_media(settings)
    photo = folder.place_for(CHAT, "a.jpg")
    photo.write_bytes(b"photo")
    with pytest.raises(StorageUnavailable) as caught:
        await folder.keep(photo)
    for words in (str(caught.value), repr(caught.value)):
        assert ACCESS_KEY_ID not in words and SECRET_ACCESS_KEY not in words
    assert isinstance(caught.value, OSError) and "upload" in str(caught.value)
    await folder.aclose()


def test_media_url_must_name_an_s3_bucket(tmp_path: Path) -> None:
    for wrong in ("http://minio:9000/media", "s3://", "s3://UPPER/x", "s3://ab"):
        with pytest.raises(ValueError, match="s3://bucket/prefix"):
            Settings(media_url=wrong, _env_file=None)  # type: ignore[call-arg]
    assert Settings(media_url="s3://reelbot-media/team/a/", _env_file=None).media_location == (  # type: ignore[call-arg]
        "reelbot-media", "team/a")
    assert Settings(media_url=" ", _env_file=None).media_location is None  # type: ignore[call-arg]


def digest(path: Path) -> str:
    found = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(MiB):
            found.update(chunk)
    return found.hexdigest()


def test_the_storage_credentials_are_redacted_from_every_log_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.__main__ as command_line

    redacted: list[tuple[str, ...]] = []
    monkeypatch.setattr(command_line, "setup_logging", lambda _level, secrets, **_: redacted.append(secrets))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name, value in {"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "MEDIA_URL": "s3://reelbot-media/x",
                        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY}.items():
        monkeypatch.setenv(name, value)
    assert command_line.main(["migrate"]) == 0
    assert {ACCESS_KEY_ID, SECRET_ACCESS_KEY} <= set(redacted[0])


async def test_photos_sent_on_one_machine_show_in_the_storyboard_and_preview_of_another(
    tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> None:
    """The bot as `open_core` wires it, in two terminals on two machines (one database, one bucket): the
    photos uploaded in A's are in the storyboard and the quick preview B makes."""
    from bot.app import open_core
    from bot.console import TERMINAL_CHAT_ID, ConsoleReplies, handle

    def machine(name: str) -> Settings:
        return Settings(_env_file=None, video_engine="local", database_path=tmp_path / "db.sqlite3",
                        media_dir=tmp_path / name, **s3_server.settings(s3_bucket))  # type: ignore[call-arg]

    sent = []
    for number, color in enumerate([(200, 40, 40), (40, 40, 200)], 1):
        sent.append(tmp_path / "camera" / f"IMG_{number}.jpg")
        sent[-1].parent.mkdir(exist_ok=True)
        Image.new("RGB", (720, 1280), color).save(sent[-1])
    core_a = await open_core(machine("a"))
    conversation_a = core_a.conversation(ConsoleReplies(tmp_path / "out-a"))
    try:
        await handle(conversation_a, f"/upload {sent[0]} {sent[1]}")
    finally:
        await conversation_a.aclose()
        await core_a.aclose()
    kept = [name for name in files_under(tmp_path / "a") if name.endswith(".jpg")]  # not the preview frames
    assert len(kept) == 2 and s3_server.keys(s3_bucket) == [f"media/{name}" for name in kept]
    shutil.rmtree(tmp_path / "a")  # B cannot see A's disk

    core_b = await open_core(machine("b"))
    conversation_b = core_b.conversation(ConsoleReplies(tmp_path / "out-b"))
    try:
        await handle(conversation_b, "/status")
        assert [name for name in files_under(tmp_path / "b" / str(TERMINAL_CHAT_ID)) if name.endswith(".jpg")] == [
            Path(name).name for name in kept]
        await handle(conversation_b, "make it 4 seconds")
    finally:
        await conversation_b.aclose()
        await core_b.aclose()
    made = {p.name.split("-")[0]: p for p in (tmp_path / "out-b").iterdir()}
    assert sorted(made) == ["preview", "storyboard"]
    with Image.open(made["storyboard"]) as board:  # both photos drawn: their colours are in the picture
        colours = {colour for _, colour in board.convert("RGB").getcolors(1 << 20) or []}
    assert any(r > 150 and g < 90 and b < 90 for r, g, b in colours)
    assert any(b > 150 and r < 90 and g < 90 for r, g, b in colours)
    with av.open(str(made["preview"])) as container:
        assert sum(1 for _ in container.decode(video=0)) > 10


class _Unreached:
    """Shared storage that is never called: the names of files are worked out without it."""

    async def upload(self, path: Path, key: str) -> None:
        raise AssertionError("not called")

    async def download(self, key: str, path: Path) -> None:
        raise AssertionError("not called")

    async def delete(self, key: str) -> None:
        raise AssertionError("not called")

    async def aclose(self) -> None:
        pass


@settings(max_examples=60)
@given(chat=st.integers(-(10**13), 10**13), sent_as=st.text(max_size=60))
def test_every_machine_knows_a_file_by_the_same_key_whatever_its_media_dir(chat: int, sent_as: str) -> None:
    """Drafts hold the absolute path machine A saved a file under; machine B, with another MEDIA_DIR, finds
    the same key for it and a place of its own under its own MEDIA_DIR."""
    with tempfile.TemporaryDirectory() as top:
        a = MediaFolder(Path(top) / "srv" / "a" / "media", _Unreached())
        b = MediaFolder(Path(top) / "b", _Unreached())
        saved = a.place_for(chat, sent_as)
        key = a.key_of(saved)
        assert key == f"{chat}/{saved.name}" == b.key_of(saved) == b.key_of(str(saved))
        assert b.here(saved) == b.root / str(chat) / saved.name and a.here(saved) == saved
        assert MediaFolder(a.root).here(saved) == saved  # one machine: a path is what it always was


async def test_a_bucket_that_cannot_be_used_stops_the_bot_with_one_sentence(
    s3_server: S3Server, tmp_path: Path
) -> None:
    from bot.app import open_core
    from bot.config import CannotStart
    from bot.language import render

    settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3", media_dir=tmp_path / "media",
                        **s3_server.settings("reelbot-not-made"))  # type: ignore[call-arg]
    with pytest.raises(CannotStart) as caught:
        await open_core(settings)
    words = render(caught.value.sentence, "en")
    assert words == "MEDIA_URL s3://reelbot-not-made/media cannot be used: there is no bucket reelbot-not-made."
    assert not (tmp_path / "db.sqlite3").exists()  # stopped before anything was made
