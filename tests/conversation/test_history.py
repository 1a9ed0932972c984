"""/undo, /redo and /new through the core, as a user sees them: what was undone or redone is named, the
timeline follows, an engine that cannot set its own timeline back says what it restored, and a new project
starts empty while what the chat sent stays kept and counted. Typed words ("撤销", "start over") do the same."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from PIL import Image

from bot import timeline
from bot.config import Settings
from bot.conversation import Conversation, wording
from bot.conversation.intents import Intent, classify
from bot.engines.base import MediaFile, MediaKind, Preview, StreamEvent, Text
from bot.engines.local import LocalEngine
from bot.store import Store
from tests.conversation.conftest import CHAT, Core, RecordingReplies, ScriptedEngine, make_settings, origin


def titles(engine: ScriptedEngine) -> list[str]:
    draft = engine.draft_value or {"t": []}
    return [seg["m"]["text"] for track in draft["t"] if track.get("tt") == 7 for seg in track["sg"]]


def titling(engine: ScriptedEngine) -> Callable[[str], AsyncIterator[StreamEvent]]:
    """A script whose every instruction sets the title to its last word, saying nothing."""

    async def script(text: str) -> AsyncIterator[StreamEvent]:
        engine.titled(text.rsplit(" ", 1)[-1])
        return
        yield  # an async generator that says nothing: the core tells what changed

    return script


async def test_undo_and_redo_on_an_engine_that_keeps_its_own_timeline(core: Core) -> None:
    await core.conversation.command(origin(1), "local")
    core.local.script = titling(core.local)
    await core.conversation.on_media(origin(2), [core.photo()])
    await core.conversation.on_text(origin(3), "title One")
    await core.conversation.on_text(origin(4), "title Two")
    assert titles(core.local) == ["Two"]

    await core.conversation.command(origin(5), "undo")
    undone = core.replies.said[-1]
    assert undone.text.startswith("↩️ Undone: “title Two”.") and "Changed Title" in undone.text
    assert str(timeline.summary(core.local.draft_value)) in undone.text
    assert [a.command for a in undone.actions] == ["export", "undo", "status"]
    assert [a.label for a in undone.actions] == ["🎬 Export", "↩️ Undo", "🗂 Timeline"]
    assert titles(core.local) == ["One"]
    assert wording.KEPT_NOT_RESTORED.render("en") not in undone.text  # nothing to excuse here

    await core.conversation.on_text(origin(6), "撤销")  # the Chinese word is the command, answered in Chinese
    chinese = wording.UNDONE_INSTRUCTION.format(what="title One").render("zh")
    assert core.replies.texts()[-1].startswith(chinese) and titles(core.local) == []
    await core.conversation.on_text(origin(7), "undo")
    assert core.replies.texts()[-1] == wording.UNDO_NOTHING.render("en")

    await core.conversation.command(origin(8), "redo")
    assert core.replies.texts()[-1].startswith("↪️ Redone: “title One”.") and titles(core.local) == ["One"]
    await core.conversation.on_text(origin(9), "重做")
    assert titles(core.local) == ["Two"]
    await core.conversation.command(origin(10), "redo")  # a command's name is no language: still Chinese
    assert core.replies.texts()[-1] == wording.REDO_NOTHING.render("zh")
    assert core.local.sent == ["title One", "title Two"]  # undo and redo never reached the engine's stream
    assert (await core.store.chats.get(CHAT)).draft == core.local.draft_value  # the base of "what changed"


async def test_undo_on_an_engine_that_cannot_set_its_timeline_back_says_what_it_restored(core: Core) -> None:
    core.cloud.script = titling(core.cloud)
    await core.conversation.on_media(origin(1), [core.photo()])
    await core.conversation.on_text(origin(2), "title One")
    await core.conversation.on_text(origin(3), "go back")
    answer = core.replies.texts()[-1]
    assert answer.startswith("↩️ Undone: “title One”.")
    assert wording.KEPT_NOT_RESTORED.render("en") in answer
    await core.conversation.command(origin(4), "redo")
    assert wording.STILL_KEPT.render("en") not in core.replies.texts()[-1]  # caught up with the cloud's own


async def test_answers_in_chinese_name_the_step_and_label_the_buttons_in_chinese(core: Core) -> None:
    core.conversation.chats.languages[CHAT] = "zh"
    core.cloud.script = titling(core.cloud)
    await core.conversation.on_media(origin(1), [core.photo()])
    await core.conversation.on_text(origin(2), "title One")
    await core.conversation.on_text(origin(3), "撤回上一步")
    undone = core.replies.said[-1]
    assert undone.text.startswith("↩️ 已撤销：“title One”。") and "云端编辑器无法从这里回退" in undone.text
    assert [a.label for a in undone.actions] == ["🎬 导出", "↩️ 撤销", "🗂 时间线"]


async def test_a_changed_timeline_offers_export_undo_and_the_timeline(core: Core) -> None:
    core.cloud.script = titling(core.cloud)
    await core.conversation.on_media(origin(1), [core.photo()])
    await core.conversation.on_text(origin(2), "title One")
    assert [a.command for a in core.replies.said[-1].actions] == ["export", "undo", "status"]


async def test_a_preview_offers_export_undo_and_the_timeline(core: Core) -> None:
    preview = core.photo("preview.mp4")

    async def with_preview(text: str) -> AsyncIterator[StreamEvent]:
        core.cloud.titled("One")
        yield Text("Title added.")
        yield Preview(preview.path, caption="Quick preview")

    core.cloud.script = with_preview
    await core.conversation.on_media(origin(1), [core.photo()])
    await core.conversation.on_text(origin(2), "title One")
    assert [a.command for a in core.replies.video_actions[-1]] == ["export", "undo", "status"]


async def test_a_new_project_starts_empty_and_the_old_files_stay_kept_and_counted(core: Core) -> None:
    old = core.photo("old.jpg")
    await core.conversation.on_media(origin(1), [old])
    await core.conversation.on_text(origin(2), "start over")
    assert core.replies.texts()[-1] == wording.NEW_PROJECT.render("en")
    assert core.cloud.started_over == 1 and core.local.started_over == 1  # the engine here starts over too
    assert core.cloud.draft_value is None and (await core.store.chats.get(CHAT)).draft is None
    assert old.path.is_file()  # kept on disk
    (usage,) = await core.store.usage.report()
    assert usage.photos == 1

    await core.conversation.on_media(origin(3), [core.photo("new.jpg")])
    await core.conversation.command(origin(4), "local")  # the chat's files go to the other engine: only the new
    assert [m.filename for m in core.local.uploads] == ["new.jpg"]
    await core.conversation.command(origin(5), "new")
    assert core.local.started_over == 2 and core.cloud.started_over == 1  # the cloud is not this chat's engine


# ---------------------------------------------------------------- the engine on this machine, for real


@pytest.fixture
async def local_talk(tmp_path: Path) -> AsyncIterator[tuple[Conversation, RecordingReplies, Store, Settings]]:
    settings = make_settings(tmp_path, video_engine="local")
    store = await Store.open(settings.database_path)
    replies = RecordingReplies()
    conversation = Conversation(settings, store, {"local": LocalEngine(settings, store, previews=False)}, replies)
    yield conversation, replies, store, settings
    await conversation.aclose()
    await store.close()


def jpeg(settings: Settings, name: str) -> MediaFile:
    path = Path(settings.media_dir) / str(CHAT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (720, 1280), (30, 120, 200)).save(path)
    return MediaFile(path, name, MediaKind.PHOTO, path.stat().st_size, width=720, height=1280)


async def test_the_local_engine_undoes_an_instruction_and_an_upload_and_starts_over(
    local_talk: tuple[Conversation, RecordingReplies, Store, Settings],
) -> None:
    conversation, replies, store, settings = local_talk
    photos = [jpeg(settings, "one.jpg"), jpeg(settings, "two.jpg")]
    await conversation.on_media(origin(1), photos[:1])
    await conversation.on_media(origin(2), photos[1:])
    await conversation.on_text(origin(3), "add the title 'Summer'")
    with_title = await store.timelines.get(CHAT)
    assert "Summer" in str(timeline.summary(with_title))

    await conversation.command(origin(4), "undo")
    assert replies.texts()[-1].startswith("↩️ Undone: “add the title 'Summer'”.")
    assert "Summer" not in str(timeline.summary(await store.timelines.get(CHAT)))
    await conversation.command(origin(5), "undo")
    assert replies.texts()[-1].startswith("↩️ Undone: two.jpg is off the timeline.")
    assert timeline.clip_count(await store.timelines.get(CHAT)) == 1
    await conversation.command(origin(6), "redo")
    await conversation.command(origin(7), "redo")
    assert replies.texts()[-1].startswith("↪️ Redone: “add the title 'Summer'”.")
    assert await store.timelines.get(CHAT) == with_title

    await conversation.command(origin(8), "new")
    assert timeline.clip_count(await store.timelines.get(CHAT)) == 0
    await conversation.command(origin(9), "undo")
    assert replies.texts()[-1] == wording.UNDO_NOTHING.render("en")
    assert all(photo.path.is_file() for photo in photos)  # the old project's photos stay on disk
    await conversation.on_text(origin(10), "make it 10 seconds")  # the old photos are not brought back
    assert timeline.clip_count(await store.timelines.get(CHAT)) == 0


def test_only_the_whole_message_is_an_undo_a_redo_or_a_new_project() -> None:
    assert [classify(text) for text in ("undo", "Undo!", "please undo that", "go back", "撤销", "撤回上一步",
                                        "请撤销一下")] == [Intent.UNDO] * 7
    assert [classify(text) for text in ("redo", "重做", "redo that")] == [Intent.REDO] * 3
    assert [classify(text) for text in ("start over", "new project", "重新开始", "从头开始吧。")] == [Intent.NEW] * 4
    for edit in ("undo the crop", "go back to the first photo", "start over with the beach photos",
                 "make it a new project video", "撤销字幕后再加音乐"):
        assert classify(edit) is Intent.EDIT, edit


async def test_undo_before_anything_was_made_signs_nobody_in(core: Core) -> None:
    await core.conversation.command(origin(1), "undo")
    assert core.replies.texts() == [wording.UNDO_NOTHING.render("en")]
    assert core.cloud.connects == 0
