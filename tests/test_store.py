import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.access import code_hash
from bot.store import MIGRATIONS_DIR, Store, migration_files


async def test_a_second_start_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await Store.open(path)
    latest = migration_files()[-1][0]
    assert await store.schema_version() == latest
    await store.update_chat(7, session_id="s1")
    await store.close()

    again = await Store.open(path)
    assert await again.migrate() == []
    assert (await again.chat(7)).session_id == "s1"
    await again.close()
    with sqlite3.connect(path) as db:
        versions = [row[0] for row in db.execute("SELECT version FROM schema_migrations")]
    assert versions == [v for v, _ in migration_files()]


async def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for _version, source in migration_files():
        (folder / source.name).write_text(source.read_text())
    (folder / "9999_broken.sql").write_text("CREATE TABLE ok_table (x INTEGER);\nTHIS IS NOT SQL;")
    store = await Store.open(tmp_path / "db.sqlite3", migrate=False)
    with pytest.raises(sqlite3.OperationalError):
        await store.migrate(folder)
    assert await store.schema_version() == migration_files()[-1][0]
    with pytest.raises(sqlite3.OperationalError):  # the half-applied migration's table was rolled back too
        await store._db.execute("SELECT * FROM ok_table")
    await store.close()


async def test_the_database_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "db.sqlite3"
    store = await Store.open(path)
    await store.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


