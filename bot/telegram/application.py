"""Wiring in one place: the python-telegram-bot Application, its handlers, and the polling loop."""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import Core
from bot.config import CannotStart, Settings
from bot.telegram.handlers import Handlers
from bot.telegram.replies import TelegramReplies

log = logging.getLogger(__name__)

COMMANDS = (
    BotCommand("start", "Start: what this bot does"),
    BotCommand("help", "How to make a video"),
    BotCommand("status", "Show the timeline"),
    BotCommand("credits", "Show your credit balance"),
    BotCommand("export", "Render and send the MP4"),
    BotCommand("local", "Make the video on this machine (free)"),
    BotCommand("web", "Open the project in the NemoVideo web editor"),
)


def build_application(settings: Settings) -> Application:
    assert settings.telegram_bot_token is not None
    return (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value().strip())
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .local_mode(settings.telegram_local_mode)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)  # a long render in one chat must not hold up the others
        .build()
    )


def register(app: Application, handlers: Handlers) -> None:
    app.add_handler(TypeHandler(Update, handlers.claim), group=-1)
    app.add_handler(CommandHandler("start", handlers.start))
    app.add_handler(CommandHandler("help", handlers.help))
    app.add_handler(CommandHandler("credits", handlers.credits))
    app.add_handler(CommandHandler("status", handlers.status))
    app.add_handler(CommandHandler("export", handlers.export))
    app.add_handler(CommandHandler("local", handlers.use_local))
    app.add_handler(CommandHandler("cloud", handlers.use_cloud))
    app.add_handler(CommandHandler("web", handlers.web))
    media = filters.PHOTO | filters.VIDEO | filters.AUDIO | filters.Document.ALL
    app.add_handler(MessageHandler(media, handlers.media))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.text))
    other = (filters.Sticker.ALL | filters.LOCATION | filters.POLL | filters.CONTACT | filters.VOICE
             | filters.VIDEO_NOTE | filters.ANIMATION | filters.VENUE | filters.Dice.ALL)
    app.add_handler(MessageHandler(other, handlers.unsupported))
    app.add_handler(TypeHandler(Update, handlers.finish), group=1)
    app.add_error_handler(handlers.on_error)


async def run(settings: Settings, core: Core, stop: asyncio.Event) -> None:
    """Serve until `stop` is set. Pending updates are kept: what users sent while the bot was down counts."""
    app = build_application(settings)
    conversation = core.conversation(TelegramReplies(app.bot))
    register(app, Handlers(settings, core.store, conversation))
    try:
        await app.initialize()  # getMe: the first call that proves the token and the server
    except InvalidToken:
        raise CannotStart("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather (/token).", 2) from None
    except NetworkError:
        raise CannotStart(
            f"Telegram's Bot API at {settings.telegram_api_url} can't be reached: check the network or "
            "TELEGRAM_API_URL, then start again."
        ) from None
    async with app:
        await app.bot.set_my_commands(list(COMMANDS))
        await app.start()
        resumed = await conversation.resume()
        if resumed:
            log.info("resuming %d unfinished render(s)", resumed)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0,
            timeout=settings.telegram_poll_timeout_seconds,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        log.info("reelbot is running as @%s", app.bot.username)
        await stop.wait()
        await app.updater.stop()
        await conversation.aclose()
        await app.stop()
