"""Turns: recorded before the instruction is sent, finished with what came back, found from their message."""

from bot.store import Store


async def test_a_turn_is_found_from_its_message_with_the_draft_before_it(store: Store) -> None:
    before = {"t": [], "m": {"title": "ü"}}
    turn = await store.turns.start(5, engine="nemo", text="make a video", sender_id=1, message_id=20,
                                   draft_before=before)
    running = await store.turns.for_message(5, 20)
    assert running is not None and (running.id, running.outcome, running.draft_before) == (turn, "running", before)
    await store.turns.finish(turn, outcome="ok", replies=["Done.", "Next?"], tools=["edit", "render"])
    assert (await store.turns.for_message(5, 20)).outcome == "ok"  # type: ignore[union-attr]
    assert await store.turns.for_message(5, 21) is None
    assert await store.turns.for_chat(5) == [
        {"id": turn, "text": "make a video", "outcome": "ok", "replies": "Done.\nNext?", "tools": "edit,render",
         "sender_id": 1},
    ]
