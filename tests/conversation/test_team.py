"""A team's bot: strangers refused once, invite codes for admins in private only, /join for a person or a
whole group, and /usage with every chat's activity and balance."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.conversation import wording
from bot.engines.base import EngineUnavailable, Readiness
from tests.conversation.conftest import CHAT, Core, origin

ADMIN, MEMBER, STRANGER = 1, 2, 3


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"admin_user_ids": {ADMIN}, "allowed_user_ids": {MEMBER}}


async def code_from(core: Core) -> str:
    await core.conversation.command(origin(user_id=ADMIN, chat_id=ADMIN), "invite", "")
    match = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", core.replies.texts(ADMIN)[-1])
    assert match, core.replies.texts(ADMIN)
    return match.group(0)


async def test_strangers_are_refused_once_per_chat(core: Core) -> None:
    assert await core.conversation.lets_in(MEMBER, 500) and await core.conversation.lets_in(ADMIN, 500)
    assert not await core.conversation.lets_in(STRANGER, 600)
    for _ in range(3):
        await core.conversation.refuse(origin(user_id=STRANGER, chat_id=600))
    assert core.replies.texts(600) == [str(wording.NOT_ALLOWED)]


async def test_an_invite_is_made_by_an_admin_in_private_only(core: Core) -> None:
    await core.conversation.command(origin(user_id=MEMBER), "invite", "")
    assert core.replies.texts()[-1] == str(wording.ADMINS_ONLY.format(command="invite"))
    await core.conversation.command(origin(user_id=ADMIN, in_group=True), "invite", "")
    assert core.replies.texts()[-1] == str(wording.INVITE_PRIVATE_ONLY)
    assert await code_from(core)


async def test_join_lets_a_person_in_once_and_a_group_as_a_whole(core: Core) -> None:
    code = await code_from(core)
    await core.conversation.command(origin(user_id=STRANGER, chat_id=STRANGER), "join", "WRONG-CODE-0000")
    assert core.replies.texts(STRANGER)[-1] == str(wording.JOIN_REFUSED)
    assert not await core.conversation.lets_in(STRANGER, STRANGER)
    await core.conversation.command(origin(user_id=STRANGER, chat_id=STRANGER), "join", code.lower())
    assert core.replies.texts(STRANGER)[-1] == str(wording.JOINED_USER)
    assert await core.conversation.lets_in(STRANGER, STRANGER)

    group = -100
    second = await code_from(core)
    await core.conversation.command(origin(user_id=4, chat_id=group, in_group=True), "join", second)
    assert core.replies.texts(group)[-1] == str(wording.JOINED_GROUP)
    assert await core.conversation.lets_in(5, group)  # anyone in that group now
    await core.conversation.command(origin(user_id=4, chat_id=group, in_group=True), "join", "")
    assert core.replies.texts(group)[-1] == str(wording.JOIN_HOW)


async def test_five_wrong_codes_make_a_guesser_wait(core: Core) -> None:
    for _ in range(5):
        await core.conversation.command(origin(user_id=STRANGER, chat_id=STRANGER), "join", "AAAA-BBBB-CCCC")
    code = await code_from(core)
    await core.conversation.command(origin(user_id=STRANGER, chat_id=STRANGER), "join", code)
    assert "Too many wrong codes" in core.replies.texts(STRANGER)[-1]


async def test_usage_lists_every_chat_with_its_engine_and_balance(core: Core) -> None:
    await core.conversation.see_chat(CHAT, title="Ann", kind="private")
    await core.conversation.see_chat(-200, title="Team 🎬", kind="supergroup")
    await core.conversation.see_chat(300, title="Never signed in", kind="private")
    await core.conversation.on_media(origin(1, user_id=MEMBER), [core.photo()])
    await core.store.chats.update(-200, engine="local")

    readiness = {CHAT: Readiness.READY, 300: Readiness.SIGNED_OUT}

    async def per_chat(chat_id: int) -> Readiness:
        return readiness.get(chat_id, Readiness.READY)

    core.cloud.readiness = per_chat  # type: ignore[method-assign]
    await core.conversation.command(origin(user_id=MEMBER, chat_id=MEMBER), "usage", "")
    assert core.replies.texts(MEMBER)[-1] == str(wording.ADMINS_ONLY.format(command="usage"))
    await core.conversation.command(origin(user_id=ADMIN, chat_id=-300, in_group=True), "usage", "")
    assert core.replies.texts(-300)[-1] == str(wording.USAGE_PRIVATE_ONLY)
    await core.conversation.command(origin(user_id=ADMIN, chat_id=ADMIN), "usage", "")
    report = core.replies.texts(ADMIN)[-1]
    lines = report.splitlines()
    ann = next(line for line in lines if "Ann" in line)
    assert "cloud engine" in ann and "1 photo" in ann and "1 sender" in ann and ann.endswith("credits: 100")
    team = next(line for line in lines if "Team 🎬" in line)
    assert "local engine" in team and "credits" not in team
    assert next(line for line in lines if "Never signed in" in line).endswith("credits: –")


async def test_a_balance_that_cannot_be_read_shows_a_question_mark(core: Core) -> None:
    await core.conversation.see_chat(CHAT, title="Ann", kind="private")

    async def down(chat_id: int) -> None:
        raise EngineUnavailable("down")

    core.cloud.credits = down  # type: ignore[assignment,method-assign]
    core.cloud.state = Readiness.SIGNED_IN
    await core.conversation.command(origin(user_id=ADMIN, chat_id=ADMIN), "usage", "")
    assert any(line.endswith("credits: ?") for line in core.replies.texts(ADMIN)[-1].splitlines())
