"""Every sentence the bot says about itself, in one place, so the voice stays the same everywhere.

Errors become one clear sentence each; nothing here ever includes a token or a raw response. Every sentence
is declared with `_()` / `_n()` (`bot.language`) and composed with `.format` and `join`, never with `+` or
f-strings: it becomes words only in the chat's language, as it leaves (`Localized` in `chat.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot import timeline
from bot.conversation.ports import Action, Actions
from bot.engines.base import (
    BadInstruction,
    EngineError,
    EngineUnavailable,
    ExportBlocked,
    FileTooLarge,
    NotReady,
    OutOfCredits,
    RateLimited,
    Stepped,
    StreamBroken,
    UnsupportedFile,
    VideoGone,
)
from bot.language import Sentence, Text, _, _n, join
from bot.timeline import Board

if TYPE_CHECKING:
    from bot.store import ChatUsage

GREETING = _(
    "Send me your static images and I'll handle the AI video creation. Or just describe what you're after.\n\n"
    "Try saying: “turn my photos into a 15-second TikTok video with transitions and music”."
)
HELP = _(
    "How it works:\n"
    "1. Send photos (as photos, or as files for full quality; an album works too). Audio files become music.\n"
    "2. Tell me what you want, e.g. “turn my photos into a 15-second TikTok video with transitions and music”.\n"
    "3. Refine it (“add the title 'Summer' ”, “slower”, “calm music at 30%”) and send /export for the MP4.\n\n"
    "/status shows the timeline, /credits your balance, /export renders the 1080x1920 MP4.\n"
    "Vertical 9:16 photos frame best, with no cropping. Specific instructions get better results."
)
CONNECTING = _("Connecting...")
READY = _("Ready!")
STILL_WORKING = _("⏳ Still working...")
QUEUED = _("⏳ I'm still on your previous request; I'll do this one right after.")
VERTICAL_TIP = _("Tip: vertical 9:16 photos frame best for TikTok, with no cropping.")
EXAMPLE = _("“turn my photos into a 15-second TikTok video with transitions and music”")
NEXT_STEP = _("Now tell me what video you want, e.g. {example}.").format(example=EXAMPLE)
UPLOAD_HOW = _("Send photos, videos or audio files straight into this chat and I'll add them to your project.")
EMPTY_TEXT = _("Tell me what video you want, e.g. {example}.").format(example=EXAMPLE)
EXPORT_HINT = _("Send /export to get the MP4, or tell me what to change.")
# Said when a turn left the timeline as it was: never "Done", which would claim a change.
NOTHING_CHANGED = _("Nothing on the timeline changed; send /status to see it or tell me what to change.")
BROKEN_UNKNOWN = _(
    "The connection dropped before the answer came back. I didn't resend your request, so you aren't charged "
    "twice; send /status in a minute to see whether it was applied."
)
TURN_FAILED = _(
    "The video service hit an error on that request and the timeline didn't change; "
    "please try again, perhaps in other words."
)
RENDER_STARTED = _("🎬 Rendering your video… {progress}%")
RENDER_DONE = _("✅ Your video is ready.")
ALREADY_RENDERING = _(
    "🎬 This chat's video is already rendering (its progress is in the message I'm replying to); I'll send it "
    "when it's done. To render changes made since, send /export once it has arrived."
)
RENDER_FAILED = _("The render failed twice, so I stopped; please send /export again in a few minutes.")
RENDER_TIMED_OUT = _("The render took too long, so I cancelled it; please send /export again in a few minutes.")
RENDER_LINK = _("Your video is larger than Telegram lets me upload, so here is the download link: {url}")
RENDER_UNDELIVERABLE = _("Your video is ready, but I couldn't send it here; please send /export again.")
RENDER_LINK_UNSENT = _("Telegram wouldn't take the video just now, so here is the download link instead: {url}")
RENDER_GONE = _(
    "Your video was rendered, but the video service no longer has the file; please send /export to render it again."
)
TEXT_TOO_LONG = _(
    "That message is {length} characters long, more than the {limit} a message can have; "
    "please send a shorter instruction."
)
EDITED = _("I only act on new messages; send the change as a new message.")
OLD_BUTTON = _("That button no longer does anything; send me a message instead.")
NO_CHANNELS = _("I make videos in private chats and groups, not in channels: message me directly or add me to a group.")
LOCAL_CREDITS = _("The local engine renders on this machine and needs no credits.")
CREDITS = _("Credits: {available} available, {frozen} frozen, {total} total.")
INTERNAL = _("Sorry, something went wrong on my side; please try again.")
LOCAL_OFFER = _("You can also make the video on this machine for free: send /local.")
SWITCHED_LOCAL = _("Switched this chat to the local engine: {count} of your files are on its timeline. {next}")
SWITCHED_CLOUD = _("Switched this chat back to the cloud engine.")
ALREADY_ON = _("This chat already uses the {engine} engine.")
ENGINE_MISSING = _("The {engine} engine isn't available on this bot.")
NOT_ALLOWED = _(
    "Sorry, this bot is private to its team; ask the person who runs it for an invite code, "
    "then send /join and the code here."
)
ADMINS_ONLY = _("Only the bot's admins (ADMIN_USER_IDS) can use /{command}.")
INVITE_PRIVATE_ONLY = _(
    "I don't post invite codes where a whole group can read them: send /invite to me in a private chat."
)
INVITE_MADE = _(
    "Invite code (works once, for {valid}, until {until} UTC): {code}\n\n"
    "Whoever sends me “/join {code}” in a private chat gets in; sent in a group, it lets that whole group in. "
    "I keep only a fingerprint of the code, so this is the only time you'll see it."
)
INVITE_WHILE_OPEN = _(
    "Note: ALLOWED_USER_IDS and ALLOWED_CHAT_IDS are empty, so the bot is open to everyone for now; "
    "people who join are remembered for when you close it."
)
JOIN_HOW = _("Send /join followed by the invite code an admin gave you, e.g. “/join K7QM-2XPA-9RTF”.")
JOIN_REFUSED = _(
    "That invite code doesn't work: it may be mistyped, used already or expired; ask an admin for a new one."
)
JOINED_USER = _("You're in! Send me photos and tell me what video you want.")
JOINED_GROUP = _("You're in! Everyone in this group can use me now, and the group shares one project.")
ALREADY_IN_USER = _("You have access already; keep the code for someone else.")
ALREADY_IN_GROUP = _("This group has access already; keep the code for someone else.")
USAGE_PRIVATE_ONLY = _("/usage lists every chat, so it works only in a private chat with me.")
NO_USAGE = _("No chat has used the bot yet.")
WEB_LINK = _("Open this project in the NemoVideo web editor (the link works once, for a while): {url}")
WEB_ADMINS_ONLY = _(
    "The editor link hands the project to whoever opens it first, so in a group only the bot's admins can "
    "ask for it (ADMIN_USER_IDS)."
)
NO_WEB_EDITOR = _("This chat's engine runs here and has no web editor; tell me what to change instead.")
VOICE = _("I can't listen to voice messages yet; please type what you want instead.")
UNSUPPORTED_KIND = _(
    "I work with photos, videos, audio files and typed instructions: send photos and tell me what video you want."
)
ACCEPTED_FORMATS = _("JPG, PNG, WEBP, HEIC, GIF photos, MP4, MOV, AVI, WEBM, MKV videos, or MP3, WAV, M4A, AAC audio")


# A list's separators: "a, b and c" in English, "a、b 和 c" in Chinese.
LIST_SEPARATOR = _(", ")
LIST_LAST = _("{items} and {last}")
LOCAL_ENGINE = _("local")
CLOUD_ENGINE = _("cloud")
USAGE_BLOCKED = _("blocked the bot")
USAGE_REMOVED = _("removed the bot")
NO_TITLE = _("(no title)")
LANGUAGE_SET = _("I'll speak {language} in this chat from now on.")
LANGUAGE_NOW = _("I speak {language} in this chat. To change it, send {choices}; /language auto goes back to "
                 "following your Telegram language and what you write.")
LANGUAGE_AUTO = _("I'll follow your Telegram language and what you write: {language} for now.")
LANGUAGE_UNKNOWN = _("I don't speak “{name}” yet; send {choices}.")
LANGUAGE_CHOICE = _("/language {code} for {name}")
CHOICE_OR = _("{items} or {last}")


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def listed(items: list[Sentence | str], last: Text = LIST_LAST) -> Sentence | str:
    """Items said as a list in the reader's language: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return items[0] if items else ""
    return last.format(items=join(items[:-1], LIST_SEPARATOR), last=items[-1])


