"""Files people send: kept first, then given to the chat's engine, and given again wherever they are missing.

Every received file is recorded with the place it is kept (`MEDIA_DIR`) before an engine sees it. One
routine (`Uploads.hand_over`) gives kept files to an engine, whatever the occasion:
- a message's photos, videos or audio just received (`take_in`: one acknowledgement per message or album);
- files the engine missed while it was out of reach, before anything is made from its timeline
  (`catch_up`: the user was told they are saved, so they count);
- everything the chat sent, when the chat moves to another engine (`move_to`).
A message handled again after a crash takes in its files once: the upload it made before is reused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot import timeline
from bot.conversation import wording
from bot.conversation.chat import Chats
from bot.conversation.ports import Origin, Said, Source
from bot.engines.base import (
    Engine,
    EngineError,
    EngineUnavailable,
    FileTooLarge,
    MediaFile,
    MediaKind,
    RateLimited,
    UnsupportedFile,
)
from bot.language import join
from bot.media import MediaFolder
from bot.store import Store, UploadRow

log = logging.getLogger(__name__)

# Upload failures that were the engine's, not the file's: such a file is handed over again later.
_WORTH_RETRYING = frozenset({"EngineUnavailable", "RateLimited"})
_VERTICAL = 9 / 16


@dataclass(frozen=True, slots=True)
class Kept:
    """A kept file on its way to an engine: its upload row, the file, and whether it is on no engine yet."""

    upload_id: int
    media: MediaFile
    pending: bool


@dataclass
class HandOver:
    """What one hand-over did: how many of each kind went in, sentences about files the engine refused, the
    engine's own trouble that stopped it (the rest waits for the next catch-up), whether a photo was
    not vertical 9:16, and what the engine said about the files it took (a photo that will look soft)."""

    counts: dict[MediaKind, int] = field(default_factory=lambda: dict.fromkeys(MediaKind, 0))
    refused: list[Said] = field(default_factory=list)
    notes: list[Said] = field(default_factory=list)
    trouble: EngineError | None = None
    off_format: bool = False

    def received(self) -> Said:
        return wording.received(self.counts[MediaKind.PHOTO], self.counts[MediaKind.VIDEO],
                                self.counts[MediaKind.AUDIO])


class Uploads:
    def __init__(self, chats: Chats, store: Store, media: MediaFolder) -> None:
        self._chats = chats
        self._store = store
        self._media = media

    # ------------------------------------------------------------ a message's files

    async def take_in(self, origin: Origin, files: list[MediaFile], sources: list[Source]) -> None:
        """Photos, videos, audio of one message (an album is one call): record, hand over, acknowledge once."""
        async with self._chats.failures_told(origin), self._chats.turn(origin):
            kept: list[Kept] = []
            done_before = 0  # files of this message a crash interrupted after they reached the engine
            for media, source in zip(files, sources, strict=True):
                known = await self._taken_before(origin.chat_id, media, source)
                if known is not None and known.status == "uploaded":
                    done_before += 1
                    kept.append(Kept(known.id, media, pending=False))
                    continue
                upload_id = known.id if known is not None else await self._store.uploads.add(
                    origin.chat_id, kind=media.kind.value, filename=media.filename, size=media.size,
                    local_path=str(media.path), file_unique_id=source.file_unique_id, sender_id=origin.user_id,
                    message_id=source.message_id,
                )
                kept.append(Kept(upload_id, media, pending=True))
            engine = await self._chats.engine(origin.chat_id)
            await self._chats.connect(origin, engine)
            to_send = [item for item in kept if item.pending]
            if await self._over_photo_limit(origin, engine, to_send):
                return
            async with self._chats.busy(origin.chat_id, "upload_photo"):
                report = await self.hand_over(origin, engine, to_send, fresh=True)
            for item in kept:
                if not item.pending:
                    report.counts[item.media.kind] += 1
            lines: list[Said] = [report.received(), *report.refused, *report.notes]
            if report.trouble is not None:
                lines.append(wording.error(report.trouble))
                if self._chats.engines.way_out(engine, report.trouble):
                    lines.append(wording.LOCAL_OFFER)
            if report.off_format:
                lines.append(wording.VERTICAL_TIP)
            if any(report.counts.values()):
                lines.append(wording.NEXT_STEP)
            await self._chats.say(origin, join(lines))

    async def _over_photo_limit(self, origin: Origin, engine: Engine, kept: list[Kept]) -> bool:
        """All or nothing: half an album is not what was asked, so one over the engine's limit is refused whole."""
        photos = sum(item.media.kind is MediaKind.PHOTO for item in kept)
        if engine.max_photos is None or not photos:
            return False
        have = timeline.clip_count(await engine.draft(origin.chat_id))
        if have + photos <= engine.max_photos:
            return False
        for item in kept:
            await self._discard(item, "TooManyPhotos")
        await self._chats.say(origin, wording.too_many_photos(photos, have, engine.max_photos))
        return True

    async def _taken_before(self, chat_id: int, media: MediaFile, source: Source) -> UploadRow | None:
        """The upload this very file of this very message made before a crash cut its handling short; the
        copy just downloaded again is then not needed."""
        if source.message_id is None:
            return None
        known = await self._store.uploads.from_message(chat_id, source.message_id, source.file_unique_id)
        if known is None or known.status == "failed" or not known.local_path:
            return None
        if Path(known.local_path) != media.path:
            await self._media.discard(media.path)
        return known

    async def _discard(self, item: Kept, reason: str) -> None:
        """A file that will never be used (unreadable, too large, over the photo limit): recorded as failed,
        and its saved copy removed so refused input leaves nothing behind."""
        await self._store.uploads.update(item.upload_id, status="failed", error=reason, local_path=None)
        await self._media.discard(item.media.path)

    # ------------------------------------------------------------ kept files, again

    async def catch_up(self, origin: Origin, engine: Engine) -> None:
        """Hand the engine the files it missed while it was out of reach (kept, recorded as saved), before
        anything is made from its timeline; its own trouble fails the caller's turn with that sentence."""
        behind = [
            row for row in await self._store.uploads.for_chat(origin.chat_id)
            if row.local_path and row.engine in (None, engine.name)
            and (row.status == "saved" or (row.status == "failed" and row.error in _WORTH_RETRYING))
        ]
        if not behind:
            return
        report = await self.hand_over(origin, engine, [_kept(row) for row in behind], fresh=False)
        if report.trouble is not None:
            raise report.trouble
        if any(report.counts.values()):
            await self._chats.say(origin, wording.caught_up(report.received()))

    async def move_to(self, origin: Origin, engine: Engine) -> int:
        """Give an engine the chat has just moved to every file the chat sent (unless its timeline already has
        some: it had them before); returns how many went in."""
        if timeline.parse_draft(await engine.draft(origin.chat_id)).t:
            return 0
        rows = [row for row in await self._store.uploads.for_chat(origin.chat_id) if row.local_path]
        report = await self.hand_over(origin, engine, [_kept(row) for row in rows], fresh=False)
        if report.trouble is not None:
            raise report.trouble
        return sum(report.counts.values())

    # ------------------------------------------------------------ the one hand-over

    async def hand_over(self, origin: Origin, engine: Engine, kept: list[Kept], *, fresh: bool) -> HandOver:
        """Upload kept files to `engine`, recording where each one went; a file on no engine yet is recorded
        as on this one, so it is never handed over twice.

        A file the engine refuses (unreadable, too large) is skipped: when `fresh` (just sent) the user is
        told and the copy removed, as it will never be used; a kept one stays for another engine. Trouble of
        the engine itself (out of reach, busy, or any refusal of a fresh file) stops the hand-over: the files
        not handed over stay recorded as failed, and are handed over again by the next `catch_up`.
        """
        report = HandOver()
        for item in kept:
            media = item.media
            try:
                uploaded = await engine.upload(origin.chat_id, media)
            except EngineError as exc:
                unusable = isinstance(exc, FileTooLarge | UnsupportedFile)
                if fresh and unusable:
                    await self._discard(item, type(exc).__name__)
                    report.refused.append(wording.error(exc, filename=media.filename))
                    continue
                if item.pending:
                    await self._store.uploads.update(item.upload_id, engine=engine.name, status="failed",
                                                     error=type(exc).__name__)
                if fresh or isinstance(exc, EngineUnavailable | RateLimited):
                    report.trouble = exc
                    break
                log.info("chat %s: upload %s not handed over: %s", origin.chat_id, item.upload_id,
                         type(exc).__name__)
                continue
            except OSError as exc:  # a kept copy removed since: the others still go
                log.info("chat %s: upload %s not handed over: %s", origin.chat_id, item.upload_id,
                         type(exc).__name__)
                if item.pending:
                    await self._store.uploads.update(item.upload_id, engine=engine.name, status="failed",
                                                     error=type(exc).__name__)
                continue
            if item.pending:
                await self._store.uploads.update(item.upload_id, engine=engine.name, engine_ref=uploaded.ref,
                                                 status="uploaded")
            report.counts[media.kind] += 1
            report.notes.extend(uploaded.notes)
            width, height = uploaded.width or media.width, uploaded.height or media.height
            if media.kind is MediaKind.PHOTO and width and height and abs(width / height - _VERTICAL) > 0.05:
                report.off_format = True
        return report


def _kept(row: UploadRow) -> Kept:
    media = MediaFile(Path(row.local_path or ""), row.filename, MediaKind(row.kind), row.size)
    return Kept(row.id, media, pending=row.status != "uploaded")
