"""Team access as people meet it: an admin's /invite, a stranger's /join, a group let in with one code, the
admin's /usage, and what is (and is not) written down about strangers along the way."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.config import Settings
from bot.conversation import wording
from bot.store import Store
from tests.e2e.conftest import INSTRUCTION, running, said
from tests.fakes.nemo import NemoFake
from tests.fakes.sample_media import jpeg_bytes
from tests.fakes.telegram import Chat, TelegramFake, User

_CODE = re.compile(r"/join ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})")


async def invite_code(tg: TelegramFake, admin: User) -> str:
    """The admin asks for a code in their private chat and reads it off the bot's answer."""
    chat = tg.private_chat(admin)
    mark = tg.mark()
    await tg.send_command(chat, admin, "/invite")
    answer = await tg.wait_for_text(chat.id, "Invite code", start=mark)
    found = _CODE.search(answer.text or "")
    assert found, answer.text
    return found.group(1)


async def answer_to(tg: TelegramFake, chat: Chat, user: User, command: str, args: str = "") -> list[str]:
    """What the bot says in `chat` to one command (waits for the first answer, then a moment for more)."""
    mark = tg.mark()
    await tg.send_command(chat, user, command, args)
    await tg.wait_for(lambda c: c.chat_id == chat.id and c.method == "sendMessage", start=mark)
    await asyncio.sleep(0.2)
    return said(tg, chat.id, mark)


