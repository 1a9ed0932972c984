"""LocalEngine: the Engine port over the planner, the store's per-chat draft and one ffmpeg per render.

No account, no network: `connect` only makes sure the chat has a (possibly empty) timeline, and a render is
an asyncio task running one ffmpeg process in its own temp directory. That directory is removed whatever
happens (failure, cancel, shut-down); the finished MP4 is moved out to the media folder's place for its job
and kept there (shared with every machine under MEDIA_URL) until `download` takes it. Render jobs live in
memory: after a restart a job id is unknown and reported as "lost", which the core answers by starting the
render again (nothing was delivered or charged), unless its finished MP4 is kept: then it is delivered.

Drafts name photos and songs by the paths they were saved under, maybe on another machine: `_inputs_here`
fetches them before a preview or a render reads any of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.engines import base
from bot.engines.local import beats, faces, images, model, plan, render
from bot.language import _, join
from bot.locks import KeyedLocks
from bot.media import MediaFolder
from bot.store import Store
from bot.store.history import StepKind
from bot.timeline import missing_for_export

log = logging.getLogger(__name__)

_AUDIO_SUFFIXES = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac")
CANCELLED = _("The render was cancelled.")
# said once, when the photo arrives: it is enlarged more than images.SOFT_UPSCALE times to take its place
SMALL_PHOTO = _("Photo {number} is small ({width}x{height}) and will look soft.")


@dataclass(slots=True)
class _Job:
    chat_id: int
    workdir: Path
    status: base.RenderStatusName = "pending"
    progress: int = 0
    error: base.Said | None = None
    output: Path | None = None
    notes: tuple[base.Said, ...] = ()
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class LocalEngine:
    """The embedded engine (VIDEO_ENGINE=local). `previews=False` skips the quick preview after each edit."""

    name = "local"
    runs_here = True  # this machine, free and offline: the way out when an engine elsewhere fails
    poll_seconds = 0.5  # a local render takes seconds: its progress is read from memory, so ask often
    max_photos = model.MAX_PHOTOS

    def __init__(
        self, settings: Settings, store: Store, *, previews: bool = True, media: MediaFolder | None = None
    ) -> None:
        self._settings = settings
        self._store = store
        self._media = media or MediaFolder(settings.media_dir)  # kept files, fetched from other machines
        self._previews = previews
        self._jobs: dict[str, _Job] = {}
        self._cancelled: set[str] = set()
        self._lock = KeyedLocks()
        self._preview_files: dict[int, Path] = {}
        # every video is made to fit what this bot can send (TELEGRAM_UPLOAD_LIMIT_MB): never one it must refuse
        self._size_limit = settings.upload_limit_mb * render.MiB
        _remove_orphaned_work(Path(settings.media_dir) / "local-renders")

    # ------------------------------------------------------------ helpers

    def _work_root(self) -> Path:
        """Renders and previews go under MEDIA_DIR/local-renders/<pid>: one folder per process, so the bot and
        a terminal session on the same MEDIA_DIR never clear each other's work."""
        root = Path(self._settings.media_dir) / "local-renders" / str(os.getpid())
        root.mkdir(parents=True, exist_ok=True)
        return root

    async def _load(self, chat_id: int) -> dict[str, Any]:
        return await self._store.timelines.get(chat_id) or model.empty_draft()

    async def _here(self, path: Path | str) -> Path:
        """A kept file as a path on this machine, fetched when it was saved on another. One found nowhere
        keeps the path it was recorded under: whatever reads it says what is missing, in its own words."""
        try:
            return await self._media.fetch(path)
        except FileNotFoundError:
            return Path(path)

    async def _inputs_here(self, draft: dict[str, Any]) -> dict[str, Any]:
        """The draft with every photo and song it names as a path on this machine (fetched all at once): the
        one place a preview or a render turns recorded paths into files it can open."""
        here = copy.deepcopy(draft)
        named: list[tuple[dict[str, Any], str]] = [
            (segment["m"], "path") for track in here.get("t") or [] if track.get("tt") == model.VIDEO
            for segment in track.get("sg") or [] if (segment.get("m") or {}).get("path")
        ]
        if (here.get("m") or {}).get("audio_path"):
            named.append((here["m"], "audio_path"))
        found = await asyncio.gather(*(self._here(str(holder[key])) for holder, key in named))
        for (holder, key), path in zip(named, found, strict=True):
            holder[key] = str(path)
        return here

    # ------------------------------------------------------------ session

    async def readiness(self, chat_id: int) -> base.Readiness:
        """Always READY: no account to make, and `connect` only writes an empty timeline."""
        return base.Readiness.READY

    async def connect(self, chat_id: int) -> base.Connection:
        async with self._lock(chat_id):
            if await self._store.timelines.get(chat_id) is not None:
                return base.Connection(new=False)
            await self._store.timelines.put(chat_id, model.empty_draft())
            return base.Connection(new=True)

    async def credits(self, chat_id: int) -> base.Credits | None:
        return None

    async def moved(self, old: int, new: int) -> None:
        for job in self._jobs.values():
            if job.chat_id == old:
                job.chat_id = new
        if old in self._preview_files:
            self._preview_files[new] = self._preview_files.pop(old)

    async def claim_link(self, chat_id: int) -> str | None:
        return None

    async def draft(self, chat_id: int) -> dict[str, Any] | None:
        return await self._store.timelines.get(chat_id)

    # ------------------------------------------------------------ history

    async def _change(
        self, chat_id: int, before: dict[str, Any], after: dict[str, Any], kind: StepKind, what: str
    ) -> None:
        """Write the chat's new timeline, as a step /undo can take back (a change that changed nothing is none)."""
        await self._store.timelines.put(chat_id, after)
        if after != before:
            await self._store.history.record(chat_id, self.name, kind=kind, what=what, before=before, after=after)

    async def undo(self, chat_id: int) -> base.Stepped | None:
        async with self._lock(chat_id):
            step = await self._store.history.last_done(chat_id, self.name)
            if step is None:
                return None
            await self._store.timelines.put(chat_id, step.before or model.empty_draft())
            await self._store.history.mark(step.id, undone=True)
        return base.Stepped(step.kind, step.what, before=step.after, after=step.before)

    async def redo(self, chat_id: int) -> base.Stepped | None:
        async with self._lock(chat_id):
            step = await self._store.history.first_undone(chat_id, self.name)
            if step is None or step.after is None:
                return None
            await self._store.timelines.put(chat_id, step.after)
            await self._store.history.mark(step.id, undone=False)
        return base.Stepped(step.kind, step.what, before=step.before, after=step.after)

    async def start_over(self, chat_id: int) -> None:
        """An empty timeline and no history; the photos stay where they are kept (the bot's media folder)."""
        async with self._lock(chat_id):
            await self._store.timelines.put(chat_id, model.empty_draft())
            await self._store.history.forget(chat_id, self.name)
        old = self._preview_files.pop(chat_id, None)
        if old is not None:
            old.unlink(missing_ok=True)

    # ------------------------------------------------------------ uploads

    async def upload(self, chat_id: int, media: base.MediaFile) -> base.Uploaded:
        """Validate the file and add it to the timeline: photos to the video track, audio as the music."""
        path = await self._here(media.path)
        media = replace(media, path=path)
        if media.kind == base.MediaKind.VIDEO:
            raise base.UnsupportedFile(
                _("“{name}” is a video; the local engine makes videos from photos and music, so send photos (or an "
                  "audio file for the music).").format(name=media.filename), accepted=("photo", "audio"))
        if media.kind == base.MediaKind.AUDIO or path.suffix.lower() in _AUDIO_SUFFIXES:
            return await self._upload_audio(chat_id, media)
        width, height = await asyncio.to_thread(images.validate, path, media.filename)
        found = await asyncio.to_thread(faces.detect, path)  # once, now: no render or preview looks again
        notes: tuple[base.Said, ...] = ()
        async with self._lock(chat_id):
            draft = await self._load(chat_id)
            photos = model.photos(draft)
            if len(photos) >= model.MAX_PHOTOS:
                raise base.BadInstruction(
                    _("“{name}” was not added: the timeline already has {count} photos, the most one video can "
                      "hold; remove some (e.g. “remove photo 3”) to make room.").format(
                        name=media.filename, count=model.MAX_PHOTOS))
            photos.append({"id": f"p{uuid.uuid4().hex[:8]}",
                           "m": {"name": media.filename, "path": str(path), "width": width, "height": height,
                                 "faces": [list(box) for box in found]}})
            conf = model.settings(draft)
            await self._change(chat_id, draft, model.layout(photos, conf), "upload", media.filename)
            frame = model.ASPECTS.get(str(conf["aspect"]), model.ASPECTS["9:16"])
            if images.upscale((width, height), frame, str(conf["fit"])) > images.SOFT_UPSCALE:
                notes = (SMALL_PHOTO.format(number=len(photos), width=width, height=height),)
        if self._previews:  # decoded and scaled once now, so no preview after this touches the full-size photo
            await asyncio.to_thread(render.prepare_preview_frame, path, draft, found)
        return base.Uploaded(filename=media.filename, kind=base.MediaKind.PHOTO, ref=str(path),
                             width=width, height=height, notes=notes)

    async def _upload_audio(self, chat_id: int, media: base.MediaFile) -> base.Uploaded:
        """The song becomes the music, with its beats found now (once, off the event loop), so that cuts on
        its beat cost a render or a preview nothing."""
        duration = await asyncio.to_thread(_probe_audio, Path(media.path), media.filename)
        found = await asyncio.to_thread(_song_beats, Path(media.path))
        async with self._lock(chat_id):
            draft = await self._load(chat_id)
            conf = model.settings(draft)
            conf.update(music=True, music_source="file", audio_path=str(media.path), audio_name=media.filename,
                        audio_beats_ms=list(found.times), audio_downbeats_ms=list(found.downbeats),
                        audio_bpm=found.bpm, audio_ms=found.duration_ms or round(duration * 1000))
            await self._change(chat_id, draft, model.layout(model.photos(draft), conf), "upload", media.filename)
        return base.Uploaded(filename=media.filename, kind=base.MediaKind.AUDIO, ref=str(media.path),
                             duration=duration)

    # ------------------------------------------------------------ instructions

    async def send(self, chat_id: int, text: str) -> AsyncIterator[base.StreamEvent]:
        """Plan the instruction into the stored draft; yield one sentence, then (with photos) a quick preview."""
        async with self._lock(chat_id):
            draft = await self._load(chat_id)
            try:
                result = plan.apply_instruction(draft, text)
            except plan.PlanError as exc:
                raise base.BadInstruction(exc.detail) from None
            await self._change(chat_id, draft, result.draft, "instruction", text)
        yield base.Text(result.sentence)
        if self._previews and model.photos(result.draft):
            made = await self._preview(chat_id, result.draft)
            if made is not None:
                preview, notes = made
                width, height = render.output_size(model.settings(result.draft), preview=True)
                caption = _("Quick preview ({width}x{height}); send /export for full quality.")
                yield base.Preview(preview, caption=caption.format(width=width, height=height))
                if notes:
                    yield base.Text(join(notes))

    async def _preview(self, chat_id: int, draft: dict[str, Any]) -> tuple[Path, tuple[str, ...]] | None:
        """A fast low-resolution render and its notes; a failure only loses the preview, never the edit."""
        try:
            draft = await self._inputs_here(draft)
        except Exception as exc:  # the shared storage out of reach: this preview is lost, not the edit
            log.warning("preview for chat %s: its files could not be fetched (%s)", chat_id, type(exc).__name__)
            return None
        workdir = Path(tempfile.mkdtemp(prefix="preview-", dir=self._work_root()))
        try:
            spec = await asyncio.to_thread(render.build, draft, workdir, preview=True, size_limit=self._size_limit)
            await render.run(spec)
        except render.RenderError as exc:
            log.warning("preview failed for chat %s: %s", chat_id, exc.detail)
            shutil.rmtree(workdir, ignore_errors=True)
            return None
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        final = self._work_root() / f"preview-{chat_id}-{uuid.uuid4().hex[:8]}.mp4"
        shutil.move(spec.output, final)
        shutil.rmtree(workdir, ignore_errors=True)
        old = self._preview_files.pop(chat_id, None)
        if old is not None:
            old.unlink(missing_ok=True)
        self._preview_files[chat_id] = final
        return final, spec.notes

    # ------------------------------------------------------------ renders

    def new_job_id(self) -> str:
        return f"local_{uuid.uuid4().hex[:12]}"

    async def start_render(
        self, chat_id: int, draft: dict[str, Any], *, job_id: str | None = None, preview: bool = False
    ) -> str:
        missing = missing_for_export(draft)
        if missing:
            raise base.NotReady(missing)
        if not model.photos(draft):
            raise base.NotReady(_("The timeline has no photos yet: send some photos first."))
        job_id = job_id or self.new_job_id()
        job = _Job(chat_id=chat_id, workdir=Path(tempfile.mkdtemp(prefix="render-", dir=self._work_root())))
        self._jobs[job_id] = job
        job.task = asyncio.create_task(self._run(job_id, job, draft, preview), name=f"render {job_id}")
        return job_id

    async def _run(self, job_id: str, job: _Job, draft: dict[str, Any], preview: bool) -> None:
        """Render, then move the MP4 to its job's place in the media folder and keep it there before the job
        counts as completed: whoever is told it is finished, on any machine, can fetch it."""
        def progress(percent: int) -> None:
            job.progress = percent

        try:
            job.status = "processing"
            here = await self._inputs_here(draft)
            spec = await asyncio.to_thread(render.build, here, job.workdir, preview=preview,
                                           size_limit=self._size_limit)
            await render.run(spec, progress)
            job.output = self._media.finished_render(job_id)
            job.output.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(shutil.move, spec.output, job.output)
            await self._media.keep(job.output)
            job.status, job.progress, job.notes = "completed", 100, spec.notes
        except render.RenderError as exc:
            job.status, job.error = "failed", exc.detail
        except asyncio.CancelledError:
            job.status, job.error = "failed", CANCELLED
            raise
        except Exception:
            log.exception("local render failed")
            job.status, job.error = "failed", _("The video could not be rendered because of an internal error.")
        finally:
            shutil.rmtree(job.workdir, ignore_errors=True)
            if job.status != "completed" and job.output is not None:
                job.output.unlink(missing_ok=True)  # a shared copy, if one was made, goes in `cancel_render`

    def _job(self, chat_id: int, job_id: str) -> _Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.chat_id == chat_id else None

    async def render_status(self, chat_id: int, job_id: str) -> base.RenderStatus:
        job = self._job(chat_id, job_id)
        if job is None:
            if job_id in self._cancelled:
                return base.RenderStatus("failed", error=CANCELLED)
            if await self._finished_elsewhere(job_id):  # by a process that has ended, or on another machine
                return base.RenderStatus("completed", progress=100)
            return base.RenderStatus("lost")  # it ran in a process that has ended
        return base.RenderStatus(job.status, progress=job.progress, error=job.error, notes=job.notes)

    async def _finished_elsewhere(self, job_id: str) -> bool:
        """Whether the job's finished MP4 is kept (fetched here, ready for `download`)."""
        try:
            await self._media.fetch(self._media.finished_render(job_id))
        except (FileNotFoundError, ValueError):  # ValueError: no id this engine makes, so none it kept
            return False
        except OSError as exc:  # the shared storage out of reach: asked again at the next poll
            raise base.EngineUnavailable(_("The stored video could not be reached; trying again.")) from exc
        return True

    async def download(self, chat_id: int, job_id: str, status: base.RenderStatus, dest: Path) -> Path:
        """Move the finished MP4 to `dest`, fetched first when another machine rendered it; once delivered,
        no machine keeps it."""
        job = self._jobs.get(job_id)
        not_finished = base.EngineError(
            _("The render is not finished (or was already delivered); send /export again."))
        if job is not None and (job.chat_id != chat_id or job.status != "completed"):
            raise not_finished
        try:
            finished = await self._media.fetch(self._media.finished_render(job_id))
        except (FileNotFoundError, ValueError):
            raise not_finished from None
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(shutil.move, finished, dest)
        await self._media.discard(finished)
        self._jobs.pop(job_id, None)  # delivered: nothing is left to ask about
        return dest

    async def cancel_render(self, chat_id: int, job_id: str) -> None:
        job = self._job(chat_id, job_id)
        if job is None:
            return
        if job.task is not None and not job.task.done():
            job.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job.task
        shutil.rmtree(job.workdir, ignore_errors=True)
        if job.output is not None:  # finished before it was cancelled: kept nowhere any more
            await self._media.discard(job.output)
        self._jobs.pop(job_id, None)
        self._cancelled.add(job_id)  # asked about later, it is cancelled, not lost

    async def aclose(self) -> None:
        """Kill running renders and remove every file this engine made (undelivered MP4s and previews)."""
        for job_id, job in list(self._jobs.items()):
            await self.cancel_render(job.chat_id, job_id)
        for path in self._preview_files.values():
            path.unlink(missing_ok=True)
        self._preview_files.clear()
        with contextlib.suppress(OSError):  # only when empty: another engine of this process may still work
            (Path(self._settings.media_dir) / "local-renders" / str(os.getpid())).rmdir()


