"""Command line: `python -m bot` runs the Telegram bot; `chat` runs it in a terminal; `migrate` prepares
the database; `copy-db` moves a bot's SQLite data to PostgreSQL. A configuration problem ends with one
sentence and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from pydantic import ValidationError

from bot.config import CannotStart, Settings, bot_token_problem, url_password, url_without_password
from bot.logs import setup_logging


def _fail(sentence: str, status: int = 2) -> int:
    print(f"reelbot: {sentence}", file=sys.stderr)
    return status


def _settings() -> Settings:
    return Settings()


async def _serve(settings: Settings) -> None:
    from bot.app import open_core
    from bot.telegram.application import run

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    core = await open_core(settings)
    try:
        await run(settings, core, stop)
    finally:
        await core.aclose()


async def _chat(settings: Settings, out_dir: Path) -> None:
    from bot import console
    from bot.app import open_core

    core = await open_core(settings)
    conversation = core.conversation(console.ConsoleReplies(out_dir))
    try:
        await console.run(conversation)
    finally:
        await conversation.aclose()
        await core.aclose()


async def _migrate(settings: Settings) -> list[int]:
    from bot.store import Store

    store = await Store.open(settings.database, migrate=False)
    try:
        return await store.migrate()
    finally:
        await store.close()


async def _copy_db(sqlite_path: Path, url: str) -> None:
    from bot.store.copy import copy_database

    copied = await copy_database(sqlite_path, url)
    for table in copied:
        print(f"{table.table}: {table.rows} rows")
    print(f"copied {sum(t.rows for t in copied)} rows from {sqlite_path} to {url_without_password(url)};"
          " set DATABASE_URL to it and start the bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="reelbot: photos in, TikTok video out.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Telegram bot (the default)")
    chat = sub.add_parser("chat", help="the same bot in this terminal")
    chat.add_argument("--out", type=Path, default=Path("."), help="where exported MP4s are written")
    sub.add_parser("migrate", help="apply database migrations and exit")
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
        return _fail(f"{name} is not valid: {first['msg']}.")
    secrets = tuple(
        s.get_secret_value() for s in (settings.telegram_bot_token, settings.nemo_token, settings.database_url)
        if s is not None
    )
    urls = [settings.database_url.get_secret_value()] if settings.database_url else []
    if args.command == "copy-db":
        urls.append(args.database_url)
    secrets += tuple(password for password in map(url_password, urls) if password)
    setup_logging(settings.log_level, secrets)

    try:
        if args.command == "migrate":
            applied = asyncio.run(_migrate(settings))
            print(f"database {settings.database_shown}: applied {applied or 'nothing (up to date)'}")
        elif args.command == "copy-db":
            from bot.store.copy import CopyRefused

            if not args.database_url.startswith(("postgresql://", "postgres://")):
                return _fail("DATABASE_URL must be a PostgreSQL URL, postgresql://user:password@host/database.")
            try:
                asyncio.run(_copy_db(args.sqlite_path, args.database_url))
            except CopyRefused as exc:
                return _fail(exc.sentence, 1)
        elif args.command == "chat":
            asyncio.run(_chat(settings, args.out))
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
