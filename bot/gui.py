"""GUI translation: the backend answers as if the user sat in its web editor; the chat has no buttons.

Sentences that tell the user to click, open, drag or visit something are removed and replaced by what the
bot can do instead (nemo-api.md, "GUI translation"). The content around them is kept word for word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXPORT_HINT = "Send /export to get the MP4, or tell me what to change."
ADJUST_HINT = "Tell me what you'd like to change and I'll do it."
CREDITS_HINT = "Send /credits to see your balance."

_EXPORT = re.compile(r"export\s+button|click(?:ing)?\s+(?:on\s+)?(?:the\s+)?[\"'“\[]?export|导出", re.I)
_ACCOUNT = re.compile(r"\b(?:account|billing|dashboard|subscription\s+page)\b|账户|账单", re.I)
_TIMELINE = re.compile(
    r"\b(?:open|opening)\s+(?:the\s+)?[\"'“\[]?\w+|preview\s+(?:it\s+)?in\s+(?:the\s+)?timeline"
    r"|\btimeline\s+panel\b|\bopen\s+timeline\b|打开|预览",
    re.I,
)
_ADJUST = re.compile(r"\bdrag(?:ging)?\b|\bdrop\b|adjust\s+(?:it\s+)?in\s+(?:the\s+)?editor|拖拽|拖动", re.I)
_CLICK = re.compile(r"\bclick(?:ing)?\b|\btap\b|\bpress\s+the\b|点击", re.I)

# Sentence ends in English and Chinese; the delimiter stays with its sentence.
_SENTENCES = re.compile(r"[^.!?。！？\n]*(?:[.!?。！？]+|\n|$)")


@dataclass(frozen=True, slots=True)
class Translated:
    text: str  # what to show, GUI sentences removed (may be empty)
    show_timeline: bool = False  # the backend pointed at a panel: show the timeline summary instead
    hints: tuple[str, ...] = ()  # the bot's own pointers (/export, /credits, "tell me what to change")


def _sentences(text: str) -> list[str]:
    """The sentences with their delimiters; the line breaks between them come as pieces of their own."""
    return [s for s in _SENTENCES.findall(text) if s]


def translate(text: str) -> Translated:
    kept: list[str] = []
    hints: list[str] = []
    show_timeline = False

    def hint(value: str) -> None:
        if value not in hints:
            hints.append(value)

    def keep_break(space: str) -> None:
        # A line break between kept sentences stays; after a removed sentence, only if the kept text
        # would otherwise run into the next sentence ("Done. Click Export.\nNext" → "Done.\nNext").
        nonlocal dropped
        if space and (not dropped or (kept and not kept[-1][-1:].isspace())):
            kept.append(space)
            dropped = False

    dropped = False  # the last sentence was a GUI instruction
    for sentence in _sentences(text):
        if not sentence.strip():
            keep_break(sentence)
            continue
        gui = False
        if _EXPORT.search(sentence):
            hint(EXPORT_HINT)
            gui = True
        if _ACCOUNT.search(sentence) and re.search(r"check|go\s+to|visit|open|查看", sentence, re.I):
            hint(CREDITS_HINT)
            gui = True
        if _ADJUST.search(sentence):
            hint(ADJUST_HINT)
            gui = True
        if _TIMELINE.search(sentence):
            show_timeline = True
            gui = True
        if _CLICK.search(sentence) and not gui:
            gui = True  # some other button: the bot does the work through the API instead
        if not gui:
            kept.append(sentence)
            dropped = False
        else:
            dropped = True
            keep_break(sentence[len(sentence.rstrip()):])  # the line break that ended the removed sentence
    body = "".join(kept).strip()
    if show_timeline and EXPORT_HINT not in hints:
        hint(EXPORT_HINT)
    return Translated(text=body, show_timeline=show_timeline, hints=tuple(hints))
