"""Uploads: kept per chat in order, updated field by field, and found again from the message they came with."""

import pytest

from bot.store import Store


async def test_uploads_are_listed_per_chat_in_order_and_by_kind(store: Store) -> None:
    first = await store.uploads.add(5, kind="photo", filename="a.jpg", size=10, local_path="/m/a.jpg",
                                    sender_id=1, message_id=20)
    await store.uploads.add(5, kind="audio", filename="s.mp3", size=20, local_path="/m/s.mp3")
    await store.uploads.add(6, kind="photo", filename="b.jpg", size=30, local_path=None)
    await store.uploads.update(first, engine="nemo", engine_ref="https://cdn/a.jpg", status="uploaded")
    rows = await store.uploads.for_chat(5)
    assert [(r.filename, r.status) for r in rows] == [("a.jpg", "uploaded"), ("s.mp3", "saved")]
    assert (rows[0].engine, rows[0].engine_ref, rows[0].sender_id, rows[0].message_id) == (
        "nemo", "https://cdn/a.jpg", 1, 20)
    assert [r.filename for r in await store.uploads.for_chat(5, kind="photo")] == ["a.jpg"]


async def test_an_upload_is_found_from_its_message_and_file(store: Store) -> None:
    made = await store.uploads.add(5, kind="photo", filename="a.jpg", size=10, local_path=None,
                                   file_unique_id="F1", message_id=20)
    found = await store.uploads.from_message(5, 20, "F1")
    assert found is not None and found.id == made
    assert await store.uploads.from_message(5, 20, "F2") is None
    assert await store.uploads.from_message(6, 20, "F1") is None


async def test_only_upload_columns_can_be_updated(store: Store) -> None:
    made = await store.uploads.add(5, kind="photo", filename="a.jpg", size=10, local_path=None)
    with pytest.raises(ValueError):
        await store.uploads.update(made, chat_id=6)