def credits(available: float, frozen: float, total: float) -> Text:
    return CREDITS.format(available=_number(available), frozen=_number(frozen), total=_number(total))


def received(photos: int, videos: int, audios: int) -> Sentence | str:
    kinds = (
        (photos, _n("{count} photo", "{count} photos", photos)),
        (videos, _n("{count} video", "{count} videos", videos)),
        (audios, _n("{count} audio file", "{count} audio files", audios)),
    )
    parts: list[Sentence | str] = [noun for count, noun in kinds if count]
    if not parts:
        return ""
    return _("📥 Got {what}.").format(what=listed(parts))


def caught_up(received_files: Sentence | str) -> Text:
    """Files the engine had missed, now on the timeline: what came in, and that it came late."""
    return _("{received} (These didn't go through earlier; they're on the timeline now.)").format(
        received=received_files)


def too_many_photos(sent: int, have: int, limit: int) -> Text:
    room = max(limit - have, 0)
    if have:
        where = _("the timeline has {have} already, so there is room for {room}").format(have=have, room=room)
    else:
        where = _("the timeline is empty")
    return _n(
        "That's {count} photo, but one video holds at most {limit} ({where}); none were added. "
        "Send up to {room}, or remove some first (e.g. “remove photo 3”).",
        "That's {count} photos, but one video holds at most {limit} ({where}); none were added. "
        "Send up to {room}, or remove some first (e.g. “remove photo 3”).",
        sent,
    ).format(limit=limit, where=where, room=room)


