"""Invites and admissions: a code is kept as its hash only, used up once, and lets in a user or a group."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.conversation.access import code_hash
from bot.store import Store


async def test_an_invite_code_lets_one_user_in_once_and_only_its_hash_is_kept(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    now = datetime.now(UTC)
    code = "K7QM-2XPA-9RTF"
    await store.access.add_invite(code_hash(code), created_by=1, expires_at=now + timedelta(hours=1))
    now += timedelta(seconds=1)  # redeemed a moment after it was made (the store stamps the invite itself)

    assert not await store.access.is_admitted(user_id=10, chat_id=10)
    assert await store.access.redeem(code_hash("k7qm 2xpa 9rtf"), kind="user", subject_id=10, admitted_by=10,
                                     now=now) == "admitted"
    assert await store.access.redeem(code_hash(code), kind="user", subject_id=11, admitted_by=11,
                                     now=now) == "refused"  # used up
    assert await store.access.redeem(code_hash(code), kind="user", subject_id=10, admitted_by=10,
                                     now=now) == "again"  # the same /join handled again after a crash
    assert await store.access.is_admitted(user_id=10, chat_id=None)
    assert not await store.access.is_admitted(user_id=11, chat_id=11)

    [admission] = await store.access.all()
    assert (admission.kind, admission.subject_id, admission.admitted_by, admission.invited_by) == ("user", 10, 10, 1)
    assert admission.code_hash == code_hash(code) and admission.admitted_at >= admission.invited_at
    await store.close()
    everything = b"".join(f.read_bytes() for f in tmp_path.iterdir() if f.is_file())  # noqa: ASYNC240
    assert b"K7QM" not in everything and b"k7qm" not in everything.lower()


async def test_an_expired_or_unknown_code_lets_nobody_in_and_writes_nothing(store: Store) -> None:
    now = datetime.now(UTC)
    await store.access.add_invite(code_hash("OLD"), created_by=1, expires_at=now - timedelta(seconds=1))
    for code in ("OLD", "NEVER-MADE"):
        assert await store.access.redeem(code_hash(code), kind="user", subject_id=10, admitted_by=10,
                                         now=now) == "refused"
    assert await store.access.all() == [] and not await store.access.is_admitted(user_id=10, chat_id=10)
    assert await store.usage.report() == []  # not even a chat's row


async def test_a_code_sent_in_a_group_lets_the_group_in_not_its_sender_everywhere(store: Store) -> None:
    now = datetime.now(UTC)
    await store.access.add_invite(code_hash("GROUP"), created_by=1, expires_at=now + timedelta(hours=1))
    assert await store.access.redeem(code_hash("GROUP"), kind="chat", subject_id=-100, admitted_by=10,
                                     now=now) == "admitted"
    assert await store.access.is_admitted(user_id=99, chat_id=-100)  # anyone in that group
    assert not await store.access.is_admitted(user_id=10, chat_id=10)  # not the sender in their own private chat
    [admission] = await store.access.all()
    assert (admission.kind, admission.subject_id, admission.admitted_by) == ("chat", -100, 10)
