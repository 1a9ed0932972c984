"""The draft (timeline) JSON shared by both engines: models, the summary users see, diffs, readiness.

The draft uses short keys: `t` tracks, `tt` track type, `sg` segments, `d` duration (ms), `m` metadata.
No public source shows a segment's exact fields, so every model keeps unknown keys (`extra="allow"`) and
every reader tolerates missing ones: a draft from the cloud must never make the bot raise.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.language import ENGLISH, Sentence, Text, _, _n, join, render

VIDEO, AUDIO, TEXT = 0, 1, 7
_TRACK_LABEL = {VIDEO: _("Video"), AUDIO: _("BGM"), TEXT: _("Title")}
# Music the local engine makes names its mood in the draft ("mood"): a word of ours, so it is shown in the
# reader's language, where a cloud track's or an audio file's name is shown as it was given.
_MOOD_NAMES = {"upbeat": _("upbeat"), "lofi": _("lo-fi"), "calm": _("calm"), "epic": _("epic")}


class Segment(BaseModel):
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    id: str | None = None
    st: float | None = None  # start, ms
    d: float | None = None  # duration, ms
    m: dict[str, Any] = Field(default_factory=dict)


class Track(BaseModel):
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    tt: int | None = None
    sg: list[Segment] = Field(default_factory=list)
    m: dict[str, Any] = Field(default_factory=dict)


class Draft(BaseModel):
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    t: list[Track] = Field(default_factory=list)
    d: float | None = None
    m: dict[str, Any] = Field(default_factory=dict)


def parse_draft(raw: object) -> Draft:
    """Any JSON value → a Draft. What cannot be read is dropped piece by piece (a bad segment, not the
    whole track), so one odd field from the cloud never hides the rest of the timeline."""
    if isinstance(raw, Draft):
        return raw
    if not isinstance(raw, dict):
        return Draft()
    try:
        return Draft.model_validate(raw)
    except ValidationError:
        pass
    tracks = []
    raw_tracks = raw.get("t")
    for raw_track in raw_tracks if isinstance(raw_tracks, list) else []:
        if not isinstance(raw_track, dict):
            continue
        segments = []
        raw_segments = raw_track.get("sg")
        for raw_segment in raw_segments if isinstance(raw_segments, list) else []:
            try:
                segments.append(Segment.model_validate(raw_segment))
            except ValidationError:
                continue
        try:
            tracks.append(Track.model_validate({**raw_track, "sg": []}).model_copy(update={"sg": segments}))
        except ValidationError:
            continue
    return Draft(t=tracks)


def _finite(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _seconds(ms: float) -> str:
    value = ms / 1000
    if not math.isfinite(value):
        return "?"
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _segment_span(segment: Segment, cursor: float) -> tuple[float, float]:
    start = segment.st if segment.st is not None else cursor
    return start, start + (segment.d or 0)


def _segment_name(track: Track, segment: Segment) -> Sentence | str:
    meta = segment.m
    mood = meta.get("mood")
    if track.tt == AUDIO and isinstance(mood, str) and mood in _MOOD_NAMES:
        return _MOOD_NAMES[mood]
    for key in ("text", "title", "name", "filename"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return _('"{text}"').format(text=text) if track.tt == TEXT else text
    return _("untitled")


def describe_track(index: int, track: Track) -> Sentence:
    """`1. Video: city timelapse (0-10s)`; several segments are listed by name, the span covers them all."""
    return _("{index}. {track}").format(index=index, track=_track_body(track))


def _track_body(track: Track) -> Sentence:
    label = _TRACK_LABEL.get(track.tt if track.tt is not None else -1, _("Track"))
    if not track.sg:
        return _("{label}: empty").format(label=label)
    return _("{label}: {contents}").format(label=label, contents=_track_contents(track))


def _track_contents(track: Track) -> Sentence:
    """`city timelapse (0-10s)`, `Lo-fi (0-10s, 35%)`: what a (non-empty) track holds and when."""
    cursor = 0.0
    spans = []
    for segment in track.sg:
        spans.append(_segment_span(segment, cursor))
        cursor = spans[-1][1]
    names = [_segment_name(track, s) for s in track.sg]
    shown: Sentence | str = join(names[:4], _(", "))
    if len(names) > 4:
        shown = _n("{names} +{count} more", "{names} +{count} more", len(names) - 4).format(names=shown)
    extras: list[Sentence | str] = [_("{start}-{end}s").format(
        start=_seconds(min(s for s, _end in spans)), end=_seconds(max(e for _start, e in spans)))]
    volume = _finite(track.sg[0].m.get("volume", track.m.get("volume")))
    if track.tt == AUDIO and volume is not None and 0 <= volume <= 1000:
        extras.append(f"{volume * 100:.0f}%" if volume <= 1 else f"{volume:.0f}%")
    return _("{shown} ({extras})").format(shown=shown, extras=join(extras, _(", ")))


def summary(raw: object) -> Sentence:
    """The seed's format: `Timeline (3 tracks): 1. Video: … (0-10s) 2. BGM: Lo-fi (0-10s, 35%) …`."""
    draft = parse_draft(raw)
    if not draft.t:
        return _("Timeline is empty.")
    parts = [describe_track(i, track) for i, track in enumerate(draft.t, 1)]
    return _n("Timeline ({count} track): {tracks}", "Timeline ({count} tracks): {tracks}", len(draft.t)).format(
        tracks=join(parts, " "))


