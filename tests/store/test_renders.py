"""Renders: resumable until delivered, and found from the message that asked for them."""

import pytest

from bot.store import Store


async def test_renders_are_resumable_until_delivered(store: Store) -> None:
    await store.renders.add("render_a", 5, engine="nemo", reply_to_message_id=3)
    await store.renders.add("render_b", 5, engine="nemo")
    await store.renders.update("render_b", status="failed")
    assert [r.id for r in await store.renders.unfinished()] == ["render_a"]
    await store.renders.update("render_a", status="completed", delivered=True)
    assert await store.renders.unfinished() == []
    done = await store.renders.get("render_a")
    assert done is not None and done.delivered is True and done.status == "completed"
    assert await store.renders.get("render_c") is None


async def test_renders_are_found_per_message_and_per_chat(store: Store) -> None:
    await store.renders.add("r1", 5, engine="local", reply_to_message_id=3, requested_by=1)
    await store.renders.add("r2", 5, engine="local", attempt=2, reply_to_message_id=4)
    await store.renders.add("r3", 6, engine="local", reply_to_message_id=3)
    assert [r.id for r in await store.renders.for_message(5, 3)] == ["r1"]
    assert [(r.id, r.attempt) for r in await store.renders.for_chat(5)] == [("r1", 1), ("r2", 2)]
    with pytest.raises(ValueError):
        await store.renders.update("r1", chat_id=6)
