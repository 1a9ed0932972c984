"""The access rules without Telegram: codes, the guard against guessing, and who `lets_in`."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings
from bot.conversation.access import Access, JoinGuard, JoinResult, code_hash, new_code
from bot.store import Store


def test_codes_are_typeable_and_their_hash_ignores_case_spaces_and_dashes() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", c) for c in codes)
    assert code_hash("K7QM-2XPA-9RTF") == code_hash(" k7qm 2xpa9rtf ") != code_hash("K7QM-2XPA-9RTE")
    assert "K7QM" not in code_hash("K7QM-2XPA-9RTF")


def test_five_wrong_codes_lock_a_user_out_for_a_while_and_only_that_user() -> None:
    now = [1000.0]
    guard = JoinGuard(limit=5, lockout_seconds=900, clock=lambda: now[0])
    for _ in range(4):
        guard.wrong(1)
    assert guard.wait_left(1) == 0
    guard.wrong(1)
    assert guard.wait_left(1) == 900 and guard.wait_left(2) == 0
    now[0] += 899
    assert guard.wait_left(1) == 1
    now[0] += 2
    assert guard.wait_left(1) == 0  # the wait is over, and the count starts again
    guard.wrong(1)
    assert guard.wait_left(1) == 0


async def test_a_joined_user_is_let_in_only_while_the_bot_is_closed_to_others(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    settings = Settings(_env_file=None, allowed_user_ids=frozenset({1}), admin_user_ids=frozenset({9}))  # type: ignore[call-arg]
    access = Access(settings, store)
    assert await access.lets_in(1, 1) and await access.lets_in(9, -5)  # listed, and an admin anywhere
    assert not await access.lets_in(2, 2)
    invite = await access.invite(9)
    assert await access.join(invite.code, user_id=1, chat_id=1, in_group=False) is JoinResult.ALREADY_IN
    assert await access.join(invite.code, user_id=2, chat_id=2, in_group=False) is JoinResult.ADMITTED
    assert await access.lets_in(2, 2) and await access.lets_in(2, -7)  # a user let in is let in anywhere
    assert await access.join(invite.code, user_id=3, chat_id=3, in_group=False) is JoinResult.REFUSED
    await store.close()
