"""Sentences become words only in the reader's language, with what they are filled with in that language too."""

from __future__ import annotations

from bot import language
from bot.language import _, _n, join


def test_a_sentence_reads_as_its_english_message_id_filled_in() -> None:
    sentence = _("Got {count} photos for “{title}”.").format(count=3, title="夏天")
    assert sentence.render("en") == "Got 3 photos for “夏天”."
    assert str(sentence) == "Got 3 photos for “夏天”."


def test_a_counting_sentence_takes_the_form_for_its_count() -> None:
    assert _n("{count} photo", "{count} photos", 1).render("en") == "1 photo"
    assert _n("{count} photo", "{count} photos", 4).render("en") == "4 photos"


def test_a_sentence_inside_another_is_rendered_in_the_same_language() -> None:
    inner = _n("{count} photo", "{count} photos", 2)
    outer = _("📥 Got {what}.").format(what=inner)
    assert outer.render("en") == "📥 Got 2 photos."


def test_sentences_said_together_skip_the_empty_ones() -> None:
    assert join([_("Done."), "", _("Send /export.")]).render("en") == "Done.\nSend /export."


def test_a_template_with_braces_but_no_values_is_left_alone() -> None:
    assert _("Use {curly} braces").render("en") == "Use {curly} braces"


def test_chinese_has_a_catalogue_and_unknown_languages_read_english() -> None:
    assert language.available_languages() == ("en", "zh")
    assert language.translations("zh").gettext("no such sentence") == "no such sentence"
    assert _("Ready!").render("xx") == "Ready!"
