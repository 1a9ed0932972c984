"""The /run_sse stream: both event shapes, signs of life, partial chunks, errors, cuts, and fuzzing.

Bytes go through httpx and httpx-sse exactly as from the network, so what is tested is what runs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from httpx_sse import EventSource
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engines.base import Heartbeat, StreamBroken, StreamEvent, Text, ToolActivity
from bot.engines.nemo.stream import interpret, parse_data, read_events


class _Cut(httpx.AsyncByteStream):
    """A body that stops with a transport error, as when the connection drops mid-answer."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


async def _read(body: bytes | list[bytes], *, cut: bool = False, seconds: float = 5) -> list[StreamEvent]:
    chunks = body if isinstance(body, list) else [body]
    stream: httpx.AsyncByteStream = _Cut(chunks) if cut else httpx.ByteStream(b"".join(chunks))
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=stream)
    deadline = asyncio.get_running_loop().time() + seconds
    return [event async for event in read_events(EventSource(response), deadline)]


def feed(*lines: str) -> list[StreamEvent]:
    return asyncio.run(_read(("\n".join(lines) + "\n").encode()))


def data(obj: object) -> list[str]:
    return [f"data: {json.dumps(obj)}", ""]


def adk(parts: list[dict[str, object]], *, role: str = "model", partial: bool = False) -> dict[str, object]:
    event: dict[str, object] = {"content": {"parts": parts, "role": role}, "invocationId": "e-1", "author": "a"}
    if partial:
        event["partial"] = True
    return event


def test_simple_shape() -> None:
    events = feed(
        *data({"type": "tool_call", "name": "edit_multitrack", "args": {"x": 1}}),
        *data({"type": "tool_result", "name": "edit_multitrack", "result": {}}),
        *data({"type": "heartbeat"}),
        *data({"type": "text", "content": "Done!"}),
    )
    assert events == [
        ToolActivity("edit_multitrack", "call"), ToolActivity("edit_multitrack", "result"), Heartbeat(), Text("Done!")
    ]


def test_adk_shape() -> None:
    events = feed(
        *data(adk([{"functionCall": {"id": "c1", "name": "generate_music", "args": {}}}])),
        *data(adk([{"functionResponse": {"id": "c1", "name": "generate_music", "response": {}}}], role="user")),
        *data(adk([{"text": "Your video is ready!"}])),
    )
    assert events == [
        ToolActivity("generate_music", "call"), ToolActivity("generate_music", "result"), Text("Your video is ready!")
    ]


def test_adk_partial_chunks_give_way_to_the_final_event() -> None:
    events = feed(
        *data(adk([{"text": "Your vid"}], partial=True)),
        *data(adk([{"text": "eo. Click Exp"}], partial=True)),
        *data(adk([{"text": "Your video. Click Export."}])),
        *data(adk([{"text": "Next answer"}])),
    )
    assert [e for e in events if not isinstance(e, Heartbeat)] == [Text("Your video. Click Export."),
                                                                     Text("Next answer")]


def test_adk_thoughts_are_not_text() -> None:
    assert feed(*data(adk([{"text": "secret plan", "thought": True}]))) == [Heartbeat()]


def test_empty_data_is_a_sign_of_life_and_comments_are_skipped() -> None:
    assert feed(": keep-alive", "", "data:", "", "data: ", "") == [Heartbeat(), Heartbeat()]


def test_event_and_id_fields_and_crlf_are_understood() -> None:
    body = b'event: message\r\nid: 7\r\ndata: {"type": "text", "content": "hi"}\r\n\r\n'
    assert asyncio.run(_read(body)) == [Text("hi")]


def test_an_event_split_across_network_chunks() -> None:
    body = b'data: {"type": "text", "content": "hello there"}\n\n'
    assert asyncio.run(_read([body[:7], body[7:20], body[20:]])) == [Text("hello there")]


def test_two_json_objects_in_one_event() -> None:
    events = feed('data: {"type": "text", "content": "a"}', 'data: {"type": "text", "content": "b"}', "")
    assert events == [Text("a"), Text("b")]


def test_connection_cut_in_the_middle_of_an_event_is_stream_broken() -> None:
    with pytest.raises(StreamBroken) as caught:
        asyncio.run(_read([b'data: {"type": "text", "content": "fine"}\n\n', b'data: {"type": "text", "con'],
                          cut=True))
    assert not caught.value.server_error


@pytest.mark.parametrize("event", [{"error": "boom"}, {"errorCode": "MALFORMED", "errorMessage": "boom"}])
def test_error_event_is_a_server_error_without_its_content(event: dict[str, str]) -> None:
    with pytest.raises(StreamBroken) as caught:
        feed(*data(event))
    assert "boom" not in str(caught.value)
    assert caught.value.server_error


def test_a_stream_past_its_deadline_is_stream_broken() -> None:
    class Slow(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"data: {}\n\n"
            await asyncio.sleep(5)
            yield b"data: {}\n\n"

    async def read() -> None:
        response = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Slow())
        deadline = asyncio.get_running_loop().time() + 0.2
        async for _ in read_events(EventSource(response), deadline):
            pass

    with pytest.raises(StreamBroken):
        asyncio.run(read())


def test_unreadable_data_is_a_sign_of_life() -> None:
    assert feed("data: not json at all", "") == [Heartbeat()]


# ---------------------------------------------------------------- properties

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "content", "parts", "text", "name", "functionCall", "functionResponse",
                         "partial", "error", "role", "thought", "id", "args"]) | st.text(max_size=8),
        children, max_size=5,
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.booleans())
def test_no_bytes_make_the_reader_raise_anything_but_stream_broken(body: bytes, cut: bool) -> None:
    try:
        events = asyncio.run(_read(body, cut=cut))
    except StreamBroken:
        return
    assert all(isinstance(e, Text | ToolActivity | Heartbeat) for e in events)


@settings(max_examples=200, deadline=None)
@given(st.lists(_json, max_size=6))
def test_no_json_event_makes_the_reader_raise_anything_but_stream_broken(objs: list[object]) -> None:
    lines = [line for obj in objs for line in data(obj)]
    try:
        events = feed(*lines)
    except StreamBroken:
        return
    for event in events:
        assert isinstance(event, Text | ToolActivity | Heartbeat)
        if isinstance(event, Text):
            assert isinstance(event.text, str) and event.text
        if isinstance(event, ToolActivity):
            assert isinstance(event.name, str) and event.phase in ("call", "result")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_no_data_line_text_makes_the_parser_raise_anything_but_stream_broken(text: str) -> None:
    """Whatever a `data:` field holds (half a JSON object, several, none): events or StreamBroken."""
    try:
        events = parse_data(text)
    except StreamBroken:
        return
    assert all(isinstance(e, Text | ToolActivity | Heartbeat) for e in events)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_interpret_accepts_any_json_value(obj: object) -> None:
    try:
        events = interpret(obj)
    except StreamBroken:
        return
    assert events  # always at least a sign of life
