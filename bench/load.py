"""Load benchmark: `python bench/load.py` prints one table and the three targets it is judged by.

The Telegram and NemoVideo fakes run on loopback in this process; the real bot runs as a child process
(`python -m bot`) configured through its environment, as an operator would run it. Then `--chats` chats
(200) each send an album of 3 photos and, right after it, an instruction whose cloud stream lasts
`--stream-seconds` (60, with a heartbeat event every few seconds), while one more chat sends /credits every
`--credits-every` seconds (0.2) for the whole run.

Measured:
- the /credits answer time: from the moment the update is queued at the fake Telegram until the fake receives
  the bot's sendMessage that answers it (matched by the message it replies to), p50 and p99;
- the bot process's peak RSS (VmHWM from /proc/<pid>/status: the kernel's own high-water mark);
- how many of the load chats got every reply: the album's acknowledgement and the stream's answer.
Targets: p99 < 250 ms, peak RSS < 300 MB, zero lost replies. Flood violations the fake recorded (Telegram's
30 messages/s overall, 20/min per group) are printed too: meeting the targets by breaking those does not count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.nemo import NemoFake  # noqa: E402
from tests.fakes.sample_media import jpeg_bytes  # noqa: E402
from tests.fakes.telegram import DEFAULT_TOKEN, Chat, SentCall, TelegramFake, User  # noqa: E402

ANSWER = "Load answer: your video is made."
ACK = re.compile(r"Got (\d+) photos?\b")
PHOTOS = 3
BEAT_SECONDS = 5.0  # a heartbeat event this often during a stream, as the real service does
P99_TARGET_MS = 250.0
RSS_TARGET_MB = 300.0


@dataclass
class Run:
    """What one bench run measured."""

    chats: int
    stream_seconds: float
    ramp_seconds: float
    credits_sent: dict[int, float] = field(default_factory=dict)  # message id -> when injected
    credits_answered: dict[int, float] = field(default_factory=dict)  # message id -> seconds to the answer
    missing_ack: int = 0  # chats with a photo that no acknowledgement counted
    split_albums: int = 0  # chats whose album was acknowledged in more than one message
    missing_answer: int = 0
    lost_chats: int = 0  # chats missing any of their replies
    peak_rss_mb: float = 0.0
    wall_seconds: float = 0.0
    started: float = 0.0  # when the load began (monotonic)
    sends: int = 0
    chat_actions: int = 0
    violations: dict[str, int] = field(default_factory=dict)


def _replied_to(call: SentCall) -> int | None:
    """The user message a bot message answers (reply_parameters arrive JSON-encoded in a form body)."""
    value: Any = call.params.get("reply_parameters")
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, dict) and "message_id" in value:
        return int(value["message_id"])
    legacy = call.params.get("reply_to_message_id")
    return int(legacy) if legacy is not None else None


def _status_kb(pid: int, key: str) -> float:
    """A line of /proc/<pid>/status in kB (VmHWM: peak RSS; VmRSS: now); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def _bot_env(folder: Path, tg: TelegramFake, nemo: NemoFake) -> dict[str, str]:
    """The bot's configuration, as an operator would put it in the environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "NEMO_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_URL=tg.api_url,
        NEMO_API_URL=nemo.url,
        DATABASE_PATH=str(folder / "reelbot.sqlite3"),
        MEDIA_DIR=str(folder / "media"),
        TELEGRAM_POLL_TIMEOUT_SECONDS="1",
        STREAM_TIMEOUT_SECONDS="900",
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    return env


async def _wait(predicate: Any, timeout: float, every: float = 0.05) -> bool:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(every)
    return bool(predicate())


async def bench(chats: int, stream_seconds: float, ramp_seconds: float, credits_every: float, verbose: bool) -> Run:
    run = Run(chats, stream_seconds, ramp_seconds)
    photo = jpeg_bytes(720, 1280, (90, 120, 160))
    with tempfile.TemporaryDirectory(prefix="reelbot-load-") as tmp:
        folder = Path(tmp)
        async with TelegramFake() as tg, NemoFake() as nemo:
            nemo.tokens_per_ip = 10 * chats + 100  # every chat signs in anonymously from this one address
            log_path = folder / "bot.log"
            with log_path.open("wb") as log_file:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", cwd=str(folder), env=_bot_env(folder, tg, nemo),
                    stdout=log_file, stderr=log_file,
                )
                try:
                    measured = asyncio.create_task(_measure(run, tg, nemo, process.pid, photo, credits_every))
                    exited = asyncio.create_task(process.wait())
                    await asyncio.wait({measured, exited}, return_when=asyncio.FIRST_COMPLETED)
                    if not measured.done():
                        measured.cancel()
                        tail = log_path.read_text(errors="replace")[-2000:]
                        raise RuntimeError(f"the bot exited with {process.returncode}:\n{tail}")
                    exited.cancel()
                    measured.result()
                finally:
                    run.peak_rss_mb = _status_kb(process.pid, "VmHWM") / 1024
                    if process.returncode is None:
                        process.send_signal(signal.SIGTERM)
                        try:
                            await asyncio.wait_for(process.wait(), 20)
                        except TimeoutError:
                            process.kill()
                            await process.wait()
            if verbose or run.missing_ack or run.missing_answer:
                lines = log_path.read_text(errors="replace").splitlines()
                problems = [line for line in lines if " WARNING " in line or " ERROR " in line]
                print(f"bot log: {len(lines)} lines, {len(problems)} warnings/errors", file=sys.stderr)
                for line in problems[:20]:
                    print("  " + line[:200], file=sys.stderr)
            run.sends = sum(1 for c in tg.sent() if c.method == "sendMessage")
            run.chat_actions = sum(1 for c in tg.sent() if c.method == "sendChatAction")
            for violation in tg.flood_violations:
                run.violations[violation.rule] = run.violations.get(violation.rule, 0) + 1
    return run


async def _measure(
    run: Run, tg: TelegramFake, nemo: NemoFake, pid: int, photo: bytes, credits_every: float
) -> None:
    await tg.wait_polling(timeout=90)  # a loaded machine imports slowly
    asker = tg.user("Counter")
    counter = tg.private_chat(asker)
    # Warm-up: the credits chat's first contact (sign-in, "Connecting...", "Ready!") is not what is measured.
    await tg.send_command(counter, asker, "credits")
    if not await _wait(lambda: any("Credits:" in (c.text or "") for c in tg.sent(counter.id, "sendMessage")), 30):
        raise RuntimeError("the bot never answered the warm-up /credits")

    users: list[tuple[Chat, User]] = []
    for i in range(run.chats):
        user = tg.user(f"Load{i}")
        users.append((tg.private_chat(user), user))
    beats = max(1, round(run.stream_seconds / BEAT_SECONDS))
    for _ in users:
        nemo.slow_turn(beats=beats, interval=run.stream_seconds / beats, text=ANSWER)

    stop = asyncio.Event()

    async def ask_credits() -> None:
        while not stop.is_set():
            update = await tg.send_command(counter, asker, "credits")
            run.credits_sent[update["message"]["message_id"]] = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), credits_every)

    started = run.started = time.monotonic()
    asker_task = asyncio.create_task(ask_credits())
    for index, (chat, user) in enumerate(users):
        for _ in range(3):
            await tg.send_photo(chat, user, photo, media_group_id=f"album{index}")
        await tg.send_text(chat, user, "turn my photos into a 15-second TikTok video with transitions and music")
        # People don't press send in the same millisecond: the chats arrive evenly over the ramp.
        await asyncio.sleep(max(0.0, started + run.ramp_seconds * (index + 1) / run.chats - time.monotonic()))

    def texts(chat: Chat) -> list[str]:
        return [c.text or "" for c in tg.sent(chat.id, "sendMessage")]

    def all_answered() -> bool:
        return all(any(ANSWER in t for t in texts(chat)) for chat, _ in users)

    budget = run.stream_seconds + 60 + run.chats * 0.5
    await _wait(all_answered, budget, every=0.5)  # checking costs the fakes' loop: not too often
    run.wall_seconds = time.monotonic() - started
    stop.set()
    await asker_task
    await asyncio.sleep(1.0)  # the last /credits answers
    for chat, _ in users:
        seen = texts(chat)
        acks = [int(match.group(1)) for t in seen if (match := ACK.search(t))]
        acknowledged = sum(acks) >= PHOTOS
        run.missing_ack += not acknowledged
        run.split_albums += len(acks) > 1
        run.missing_answer += not any(ANSWER in t for t in seen)
        complete = acknowledged and any(ANSWER in t for t in seen)
        run.lost_chats += not complete
        if not complete and run.lost_chats <= 3:
            print(f"chat {chat.id} got: {[t[:40] for t in seen]}", file=sys.stderr)
    for call in tg.sent(counter.id, "sendMessage"):
        replied = _replied_to(call)
        if replied in run.credits_sent and "Credits:" in (call.text or ""):
            run.credits_answered.setdefault(replied, call.at - run.credits_sent[replied])
    slowest = sorted(run.credits_answered, key=lambda m: -run.credits_answered[m])[:5]
    print("slowest /credits (asked at +s: took s): " + ", ".join(
        f"+{run.credits_sent[m] - run.started:.1f}: {run.credits_answered[m]:.2f}" for m in slowest), file=sys.stderr)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if q < 100 else max(values)


def report(run: Run) -> None:
    latencies = sorted(ms * 1000 for ms in run.credits_answered.values())
    p50 = _percentile(latencies, 50)
    p99 = _percentile(latencies, 99)
    unanswered = len(run.credits_sent) - len(run.credits_answered)
    lost_chats = run.lost_chats

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    rows = [
        ("load chats (album of 3 photos + stream)", f"{run.chats}"),
        ("stream length", f"{run.stream_seconds:g} s"),
        ("chats arrive over", f"{run.ramp_seconds:g} s"),
        ("wall time until every stream answered", f"{run.wall_seconds:.1f} s"),
        ("/credits asked / answered", f"{len(run.credits_sent)} / {len(run.credits_answered)}"),
        ("/credits answer p50", f"{p50:.0f} ms"),
        ("/credits answer p99", f"{p99:.0f} ms"),
        ("/credits answer max", f"{(max(latencies) if latencies else float('nan')):.0f} ms"),
        ("bot peak RSS (VmHWM)", f"{run.peak_rss_mb:.0f} MB"),
        ("chats with a photo not acknowledged", f"{run.missing_ack}"),
        ("albums acknowledged in pieces (not lost; one album, 2+ replies)", f"{run.split_albums}"),
        ("chats missing the stream's answer", f"{run.missing_answer}"),
        ("sendMessage / sendChatAction calls", f"{run.sends} / {run.chat_actions}"),
        ("flood violations (overall / group / private)",
         " / ".join(str(run.violations.get(rule, 0)) for rule in ("overall", "group", "private"))),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"{'measure':<{width}}  value")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(f"p99 /credits = {p99:.0f} ms  (target < {P99_TARGET_MS:g} ms: "
          f"{verdict(p99 < P99_TARGET_MS and unanswered == 0)})")
    print(f"peak RSS = {run.peak_rss_mb:.0f} MB  (target < {RSS_TARGET_MB:g} MB: "
          f"{verdict(0 < run.peak_rss_mb < RSS_TARGET_MB)})")
    print(f"chats with every reply = {run.chats - lost_chats} of {run.chats}  (target: zero lost: "
          f"{verdict(lost_chats == 0)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=200, help="chats that send an album and start a stream")
    parser.add_argument("--stream-seconds", type=float, default=60.0, help="how long each cloud stream lasts")
    parser.add_argument("--ramp-seconds", type=float, default=10.0,
                        help="the chats arrive evenly over this long (0: all in one burst)")
    parser.add_argument("--credits-every", type=float, default=0.2, help="seconds between two /credits")
    parser.add_argument("--verbose", action="store_true", help="show the bot's warnings and errors")
    args = parser.parse_args()
    run = asyncio.run(bench(args.chats, args.stream_seconds, args.ramp_seconds, args.credits_every, args.verbose))
    report(run)


if __name__ == "__main__":
    main()
