"""The NemoVideo cloud's HTTP answers → results, retries or typed errors: the table of nemo-api.md in code.

Kept apart from the engine so the whole error policy reads in one screen: `AnswerPolicy.classify` turns a
status and body into the JSON body, a `Retry` (curable once: new token, new session, new client id, wait
after 429) or the typed `EngineError`. Details are fixed sentences and log lines carry method, path and
status/code only: no token, no response body.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Literal

from bot.engines.base import (
    EngineUnavailable,
    ExportBlocked,
    FileTooLarge,
    OutOfCredits,
    UnsupportedFile,
)
from bot.engines.nemo import models

log = logging.getLogger(__name__)

TOKEN_MARGIN = timedelta(minutes=5)  # renew a little before expiry rather than eat a 1001
KNOWN_CODES = frozenset({1001, 1002, 2001, 4001, 4002})

Recovery = Literal["token", "session", "client_id", "rate_limit"]


@dataclass(frozen=True, slots=True)
class Creds:
    """What a request needs from the chat's row; the token never appears in repr."""

    client_id: str
    token: str | None = field(repr=False)
    user_id: str | None
    session_id: str | None
    task_id: str | None


@dataclass(slots=True)
class Req:
    """One HTTP request, rebuilt for every attempt (a retry may carry a new token or session id)."""

    method: str
    path: str
    json: Any = None
    files: dict[str, tuple[str, IO[bytes], str]] | None = None
    auth: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    anonymous_token: bool = False  # the call that issues tokens (no bearer; 1001 cannot be cured)
    creates_session: bool = False  # the call that creates sessions (1002 cannot be cured)
    render: bool = False  # render endpoints: `{"success", "data"}` answers, 402 = export blocked
    closers: list[IO[bytes]] = field(default_factory=list)


class Retry(Exception):
    """Internal: the answer can be cured by the engine and the request tried again."""

    def __init__(self, kind: Recovery) -> None:
        super().__init__(kind)
        self.kind = kind


class AnswerPolicy:
    """Reads answers for one engine configuration (web url for links, fixed token or anonymous tokens)."""

    def __init__(self, web_url: str, *, fixed_token: bool) -> None:
        self._web = web_url
        self._fixed_token = fixed_token

    def classify(self, req: Req, status: int, content: bytes, creds: Creds) -> dict[str, Any]:
        """An answer → its JSON body, a `Retry`, or the typed error of nemo-api.md's table."""
        where = f"{req.method} {req.path}"
        if status == 429:
            log.warning("nemo: %s -> HTTP 429", where)
            raise Retry("rate_limit")
        if status >= 500:
            log.warning("nemo: %s -> HTTP %s", where, status)
            raise EngineUnavailable("the video service is having trouble right now")
        try:
            body: Any = json.loads(content) if content else None
        except (ValueError, RecursionError):
            body = None
            if 200 <= status < 300:
                log.warning("nemo: %s -> HTTP %s with an unreadable body", where, status)
                raise EngineUnavailable("the video service sent an unreadable answer") from None
        code = models.envelope_code(body)
        if code in KNOWN_CODES:  # the code says more than the HTTP status (e.g. 2001 sent with HTTP 402)
            log.warning("nemo: %s -> HTTP %s code %s", where, status, code)
            self.raise_for_code(req, code, creds)
        if status == 402:
            log.warning("nemo: %s -> HTTP 402", where)
            raise ExportBlocked(
                "the free plan does not allow export; registering unlocks it",
                register_url=self.register_url(creds.user_id) or f"{self._web}/register",
            )
        if status == 400 and (req.anonymous_token or "client" in models.envelope_message(body).lower()):
            log.warning("nemo: %s -> HTTP 400 (client id)", where)
            raise Retry("client_id")
        if status == 401:
            log.warning("nemo: %s -> HTTP 401", where)
            self.raise_for_code(req, 1001, creds)
        if not 200 <= status < 300:
            log.warning("nemo: %s -> HTTP %s", where, status)
            raise EngineUnavailable(f"the video service refused the request (HTTP {status})")
        if not isinstance(body, dict):
            log.warning("nemo: %s -> HTTP %s with an unexpected body", where, status)
            raise EngineUnavailable("the video service sent an unexpected answer")
        if code not in (None, 0):
            log.warning("nemo: %s -> HTTP %s code %s", where, status, code)
            self.raise_for_code(req, code, creds)
        if req.render and body.get("success") is False:
            log.warning("nemo: %s -> success false", where)
            raise EngineUnavailable("the video service refused the render request")
        return body

    def raise_for_code(self, req: Req, code: int, creds: Creds) -> None:
        if code == 1001:
            if self._fixed_token:
                raise EngineUnavailable("the configured NEMO_TOKEN was refused by the video service")
            if req.anonymous_token:
                raise EngineUnavailable("the video service refused to sign in")
            raise Retry("token")
        if code == 1002:
            if req.creates_session:
                raise EngineUnavailable("the video service could not create a session")
            raise Retry("session")
        if code == 2001:
            raise OutOfCredits(
                "out of credits", register_url=self.register_url(creds.user_id), top_up_url=self._web
            )
        if code == 4001:
            raise UnsupportedFile(
                "the video service does not accept this file type", accepted=models.ACCEPTED_FORMATS
            )
        if code == 4002:
            raise FileTooLarge(
                f"the file is larger than {models.UPLOAD_LIMIT_MB} MB", limit_mb=models.UPLOAD_LIMIT_MB
            )
        raise EngineUnavailable(f"the video service answered with error code {code}")

    def register_url(self, user_id: str | None) -> str | None:
        if user_id and user_id.startswith("anon_"):
            return f"{self._web}/register?bind={user_id}"
        return None


def token_expired(expires_at: str | None) -> bool:
    """True when the stored expiry is past (with a margin); an unreadable expiry is left to 1001."""
    if not expires_at:
        return False
    try:
        when = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return datetime.now(UTC) >= when - TOKEN_MARGIN
