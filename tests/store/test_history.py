"""A timeline's history: steps undone and redone in order, dropped by a new change, kept per engine, moved
with a group that became a supergroup; and a new project that leaves the old uploads kept and counted."""

from bot.store import Store
from bot.store.history import KEPT_STEPS


def draft(title: str) -> dict[str, object]:
    return {"t": [{"tt": 7, "sg": [{"d": 1000, "m": {"text": title}}]}]}


async def test_undo_goes_back_step_by_step_and_redo_forward_in_the_same_order(store: Store) -> None:
    await store.history.record(5, "local", kind="upload", what="a.jpg", before=None, after=draft("a"))
    await store.history.record(5, "local", kind="instruction", what="title b", before=draft("a"), after=draft("b"))
    last = await store.history.last_done(5, "local")
    assert last is not None and (last.what, last.before, last.after) == ("title b", draft("a"), draft("b"))
    await store.history.mark(last.id, undone=True)
    first = await store.history.last_done(5, "local")
    assert first is not None and first.kind == "upload" and first.what == "a.jpg"
    await store.history.mark(first.id, undone=True)
    assert await store.history.last_done(5, "local") is None
    redo = await store.history.first_undone(5, "local")
    assert redo is not None and redo.what == "a.jpg"  # the one undone last comes back first
    await store.history.mark(redo.id, undone=False)
    redo = await store.history.first_undone(5, "local")
    assert redo is not None and redo.what == "title b"


async def test_a_new_change_drops_what_could_be_redone(store: Store) -> None:
    await store.history.record(5, "local", kind="instruction", what="one", before=None, after=draft("1"))
    await store.history.record(5, "local", kind="instruction", what="two", before=draft("1"), after=draft("2"))
    two = await store.history.last_done(5, "local")
    assert two is not None
    await store.history.mark(two.id, undone=True)
    await store.history.record(5, "local", kind="instruction", what="three", before=draft("1"), after=draft("3"))
    assert await store.history.first_undone(5, "local") is None
    last = await store.history.last_done(5, "local")
    assert last is not None and last.what == "three"


async def test_the_after_of_a_step_can_be_filled_in_once_when_it_is_undone(store: Store) -> None:
    await store.history.record(5, "nemo", kind="instruction", what="edit", before=draft("1"), after=None)
    step = await store.history.last_done(5, "nemo")
    assert step is not None and step.after is None
    await store.history.mark(step.id, undone=True, after=draft("2"))
    await store.history.mark(step.id, undone=False, after=draft("other"))  # known now: kept
    again = await store.history.last_done(5, "nemo")
    assert again is not None and again.after == draft("2")


async def test_histories_are_per_chat_and_engine_and_only_the_newest_steps_are_kept(store: Store) -> None:
    for number in range(KEPT_STEPS + 5):
        await store.history.record(5, "local", kind="instruction", what=f"step {number}", before=None, after=None)
    await store.history.record(6, "local", kind="instruction", what="other chat", before=None, after=None)
    await store.history.record(5, "nemo", kind="instruction", what="other engine", before=None, after=None)
    seen = []
    while (step := await store.history.last_done(5, "local")) is not None:
        seen.append(step.what)
        await store.history.mark(step.id, undone=True)
    assert len(seen) == KEPT_STEPS and seen[0] == f"step {KEPT_STEPS + 4}" and seen[-1] == "step 5"
    await store.history.forget(5, "local")
    assert await store.history.first_undone(5, "local") is None
    other = await store.history.last_done(5, "nemo")
    assert other is not None and other.what == "other engine"


async def test_a_new_project_keeps_old_uploads_counted_but_hands_over_only_new_ones(store: Store) -> None:
    old = await store.uploads.add(5, kind="photo", filename="old.jpg", size=1, local_path="/m/old.jpg")
    await store.history.start_project(5)
    new = await store.uploads.add(5, kind="photo", filename="new.jpg", size=1, local_path="/m/new.jpg")
    assert [row.id for row in await store.uploads.for_chat(5)] == [new]
    assert (await store.uploads.from_message(5, 0, None)) is None
    usage = {row.chat_id: row for row in await store.usage.report()}
    assert usage[5].photos == 2  # /usage still counts what the old project was sent
    assert old < new


async def test_history_and_project_start_move_with_a_group_that_became_a_supergroup(store: Store) -> None:
    group, supergroup = -40, -1000040
    await store.uploads.add(group, kind="photo", filename="old.jpg", size=1, local_path="/m/old.jpg")
    await store.history.start_project(group)
    await store.history.record(group, "local", kind="instruction", what="title", before=None, after=draft("t"))
    assert await store.chats.migrate(group, supergroup)
    step = await store.history.last_done(supergroup, "local")
    assert step is not None and step.what == "title"
    assert await store.uploads.for_chat(supergroup) == []  # the old project's upload stays out of the new one
