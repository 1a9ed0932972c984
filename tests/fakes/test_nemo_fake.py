"""The NemoVideo fake refuses what the real service would (nemo-api.md), so passing tests mean something."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fakes.nemo import NemoFake

SKILL = {"X-Skill-Source": "image-to-video-tiktok", "X-Skill-Version": "1.0.0", "X-Skill-Platform": "unknown"}


@pytest.fixture
async def fake() -> AsyncIterator[NemoFake]:
    async with NemoFake() as running:
        yield running


@pytest.fixture
async def http(fake: NemoFake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake.url) as client:
        yield client


async def anonymous(http: httpx.AsyncClient, client_id: str = "c-1") -> dict[str, Any]:
    response = await http.post("/api/auth/anonymous-token", headers={**SKILL, "X-Client-Id": client_id})
    assert response.status_code == 200
    return response.json()["data"]


async def signed_in(http: httpx.AsyncClient, client_id: str = "c-1") -> tuple[dict[str, str], str, str]:
    """Headers with a fresh token, the session id and the task id."""
    token = (await anonymous(http, client_id))["token"]
    headers = {**SKILL, "Authorization": f"Bearer {token}"}
    response = await http.post("/api/tasks/me/with-session/nemo_agent", headers=headers,
                               json={"task_name": "project", "language": ""})
    data = response.json()["data"]
    return headers, data["session_id"], data["task_id"]


def run_body(sid: str, text: str = "hi") -> dict[str, Any]:
    return {"app_name": "nemo_agent", "user_id": "me", "session_id": sid, "new_message": {"parts": [{"text": text}]}}


# ==================================================================== headers and auth


@pytest.mark.parametrize("missing", list(SKILL))
async def test_missing_attribution_header_is_refused(http: httpx.AsyncClient, missing: str) -> None:
    headers = {k: v for k, v in SKILL.items() if k != missing}
    response = await http.post("/api/auth/anonymous-token", headers={**headers, "X-Client-Id": "c"})
    assert response.status_code == 400 and response.json()["code"] != 0


async def test_wrong_attribution_values_are_refused(http: httpx.AsyncClient) -> None:
    for bad in ({"X-Skill-Source": "other"}, {"X-Skill-Platform": "windows"}, {"X-Skill-Version": ""}):
        response = await http.post("/api/auth/anonymous-token", headers={**SKILL, **bad, "X-Client-Id": "c"})
        assert response.status_code == 400


async def test_export_without_attribution_headers_is_402(http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http)
    del headers["X-Skill-Platform"]
    response = await http.post("/api/render/proxy/lambda", headers=headers, json={
        "id": "render_1", "sessionId": sid, "draft": {"t": []},
        "output": {"format": "mp4", "quality": "high", "resolution": "1080p"},
    })
    assert response.status_code == 402


async def test_anonymous_token_needs_a_client_id(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/auth/anonymous-token", headers=SKILL)
    assert response.status_code == 400 and "Client-Id" in response.json()["message"]


async def test_anonymous_token_gives_100_credits_and_same_account_for_same_client(
    http: httpx.AsyncClient,
) -> None:
    first = await anonymous(http, "same")
    second = await anonymous(http, "same")
    assert first["credits"] == 100 and first["user_id"].startswith("anon_")
    assert first["token"].startswith("nmv_usr_") and first["token"] != second["token"]
    assert first["user_id"] == second["user_id"] and first["expires_at"].endswith("Z")


async def test_too_many_anonymous_tokens_from_one_address(fake: NemoFake, http: httpx.AsyncClient) -> None:
    fake.tokens_per_ip = 2
    await anonymous(http, "a")
    await anonymous(http, "b")
    response = await http.post("/api/auth/anonymous-token", headers={**SKILL, "X-Client-Id": "c"})
    assert response.status_code == 429


@pytest.mark.parametrize("auth", [None, "Bearer nope", "nmv_usr_without_bearer"])
async def test_missing_or_wrong_token_is_1001(http: httpx.AsyncClient, auth: str | None) -> None:
    headers = dict(SKILL)
    if auth:
        headers["Authorization"] = auth
    response = await http.get("/api/credits/balance/simple", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == 1001


async def test_expired_token_is_1001(fake: NemoFake, http: httpx.AsyncClient) -> None:
    headers, _, _ = await signed_in(http)
    assert (await http.get("/api/credits/balance/simple", headers=headers)).json()["code"] == 0
    fake.expire_token()
    assert (await http.get("/api/credits/balance/simple", headers=headers)).json()["code"] == 1001


async def test_unknown_or_foreign_session_is_1002(http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http, "one")
    other, _, _ = await signed_in(http, "two")
    assert (await http.get("/api/state/nemo_agent/me/123/latest", headers=headers)).json()["code"] == 1002
    assert (await http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=other)).json()["code"] == 1002
    assert (await http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=headers)).json()["code"] == 0


# ==================================================================== bodies


@pytest.mark.parametrize(
    "change",
    [
        {"app_name": "other"},
        {"user_id": "anon_1"},
        {"streaming": True},
        {"new_message": {"parts": []}},
        {"new_message": {"parts": [{"text": "  "}]}},
        {"new_message": "hi"},
        {"session_id": 5},
    ],
)
async def test_run_sse_body_must_be_the_adk_shape(http: httpx.AsyncClient, change: dict[str, Any]) -> None:
    headers, sid, _ = await signed_in(http)
    body = {**run_body(sid), **change}
    response = await http.post("/run_sse", headers={**headers, "Accept": "text/event-stream"}, json=body)
    assert response.status_code == 422


async def test_run_sse_without_session_id_key(http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http)
    body = run_body(sid)
    del body["session_id"]
    response = await http.post("/run_sse", headers={**headers, "Accept": "text/event-stream"}, json=body)
    assert response.status_code == 422


async def test_run_sse_needs_the_event_stream_accept_header(http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http)
    response = await http.post("/run_sse", headers=headers, json=run_body(sid))
    assert response.status_code == 406


async def test_run_sse_streams_and_charges(fake: NemoFake, http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http)
    fake.reply("hello", shape="adk")
    response = await http.post("/run_sse", headers={**headers, "Accept": "text/event-stream"}, json=run_body(sid))
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[0]["content"] == {"parts": [{"text": "hello"}], "role": "model"}
    credits = (await http.get("/api/credits/balance/simple", headers=headers)).json()["data"]
    assert credits == {"available": 50, "frozen": 0, "total": 50}


async def test_run_sse_without_credits_is_2001(fake: NemoFake, http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http)
    fake.set_credits(fake.session(sid).user_id, 10)
    response = await http.post("/run_sse", headers={**headers, "Accept": "text/event-stream"}, json=run_body(sid))
    assert response.json()["code"] == 2001


async def test_session_body_is_checked(http: httpx.AsyncClient) -> None:
    token = (await anonymous(http))["token"]
    headers = {**SKILL, "Authorization": f"Bearer {token}"}
    response = await http.post("/api/tasks/me/with-session/nemo_agent", headers=headers, json={"name": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        {"session_id": "x"},  # snake_case instead of sessionId
        {"output": {"format": "mov", "quality": "high", "resolution": "1080p"}},
        {"id": "job-1"},
        {"draft": "[]"},
    ],
)
async def test_render_body_is_checked(http: httpx.AsyncClient, change: dict[str, Any]) -> None:
    headers, sid, _ = await signed_in(http)
    body = {"id": "render_a", "sessionId": sid, "draft": {"t": []},
            "output": {"format": "mp4", "quality": "high", "resolution": "1080p"}, **change}
    response = await http.post("/api/render/proxy/lambda", headers=headers, json=body)
    assert response.status_code == 400 and response.json()["success"] is False


async def test_reused_render_id_is_refused(http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http)
    body = {"id": "render_a", "sessionId": sid, "draft": {"t": []},
            "output": {"format": "mp4", "quality": "high", "resolution": "1080p"}}
    first = await http.post("/api/render/proxy/lambda", headers=headers, json=body)
    assert first.json() == {"success": True, "data": {"id": "render_a", "status": "pending", "progress": 0}}
    again = await http.post("/api/render/proxy/lambda", headers=headers, json=body)
    assert again.status_code == 409


async def test_upload_needs_files_parts_or_url_json(http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http)
    path = f"/api/upload-video/nemo_agent/me/{sid}"
    wrong_name = await http.post(path, headers=headers, files={"file": ("a.jpg", b"x", "image/jpeg")})
    assert wrong_name.status_code == 400
    bad_type = await http.post(path, headers=headers, files={"files": ("a.bmp", b"x", "image/bmp")})
    assert bad_type.json()["code"] == 4001
    bad_json = await http.post(path, headers=headers, json={"urls": ["https://x/a.jpg"], "source_type": "file"})
    assert bad_json.status_code == 400
    ok = await http.post(path, headers=headers, json={"urls": ["https://x/a.jpg"], "source_type": "url"})
    assert ok.json()["data"]["files"][0]["filename"] == "a.jpg"
    both = await http.post(path, headers=headers, files=[("files", ("b.png", b"x", "image/png")),
                                                          ("files", ("c.mp4", b"y", "video/mp4"))])
    assert [f["file_type"] for f in both.json()["data"]["files"]] == ["image", "video"]


@pytest.mark.parametrize("name", ["../etc/passwd.jpg", "..\\evil.jpg", "a" * 300 + ".jpg", "\u202egpj.exe.jpg", ".."])
async def test_upload_under_a_name_no_file_system_takes_is_refused(http: httpx.AsyncClient, name: str) -> None:
    headers, sid, _ = await signed_in(http)
    response = await http.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=headers,
                               files={"files": (name, b"x", "image/jpeg")})
    assert response.status_code == 400 and response.json()["code"] == 4000


async def test_upload_over_the_limit_is_4002(fake: NemoFake, http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http)
    fake.max_upload_bytes = 1000
    response = await http.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=headers,
                               files={"files": ("a.mp4", b"x" * 2000, "video/mp4")})
    assert response.json()["code"] == 4002


# ==================================================================== control side


async def test_fail_next_queues_one_failure_per_call(fake: NemoFake, http: httpx.AsyncClient) -> None:
    headers, _, _ = await signed_in(http)
    fake.fail_next("credits", code=2001, message_key="msg")
    fake.fail_next("credits", status=429)
    fake.fail_next("credits", malformed=True)
    first = (await http.get("/api/credits/balance/simple", headers=headers)).json()
    assert first["code"] == 2001 and "msg" in first
    assert (await http.get("/api/credits/balance/simple", headers=headers)).status_code == 429
    with pytest.raises(json.JSONDecodeError):
        (await http.get("/api/credits/balance/simple", headers=headers)).json()
    assert (await http.get("/api/credits/balance/simple", headers=headers)).json()["code"] == 0
    with pytest.raises(ValueError):
        fake.fail_next("nope", status=500)


async def test_cut_fault_drops_the_connection(fake: NemoFake, http: httpx.AsyncClient) -> None:
    headers, _, _ = await signed_in(http)
    fake.fail_next("credits", cut=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get("/api/credits/balance/simple", headers=headers)


async def test_render_progress_then_download(fake: NemoFake, http: httpx.AsyncClient) -> None:
    headers, sid, _ = await signed_in(http)
    fake.render_polls = 2
    fake.render_status_shape = "data"
    fake.set_video(b"MP4DATA")
    await http.post("/api/render/proxy/lambda", headers=headers, json={
        "id": "render_x", "sessionId": sid, "draft": {"t": []},
        "output": {"format": "mp4", "quality": "high", "resolution": "1080p"},
    })
    polls = [(await http.get("/api/render/proxy/lambda/render_x", headers=headers)).json()["data"] for _ in range(3)]
    assert [p["status"] for p in polls] == ["processing", "processing", "completed"]
    assert polls[0]["progress"] < polls[1]["progress"] < polls[2]["progress"] == 100
    assert (await http.get(polls[2]["outputUrl"])).content == b"MP4DATA"
    fallback = await http.get("/api/render/proxy/render_x/download", headers=headers)
    assert fallback.content == b"MP4DATA"
    assert (await http.get("/api/render/proxy/render_x/download", headers=SKILL)).status_code == 401
    fake.drop_video("render_x")
    assert (await http.get(polls[2]["outputUrl"])).status_code == 404


async def test_requests_are_recorded(fake: NemoFake, http: httpx.AsyncClient) -> None:
    await signed_in(http)
    assert [r.endpoint for r in fake.requests] == ["anonymous_token", "create_session"]
    assert fake.last("create_session").json == {"task_name": "project", "language": ""}
