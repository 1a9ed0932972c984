"""A NemoVideo cloud fake on aiohttp, as strict as `nemo-api.md` says the real service is.

    async with NemoFake() as fake:
        settings = Settings(nemo_api_url=fake.url, _env_file=None)
        fake.reply("Hello!")                      # script the next turn
        fake.fail_next("upload", code=4001)       # queue an error for the next call to an endpoint

Strictness: every request (but the CDN file host) must carry the three X-Skill-* headers (render/export
endpoints answer HTTP 402 without them, the others HTTP 400 with an error envelope); a missing or unknown
bearer token, or an expired one, is code 1001 (HTTP 401); an unknown session (or another user's) is 1002;
the anonymous-token call needs X-Client-Id (HTTP 400); bodies are checked against the contract's schemas.

The control side is plain attributes and methods (see `NemoFake`); every request is recorded in
`fake.requests` (method, path, endpoint name, headers, json) for assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import secrets
import time
import unicodedata
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from aiohttp import web

ACCEPTED = ("mp4", "mov", "avi", "webm", "mkv", "jpg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac")
_IMAGE = {"jpg", "jpeg", "png", "gif", "webp", "heic", "heif"}
_AUDIO = {"mp3", "wav", "m4a", "aac"}
SKILL_HEADERS = ("X-Skill-Source", "X-Skill-Version", "X-Skill-Platform")
DEFAULT_TEXT = "Your video is ready! Preview in Timeline panel or click Export to save it."
RENDER_ENDPOINTS = {"render", "render_status", "render_cancel", "render_download"}
ENDPOINTS = (
    "anonymous_token",
    "create_session",
    "run_sse",
    "upload",
    "credits",
    "state",
    "render",
    "render_status",
    "render_cancel",
    "render_download",
    "cdn",
    "claim",
)

Shape = Literal["simple", "adk"]


# ==================================================================== records and control values


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    endpoint: str | None
    headers: dict[str, str]
    json: Any = None


@dataclass
class Fault:
    """A queued failure for the next call to an endpoint (see `NemoFake.fail_next`)."""

    code: int | None = None
    status: int | None = None
    malformed: bool = False
    cut: bool = False
    message_key: str = "message"
    hang: float = 0.0


@dataclass
class TokenInfo:
    token: str
    user_id: str
    client_id: str | None
    expires_at: datetime


@dataclass
class Account:
    user_id: str
    available: float
    frozen: float = 0.0


@dataclass
class FakeSession:
    session_id: str
    task_id: str
    user_id: str
    task_name: str
    language: str
    files: list[dict[str, Any]] = field(default_factory=list)
    draft: dict[str, Any] | None = None
    messages: list[str] = field(default_factory=list)


@dataclass
class FakeRender:
    id: str
    session_id: str
    user_id: str
    draft: dict[str, Any]
    polls_total: int
    polls_done: int = 0
    status: str = "pending"
    progress: int = 0
    outcome: str = "completed"
    shape: str = "top"
    with_url: bool = True
    video: bytes | Path | None = None


# ---------------------------------------------------------------- turn steps


@dataclass
class Say:
    """Text for the user; in the ADK shape `partial_chunks` > 1 sends `partial: true` chunks then the whole."""

    text: str
    partial_chunks: int = 0


@dataclass
class CallTool:
    """A tool call followed by its result."""

    name: str = "edit_multitrack"
    args: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=lambda: {"status": "ok"})


@dataclass
class EditDraft:
    """Change the session's draft: a dict replaces it, a callable maps the session to the new draft,
    None builds the default draft (one video segment per uploaded visual file, BGM, title)."""

    draft: dict[str, Any] | Callable[[FakeSession], dict[str, Any]] | None = None


@dataclass
class Beat:
    """`count` signs of life, `interval` seconds apart: heartbeat events, `: keep-alive` comments or empty data."""

    count: int = 1
    interval: float = 0.0
    style: Literal["event", "comment", "empty"] = "event"


@dataclass
class Pause:
    seconds: float


@dataclass
class Cut:
    """Write half an event, then drop the connection."""


@dataclass
class ErrorEvent:
    message: str = "internal agent error"


@dataclass
class Raw:
    """Bytes written to the stream as they are (for odd-input tests)."""

    text: str


Step = Say | CallTool | EditDraft | Beat | Pause | Cut | ErrorEvent | Raw


@dataclass
class Turn:
    steps: list[Step]
    shape: Shape | None = None
    cost: float | None = None


class _Answer(Exception):
    """Raised inside handlers to answer at once with `response`."""

    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__("answer")
        self.response = response


def _envelope(code: int, message: str, *, status: int = 200, key: str = "message") -> _Answer:
    return _Answer(web.json_response({"code": code, key: message, "data": None}, status=status))


def _ok(data: Any) -> web.Response:
    return web.json_response({"code": 0, "message": "success", "data": data})


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def default_draft(session: FakeSession) -> dict[str, Any]:
    """One 3 s video segment per uploaded picture/video, a BGM track and a title: what a first turn makes."""
    visuals = [f for f in session.files if f["file_type"] in ("image", "video")]
    segments = []
    start = 0
    for index, item in enumerate(visuals or [{"filename": "generated clip", "cdn_url": ""}]):
        segments.append(
            {"id": f"v{index}", "st": start, "d": 3000, "m": {"name": item["filename"], "url": item["cdn_url"]}}
        )
        start += 3000
    total = start
    return {
        "t": [
            {"tt": 0, "sg": segments, "m": {}},
            {"tt": 1, "sg": [{"id": "a0", "st": 0, "d": total, "m": {"name": "Lo-fi", "volume": 0.35}}], "m": {}},
            {"tt": 7, "sg": [{"id": "t0", "st": 0, "d": 3000, "m": {"text": "My TikTok"}}], "m": {}},
        ],
        "d": total,
        "m": {"title": "project", "width": 1080, "height": 1920},
    }


def edited_draft(session: FakeSession) -> dict[str, Any]:
    """The default silent edit: lower the BGM and retitle (starting from the default draft if none)."""
    draft = json.loads(json.dumps(session.draft)) if session.draft else default_draft(session)
    for track in draft.get("t", []):
        for segment in track.get("sg", []):
            if track.get("tt") == 1:
                segment.setdefault("m", {})["volume"] = 0.2
            if track.get("tt") == 7:
                segment.setdefault("m", {})["text"] = "Edited"
    return draft


# ==================================================================== the fake


class NemoFake:
    """The NemoVideo fake. Control side (plain Python, used by tests):

    Attributes: `url`, `requests`, `sessions`, `tokens`, `accounts`, `renders`, `stream_shape`, `turn_cost`,
    `anonymous_credits`, `token_ttl`, `tokens_per_ip`, `max_upload_bytes`, `accept_heic`, `render_polls`,
    `render_outcome`, `render_status_shape`, `render_url_in_status`, `export_blocked`, `video`.
    Methods: `fail_next`, `expire_token`, `add_token`, `set_credits`, `queue_turn`, `reply`, `silent_edit`,
    `slow_turn`, `cut_turn`, `error_turn`, `set_video`, `drop_video`, `set_draft`, `session`, `calls`,
    `count`, `last`.
    """

    def __init__(self) -> None:
        self.url = ""
        self.cdn_url = ""
        self.requests: list[Recorded] = []
        self.sessions: dict[str, FakeSession] = {}
        self.tokens: dict[str, TokenInfo] = {}
        self.accounts: dict[str, Account] = {}
        self.renders: dict[str, FakeRender] = {}
        self.stream_shape: Shape = "simple"
        self.turn_cost: float = 50
        self.anonymous_credits: float = 100
        self.token_ttl = timedelta(days=7)
        self.tokens_per_ip = 10
        self.max_upload_bytes = 200 * 1024 * 1024
        self.accept_heic = False
        self.render_polls = 2
        self.render_outcome: Literal["completed", "failed"] = "completed"
        self.render_status_shape: Literal["top", "data", "data_output"] = "top"
        self.render_url_in_status = True
        self.export_blocked = False
        self.video: bytes | Path = b"\x00\x00\x00\x18ftypmp42fake-mp4-bytes"
        self._faults: dict[str, deque[Fault]] = {}
        self._turns: deque[Turn] = deque()
        self._client_users: dict[str, str] = {}
        self._dropped: set[str] = set()
        self._runner: web.AppRunner | None = None
        self._detached: set[asyncio.Future[None]] = set()  # turns finishing after their client went away

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> NemoFake:
        app = web.Application(middlewares=[self._middleware], client_max_size=1024**3)
        r = app.router
        r.add_post("/api/auth/anonymous-token", self._anonymous_token, name="anonymous_token")
        r.add_post("/api/tasks/me/with-session/{app}", self._create_session, name="create_session")
        r.add_post("/run_sse", self._run_sse, name="run_sse")
        r.add_post("/api/upload-video/{app}/me/{sid}", self._upload, name="upload")
        r.add_get("/api/credits/balance/simple", self._credits, name="credits")
        r.add_get("/api/state/{app}/me/{sid}/latest", self._state, name="state")
        r.add_post("/api/render/proxy/lambda", self._render, name="render")
        r.add_get("/api/render/proxy/lambda/{rid}", self._render_status, name="render_status")
        r.add_post("/api/render/proxy/lambda/{rid}/cancel", self._render_cancel, name="render_cancel")
        r.add_get("/api/render/proxy/{rid}/download", self._render_download, name="render_download")
        r.add_get("/cdn/renders/{rid}.mp4", self._cdn, name="cdn")
        r.add_post("/api/auth/claim-token", self._claim, name="claim")
        self._runner = web.AppRunner(app, shutdown_timeout=0.2, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        # The CDN is another host, as in production (same server, other name): a client that sends its
        # bearer token to "its own host only" must not send it here.
        self.cdn_url = f"http://localhost:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        for rest in list(self._detached):
            rest.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------ control side

    def fail_next(
        self,
        endpoint: str,
        *,
        code: int | None = None,
        status: int | None = None,
        malformed: bool = False,
        cut: bool = False,
        message_key: str = "message",
        hang: float = 0.0,
        times: int = 1,
    ) -> None:
        """Queue a failure for the next `times` calls to `endpoint` (a name in ENDPOINTS): an envelope
        `code` (1001 → HTTP 401, others HTTP 200 unless `status`), a bare HTTP `status` (400, 402, 429,
        5xx), `malformed` JSON, or a `cut` connection. `message_key="msg"` uses the other envelope key.
        `hang` (seconds): the server reads the request and says nothing at all, not even headers, then
        drops the connection; nothing behind the endpoint runs (a /run_sse that hangs charges nothing)."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        if hang < 0:
            raise ValueError("hang is a number of seconds, not negative")
        queue = self._faults.setdefault(endpoint, deque())
        for _ in range(times):
            queue.append(
                Fault(code=code, status=status, malformed=malformed, cut=cut, message_key=message_key, hang=hang)
            )

    def expire_token(self, token: str | None = None) -> None:
        """Expire `token` now (every token when None): its next use answers 1001."""
        for info in self.tokens.values():
            if token is None or info.token == token:
                info.expires_at = _now() - timedelta(seconds=1)

    def add_token(self, token: str, *, user_id: str = "user_registered", credits: float = 1000) -> None:
        """Register an account token (what NEMO_TOKEN would hold)."""
        self.tokens[token] = TokenInfo(token, user_id, None, _now() + timedelta(days=365))
        self.accounts.setdefault(user_id, Account(user_id, credits))

    def set_credits(self, user_id: str, available: float, frozen: float = 0) -> None:
        account = self.accounts.setdefault(user_id, Account(user_id, available))
        account.available, account.frozen = available, frozen

    def queue_turn(self, *steps: Step, shape: Shape | None = None, cost: float | None = None) -> Turn:
        """Script the next /run_sse turn (turns queue up; with none queued the default turn runs)."""
        turn = Turn(list(steps), shape, cost)
        self._turns.append(turn)
        return turn

    def reply(self, text: str, *, shape: Shape | None = None, partial_chunks: int = 0) -> Turn:
        """A turn that only answers `text`."""
        return self.queue_turn(Say(text, partial_chunks), shape=shape)

    def silent_edit(self, draft: EditDraft | None = None, *, shape: Shape | None = None) -> Turn:
        """A turn with tool activity and a draft change but no text (about 30% of real edits)."""
        return self.queue_turn(CallTool("edit_multitrack"), draft or EditDraft(edited_draft), shape=shape)

    def slow_turn(
        self,
        beats: int,
        interval: float,
        *,
        style: Literal["event", "comment", "empty"] = "event",
        text: str | None = DEFAULT_TEXT,
        shape: Shape | None = None,
    ) -> Turn:
        """`beats` signs of life `interval` s apart, then the default edit and `text`."""
        steps: list[Step] = [CallTool("generate_video_with_seedance"), Beat(beats, interval, style), EditDraft()]
        if text is not None:
            steps.append(Say(text))
        return self.queue_turn(*steps, shape=shape)

    def cut_turn(self, *, text_before: str | None = "Working on it", shape: Shape | None = None) -> Turn:
        """A turn whose connection drops in the middle of an event (after the draft was changed)."""
        steps: list[Step] = [CallTool("edit_multitrack"), EditDraft()]
        if text_before:
            steps.insert(0, Say(text_before))
        steps.append(Cut())
        return self.queue_turn(*steps, shape=shape)

    def error_turn(self, message: str = "internal agent error", *, shape: Shape | None = None) -> Turn:
        """A turn that sends an `{"error": ...}` event."""
        return self.queue_turn(CallTool("edit_multitrack"), ErrorEvent(message), shape=shape)

    def set_video(self, video: bytes | Path) -> None:
        """The MP4 every completed render serves (bytes or a file path)."""
        self.video = video

    def drop_video(self, render_id: str) -> None:
        """Make the render's download answer 404 (both the CDN url and the fallback)."""
        self._dropped.add(render_id)

    def set_draft(self, session_id: str, draft: dict[str, Any] | None) -> None:
        self.sessions[session_id].draft = draft

    def session(self, session_id: str | None = None) -> FakeSession:
        """A session by id, or the only/last one created."""
        if session_id is not None:
            return self.sessions[session_id]
        return list(self.sessions.values())[-1]

    def calls(self, endpoint: str) -> list[Recorded]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def count(self, endpoint: str) -> int:
        return len(self.calls(endpoint))

    def last(self, endpoint: str) -> Recorded:
        return self.calls(endpoint)[-1]

    # ------------------------------------------------------------ plumbing

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        endpoint = getattr(request.match_info.route, "name", None)
        body: Any = None
        if request.content_type == "application/json" and request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                body = "<invalid json>"
        self.requests.append(Recorded(request.method, request.path, endpoint, dict(request.headers), body))
        try:
            if endpoint == "cdn" and "Authorization" in request.headers:
                # A signed CDN url refuses a second credential (as S3 does): and a token must not go there.
                return web.Response(status=400, text="Only one auth mechanism allowed")
            if endpoint is not None:
                if endpoint != "cdn":
                    self._check_skill_headers(endpoint, request)
                fault = self._faults.get(endpoint)
                if fault:
                    return await self._apply(fault.popleft(), endpoint, request)
            return await handler(request)
        except _Answer as answer:
            return answer.response

    def _check_skill_headers(self, endpoint: str, request: web.Request) -> None:
        h = request.headers
        ok = (
            h.get("X-Skill-Source") == "image-to-video-tiktok"
            and bool(h.get("X-Skill-Version", "").strip())
            and h.get("X-Skill-Platform") in ("clawhub", "cursor", "unknown")
        )
        if ok:
            return
        if endpoint in RENDER_ENDPOINTS:
            raise _Answer(
                web.json_response(
                    {"success": False, "error": "export blocked: attribution headers missing"}, status=402
                )
            )
        raise _envelope(4000, "attribution headers missing", status=400)

    async def _apply(self, fault: Fault, endpoint: str, request: web.Request) -> web.StreamResponse:
        if fault.hang:
            await asyncio.sleep(fault.hang)
            await _drop(request)
            raise _Answer(web.Response(status=504))
        if fault.cut:
            await _drop(request)
            raise _Answer(web.Response(status=500))
        if fault.malformed:
            return web.Response(status=200, text='{"code": 0, "data": {"tok', content_type="application/json")
        if fault.code is not None:
            status = fault.status or (401 if fault.code == 1001 else 200)
            messages = {
                1001: "token expired or invalid",
                1002: "session not found",
                2001: "insufficient credits",
                4001: "unsupported file type",
                4002: "file too large",
            }
            raise _envelope(fault.code, messages.get(fault.code, "error"), status=status, key=fault.message_key)
        status = fault.status or 500
        if status == 400:
            raise _envelope(400, "missing X-Client-Id", status=400, key=fault.message_key)
        if status == 402:
            return web.json_response({"success": False, "error": "free plan: export blocked"}, status=402)
        if status == 429:
            raise _envelope(429, "rate limited", status=429, key=fault.message_key)
        if status >= 500:
            return web.Response(status=status, text="Internal Server Error")
        raise _envelope(status, "error", status=status, key=fault.message_key)

    def _user(self, request: web.Request) -> TokenInfo:
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.startswith("Bearer ") else ""
        info = self.tokens.get(token)
        if info is None or info.expires_at <= _now():
            raise _envelope(1001, "token expired or invalid", status=401)
        return info

    def _session(self, sid: object, user: TokenInfo) -> FakeSession:
        session = self.sessions.get(sid) if isinstance(sid, str) else None
        if session is None or session.user_id != user.user_id:
            raise _envelope(1002, "session not found")
        return session

    def _account(self, user: TokenInfo) -> Account:
        return self.accounts.setdefault(user.user_id, Account(user.user_id, 0))

    @staticmethod
    def _bad(message: str, status: int = 400) -> _Answer:
        return _envelope(4000, message, status=status)

    # ------------------------------------------------------------ endpoints

    async def _anonymous_token(self, request: web.Request) -> web.StreamResponse:
        client_id = request.headers.get("X-Client-Id", "").strip()
        if not client_id:
            raise _envelope(400, "missing X-Client-Id", status=400)
        user_id = self._client_users.get(client_id)
        if user_id is None:
            if len(self._client_users) >= self.tokens_per_ip:
                raise _envelope(429, "too many anonymous tokens from this address", status=429)
            user_id = f"anon_{secrets.token_hex(6)}"
            self._client_users[client_id] = user_id
            self.accounts[user_id] = Account(user_id, self.anonymous_credits)
        token = f"nmv_usr_{secrets.token_hex(16)}"
        expires = _now() + self.token_ttl
        self.tokens[token] = TokenInfo(token, user_id, client_id, expires)
        return _ok(
            {
                "token": token,
                "user_id": user_id,
                "credits": self.accounts[user_id].available,
                "expires_at": _iso(expires),
            }
        )

    async def _create_session(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        if request.match_info["app"] != "nemo_agent":
            raise self._bad("unknown app", 404)
        body = await _json(request)
        if not isinstance(body, dict) or not isinstance(body.get("task_name"), str):
            raise self._bad("task_name is required")
        if not isinstance(body.get("language", ""), str) or set(body) - {"task_name", "language"}:
            raise self._bad("unexpected fields in the body")
        sid = str(secrets.randbelow(9 * 10**18) + 10**18)
        session = FakeSession(
            sid, f"task_{secrets.token_hex(6)}", user.user_id, body["task_name"], body.get("language", "")
        )
        self.sessions[sid] = session
        return _ok({"task_id": session.task_id, "session_id": sid, "user_id": user.user_id})

    async def _credits(self, request: web.Request) -> web.StreamResponse:
        account = self._account(self._user(request))
        return _ok(
            {"available": account.available, "frozen": account.frozen, "total": account.available + account.frozen}
        )

    async def _state(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        session = self._session(request.match_info["sid"], user)
        return _ok(
            {
                "session_id": session.session_id,
                "task_id": session.task_id,
                "task_name": session.task_name,
                "state": {
                    "draft": session.draft,
                    "video_infos": session.files,
                    "canvas_config": {"width": 1080, "height": 1920},
                    "generated_media": [],
                },
            }
        )

    async def _claim(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        body = await _json(request)
        if not isinstance(body, dict) or set(body) != {"task_id", "session_id"}:
            raise self._bad("task_id and session_id are required")
        session = self._session(body["session_id"], user)
        if body["task_id"] != session.task_id:
            raise self._bad("task does not match the session")
        return _ok({"claim_token": f"clm_{secrets.token_hex(8)}", "expires_in": 3600})

    # ------------------------------------------------------------ upload

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        session = self._session(request.match_info["sid"], user)
        if request.content_type == "application/json":
            body = await _json(request)
            if (
                not isinstance(body, dict)
                or set(body) != {"urls", "source_type"}
                or body["source_type"] != "url"
                or not isinstance(body["urls"], list)
                or not body["urls"]
                or not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in body["urls"])
            ):
                raise self._bad('expected {"urls": [...], "source_type": "url"}')
            received = [(u.rsplit("/", 1)[-1].split("?")[0] or "file", 0, b"") for u in body["urls"]]
            for name, _, _ in received:
                self._check_type(name)
        elif request.content_type.startswith("multipart/"):
            received = []
            reader = await request.multipart()
            async for part in reader:
                if part.name != "files" or not part.filename:  # type: ignore[union-attr]
                    raise self._bad("multipart parts must be files named 'files'")
                self._check_name(part.filename)  # type: ignore[union-attr]
                self._check_type(part.filename)  # type: ignore[union-attr]
                size, kept = 0, io.BytesIO()
                while chunk := await part.read_chunk(256 * 1024):  # type: ignore[union-attr]
                    size += len(chunk)
                    if size > self.max_upload_bytes:
                        raise _envelope(4002, "file too large (200 MB max)")
                    if size <= 20 * 1024 * 1024:
                        kept.write(chunk)
                received.append((part.filename, size, kept.getvalue()))  # type: ignore[union-attr]
            if not received:
                raise self._bad("no files")
        else:
            raise self._bad("expected multipart/form-data or JSON", 415)
        files = [self._file_info(name, size, data) for name, size, data in received]
        session.files.extend(files)
        return _ok({"files": files, "session_state_applied": True})

    def _check_name(self, filename: str) -> None:
        """A name the service files an upload under (its CDN URL ends in it): one path segment a file system
        takes, so a path, a control character or more than 255 bytes is refused."""
        if (
            any(sep in filename for sep in "/\\")
            or filename.strip(". ") == ""
            or len(filename.encode()) > 255
            or any(unicodedata.category(char) in ("Cc", "Cf") for char in filename)
        ):
            raise self._bad("invalid file name")

    def _check_type(self, filename: str) -> None:
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if ext not in ACCEPTED and not (self.accept_heic and ext in ("heic", "heif")):
            raise _envelope(4001, "unsupported file type")

    def _file_info(self, name: str, size: int, data: bytes) -> dict[str, Any]:
        ext = name.rsplit(".", 1)[-1].lower()
        kind = "image" if ext in _IMAGE else "audio" if ext in _AUDIO else "video"
        width = height = None
        if kind == "image" and data:
            with contextlib.suppress(Exception):
                from PIL import Image

                with Image.open(io.BytesIO(data)) as image:
                    width, height = image.size
        digest = hashlib.sha256(data or name.encode()).hexdigest()[:16]
        return {
            "filename": name,
            "file_type": kind,
            "cdn_url": f"{self.cdn_url}/cdn/files/{digest}/{name}",
            "duration": None if kind == "image" else 3.0,
            "width": width,
            "height": height,
            "fps": None if kind != "video" else 30,
            "hash": digest,
            "size": size,
        }

    # ------------------------------------------------------------ the stream

    async def _run_sse(self, request: web.Request) -> web.StreamResponse:
        if "text/event-stream" not in request.headers.get("Accept", ""):
            raise self._bad("Accept: text/event-stream is required", 406)
        user = self._user(request)
        body = await _json(request)
        problem = _run_sse_problem(body)
        if problem:
            raise _Answer(web.json_response({"detail": problem}, status=422))
        session = self._session(body["session_id"], user)
        turn = (
            self._turns.popleft()
            if self._turns
            else Turn([CallTool("generate_video_with_seedance"), EditDraft(), Say(DEFAULT_TEXT)])
        )
        cost = self.turn_cost if turn.cost is None else turn.cost
        account = self._account(user)
        if account.available < cost:
            raise _envelope(2001, "insufficient credits")
        account.available -= cost
        session.messages.append(body["new_message"]["parts"][0]["text"])
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        writer = _StreamWriter(response, turn.shape or self.stream_shape)
        done = 0
        try:
            for step in turn.steps:
                if isinstance(step, Cut):
                    await response.write(b'data: {"content": {"parts": [{"te')
                    await _drop(request)
                    return response
                await writer.step(step, session)
                done += 1
        except (ConnectionError, RuntimeError):  # the client went away (its stream timeout, or it died)
            # The agent runs on without a listener, as the real one does: its edits still land.
            rest = asyncio.ensure_future(_finish_unheard(turn.steps[done:], session))
            self._detached.add(rest)
            rest.add_done_callback(self._detached.discard)
            return response
        await response.write_eof()
        return response

    # ------------------------------------------------------------ renders

    async def _render(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request)
        if self.export_blocked:
            return web.json_response({"success": False, "error": "free plan: export blocked"}, status=402)
        body = await _json(request)
        if not isinstance(body, dict) or set(body) != {"id", "sessionId", "draft", "output"}:
            raise _Answer(
                web.json_response({"success": False, "error": "expected id, sessionId, draft, output"}, status=400)
            )
        output = body["output"]
        if (
            not isinstance(body["id"], str)
            or not body["id"].startswith("render_")
            or not isinstance(body["draft"], dict)
            or not isinstance(output, dict)
            or output.get("format") != "mp4"
            or not isinstance(output.get("quality"), str)
            or not isinstance(output.get("resolution"), str)
        ):
            raise _Answer(web.json_response({"success": False, "error": "invalid render request"}, status=400))
        session = self._session(body["sessionId"], user)
        if body["id"] in self.renders:
            raise _Answer(web.json_response({"success": False, "error": "render id already used"}, status=409))
        render = FakeRender(
            body["id"],
            session.session_id,
            user.user_id,
            body["draft"],
            self.render_polls,
            outcome=self.render_outcome,
            shape=self.render_status_shape,
            with_url=self.render_url_in_status,
        )
        self.renders[render.id] = render
        return web.json_response({"success": True, "data": {"id": render.id, "status": "pending", "progress": 0}})

    def _owned_render(self, request: web.Request) -> FakeRender:
        user = self._user(request)
        render = self.renders.get(request.match_info["rid"])
        if render is None or render.user_id != user.user_id:
            raise _Answer(web.json_response({"success": False, "error": "render not found"}, status=404))
        return render

    async def _render_status(self, request: web.Request) -> web.StreamResponse:
        render = self._owned_render(request)
        if render.status in ("pending", "processing"):
            if render.polls_done < render.polls_total:
                render.polls_done += 1
                render.status = "processing"
                render.progress = int(90 * render.polls_done / render.polls_total)
            else:
                render.status = render.outcome
                render.progress = 100 if render.outcome == "completed" else render.progress
        url = f"{self.cdn_url}/cdn/renders/{render.id}.mp4" if render.status == "completed" else None
        shown_url = url if render.with_url else None
        item: dict[str, Any] = {"id": render.id, "status": render.status, "progress": render.progress}
        if render.status == "failed":
            item["error"] = "render failed"
        if render.shape == "top":
            return web.json_response({**item, "output": {"url": shown_url} if shown_url else None})
        if render.shape == "data":
            return web.json_response({"success": True, "data": {**item, "outputUrl": shown_url}})
        return web.json_response({"success": True, "data": {**item, "output": {"url": shown_url}}})

    async def _render_cancel(self, request: web.Request) -> web.StreamResponse:
        render = self._owned_render(request)
        if render.status in ("pending", "processing"):
            render.status = "cancelled"
        return web.json_response({"success": True, "data": {"id": render.id, "status": render.status}})

    async def _render_download(self, request: web.Request) -> web.StreamResponse:
        render = self._owned_render(request)
        return await self._serve(request, render.id)

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, request.match_info["rid"])

    async def _serve(self, request: web.Request, render_id: str) -> web.StreamResponse:
        render = self.renders.get(render_id)
        if render is None or render.status != "completed" or render_id in self._dropped:
            return web.Response(status=404, text="Not Found")
        video = render.video if render.video is not None else self.video
        if isinstance(video, Path):
            return web.FileResponse(video, headers={"Content-Type": "video/mp4"})
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = len(video)
        await response.prepare(request)
        for start in range(0, len(video), 64 * 1024):
            await response.write(video[start : start + 64 * 1024])
        await response.write_eof()
        return response


# ==================================================================== helpers


async def _json(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise _envelope(4000, "expected a JSON body", status=400)
    try:
        return await request.json()
    except ValueError:
        raise _envelope(4000, "invalid JSON body", status=400) from None


async def _drop(request: web.Request) -> None:
    """Close the connection without finishing the answer."""
    await asyncio.sleep(0)
    transport = request.transport
    if transport is not None:
        transport.close()


def _run_sse_problem(body: Any) -> str | None:
    """What is wrong with a /run_sse body (ADK's RunAgentRequest as the contract gives it), or None."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    expected = {"app_name", "user_id", "session_id", "new_message"}
    if set(body) != expected:
        return f"body keys must be exactly {sorted(expected)}"
    if body["app_name"] != "nemo_agent" or body["user_id"] != "me":
        return "app_name must be nemo_agent and user_id me"
    if not isinstance(body["session_id"], str) or not body["session_id"]:
        return "session_id must be a string"
    message = body["new_message"]
    if not isinstance(message, dict) or set(message) - {"parts", "role"}:
        return "new_message must be {parts: [...]}"
    parts = message.get("parts")
    if (
        not isinstance(parts, list)
        or not parts
        or not isinstance(parts[0], dict)
        or not isinstance(parts[0].get("text"), str)
        or not parts[0]["text"].strip()
    ):
        return "new_message.parts[0].text must be a non-empty string"
    return None


async def _finish_unheard(steps: list[Step], session: FakeSession) -> None:
    """The rest of a turn whose client went away: the time it takes passes, its draft edits are made."""
    for step in steps:
        if isinstance(step, Beat):
            await asyncio.sleep(step.count * step.interval)
        elif isinstance(step, Pause):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, Cut):
            return
        elif isinstance(step, EditDraft):
            _StreamWriter.apply_edit(step, session)


class _StreamWriter:
    """Writes turn steps as SSE in the simple or the ADK shape."""

    def __init__(self, response: web.StreamResponse, shape: Shape) -> None:
        self._response = response
        self._shape = shape
        self._invocation = f"e-{secrets.token_hex(8)}"

    async def _data(self, obj: Any) -> None:
        await self._response.write(f"data: {json.dumps(obj, ensure_ascii=False)}\n\n".encode())

    def _adk(self, parts: list[dict[str, Any]], *, role: str = "model", partial: bool = False) -> dict[str, Any]:
        event: dict[str, Any] = {
            "content": {"parts": parts, "role": role},
            "invocationId": self._invocation,
            "author": "nemo_agent",
            "actions": {
                "stateDelta": {},
                "artifactDelta": {},
                "requestedAuthConfigs": {},
                "requestedToolConfirmations": {},
            },
            "nodeInfo": {"path": ""},
            "id": secrets.token_hex(8),
            "timestamp": time.time(),
        }
        if partial:
            event["partial"] = True
        return event

    @staticmethod
    def apply_edit(step: EditDraft, session: FakeSession) -> None:
        if step.draft is None:
            session.draft = default_draft(session)
        elif callable(step.draft):
            session.draft = step.draft(session)
        else:
            session.draft = step.draft

    async def step(self, step: Step, session: FakeSession) -> None:
        adk = self._shape == "adk"
        if isinstance(step, Say):
            if adk and step.partial_chunks > 1:
                size = max(1, -(-len(step.text) // step.partial_chunks))
                for start in range(0, len(step.text), size):
                    await self._data(self._adk([{"text": step.text[start : start + size]}], partial=True))
            await self._data(self._adk([{"text": step.text}]) if adk else {"type": "text", "content": step.text})
        elif isinstance(step, CallTool):
            call_id = f"call_{secrets.token_hex(4)}"
            if adk:
                await self._data(self._adk([{"functionCall": {"id": call_id, "name": step.name, "args": step.args}}]))
                await self._data(
                    self._adk(
                        [{"functionResponse": {"id": call_id, "name": step.name, "response": step.result}}], role="user"
                    )
                )
            else:
                await self._data({"type": "tool_call", "name": step.name, "args": step.args})
                await self._data({"type": "tool_result", "name": step.name, "result": step.result})
        elif isinstance(step, EditDraft):
            self.apply_edit(step, session)
        elif isinstance(step, Beat):
            for index in range(step.count):
                if index or step.interval:
                    await asyncio.sleep(step.interval)
                if step.style == "comment":
                    await self._response.write(b": keep-alive\n\n")
                elif step.style == "empty" or adk:
                    await self._response.write(b"data:\n\n")
                else:
                    await self._data({"type": "heartbeat"})
        elif isinstance(step, Pause):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, ErrorEvent):
            await self._data({"error": step.message})
        elif isinstance(step, Raw):
            await self._response.write(step.text.encode())
