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
import wcwidth
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
    saved = sorted(p.name.split("-")[0] for p in (tmp_path / "out").iterdir())
    assert saved == ["preview", "storyboard", "video"]  # a preview and the export, named apart
    assert " INFO " not in output and (tmp_path / "chat.log").is_file()  # log lines go to the data folder's file
    assert "Got 3 photos" in output
    assert "missing.jpg" in output  # the file it could not find is named, the others still arrive
    assert "bot> Timeline: 3 photos, 3 s\n1. photo1.jpg: 1 s\n2. photo2.jpg: 1 s\n3. photo3.jpg: 1 s\n" in output
    assert re.search(r"Saved to (\S+/storyboard-\S+\.png)", output)
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


async def test_undo_redo_and_a_new_project_in_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same commands as in a chat; what a message offers is shown as the commands to type; `chat --new`
    starts with a fresh project."""
    from bot import console

    settings = Settings(_env_file=None, video_engine="local", database_path=tmp_path / "db.sqlite3",
                        media_dir=tmp_path / "media")  # type: ignore[call-arg]
    core = await open_core(settings)
    replies = ConsoleReplies(tmp_path / "out")
    conversation = core.conversation(replies)
    try:
        await handle(conversation, f"/upload {photos(tmp_path)[0]}")
        await handle(conversation, "add the title 'Summer'")
        capsys.readouterr()
        await handle(conversation, "/undo")
        out = capsys.readouterr().out.splitlines()
        assert out[0] == "bot> ↩️ Undone: “add the title 'Summer'”."
        assert out[-1].split() == ["[🎬", "Export", "/export]", "[↩️", "Undo", "/undo]", "[🗂", "Timeline", "/status]"]
        await handle(conversation, "redo")
        assert capsys.readouterr().out.startswith("bot> ↪️ Redone: “add the title 'Summer'”.")

        monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # `chat --new`, then the input ends
        await console.run(conversation, replies, new_project=True)
        assert capsys.readouterr().out.splitlines() == ["bot> " + wording.NEW_PROJECT.render("en")]
        await handle(conversation, "/status")
        assert capsys.readouterr().out.splitlines() == ["bot> " + wording.TIMELINE_EMPTY.render("en")]
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
    videos = tmp_path / "out"
    try:
        for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")
        missing = tmp_path / "missing.jpg"
        await handle(conversation, f"/upload {missing}")
        assert capsys.readouterr().out.splitlines() == [f"bot> 找不到 {missing}。"]

        monkeypatch.setenv("LANG", "C.UTF-8")  # a locale that names no language: the words decide
        await handle(conversation, "/upload")
        assert capsys.readouterr().out.splitlines() == ["bot> " + wording.TERMINAL_UPLOAD_USAGE.render("zh")]
        await handle(conversation, "make it slower please")
        capsys.readouterr()
        await handle(conversation, "/help", replies)
        assert capsys.readouterr().out.startswith("bot> How it works here:")
        monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")  # LC_ALL over LANG, as gettext reads them
        await handle(conversation, "/help", replies)
        assert capsys.readouterr().out.strip() == "bot> " + wording.TERMINAL_HELP.format(videos=videos).render("zh")
    finally:
        await conversation.aclose()
        await core.aclose()


class Terminal(io.StringIO):
    """What a terminal window receives: the conversation, the prompt, and the escape codes that move about."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.changed.set()
        return super().write(text)

    async def until_shown(self, part: str, times: int) -> None:
        while self.getvalue().count(part) < times:
            self.changed.clear()
            await self.changed.wait()

    def shown(self) -> str:
        """The window's text once everything is written: cursor moves, erasures and wide characters played
        as a terminal plays them (each row a list of cells; a Chinese character takes two)."""
        rows: list[list[str]] = [[]]
        row = col = 0
        tokens = re.findall(r"\x1b\[\??[0-9;]*[A-Za-z]|\x1b\][^\x07]*\x07|\r|\n|[^\x1b\r\n]", self.getvalue())
        for token in tokens:
            if token == "\n":
                row, col = row + 1, 0
            elif token == "\r":
                col = 0
            elif token.startswith("\x1b["):
                count = int(token[2:-1]) if token[2:-1].isdigit() else 1
                final = token[-1]
                if final == "A":
                    row = max(0, row - count)
                elif final == "C":
                    col += count
                elif final == "D":
                    col = max(0, col - count)
                elif final in "KJ" and not token.startswith("\x1b[?"):
                    del rows[row][col:]
                    if final == "J":
                        del rows[row + 1:]
            elif not token.startswith("\x1b"):
                while len(rows) <= row:
                    rows.append([])
                cells = rows[row]
                width = max(1, wcwidth.wcwidth(token))
                cells.extend([" "] * (col + width - len(cells)))
                cells[col:col + width] = [token] + [""] * (width - 1)
                col += width
            while len(rows) <= row:
                rows.append([])
        return "\n".join("".join(cells).rstrip() for cells in rows)


