"""Wiring in one place: the python-telegram-bot Application, its handlers, and the polling loop."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import Core
from bot.config import CannotStart, Settings
from bot.telegram.handlers import Handlers
from bot.telegram.inbox import ConfirmWhenKept, Inbox
from bot.telegram.limits import FloodLimiter
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
    BotCommand("join", "Join with an invite code"),
)
# Shown only in each admin's private chat with the bot: everyone else would just be refused.
ADMIN_COMMANDS = (
    BotCommand("invite", "Make a one-time invite code"),
    BotCommand("usage", "What every chat has done, and its credits"),
)

CONCURRENT_UPDATES = 8192  # updates handled at once; see build_application


def build_application(settings: Settings, inbox: Inbox) -> Application:
    assert settings.telegram_bot_token is not None
    return (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value().strip())
        .update_queue(inbox)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .local_mode(settings.telegram_local_mode)
        .get_updates_request(ConfirmWhenKept(inbox))
        .rate_limiter(FloodLimiter(max_retries=3))  # urgent answers first, chat actions never queue
        # Every update gets its handler at once: handlers last whole streams (up to STREAM_TIMEOUT_SECONDS)
        # and album parts wait for their album, so True's 256 at a time let 200 streaming chats hold back
        # everyone's /credits and split albums (bench/load.py). A waiting handler costs a few kB.
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )


def register(app: Application, handlers: Handlers) -> None:
    app.add_handler(TypeHandler(Update, handlers.claim), group=-1)
    # First in their group, so no command or text handler sees them: an edit must not run a paid turn
    # again, a channel is not a place to make videos, and a button of an old message does nothing.
    app.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POSTS, handlers.channel_post))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.edited))
    app.add_handler(CallbackQueryHandler(handlers.old_button))
    app.add_handler(CommandHandler("start", handlers.start))
    app.add_handler(CommandHandler("help", handlers.help))
    app.add_handler(CommandHandler("credits", handlers.credits))
    app.add_handler(CommandHandler("status", handlers.status))
    app.add_handler(CommandHandler("export", handlers.export))
    app.add_handler(CommandHandler("local", handlers.use_local))
    app.add_handler(CommandHandler("cloud", handlers.use_cloud))
    app.add_handler(CommandHandler("web", handlers.web))
    app.add_handler(CommandHandler("invite", handlers.invite))
    app.add_handler(CommandHandler("join", handlers.join))
    app.add_handler(CommandHandler("usage", handlers.usage))
    media = filters.PHOTO | filters.VIDEO | filters.AUDIO | filters.Document.ALL
    app.add_handler(MessageHandler(media, handlers.media))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.text))
    other = (filters.Sticker.ALL | filters.LOCATION | filters.POLL | filters.CONTACT | filters.VOICE
             | filters.VIDEO_NOTE | filters.ANIMATION | filters.VENUE | filters.Dice.ALL)
    app.add_handler(MessageHandler(other, handlers.unsupported))
    app.add_handler(TypeHandler(Update, handlers.finish), group=1)
    app.add_error_handler(handlers.on_error)


async def _offer_admin_commands(bot: Bot, settings: Settings) -> None:
    """The command menu of each admin's private chat adds /invite and /usage. Telegram refuses a chat it
    has not seen (an admin who never wrote to the bot): the commands still work, only the menu lacks them."""
    for admin_id in sorted(settings.admin_user_ids):
        try:
            await bot.set_my_commands([*COMMANDS, *ADMIN_COMMANDS], scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:
            log.info("admin %s: command menu not set (%s)", admin_id, type(exc).__name__)


async def run(settings: Settings, core: Core, stop: asyncio.Event) -> None:
    """Serve until `stop` is set. Pending updates are kept: what users sent while the bot was down counts,
    and so does what a previous run received but did not finish (see `bot.telegram.inbox`)."""
    inbox = Inbox(core.store)
    app = build_application(settings, inbox)
    conversation = core.conversation(TelegramReplies(app.bot, retry_seconds=settings.telegram_retry_seconds))
    handlers = Handlers(settings, core.store, conversation)
    register(app, handlers)
    inbox.admit_with(handlers.admits)
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
        await _offer_admin_commands(app.bot, settings)
        await app.start()
        resumed = await conversation.resume()
        if resumed:
            log.info("resuming %d unfinished render(s)", resumed)
        unfinished = await inbox.put_unfinished(app.bot)  # before anything new: a chat's order is kept
        if unfinished:
            log.info("handling %d update(s) a previous run did not finish", unfinished)
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