def unusable_file(filename: str | None) -> Text:
    if filename:
        return _("“{name}” can't be used: send {formats}.").format(name=filename, formats=ACCEPTED_FORMATS)
    return _("That file can't be used: send {formats}.").format(formats=ACCEPTED_FORMATS)


def too_big_to_download(filename: str, limit_mb: int) -> Text:
    return _(
        "“{name}” is larger than the {limit} MB Telegram lets bots download; "
        "please send a smaller or compressed version."
    ).format(name=filename, limit=limit_mb)


def _own_sentence(detail: object) -> bool:
    """An engine's detail that is a sentence of ours (declared for the catalogues), not a note for the log."""
    return not isinstance(detail, str) and detail is not None


def error(exc: EngineError, *, filename: str | None = None) -> Sentence | str:
    """One sentence for an engine failure (the caller adds the local-engine offer where it applies)."""
    match exc:
        case OutOfCredits(register_url=str(url)) if url:
            return _("You've used your free credits: register (free) to get more and keep your project: {url}").format(
                url=url)
        case OutOfCredits():
            return _("You're out of credits: top up at {url}.").format(url=exc.top_up_url or "nemovideo.com")
        case ExportBlocked() if exc.register_url:
            return _("Export isn't available on the free plan (this isn't about credits); registering unlocks it: "
                     "{url}").format(url=exc.register_url)
        case ExportBlocked():
            return _("Export isn't available on the free plan (this isn't about credits); registering at "
                     "nemovideo.com unlocks it.")
        case UnsupportedFile() if _own_sentence(exc.detail):
            return exc.detail  # the engine's own sentence names the file and what to send instead
        case UnsupportedFile():
            return unusable_file(filename)
        case FileTooLarge() if filename:
            return _("“{name}” is too large (the limit is {limit} MB): compress or trim it and send it again.").format(
                name=filename, limit=exc.limit_mb)
        case FileTooLarge():
            return _("That file is too large (the limit is {limit} MB): compress or trim it and send it again.").format(
                limit=exc.limit_mb)
        case RateLimited():
            return _("The video service is busy right now; please try again in a minute.")
        case VideoGone():
            return RENDER_GONE
        case EngineUnavailable():
            return _(
                "I can't reach the video service right now; everything you sent is saved, "
                "so please try again in a few minutes."
            )
        case NotReady() | BadInstruction():
            return exc.detail or _("I couldn't do that with the current timeline.")
        case StreamBroken():
            return BROKEN_UNKNOWN
    return exc.detail or _("The video engine couldn't do that; please try again.")


def with_local_offer(text: Sentence | str) -> Sentence:
    """A failure's sentence, and the way out to the engine on this machine."""
    return join([text, LOCAL_OFFER])


def offers_local(exc: EngineError) -> bool:
    """The failures the local engine is a way out of: no credits, export blocked, cloud out of reach."""
    return isinstance(exc, OutOfCredits | ExportBlocked | EngineUnavailable | RateLimited)


def duration(hours: float) -> Text:
    """INVITE_VALID_HOURS as people say it: "24 hours", "90 minutes", "1 minute"."""
    if hours >= 1 and float(hours).is_integer():
        return _n("{count} hour", "{count} hours", int(hours))
    minutes = max(1, round(hours * 60))
    return _n("{count} minute", "{count} minutes", minutes)


