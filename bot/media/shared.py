"""The port behind which kept files are shared between machines (MEDIA_URL): one small interface, so the
media folder neither knows nor cares which object storage holds the copies."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class StorageUnavailable(OSError):
    """The shared storage refused or could not be reached. Its message names the operation and the
    storage's error code, never a credential."""


class SharedStorage(Protocol):
    """Copies of files under keys (`<chat>/<file>`, `renders/<job>.mp4`), readable from every machine.

    Every call streams between the local file and the storage: a file is never whole in memory.
    """

    async def upload(self, path: Path, key: str) -> None:
        """Make the file at `path` readable under `key` everywhere (replacing what the key held)."""
        ...

    async def download(self, key: str, path: Path) -> None:
        """Write the copy under `key` to `path` (whole or not at all); FileNotFoundError when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the copy under `key`; a key that holds nothing is no error."""
        ...

    async def check(self) -> None:
        """StorageUnavailable unless the storage can be used (reached, the bucket there, the credentials taken):
        asked once at start-up, so a wrong MEDIA_URL stops the bot with one sentence, not each photo later."""
        ...

    async def aclose(self) -> None:
        """Let go of connections."""
        ...
