"""Sentences in the reader's language: what the bot says is written once, in English, and read in any language
that has a catalogue.

A sentence is declared with `_("...")` (or `_n(singular, plural, count)` when it counts something) and stays a
`Text` (its English message id and the values to fill in) until it is about to leave for one chat: only then
is the chat's language known, so only then is it looked up and filled in (`render`). English needs no
catalogue (the message ids are the English text); every other language is a gettext catalogue at
`bot/locales/<locale>/LC_MESSAGES/reelbot.po`, read with Babel at start-up, so adding a language is adding a
folder. Babel's `pybabel extract -k _ -k _n:1,2` finds every sentence, because every sentence is one of these
calls with a literal.

Which language a chat is spoken to in is decided from what Telegram and the words themselves say
(`language_for_code`, `language_in_text`) or named by the user (`language_named`); all three only ever answer
with a language that has a catalogue, so adding a folder is all a new language needs here too.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "reelbot"
ENGLISH = "en"

# A catalogue folder is named by its locale ("zh_CN"); the bot names a language by its short code ("zh").
_LOCALE_OF = {"zh": "zh_CN"}


class Sentence(Protocol):
    """Anything the bot can say before it knows to whom: it becomes words only in one language."""

    def render(self, language: str) -> str: ...


@dataclass(frozen=True)
class Text:
    """One sentence by its English message id, with the values it is filled with (themselves sentences or
    plain values such as a number or a file name the user sent)."""

    msgid: str
    plural: str | None = None
    count: int | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    def format(self, **params: object) -> Text:
        return Text(self.msgid, self.plural, self.count, {**self.params, **params})

    def render(self, language: str) -> str:
        words = translations(language)
        if self.plural is not None:
            template = words.ngettext(self.msgid, self.plural, self.count or 0)
        else:
            template = words.gettext(self.msgid)
        values = {name: render(value, language) for name, value in self.params.items()}
        if self.count is not None:
            values.setdefault("count", self.count)
        return template.format(**values) if values else template

    def __str__(self) -> str:
        return self.render(ENGLISH)


@dataclass(frozen=True)
class Joined:
    """Sentences said together (lines of one message, clauses of a list), each rendered in the same language."""

    parts: tuple[Sentence | str, ...]
    separator: Sentence | str = "\n"  # a sentence too: a list reads "a, b" in English but "a、b" in Chinese

    def render(self, language: str) -> str:
        separator = render(self.separator, language)
        return separator.join(piece for piece in (render(part, language) for part in self.parts) if piece)

    def __str__(self) -> str:
        return self.render(ENGLISH)


def _(msgid: str) -> Text:
    """Mark a sentence for the catalogues; it is translated when rendered, not here."""
    return Text(msgid)


def _n(singular: str, plural: str, count: int) -> Text:
    """A sentence that counts something: the catalogue picks the form for `count` (filled in as {count})."""
    return Text(singular, plural, count)


def join(parts: Iterable[Sentence | str], separator: Sentence | str = "\n") -> Joined:
    return Joined(tuple(parts), separator)


def render(sentence: object, language: str) -> str:
    """A sentence in `language`; a plain value (a title, a number, words from the video service) as it is."""
    if isinstance(sentence, Text | Joined):
        return sentence.render(language)
    render_method = getattr(sentence, "render", None)
    if callable(render_method):
        return str(render_method(language))
    return str(sentence)


@functools.cache
def available_languages() -> tuple[str, ...]:
    """English, then every language with a catalogue folder (read once: the catalogues ship with the code, and
    every message asks, through `language_for_code` and `language_in_text`)."""
    found = {ENGLISH}
    for locale, folder in _folders().items():
        if (folder / "LC_MESSAGES" / f"{DOMAIN}.po").is_file():
            found.add(locale.split("_")[0])
    return (ENGLISH, *sorted(found - {ENGLISH}))


def catalogue_path(language: str) -> Path:
    locale = _LOCALE_OF.get(language, language)
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalogue compiled in memory from its .po file (so a .mo can never be stale); English,
    or a language without a catalogue, reads the message ids themselves."""
    path = catalogue_path(language)
    if language == ENGLISH or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=path.parent.parent.name)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _folders() -> dict[str, Path]:
    if not LOCALES_DIR.is_dir():
        return {}
    return {folder.name: folder for folder in LOCALES_DIR.iterdir() if folder.is_dir()}


