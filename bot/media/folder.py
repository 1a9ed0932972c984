"""Where the files people send are kept (MEDIA_DIR), and how they reach a machine that did not receive them.

A received file is saved before anything else happens to it, so nothing a user sent is lost when an engine
is out of reach or the process dies. Transports save into `MediaFolder.place_for` and then `keep` the file;
whoever reads a file that may have been saved on another machine `fetch`es it first; the core `discard`s
what it refuses. All get the same folder through their constructors.

On one machine (no MEDIA_URL) MEDIA_DIR is the whole story: `keep` does nothing and `fetch` only checks the
file is there. With shared storage (MEDIA_URL=s3://...), MEDIA_DIR is each machine's cache of it: `keep`
uploads, `fetch` downloads what is missing, `discard` deletes both copies. A file's key is its path relative
to MEDIA_DIR (`<chat>/<file>`), so two machines with different MEDIA_DIRs agree on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import uuid
from pathlib import Path, PurePosixPath

from bot.filenames import safe_suffix
from bot.media.shared import SharedStorage

log = logging.getLogger(__name__)

# Job ids become file names: nothing but what engines put in them (letters, digits, _ and -).
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


class MediaFolder:
    """MEDIA_DIR: one folder per chat, a fresh name per file, so nothing is ever overwritten (which is also
    why a copy found in MEDIA_DIR never needs to be compared with the shared one)."""

    def __init__(self, root: Path, shared: SharedStorage | None = None) -> None:
        self.root = Path(root)
        self._shared = shared
        self._downloads: dict[str, asyncio.Future[None]] = {}  # key -> its download under way

    @property
    def shared(self) -> bool:
        """Whether files are shared with other machines (MEDIA_URL is set)."""
        return self._shared is not None

    def place_for(self, chat_id: int, filename: str) -> Path:
        """Where to save a file just received in `chat_id`: a fresh name of ours, with the suffix of the name
        it was sent under (engines go by it) when that is a plain extension, never any other part of it."""
        folder = self.root / str(chat_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{uuid.uuid4().hex}{safe_suffix(filename)}"

    def finished_render(self, job_id: str) -> Path:
        """Where a finished render waits to be delivered: named by its job id alone, so that any machine
        asked to deliver that job finds it (a chat's id can change while it waits; the job id cannot)."""
        if not _JOB_ID.match(job_id):
            raise ValueError("a job id is letters, digits, _ and -")
        return self.root / "renders" / f"{job_id}.mp4"

    def key_of(self, path: Path | str) -> str:
        """The name a file is shared under: its path relative to MEDIA_DIR.

        A path recorded on another machine (drafts and upload rows hold absolute paths under that machine's
        MEDIA_DIR) is known by its last two parts, `<chat>/<file>`: the layout `place_for` gives every file.
        """
        path = Path(path)
        try:
            relative = PurePosixPath(path.absolute().relative_to(self.root.absolute()).as_posix())
        except ValueError:
            relative = PurePosixPath(*path.parts[-2:])
        if not relative.parts or ".." in relative.parts:
            raise ValueError("not a file of the media folder")
        return relative.as_posix()

    def here(self, path: Path | str) -> Path:
        """Where a recorded path's file is (or will be, once fetched) on this machine. Without shared storage
        that is the path itself, as it always was."""
        if self._shared is None:
            return Path(path)
        return self.root / self.key_of(path)

    async def keep(self, path: Path) -> None:
        """Make a file just saved under MEDIA_DIR readable on every machine (a no-op on one machine)."""
        if self._shared is None:
            return
        path = Path(path)
        if not path.absolute().is_relative_to(self.root.absolute()):
            raise ValueError("only files under MEDIA_DIR are kept")
        await self._shared.upload(path, self.key_of(path))

    async def fetch(self, path: Path | str) -> Path:
        """The file a draft, an upload row or a job names, as a path on this machine, downloaded first when
        only another machine had it. FileNotFoundError when it is nowhere, as for a missing local file."""
        local = self.here(path)
        if local.is_file():
            return local
        if self._shared is None:
            raise FileNotFoundError(f"no such file: {local.name}")
        key = self.key_of(local)
        download = self._downloads.get(key)
        if download is None:  # two readers of one photo (a render and a preview) download it once
            download = asyncio.ensure_future(self._download(key, local))
            self._downloads[key] = download
            download.add_done_callback(lambda done: self._forget(key, done))
        await asyncio.shield(download)  # a reader that gives up does not take the others' download with it
        return local

    def _forget(self, key: str, download: asyncio.Future[None]) -> None:
        self._downloads.pop(key, None)
        if not download.cancelled():
            download.exception()  # its readers were told; if all of them gave up, it is no error left unread

    async def _download(self, key: str, local: Path) -> None:
        """Whole or not at all: a reader never sees half a file, and a failed download leaves nothing."""
        assert self._shared is not None
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(f".{local.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            await self._shared.download(key, partial)
            os.replace(partial, local)
        finally:
            partial.unlink(missing_ok=True)

    async def discard(self, path: Path | str) -> None:
        """Remove a file that will never be used (refused input leaves nothing behind), here and in the shared
        storage. Best effort: a copy that cannot be removed is logged, never the caller's failure."""
        local = self.here(path)
        with contextlib.suppress(OSError):
            local.unlink(missing_ok=True)
        if self._shared is None:
            return
        try:
            await self._shared.delete(self.key_of(local))
        except Exception as exc:
            log.warning("could not remove the shared copy of %s: %s", local.name, type(exc).__name__)

    async def check(self) -> None:
        """StorageUnavailable when the shared storage cannot be used (nothing to check on one machine)."""
        if self._shared is not None:
            await self._shared.check()

    async def aclose(self) -> None:
        if self._shared is not None:
            await self._shared.aclose()
