"""The durable update inbox: an update is kept until handled, and a re-delivery is recognised."""

from pathlib import Path

from bot.store import Store


async def test_an_update_is_kept_until_handled_and_a_redelivery_is_recognised(database: Path | str) -> None:
    store = await Store.open(database)
    assert await store.inbox.receive([(100, 5, '{"update_id": 100}')]) == {100}
    again = [(100, 5, '{"update_id": 100}'), (101, 5, '{"update_id": 101}')]  # Telegram sent 100 again
    assert await store.inbox.receive(again) == {101}
    assert await store.inbox.start(100, 5) == "received"
    await store.close()

    store = await Store.open(database)  # a crash: neither was finished
    assert await store.inbox.unfinished() == [(100, '{"update_id": 100}'), (101, '{"update_id": 101}')]
    assert await store.inbox.start(100, 5) == "started"  # its handling was cut short
    await store.inbox.finish(100)
    assert await store.inbox.start(100, 5) == "done"
    assert await store.inbox.unfinished() == [(101, '{"update_id": 101}')]
    assert await store.inbox.start(102, 5) is None  # never kept (a stranger's): handled, not replayed
    assert await store.inbox.unfinished() == [(101, '{"update_id": 101}')]
    await store.close()
