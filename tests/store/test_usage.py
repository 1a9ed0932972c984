"""/usage: each chat's photos, instructions, renders and senders, counted from what the store keeps."""

import dataclasses

from bot.store import Store


async def test_usage_counts_each_chats_photos_instructions_renders_and_senders(store: Store) -> None:
    await store.chats.see(-100, title="Trip", chat_type="supergroup")
    await store.chats.see(-100, title="Trip 2024", chat_type="supergroup")  # renamed
    for sender, kind in ((1, "photo"), (2, "photo"), (2, "audio")):
        await store.uploads.add(-100, kind=kind, filename="f", size=1, local_path=None, sender_id=sender)
    await store.turns.start(-100, engine="nemo", text="make a video", sender_id=3)
    await store.renders.add("r1", -100, engine="nemo", requested_by=1)
    await store.renders.update("r1", status="completed", delivered=True)
    await store.renders.add("r2", -100, engine="nemo", requested_by=4)
    await store.renders.update("r2", status="failed")
    await store.accounts.update(-100, token="nmv_usr_x")
    await store.chats.see(5, title="Ann", chat_type="private")
    await store.chats.update(5, engine="local")

    group, private = await store.usage.report()
    assert (group.chat_id, group.title, group.chat_type, group.engine) == (-100, "Trip 2024", "supergroup", None)
    assert (group.photos, group.instructions, group.renders_delivered, group.renders_failed, group.senders) == (
        2, 1, 1, 1, 4)
    assert (private.chat_id, private.title, private.engine, private.photos, private.senders) == (
        5, "Ann", "local", 0, 0)
    assert "nmv_usr_x" not in repr(dataclasses.astuple(group))  # signed in or not is the engine's to say
    assert (await store.renders.get("r2")).requested_by == 4  # type: ignore[union-attr]
