"""The `/run_sse` stream of the NemoVideo cloud → engine stream events.

httpx-sse reads the wire (lines, fields, events); this module says what each event's data means. Two shapes
are accepted (see nemo-api.md, "The stream"):
- simple: `{"type": "text" | "tool_call" | "tool_result" | "heartbeat", ...}`;
- ADK: `{"content": {"parts": [{"text"} | {"functionCall"} | {"functionResponse"}], "role"}, "partial"?, ...}`.
`{"error": "..."}` (or ADK's `errorCode` / `errorMessage`) raises `StreamBroken(server_error=True)`.
Anything unreadable is a sign of life rather than an error: the connection closing is what ends a turn,
and a line we do not understand must not throw away an answer that may already be charged.

ADK `"partial": true` chunks are skipped: ADK always follows them with one final event holding the whole
text (and the whole function call), so showing only final events never splits a sentence (or a GUI phrase
the translation must see whole) across Telegram messages.

The only exception this module raises is `StreamBroken`, and its message never repeats stream content.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from httpx_sse import EventSource, SSEError

from bot.engines.base import Heartbeat, StreamBroken, StreamEvent, Text, ToolActivity

log = logging.getLogger(__name__)

ERROR_EVENT_DETAIL = "the video service reported an error during this turn"
CUT_DETAIL = "the answer from the video service was cut off"
ERROR_PEEK_BYTES = 64 * 1024  # how much of a non-stream answer to /run_sse is read to classify it


def parse_data(data: str) -> list[StreamEvent]:
    """One SSE event's data → events; always at least a Heartbeat (an event is a sign of life)."""
    if not data.strip():
        return [Heartbeat()]  # an empty `data:` line
    obj = _loads(data)
    if obj is not _BAD:
        return interpret(obj)
    # Several JSON objects, one per `data:` line, in one event.
    events: list[StreamEvent] = []
    for line in data.split("\n"):
        one = _loads(line) if line.strip() else _BAD
        if one is _BAD:
            continue
        events.extend(interpret(one))
    return events or [Heartbeat()]


def interpret(obj: Any) -> list[StreamEvent]:
    """One decoded JSON event → events; always at least a Heartbeat."""
    if not isinstance(obj, dict):
        return [Heartbeat()]
    if obj.get("error") or obj.get("errorCode") or obj.get("errorMessage"):
        raise StreamBroken(ERROR_EVENT_DETAIL, server_error=True)
    kind = obj.get("type")
    if isinstance(kind, str):
        return _simple(kind, obj) or [Heartbeat()]
    content = obj.get("content")
    if isinstance(content, dict) and obj.get("partial") is not True:
        return _adk(content) or [Heartbeat()]
    return [Heartbeat()]


def _simple(kind: str, obj: dict[str, Any]) -> list[StreamEvent]:
    if kind == "text":
        text = obj.get("content", obj.get("text"))
        return [Text(text)] if isinstance(text, str) and text else []
    if kind in ("tool_call", "tool_result"):
        return [ToolActivity(_name(obj.get("name")), "call" if kind == "tool_call" else "result")]
    return []  # "heartbeat" and types not known yet


def _adk(content: dict[str, Any]) -> list[StreamEvent]:
    parts = content.get("parts")
    if not isinstance(parts, list):
        return []
    events: list[StreamEvent] = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        text = part.get("text")
        if isinstance(text, str) and text:
            if not part.get("thought"):  # the model's own reasoning is not an answer
                events.append(Text(text))
            continue
        if isinstance(part.get("functionCall"), dict):
            events.append(ToolActivity(_name(part["functionCall"].get("name")), "call"))
        elif isinstance(part.get("functionResponse"), dict):
            events.append(ToolActivity(_name(part["functionResponse"].get("name")), "result"))
    return events


_BAD = object()


def _loads(text: str) -> Any:
    """json.loads that returns a sentinel instead of raising (any failure: bad JSON, deep nesting)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _BAD


def _name(value: object) -> str:
    return value if isinstance(value, str) and value else "tool"


# ---------------------------------------------------------------- reading a response


async def peek(response: httpx.Response) -> bytes:
    """At most `ERROR_PEEK_BYTES` of a non-stream answer, enough to read its error envelope."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= ERROR_PEEK_BYTES:
            break
    return b"".join(chunks)


async def read_events(source: EventSource, deadline: float) -> AsyncIterator[StreamEvent]:
    """The events of an open stream until the server closes it, within the turn's deadline.

    Every failure is StreamBroken: a connection cut mid-answer (httpx reports the unfinished body), the
    deadline, an undecodable body, or an error event.
    """
    events = source.aiter_sse()
    try:
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    sse = await anext(events)
            except StopAsyncIteration:
                return
            except TimeoutError:
                log.warning("nemo: stream ran past the time limit")
                raise StreamBroken("the video service took too long to answer") from None
            except (httpx.HTTPError, SSEError, UnicodeDecodeError) as exc:
                log.warning("nemo: stream cut: %s", type(exc).__name__)
                raise StreamBroken(CUT_DETAIL) from None
            for event in parse_data(sse.data):
                yield event
    finally:
        await events.aclose()
