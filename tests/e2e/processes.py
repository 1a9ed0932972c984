"""The bot as operators run it: `python -m bot [command]` subprocesses, configured only through their
environment, started and killed (SIGKILL: no clean-up, no goodbye) by the test."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import SecretStr

from bot.config import Settings
from tests.fakes.telegram import TelegramFake

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """One `python -m bot` process (`args`: `intake`, `worker`, ...), its output in `workdir/<name>.log`."""

    def __init__(
        self, tg: TelegramFake, workdir: Path, env: dict[str, str], args: Sequence[str] = (), name: str = "bot"
    ) -> None:
        self.tg = tg
        self.workdir = workdir
        self.env = env
        self.args = list(args)
        self.log = workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self, ready: Callable[[], bool] | None = None) -> None:
        """Start, and return once `ready` holds (by default: the process reads Telegram, so it is up and
        has queued what it kept)."""
        polls = self.tg.polls
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *self.args, cwd=self.workdir, env=self.env, stdout=log, stderr=log
            )
        self.starts += 1
        started = ready or (lambda: self.tg.polls > polls)
        deadline = time.monotonic() + 90  # a guard: a machine busy with other test runs imports slowly
        while not started():
            if self.process.returncode is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start:\n{self.output()}")
            await asyncio.sleep(0.05)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def environment(settings: Settings) -> dict[str, str]:
    """`settings` as the environment variables an operator would set, and nothing of the machine's own
    configuration (a developer's real token, say)."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, frozenset | set):
            value = ",".join(str(item) for item in sorted(value))
        env[name.upper()] = str(value)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env
