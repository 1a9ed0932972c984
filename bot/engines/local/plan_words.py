"""The planner's vocabulary: the working text, numbers (incl. Chinese numerals), photo references, negation.

Shared by `plan` (the rules) and `plan_titles` (title and caption text). Everything here is pure and small:
regular expressions as named constants and the few functions that read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.language import Sentence, _, _n, render


class PlanError(ValueError):
    """An instruction that cannot be applied, or that changed nothing; `detail` is one safe sentence for the
    user, rendered in the chat's language when it is sent."""

    def __init__(self, detail: Sentence) -> None:
        super().__init__(str(detail))
        self.detail = detail


@dataclass(frozen=True)
class Listed:
    """Phrases said as one list ("a, b and c" / "a、b和c"): the separator and the last link are sentences of
    the catalogue too, so the list reads right in every language."""

    items: tuple[Sentence | str, ...]
    either: bool = False  # "a or b" rather than "a and b"

    def render(self, language: str) -> str:
        words = [render(item, language) for item in self.items]
        if len(words) <= 1:
            return "".join(words)
        head = _(", ").render(language).join(words[:-1])
        link = _("{head} or {last}") if self.either else _("{head} and {last}")
        return link.format(head=head, last=words[-1]).render(language)

    def __str__(self) -> str:
        return self.render("en")


def listed(items: Iterable[Sentence | str], *, either: bool = False) -> Listed:
    return Listed(tuple(items), either)


def sentences(parts: Iterable[Sentence]) -> Sentence:
    """Whole sentences said one after another: a space between them in English, none in Chinese (the link is
    a catalogue entry, so each language says how its sentences follow each other)."""
    said: Sentence | None = None
    for part in parts:
        said = part if said is None else _("{first} {then}").format(first=said, then=part)
    return said if said is not None else ""


@dataclass(slots=True)
class State:
    """The working copy one instruction edits.

    `changes` are short phrases joined into the answer ("fade transitions"); `kept` are phrases the message
    asked for that were so already (the answer says nothing changed there rather than "Done"); `cannot` are
    verb phrases for what the engine cannot do ("add stickers") and `advice` whole sentences ("Tell me two
    photos to swap"). All are reported, so no part of a message is dropped in silence.
    """

    photos: list[dict[str, Any]]
    conf: dict[str, Any]
    quotes: list[str] = field(default_factory=list)
    claimed: set[int] = field(default_factory=set)
    changes: list[Sentence] = field(default_factory=list)
    kept: list[Sentence] = field(default_factory=list)
    cannot: list[Sentence] = field(default_factory=list)
    advice: list[Sentence] = field(default_factory=list)
    title_set: bool = False
    look: str | None = None  # a named style asked for, applied after every explicit edit of the message
    as_state: list[tuple[Sentence, Sentence]] = field(default_factory=list)
    chosen_now: set[str] = field(default_factory=set)  # fields this message set explicitly

    def note(self, phrase: Sentence, *, already: Sentence | None = None) -> None:
        """A change; `already` says it as a state ("no title" for "removed the title") for when it turns out
        the video was so already."""
        if phrase not in self.changes:
            self.changes.append(phrase)
        if already is not None:
            self.as_state.append((phrase, already))

    def state_of(self, phrase: Sentence) -> Sentence:
        return next((state for said, state in self.as_state if said == phrase), phrase)

    def refuse(self, what: Sentence) -> None:
        """Something asked for that the engine cannot do, as a verb phrase: "I can't {what} yet"."""
        if what not in self.cannot:
            self.cannot.append(what)

    def advise(self, sentence: Sentence) -> None:
        """A whole sentence about a part of the message that could not be used as it was said."""
        if sentence not in self.advice:
            self.advice.append(sentence)