def rows(database: Path, query: str, *params: object) -> list[tuple[object, ...]]:
    """Read the bot's database as an operator would, beside the running bot (WAL lets both in)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return db.execute(query, params).fetchall()


def nothing_stored_for(database: Path, chat_id: int) -> bool:
    """No row anywhere that mentions this chat: no chat, no update, no upload, no turn, no admission."""
    tables = ("chats", "handled_updates", "uploads", "turns", "renders")
    counts = [rows(database, f"SELECT COUNT(*) FROM {t} WHERE chat_id = ?", chat_id)[0][0] for t in tables]
    admitted = rows(database, "SELECT COUNT(*) FROM admissions WHERE subject_id = ? OR admitted_by = ?",
                    chat_id, chat_id)[0][0]
    return counts == [0] * len(tables) and admitted == 0


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait for something the bot writes just after the user saw it (a render marked delivered)."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110 (the store has no event to wait on)
            await asyncio.sleep(0.05)


async def _delivered(store: Store, chat_id: int) -> bool:
    return any(r.delivered for r in await store.renders.for_chat(chat_id))


def database_bytes(settings: Settings) -> bytes:
    folder = settings.database_path.parent
    return b"".join(f.read_bytes() for f in folder.glob(settings.database_path.name + "*"))


# ---------------------------------------------------------------- invites


async def test_an_invite_lets_one_stranger_in_once_and_nobody_after(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin, stan, sue = tg.user("Ada"), tg.user("Stan"), tg.user("Sue")
    stan_chat, sue_chat = tg.private_chat(stan), tg.private_chat(sue)
    settings = settings_for(allowed_user_ids=frozenset({admin.id}), admin_user_ids=frozenset({admin.id}))
    async with running(settings, tg) as bot:
        code = await invite_code(tg, admin)
        invitation = said(tg, admin.id)[-1]
        assert "24 hours" in invitation and "only time you'll see it" in invitation
        assert str(wording.INVITE_WHILE_OPEN) not in invitation  # the bot is closed: the code is what lets people in

        assert await answer_to(tg, stan_chat, stan, "/join", code) == [str(wording.JOINED_USER)]
        mark = tg.mark()
        await tg.send_photo(stan_chat, stan, jpeg_bytes(720, 1280))
        await tg.wait_for_text(stan_chat.id, "Got 1 photo", start=mark)
        assert [u.status for u in await bot.core.store.uploads.for_chat(stan_chat.id)] == ["uploaded"]

        # The same code a second time, from someone else: refused, and Sue stays a stranger.
        assert await answer_to(tg, sue_chat, sue, "/join", code) == [str(wording.JOIN_REFUSED)]
        assert await answer_to(tg, sue_chat, sue, "/start") == [str(wording.NOT_ALLOWED)]
        assert nothing_stored_for(settings.database_path, sue_chat.id)

        [admission] = await bot.core.store.access.all()
        assert (admission.kind, admission.subject_id, admission.admitted_by, admission.invited_by) == (
            "user", stan.id, stan.id, admin.id)
        assert code.encode() not in database_bytes(settings)  # only its hash was ever written
        assert code.replace("-", "").encode() not in database_bytes(settings)


async def test_an_expired_code_is_refused_and_leaves_nothing(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin, stan = tg.user("Ada"), tg.user("Stan")
    settings = settings_for(allowed_user_ids=frozenset({admin.id}), admin_user_ids=frozenset({admin.id}),
                            invite_valid_hours=0.0001)  # 0.36 s
    async with running(settings, tg) as bot:
        code = await invite_code(tg, admin)
        assert "1 minute" in said(tg, admin.id)[-1]
        await asyncio.sleep(0.5)
        assert await answer_to(tg, tg.private_chat(stan), stan, "/join", code) == [str(wording.JOIN_REFUSED)]
        assert await bot.core.store.access.all() == []
        assert nothing_stored_for(settings.database_path, stan.id)


async def test_guessing_codes_is_stopped_after_five_wrong_ones(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin, mallory = tg.user("Ada"), tg.user("Mallory")
    chat = tg.private_chat(mallory)
    settings = settings_for(allowed_user_ids=frozenset({admin.id}), admin_user_ids=frozenset({admin.id}))
    async with running(settings, tg) as bot:
        code = await invite_code(tg, admin)
        for guess in ("AAAA-AAAA-AAAA", "AAAA-AAAA-AAAB", "AAAA-AAAA-AAAC", "AAAA-AAAA-AAAD", "AAAA-AAAA-AAAE"):
            assert await answer_to(tg, chat, mallory, "/join", guess) == [str(wording.JOIN_REFUSED)]
        # Now even the right code waits: a lock that a lucky guess could pass would not slow guessing down.
        [locked] = await answer_to(tg, chat, mallory, "/join", code)
        assert locked == str(wording.join_locked(15 * 60)) and "15 minutes" in locked
        assert await bot.core.store.access.all() == []
        assert nothing_stored_for(settings.database_path, mallory.id)
        # The code was not used up by the refused try: someone else can still join with it.
        other = tg.user("Olga")
        assert await answer_to(tg, tg.private_chat(other), other, "/join", code) == [str(wording.JOINED_USER)]


async def test_a_code_sent_in_a_group_lets_that_group_in(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin, gus, hal = tg.user("Ada"), tg.user("Gus"), tg.user("Hal")
    crew = tg.group("Crew")
    settings = settings_for(allowed_user_ids=frozenset({admin.id}), admin_user_ids=frozenset({admin.id}))
    async with running(settings, tg) as bot:
        code = await invite_code(tg, admin)
        mark = tg.mark()
        await tg.send_command(crew, gus, "/join", code, mention=True)  # privacy mode on: commands still arrive
        await tg.wait_for_text(crew.id, str(wording.JOINED_GROUP), start=mark)

        # Everyone in the group is served now, Hal too, who never joined himself ...
        mark = tg.mark()
        await tg.send_command(crew, hal, "/credits", mention=True)
        await tg.wait_for_text(crew.id, "Credits: 100 available", start=mark)
        assert str(wording.NOT_ALLOWED) not in said(tg, crew.id)
        # ... but only there: the code let the group in, not its members everywhere.
        assert await answer_to(tg, tg.private_chat(gus), gus, "/credits") == [str(wording.NOT_ALLOWED)]
        [admission] = await bot.core.store.access.all()
        assert (admission.kind, admission.subject_id, admission.admitted_by) == ("chat", crew.id, gus.id)
        assert rows(settings.database_path, "SELECT title, chat_type FROM chats WHERE chat_id = ?", crew.id) == [
            ("Crew", "supergroup")]


async def test_an_admitted_user_is_still_in_after_a_restart(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin, stan = tg.user("Ada"), tg.user("Stan")
    stan_chat = tg.private_chat(stan)
    settings = settings_for(allowed_user_ids=frozenset({admin.id}), admin_user_ids=frozenset({admin.id}))
    async with running(settings, tg):
        code = await invite_code(tg, admin)
        assert await answer_to(tg, stan_chat, stan, "/join", code) == [str(wording.JOINED_USER)]
    async with running(settings, tg):
        mark = tg.mark()
        await tg.send_photo(stan_chat, stan, jpeg_bytes(720, 1280))
        await tg.wait_for_text(stan_chat.id, "Got 1 photo", start=mark)
        assert str(wording.NOT_ALLOWED) not in said(tg, stan_chat.id, mark)


# ---------------------------------------------------------------- admins only


async def test_invite_and_usage_are_for_admins_and_private_chats(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin, tess = tg.user("Ada"), tg.user("Tess")
    team = tg.group("Team")
    tg.register_chat(tg.private_chat(admin))  # she wrote to the bot before: Telegram takes her chat's menu
    settings = settings_for(allowed_user_ids=frozenset({tess.id}), admin_user_ids=frozenset({admin.id}))
    async with running(settings, tg):
        tess_chat = tg.private_chat(tess)
        assert await answer_to(tg, tess_chat, tess, "/invite") == [str(wording.ADMINS_ONLY.format(command="invite"))]
        assert await answer_to(tg, tess_chat, tess, "/usage") == [str(wording.ADMINS_ONLY.format(command="usage"))]
        assert await answer_to(tg, team, admin, "/invite@reelbot_test_bot") == [str(wording.INVITE_PRIVATE_ONLY)]
        assert await answer_to(tg, team, admin, "/usage@reelbot_test_bot") == [str(wording.USAGE_PRIVATE_ONLY)]
        assert not any(_CODE.search(text) for text in said(tg, team.id))  # no code was ever posted in the group
    # The admin's command menu has the two admin commands; everyone else's menu has /join only.
    everyone = [c["command"] for c in tg.commands_for()]
    admins = [c["command"] for c in tg.commands_for({"type": "chat", "chat_id": admin.id})]
    assert "join" in everyone and "invite" not in everyone and "usage" not in everyone
    assert {"join", "invite", "usage"} <= set(admins)


async def test_an_open_bot_says_so_when_an_admin_makes_a_code(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin = tg.user("Ada")
    async with running(settings_for(admin_user_ids=frozenset({admin.id})), tg):
        await invite_code(tg, admin)
        assert str(wording.INVITE_WHILE_OPEN) in said(tg, admin.id)[-1]


# ---------------------------------------------------------------- who sent what, and /usage


async def test_usage_lists_each_chat_with_what_each_person_sent(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin, hana, ivan = tg.user("Ada"), tg.user("Hana"), tg.user("Ivan")
    trip = tg.group("Trip")
    tg.group_privacy = False
    settings = settings_for(allowed_user_ids=frozenset({hana.id, ivan.id}), admin_user_ids=frozenset({admin.id}))
    async with running(settings, tg) as bot:
        for who in (hana, ivan):
            mark = tg.mark()
            await tg.send_photo(trip, who, jpeg_bytes(720, 1280))
            await tg.wait_for_text(trip.id, "Got 1 photo", start=mark)
        mark = tg.mark()
        await tg.send_text(trip, hana, INSTRUCTION)
        await tg.wait_for_text(trip.id, "Timeline", start=mark)
        mark = tg.mark()
        await tg.send_command(trip, ivan, "/export@reelbot_test_bot")
        await tg.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == trip.id, timeout=15, start=mark)
        store = bot.core.store
        await until(lambda: _delivered(store, trip.id))
        assert [(u.kind, u.sender_id) for u in await store.uploads.for_chat(trip.id)] == [("photo", hana.id),
                                                                                ("photo", ivan.id)]
        assert [t["sender_id"] for t in await store.turns.for_chat(trip.id)] == [hana.id]
        renders = await store.renders.for_chat(trip.id)
        assert [(r.requested_by, r.delivered) for r in renders] == [(ivan.id, True)]
        balance = nemo.accounts[next(iter(nemo.accounts))].available

        admin_chat = tg.private_chat(admin)
        report = "\n".join(await answer_to(tg, admin_chat, admin, "/usage"))
        assert report.startswith("Usage of 2 chats:")
        assert (f"• Trip (supergroup {trip.id}), cloud engine: 2 photos, 1 instruction, "
                f"renders 1 delivered / 0 failed, 2 senders, credits: {wording.available_credits(balance)}"
                ) in report
        # The admin's own chat never used the cloud: no balance is asked for (that would make an account).
        assert f"• Ada (private {admin.id}), cloud engine: 0 photos, 0 instructions" in report
        assert report.rstrip().endswith("credits: –")
        assert nemo.count("credits") == 1

        # A balance that can't be read is a "?", not a failed report.
        nemo.fail_next("credits", status=500, times=5)
        report = "\n".join(await answer_to(tg, admin_chat, admin, "/usage"))
        assert "2 senders, credits: ?" in report


async def test_usage_output_longer_than_one_message_is_split(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    admin = tg.user("Ada")
    settings = settings_for(admin_user_ids=frozenset({admin.id}), video_engine="local")
    async with running(settings, tg) as bot:
        for n in range(60):
            await bot.core.store.chats.see(-(10_000 + n), title=f"A rather long group title number {n:02d} " * 2,
                                           chat_type="supergroup")
        mark = tg.mark()
        await tg.send_command(tg.private_chat(admin), admin, "/usage")
        await tg.wait_for_text(admin.id, "number 59", start=mark)
        parts = said(tg, admin.id, mark)
        assert len(parts) >= 2 and all(len(p) <= 4096 for p in parts)
        assert sum(p.count("• ") for p in parts) == 61  # 60 groups and the admin's own chat, none lost
        assert "credits" not in "".join(parts)  # the local engine needs none


async def test_usage_with_emoji_in_group_titles_fits_telegrams_count(
    settings_for: Callable[..., Settings], tg: TelegramFake, nemo: NemoFake
) -> None:
    # Telegram counts a message's 4096 in UTF-16 units, where an emoji is two: this report is under 4096
    # characters but over 4096 units, and was refused whole as "message is too long".
    admin = tg.user("Ada")
    settings = settings_for(admin_user_ids=frozenset({admin.id}), video_engine="local")
    async with running(settings, tg) as bot:
        for n in range(20):
            await bot.core.store.chats.see(-(20_000 + n), title=f"旅行 {n:02d} " + "🎉🎬" * 30, chat_type="supergroup")
        mark = tg.mark()
        await tg.send_command(tg.private_chat(admin), admin, "/usage")
        # Every line, whichever piece it is in (chats made in the same millisecond are listed by id).
        await tg.wait_for(lambda _: sum(p.count("• ") for p in said(tg, admin.id, mark)) == 21, start=mark)
        parts = said(tg, admin.id, mark)
        report = "\n".join(parts)
        assert len(report) < 4096 < len(report.encode("utf-16-le")) // 2
        assert len(parts) >= 2 and all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
        assert sum(p.count("• ") for p in parts) == 21  # 20 groups and the admin's own chat, none lost
        assert "🎉🎬" * 30 in report and str(wording.INTERNAL) not in report
        assert tg.errors("sendMessage") == []
