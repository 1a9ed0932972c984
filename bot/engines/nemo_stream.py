"""Parsing the `/run_sse` stream of the NemoVideo cloud into engine stream events.

Pure and transport-free, so it can be tested line by line (and fuzzed): `StreamParser.feed_line` takes one
raw SSE line (without its line break) and returns the events it completes. It is written here instead of
relying on httpx-sse's decoder because that decoder drops comment lines (`: keep-alive`), and a keep-alive
must still count as a sign of life for the "⏳ Still working..." timer.

Two event shapes are accepted (see nemo-api.md, "The stream"):
- simple: `{"type": "text" | "tool_call" | "tool_result" | "heartbeat", ...}`;
- ADK: `{"content": {"parts": [{"text"} | {"functionCall"} | {"functionResponse"}], "role"}, "partial"?, ...}`.
`{"error": "..."}` (or ADK's `errorCode` / `errorMessage`) raises StreamBroken. Anything unreadable is
treated as a sign of life rather than an error: the connection closing is what ends a turn, and a line we
do not understand must not throw away an answer that may already be charged.

`read_events` drives the parser from an httpx response with the turn's overall deadline. The only exception
this module raises is `StreamBroken`, and its message never repeats stream content.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx

from bot.engines.base import Heartbeat, StreamBroken, StreamEvent, Text, ToolActivity

log = logging.getLogger(__name__)

ERROR_EVENT_DETAIL = "the video service reported an error during this turn"
CUT_DETAIL = "the answer from the video service was cut off"
ERROR_PEEK_BYTES = 64 * 1024  # how much of a non-stream answer to /run_sse is read to classify it


class StreamParser:
    """Turns SSE lines into StreamEvents; one parser per stream (it keeps the partial-text state)."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self._has_fields = False
        # ADK streaming mode sends `"partial": true` chunks, then one final event repeating the whole text.
        # Once partial text was shown, the next final event's text is that aggregate: skip it.
        self._partial_text_seen = False
        self._partial_call_ids: set[str] = set()

    # ------------------------------------------------------------ lines

    def feed_line(self, line: str) -> list[StreamEvent]:
        """One SSE line (no trailing newline) → the events it completes (maybe none)."""
        line = line.rstrip("\r\n")
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return [Heartbeat()]  # a comment, e.g. ": keep-alive"
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        self._has_fields = True
        if field == "data":
            self._data.append(value)
        # "event", "id", "retry" and unknown fields carry nothing the bot needs.
        return []

    def finish(self) -> list[StreamEvent]:
        """The connection closed: flush an event left without its blank line.

        A well-formed stream ends each event with a blank line. If the last event's data is complete JSON
        we still use it; if it is a fragment, the stream was cut in the middle of an event.
        """
        if not self._data:
            self._reset()
            return []
        joined = "\n".join(self._data)
        if joined.strip() and _loads(joined) is _BAD and any(_loads(x) is _BAD for x in self._data if x):
            self._reset()
            raise StreamBroken(CUT_DETAIL)
        return self._dispatch()

    def _reset(self) -> None:
        self._data = []
        self._has_fields = False

    def _dispatch(self) -> list[StreamEvent]:
        if not self._has_fields:
            return []
        data, self._data = self._data, []
        self._has_fields = False
        joined = "\n".join(data)
        if not joined.strip():
            return [Heartbeat()]  # an empty `data:` line
        obj = _loads(joined)
        if obj is not _BAD:
            return self.interpret(obj)
        # Several JSON objects, one per `data:` line, in one event.
        events: list[StreamEvent] = []
        for part in data:
            if not part.strip():
                continue
            one = _loads(part)
            if one is _BAD:
                log.debug("nemo stream: ignored an unreadable data line")
                continue
            events.extend(self.interpret(one))
        return events or [Heartbeat()]

    # ------------------------------------------------------------ events

    def interpret(self, obj: Any) -> list[StreamEvent]:
        """One decoded JSON event → events; always at least a Heartbeat (it is a sign of life)."""
        if not isinstance(obj, dict):
            return [Heartbeat()]
        if obj.get("error") or obj.get("errorCode") or obj.get("errorMessage"):
            raise StreamBroken(ERROR_EVENT_DETAIL)
        kind = obj.get("type")
        if isinstance(kind, str):
            return self._simple(kind, obj) or [Heartbeat()]
        content = obj.get("content")
        if isinstance(content, dict):
            return self._adk(content, partial=obj.get("partial") is True) or [Heartbeat()]
        return [Heartbeat()]

    def _simple(self, kind: str, obj: dict[str, Any]) -> list[StreamEvent]:
        if kind == "text":
            text = obj.get("content", obj.get("text"))
            return [Text(text)] if isinstance(text, str) and text else []
        if kind in ("tool_call", "tool_result"):
            phase = "call" if kind == "tool_call" else "result"
            return [ToolActivity(_name(obj.get("name")), phase)]
        return []  # "heartbeat" and types not known yet

    def _adk(self, content: dict[str, Any], *, partial: bool) -> list[StreamEvent]:
        parts = content.get("parts")
        if not isinstance(parts, list):
            return []
        events: list[StreamEvent] = []
        skip_text = not partial and self._partial_text_seen
        for part in parts:
            if not isinstance(part, dict):
                continue
            text = part.get("text")
            if isinstance(text, str) and text and not part.get("thought"):
                if partial:
                    self._partial_text_seen = True
                    events.append(Text(text))
                elif not skip_text:
                    events.append(Text(text))
                continue
            for key, phase in (("functionCall", "call"), ("functionResponse", "result")):
                call = part.get(key)
                if not isinstance(call, dict):
                    continue
                call_id = call.get("id")
                seen_key = f"{phase}:{call_id}" if isinstance(call_id, str) and call_id else None
                if seen_key is not None:
                    if seen_key in self._partial_call_ids and not partial:
                        continue
                    if partial:
                        self._partial_call_ids.add(seen_key)
                events.append(ToolActivity(_name(call.get("name")), phase))  # type: ignore[arg-type]
        if not partial:
            self._partial_text_seen = False
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


async def read_events(response: httpx.Response, deadline: float) -> AsyncIterator[StreamEvent]:
    """Raw lines of the stream → events, with the overall deadline; every failure is StreamBroken."""
    parser = StreamParser()
    lines = raw_lines(response).__aiter__()
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                line = await anext(lines)
        except StopAsyncIteration:
            break
        except TimeoutError:
            log.warning("nemo: stream ran past the time limit")
            raise StreamBroken("the video service took too long to answer") from None
        except (httpx.HTTPError, UnicodeDecodeError) as exc:
            log.warning("nemo: stream cut: %s", type(exc).__name__)
            raise StreamBroken(CUT_DETAIL) from None
        for event in parser.feed_line(line):
            yield event
    for event in parser.finish():
        yield event


async def raw_lines(response: httpx.Response) -> AsyncIterator[str]:
    """Split the body into SSE lines (\\r\\n, \\r or \\n), keeping comments that httpx-sse would drop."""
    buffer = ""
    pending_cr = False
    async for text in response.aiter_text():
        if pending_cr:
            text = "\r" + text
            pending_cr = False
        if text.endswith("\r"):
            pending_cr = True
            text = text[:-1]
        buffer += text
        *complete, buffer = buffer.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for line in complete:
            yield line
    if buffer or pending_cr:
        yield buffer