class Text:
    """The instruction as it is being read. Each rule blanks what it used (same length, so positions found
    earlier stay valid), which keeps one phrase from driving two rules and leaves behind what nobody used."""

    def __init__(self, value: str, written: str | None = None) -> None:
        self.value = value
        self.written = value if written is None else written  # as the user wrote it, for text kept verbatim

    def words(self, start: int, end: int) -> str:
        """The unblanked words between start and end in the user's own characters."""
        return as_written(self.value[start:end], self.written[start:end])

    def consume(self, start: int, end: int) -> None:
        self.value = self.value[:start] + " " * (end - start) + self.value[end:]

    def take(self, match: re.Match[str] | None) -> re.Match[str] | None:
        if match is not None:
            self.consume(match.start(), match.end())
        return match

    def grab(self, pattern: str | re.Pattern[str]) -> re.Match[str] | None:
        """The first match of `pattern`, consumed."""
        return self.take(re.search(pattern, self.value))


# ---------------------------------------------------------------- quotes

# Each quoted string is replaced by one private-use character of its own (U+E000 + its number), so a
# rule can tell which quote it found, and blanking other text never renumbers the quotes.
QUOTE_MARK = "[\ue000-\uf8ff]"
_QUOTE_BASE = 0xE000
_MAX_QUOTES = 0xF8FF - _QUOTE_BASE
_QUOTES = re.compile(r'"([^"]+)"|“([^”]+)”|„([^“”]+)[“”]|「([^」]+)」|『([^』]+)』|«([^«»]+)»|‘([^’]+)’'
                     r"|(?<!\w)'([^']+)'(?!\w)")


def take_quotes(text: str) -> tuple[list[str], str]:
    """The quoted strings (as written) and the text with each replaced by its own mark."""
    found: list[str] = []

    def keep(match: re.Match[str]) -> str:
        inner = next(g for g in match.groups() if g is not None).strip()
        if not inner or len(found) >= _MAX_QUOTES:
            return " "
        found.append(inner)
        return f" {chr(_QUOTE_BASE + len(found) - 1)} "

    return found, _QUOTES.sub(keep, re.sub(QUOTE_MARK, " ", text))


def quote_number(mark: str) -> int:
    """Which quoted string a mark stands for."""
    return ord(mark) - _QUOTE_BASE


