"""/export: progress, one delivery, a failure tried once more, a render lost in a restart started again, a
render that never ends cancelled, and a video too large for the transport sent as a link."""

from __future__ import annotations

import asyncio

import pytest

from bot.conversation import Conversation, wording
from bot.engines.base import RenderStatus, VideoGone
from tests.conversation.conftest import CHAT, Core, Said, origin


async def ready_to_export(core: Core) -> None:
    await core.conversation.on_media(origin(1), [core.photo()])


async def export(core: Core, message_id: int = 2) -> None:
    await core.conversation.command(origin(message_id), "export")
    await core.conversation.wait_background()


async def test_an_export_shows_progress_and_delivers_the_video_once(core: Core) -> None:
    core.cloud.statuses = [RenderStatus("processing", 10), RenderStatus("processing", 60),
                           RenderStatus("completed", 100, url="https://v/1")]
    await ready_to_export(core)
    await export(core)
    assert str(wording.RENDER_STARTED.format(progress=0)) in core.replies.texts()
    assert [text for _, text in core.replies.edits] == [
        str(wording.RENDER_STARTED.format(progress=10)), str(wording.RENDER_STARTED.format(progress=60)),
        str(wording.RENDER_DONE)]
    ((_, caption, size),) = core.replies.videos
    assert caption == str(wording.RENDER_DONE) and size == core.cloud.video_bytes
    (row,) = await core.store.renders.for_chat(CHAT)
    assert (row.status, row.delivered, row.requested_by) == ("completed", True, 7)


async def test_an_empty_timeline_is_not_rendered(core: Core) -> None:
    await export(core)
    assert "no timeline yet" in core.replies.texts()[-1]
    assert core.cloud.renders == [] and await core.store.renders.for_chat(CHAT) == []


async def test_a_failed_render_is_tried_once_more_under_a_new_id(core: Core) -> None:
    core.cloud.statuses = [RenderStatus("failed", error="boom"), RenderStatus("completed", 100, url="u")]
    await ready_to_export(core)
    await export(core)
    assert len(core.cloud.renders) == 2 and len(set(core.cloud.renders)) == 2
    assert len(core.replies.videos) == 1


async def test_a_render_that_fails_twice_is_given_up_with_one_sentence(core: Core) -> None:
    core.cloud.statuses = [RenderStatus("failed", error="boom")]
    await ready_to_export(core)
    await export(core)
    assert len(core.cloud.renders) == 2
    assert core.replies.texts()[-1] == str(wording.RENDER_FAILED) and core.replies.videos == []


async def test_a_render_lost_in_a_restart_is_started_again_without_counting_as_a_try(core: Core) -> None:
    core.cloud.statuses = [RenderStatus("lost"), RenderStatus("failed"), RenderStatus("completed", 100)]
    await ready_to_export(core)
    await export(core)
    assert len(core.cloud.renders) == 3 and len(core.replies.videos) == 1


@pytest.mark.parametrize("settings_overrides", [{"render_timeout_seconds": 0.05}])
async def test_a_render_that_never_ends_is_cancelled(core: Core) -> None:
    core.cloud.statuses = [RenderStatus("processing", 5)]
    await ready_to_export(core)
    await export(core)
    assert core.cloud.cancelled == core.cloud.renders[-1:]
    assert core.replies.texts()[-1] == str(wording.RENDER_TIMED_OUT)


async def test_a_video_larger_than_the_transport_takes_is_sent_as_a_link(core: Core) -> None:
    core.replies.largest_video = 1024
    core.cloud.statuses = [RenderStatus("completed", 100, url="https://cdn/v.mp4")]
    await ready_to_export(core)
    await export(core)
    assert core.replies.videos == []
    assert core.replies.texts()[-1] == str(wording.RENDER_LINK.format(url="https://cdn/v.mp4"))


async def test_a_video_the_transport_refuses_is_offered_as_a_link(core: Core) -> None:
    core.replies.refuse_videos = True
    core.cloud.statuses = [RenderStatus("completed", 100, url="https://cdn/v.mp4")]
    await ready_to_export(core)
    await export(core)
    assert core.replies.texts()[-1] == str(wording.RENDER_LINK_UNSENT.format(url="https://cdn/v.mp4"))


