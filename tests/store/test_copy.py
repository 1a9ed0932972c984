"""copy-db: a bot's SQLite database, as this release makes and fills it, moved to PostgreSQL whole: read back
through the store on PostgreSQL it says what it said on SQLite, and the bot carries on there."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.conversation.access import code_hash
from bot.store import Place, Store
from bot.store.copy import CopyRefused, copy_database

GROUP, FORUM = -1001234567890, -1009876543210  # supergroup ids: beyond a 32-bit integer


async def _fill(store: Store) -> dict[str, Any]:
    """A bot's life in its SQLite file, through the store's own API: what the copy must carry over."""
    now = datetime.now(UTC)
    await store.chats.see(GROUP, title="Crew «été»", chat_type="supergroup")
    await store.chats.update(GROUP, engine="local", language="fr", draft={"t": [{"tt": 0, "sg": [{"d": 1.5}]}]})
    await store.accounts.update(GROUP, client_id="c-1", token="nmv_usr_t", token_expires_at="2030-01-01T00:00:00Z",
                                user_id="anon_1", session_id="s1", task_id="t1")
    await store.chats.see(5, title="Ann", chat_type="private")
    await store.chats.set_presence(5, "blocked")
    photo = await store.uploads.add(GROUP, kind="photo", filename="a.jpg", size=3_000_000_000, local_path="/m/a.jpg",
                                    file_unique_id="F1", sender_id=7, message_id=2**31 + 5)
    await store.uploads.update(photo, engine="local", engine_ref="/m/a.jpg", status="uploaded")
    await store.uploads.add(5, kind="audio", filename="s.mp3", size=1, local_path=None)
    turn = await store.turns.start(GROUP, engine="local", text="make it 二", sender_id=7, message_id=20,
                                   draft_before={"t": []})
    await store.turns.finish(turn, outcome="ok", replies=["Done."], tools=["edit"])
    await store.turns.start(GROUP, engine="local", text="slower", sender_id=8, message_id=21)
    await store.renders.add("r1", GROUP, engine="local", reply_to_message_id=22, progress_message_id=23,
                            requested_by=7)
    await store.renders.update("r1", status="completed", progress=100, url="file:///m/r1.mp4", delivered=True)
    await store.renders.add("r2", GROUP, engine="nemo", attempt=2, requested_by=8)
    await store.timelines.put(GROUP, {"t": [], "m": {"title": "Été"}})
    await store.access.add_invite(code_hash("CODE-1"), created_by=1, expires_at=now + timedelta(hours=1))
    await store.access.add_invite(code_hash("CODE-2"), created_by=1, expires_at=now + timedelta(hours=1))
    assert await store.access.redeem(code_hash("CODE-1"), kind="chat", subject_id=GROUP, admitted_by=7,
                                     now=now) == "admitted"
    assert await store.inbox.receive([(900, GROUP, '{"update_id": 900}'), (901, 5, '{"update_id": 901}')]) == {
        900, 901}
    assert await store.inbox.start(900, GROUP) == "received"
    await store.inbox.finish(900)
    beach = await store.topics.project(Place(FORUM, 7))
    await store.uploads.add(beach, kind="photo", filename="beach.jpg", size=1, local_path="/m/b.jpg")
    await store.messages.remember(GROUP, 20, "make it 二")
    await store.messages.remember(GROUP, 21, "slower")
    assert await store.messages.first_real_edit(GROUP, 21, "much slower")
    await store.flood_slots.claim("chat:5", interval=1.0, burst=2, now=now)  # a pace: not the bot's data
    return {"beach": beach, "photo": photo, "turn": turn}


async def _everything(store: Store, beach: int) -> dict[str, Any]:
    """All the store says about the filled bot, through its public API."""
    return {
        "chats": [await store.chats.get(GROUP), await store.chats.get(5)],
        "account": await store.accounts.get(GROUP),
        "absent": await store.chats.absent(),
        "uploads": [*await store.uploads.for_chat(GROUP), *await store.uploads.for_chat(5),
                    *await store.uploads.for_chat(beach)],
        "turns": await store.turns.for_chat(GROUP),
        "turn": await store.turns.for_message(GROUP, 20),
        "renders": await store.renders.for_chat(GROUP),
        "unfinished": await store.renders.unfinished(),
        "timeline": await store.timelines.get(GROUP),
        "admissions": await store.access.all(),
        "admitted": await store.access.is_admitted(user_id=None, chat_id=GROUP),
        "inbox": await store.inbox.unfinished(),
        "place": await store.topics.place(beach),
        "topics": await store.topics.in_chat(FORUM),
        "usage": await store.usage.report(),
    }


async def test_a_bots_sqlite_database_is_copied_whole_and_the_bot_carries_on_in_postgres(
    tmp_path: Path, postgres_url: str
) -> None:
    path = tmp_path / "reelbot.sqlite3"
    sqlite = await Store.open(path)
    made = await _fill(sqlite)
    before = await _everything(sqlite, made["beach"])
    await sqlite.close()

    copied = {c.table: c.rows for c in await copy_database(path, postgres_url)}
    assert copied["uploads"] == 3 and copied["handled_updates"] == 2 and copied["topics"] == 1
    assert list(copied).index("chats") < list(copied).index("uploads")  # parents before the rows that refer to them
    assert list(copied).index("invites") < list(copied).index("admissions")
    assert "flood_slots" not in copied

    postgres = await Store.open(postgres_url)
    after = await _everything(postgres, made["beach"])
    for name, value in before.items():
        assert after[name] == value, name
    # What is read back only through edits and re-deliveries holds too.
    assert await postgres.inbox.start(901, 5) == "received" and await postgres.inbox.start(900, GROUP) == "done"
    assert not await postgres.messages.first_real_edit(GROUP, 21, "even slower")  # answered once, on SQLite
    assert await postgres.messages.first_real_edit(GROUP, 20, "make it 三")
    assert await postgres.access.redeem(code_hash("CODE-1"), kind="chat", subject_id=GROUP, admitted_by=7,
                                        now=datetime.now(UTC)) == "again"
    # New rows continue after the copied ids: nothing collides.
    assert await postgres.uploads.add(5, kind="photo", filename="n.jpg", size=1, local_path=None) > made["photo"] + 2
    assert await postgres.turns.start(5, engine="local", text="new") > made["turn"] + 1
    assert await postgres.access.redeem(code_hash("CODE-2"), kind="user", subject_id=5, admitted_by=5,
                                        now=datetime.now(UTC)) == "admitted"
    assert await postgres.topics.project(Place(FORUM, 8)) == made["beach"] + 1
    await postgres.close()


async def test_a_database_already_holding_data_is_refused_with_one_sentence(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "reelbot.sqlite3"
    sqlite = await Store.open(path)
    await sqlite.chats.see(5, title="Ann", chat_type="private")
    await sqlite.close()
    postgres = await Store.open(postgres_url)
    await postgres.chats.see(6, title="Bob", chat_type="private")  # a bot already runs on it
    await postgres.close()

    with pytest.raises(CopyRefused, match="already holds the bot's data"):
        await copy_database(path, postgres_url)
    postgres = await Store.open(postgres_url)
    assert [u.chat_id for u in await postgres.usage.report()] == [6]  # nothing mixed in
    await postgres.close()


def test_copy_db_on_the_command_line_says_what_it_copied_or_why_not(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "reelbot.sqlite3"
    assert main(["copy-db", str(tmp_path / "missing.sqlite3"), postgres_url]) == 1
    err = capsys.readouterr().err
    assert "missing.sqlite3 is not a file" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "missing.sqlite3").exists()

    async def fill() -> None:
        store = await Store.open(path)
        await store.uploads.add(5, kind="photo", filename="a.jpg", size=1, local_path=None)
        await store.close()

    asyncio.run(fill())
    assert main(["copy-db", str(path), postgres_url]) == 0
    out = capsys.readouterr().out
    assert "reelbot: uploads: 1 row\n" in out and "reelbot: chats: 1 row\n" in out and "Copied 2 rows" in out
    assert main(["copy-db", str(path), postgres_url]) == 1  # a second time: the target is not empty any more
    err = capsys.readouterr().err
    assert "already holds the bot's data" in err and len(err.strip().splitlines()) == 1