# ---------------------------------------------------------------- numbers

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
CN_NUMERALS = "零〇一二两三四五六七八九十百"
NUM = rf"(?:\d+|[{CN_NUMERALS}]+)"
_EN_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_EN_NUMBERS = {**_EN_UNITS, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
               "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
               "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def cn_number(text: str) -> int | None:
    """"15", "十五", "两", "一百", "三十五" → int; None for anything else (0-999 is all the planner needs)."""
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(ch not in CN_DIGITS and ch not in "十百" for ch in text):
        return None
    if all(ch in CN_DIGITS for ch in text):  # digit by digit: 二〇 → 20
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total, rest = 0, text
    for unit, size in (("百", 100), ("十", 10)):
        if unit in rest:
            head, _, rest = rest.partition(unit)
            if len(head) > 1 or (head and head not in CN_DIGITS):
                return None
            total += (CN_DIGITS[head] if head else 1) * size
    if len(rest) > 1 or (rest and rest not in CN_DIGITS):
        return None
    return total + (CN_DIGITS[rest] if rest else 0)


# Chinese numerals become digits only where they count something: before a unit or after 第 / 百分之, so a
# title such as "一路向西" is left alone.
_CN_COUNTED = re.compile(rf"(?:(百分之|第)\s*)?([{CN_NUMERALS}]+)(?=\s*(?:张|秒|位|个|幅|页|分钟|%))"
                         rf"|(百分之|第)\s*([{CN_NUMERALS}]+)")
_EN_NUMBER_WORDS = "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))
_EN_COUNTED = re.compile(rf"\b({_EN_NUMBER_WORDS})(?:[\s-]+({'|'.join(_EN_UNITS)}))?\b"
                         r"(?=[\s-]*(?:s|secs?|seconds?|mins?|minutes?|percent|per\s*cent|%)\b)")


def _cn_counted(match: re.Match[str]) -> str:
    prefix = match.group(1) or match.group(3) or ""
    digits = match.group(2) or match.group(4)
    value = cn_number(digits)
    if value is None:
        return match.group(0)
    return f"{value}%" if prefix == "百分之" else f"{prefix}{value}"


def _en_counted(match: re.Match[str]) -> str:
    return str(_EN_NUMBERS[match.group(1)] + (_EN_UNITS[match.group(2)] if match.group(2) else 0))


_WIDE = str.maketrans("０１２３４５６７８９：％，。！？（）；、", "0123456789:%,.!?();、")


def widen(text: str) -> str:
    """Full-width digits and punctuation as ASCII: one character for one, so positions are kept. Only for
    reading the instruction: the words a title or caption keeps are taken from the text as written."""
    return text.translate(_WIDE)


def as_written(read: str, written: str) -> str:
    """`read` (a widened slice, maybe partly blanked) with the user's own characters back where it was not
    blanked: "你好，罗马" stays "你好，罗马" though the rules read it as "你好,罗马"."""
    return "".join(mine if seen != " " or mine.isspace() else " " for seen, mine in zip(read, written, strict=True))


def normalise(text: str) -> str:
    """Lower case, counted numerals as digits ("两秒" → "2秒", "fifteen seconds" → "15 seconds"), percents
    as "N%" ("百分之五十", "60 percent")."""
    text = _CN_COUNTED.sub(_cn_counted, widen(text).lower())
    text = _EN_COUNTED.sub(_en_counted, text)
    return re.sub(r"(\d+(?:\.\d+)?)\s*(?:percent|per\s*cent|pct)\b", r"\1%", text)


def seconds_phrase(ms: int) -> Sentence:
    value = ms / 1000
    number = f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"
    return _("{seconds} s").format(seconds=number)


# ---------------------------------------------------------------- photo references

PHOTO = r"(?:photos?|pics?|pictures?|images?|slides?|shots?)"
_CN_PHOTO = r"(?:张|个|幅|页)(?:照片|图片|相片|图)?"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10}
EN_ORDINAL = "|".join((*_ORDINALS, "last"))
_EN_REF = rf"(?:(?<!\d)\d+(?:st|nd|rd|th)?|{EN_ORDINAL})"
# One photo: "photo 2", "the second photo", "the last one", "第三张", "最后一张"; bare numbers only in a list.
REF = (rf"(?:(?:the\s+)?(?:very\s+)?{PHOTO}\s*(?:(?:no\.?|number|#)\s*)?\d+\b"
       rf"|(?:the\s+)?(?:very\s+)?{_EN_REF}\s+(?:{PHOTO}|one)\b"
       rf"|第\s*{NUM}\s*(?:{_CN_PHOTO})?|最后\s*(?:[1一那这]\s*)?{_CN_PHOTO})")
_NOT_A_UNIT = r"(?!\s*(?:s|secs?|seconds?|mins?|minutes?|%|秒|分钟)(?![a-z]))"
# In a list the later items may be bare ("photos 2, 3 and 5", "the first and last photo", "第2、3张").
_NEXT_REF = (rf"(?:{REF}|(?:the\s+)?{_EN_REF}\b{_NOT_A_UNIT}(?:\s*[-–]\s*\d+\b)?(?:\s+{PHOTO}\b)?"
             rf"|{NUM}\s*{_CN_PHOTO})")
_FIRST_REF = (rf"(?:{REF}(?:\s*[-–]\s*\d+\b)?"
              rf"|(?:the\s+)?{_EN_REF}(?:\b|(?=[和与跟]))(?=\s*(?:,|、|and\b|&|with\b|和|与|跟)))")
REF_LIST = rf"{_FIRST_REF}(?:\s*(?:,|、|\band\b|&|\bor\b|\bwith\b|和|与|跟|及|以及)\s*{_NEXT_REF})*"
_REF_TOKEN = re.compile(rf"最后\s*[1一]?|\blast\b|\d+(?:\s*[-–]\s*\d+)?|\b(?:{EN_ORDINAL})\b|[{CN_NUMERALS}]+")


def no_photos() -> PlanError:
    return PlanError(_("There are no photos on the timeline yet: send some photos first."))


