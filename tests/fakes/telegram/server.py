"""The HTTP side: an aiohttp server on loopback answering like api.telegram.org.

``<api_url>/bot<token>/<method>`` calls a Bot API method (`methods.BotApi`) and
``<api_url>/file/bot<token>/<file_path>`` downloads a file. Every request is recorded as a `RequestRecord`.

A client that goes away is never an error of the fake. The bot under test is killed with SIGKILL, stops
polling, or gives up on a request: its connection drops while the fake reads the request, works on it, holds
a long poll, or writes the answer. aiohttp then cancels the handler (``handler_cancellation``), or reading or
writing fails with a connection error. Such a request is recorded with ``client_gone`` (and no status when
no answer was made), nothing is written to it, and ``internal_errors`` is left to real bugs: an exception
raised while the client is still there to see the 500.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from aiohttp import web

from tests.fakes.telegram.errors import ApiError, NotModelled, RawAnswer
from tests.fakes.telegram.failures import Failures
from tests.fakes.telegram.limits import LOCAL_FILE_LIMIT, MULTIPART_SLACK, TOKEN_RE
from tests.fakes.telegram.methods import BotApi, Handler
from tests.fakes.telegram.params import Params, parse_params
from tests.fakes.telegram.records import RequestRecord
from tests.fakes.telegram.state import State

_METHOD_PATH = re.compile(r"/bot([^/]*)/([^/]*)/?")
_FILE_PATH = re.compile(r"/file/bot([^/]*)/(.+)")


class _ClientGone(Exception):
    """The client hung up before its request could be read."""


def _client_gone(request: web.BaseRequest) -> bool:
    """True once the client's connection is closed or closing."""
    transport = request.transport
    return transport is None or transport.is_closing()


class BotApiServer:
    """Serves the Bot API of a `State` over HTTP; see the module docstring."""

    def __init__(self, state: State, api: BotApi, failures: Failures, host: str) -> None:
        self._state = state
        self._api = api
        self._failures = failures
        self.host = host
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on ``host`` at a free port."""
        # Bodies up to a local server's 2000 MB are read; `_read` refuses more than the current limit first.
        app = web.Application(client_max_size=LOCAL_FILE_LIMIT + MULTIPART_SLACK)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a request whose client hung up (a killed bot's long poll) ends right away.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Stop serving: pending long polls answer at once, then connections close."""
        self._state.closing = True
        self._state.changed.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        record = RequestRecord(
            http_method=request.method,
            path=request.path,
            query=request.query_string,
            headers=dict(request.headers),
            body=b"",
            at=time.monotonic(),
        )
        self._state.requests.append(record)
        try:
            response = await self._respond(request, record)
            if response is None or _client_gone(request):
                record.client_gone = True  # nobody to answer: aiohttp drops the response unwritten
                return response or web.Response(status=400)
            try:
                await response.prepare(request)
                await response.write_eof()
            except ConnectionError:  # the client left while the answer was being written
                record.client_gone = True
            return response
        except asyncio.CancelledError:
            # aiohttp cancels the handler when the client's connection is lost, and every handler when the
            # fake stops; neither is an answer, nor an error of the fake.
            record.client_gone = not self._state.closing
            raise
        finally:
            if record.method is None and record.status is None:  # never answered: still say what it called
                record.method = self._method_named(request.path)
            self._state.changed.notify()

    async def _respond(self, request: web.Request, record: RequestRecord) -> web.StreamResponse | None:
        """The answer to ``request`` (recorded on ``record``), or None when its client hung up unread."""
        try:
            record.body = await self._read(request)
            if request.path.startswith("/file/bot"):
                return self._download(request, record)
            record.method, handler = self._route(request.path)
            params = parse_params(
                request.query_string,
                request.headers.get("Content-Type", ""),
                record.body,
                file_limit=self._api.file_limit,
            )
            record.params = dict(params.values) | {
                name: f"<file {part.filename!r} {len(part.data)} B>"
                for name, part in params.parts.items()
                if part.filename is not None
            }
            return await self._call(record, record.method, handler, params)
        except _ClientGone:
            return None
        except ApiError as error:
            return self._error(record, error)
        except RawAnswer as raw:
            record.status = raw.status
            record.response = raw.body
            return web.Response(status=raw.status, text=raw.body, content_type=raw.content_type)
        except NotModelled as gap:
            self._state.internal_errors.append(f"{record.method}: not modelled by the fake: {gap}")
            return self._error(record, ApiError(501, f"Not Implemented: {gap}"))
        except Exception as error:
            if isinstance(error, OSError) and _client_gone(request):
                return None  # a connection error because the client left: theirs, not the fake's
            # A bug in the fake: answer 500 and keep it for the test to see.
            self._state.internal_errors.append(f"{record.method or request.path}: {error!r}")
            return self._error(record, ApiError(500, "Internal Server Error"))

    async def _read(self, request: web.Request) -> bytes:
        """The whole body; a body over the upload limit is refused before it is read, as nginx does."""
        limit = self._api.file_limit + MULTIPART_SLACK
        if request.content_length is not None and request.content_length > limit:
            raise ApiError(413, "Request Entity Too Large")
        try:
            return await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(413, "Request Entity Too Large") from None
        except Exception:
            if _client_gone(request):  # the bot died halfway through sending its request
                raise _ClientGone from None
            raise

    def _route(self, path: str) -> tuple[str, Handler]:
        """The method a path calls, after the token checks Telegram makes (404 malformed, 401 unknown)."""
        match = _METHOD_PATH.fullmatch(path)
        if not match or not TOKEN_RE.match(match.group(1)):
            raise ApiError(404, "Not Found")
        if match.group(1) not in self._state.tokens:
            raise ApiError(401, "Unauthorized")
        found = self._api.find(match.group(2))
        if found is None:
            raise ApiError(404, "Not Found")
        return found

    def _method_named(self, path: str) -> str | None:
        """The method a path names, whatever the token (for the record of a request never read)."""
        match = _METHOD_PATH.fullmatch(path)
        found = self._api.find(match.group(2)) if match else None
        return found[0] if found else ("download" if path.startswith("/file/bot") else None)

    async def _call(self, record: RequestRecord, method: str, handler: Handler, params: Params) -> web.Response:
        try:
            chat_id = params.integer("chat_id")
        except ApiError:
            chat_id = None
        self._failures.apply(method, chat_id)
        result = await handler(params)
        return self._json(record, 200, {"ok": True, "result": result})

    def _download(self, request: web.Request, record: RequestRecord) -> web.Response:
        match = _FILE_PATH.fullmatch(request.path)
        if not match or not TOKEN_RE.match(match.group(1)):
            raise ApiError(404, "Not Found")
        if match.group(1) not in self._state.tokens:
            raise ApiError(401, "Unauthorized")
        record.method = "download"
        for stored in self._state.files.values():
            if stored.file_path == match.group(2):
                record.status = 200
                record.response = f"<{len(stored.data)} bytes>"
                return web.Response(body=stored.data, content_type="application/octet-stream")
        raise ApiError(404, "Not Found")

    def _error(self, record: RequestRecord, error: ApiError) -> web.Response:
        payload: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
        if error.parameters:
            payload["parameters"] = error.parameters
        return self._json(record, error.status, payload)

    @staticmethod
    def _json(record: RequestRecord, status: int, payload: dict[str, Any]) -> web.Response:
        record.status = status
        record.response = payload
        return web.json_response(payload, status=status)
