"""Message contents: a digest of what each message said, so an edit that changes nothing (a reaction) is
told from a real one, and a real one is answered once, whoever asks and however often."""

import asyncio

from bot.store import Store


async def test_only_the_first_real_change_counts(store: Store) -> None:
    await store.messages.remember(5, 20, "make a video")
    await store.messages.remember(5, 20, "handled again after a crash: the first note stays")
    assert not await store.messages.first_real_edit(5, 20, "make a video")  # a reaction: the same text
    assert await store.messages.first_real_edit(5, 20, "make a slower video")
    assert not await store.messages.first_real_edit(5, 20, "make a faster video")
    assert not await store.messages.first_real_edit(6, 20, "another chat's message 20: never noted")
    assert await store.messages.first_real_edit(6, 20, "a change of what was noted then")


async def test_two_edits_handled_at_once_get_one_answer(store: Store) -> None:
    await store.messages.remember(5, 1, None)  # a photo without a caption
    assert not await store.messages.first_real_edit(5, 1, "")
    answers = await asyncio.gather(*(store.messages.first_real_edit(5, 1, f"caption {i}") for i in range(5)))
    assert answers.count(True) == 1
