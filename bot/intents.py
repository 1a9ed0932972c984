"""Text → Intent: the keyword router from the product's table; pure, English and Chinese.

Export, credits, status and upload skip the engine's stream (they cost nothing and answer at once);
everything else is an instruction for the engine. A keyword only counts when the message is *about* it:
"don't export yet, add music" is an edit, so is "add music and then export" (the edit must happen first).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    EXPORT = "export"
    CREDITS = "credits"
    STATUS = "status"
    UPLOAD = "upload"
    EDIT = "edit"


@dataclass(frozen=True, slots=True)
class Rule:
    intent: Intent
    english: tuple[str, ...]  # whole words or phrases, case-insensitive
    chinese: tuple[str, ...]  # substrings (Chinese has no spaces between words)


RULES: tuple[Rule, ...] = (
    Rule(
        Intent.EXPORT,
        ("export", "download", "send me the video", "send the video", "send me the mp4", "give me the video"),
        ("导出", "下载"),
    ),
    Rule(Intent.CREDITS, ("credits", "credit", "balance"), ("积分", "余额")),
    Rule(Intent.STATUS, ("status", "show tracks", "show the tracks", "show timeline", "show the timeline"),
         ("状态",)),
    Rule(Intent.UPLOAD, ("upload",), ("上传",)),
)

# Words that turn a message into an instruction even when it names an action keyword.
_NEGATIONS = re.compile(r"\b(?:don'?t|do not|not yet|no|never|without|before|stop|cancel)\b|不要|先不|别|不用")
_EDIT_WORDS = re.compile(
    r"\b(?:add|make|change|remove|delete|put|turn|use|set|replace|swap|move|reverse|generate|create|edit"
    r"|cut|trim|speed|slow|insert|apply)\b|添加|加上|改|删除|生成|换|做"
)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<![\w-]){words}(?![\w-])", re.IGNORECASE)


_COMPILED: tuple[tuple[Intent, tuple[re.Pattern[str], ...], tuple[str, ...]], ...] = tuple(
    (rule.intent, tuple(_phrase_pattern(p) for p in rule.english), rule.chinese) for rule in RULES
)


# Letters that render as nothing (Hangul fillers, the blank Braille pattern): used to send "empty" messages.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_blank(text: str) -> bool:
    """True when a message shows nothing: whitespace, zero-width / format characters and blank letters only."""
    return all(
        ch.isspace() or ch in _BLANK_LETTERS or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")
        for ch in text
    )


def _normalise(text: str) -> str:
    # Curly apostrophes from phone keyboards must not hide a "don't".
    return " ".join(text.replace("’", "'").replace("‘", "'").lower().split())


def classify(text: str) -> Intent:
    """The action for a message; never raises, whatever the text."""
    normal = _normalise(text)
    if not normal:
        return Intent.EDIT
    for intent, patterns, chinese in _COMPILED:
        match_at = next((m.start() for p in patterns if (m := p.search(normal))), None)
        if match_at is None:
            match_at = next((i for word in chinese if (i := normal.find(word)) >= 0), None)
        if match_at is None:
            continue
        if _NEGATIONS.search(normal) or _EDIT_WORDS.search(normal):
            return Intent.EDIT
        return intent
    return Intent.EDIT