def clip_count(raw: object) -> int:
    """How many clips (photos, videos) the video tracks hold."""
    return sum(len(track.sg) for track in parse_draft(raw).t if track.tt == VIDEO)


def missing_for_export(raw: object) -> Text | None:
    """None when the draft can be exported (a track with at least one segment), else what is missing."""
    draft = parse_draft(raw)
    if not draft.t:
        return _("There is no timeline yet: send some photos and tell me what video you want.")
    if not any(track.sg for track in draft.t):
        return _("The timeline has no clips yet: ask me to make the video from your photos first.")
    return None


def diff(before: object, after: object) -> list[Sentence]:
    """What changed between two drafts, as short sentences (empty when nothing did)."""
    old, new = parse_draft(before), parse_draft(after)
    changes: list[Sentence] = []
    old_tracks = [_track_body(t) for t in old.t]
    new_tracks = [_track_body(t) for t in new.t]
    for i, track in enumerate(new_tracks):
        if i >= len(old_tracks):
            changes.append(_("Added {track}").format(track=track))
        elif render(track, ENGLISH) != render(old_tracks[i], ENGLISH):
            changes.append(_("Changed {track}").format(track=track))
    for track in old_tracks[len(new_tracks):]:
        changes.append(_("Removed {track}").format(track=track))
    if not changes and old.model_dump(exclude_none=True) != new.model_dump(exclude_none=True):
        changes.append(_("Adjusted details of the timeline"))
    return changes


# ---------------------------------------------------------------- the board: the timeline as a user looks at it


@dataclass(frozen=True, slots=True)
class BoardPhoto:
    """One photo as the user counts it ("swap 3 and 5"): its number, name, the seconds it is the main picture
    (cut to cut, so a transition's overlap is not counted twice), its caption, and where its pixels are
    (`path` on this machine, `url` at the video service) when the draft says."""

    number: int
    name: str
    start: float  # seconds
    seconds: float
    caption: str | None = None
    path: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class BoardText:
    """A title or a caption on its own line, with when it shows (seconds)."""

    kind: str  # "title" or "caption"
    text: str
    start: float
    seconds: float
    photo: int | None = None  # the photo a caption is on


