"""Every sentence the bot can say has a translation in every catalogue, filled with the same values, and no
catalogue keeps sentences the code no longer says. The sentences are found the way `pybabel extract` finds
them (Babel's extraction API over `bot/`), so this is the same list a translator would be handed.

A sentence that never reaches the catalogues is one a user reads in English whatever their language: the
scan at the end fails for a literal handed straight to `say` / `edit` / `tell` / a caption, or a `_()` whose
text Babel cannot see (not a literal)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import language

BOT = Path(language.__file__).resolve().parent
KEYWORDS = {"_": None, "_n": (1, 2)}
TRANSLATED = [code for code in language.available_languages() if code != language.ENGLISH]


def _extracted() -> dict[str, tuple[str, ...]]:
    """msgid -> (msgid, msgid_plural?) for every sentence in the code."""
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(BOT), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        forms = message if isinstance(message, tuple) else (message,)
        found.setdefault(forms[0], tuple(forms))
    return found


def _catalogue(code: str) -> Catalog:
    path = language.catalogue_path(code)
    with path.open("rb") as source:
        return read_po(source, locale=path.parent.parent.name)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


SENTENCES = _extracted()


def test_the_code_has_sentences_to_translate() -> None:
    assert len(SENTENCES) > 100 and "Ready!" in SENTENCES and "{count} photo" in SENTENCES


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_sentence_is_translated_with_the_same_values(code: str) -> None:
    catalogue = _catalogue(code)
    untranslated, mismatched = [], []
    for msgid, forms in SENTENCES.items():
        entry = catalogue.get(msgid)
        strings = (entry.string if isinstance(entry.string, tuple) else (entry.string,)) if entry else ()
        if not strings or not all(strings) or entry is None or entry.fuzzy:
            untranslated.append(msgid)
            continue
        wanted = set().union(*(_placeholders(form) for form in forms))
        for translated in strings:
            # A counting sentence's one Chinese form may leave {count} out ("一张"), never add a stranger.
            have = _placeholders(translated)
            if have != wanted and not (len(forms) == 2 and have == wanted - {"count"}):
                mismatched.append((msgid, sorted(wanted), sorted(have)))
    share = 1 - len(untranslated) / len(SENTENCES)
    assert not untranslated, f"{code}: {share:.1%} translated; missing: {untranslated}"
    assert not mismatched, f"{code}: placeholders differ: {mismatched}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_catalogue_keeps_a_sentence_the_code_no_longer_says(code: str) -> None:
    stale = [message.id for message in _catalogue(code) if message.id and
             (message.id[0] if isinstance(message.id, tuple) else message.id) not in SENTENCES]
    assert not stale, f"{code}: entries no longer in the code (remove them): {stale}"


_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_HALF_WIDTH_NEXT_TO_HAN = re.compile(rf"[{_HAN}][,;:!?()]|[,;:!?()][{_HAN}]|\([^)]*[{_HAN}][^)]*\)")


def test_chinese_keeps_full_width_punctuation() -> None:
    """"你好，罗马" and never "你好,罗马": punctuation next to Chinese is the full-width kind."""
    catalogue = _catalogue("zh")
    wrong = []
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wrong += [text for text in strings if text and _HALF_WIDTH_NEXT_TO_HAN.search(text)]
    assert not wrong, wrong


# ---------------------------------------------------------------- sentences that bypass the catalogues

# What says something to a user: the text is among the first arguments.
_SPEAKING = {"say", "edit", "tell", "send_message", "answer", "_say", "_fail", "CannotStart"}
# What an engine hands the core to show: its events and the failures whose detail is shown as it is.
_SHOWN = {"Text", "Preview", "UnsupportedFile", "FileTooLarge", "NotReady", "BadInstruction", "EngineError",
          "RenderError"}
_SCANNED = [BOT / "conversation", BOT / "telegram", BOT / "console.py", BOT / "__main__.py", BOT / "config.py",
            BOT / "engines"]


def _words(node: ast.AST) -> bool:
    """A literal a user would read: a string with letters in it, an f-string, or a `+` of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[^\W\d_]", node.value))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _words(node.left) or _words(node.right)
    return False


def _files() -> list[Path]:
    """The adapters, the core and the engines (the cloud engine's failures carry notes for the log, which the
    core replaces with sentences of its own: only the local engine's details are shown as they are)."""
    files: list[Path] = []
    for place in _SCANNED:
        files += [place] if place.is_file() else sorted(place.rglob("*.py"))
    return files


def test_nothing_is_said_in_words_the_catalogues_do_not_have() -> None:
    found = []
    for path in _files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            said = []
            if name in _SPEAKING:
                said += node.args[:3]
            if name in _SHOWN and path.is_relative_to(BOT / "engines" / "local"):
                said += node.args[:1]
            if name == "Command":  # a line of the command menu: Command(name, summary, ...)
                said += node.args[1:2]
            said += [keyword.value for keyword in node.keywords if keyword.arg in ("text", "caption")]
            if name in ("_", "_n") and not all(
                isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args[:2 if name == "_n"
                                                                                                  else 1]
            ):
                found.append(f"{path.relative_to(BOT.parent)}:{node.lineno}: {name}() of something Babel can't read")
            found += [f"{path.relative_to(BOT.parent)}:{node.lineno}: {ast.unparse(arg)[:60]}"
                      for arg in said if _words(arg)]
    assert not found, found


def test_every_sentence_of_wording_is_declared_for_the_catalogues() -> None:
    """A module-level sentence in `wording` that is a plain string would be read in English by everyone."""
    tree = ast.parse((BOT / "conversation" / "wording.py").read_text(encoding="utf-8"))
    plain = [
        target.id for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name) and target.id.isupper() and _words(node.value)
    ]
    assert not plain, plain
