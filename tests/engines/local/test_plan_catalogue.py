"""Every sentence the planner can say has its Chinese translation, with the same values to fill in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from bot import language
from bot.engines.local import plan, plan_titles, plan_words

MODULES = [Path(module.__file__ or "") for module in (plan, plan_words, plan_titles)]


def sentences(path: Path) -> list[str | tuple[str, str]]:
    return [message for _line, message, _comments, _context in
            extract_from_file("python", str(path), keywords={"_": None, "_n": (1, 2)})]


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_every_planner_sentence_is_translated(path: Path) -> None:
    chinese = language.translations("zh")
    found = sentences(path)
    assert found
    for message in found:
        msgid = message if isinstance(message, str) else message[0]
        words = (chinese.gettext(msgid) if isinstance(message, str)
                 else chinese.ngettext(message[0], message[1], 2))
        assert words != msgid, msgid
        assert set(re.findall(r"{(\w+)}", words)) == set(re.findall(r"{(\w+)}", msgid)), msgid
