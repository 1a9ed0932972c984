"""The local engine's timelines: none until put, then the latest one."""

from bot.store import Store


async def test_a_timeline_is_none_until_put_then_the_latest(store: Store) -> None:
    assert await store.timelines.get(5) is None
    await store.timelines.put(5, {"t": [], "m": {"title": "一"}})
    await store.timelines.put(5, {"t": [], "m": {"title": "二"}})
    assert await store.timelines.get(5) == {"t": [], "m": {"title": "二"}}
    assert await store.timelines.get(6) is None