async def test_after_a_restart_an_accepted_render_is_followed_and_delivered_once(core: Core) -> None:
    await ready_to_export(core)
    await core.store.renders.add("nemo_job_77", CHAT, engine="nemo", status="processing", reply_to_message_id=2,
                                 requested_by=7)
    await core.conversation.command(origin(2), "export")  # the update handled again: no second render
    assert core.cloud.renders == []
    restarted = Conversation(core.settings, core.store, {"nemo": core.cloud, "local": core.local}, core.replies,
                             core.media)
    assert await restarted.resume() == 1
    await restarted.wait_background()
    assert len(core.replies.videos) == 1
    assert await restarted.resume() == 0
    await restarted.aclose()


# ---------------------------------------------------------------- one render at a time per chat


def _answer(core: Core, text: str) -> Said:
    (said,) = [s for s in core.replies.said if s.text == text]
    return said


async def test_a_second_export_while_one_renders_points_at_its_progress(core: Core) -> None:
    core.cloud.statuses = [RenderStatus("processing", 10)]  # rendering until the test lets it finish
    await ready_to_export(core)
    conversation = core.conversation
    for arrival in (1, 2):
        conversation.arrive(CHAT, arrival)

    async def export_in_line(message_id: int, arrival: int) -> None:
        try:
            await conversation.command(origin(message_id, arrival=arrival), "export")
        finally:
            conversation.leave(arrival)

    await asyncio.gather(export_in_line(2, 1), export_in_line(3, 2))  # sent at once, decided in turn
    progress = _answer(core, str(wording.RENDER_STARTED.format(progress=0)))
    again = _answer(core, str(wording.ALREADY_RENDERING))
    assert again.reply_to == progress.message_id
    assert len(core.cloud.renders) == 1

    core.cloud.statuses = [RenderStatus("completed", 100, url="https://v/1")]
    await conversation.wait_background()
    assert len(core.replies.videos) == 1
    await export(core, message_id=4)  # delivered: the next /export makes a new video
    assert len(core.cloud.renders) == 2 and len(core.replies.videos) == 2


async def test_a_render_left_running_by_a_restart_counts(core: Core) -> None:
    await ready_to_export(core)
    await core.store.renders.add("nemo_job_77", CHAT, engine="nemo", status="processing", reply_to_message_id=2,
                                 progress_message_id=555, requested_by=7)
    restarted = Conversation(core.settings, core.store, {"nemo": core.cloud, "local": core.local}, core.replies,
                             core.media)
    await restarted.command(origin(9), "export")  # before the resumed render is delivered
    assert core.cloud.renders == [] and _answer(core, str(wording.ALREADY_RENDERING)).reply_to == 555
    assert await restarted.resume() == 1
    await restarted.wait_background()
    assert len(core.replies.videos) == 1
    await restarted.aclose()


async def test_a_failed_render_retried_still_counts_as_running(core: Core) -> None:
    core.cloud.statuses = [RenderStatus("failed", error="boom"), RenderStatus("processing", 50)]
    await ready_to_export(core)
    await core.conversation.command(origin(2), "export")
    await core.replies.wait_for(lambda: len(core.cloud.renders) == 2)  # the retry under a new id
    await core.conversation.command(origin(3), "export")
    assert len(core.cloud.renders) == 2 and str(wording.ALREADY_RENDERING) in core.replies.texts()
    core.cloud.statuses = [RenderStatus("completed", 100)]
    await core.conversation.wait_background()
    assert len(core.replies.videos) == 1


async def test_a_retry_that_breaks_leaves_no_render_running(core: Core) -> None:
    # The retry's row (not the first one's) is the one marked failed: an unfinished row would tell every
    # later /export to wait for a render that nobody follows any more.
    core.cloud.statuses = [RenderStatus("failed", error="boom")]
    poll = core.cloud.render_status

    async def breaking_on_the_retry(chat_id: int, job_id: str) -> RenderStatus:
        if len(core.cloud.renders) == 2:  # the retry is being followed
            raise VideoGone("the job is gone")
        return await poll(chat_id, job_id)

    core.cloud.render_status = breaking_on_the_retry  # type: ignore[method-assign]
    await ready_to_export(core)
    await export(core)
    assert len(core.cloud.renders) == 2 and await core.store.renders.running_in(CHAT) is None
    core.cloud.render_status = poll  # type: ignore[method-assign]
    core.cloud.statuses = [RenderStatus("completed", 100, url="https://v/2")]
    await export(core, message_id=3)
    assert len(core.cloud.renders) == 3 and len(core.replies.videos) == 1
    assert str(wording.ALREADY_RENDERING) not in core.replies.texts()
