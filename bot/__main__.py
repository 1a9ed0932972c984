"""Command line: `python -m bot` runs the Telegram bot; `chat` runs it in a terminal; `migrate` prepares
the database; `copy-db` moves a bot's SQLite data to PostgreSQL. A configuration problem ends with one
sentence and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from bot.config import CannotStart, Settings, bot_token_problem, url_password, url_without_password
from bot.language import ENGLISH, Sentence, _, _n, language_for_code, locale_code, render
from bot.logs import setup_logging


def _say(sentence: Sentence | str, file: TextIO | None = None) -> None:
    """A sentence for whoever started the bot, in the language of their terminal's locale."""
    words = render(sentence, language_for_code(locale_code(os.environ)) or ENGLISH)
    print(f"reelbot: {words}", file=file or sys.stdout)  # the stream now, not the one at import


def _fail(sentence: Sentence | str, status: int = 2) -> int:
    _say(sentence, sys.stderr)
    return status


def _settings() -> Settings:
    return Settings()


async def _serve(settings: Settings) -> None:
    from bot.app import open_core
    from bot.telegram.application import run

    stop = _stop_on_signals()
    core = await open_core(settings)
    try:
        await run(settings, core, stop)
    finally:
        await core.aclose()


async def _intake(settings: Settings) -> None:
    from bot.app import open_core
    from bot.queue import JobQueue
    from bot.telegram.application import read

    assert settings.database_url is not None
    stop = _stop_on_signals()
    core = await open_core(settings)
    try:
        async with JobQueue(settings.database_url.get_secret_value(), core.store) as queue:
            await read(settings, core, queue, stop)
    finally:
        await core.aclose()


async def _worker(settings: Settings, queues: list[str], concurrency: dict[str, int]) -> None:
    from bot.app import open_core
    from bot.queue import JobQueue
    from bot.telegram.application import work

    assert settings.database_url is not None
    stop = _stop_on_signals()
    core = await open_core(settings)
    try:
        async with JobQueue(settings.database_url.get_secret_value(), core.store) as queue:
            await work(settings, core, queue, queues, concurrency, stop)
    finally:
        await core.aclose()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop


async def _chat(settings: Settings, videos: Path, log_file: Path, *, new_project: bool = False) -> None:
    from bot import console
    from bot.app import open_core

    core = await open_core(settings)
    replies = console.ConsoleReplies(videos)
    conversation = core.conversation(replies)
    try:
        await console.run(conversation, replies, history=log_file.with_name("chat-history"), log_file=log_file,
                          new_project=new_project)
    finally:
        await conversation.aclose()
        await core.aclose()


async def _migrate(settings: Settings) -> list[int]:
    from bot.store import Store

    store = await Store.open(settings.database, migrate=False)
    try:
        applied = await store.migrate()
        if settings.database_url is not None:  # the job queue's own tables, for `intake` and `worker`
            from bot.queue import JobQueue

            await JobQueue(settings.database_url.get_secret_value(), store).prepare()
        return applied
    finally:
        await store.close()


