"""Sentences in the reader's language: what the bot says is written once, in English, and read in any language
that has a catalogue.

A sentence is declared with `_("...")` (or `_n(singular, plural, count)` when it counts something) and stays a
`Text` (its English message id and the values to fill in) until it is about to leave for one chat: only then
is the chat's language known, so only then is it looked up and filled in (`render`). English needs no
catalogue (the message ids are the English text); every other language is a gettext catalogue at
`bot/locales/<locale>/LC_MESSAGES/reelbot.po`, read with Babel at start-up, so adding a language is adding a
folder. Babel's `pybabel extract -k _ -k _n:1,2` finds every sentence, because every sentence is one of these
calls with a literal.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

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
    separator: str = "\n"

    def render(self, language: str) -> str:
        return self.separator.join(piece for piece in (render(part, language) for part in self.parts) if piece)

    def __str__(self) -> str:
        return self.render(ENGLISH)


def _(msgid: str) -> Text:
    """Mark a sentence for the catalogues; it is translated when rendered, not here."""
    return Text(msgid)


def _n(singular: str, plural: str, count: int) -> Text:
    """A sentence that counts something: the catalogue picks the form for `count` (filled in as {count})."""
    return Text(singular, plural, count)


def join(parts: Iterable[Sentence | str], separator: str = "\n") -> Joined:
    return Joined(tuple(parts), separator)


def render(sentence: object, language: str) -> str:
    """A sentence in `language`; a plain value (a title, a number, words from the video service) as it is."""
    if isinstance(sentence, Text | Joined):
        return sentence.render(language)
    render_method = getattr(sentence, "render", None)
    if callable(render_method):
        return str(render_method(language))
    return str(sentence)


def available_languages() -> tuple[str, ...]:
    """English, then every language with a catalogue folder."""
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
