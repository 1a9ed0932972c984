"""NemoEngine against the NemoVideo fake over real loopback HTTP, with a real Store on a SQLite file."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.engines.base import (
    Engine,
    EngineError,
    EngineUnavailable,
    ExportBlocked,
    FileTooLarge,
    Heartbeat,
    MediaFile,
    MediaKind,
    OutOfCredits,
    RateLimited,
    Readiness,
    StreamBroken,
    StreamEvent,
    Text,
    ToolActivity,
    UnsupportedFile,
    VideoGone,
)
from bot.engines.nemo import NemoEngine
from bot.engines.nemo.gui import CREDITS_HINT, EXPORT_HINT
from bot.store import Store
from bot.timeline import summary
from tests.fakes.nemo import CallTool, EditDraft, NemoFake, Say
from tests.fakes.sample_media import jpeg_bytes

CHAT = 42
# What the default turn's editor talk becomes (tests.fakes.nemo.DEFAULT_TEXT, less its "Preview in Timeline
# panel or click Export to save it.").
READY_TEXT = "Your video is ready!"
MakeEngine = Callable[..., Awaitable[NemoEngine]]


@pytest.fixture
async def fake() -> AsyncIterator[NemoFake]:
    async with NemoFake() as running:
        yield running


@pytest.fixture
async def make_engine(fake: NemoFake, store: Store) -> AsyncIterator[MakeEngine]:
    engines: list[NemoEngine] = []

    async def make(**overrides: Any) -> NemoEngine:
        values: dict[str, Any] = {
            "nemo_api_url": fake.url, "nemo_token": None, "rate_limit_wait_seconds": 0.05,
            "stream_timeout_seconds": 5, "http_timeout_seconds": 5,
        }
        values.update(overrides)
        engine = NemoEngine(Settings(_env_file=None, **values), store)  # type: ignore[call-arg]
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.aclose()


@pytest.fixture
async def engine(make_engine: MakeEngine) -> NemoEngine:
    return await make_engine()


async def collect(engine: NemoEngine, text: str = "make a video") -> list[StreamEvent]:
    return [event async for event in engine.send(CHAT, text)]


def photo(tmp_path: Path, name: str = "a.jpg", content: bytes | None = None) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(content if content is not None else jpeg_bytes(64, 48))
    return MediaFile(path=path, filename=name, kind=MediaKind.PHOTO, size=path.stat().st_size)


def assert_no_secret(exc: BaseException, fake: NemoFake) -> None:
    text = str(exc) + repr(exc) + getattr(exc, "detail", "")
    for token in fake.tokens:
        assert token not in text


# ==================================================================== credentials and sessions


async def test_engine_satisfies_the_port(engine: NemoEngine) -> None:
    assert isinstance(engine, Engine)
    assert engine.name == "nemo" and engine.runs_here is False


async def test_readiness_follows_what_is_kept_without_asking_the_service(
    engine: NemoEngine, fake: NemoFake, store: Store
) -> None:
    assert await engine.readiness(CHAT) is Readiness.SIGNED_OUT
    await engine.credits(CHAT)  # a balance needs a token, not a session
    assert await engine.readiness(CHAT) is Readiness.SIGNED_IN
    await engine.connect(CHAT)
    asked = len(fake.requests)
    assert await engine.readiness(CHAT) is Readiness.READY
    await store.accounts.update(CHAT, token_expires_at="2000-01-01T00:00:00Z")
    assert await engine.readiness(CHAT) is Readiness.READY  # renewing the token keeps the account and project
    assert len(fake.requests) == asked


async def test_with_nemo_token_a_chat_is_signed_in_from_the_start(make_engine: MakeEngine, fake: NemoFake) -> None:
    fake.add_token("nmv_usr_fixed_account", user_id="user_1")
    engine = await make_engine(nemo_token="nmv_usr_fixed_account")
    assert await engine.readiness(CHAT) is Readiness.SIGNED_IN
    await engine.connect(CHAT)
    assert await engine.readiness(CHAT) is Readiness.READY


async def test_connect_creates_token_and_session_once(engine: NemoEngine, fake: NemoFake, store: Store) -> None:
    assert (await engine.connect(CHAT)).new is True
    assert (await engine.connect(CHAT)).new is False
    await engine.credits(CHAT)
    assert fake.count("anonymous_token") == 1 and fake.count("create_session") == 1
    row = await store.accounts.get(CHAT)
    assert row.client_id and row.token in fake.tokens and row.user_id and row.user_id.startswith("anon_")
    assert row.token_expires_at and row.session_id in fake.sessions and row.task_id
    assert fake.last("anonymous_token").headers["X-Client-Id"] == row.client_id
    assert fake.last("create_session").json == {"task_name": "project", "language": ""}


async def test_a_session_is_created_in_the_language_the_chat_is_spoken_to_in(
    engine: NemoEngine, fake: NemoFake, store: Store
) -> None:
    await store.chats.update(CHAT, language="zh")  # decided by the conversation before any engine call
    await engine.connect(CHAT)
    assert fake.last("create_session").json == {"task_name": "project", "language": "zh"}


async def test_every_request_carries_the_attribution_headers(engine: NemoEngine, fake: NemoFake) -> None:
    await engine.connect(CHAT)
    await collect(engine)
    await engine.credits(CHAT)
    for request in fake.requests:
        assert request.headers["X-Skill-Source"] == "image-to-video-tiktok"
        assert request.headers["X-Skill-Version"] == "1.0.0"
        assert request.headers["X-Skill-Platform"] == "unknown"
        if request.endpoint == "anonymous_token":
            assert "Authorization" not in request.headers
        else:
            assert request.headers["Authorization"].startswith("Bearer nmv_usr_")


async def test_nemo_token_skips_the_anonymous_call(make_engine: MakeEngine, fake: NemoFake) -> None:
    fake.add_token("nmv_usr_fixed_account", user_id="user_1", credits=500)
    engine = await make_engine(nemo_token="nmv_usr_fixed_account")
    assert (await engine.connect(CHAT)).new is True
    assert (await engine.credits(CHAT)).available == 500  # type: ignore[union-attr]
    assert fake.count("anonymous_token") == 0
    assert all(r.headers["Authorization"] == "Bearer nmv_usr_fixed_account" for r in fake.requests)


async def test_refused_nemo_token_is_unavailable_without_the_token(make_engine: MakeEngine, fake: NemoFake) -> None:
    engine = await make_engine(nemo_token="nmv_usr_not_known")
    with pytest.raises(EngineUnavailable) as caught:
        await engine.connect(CHAT)
    assert "nmv_usr_not_known" not in str(caught.value)
    assert fake.count("anonymous_token") == 0


async def test_expired_token_in_the_store_is_renewed_with_the_same_client_id(
    engine: NemoEngine, fake: NemoFake, store: Store
) -> None:
    await engine.connect(CHAT)
    before = await store.accounts.get(CHAT)
    await store.accounts.update(CHAT, token_expires_at="2000-01-01T00:00:00Z")
    assert (await engine.connect(CHAT)).new is True
    after = await store.accounts.get(CHAT)
    assert after.token != before.token and after.client_id == before.client_id
    assert after.session_id == before.session_id
    assert [r.headers["X-Client-Id"] for r in fake.calls("anonymous_token")] == [before.client_id] * 2


async def test_1001_mid_session_renews_the_token_and_retries_once(
    engine: NemoEngine, fake: NemoFake, store: Store
) -> None:
    await engine.connect(CHAT)
    old = (await store.accounts.get(CHAT)).token
    fake.expire_token()  # the server-side expiry the stored date did not foresee
    credits = await engine.credits(CHAT)
    assert credits is not None and credits.available == 100
    assert fake.count("anonymous_token") == 2 and fake.count("credits") == 2
    assert (await store.accounts.get(CHAT)).token != old


async def test_1001_twice_gives_up(engine: NemoEngine, fake: NemoFake) -> None:
    await engine.connect(CHAT)
    fake.fail_next("credits", code=1001, times=2)
    with pytest.raises(EngineUnavailable) as caught:
        await engine.credits(CHAT)
    assert fake.count("credits") == 2
    assert_no_secret(caught.value, fake)


async def test_a_new_session_after_1002_gets_the_chats_files_again(
    engine: NemoEngine, fake: NemoFake, store: Store, tmp_path: Path
) -> None:
    media = photo(tmp_path)
    uploaded = await engine.upload(CHAT, media)
    kept = await store.uploads.add(CHAT, kind="photo", filename=media.filename, size=media.size,
                                   local_path=str(media.path))
    await store.uploads.update(kept, engine="nemo", engine_ref=uploaded.ref, status="uploaded")
    await store.uploads.add(CHAT, kind="photo", filename="never.jpg", size=1, local_path=str(tmp_path / "x"))
    lost = fake.session().session_id
    fake.fail_next("state", code=1002)
    await engine.draft(CHAT)
    new = fake.session()
    assert new.session_id != lost and [f["filename"] for f in new.files] == ["a.jpg"]  # only what was uploaded
    assert fake.last("state").path.endswith(f"/{new.session_id}/latest")  # the retry came after the refill
    [row, _] = await store.uploads.for_chat(CHAT)
    assert row.engine_ref == new.files[0]["cdn_url"]


async def test_1002_creates_a_new_session_and_retries(engine: NemoEngine, fake: NemoFake, store: Store) -> None:
    await engine.connect(CHAT)
    old = (await store.accounts.get(CHAT)).session_id
    fake.fail_next("state", code=1002, message_key="msg")
    assert await engine.draft(CHAT) is None
    new = (await store.accounts.get(CHAT)).session_id
    assert new != old and fake.count("create_session") == 2
    assert fake.last("state").path.endswith(f"/{new}/latest")


async def test_http_400_on_the_token_call_renews_the_client_id(
    engine: NemoEngine, fake: NemoFake, store: Store
) -> None:
    await store.accounts.update(CHAT, client_id="lost-client-id")
    fake.fail_next("anonymous_token", status=400)
    await engine.connect(CHAT)
    ids = [r.headers.get("X-Client-Id") for r in fake.calls("anonymous_token")]
    row = await store.accounts.get(CHAT)
    assert ids[0] == "lost-client-id" and ids[1] == row.client_id != "lost-client-id"


async def test_out_of_credits_links_anonymous_users_to_registration(engine: NemoEngine, fake: NemoFake,
                                                                    store: Store) -> None:
    await engine.connect(CHAT)
    user_id = (await store.accounts.get(CHAT)).user_id
    fake.set_credits(user_id, 0)  # type: ignore[arg-type]
    with pytest.raises(OutOfCredits) as caught:
        await collect(engine)
    assert caught.value.register_url == f"https://nemovideo.com/register?bind={user_id}"
    assert caught.value.top_up_url == "https://nemovideo.com"
    assert_no_secret(caught.value, fake)


async def test_out_of_credits_for_a_registered_account_has_no_bind_link(
    make_engine: MakeEngine, fake: NemoFake
) -> None:
    fake.add_token("nmv_usr_registered", user_id="user_9", credits=0)
    engine = await make_engine(nemo_token="nmv_usr_registered", nemo_web_url="https://web.example")
    with pytest.raises(OutOfCredits) as caught:
        await collect(engine)
    assert caught.value.register_url is None and caught.value.top_up_url == "https://web.example"


async def test_429_waits_then_retries_once(engine: NemoEngine, fake: NemoFake) -> None:
    await engine.connect(CHAT)
    fake.fail_next("credits", status=429)
    started = time.monotonic()
    assert await engine.credits(CHAT) is not None
    assert time.monotonic() - started >= 0.05
    assert fake.count("credits") == 2


async def test_429_twice_is_rate_limited(engine: NemoEngine, fake: NemoFake) -> None:
    await engine.connect(CHAT)
    fake.fail_next("credits", status=429, times=2)
    with pytest.raises(RateLimited):
        await engine.credits(CHAT)
    assert fake.count("credits") == 2


@pytest.mark.parametrize(
    "fault", [{"status": 500}, {"status": 503}, {"malformed": True}, {"cut": True}, {"code": 9999}]
)
async def test_broken_answers_are_unavailable(engine: NemoEngine, fake: NemoFake, fault: dict[str, Any]) -> None:
    await engine.connect(CHAT)
    fake.fail_next("state", **fault)
    with pytest.raises(EngineUnavailable) as caught:
        await engine.draft(CHAT)
    assert fake.count("state") == 1  # no retry for these
    assert_no_secret(caught.value, fake)
    assert "tok" not in str(caught.value)  # nothing of the malformed body


async def test_connection_refused_is_unavailable(make_engine: MakeEngine) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = await make_engine(nemo_api_url=f"http://127.0.0.1:{port}")
    with pytest.raises(EngineUnavailable):
        await engine.connect(CHAT)


# ==================================================================== uploads


async def test_upload_streams_a_multipart_files_part(engine: NemoEngine, fake: NemoFake, tmp_path: Path) -> None:
    uploaded = await engine.upload(CHAT, photo(tmp_path))
    assert uploaded.filename == "a.jpg" and uploaded.kind == MediaKind.PHOTO
    assert uploaded.ref.startswith(fake.cdn_url + "/cdn/files/")
    assert (uploaded.width, uploaded.height) == (64, 48)
    request = fake.last("upload")
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert request.path == f"/api/upload-video/nemo_agent/me/{fake.session().session_id}"
    assert fake.session().files[0]["filename"] == "a.jpg"


@pytest.mark.parametrize(
    ("sent_as", "uploaded_as"),
    [
        ("../../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\me\\Pictures\\beach.JPEG", "beach.jpg"),
        ("a" * 300 + ".png", "a" * 96 + ".png"),
        ("sun\x00set\n\r.jpg", "sun_set.jpg"),
        ("\u202egpj.exe.png", "gpj.exe.png"),  # a right-to-left override, dropped
        ("旅行照片 2024.jpg", "旅行照片 2024.jpg"),  # other scripts stay readable
        (".jpg", "file.jpg"),
    ],
)
async def test_the_name_uploaded_is_a_safe_base_name(
    engine: NemoEngine, fake: NemoFake, tmp_path: Path, sent_as: str, uploaded_as: str
) -> None:
    kept = tmp_path / "kept.jpg"  # the bot keeps files under names of its own (bot.media)
    kept.write_bytes(jpeg_bytes(64, 48))
    media = MediaFile(path=kept, filename=sent_as, kind=MediaKind.PHOTO, size=kept.stat().st_size)
    uploaded = await engine.upload(CHAT, media)
    assert fake.session().files[-1]["filename"] == uploaded_as
    assert uploaded.ref.endswith("/" + uploaded_as)


async def test_unsupported_file_lists_the_accepted_formats(engine: NemoEngine, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFile) as caught:
        await engine.upload(CHAT, photo(tmp_path, "scan.bmp", b"BM...."))
    assert "jpg" in caught.value.accepted and "mp4" in caught.value.accepted


async def test_file_too_large(engine: NemoEngine, fake: NemoFake, tmp_path: Path) -> None:
    fake.max_upload_bytes = 100
    with pytest.raises(FileTooLarge) as caught:
        await engine.upload(CHAT, photo(tmp_path))
    assert caught.value.limit_mb == 200


async def test_heic_refused_is_converted_to_jpeg_and_retried(
    engine: NemoEngine, fake: NemoFake, tmp_path: Path
) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    from PIL import Image

    pillow_heif.register_heif_opener()
    path = tmp_path / "IMG_0001.HEIC"
    try:
        Image.new("RGB", (32, 24), (10, 200, 30)).save(path, format="HEIF")
    except Exception:  # pragma: no cover - an encoder-less build
        pytest.skip("no HEIF encoder here")
    media = MediaFile(path=path, filename="IMG_0001.HEIC", kind=MediaKind.PHOTO, size=path.stat().st_size)
    uploaded = await engine.upload(CHAT, media)
    assert uploaded.filename == "IMG_0001.jpg" and (uploaded.width, uploaded.height) == (32, 24)
    assert fake.count("upload") == 2


# ==================================================================== the stream


@pytest.mark.parametrize("shape", ["simple", "adk"])
async def test_default_turn_in_both_shapes(engine: NemoEngine, fake: NemoFake, shape: str) -> None:
    fake.stream_shape = shape  # type: ignore[assignment]
    events = await collect(engine)
    request = fake.last("run_sse")
    assert request.headers["Accept"] == "text/event-stream"
    assert request.json == {
        "app_name": "nemo_agent", "user_id": "me", "session_id": fake.session().session_id,
        "new_message": {"parts": [{"text": "make a video"}]},
    }
    draft = await engine.draft(CHAT)
    assert draft is not None and [t["tt"] for t in draft["t"]] == [0, 1, 7]
    assert events[:3] == [
        ToolActivity("generate_video_with_seedance", "call"),
        ToolActivity("generate_video_with_seedance", "result"),
        Text(READY_TEXT),  # DEFAULT_TEXT without its "Preview in Timeline panel or click Export"
    ]
    assert len(events) == 4 and isinstance(events[3], Text)
    assert str(events[3].text) == str(summary(draft)) + "\n" + str(EXPORT_HINT)


async def test_draft_has_one_segment_per_upload(engine: NemoEngine, tmp_path: Path) -> None:
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        await engine.upload(CHAT, photo(tmp_path, name))
    await collect(engine)
    draft = await engine.draft(CHAT)
    assert draft is not None
    assert [s["m"]["name"] for s in draft["t"][0]["sg"]] == ["a.jpg", "b.jpg", "c.jpg"]


async def test_adk_partial_chunks_are_shown_once(engine: NemoEngine, fake: NemoFake) -> None:
    fake.reply("Here is your video", shape="adk", partial_chunks=3)
    texts = [str(e.text) for e in await collect(engine) if isinstance(e, Text)]
    assert texts == ["Here is your video"]  # the final event, never the chunks: no sentence split in two


@pytest.mark.parametrize("shape", ["simple", "adk"])
async def test_silent_edit_yields_no_text_but_changes_the_draft(
    engine: NemoEngine, fake: NemoFake, shape: str
) -> None:
    await collect(engine)
    before = await engine.draft(CHAT)
    fake.silent_edit(shape=shape)  # type: ignore[arg-type]
    events = await collect(engine, "lower the music")
    assert not [e for e in events if isinstance(e, Text)]
    assert ToolActivity("edit_multitrack", "call") in events
    assert await engine.draft(CHAT) != before


@pytest.mark.parametrize("style", ["event", "comment", "empty"])
async def test_heartbeats_comments_and_empty_data_keep_the_turn_going(
    engine: NemoEngine, fake: NemoFake, style: str
) -> None:
    fake.slow_turn(4, 0.01, style=style)  # type: ignore[arg-type]
    events = await collect(engine)
    # Heartbeat events and empty data are signs of life; comments are skipped by httpx-sse (as the SSE spec
    # says); either way the turn goes on to its answer.
    assert sum(isinstance(e, Heartbeat) for e in events) >= (0 if style == "comment" else 4)
    assert events[-2] == Text(READY_TEXT) and isinstance(events[-1], Text)
    assert str(events[-1].text).endswith(str(EXPORT_HINT))


async def test_error_event_is_stream_broken_and_never_resent(engine: NemoEngine, fake: NemoFake) -> None:
    fake.error_turn("secret internal trace")
    with pytest.raises(StreamBroken) as caught:
        await collect(engine)
    assert "secret internal trace" not in str(caught.value)
    assert fake.count("run_sse") == 1


async def test_cut_stream_is_stream_broken_and_never_resent(engine: NemoEngine, fake: NemoFake) -> None:
    fake.cut_turn(text_before="Working on it")
    seen: list[StreamEvent] = []
    with pytest.raises(StreamBroken) as caught:
        async for event in engine.send(CHAT, "edit"):
            seen.append(event)
    assert Text("Working on it") in seen
    assert fake.count("run_sse") == 1
    assert_no_secret(caught.value, fake)
    assert await engine.draft(CHAT) is not None  # the edit happened: the bot reports from the state


async def test_stream_timeout_is_stream_broken(make_engine: MakeEngine, fake: NemoFake) -> None:
    engine = await make_engine(stream_timeout_seconds=0.3)
    fake.slow_turn(40, 0.05, style="comment")
    started = time.monotonic()
    with pytest.raises(StreamBroken):
        await collect(engine)
    assert time.monotonic() - started < 2
    assert fake.count("run_sse") == 1


@pytest.mark.parametrize("fault", [{"code": 1001}, {"status": 429}, {"code": 1002}])
async def test_errors_before_the_stream_are_retried_once(
    engine: NemoEngine, fake: NemoFake, fault: dict[str, Any]
) -> None:
    await engine.connect(CHAT)
    fake.fail_next("run_sse", **fault)
    events = await collect(engine)
    assert events[-2] == Text(READY_TEXT)
    assert fake.count("run_sse") == 2
    assert fake.last("run_sse").json["session_id"] == fake.session().session_id


# ==================================================================== the editor talk, translated


async def test_editor_talk_comes_out_as_what_the_chat_can_do(engine: NemoEngine, fake: NemoFake) -> None:
    fake.queue_turn(CallTool(), Say("I added the music. Click the Export button to download."))
    events = await collect(engine)
    assert [str(e.text) for e in events if isinstance(e, Text)] == ["I added the music.", str(EXPORT_HINT)]
    assert ToolActivity("edit_multitrack", "call") in events  # tool activity passes through
    assert fake.count("state") == 0  # nothing pointed at the timeline: no summary to fetch


async def test_talk_of_the_timeline_closes_with_its_summary_then_the_hints_once(
    engine: NemoEngine, fake: NemoFake
) -> None:
    fake.queue_turn(
        Say("Click Export to save it."),
        EditDraft(),
        Say("I added a title. Open the Timeline panel to check the tracks."),
        Say("Check your account balance on the dashboard. Then click Export."),
    )
    texts = [str(e.text) for e in await collect(engine) if isinstance(e, Text)]
    draft = await engine.draft(CHAT)
    assert texts == ["I added a title.", "\n".join([str(summary(draft)), str(EXPORT_HINT), str(CREDITS_HINT)])]
    assert not any("Click" in text or "Open the" in text for text in texts)


async def test_plain_text_is_shown_as_it_is_with_no_closing_message(engine: NemoEngine, fake: NemoFake) -> None:
    fake.reply("  Three photos, 9 seconds, calm music.  ")
    assert await collect(engine) == [Text("Three photos, 9 seconds, calm music.")]


async def test_a_broken_stream_gets_no_closing_message(engine: NemoEngine, fake: NemoFake) -> None:
    fake.cut_turn(text_before="Working on it. Open the Timeline panel to watch.")
    seen: list[StreamEvent] = []
    with pytest.raises(StreamBroken):
        async for event in engine.send(CHAT, "edit"):
            seen.append(event)
    assert [e for e in seen if isinstance(e, Text)] == [Text("Working on it.")]
    assert fake.count("state") == 0


async def test_5xx_before_the_stream_is_unavailable(engine: NemoEngine, fake: NemoFake) -> None:
    await engine.connect(CHAT)
    fake.fail_next("run_sse", status=502)
    with pytest.raises(EngineUnavailable):
        await collect(engine)
    assert fake.count("run_sse") == 1


# ==================================================================== credits, renders, downloads


async def test_credits(engine: NemoEngine, fake: NemoFake) -> None:
    await collect(engine)  # costs 50
    credits = await engine.credits(CHAT)
    assert credits is not None and (credits.available, credits.frozen, credits.total) == (50, 0, 50)


async def test_a_jpeg_named_file_is_uploaded_as_jpg(engine: NemoEngine, fake: NemoFake, tmp_path: Path) -> None:
    """The service knows "jpg" (nemo-api.md) and refuses other extensions with 4001."""
    uploaded = await engine.upload(CHAT, photo(tmp_path, "IMG_0042.JPEG"))
    assert uploaded.filename == "IMG_0042.jpg"
    assert fake.session().files[-1]["filename"] == "IMG_0042.jpg"


async def test_render_body_and_unique_ids(engine: NemoEngine, fake: NemoFake) -> None:
    await collect(engine)
    draft = await engine.draft(CHAT)
    assert draft is not None
    first = await engine.start_render(CHAT, draft)
    second = await engine.start_render(CHAT, draft)
    assert first != second and first.startswith("render_")
    body = fake.last("render").json
    assert body == {
        "id": second, "sessionId": fake.session().session_id, "draft": draft,
        "output": {"format": "mp4", "quality": "high", "resolution": "1080p"},
    }


@pytest.mark.parametrize("shape", ["top", "data", "data_output"])
async def test_render_takes_several_polls_then_completes(
    engine: NemoEngine, fake: NemoFake, tmp_path: Path, shape: str
) -> None:
    fake.render_polls = 3
    fake.render_status_shape = shape  # type: ignore[assignment]
    video = bytes(range(256)) * 2000  # 512 kB
    fake.set_video(video)
    await collect(engine)
    job = await engine.start_render(CHAT, await engine.draft(CHAT) or {})
    statuses = [await engine.render_status(CHAT, job) for _ in range(4)]
    assert [s.status for s in statuses] == ["processing"] * 3 + ["completed"]
    progress = [s.progress for s in statuses]
    assert progress == sorted(progress) and progress[0] > 0 and progress[-1] == 100
    done = statuses[-1]
    assert done.url and done.url.endswith(f"{job}.mp4")
    dest = await engine.download(CHAT, job, done, tmp_path / "out" / "video.mp4")
    assert dest.read_bytes() == video
    assert not list(dest.parent.glob("*.part"))


async def test_render_failure(engine: NemoEngine, fake: NemoFake) -> None:
    fake.render_polls = 1
    fake.render_outcome = "failed"
    await collect(engine)
    job = await engine.start_render(CHAT, await engine.draft(CHAT) or {})
    await engine.render_status(CHAT, job)
    failed = await engine.render_status(CHAT, job)
    assert failed.status == "failed" and failed.error and failed.url is None


async def test_download_falls_back_to_the_download_endpoint(
    engine: NemoEngine, fake: NemoFake, tmp_path: Path
) -> None:
    fake.render_polls = 0
    fake.render_url_in_status = False
    fake.set_video(b"mp4" * 1000)
    await collect(engine)
    job = await engine.start_render(CHAT, await engine.draft(CHAT) or {})
    status = await engine.render_status(CHAT, job)
    assert status.status == "completed" and status.url is None
    await engine.download(CHAT, job, status, tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == b"mp4" * 1000
    assert fake.count("render_download") == 1


@pytest.mark.parametrize("status", [404, 503])
async def test_a_failing_cdn_url_falls_back_to_the_download_endpoint(
    engine: NemoEngine, fake: NemoFake, tmp_path: Path, status: int
) -> None:
    fake.render_polls = 0
    fake.set_video(b"mp4" * 1000)
    await collect(engine)
    job = await engine.start_render(CHAT, await engine.draft(CHAT) or {})
    done = await engine.render_status(CHAT, job)
    assert done.url and "/cdn/" in done.url
    fake.fail_next("cdn", status=status)
    await engine.download(CHAT, job, done, tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == b"mp4" * 1000
    assert fake.count("cdn") == 1 and fake.count("render_download") == 1
    cdn_headers = {k.lower() for k in fake.last("cdn").headers}
    assert not {"authorization", "x-client-id"} & cdn_headers  # no credential ever goes to the CDN
    assert fake.last("render_download").headers["Authorization"].startswith("Bearer ")


async def test_render_is_submitted_under_the_id_the_caller_recorded(engine: NemoEngine, fake: NemoFake) -> None:
    await collect(engine)
    job_id = engine.new_job_id()
    assert await engine.start_render(CHAT, await engine.draft(CHAT) or {}, job_id=job_id) == job_id
    assert fake.last("render").json["id"] == job_id and job_id in fake.renders


async def test_download_404_is_video_gone_with_a_safe_detail(
    engine: NemoEngine, fake: NemoFake, tmp_path: Path
) -> None:
    """Both places answer 404: the service is up but the file is gone, so the cure is another render."""
    fake.render_polls = 0
    await collect(engine)
    job = await engine.start_render(CHAT, await engine.draft(CHAT) or {})
    status = await engine.render_status(CHAT, job)
    fake.drop_video(job)
    with pytest.raises(VideoGone) as caught:
        await engine.download(CHAT, job, status, tmp_path / "v.mp4")
    assert "no longer available" in caught.value.detail
    assert not (tmp_path / "v.mp4").exists() and not (tmp_path / "v.mp4.part").exists()


async def test_export_blocked_402(engine: NemoEngine, fake: NemoFake, store: Store) -> None:
    await collect(engine)
    fake.export_blocked = True
    with pytest.raises(ExportBlocked) as caught:
        await engine.start_render(CHAT, await engine.draft(CHAT) or {})
    user_id = (await store.accounts.get(CHAT)).user_id
    assert caught.value.register_url == f"https://nemovideo.com/register?bind={user_id}"


async def test_cancel_swallows_errors(engine: NemoEngine, fake: NemoFake) -> None:
    await collect(engine)
    job = await engine.start_render(CHAT, await engine.draft(CHAT) or {})
    fake.fail_next("render_cancel", status=500)
    await engine.cancel_render(CHAT, job)
    await engine.cancel_render(CHAT, job)
    assert fake.renders[job].status == "cancelled"


async def test_claim_link(engine: NemoEngine, fake: NemoFake) -> None:
    link = await engine.claim_link(CHAT)
    assert link is not None and link.startswith("https://nemovideo.com/workspace/claim?ct=clm_")
    session = fake.session()
    assert fake.last("claim").json == {"task_id": session.task_id, "session_id": session.session_id}


# ==================================================================== secrets


async def test_no_token_in_errors_or_logs(
    engine: NemoEngine, fake: NemoFake, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await engine.connect(CHAT)
    failures: list[EngineError] = []
    for endpoint, fault in [
        ("credits", {"code": 1001, "times": 2}), ("state", {"malformed": True}), ("state", {"status": 500}),
        ("credits", {"status": 429, "times": 2}), ("upload", {"code": 4001}), ("render", {"status": 402}),
    ]:
        fake.fail_next(endpoint, **fault)
        try:
            if endpoint == "credits":
                await engine.credits(CHAT)
            elif endpoint == "state":
                await engine.draft(CHAT)
            elif endpoint == "upload":
                await engine.upload(CHAT, photo(tmp_path))
            else:
                await engine.start_render(CHAT, {"t": []})
        except EngineError as exc:
            failures.append(exc)
    fake.error_turn()
    with pytest.raises(StreamBroken) as broken:
        await collect(engine)
    failures.append(broken.value)
    assert len(failures) == 7
    # aiosqlite's own DEBUG log repeats SQL parameters (the stored token): the app must keep that logger
    # above DEBUG; what is checked here is everything the engine and the HTTP stack log.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("aiosqlite"))
    assert "nemo:" in logged
    for exc in failures:
        assert_no_secret(exc, fake)
    for token in fake.tokens:
        assert token not in logged


# ---------------------------------------------------------------- undo, redo, a new session


async def test_undo_on_the_cloud_restores_the_kept_draft_for_export_and_says_the_editor_still_has_the_change(
    engine: NemoEngine, fake: NemoFake
) -> None:
    await collect(engine)  # the first turn builds the draft
    before = await engine.draft(CHAT)  # the core reads the draft before each instruction
    fake.silent_edit(EditDraft({"t": [{"tt": 7, "sg": [{"d": 2000, "m": {"text": "Beach"}}]}]}))
    await collect(engine, "add the title Beach")
    edited = await engine.draft(CHAT)
    assert edited != before

    undone = await engine.undo(CHAT)
    assert undone is not None and undone.what == "add the title Beach" and undone.kind == "instruction"
    assert undone.after == before and undone.before == edited
    assert not undone.restored  # the service's own timeline cannot be set back through its API
    assert fake.session().draft == edited
    assert await engine.draft(CHAT) == before  # what /status shows and /export renders
    job = await engine.start_render(CHAT, await engine.draft(CHAT) or {})
    assert fake.renders[job].draft == before
    assert await engine.undo(CHAT) is None  # the first turn was not seen from before: nothing further back

    redone = await engine.redo(CHAT)
    assert redone is not None and redone.after == edited and redone.restored  # the bot and the editor agree again
    assert await engine.draft(CHAT) == edited
    assert await engine.redo(CHAT) is None


async def test_a_new_instruction_after_undo_leaves_nothing_to_redo(engine: NemoEngine, fake: NemoFake) -> None:
    fake.turn_cost = 0  # three turns on the free credits
    await collect(engine)
    await engine.draft(CHAT)
    fake.silent_edit(EditDraft({"t": [{"tt": 7, "sg": [{"d": 2000, "m": {"text": "One"}}]}]}))
    await collect(engine, "title One")
    await engine.draft(CHAT)
    assert await engine.undo(CHAT) is not None
    await engine.draft(CHAT)
    fake.silent_edit(EditDraft({"t": [{"tt": 7, "sg": [{"d": 2000, "m": {"text": "Two"}}]}]}))
    await collect(engine, "title Two")
    assert await engine.redo(CHAT) is None
    assert await engine.draft(CHAT) == fake.session().draft  # the cloud's own timeline again


async def test_starting_over_on_the_cloud_makes_a_new_session_with_an_empty_timeline(
    engine: NemoEngine, fake: NemoFake
) -> None:
    await collect(engine)
    await engine.draft(CHAT)
    first = fake.session().session_id
    await engine.start_over(CHAT)
    assert fake.session().session_id != first and len(fake.sessions) == 2
    assert await engine.draft(CHAT) is None
    assert await engine.undo(CHAT) is None