def photo_number(token: str, count: int) -> int:
    """"2", "2nd", "second", "三", "last", "最后" → a 0-based index, or PlanError naming the range."""
    token = token.strip().lower()
    if token == "last" or token.startswith("最后"):
        number: int | None = count
    else:
        number = _ORDINALS.get(token) or cn_number(re.sub(r"(?<=\d)(st|nd|rd|th)$", "", token))
    if count == 0:
        raise no_photos()
    if number is None:
        raise PlanError(_("I could not tell which photo “{token}” is: use its number, e.g. photo 2.").format(
            token=token))
    if not 1 <= number <= count:
        raise PlanError(_n("There is no photo {number}: the timeline has {count} photo (1-{count}).",
                           "There is no photo {number}: the timeline has {count} photos (1-{count}).",
                           count).format(number=number))
    return number - 1


def photo_indexes(span: str, count: int) -> list[int]:
    """Every photo a reference or list names, in order ("photos 2, 3 and 5", "2-4", "第2、3张")."""
    found: list[int] = []
    for token in _REF_TOKEN.findall(span):
        bounds = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", token)
        if bounds:
            first, last = photo_number(bounds.group(1), count), photo_number(bounds.group(2), count)
            found.extend(range(first, last + 1) if first <= last else range(first, last - 1, -1))
        else:
            found.append(photo_number(token, count))
    return found


# ---------------------------------------------------------------- negation

# One mechanism for every "off" switch: a negating word shortly before the feature word ("no music",
# "disable ken burns", "不要背景音乐", "关闭运镜"), or the feature word followed by off / none ("music: none",
# "把音乐关掉"). Each rule checks it before its positive patterns, so the feature word that follows a "no"
# can never switch the feature on.
_NEGATOR = (r"(?:\bno\b(?!\.)|\bnot\b|\bnever\b|\bnone\b|\bdon'?t\b|\bdo\s+not\b|\bdisable\b|\bturn\s+off\b"
            r"|\bswitch\s+off\b|\bshut\s+off\b|\bremove\b|\bstop\b|\bwithout\b|\bget\s+rid\s+of\b|\bdrop\b"
            r"|\bdelete\b|\bkill\b|\bclear\b|\bditch\b|\bskip\b|\blose\b"
            r"|不要|不想要|不需要|不用|关掉|关闭|关上|去掉|去除|取消|删掉|删除|移除|停掉|禁用|拿掉"
            r"|\binstead\s+of\b|\brather\s+than\b"
            r"|(?<![特区分级告离类识个性差派辨鉴])别(?![的人处样])|无(?![缝限论])|没有)")
_NEGATION_GAP = (r"(?:\s*(?:(?:the|any|all|my|your|this|that|those|these|of|more|a|an|use|using|add|adding|"
                 r"have|having|want|need|include|put|show|play|playing|background)\b|背景|的|掉|任何|所有|那个|"
                 r"这个|用|加|要|放|使用|添加|了)){0,3}\s*")
_OFF_AFTER = (r"\s*(?:[:=]\s*(?:none|off|no|nothing|false|无|关|关闭|不要)\b|off\b"
              r"|(?:(?:也|都|就)\s*)?(?:关掉|关闭|关上|关了|停了|去掉|去除|取消|删掉|删除|移除|拿掉|不要了?|停掉))")


def negations(text: str, feature: str) -> list[re.Match[str]]:
    """Every negated mention of `feature` (a regex of its words) in `text`."""
    pattern = (rf"{_NEGATOR}{_NEGATION_GAP}(?:{feature})"
               rf"|(?:\bturn|\bswitch|把|将)\s*(?:the\s+)?(?:{feature})\s*(?:off\b|关掉|关闭|关上|去掉)"
               rf"|(?:{feature}){_OFF_AFTER}")
    return list(re.finditer(pattern, text))


def take_negations(text: Text, feature: str) -> bool:
    """Consume every negated mention of `feature`; True when there was one."""
    found = negations(text.value, feature)
    for match in found:
        text.consume(match.start(), match.end())
    return bool(found)
