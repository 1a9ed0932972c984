"""Terminal mode as a user runs it: `python -m bot chat`, lines typed on standard input."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sys
from pathlib import Path

import av
import pytest
from PIL import Image

from bot.app import open_core
from bot.config import Settings
from bot.console import ConsoleReplies, handle
from bot.conversation import wording
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import mp4_bytes

PROJECT = Path(__file__).resolve().parent.parent


async def chat(tmp_path: Path, lines: list[str], **env: str) -> str:
    environment = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(PROJECT),
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"), "MEDIA_DIR": str(tmp_path / "media"),
        "RENDER_POLL_SECONDS": "0.1", **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "--out", str(tmp_path / "out"), cwd=tmp_path, env=environment,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate("\n".join(lines).encode() + b"\n"), 120)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


def photos(tmp_path: Path) -> list[str]:
    paths = []
    for i, color in enumerate([(200, 40, 40), (40, 200, 40), (40, 40, 200)]):
        path = tmp_path / f"photo{i + 1}.jpg"
        Image.new("RGB", (720, 1280), color).save(path)
        paths.append(str(path))
    return paths


def exported(output: str) -> Path:
    match = re.search(r"Your video is ready\. Saved to (\S+\.mp4)", output)
    assert match, output
    return Path(match.group(1))


async def test_the_whole_story_in_a_terminal_on_the_local_engine(tmp_path: Path) -> None:
    output = await chat(
        tmp_path,
        [f"/upload {' '.join(photos(tmp_path))} {tmp_path / 'missing.jpg'}",
         "turn my photos into a 3-second TikTok video with transitions and music", "/status", "/credits", "/export"],
        VIDEO_ENGINE="local",
    )
    assert "Got 3 photos" in output
    assert "missing.jpg" in output  # the file it could not find is named, the others still arrive
    assert "Timeline (2 tracks): 1. Video: photo1.jpg, photo2.jpg, photo3.jpg (0-3s)" in output
    assert "needs no credits" in output
    with av.open(str(exported(output))) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (1080, 1920)
        assert abs(float(container.duration or 0) / av.time_base - 3.0) < 0.1


async def test_the_terminal_speaks_to_the_cloud(tmp_path: Path) -> None:
    async with NemoFake() as nemo:
        nemo.set_video(mp4_bytes())
        output = await chat(
            tmp_path,
            [f"/upload {photos(tmp_path)[0]}", "turn my photos into a 15-second TikTok video", "/export"],
            NEMO_API_URL=nemo.url,
        )
        assert nemo.count("run_sse") == 1
    lines = output.splitlines()
    assert lines[:2] == ["bot> Connecting...", "bot> Ready!"]
    assert "bot> Your video is ready!" in lines
    assert exported(output).read_bytes() == mp4_bytes()
    with av.open(io.BytesIO(mp4_bytes())):
        pass


async def test_text_too_long_or_made_of_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Telegram never delivers a text over 4096 characters and strips control characters, but a terminal
    passes both (a long paste, the escape sequences of arrow keys): the core holds to the same rules."""
    async with NemoFake() as nemo:
        settings = Settings(_env_file=None, nemo_api_url=nemo.url, database_path=tmp_path / "db.sqlite3",
                            media_dir=tmp_path / "media")  # type: ignore[call-arg]
        core = await open_core(settings)
        conversation = core.conversation(ConsoleReplies(tmp_path / "out"))
        try:
            await handle(conversation, "add a title " + "x" * 5000)
            assert capsys.readouterr().out.splitlines() == [
                "bot> " + str(wording.TEXT_TOO_LONG.format(length=5012, limit=4096))]

            await handle(conversation, "\x1b[A\x1b[B\x00\x07\x7f")
            assert capsys.readouterr().out.splitlines() == ["bot> " + str(wording.EMPTY_TEXT)]
            assert nemo.requests == []  # neither reached the cloud

            await handle(conversation, "make it\x1b[D slower\x00\x08")
            assert [c.json["new_message"]["parts"][0]["text"] for c in nemo.calls("run_sse")] == ["make it slower"]
            assert "bot> Your video is ready!" in capsys.readouterr().out.splitlines()
        finally:
            await conversation.aclose()
            await core.aclose()


async def test_the_terminal_follows_the_locale_or_else_what_the_user_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(_env_file=None, video_engine="local", database_path=tmp_path / "db.sqlite3",
                        media_dir=tmp_path / "media")  # type: ignore[call-arg]
    core = await open_core(settings)
    replies = ConsoleReplies(tmp_path / "out")
    conversation = core.conversation(replies)
    replies.speak_as(conversation)
    try:
        for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")
        await handle(conversation, f"/upload {tmp_path / 'missing.jpg'}")
        assert capsys.readouterr().out.splitlines() == [f"bot> 找不到 {tmp_path / 'missing.jpg'}。"]

        monkeypatch.setenv("LANG", "C.UTF-8")  # a locale that names no language: the words decide
        await handle(conversation, "/upload")
        assert capsys.readouterr().out.splitlines() == ["bot> 用法：/upload 路径 [路径...]"]  # as before
        await handle(conversation, "make it slower please")
        capsys.readouterr()
        await handle(conversation, "/help")
        assert capsys.readouterr().out.startswith("bot> How it works:")
        monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")  # LC_ALL over LANG, as gettext reads them
        await handle(conversation, "/help")
        assert capsys.readouterr().out.startswith("bot> 使用方法：")
    finally:
        await conversation.aclose()
        await core.aclose()