async def test_an_update_is_kept_until_handled_and_a_redelivery_is_recognised(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    assert await store.receive_updates([(100, 5, '{"update_id": 100}')]) == {100}
    again = [(100, 5, '{"update_id": 100}'), (101, 5, '{"update_id": 101}')]  # Telegram sent 100 again
    assert await store.receive_updates(again) == {101}
    assert await store.start_update(100, 5) == "received"
    await store.close()

    store = await Store.open(tmp_path / "db.sqlite3")  # a crash: neither was finished
    assert await store.unfinished_updates() == [(100, '{"update_id": 100}'), (101, '{"update_id": 101}')]
    assert await store.start_update(100, 5) == "started"  # its handling was cut short
    await store.finish_update(100)
    assert await store.start_update(100, 5) == "done"
    assert await store.unfinished_updates() == [(101, '{"update_id": 101}')]
    assert await store.start_update(102, 5) is None  # never kept (a stranger's): handled, not replayed
    assert await store.unfinished_updates() == [(101, '{"update_id": 101}')]
    await store.close()


async def test_renders_are_resumable_until_delivered(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.add_render("render_a", 5, engine="nemo", reply_to_message_id=3)
    await store.add_render("render_b", 5, engine="nemo")
    await store.update_render("render_b", status="failed")
    assert [r.id for r in await store.open_renders()] == ["render_a"]
    await store.update_render("render_a", status="completed", delivered=True)
    assert await store.open_renders() == []
    await store.close()


async def test_the_token_never_shows_in_a_chat_row_repr(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.update_chat(5, token="nmv_usr_secretsecretsecret")
    row = await store.chat(5)
    assert row.token == "nmv_usr_secretsecretsecret"
    assert "secret" not in repr(row)
    await store.close()


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [v for v, _ in migration_files(MIGRATIONS_DIR)]
    assert versions == list(range(1, len(versions) + 1))


# ---------------------------------------------------------------- team access


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_a_looser_database_and_its_wal_files_are_tightened_to_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await Store.open(path)
    await store.update_chat(7, session_id="s1")
    await store.close()
    wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
    wal.touch()
    os.chmod(path, 0o644)  # as an older version, a copy or a restore from backup may have left them
    os.chmod(wal, 0o666)

    again = await Store.open(path)
    await again.update_chat(7, session_id="s2")  # a write: the WAL is in use while the modes are read
    assert wal.exists() and shm.exists()
    assert (_mode(path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
    await again.close()


async def test_an_invite_code_lets_one_user_in_once_and_only_its_hash_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await Store.open(path)
    now = datetime.now(UTC)
    code = "K7QM-2XPA-9RTF"
    await store.add_invite(code_hash(code), created_by=1, expires_at=now + timedelta(hours=1))
    now += timedelta(seconds=1)  # redeemed a moment after it was made (the store stamps the invite itself)

    assert not await store.is_admitted(user_id=10, chat_id=10)
    assert await store.redeem_invite(code_hash("k7qm 2xpa 9rtf"), kind="user", subject_id=10, admitted_by=10,
                                     now=now) == "admitted"
    assert await store.redeem_invite(code_hash(code), kind="user", subject_id=11, admitted_by=11,
                                     now=now) == "refused"  # used up
    assert await store.redeem_invite(code_hash(code), kind="user", subject_id=10, admitted_by=10,
                                     now=now) == "again"  # the same /join handled again after a crash
    assert await store.is_admitted(user_id=10, chat_id=None)
    assert not await store.is_admitted(user_id=11, chat_id=11)

    [admission] = await store.admissions()
    assert (admission.kind, admission.subject_id, admission.admitted_by, admission.invited_by) == ("user", 10, 10, 1)
    assert admission.code_hash == code_hash(code) and admission.admitted_at >= admission.invited_at
    await store.close()
    everything = b"".join(f.read_bytes() for f in tmp_path.iterdir() if f.is_file())  # noqa: ASYNC240
    assert b"K7QM" not in everything and b"k7qm" not in everything.lower()


async def test_an_expired_or_unknown_code_lets_nobody_in_and_writes_nothing(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    now = datetime.now(UTC)
    await store.add_invite(code_hash("OLD"), created_by=1, expires_at=now - timedelta(seconds=1))
    for code in ("OLD", "NEVER-MADE"):
        assert await store.redeem_invite(code_hash(code), kind="user", subject_id=10, admitted_by=10,
                                         now=now) == "refused"
    assert await store.admissions() == [] and not await store.is_admitted(user_id=10, chat_id=10)
    async with store._db.execute("SELECT COUNT(*) FROM chats") as cursor:
        assert (await cursor.fetchone())[0] == 0
    await store.close()


async def test_a_code_sent_in_a_group_lets_the_group_in_not_its_sender_everywhere(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    now = datetime.now(UTC)
    await store.add_invite(code_hash("GROUP"), created_by=1, expires_at=now + timedelta(hours=1))
    assert await store.redeem_invite(code_hash("GROUP"), kind="chat", subject_id=-100, admitted_by=10,
                                     now=now) == "admitted"
    assert await store.is_admitted(user_id=99, chat_id=-100)  # anyone in that group
    assert not await store.is_admitted(user_id=10, chat_id=10)  # not the sender in their own private chat
    [admission] = await store.admissions()
    assert (admission.kind, admission.subject_id, admission.admitted_by) == ("chat", -100, 10)
    await store.close()


async def test_usage_counts_each_chats_photos_instructions_renders_and_senders(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.see_chat(-100, title="Trip", chat_type="supergroup")
    await store.see_chat(-100, title="Trip 2024", chat_type="supergroup")  # renamed
    for sender, kind in ((1, "photo"), (2, "photo"), (2, "audio")):
        await store.add_upload(-100, kind=kind, filename="f", size=1, local_path=None, sender_id=sender)
    await store.start_turn(-100, engine="nemo", text="make a video", sender_id=3)
    await store.add_render("r1", -100, engine="nemo", requested_by=1)
    await store.update_render("r1", status="completed", delivered=True)
    await store.add_render("r2", -100, engine="nemo", requested_by=4)
    await store.update_render("r2", status="failed")
    await store.update_chat(-100, token="nmv_usr_x")
    await store.see_chat(5, title="Ann", chat_type="private")
    await store.update_chat(5, engine="local")

    group, private = await store.usage()
    assert (group.chat_id, group.title, group.chat_type, group.engine, group.signed_in) == (
        -100, "Trip 2024", "supergroup", None, True)
    assert (group.photos, group.instructions, group.renders_delivered, group.renders_failed, group.senders) == (
        2, 1, 1, 1, 4)
    assert (private.chat_id, private.title, private.engine, private.signed_in, private.photos, private.senders) == (
        5, "Ann", "local", False, 0, 0)
    assert (await store.render("r2")).requested_by == 4  # type: ignore[union-attr]
    await store.close()
