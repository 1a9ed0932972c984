"""Files people send: one acknowledgement per message or album, nothing lost when the engine is out of reach,
nothing taken in twice, and refused files leave nothing behind."""

from __future__ import annotations

from bot.conversation.ports import Source
from bot.engines.base import EngineUnavailable, MediaKind, OutOfCredits, UnsupportedFile
from bot.engines.local.engine import SMALL_PHOTO
from tests.conversation.conftest import CHAT, Core, origin


async def test_an_album_is_acknowledged_once_and_every_photo_is_on_the_engine(core: Core) -> None:
    photos = [core.photo(f"p{i}.jpg") for i in range(3)]
    await core.conversation.on_media(origin(1), photos)
    assert core.replies.texts() == ["Connecting...", "Ready!", core.replies.texts()[-1]]
    answer = core.replies.texts()[-1]
    assert answer.startswith("📥 Got 3 photos.") and "Now tell me what video you want" in answer
    assert [m.filename for m in core.cloud.uploads] == ["p0.jpg", "p1.jpg", "p2.jpg"]
    rows = await core.store.uploads.for_chat(CHAT)
    assert [(r.status, r.engine, r.sender_id) for r in rows] == [("uploaded", "nemo", 7)] * 3


async def test_first_contact_with_a_cloud_that_needs_sign_in_says_connecting_then_ready_once(core: Core) -> None:
    await core.conversation.on_media(origin(1), [core.photo()])
    await core.conversation.on_media(origin(2), [core.photo("b.jpg")])
    assert core.replies.texts()[:2] == ["Connecting...", "Ready!"]
    assert core.replies.texts().count("Connecting...") == 1


async def test_what_the_engine_says_about_a_photo_is_in_the_one_acknowledgement(core: Core) -> None:
    core.cloud.upload_notes["small.jpg"] = (SMALL_PHOTO.format(number=2, width=451, height=300),)
    await core.conversation.on_media(origin(1), [core.photo("a.jpg"), core.photo("small.jpg")])
    answer = core.replies.texts()[-1]
    assert answer.startswith("📥 Got 2 photos.") and "Photo 2 is small (451x300) and will look soft." in answer
    assert sum("will look soft" in text for text in core.replies.texts()) == 1


async def test_a_landscape_photo_gets_the_vertical_tip(core: Core) -> None:
    await core.conversation.on_media(origin(1), [core.photo("wide.jpg", width=1920, height=1080)])
    assert "vertical 9:16" in core.replies.texts()[-1]


async def test_a_cloud_out_of_reach_keeps_the_photos_and_hands_them_over_before_the_next_instruction(
    core: Core,
) -> None:
    core.cloud.fail_upload = [EngineUnavailable("down")]
    photo = core.photo()
    await core.conversation.on_media(origin(1), [photo])
    answer = core.replies.texts()[-1]
    assert "can't reach the video service" in answer and "everything you sent is saved" in answer
    assert "/local" in answer  # the way out: the engine on this machine
    assert photo.path.is_file()
    (row,) = await core.store.uploads.for_chat(CHAT)
    assert (row.status, row.error) == ("failed", "EngineUnavailable")

    await core.conversation.on_text(origin(2), "make it a 15 second video")
    texts = core.replies.texts()
    caught_up = next(t for t in texts if "didn't go through earlier" in t)
    assert caught_up.startswith("📥 Got 1 photo.")
    assert texts.index(caught_up) < texts.index("Done: make it a 15 second video")
    (row,) = await core.store.uploads.for_chat(CHAT)
    assert row.status == "uploaded"


async def test_an_unusable_file_is_named_removed_and_the_rest_of_the_album_goes_in(core: Core) -> None:
    core.cloud.fail_upload = [None, UnsupportedFile("not an image"), None]
    photos = [core.photo(f"p{i}.jpg") for i in range(3)]
    await core.conversation.on_media(origin(1), photos)
    answer = core.replies.texts()[-1]
    assert answer.startswith("📥 Got 2 photos.") and "“p1.jpg” can't be used" in answer
    assert not photos[1].path.exists() and photos[0].path.exists() and photos[2].path.exists()
    rows = await core.store.uploads.for_chat(CHAT)
    assert [(r.status, r.local_path is None) for r in rows] == [("uploaded", False), ("failed", True),
                                                                 ("uploaded", False)]


async def test_out_of_credits_stops_the_album_with_one_sentence_and_the_local_offer(core: Core) -> None:
    core.cloud.fail_upload = [OutOfCredits(top_up_url="https://top.up")]
    await core.conversation.on_media(origin(1), [core.photo("a.jpg"), core.photo("b.jpg")])
    answer = core.replies.texts()[-1]
    assert answer.count("out of credits") == 1 and "/local" in answer
    assert core.cloud.uploads == []


async def test_a_message_handled_again_after_a_crash_takes_its_files_in_once(core: Core) -> None:
    first = core.photo("a.jpg")
    source = [Source(message_id=5, file_unique_id="uniq-a")]
    await core.conversation.on_media(origin(5), [first], sources=source)
    again = core.photo("a.jpg")  # the transport downloaded it again when the update came back
    await core.conversation.on_media(origin(5), [again], sources=source)
    assert len(core.cloud.uploads) == 1
    assert len(await core.store.uploads.for_chat(CHAT)) == 1
    assert not again.path.exists()  # the second copy is not needed
    assert core.replies.texts()[-1].startswith("📥 Got 1 photo.")


async def test_an_album_over_the_engines_photo_limit_is_refused_whole(core: Core) -> None:
    await core.store.chats.update(CHAT, engine="local")
    core.local.max_photos = 4
    await core.conversation.on_media(origin(1), [core.photo(f"a{i}.jpg") for i in range(3)])
    album = [core.photo(f"b{i}.jpg") for i in range(3)]
    await core.conversation.on_media(origin(2), album)
    answer = core.replies.texts()[-1]
    assert "That's 3 photos" in answer and "at most 4" in answer and "none were added" in answer
    assert len(core.local.uploads) == 3
    assert not any(photo.path.exists() for photo in album)


async def test_moving_to_the_local_engine_takes_every_kept_file_along(core: Core) -> None:
    await core.conversation.on_media(origin(1), [core.photo("a.jpg"), core.photo("b.jpg")])
    await core.conversation.command(origin(2), "local")
    assert [m.filename for m in core.local.uploads] == ["a.jpg", "b.jpg"]
    assert "2 of your files are on its timeline" in core.replies.texts()[-1]
    assert (await core.store.chats.get(CHAT)).engine == "local"
    await core.conversation.command(origin(3), "local")
    assert core.replies.texts()[-1] == "This chat already uses the local engine."
    assert len(core.local.uploads) == 2


async def test_a_caption_is_an_instruction_after_the_photos(core: Core) -> None:
    await core.conversation.on_media(origin(1), [core.photo()], caption="add title 'Summer'")
    texts = core.replies.texts()
    assert texts[-1] == "Done: add title 'Summer'" and texts[-2].startswith("📥 Got 1 photo.")
    assert [m.kind for m in core.cloud.uploads] == [MediaKind.PHOTO]