# ---------------------------------------------------------------- which language a chat reads


def language_for_code(code: str | None) -> str | None:
    """The language with a catalogue that an IETF tag names (Telegram's `language_code`, a locale such as
    "zh_CN.UTF-8"): "zh", "zh-hans", "zh-CN" -> "zh"; None for one without a catalogue."""
    if not code:
        return None
    primary = re.split(r"[-_.@]", code.strip().lower(), maxsplit=1)[0]
    return primary if primary in available_languages() else None


# A language's script, for telling which language words are in when nothing else says. Han covers the CJK
# ideographs (with extensions A and B..): Chinese uses nothing else, English nothing of it.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
# Quoted words are what the user wants shown (a title, a file name), not the language they speak.
_QUOTED = re.compile(r"“[^”]*”|‘[^’]*’|「[^」]*」|『[^』]*』|\"[^\"]*\"|'[^']*'|《[^》]*》")


def language_in_text(text: str) -> str | None:
    """The language `text` is written in, judged by its script outside quotes: Han characters against Latin
    words (a Chinese character says about as much as an English word). None when it has neither (emoji,
    numbers, a command)."""
    bare = _QUOTED.sub(" ", text)
    han = len(_HAN.findall(bare))
    words = len(_LATIN_WORD.findall(bare))
    if not han and not words:
        return None
    found = "zh" if han > words else ENGLISH
    return found if found in available_languages() else None


def locale_code(environ: Mapping[str, str]) -> str | None:
    """The language a terminal's locale asks messages in, as gettext reads it: GNU's LANGUAGE list first,
    then LC_ALL, LC_MESSAGES, LANG ("zh_CN.UTF-8"; "C" and "POSIX" name none)."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "").split(":")[0].strip()
        if value:
            return value
    return None


def language_named(name: str) -> str | None:
    """The language a user asks for by name or code ("zh", "zh-CN", "中文", "Chinese", "English", "英语"),
    among those with a catalogue: each language's name in every language the bot speaks counts (from the
    CLDR data Babel carries), so a new catalogue needs no list here."""
    wanted = "".join(name.split()).lower()
    if not wanted:
        return None
    by_code = language_for_code(wanted)
    if by_code is not None and re.fullmatch(r"[a-z]{2,3}([-_][a-z0-9]+)*", wanted):
        return by_code
    for language in available_languages():
        if wanted in _names_of(language):
            return language
    return None


def language_name(language: str) -> str:
    """A language as its own speakers write it ("English", "中文"), for the reply to /language."""
    locale = _locale(language)
    return (locale.language_name or language) if locale else language


@functools.cache
def _names_of(language: str) -> frozenset[str]:
    names = {language}
    for reader in available_languages():
        locale = _locale(reader)
        if locale is None:
            continue
        for key in (language, _LOCALE_OF.get(language, language)):
            named = locale.languages.get(key)
            if named:
                names.add(named)
        own = _locale(language)
        if own is not None:
            names.add(own.get_display_name(locale) or "")
    names |= _ALIASES.get(language, set())
    return frozenset("".join(n.split()).lower() for n in names if n)


# Everyday names CLDR does not list for a language (it says "中文" and "英语", people also say "汉语", "英文").
_ALIASES = {"zh": {"汉语", "漢語", "简体中文", "簡體中文", "华语", "普通话", "中文简体"}, "en": {"英文", "英語"}}


def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(_LOCALE_OF.get(language, language))
    except (ValueError, UnknownLocaleError):
        return None