LEFT, UP = "\x1b[D", "\x1b[A"
PROMPT_SHOWN = "\x1b[?2004h"  # prompt_toolkit turns bracketed paste on as each prompt appears


async def test_a_person_at_the_terminal(tmp_path: Path) -> None:
    """Typed as a person types: a Chinese upload, files dropped on the window (a quoted path with a space), a
    typo fixed with the arrow keys, an earlier line brought back with ↑; the export's progress on one line."""
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    from bot.console import Screen, run

    first, second, third = photos(tmp_path)
    dropped = tmp_path / "my trip.jpg"
    await asyncio.to_thread(Path(third).rename, dropped)
    nemo = await NemoFake().__aenter__()
    nemo.set_video(mp4_bytes())
    settings = Settings(_env_file=None, nemo_api_url=nemo.url, database_path=tmp_path / "db.sqlite3",
                        media_dir=tmp_path / "media", render_poll_seconds=0.01)  # type: ignore[call-arg]
    core = await open_core(settings)
    window = Terminal()
    # no cursor-position requests: a window that never answers them makes prompt_toolkit wait a second each time
    live = Vt100_Output(window, lambda: Size(rows=40, columns=200), term="xterm", enable_cpr=False)
    replies = ConsoleReplies(tmp_path / "videos", Screen(window, live))
    conversation = core.conversation(replies)
    try:
        with create_pipe_input() as keys:
            session = asyncio.create_task(run(conversation, replies, history=tmp_path / "history", terminal=keys,
                                              output=live))
            lines = (f"上传 {first} {second}", f"'{dropped}'", "make it 3 seconds", "/stus" + LEFT * 2 + "at", UP,
                     "/help", "/export", "/quit")
            async with asyncio.timeout(120):
                for typed, line in enumerate(lines, 1):
                    await window.until_shown(PROMPT_SHOWN, typed)  # a person types once the prompt is back
                    keys.send_text(line + "\r")
                await session
    finally:
        await conversation.aclose()
        await core.aclose()
        await nemo.__aexit__(None, None, None)
    shown = window.shown()
    assert "Got 2 photos" in shown and "Got 1 photo" in shown
    assert shown.count("bot> Timeline: ") == 2  # "/stus" fixed to /status, then ↑ said it again
    assert "upload PATH" in shown and "上传 PATH" in shown and str(tmp_path / "videos") in shown  # the help
    progress = [line for line in shown.splitlines() if "Rendering" in line]
    assert len(progress) == 1  # one line, updated in place
    export = shown[shown.index("you> /export"):]
    assert "you> " not in export[len("you> /export"):export.index("Your video is ready")]  # no prompt mid-answer
    videos = sorted(p.name for p in (tmp_path / "videos").iterdir())
    assert [n.split("-")[0] for n in videos] == ["storyboard", "storyboard", "video"]
    assert "+/status\n" in (tmp_path / "history").read_text()  # kept for the next run (once: ↑ repeated it)
