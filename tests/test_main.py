"""Starting the bot against a Telegram that refuses the token or can't be reached: one sentence, no traceback."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from tests.fakes.telegram import TelegramFake

UNKNOWN_TOKEN = "987654321:" + "B" * 35  # well-formed, but not a bot the server knows


async def start_bot(tmp_path: Path, api_url: str) -> tuple[int, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(Path.cwd()),
           "TELEGRAM_BOT_TOKEN": UNKNOWN_TOKEN, "TELEGRAM_API_URL": api_url,
           "DATABASE_PATH": str(tmp_path / "db.sqlite3"), "MEDIA_DIR": str(tmp_path / "media")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def only_sentence(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.startswith("reelbot: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert UNKNOWN_TOKEN not in stderr and UNKNOWN_TOKEN.split(":")[1] not in stderr
    return lines[0]


async def test_a_token_telegram_refuses_ends_with_one_sentence_and_status_2(tmp_path: Path) -> None:
    async with TelegramFake() as fake:
        status, stderr = await start_bot(tmp_path, fake.api_url)
    assert status == 2
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in only_sentence(stderr)


async def test_an_unreachable_bot_api_ends_with_one_sentence(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    status, stderr = await start_bot(tmp_path, f"http://127.0.0.1:{port}")
    assert status == 1
    assert "can't be reached" in only_sentence(stderr)
