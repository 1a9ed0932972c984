"""Sentences become words only in the reader's language, with what they are filled with in that language too."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

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


# ---------------------------------------------------------------- which language a chat reads


def test_telegram_language_codes_name_the_catalogue_of_their_language() -> None:
    for code in ("zh", "zh-hans", "zh-CN", "zh-TW", "ZH_cn.UTF-8"):
        assert language.language_for_code(code) == "zh", code
    for code in ("en", "en-US", "en_GB.UTF-8"):
        assert language.language_for_code(code) == "en", code
    for code in ("fr", "pt-br", "C", "POSIX", "", None):
        assert language.language_for_code(code) is None, code


def test_the_script_written_says_the_language_quoted_words_do_not() -> None:
    assert language.language_in_text("音乐小一点") == "zh"
    assert language.language_in_text("把标题改成 Summer") == "zh"
    assert language.language_in_text("sync to the beat") == "en"
    assert language.language_in_text("add the title “夏天快乐”") == "en"
    assert language.language_in_text("加标题“Summer Trip Forever”") == "zh"
    assert language.language_in_text("👍 3 5") is None


@given(st.text(alphabet=st.characters(blacklist_categories=("Lo",))))
def test_text_without_han_is_never_taken_for_chinese(text: str) -> None:
    assert language.language_in_text(text) != "zh"


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1))
def test_text_in_han_alone_is_chinese(text: str) -> None:
    assert language.language_in_text(text) == "zh"


def test_a_language_is_named_by_code_or_by_its_name_in_any_language_the_bot_speaks() -> None:
    for name in ("zh", "zh-CN", "中文", "Chinese", "chinese", "简体中文", "汉语"):
        assert language.language_named(name) == "zh", name
    for name in ("en", "English", "英语", "英文"):
        assert language.language_named(name) == "en", name
    for name in ("fr", "Klingon", "", "中"):
        assert language.language_named(name) is None, name
    assert language.language_name("zh") == "中文" and language.language_name("en") == "English"


def test_a_list_separator_is_a_sentence_too() -> None:
    listed = join([_n("{count} photo", "{count} photos", 2), _n("{count} video", "{count} videos", 1)], _(", "))
    assert listed.render("en") == "2 photos, 1 video"
    assert listed.render("zh") == "2 张照片、1 个视频"