def invite_made(code: str, valid_hours: float, expires_at: datetime, *, open_to_all: bool) -> Sentence:
    text = INVITE_MADE.format(code=code, valid=duration(valid_hours), until=expires_at.strftime("%Y-%m-%d %H:%M"))
    return join([text, INVITE_WHILE_OPEN] if open_to_all else [text], "\n\n")


def join_locked(wait_seconds: float) -> Text:
    minutes = max(1, round(wait_seconds / 60))
    return _n("Too many wrong codes: please wait {count} minute before trying again.",
              "Too many wrong codes: please wait {count} minutes before trying again.", minutes)


def available_credits(available: float) -> str:
    """A balance as /usage shows it."""
    return _number(available)


def changed(changes: list[Sentence | str], summary: Sentence | str) -> Sentence:
    """What a turn changed, told from the timeline when the engine said nothing about it."""
    return join([_("Done. {changes}.").format(changes=join(changes, _("; "))), summary, EXPORT_HINT])


def engine_label(runs_here: bool) -> Text:
    """How the bot names an engine to people: where it runs."""
    return LOCAL_ENGINE if runs_here else CLOUD_ENGINE


def usage_report(chats: list[tuple[ChatUsage, Sentence | str, str | None]]) -> Sentence:
    """/usage: one line per chat with its engine and balance (None: an engine without credits; "?": not
    readable now; "–": never signed in)."""
    if not chats:
        return NO_USAGE
    lines: list[Sentence | str] = [_n("Usage of {count} chat:", "Usage of {count} chats:", len(chats))]
    for chat, engine, balance in chats:
        where = f"{chat.chat_type} {chat.chat_id}" if chat.chat_type else str(chat.chat_id)
        parts: list[Sentence | str] = [
            _("• {name} ({where}), {engine} engine: {photos}, {instructions}, renders {delivered} delivered / "
              "{failed} failed, {senders}").format(
                name=chat.title or NO_TITLE, where=where, engine=engine,
                photos=_n("{count} photo", "{count} photos", chat.photos),
                instructions=_n("{count} instruction", "{count} instructions", chat.instructions),
                delivered=chat.renders_delivered, failed=chat.renders_failed,
                senders=_n("{count} sender", "{count} senders", chat.senders)),
        ]
        if balance is not None:
            parts.append(_(", credits: {balance}").format(balance=balance))
        away = {"blocked": USAGE_BLOCKED, "removed": USAGE_REMOVED}.get(chat.presence)
        if away is not None:
            parts.append(_(" ({why})").format(why=away))
        lines.append(join(parts, ""))
    return join(lines)


def language_choices(languages: tuple[str, ...], names: dict[str, str]) -> Sentence | str:
    """"/language en for English or /language zh for 中文": every language the bot speaks, by its own name."""
    choices: list[Sentence | str] = [LANGUAGE_CHOICE.format(code=code, name=names[code]) for code in languages]
    return listed(choices, CHOICE_OR)


# ---------------------------------------------------------------- undo, redo, a new project, what to do next

UNDO_NOTHING = _("There's nothing to undo: the timeline has no change before this one.")
REDO_NOTHING = _("There's nothing to redo: no change was undone since the last one.")
UNDONE_INSTRUCTION = _("↩️ Undone: “{what}”.")
UNDONE_UPLOAD = _("↩️ Undone: {what} is off the timeline.")
REDONE_INSTRUCTION = _("↪️ Redone: “{what}”.")
REDONE_UPLOAD = _("↪️ Redone: {what} is back on the timeline.")
KEPT_NOT_RESTORED = _(
    "The cloud editor can't be set back from here, so it still has that change. I kept the timeline from "
    "before it: /status and /export use it until your next instruction, which the cloud applies to its own."
)
STILL_KEPT = _(
    "/status and /export still use the timeline I kept, not the cloud editor's, until your next instruction."
)
NEW_PROJECT = _(
    "🆕 New project: the timeline is empty. Your earlier photos and videos stay saved; send photos to begin."
)
ACTION_EXPORT = _("🎬 Export")
ACTION_UNDO = _("↩️ Undo")
ACTION_TIMELINE = _("🗂 Timeline")
# Offered under each preview and each answer that changed the timeline: the next things people do.
EDITING_ACTIONS: Actions = (
    Action("export", ACTION_EXPORT), Action("undo", ACTION_UNDO), Action("status", ACTION_TIMELINE),
)


