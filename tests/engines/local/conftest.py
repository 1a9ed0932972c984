"""Fixtures for the local engine: generated photos (no binary fixtures) and an engine over a real Store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from bot.config import Settings
from bot.engines import base
from bot.engines.base import MediaFile, MediaKind
from bot.engines.local import LocalEngine
from bot.store import Store

PhotoMaker = Callable[..., Path]


@pytest.fixture
def make_photo(tmp_path: Path) -> PhotoMaker:
    """make_photo("a.jpg", (w, h), color, stripes=False) → a real image file written by Pillow."""

    def make(name: str, size: tuple[int, int] = (400, 300), color: tuple[int, int, int] = (200, 60, 60),
             *, stripes: bool = False, fmt: str | None = None) -> Path:
        image = Image.new("RGB", size, color)
        if stripes:
            draw = ImageDraw.Draw(image)
            for x in range(0, size[0], max(size[0] // 8, 2)):
                draw.rectangle([x, 0, x + max(size[0] // 40, 1), size[1]], fill=(255, 255, 255))
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, format=fmt)
        return path

    return make


def media(path: Path, kind: MediaKind = MediaKind.PHOTO) -> MediaFile:
    return MediaFile(path=path, filename=path.name, kind=kind, size=path.stat().st_size)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_path=tmp_path / "db.sqlite3", media_dir=tmp_path / "media", video_engine="local",
                    _env_file=None)


@pytest.fixture
async def engine(settings: Settings, store: Store) -> AsyncIterator[LocalEngine]:
    made = LocalEngine(settings, store, previews=False)
    yield made
    await made.aclose()


def work_files(settings: Settings) -> list[Path]:
    """Every file the engine left under its work directory (its empty per-process folder does not count)."""
    root = Path(settings.media_dir) / "local-renders"
    return sorted(p for p in root.rglob("*") if not p.is_dir()) if root.exists() else []


async def render_finished(engine: LocalEngine, chat_id: int, job: str) -> base.RenderStatus:
    """The render's last status once it has completed or failed (a minute at most, on a busy machine)."""
    for _ in range(1200):
        status = await engine.render_status(chat_id, job)
        if status.status in ("completed", "failed"):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the render did not finish")
