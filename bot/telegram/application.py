"""Wiring in one place: the python-telegram-bot Application, its handlers, the command menus (built by
`bot.telegram.menus` from the core's command table), and the polling loop."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import Core
from bot.config import CannotStart, Settings
from bot.conversation import COMMANDS, Conversation
from bot.conversation.ports import RenderQueue
from bot.language import _, available_languages
from bot.queue import JobQueue, WorkerTimes
from bot.store import Store
from bot.telegram.handlers import Handlers
from bot.telegram.inbox import ConfirmWhenKept, Inbox
from bot.telegram.intake import Intake
from bot.telegram.limits import FloodLimiter, group_pace
from bot.telegram.menus import Menus
from bot.telegram.pace import MemoryPace, Pace, SharedPace
from bot.telegram.presence import ChatPresence
from bot.telegram.replies import TelegramReplies
from bot.telegram.worker import UpdateWork

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 8192  # updates handled at once; see build_application


def build_application(
    settings: Settings, inbox: Inbox | None, presence: ChatPresence | None = None, pace: Pace | None = None
) -> Application:
    """The Application; with an `inbox`, it reads Telegram itself (one process), without one it only handles
    the updates it is given (a worker: `intake` reads)."""
    assert settings.telegram_bot_token is not None
    builder = ApplicationBuilder().token(settings.telegram_bot_token.get_secret_value().strip())
    if inbox is not None:
        builder = builder.update_queue(inbox).get_updates_request(ConfirmWhenKept(inbox))
    else:
        builder = builder.updater(None)
    return (
        builder
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .local_mode(settings.telegram_local_mode)
        # Every chat at Telegram's pace, urgent answers first, chat actions never queue; every request passes
        # `presence` (a chat's move, a 403). The paces are `pace`'s: this process's own unless shared.
        .rate_limiter(FloodLimiter(private_per_second=settings.telegram_private_chat_per_second,
                                   group_pace=group_pace(settings.telegram_group_chat_per_minute),
                                   max_retries=3, presence=presence, pace=pace))
        # Every update gets its handler at once: handlers last whole streams (up to STREAM_TIMEOUT_SECONDS)
        # and album parts wait for their album, so True's 256 at a time let 200 streaming chats hold back
        # everyone's /credits and split albums (bench/load.py). A waiting handler costs a few kB.
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )


def register(app: Application, handlers: Handlers) -> None:
    app.add_handler(TypeHandler(Update, handlers.claim), group=-1)
    # First in their group, so no command or text handler sees them: an edit must not run a paid turn
    # again, a channel is not a place to make videos, and a button press runs its command.
    app.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POSTS, handlers.channel_post))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.edited))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(ChatMemberHandler(handlers.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CommandHandler([command.name for command in COMMANDS], handlers.command))
    media = filters.PHOTO | filters.VIDEO | filters.AUDIO | filters.Document.ALL
    app.add_handler(MessageHandler(media, handlers.media))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.text))
    other = (filters.Sticker.ALL | filters.LOCATION | filters.POLL | filters.CONTACT | filters.VOICE
             | filters.VIDEO_NOTE | filters.ANIMATION | filters.VENUE | filters.Dice.ALL)
    app.add_handler(MessageHandler(other, handlers.unsupported))
    app.add_handler(TypeHandler(Update, handlers.finish), group=1)
    app.add_error_handler(handlers.on_error)


def _wire(
    settings: Settings, core: Core, inbox: Inbox | None, render_queue: RenderQueue | None = None
) -> tuple[Application, Conversation, Handlers]:
    """The Application, the conversation it serves and its handlers, joined."""
    presence = ChatPresence()
    # On PostgreSQL several processes may send through the token: Telegram's limits are theirs together.
    pace = SharedPace(core.store.flood_slots) if settings.database_url is not None else MemoryPace()
    app = build_application(settings, inbox, presence, pace)
    replies = TelegramReplies(app.bot, retry_seconds=settings.telegram_retry_seconds,
                              largest_video_mb=settings.upload_limit_mb, topics=core.store.topics,
                              menus=Menus(app.bot, settings))
    conversation = core.conversation(replies, render_queue)
    handlers = Handlers(settings, core.store, core.media, conversation, presence)

    async def gone(chat_id: int) -> None:  # a 403: a person's chat blocked the bot, a group removed it
        await conversation.gone(chat_id, blocked=chat_id > 0)

    presence.report_to(moved=conversation.moved, gone=gone)
    register(app, handlers)
    return app, conversation, handlers


async def _initialize(app: Application, settings: Settings) -> None:
    try:
        await app.initialize()  # getMe: the first call that proves the token and the server
    except InvalidToken:
        raise CannotStart(_("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather (/token)."), 2) from None
    except NetworkError:
        raise CannotStart(
            _("Telegram's Bot API at {url} can't be reached: check the network or TELEGRAM_API_URL, then start "
              "again.").format(url=settings.telegram_api_url)
        ) from None


async def run(settings: Settings, core: Core, stop: asyncio.Event) -> None:
    """Serve until `stop` is set. Pending updates are kept: what users sent while the bot was down counts,
    and so does what a previous run received but did not finish (see `bot.telegram.inbox`)."""
    inbox = Inbox(core.store)
    app, conversation, handlers = _wire(settings, core, inbox)
    inbox.admit_with(handlers.admits)
    await _initialize(app, settings)
    async with app:
        await _offer_menus(app.bot, settings, core.store)
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


async def read(settings: Settings, core: Core, queue: JobQueue, stop: asyncio.Event) -> None:
    """`python3 -m bot intake`: read Telegram (or stand by for it) and queue each update; see
    `bot.telegram.intake`. The reader does what the one-process bot does at its start: every unfinished
    render gets a follower (a job, here), and the command menus are set."""
    app, conversation, handlers = _wire(settings, core, None, render_queue=queue)
    await _initialize(app, settings)

    async def lead() -> None:
        resumed = await conversation.resume()
        if resumed:
            log.info("intake: queued the following of %d unfinished render(s)", resumed)
        await _offer_menus(app.bot, settings, core.store)

    async with app:
        intake = Intake(settings, core.store, queue, app.bot, handlers.admits, turn_away=app.process_update)
        await intake.run(stop, ready=lead)


async def _offer_menus(bot: Bot, settings: Settings, store: Store) -> None:
    """The command menus at start-up (`bot.telegram.menus`), with the languages admins chose for their
    private chats: a restart keeps an admin's choice as it keeps everyone's."""
    chosen: dict[int, str] = {}
    for admin_id in settings.admin_user_ids:
        row = await store.chats.find(admin_id)
        language = row.chosen_language if row is not None else None
        if language is not None and language in available_languages():
            chosen[admin_id] = language
    await Menus(bot, settings).offer(chosen)


async def work(
    settings: Settings, core: Core, queue: JobQueue, queues: list[str], concurrency: dict[str, int],
    stop: asyncio.Event,
) -> None:
    """`python3 -m bot worker`: run the queued jobs (`bot.queue`) until `stop` is set: updates through the
    same handlers as the one-process bot, renders followed to their delivery."""
    app, conversation, _handlers = _wire(settings, core, None, render_queue=queue)
    await _initialize(app, settings)
    async with app:
        await conversation.load()
        times = WorkerTimes(settings.worker_heartbeat_seconds, settings.worker_stalled_seconds,
                            settings.worker_poll_seconds)
        log.info("worker: running the %s queue(s)", ", ".join(queues))
        try:
            await queue.run_worker(UpdateWork(app, conversation), queues=queues, concurrency=concurrency,
                                   times=times, stop=stop)
        finally:
            await conversation.aclose()
