"""The NemoVideo cloud engine: credentials, sessions, uploads, the SSE turn, state, credits and renders.

Built to `nemo-api.md`. One `httpx.AsyncClient` serves every chat. Per chat the store's cloud account
(`store.accounts`) keeps a client id (uuid4, kept so a renewed anonymous token stays on the same account),
the anonymous token with its user id and expiry (unless `NEMO_TOKEN` gives one account token for all
chats), and the session / task ids.

Every call goes through one retry policy (`_call` / `_recover` here; reading answers is
`http.AnswerPolicy`, parsing bodies `models`, the stream `stream`): code 1001 → new anonymous token,
1002 → new session (refilled with the chat's files), HTTP 400 about the client id → new client id,
HTTP 429 → wait and retry; each at most once per call. The stream uses the same policy only until the
stream has started: after that a failure is `StreamBroken` and the message is never sent again (it may
already be charged).

The service writes as if the user sat in its web editor; `send` translates every text (`gui`) before it
leaves the engine, so what it yields can be shown as it is.

Secrets: tokens live only in headers; log lines carry method, path and status/code; exception details are
fixed sentences. Raw response bodies are never logged nor put into an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import mimetypes
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, aclosing
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
from httpx_sse import aconnect_sse

from bot import timeline
from bot.config import Settings
from bot.engines.base import (
    Connection,
    Credits,
    EngineError,
    EngineUnavailable,
    ExportBlocked,
    FileTooLarge,
    MediaFile,
    MediaKind,
    RateLimited,
    Readiness,
    RenderStatus,
    Said,
    Stepped,
    StreamEvent,
    Text,
    UnsupportedFile,
    Uploaded,
    VideoGone,
)
from bot.engines.nemo import gui, models
from bot.engines.nemo.http import AnswerPolicy, Creds, Recovery, Req, Retry, token_expired
from bot.engines.nemo.stream import peek, read_events
from bot.filenames import safe_name
from bot.language import _, join
from bot.locks import KeyedLocks
from bot.media import MediaFolder
from bot.store import Store

log = logging.getLogger(__name__)

SKILL_SOURCE = "image-to-video-tiktok"
APP_NAME = "nemo_agent"
_HEIC_SUFFIXES = (".heic", ".heif")

Ensure = Literal["none", "token", "session"]
# A stream holds its connection for the whole turn (minutes), one per busy chat, so streams get a pool of
# their own: in one shared pool (httpx's default cap of 100) the 101st chat's stream, and every /credits
# or upload behind it, waited for another chat's turn to end; with the cap raised, every quick call paid
# for httpcore scanning all the open streams on each request (bench/load.py: 200 chats streaming).
# Quick calls must not queue behind a burst of uploads (200 albums at once), so the cap is high; few idle
# connections are kept, since httpcore compares each idle one with every other on each request.
API_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=20)
STREAM_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=0)  # the cap guards descriptors
T = TypeVar("T")


class NemoEngine:
    """The cloud engine (name "nemo"); see the module docstring for the policies."""

    name = "nemo"
    runs_here = False  # a paid service elsewhere: when it fails, the local engine is the way out
    poll_seconds = None  # nemo-api.md: poll every 30 s (RENDER_POLL_SECONDS)
    max_photos = None

    def __init__(
        self, settings: Settings, store: Store, *, transport: httpx.AsyncBaseTransport | None = None,
        media: MediaFolder | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._media = media or MediaFolder(settings.media_dir)  # kept files, fetched from other machines
        self._base = settings.nemo_api_url.rstrip("/")
        self._web = settings.nemo_web_url.rstrip("/")
        self._fixed_token = settings.nemo_token.get_secret_value().strip() if settings.nemo_token else None
        self._client = self._http_client(transport, API_LIMITS)
        self._streams = self._http_client(transport, STREAM_LIMITS)
        self._lock = KeyedLocks()
        self._history_lock = KeyedLocks()
        self._seen: dict[int, dict[str, Any] | None] = {}  # chat -> the session's draft as last read
        self._refilling: set[int] = set()
        self._policy = AnswerPolicy(self._web, fixed_token=self._fixed_token is not None)

    # ================================================================ credentials and sessions

    async def readiness(self, chat_id: int) -> Readiness:
        """From the kept account only: no token of its own (and no NEMO_TOKEN) is SIGNED_OUT, a session is
        READY, a token without a session SIGNED_IN. An expired token still counts: renewing it keeps the
        account, so nothing new is made."""
        account = await self._store.accounts.get(chat_id)
        if self._fixed_token is None and not account.token:
            return Readiness.SIGNED_OUT
        if account.session_id:
            return Readiness.READY
        return Readiness.SIGNED_IN

    async def connect(self, chat_id: int) -> Connection:
        """Make sure the chat has a client id, a live token and a session; `new` when any was created."""
        return Connection(new=await self._ensure(chat_id, "session"))

    async def _ensure(self, chat_id: int, level: Ensure) -> bool:
        """Set up what `level` needs; True when something was created. Inner set-up calls use "none"."""
        if level == "none":
            await self._client_id(chat_id)
            return False
        created = False
        async with self._lock(chat_id):
            account = await self._store.accounts.get(chat_id)
            if not account.client_id:
                await self._client_id(chat_id)
            if self._fixed_token is None and (not account.token or token_expired(account.token_expires_at)):
                await self._new_token(chat_id)
                created = True
            if level == "session" and not account.session_id:
                await self._new_session(chat_id)
                created = True
        return created

    async def _client_id(self, chat_id: int, *, renew: bool = False) -> str:
        account = await self._store.accounts.get(chat_id)
        if account.client_id and not renew:
            return account.client_id
        client_id = str(uuid.uuid4())
        await self._store.accounts.update(chat_id, client_id=client_id)
        return client_id

    async def _creds(self, chat_id: int) -> Creds:
        account = await self._store.accounts.get(chat_id)
        return Creds(
            client_id=account.client_id or await self._client_id(chat_id),
            token=self._fixed_token or account.token,
            user_id=account.user_id,
            session_id=account.session_id,
            task_id=account.task_id,
        )

    async def _new_token(self, chat_id: int) -> None:
        """Ask for an anonymous token with the chat's (kept) client id."""

        def build(creds: Creds) -> Req:
            return Req("POST", "/api/auth/anonymous-token", auth=False, anonymous_token=True)

        body = await self._call(chat_id, build, ensure="none")
        data = models.parse(models.TokenData, body.get("data"), "sign-in")
        fields: dict[str, str | None] = {"token": data.token, "token_expires_at": data.expires_at}
        if data.user_id:
            fields["user_id"] = data.user_id
        await self._store.accounts.update(chat_id, **fields)
        log.info("nemo: chat %s got an anonymous token", chat_id)

    async def _new_session(self, chat_id: int) -> None:
        # The language the conversation speaks to the chat in (decided, and stored, before any engine call).
        language = (await self._store.chats.get(chat_id)).language or ""

        def build(creds: Creds) -> Req:
            return Req(
                "POST", f"/api/tasks/me/with-session/{APP_NAME}", creates_session=True,
                json={"task_name": "project", "language": language},
            )

        body = await self._call(chat_id, build, ensure="none")
        data = models.parse(models.SessionData, body.get("data"), "session")
        fields: dict[str, str | None] = {"session_id": data.session_id, "task_id": data.task_id}
        if data.user_id:
            fields["user_id"] = data.user_id
        await self._store.accounts.update(chat_id, **fields)
        log.info("nemo: chat %s has a new session %s", chat_id, data.session_id)

    # ================================================================ the retry policy

    async def _call(
        self, chat_id: int, build: Callable[[Creds], Req], *, ensure: Ensure = "session"
    ) -> dict[str, Any]:
        """Send a request built from the chat's credentials, curing each recoverable error at most once."""
        await self._ensure(chat_id, ensure)
        done: set[Recovery] = set()
        while True:
            creds = await self._creds(chat_id)
            req = build(creds)
            try:
                response = await self._exchange(req, creds)
                return self._policy.classify(req, response.status_code, response.content, creds)
            except Retry as retry:
                await self._recover(chat_id, retry.kind, done)

    async def _exchange(self, req: Req, creds: Creds) -> httpx.Response:
        """One HTTP round trip; transport failures become EngineUnavailable."""
        try:
            response = await self._client.request(
                req.method, req.path, json=req.json, files=req.files, headers=self._headers(req, creds)
            )
        except httpx.TimeoutException:
            log.warning("nemo: %s %s timed out", req.method, req.path)
            raise EngineUnavailable("the video service did not answer in time") from None
        except httpx.HTTPError as exc:
            log.warning("nemo: %s %s failed: %s", req.method, req.path, type(exc).__name__)
            raise EngineUnavailable("the video service could not be reached") from None
        finally:
            for handle in req.closers:
                handle.close()
        log.debug("nemo: %s %s -> HTTP %s", req.method, req.path, response.status_code)
        return response

    def _headers(self, req: Req, creds: Creds, *, own_host: bool = True) -> dict[str, str]:
        """The chat's credentials for a request to the API: the client id with every call (an endpoint that
        wants it answers 400 without it), the bearer token unless `req.auth` is off. Another host (a CDN)
        gets neither: the client id can ask for the chat's token again, so it is as secret as the token."""
        headers = dict(req.headers)
        if own_host:
            headers["X-Client-Id"] = creds.client_id
            if req.auth and creds.token:
                headers["Authorization"] = f"Bearer {creds.token}"
        return headers

    async def _recover(self, chat_id: int, kind: Recovery, done: set[Recovery]) -> None:
        """Cure one recoverable error, or raise the final error if it was already tried once."""
        if kind in done:
            if kind == "rate_limit":
                raise RateLimited("the video service is busy; try again in a minute")
            if kind == "token":
                raise EngineUnavailable("the video service keeps refusing the sign-in")
            if kind == "session":
                raise EngineUnavailable("the video service keeps losing the session")
            raise EngineUnavailable("the video service keeps refusing the client id")
        done.add(kind)
        if kind == "rate_limit":
            await asyncio.sleep(self._settings.rate_limit_wait_seconds)
        elif kind == "token":
            await self._store.accounts.update(chat_id, token=None, token_expires_at=None)
            await self._new_token(chat_id)
        elif kind == "session":
            await self._store.accounts.update(chat_id, session_id=None, task_id=None)
            await self._new_session(chat_id)
            await self._refill_new_session(chat_id)
        else:
            await self._client_id(chat_id, renew=True)

    # ================================================================ uploads

    async def _refill_new_session(self, chat_id: int) -> None:
        """A lost session (1002) took the chat's files with it: upload the kept copies into the new one, so
        the user's photos do not silently drop out of the video.

        This is the engine's to do, not the core's: it runs inside the retry policy, between making the new
        session and retrying the call that met 1002. The core only hears of that call once the retry is over,
        when the retried call has already gone into an empty session. Not re-entered if the refill loses the
        session too."""
        if chat_id in self._refilling:
            return
        self._refilling.add(chat_id)
        try:
            for row in await self._store.uploads.for_chat(chat_id):
                if row.engine != self.name or row.status != "uploaded" or not row.local_path:
                    continue
                media = MediaFile(Path(row.local_path), row.filename, MediaKind(row.kind), row.size)
                try:
                    uploaded = await self.upload(chat_id, media)
                except (EngineError, OSError) as exc:  # a refused or since-deleted file: the rest still go
                    log.info("nemo: chat %s: upload %s not refilled: %s", chat_id, row.id, type(exc).__name__)
                    continue
                await self._store.uploads.update(row.id, engine_ref=uploaded.ref)
        finally:
            self._refilling.discard(chat_id)

    async def upload(self, chat_id: int, media: MediaFile) -> Uploaded:
        """Upload one file as a streamed multipart `files` part; HEIC refused with 4001 → JPEG, once."""
        media = dataclasses.replace(media, path=await self._media.fetch(media.path))  # kept on another machine?
        size = media.path.stat().st_size
        if size > models.UPLOAD_LIMIT_MB * 1024 * 1024:
            raise FileTooLarge(
                f"the file is larger than {models.UPLOAD_LIMIT_MB} MB", limit_mb=models.UPLOAD_LIMIT_MB
            )
        try:
            return await self._upload_file(chat_id, media, media.path, _wire_name(media.filename))
        except UnsupportedFile:
            if media.path.suffix.lower() not in _HEIC_SUFFIXES and not media.filename.lower().endswith(
                _HEIC_SUFFIXES
            ):
                raise
        with tempfile.TemporaryDirectory(prefix="reelbot-heic-") as tmp:
            jpeg = Path(tmp) / (Path(safe_name(media.filename)).stem + ".jpg")
            try:
                await asyncio.to_thread(_heic_to_jpeg, media.path, jpeg)
            except Exception:
                log.warning("nemo: could not convert a HEIC file for chat %s", chat_id)
                raise UnsupportedFile(
                    _("“{name}” is a HEIC photo I couldn't convert; send it as a JPG instead.").format(
                        name=media.filename),
                    accepted=models.ACCEPTED_FORMATS,
                ) from None
            return await self._upload_file(chat_id, media, jpeg, jpeg.name)

    async def _upload_file(self, chat_id: int, media: MediaFile, path: Path, filename: str) -> Uploaded:
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"

        def build(creds: Creds) -> Req:
            handle = path.open("rb")  # httpx reads it in chunks: the file is never whole in memory
            return Req(
                "POST", f"/api/upload-video/{APP_NAME}/me/{creds.session_id}",
                files={"files": (filename, handle, mime)}, closers=[handle],
            )

        body = await self._call(chat_id, build)
        data = models.parse(models.UploadData, body.get("data"), "upload")
        if not data.files:
            raise EngineUnavailable("the video service accepted the upload but listed no file")
        first = data.files[0]
        return Uploaded(
            filename=first.filename or filename,
            kind=media.kind,
            ref=first.cdn_url,
            width=first.width if first.width is not None else media.width,
            height=first.height if first.height is not None else media.height,
            duration=first.duration,
        )

    # ================================================================ the turn

    async def send(self, chat_id: int, text: str) -> AsyncIterator[StreamEvent]:
        """Run one instruction; yields what to show until the server closes the stream.

        The service's texts are written for its web editor: each goes through `gui.translate`, and only what
        is left is yielded. What the removed sentences pointed at (the timeline, /export, /credits) is
        gathered over the whole answer and, once the stream has closed normally, yielded as one closing
        message: the timeline summary first, then the hints. A broken stream raises StreamBroken before
        any closing message. Tool activity, heartbeats and previews pass through as they are.
        """
        show_timeline = False
        hints: list[Said] = []
        known = chat_id in self._seen  # the chat's draft was read before this turn (the core always does)
        before = self._seen.get(chat_id)
        opened = False
        async with aclosing(self._turn(chat_id, text)) as events:
            async for event in events:
                if not opened and known:  # the instruction reached the service: it may change the timeline
                    opened = True
                    await self._store.history.record(chat_id, self.name, kind="instruction", what=text,
                                                     before=before, after=None)
                if not isinstance(event, Text):
                    yield event
                    continue
                translated = gui.translate(event.text)
                show_timeline = show_timeline or translated.show_timeline
                hints += [hint for hint in translated.hints if hint not in hints]
                if translated.text:
                    yield Text(translated.text)
        closing: list[Said] = [timeline.summary(await self.draft(chat_id))] if show_timeline else []
        closing += hints
        if closing:
            yield Text(join(closing))

    async def _turn(self, chat_id: int, text: str) -> AsyncIterator[StreamEvent]:
        """Run one instruction over `/run_sse`; yields the service's own events until it closes the stream.

        Errors before the stream starts (401/1001, 1002, 429, 2001, ...) go through the retry policy:
        nothing was charged. Once the stream is open, any failure is StreamBroken and nothing is re-sent.
        """
        await self._ensure(chat_id, "session")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.stream_timeout_seconds
        done: set[Recovery] = set()
        while True:
            creds = await self._creds(chat_id)
            req = Req(
                "POST", "/run_sse",
                json={
                    "app_name": APP_NAME,
                    "user_id": "me",
                    "session_id": creds.session_id,
                    "new_message": {"parts": [{"text": text}]},
                },
            )
            retry: Recovery | None = None
            try:
                async with _started_within(self._settings.http_timeout_seconds, aconnect_sse(
                    self._streams, "POST", req.path, json=req.json, headers=self._headers(req, creds),
                    timeout=httpx.Timeout(self._settings.http_timeout_seconds, read=None),
                )) as source:
                    response = source.response
                    content_type = response.headers.get("content-type", "")
                    if response.status_code != 200 or "text/event-stream" not in content_type:
                        content = await peek(response)
                        try:
                            self._policy.classify(req, response.status_code, content, creds)
                        except Retry as exc:
                            retry = exc.kind
                        else:
                            log.warning("nemo: /run_sse answered without a stream")
                            raise EngineUnavailable("the video service did not start an answer")
                    else:
                        log.debug("nemo: chat %s stream started", chat_id)
                        async for event in read_events(source, deadline):
                            yield event
                        log.debug("nemo: chat %s stream closed", chat_id)
                        return
            except httpx.TimeoutException:
                raise EngineUnavailable("the video service did not answer in time") from None
            except httpx.HTTPError as exc:
                log.warning("nemo: POST /run_sse failed before the stream: %s", type(exc).__name__)
                raise EngineUnavailable("the video service could not be reached") from None
            assert retry is not None
            await self._recover(chat_id, retry, done)

    # ================================================================ state and credits

    async def draft(self, chat_id: int) -> dict[str, Any] | None:
        """The timeline the chat works on: the session's own, unless /undo restored an earlier one the bot
        kept (the service has no way to set its draft back; see `undo`). The session's own is read either way:
        it is the base the next instruction's step is recorded from."""
        own = await self._cloud_draft(chat_id)
        restored = await self._store.history.first_undone(chat_id, self.name)
        return restored.before if restored is not None else own

    async def _cloud_draft(self, chat_id: int) -> dict[str, Any] | None:
        """The draft in the session's latest state (data.state.draft), None when there is none yet."""
        body = await self._call(
            chat_id, lambda c: Req("GET", f"/api/state/{APP_NAME}/me/{c.session_id}/latest")
        )
        data = body.get("data")
        state = data.get("state") if isinstance(data, dict) else None
        draft = state.get("draft") if isinstance(state, dict) else None
        draft = draft if isinstance(draft, dict) else None
        self._seen[chat_id] = draft  # the base of the next instruction's step in the history
        return draft

    # ================================================================ history

    async def undo(self, chat_id: int) -> Stepped | None:
        """The service's editor cannot be set back through its API (its state is read-only to clients), but a
        render takes any draft: the bot keeps the drafts it saw, and from now on shows and exports the one from
        before the last change, until the next instruction (which the service applies to its own timeline).
        `restored` is False: the cloud editor itself still has the change. A step that changed nothing (an
        answer without an edit) is passed over."""
        async with self._history_lock(chat_id):
            while (step := await self._store.history.last_done(chat_id, self.name)) is not None:
                after = step.after
                if after is None:  # the service's edit: what it made is what came after it
                    later = await self._store.history.first_undone(chat_id, self.name)
                    after = later.before if later is not None else await self._cloud_draft(chat_id)
                await self._store.history.mark(step.id, undone=True, after=after)
                if after != step.before:
                    return Stepped(step.kind, step.what, before=after, after=step.before, restored=False)
        return None

    async def redo(self, chat_id: int) -> Stepped | None:
        """Step forward again over the kept drafts; once nothing is undone, the session's own timeline is the
        chat's again (`restored`: the bot and the cloud editor agree)."""
        async with self._history_lock(chat_id):
            step = await self._store.history.first_undone(chat_id, self.name)
            if step is None:
                return None
            await self._store.history.mark(step.id, undone=False)
            caught_up = await self._store.history.first_undone(chat_id, self.name) is None
        return Stepped(step.kind, step.what, before=step.before, after=step.after, restored=caught_up)

    async def start_over(self, chat_id: int) -> None:
        """A new session (the service's project; the old one stays in the account) with an empty timeline. A
        chat that never had a session gets none now: its first request makes one, as before."""
        had_session = (await self._store.accounts.get(chat_id)).session_id is not None
        await self._store.accounts.update(chat_id, session_id=None, task_id=None)
        await self._store.history.forget(chat_id, self.name)
        self._seen.pop(chat_id, None)
        if had_session:
            await self._ensure(chat_id, "session")

    async def credits(self, chat_id: int) -> Credits | None:
        body = await self._call(chat_id, lambda c: Req("GET", "/api/credits/balance/simple"), ensure="token")
        return models.parse(models.CreditsData, body.get("data"), "credits").to_credits()

    # ================================================================ renders

    def new_job_id(self) -> str:
        return f"render_{uuid.uuid4().hex}"

    async def start_render(
        self, chat_id: int, draft: dict[str, Any], *, job_id: str | None = None, preview: bool = False
    ) -> str:
        """Submit a render under `job_id` (the caller has recorded it: the id is the only handle on the job).

        A retry inside this call (new token, 429) re-sends the same id: the first attempt was refused, so no
        job exists under it. `preview` is ignored: the cloud renders one quality, and export is free.
        """
        render_id = job_id or self.new_job_id()

        def build(creds: Creds) -> Req:
            return Req(
                "POST", "/api/render/proxy/lambda", render=True,
                json={
                    "id": render_id,
                    "sessionId": creds.session_id,
                    "draft": draft,
                    "output": {"format": "mp4", "quality": "high", "resolution": "1080p"},
                },
            )

        body = await self._call(chat_id, build)
        confirmed = models.render_id_from(body, render_id)
        log.info("nemo: chat %s render %s submitted", chat_id, confirmed)
        return confirmed

    async def render_status(self, chat_id: int, job_id: str) -> RenderStatus:
        body = await self._call(
            chat_id, lambda c: Req("GET", f"/api/render/proxy/lambda/{job_id}", render=True), ensure="token"
        )
        return models.parse_render_status(body)

    async def download(self, chat_id: int, job_id: str, status: RenderStatus, dest: Path) -> Path:
        """Stream the MP4 to `dest` (through `dest.part`, renamed when complete): from the URL the status
        gave, and if that fails, from the API's own download endpoint (nemo-api.md's fallback)."""
        await self._ensure(chat_id, "token")
        creds = await self._creds(chat_id)
        fallback = f"{self._base}/api/render/proxy/{job_id}/download"
        urls = [status.url, fallback] if status.url and status.url != fallback else [fallback]
        dest.parent.mkdir(parents=True, exist_ok=True)
        for url in urls[:-1]:
            try:
                return await self._fetch(url, dest, creds)
            except (EngineUnavailable, VideoGone):
                log.info("nemo: render %s: trying the download endpoint instead", job_id)
        return await self._fetch(urls[-1], dest, creds)

    async def _fetch(self, url: str, dest: Path, creds: Creds) -> Path:
        """One download attempt. The bearer token goes only to the API's own host, never to a CDN."""
        own_host = httpx.URL(url).host == httpx.URL(self._base).host
        headers = self._headers(Req("GET", url), creds, own_host=own_host)
        part = dest.with_name(dest.name + ".part")
        safe_path = httpx.URL(url).path
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 404:
                    log.warning("nemo: download %s -> HTTP 404", safe_path)
                    raise VideoGone("the rendered video is no longer available on the video service")
                if response.status_code == 402:
                    raise ExportBlocked(
                        "the free plan does not allow export; registering unlocks it",
                        register_url=self._policy.register_url(creds.user_id) or f"{self._web}/register",
                    )
                if response.status_code != 200:
                    log.warning("nemo: download %s -> HTTP %s", safe_path, response.status_code)
                    raise EngineUnavailable(f"the rendered video could not be fetched (HTTP {response.status_code})")
                with part.open("wb") as out:
                    async for chunk in response.aiter_bytes():
                        out.write(chunk)
        except httpx.HTTPError as exc:
            part.unlink(missing_ok=True)
            log.warning("nemo: download %s failed: %s", safe_path, type(exc).__name__)
            raise EngineUnavailable("the rendered video could not be fetched") from None
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        part.replace(dest)
        return dest

    async def cancel_render(self, chat_id: int, job_id: str) -> None:
        """Best effort: a failed cancel only leaves a job the service will finish on its own."""
        try:
            await self._call(
                chat_id, lambda c: Req("POST", f"/api/render/proxy/lambda/{job_id}/cancel", render=True),
                ensure="token",
            )
        except EngineError:
            log.info("nemo: cancel of render %s failed (ignored)", job_id)

    # ================================================================ the rest

    async def moved(self, old: int, new: int) -> None:
        """The account, session and history are in the store; only the draft last read follows here."""
        if old in self._seen:
            self._seen[new] = self._seen.pop(old)

    async def claim_link(self, chat_id: int) -> str | None:
        """A link that opens this chat's project in the web editor."""

        def build(creds: Creds) -> Req:
            return Req(
                "POST", "/api/auth/claim-token", json={"task_id": creds.task_id, "session_id": creds.session_id}
            )

        body = await self._call(chat_id, build)
        data = body.get("data")
        token = data.get("claim_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            return None
        return f"{self._web}/workspace/claim?ct={token}"

    def _http_client(self, transport: httpx.AsyncBaseTransport | None, limits: httpx.Limits) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self._base,
            transport=transport,
            timeout=httpx.Timeout(self._settings.http_timeout_seconds),
            headers={
                "X-Skill-Source": SKILL_SOURCE,
                "X-Skill-Version": self._settings.nemo_skill_version,
                "X-Skill-Platform": self._settings.nemo_skill_platform,
            },
            follow_redirects=True,
            limits=limits,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._streams.aclose()


# ==================================================================== helpers


@contextlib.asynccontextmanager
async def _started_within(seconds: float, connecting: AbstractAsyncContextManager[T]) -> AsyncIterator[T]:
    """Open a streamed answer, but only wait `seconds` for it to start. The stream itself is read without
    a timeout (it may be quiet for minutes between events; STREAM_TIMEOUT_SECONDS bounds the turn), so
    without this a server that never sends its headers would hold the chat's turn forever."""
    async with contextlib.AsyncExitStack() as stack:
        try:
            async with asyncio.timeout(seconds):
                opened = await stack.enter_async_context(connecting)
        except TimeoutError:
            log.warning("nemo: POST /run_sse: no answer within %s s", seconds)
            raise httpx.ReadTimeout("the stream did not start in time") from None
        yield opened


def _wire_name(filename: str) -> str:
    """The name a file is uploaded under: a safe base name of the one it was sent under (never a path, a
    control character or 300 characters of it), with the extension the service knows the format by
    (nemo-api.md lists "jpg"), so "IMG_1.JPEG" goes as "IMG_1.jpg"."""
    stem, dot, suffix = safe_name(filename).rpartition(".")
    if dot and suffix.lower() in ("jpeg", "jpe"):
        return f"{stem}.jpg"
    return f"{stem}{dot}{suffix}"


def _heic_to_jpeg(source: Path, dest: Path) -> None:
    """Convert a HEIC/HEIF photo to JPEG (blocking; run in a thread)."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    with Image.open(source) as image:
        image.convert("RGB").save(dest, "JPEG", quality=92)


# .heic is not in every mimetypes table.
mimetypes.add_type("image/heic", ".heic")
mimetypes.add_type("image/heif", ".heif")
