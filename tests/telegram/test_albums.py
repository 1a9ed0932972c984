"""The album collector waits for every announced part, however slow its download, and for nothing else."""

from __future__ import annotations

import asyncio

from bot.telegram.albums import AlbumCollector


async def test_a_part_still_downloading_after_the_wait_is_in_the_same_album() -> None:
    flushed: list[list[str]] = []

    async def flush(_group: str, parts: list[str]) -> None:
        flushed.append(parts)

    albums: AlbumCollector[str] = AlbumCollector(0.05, flush)
    for _ in range(3):
        albums.expect("trip")  # all three arrive together, as Telegram delivers them
    first = asyncio.gather(albums.add("trip", 1, "a"), albums.add("trip", 2, "b"))
    await asyncio.sleep(0.2)  # the third download is slow: four times the wait
    assert flushed == []
    await asyncio.gather(first, albums.add("trip", 3, "c"))
    assert flushed == [["a", "b", "c"]]


async def test_a_part_whose_download_failed_is_not_waited_for() -> None:
    flushed: list[list[str]] = []

    async def flush(_group: str, parts: list[str]) -> None:
        flushed.append(parts)

    albums: AlbumCollector[str] = AlbumCollector(0.05, flush)
    albums.expect("trip")
    albums.expect("trip")
    adding = asyncio.ensure_future(albums.add("trip", 1, "a"))
    albums.abandon("trip")
    await asyncio.wait_for(adding, 1)
    assert flushed == [["a"]]


async def test_an_album_whose_every_download_failed_hands_nothing_over() -> None:
    flushed: list[list[str]] = []

    async def flush(_group: str, parts: list[str]) -> None:
        flushed.append(parts)

    albums: AlbumCollector[str] = AlbumCollector(0.01, flush)
    albums.expect("trip")
    albums.abandon("trip")
    await asyncio.sleep(0.05)
    assert flushed == []