def stepped(step: Stepped, *, forward: bool) -> Sentence:
    """What /undo or /redo did: the change named as the user made it, what it changed, the timeline now, and
    for an engine that could not set its own timeline, what was restored and what was not."""
    if step.kind == "upload":
        head = (REDONE_UPLOAD if forward else UNDONE_UPLOAD).format(what=step.what)
    else:
        head = (REDONE_INSTRUCTION if forward else UNDONE_INSTRUCTION).format(what=step.what)
    lines: list[Sentence | str] = [head, join(timeline.diff(step.before, step.after), "; ")]
    if not step.restored:
        lines.append(STILL_KEPT if forward else KEPT_NOT_RESTORED)
    lines.append(timeline.summary(step.after))
    return join(lines)


# ---------------------------------------------------------------- the timeline as a list and as a picture

TIMELINE_EMPTY = _("The timeline is empty: send some photos, then tell me what video you want.")
STORYBOARD_CAPTION = _("Your photos in order, by number: say “swap 3 and 5”, “move photo 2 to the end” or "
                       "“remove photo 4”.")
STORYBOARD_SECONDS = _("{seconds} s")  # under each photo of the storyboard; {seconds} is filled in there


def _seconds(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def board_heading(board: Board) -> Sentence:
    """The storyboard's line under the title: how many photos, how long."""
    return _n("{count} photo, {seconds} s", "{count} photos, {seconds} s", len(board.photos)).format(
        seconds=_seconds(board.seconds))


def board_summary(board: Board) -> Sentence:
    """/status: every photo on its own line with its seconds and caption, then the title(s), captions and music
    apart, so nothing is cut off however many photos there are."""
    if not board.photos and not board.texts and board.music is None:
        return TIMELINE_EMPTY
    lines: list[Sentence | str] = [_("Timeline: {heading}").format(heading=board_heading(board))]
    for photo in board.photos:
        lines.append(_("{number}. {name}: {seconds} s").format(
            number=photo.number, name=photo.name, seconds=_seconds(photo.seconds)))
    for title in board.titles:
        lines.append(_("Title: “{text}” ({start}–{end} s)").format(
            text=title.text, start=_seconds(title.start), end=_seconds(title.start + title.seconds)))
    if board.captions:
        lines.append(_n("{count} caption:", "{count} captions:", len(board.captions)))
        for caption in board.captions:
            if caption.photo is None:
                lines.append(_("• “{text}” ({start}–{end} s)").format(
                    text=caption.text, start=_seconds(caption.start), end=_seconds(caption.start + caption.seconds)))
            else:
                lines.append(_("• on photo {number}: “{text}”").format(number=caption.photo, text=caption.text))
    lines.append(_("Music: {music}").format(music=board.music) if board.music else _("Music: none"))
    return join(lines)


# ---------------------------------------------------------------- the terminal (`python3 -m bot chat`)

TERMINAL_WELCOME = _("reelbot in the terminal. Add photos with “upload PATH” (or drop the files here), then say what "
                     "video you want. /help for more, /quit to leave.")
TERMINAL_FOLDERS = _("Videos are saved in {videos}; the log is {log}.")
TERMINAL_HELP = _(
    "How it works here:\n"
    "1. Add photos: upload PATH [PATH...] (or 上传 PATH), or drag the files from your file manager into this window "
    "and press Enter. Audio files (MP3, WAV, M4A) become the music.\n"
    "2. Say what you want, e.g. “turn my photos into a 15-second TikTok video with transitions and music”.\n"
    "3. Refine it (“add title 'Summer'”, “swap 3 and 5”, “calm music at 30%”); each change on the local engine "
    "makes a quick preview.\n"
    "4. /export renders the 1080x1920 MP4 into {videos}.\n\n"
    "/status shows the photos in order and saves a storyboard picture; /credits, /local, /cloud work as in "
    "Telegram; /quit leaves. Arrow keys edit the line and bring back earlier ones."
)
TERMINAL_UPLOAD_USAGE = _("Say which files: upload PATH [PATH...] (or 上传 PATH).")
TERMINAL_NOT_FOUND = _("I can't find {path}.")
TERMINAL_NOT_MEDIA = _("{name} isn't a photo, video or audio file I can use.")
TERMINAL_SAVED = _("Saved to {path}")
TERMINAL_WORKING = _("⏳ working…")
