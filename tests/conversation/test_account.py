"""What a chat asks about itself: greeting, credits, timeline, the web editor, the engine it uses; and the one
command table both transports serve."""

from __future__ import annotations

from bot.conversation import BY_NAME, COMMANDS, wording
from bot.engines.base import EngineUnavailable
from tests.conversation.conftest import CHAT, Core, origin


async def test_every_command_of_the_table_answers_and_unknown_ones_are_left_to_the_transport(core: Core) -> None:
    for command in COMMANDS:
        before = len(core.replies.said)
        assert await core.conversation.command(origin(), command.name, "")
        assert len(core.replies.said) > before, f"/{command.name} said nothing"
    assert not await core.conversation.command(origin(), "nosuchthing", "")
    assert BY_NAME["join"].open_to_strangers and not BY_NAME["export"].open_to_strangers
    assert [c.name for c in COMMANDS if c.menu == "admins"] == ["invite", "usage"]


async def test_answers_a_user_watches_for_go_out_marked_urgent(core: Core) -> None:
    for name in ("start", "help", "credits", "status"):
        await core.conversation.command(origin(), name, "")
    assert all(said.urgent for said in core.replies.said)
    await core.conversation.on_media(origin(), [core.photo()])
    assert not core.replies.said[-1].urgent  # an acknowledgement can wait a moment


async def test_credits_and_status(core: Core) -> None:
    await core.conversation.on_text(origin(), "balance")
    assert core.replies.texts()[-1] == str(wording.credits(100, 0, 100))
    await core.conversation.command(origin(), "status", "")
    assert core.replies.texts()[-1] == str(wording.TIMELINE_EMPTY)
    await core.store.chats.update(CHAT, engine="local")
    await core.conversation.command(origin(), "credits", "")
    assert core.replies.texts()[-1] == str(wording.LOCAL_CREDITS)


async def test_a_cloud_out_of_reach_offers_the_engine_on_this_machine(core: Core) -> None:
    core.cloud.fail_draft = EngineUnavailable("down")
    await core.conversation.command(origin(), "status", "")
    answer = core.replies.texts()[-1]
    assert "can't reach the video service" in answer and str(wording.LOCAL_OFFER) in answer


async def test_the_web_link_is_for_admins_in_a_group(core: Core) -> None:
    core.cloud.link = "https://editor/claim?ct=abc"
    await core.conversation.command(origin(in_group=True), "web", "")
    assert core.replies.texts()[-1] == str(wording.WEB_ADMINS_ONLY)
    await core.conversation.command(origin(), "web", "")
    assert core.replies.texts()[-1] == str(wording.WEB_LINK.format(url="https://editor/claim?ct=abc"))
    await core.store.chats.update(CHAT, engine="local")
    await core.conversation.command(origin(), "web", "")
    assert core.replies.texts()[-1] == str(wording.NO_WEB_EDITOR)


async def test_back_to_the_cloud_and_already_there(core: Core) -> None:
    await core.conversation.command(origin(), "cloud", "")
    assert core.replies.texts()[-1] == str(wording.ALREADY_ON.format(engine="cloud"))
    await core.conversation.command(origin(), "local", "")
    await core.conversation.command(origin(), "cloud", "")
    assert core.replies.texts()[-1] == str(wording.SWITCHED_CLOUD)
    assert (await core.store.chats.get(CHAT)).engine == "nemo"
