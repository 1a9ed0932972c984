"""Where a project lives: a group that became a supergroup takes everything kept under the group's id to the
supergroup's in one transaction; a forum topic has a project key of its own; whether the bot is still in a
chat is kept for /usage."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store import Place, Store, migration_files

GROUP, SUPERGROUP = -4001, -1001234567890


async def test_a_migrated_group_takes_its_whole_project_to_the_supergroup(store: Store) -> None:
    await store.chats.see(GROUP, title="Crew", chat_type="group")
    await store.chats.update(GROUP, engine="local", language="de", draft={"t": [{"tt": 0, "sg": [{"d": 1}]}]},
                             chosen_language="zh")
    await store.accounts.update(GROUP, token="nmv_usr_x", session_id="s1", client_id="c1")
    await store.uploads.add(GROUP, kind="photo", filename="a.jpg", size=1, local_path="/a", sender_id=7,
                            message_id=3)
    await store.turns.start(GROUP, engine="local", text="make it", sender_id=7, message_id=4)
    await store.renders.add("r1", GROUP, engine="local", reply_to_message_id=5, progress_message_id=6,
                            requested_by=7)
    await store.timelines.put(GROUP, {"t": [{"tt": 0, "sg": [{"d": 2}]}]})
    now = datetime.now(UTC)
    await store.access.add_invite("h", created_by=1, expires_at=now + timedelta(hours=1))
    assert await store.access.redeem("h", kind="chat", subject_id=GROUP, admitted_by=7, now=now) == "admitted"
    await store.chats.see(SUPERGROUP, title="Crew", chat_type="supergroup")  # its first update came first

    assert await store.chats.migrate(GROUP, SUPERGROUP)

    chat = await store.chats.get(SUPERGROUP)
    assert (chat.engine, chat.language, chat.draft) == ("local", "de", {"t": [{"tt": 0, "sg": [{"d": 1}]}]})
    assert chat.chosen_language == "zh"  # the group's /language choice came along
    account = await store.accounts.get(SUPERGROUP)
    assert (account.token, account.session_id, account.client_id) == ("nmv_usr_x", "s1", "c1")
    [upload] = await store.uploads.for_chat(SUPERGROUP)
    assert (upload.filename, upload.sender_id, upload.message_id) == ("a.jpg", 7, None)  # ids were the group's
    assert [t["text"] for t in await store.turns.for_chat(SUPERGROUP)] == ["make it"]
    [render] = await store.renders.for_chat(SUPERGROUP)
    assert (render.id, render.reply_to_message_id, render.progress_message_id) == ("r1", None, None)
    assert [r.id for r in await store.renders.unfinished()] == ["r1"]  # still followed, now in the supergroup
    assert await store.timelines.get(SUPERGROUP) == {"t": [{"tt": 0, "sg": [{"d": 2}]}]}
    assert await store.access.is_admitted(user_id=None, chat_id=SUPERGROUP)
    assert not await store.access.is_admitted(user_id=None, chat_id=GROUP)
    [usage] = await store.usage.report()  # one chat, not two
    assert (usage.chat_id, usage.chat_type, usage.photos, usage.instructions) == (SUPERGROUP, "supergroup", 1, 1)
    assert await store.timelines.get(GROUP) is None and await store.uploads.for_chat(GROUP) == []

    assert not await store.chats.migrate(GROUP, SUPERGROUP)  # told twice (two service messages): moved once


async def test_a_late_stub_of_the_old_group_merges_without_losing_the_supergroups_project(store: Store) -> None:
    await store.accounts.update(GROUP, token="nmv_usr_x", session_id="s1")
    await store.chats.migrate(GROUP, SUPERGROUP)
    # A message sent in the group just before it moved is handled after: it grew a stub under the old id.
    await store.uploads.add(GROUP, kind="photo", filename="late.jpg", size=1, local_path="/l")
    assert await store.chats.migrate(GROUP, SUPERGROUP)
    account = await store.accounts.get(SUPERGROUP)
    assert (account.token, account.session_id) == ("nmv_usr_x", "s1")
    assert [u.filename for u in await store.uploads.for_chat(SUPERGROUP)] == ["late.jpg"]


async def test_a_chat_that_removed_the_bot_is_recorded_until_it_lets_it_back_in(store: Store) -> None:
    await store.chats.see(5, title="Ann", chat_type="private")
    assert await store.chats.absent() == set()
    assert await store.chats.set_presence(5, "blocked")
    assert not await store.chats.set_presence(5, "blocked")  # said twice: one change
    assert await store.chats.absent() == {5}
    [usage] = await store.usage.report()
    assert usage.presence == "blocked"
    assert await store.chats.set_presence(5, "present")
    assert await store.chats.absent() == set()


async def test_each_forum_topic_gets_a_project_key_no_chat_can_have(store: Store) -> None:
    forum = -1009876543210
    assert await store.topics.project(Place(forum)) == forum  # the General topic is the chat's own project
    beach = await store.topics.project(Place(forum, 7))
    city = await store.topics.project(Place(forum, 12))
    assert beach >= 2**53 and city >= 2**53 and beach != city  # above every Telegram id (52 bits)
    assert await store.topics.project(Place(forum, 7)) == beach  # given out once
    assert await store.topics.place(beach) == Place(forum, 7)
    assert await store.topics.place(forum) == Place(forum)
    assert await store.topics.in_chat(forum) == [beach, city]
    # A topic's project is kept like any chat's, under its key.
    await store.uploads.add(beach, kind="photo", filename="a.jpg", size=1, local_path="/a")
    assert [u.filename for u in await store.uploads.for_chat(beach)] == ["a.jpg"]
    assert await store.uploads.for_chat(forum) == []


async def test_rows_kept_before_topics_mean_what_they_meant(tmp_path: Path) -> None:
    """A database from before topics is brought up to date: every chat's rows are its own project."""
    fresh = await Store.open(tmp_path / "old.sqlite3", migrate=False)
    old_migrations = tmp_path / "migrations"
    old_migrations.mkdir()
    for _, path in migration_files():
        if "topics" not in path.name:
            (old_migrations / path.name).write_text(path.read_text())
    await fresh.migrate(old_migrations)
    await fresh.uploads.add(-100, kind="photo", filename="old.jpg", size=1, local_path="/o")
    assert len(await fresh.migrate()) == 1  # topics
    assert await fresh.topics.project(Place(-100)) == -100
    assert [u.filename for u in await fresh.uploads.for_chat(-100)] == ["old.jpg"]
    await fresh.close()