@dataclass(frozen=True, slots=True)
class Board:
    """The timeline as both engines' drafts describe it, in the terms of `/status` and the storyboard: photos
    in order, titles and captions apart, the music, the length and the frame's shape."""

    photos: tuple[BoardPhoto, ...] = ()
    texts: tuple[BoardText, ...] = ()
    music: Sentence | None = None  # the music track as `describe_track` words it (no label), None without music
    seconds: float = 0.0
    aspect: tuple[int, int] = (9, 16)

    @property
    def titles(self) -> tuple[BoardText, ...]:
        return tuple(t for t in self.texts if t.kind == "title")

    @property
    def captions(self) -> tuple[BoardText, ...]:
        return tuple(t for t in self.texts if t.kind == "caption")


def _meta_text(meta: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _aspect(draft: Draft) -> tuple[int, int]:
    """The frame's shape: the local engine's `aspect` ("9:16"), else the draft's width and height."""
    aspect = draft.m.get("aspect")
    if isinstance(aspect, str) and ":" in aspect:
        left, _, right = aspect.partition(":")
        if left.isdigit() and right.isdigit() and int(left) and int(right):
            return int(left), int(right)
    width, height = _finite(draft.m.get("width")), _finite(draft.m.get("height"))
    if width and height and width > 0 and height > 0 and 1 / 20 < width / height < 20:
        return round(width), round(height)
    return 9, 16


def board(raw: object) -> Board:
    """The `Board` of any draft (the local engine's or the cloud's); what a draft leaves out stays empty."""
    draft = parse_draft(raw)
    clips = [segment for track in draft.t if track.tt == VIDEO for segment in track.sg]
    spans: list[tuple[float, float]] = []
    cursor = 0.0
    for segment in clips:
        spans.append(_segment_span(segment, cursor))
        cursor = spans[-1][1]
    # Cut to cut: where neighbours overlap (a transition), the cut is in the middle of the overlap.
    cuts = [spans[0][0] if spans else 0.0]
    for (_start, end), (start, _end) in itertools.pairwise(spans):
        cuts.append(max(cuts[-1], (start + end) / 2 if start < end else start))
    cuts.append(max(cuts[-1], spans[-1][1]) if spans else 0.0)
    texts: list[BoardText] = []
    captions: dict[int, str] = {}
    for track in draft.t:
        if track.tt != TEXT:
            continue
        cursor = 0.0
        for segment in track.sg:
            start, end = _segment_span(segment, cursor)
            cursor = end
            words = _meta_text(segment.m, ("text", "title", "name"))
            if words is None:
                continue
            kind = "caption" if segment.m.get("kind") == "caption" else "title"
            photo = None
            if kind == "caption":
                middle = (start + end) / 2  # a caption's own times may be rounded a millisecond off the cut
                photo = next((i + 1 for i in range(len(clips)) if cuts[i] <= middle < cuts[i + 1]), None)
                if photo is not None:
                    captions.setdefault(photo, words)
            texts.append(BoardText(kind, words, start / 1000, (end - start) / 1000, photo))
    photos = []
    for index, segment in enumerate(clips):
        number = index + 1
        caption = _meta_text(segment.m, ("caption",)) or captions.get(number)
        if caption is not None and not any(t.photo == number and t.text == caption for t in texts):
            texts.append(BoardText("caption", caption, cuts[index] / 1000, (cuts[index + 1] - cuts[index]) / 1000,
                                   number))
        photos.append(BoardPhoto(
            number=number,
            name=_meta_text(segment.m, ("name", "filename", "title", "text")) or f"#{number}",
            start=cuts[index] / 1000,
            seconds=(cuts[index + 1] - cuts[index]) / 1000,
            caption=caption,
            path=_meta_text(segment.m, ("path",)),
            url=_meta_text(segment.m, ("url",)),
        ))
    music = next((_track_contents(t) for t in draft.t if t.tt == AUDIO and t.sg), None)
    length = _finite(draft.d) or max([cuts[-1], *(t.start * 1000 + t.seconds * 1000 for t in texts)])
    texts.sort(key=lambda t: (t.kind != "title", t.start, t.photo or 0))
    return Board(tuple(photos), tuple(texts), music, length / 1000, _aspect(draft))