def _remove_orphaned_work(root: Path) -> None:
    """Remove the work folders of processes that are gone (killed mid-render): nothing in them can resume."""
    if not root.is_dir():
        return
    for item in root.iterdir():
        if item.name.isdigit() and int(item.name) != os.getpid() and _alive(int(item.name)):
            continue
        if item.is_dir():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _song_beats(path: Path) -> beats.Beats:
    """The song's beats; a song whose beat cannot be found is still the music, only cut evenly."""
    try:
        return beats.analyse(path)
    except Exception:
        log.warning("beat analysis failed for %s", path.name, exc_info=True)
        return beats.Beats((), (), None, 0)


def _probe_audio(path: Path, filename: str) -> float:
    """The audio's duration in seconds, or UnsupportedFile when PyAV cannot find a decodable audio stream."""
    import av  # local import: only audio uploads need it

    accepted = tuple(s.lstrip(".") for s in _AUDIO_SUFFIXES)
    if not path.is_file() or path.stat().st_size == 0:
        raise base.UnsupportedFile(_("“{name}” is empty; send the audio file again.").format(name=filename),
                                   accepted=accepted)
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise base.UnsupportedFile(_("“{name}” has no sound track I can use as music.").format(
                    name=filename), accepted=accepted)
            stream = container.streams.audio[0]
            duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None
            if duration is None and container.duration:
                duration = container.duration / 1_000_000
            for _frame in container.decode(stream):
                break
    except base.UnsupportedFile:
        raise
    except Exception:
        raise base.UnsupportedFile(_("“{name}” is not an audio file I can read (MP3, M4A, OGG, WAV, FLAC).").format(
            name=filename), accepted=accepted) from None
    if not duration or duration < 1:
        raise base.UnsupportedFile(_("“{name}” is shorter than a second; send a longer song.").format(
            name=filename), accepted=accepted)
    return duration