async def _copy_db(sqlite_path: Path, url: str) -> None:
    from bot.store.copy import copy_database

    copied = await copy_database(sqlite_path, url)
    for table in copied:
        _say(_n("{table}: {count} row", "{table}: {count} rows", table.rows).format(table=table.table))
    _say(_("Copied {rows} rows from {path} to {url}; set DATABASE_URL to it and start the bot.").format(
        rows=sum(t.rows for t in copied), path=sqlite_path, url=url_without_password(url)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="reelbot: photos in, TikTok video out.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Telegram bot (the default)")
    chat = sub.add_parser("chat", help="the same bot in this terminal")
    chat.add_argument("--out", type=Path, default=None,
                      help="where videos and storyboards are saved (default: the videos folder beside the database)")
    chat.add_argument("--new", action="store_true", help="start a new project (the old one's files stay saved)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("intake", help="read Telegram and queue the work (several processes; needs DATABASE_URL)",
                   description="One intake reads at a time; start another on a second machine as a standby.")
    worker = sub.add_parser("worker", help="run queued work: updates and renders (needs DATABASE_URL)")
    worker.add_argument("--queues", default="updates,renders",
                        help="which work: updates, renders or both (default: updates,renders)")
    worker.add_argument("--updates", type=int, default=64, metavar="N",
                        help="updates handled at once (most wait on the network; default 64)")
    worker.add_argument("--renders", type=int, default=max(1, (os.cpu_count() or 2) // 2), metavar="N",
                        help="local renders at once (each keeps about two cores busy; default: cores / 2)")
    copy_db = sub.add_parser("copy-db", help="copy a bot's SQLite database into an empty PostgreSQL database",
                             description="Stop the bot first. The SQLite file is read, never changed (beyond"
                             " its migrations); the PostgreSQL database must hold none of the bot's data yet.")
    copy_db.add_argument("sqlite_path", type=Path, metavar="SQLITE_PATH")
    copy_db.add_argument("database_url", metavar="DATABASE_URL", help="postgresql://user:password@host/database")
    args = parser.parse_args(argv)

    try:
        settings = _settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        return _fail(_("{name} is not valid: {reason}.").format(name=name, reason=first["msg"]))
    secrets = tuple(
        s.get_secret_value() for s in (settings.telegram_bot_token, settings.nemo_token, settings.database_url,
                                       settings.aws_access_key_id, settings.aws_secret_access_key)
        if s is not None
    )
    urls = [settings.database_url.get_secret_value()] if settings.database_url else []
    if args.command == "copy-db":
        urls.append(args.database_url)
    secrets += tuple(password for password in map(url_password, urls) if password)
    # In the terminal, log lines would land between the lines of the conversation: they go to a file there.
    data = Path(settings.database_path).absolute().parent
    chat_log = data / "chat.log" if args.command == "chat" else None
    setup_logging(settings.log_level, secrets, file=chat_log)

    try:
        if args.command == "migrate":
            applied = asyncio.run(_migrate(settings))
            if applied:
                _say(_("database {path}: applied migrations {numbers}").format(
                    path=settings.database_shown, numbers=", ".join(str(number) for number in applied)))
            else:
                _say(_("database {path}: nothing to apply (up to date)").format(path=settings.database_shown))
        elif args.command == "copy-db":
            from bot.store.copy import CopyRefused

            if not args.database_url.startswith(("postgresql://", "postgres://")):
                return _fail(_("DATABASE_URL must be a PostgreSQL URL, postgresql://user:password@host/database."))
            try:
                asyncio.run(_copy_db(args.sqlite_path, args.database_url))
            except CopyRefused as exc:
                return _fail(exc.sentence, 1)
        elif args.command in ("intake", "worker"):
            problem = bot_token_problem(settings)
            if problem:
                return _fail(problem)
            if settings.database_url is None:
                return _fail(_("{command} needs DATABASE_URL: its work is shared with other processes through "
                               "PostgreSQL. Without it, run the bot as one process: python3 -m bot.").format(
                                   command=args.command))
            if args.command == "intake":
                asyncio.run(_intake(settings))
            else:
                from bot.queue import QUEUES

                queues = [name.strip() for name in args.queues.split(",") if name.strip()]
                unknown = [name for name in queues if name not in QUEUES]
                if unknown or not queues:
                    return _fail(_("--queues takes updates, renders or both, not “{queues}”.").format(
                        queues=args.queues))
                if args.updates < 1 or args.renders < 1:
                    return _fail(_("--updates and --renders take a whole number of 1 or more."))
                asyncio.run(_worker(settings, queues, {"updates": args.updates, "renders": args.renders}))
        elif args.command == "chat":
            assert chat_log is not None
            asyncio.run(_chat(settings, (args.out or data / "videos").absolute(), chat_log, new_project=args.new))
        else:
            problem = bot_token_problem(settings)
            if problem:
                return _fail(problem)
            asyncio.run(_serve(settings))
    except CannotStart as exc:
        return _fail(exc.sentence, exc.status)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
