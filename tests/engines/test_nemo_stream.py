"""The /run_sse parser: both event shapes, signs of life, partial chunks, errors, and fuzzing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engines.base import Heartbeat, StreamBroken, Text, ToolActivity
from bot.engines.nemo_stream import StreamParser


def feed(*lines: str) -> list[object]:
    parser = StreamParser()
    events: list[object] = []
    for line in lines:
        events.extend(parser.feed_line(line))
    events.extend(parser.finish())
    return events


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


def test_adk_partial_chunks_are_not_duplicated_by_the_final_event() -> None:
    events = feed(
        *data(adk([{"text": "Your "}], partial=True)),
        *data(adk([{"text": "video"}], partial=True)),
        *data(adk([{"text": "Your video"}])),
        *data(adk([{"text": "Next answer"}])),
    )
    assert [e for e in events if not isinstance(e, Heartbeat)] == [Text("Your "), Text("video"), Text("Next answer")]


def test_adk_thoughts_are_not_text() -> None:
    assert feed(*data(adk([{"text": "secret plan", "thought": True}]))) == [Heartbeat()]


def test_comments_and_empty_data_are_heartbeats() -> None:
    assert feed(": keep-alive", "", "data:", "", "data: ", "") == [Heartbeat(), Heartbeat(), Heartbeat()]


def test_event_and_id_fields_and_crlf_are_ignored() -> None:
    assert feed("event: message\r", "id: 7", 'data: {"type": "text", "content": "hi"}\r', "") == [Text("hi")]


def test_two_json_objects_in_one_event() -> None:
    events = feed('data: {"type": "text", "content": "a"}', 'data: {"type": "text", "content": "b"}', "")
    assert events == [Text("a"), Text("b")]


def test_last_event_without_blank_line_is_used_when_complete() -> None:
    assert feed('data: {"type": "text", "content": "end"}') == [Text("end")]


def test_last_event_cut_in_the_middle_is_stream_broken() -> None:
    with pytest.raises(StreamBroken):
        feed('data: {"type": "text", "content": "cu')


@pytest.mark.parametrize("event", [{"error": "boom"}, {"errorCode": "MALFORMED", "errorMessage": "x"}])
def test_error_event_is_stream_broken_without_its_content(event: dict[str, str]) -> None:
    with pytest.raises(StreamBroken) as caught:
        feed(*data(event))
    assert "boom" not in str(caught.value)


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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=20))
def test_no_line_makes_the_parser_raise_anything_but_stream_broken(lines: list[str]) -> None:
    try:
        events = feed(*lines)
    except StreamBroken:
        return
    assert all(isinstance(e, Text | ToolActivity | Heartbeat) for e in events)


@settings(max_examples=300, deadline=None)
@given(st.lists(_json, max_size=6), st.booleans())
def test_no_json_event_makes_the_parser_raise_anything_but_stream_broken(objs: list[object], blank: bool) -> None:
    lines: list[str] = []
    for obj in objs:
        lines.append("data: " + json.dumps(obj))
        if blank:
            lines.append("")
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


@settings(max_examples=200, deadline=None)
@given(_json)
def test_interpret_accepts_any_json_value(obj: object) -> None:
    try:
        events = StreamParser().interpret(obj)
    except StreamBroken:
        return
    assert events  # always at least a sign of life
