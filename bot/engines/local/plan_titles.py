"""Title and caption text: read before every other rule and blanked out, so the words of a title ("Crop Top
Summer", "the music of the night") never drive another rule.

Each title or caption keyword owns the text up to the next one, and takes the quote nearest after it, so
`title "Trip" and caption photo 1 "Day one"` gives each its own quote. Unquoted text is only taken after an
explicit marker ("title:", "titled", "called", "saying", 标题是 / 标题为 / 标题：, or "add title X" ending a
clause), because a bare word after "title" is far more often a position or a size ("title at the top",
"make the title bigger") than the title itself. A position word binds to the nearest title/caption keyword
before it ("title at the top and captions at the bottom").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engines.local.plan_words import (
    QUOTE_MARK,
    REF,
    State,
    Text,
    listed,
    negations,
    photo_indexes,
    quote_number,
)
from bot.language import _

_TITLE_WORD = r"\btitles?\b|\bheading\b|\bheadline\b|标题|题目"
_CAPTION_WORD = r"\bcaptions?\b|\bsubtitles?\b|字幕|配文|文案"
_KEYWORD = re.compile(rf"(?P<title>{_TITLE_WORD})|(?P<caption>{_CAPTION_WORD})", re.I)

# Where an unquoted title or caption stops: punctuation, or "and"/和 followed by another instruction.
_NEXT_INSTRUCTION = (r"(?:add|use|make|set|put|change|remove|delete|swap|move|turn|switch|give|apply|crop|fit|no|"
                     r"don'?t|with|music|songs?|bgm|transitions?|captions?|subtitles?|title|fade|dissolve|slide|"
                     r"wipe|zoom|ken\s*burns|motion|pan|square|vertical|landscape|reverse|\d+\s*(?:s|secs?|seconds?))"
                     r"\b")
_CN_NEXT_INSTRUCTION = (r"(?:加|添加|用|改|换|去掉|删除|不要|音乐|配乐|转场|字幕|标题|运镜|动效|裁剪|铺满|横屏|"
                        r"竖屏|方形|倒序|交换|\d+\s*秒)")
_CLAUSE_END = re.compile(rf"[,;!?\n，。；！？、]|\.(?=\s|$)"
                         rf"|(?<!\s)\s+(?:and|then|also|plus|but|&)\s+(?={_NEXT_INSTRUCTION})"
                         rf"|(?:和|并且|并|然后|再|同时|以及|还有)(?={_CN_NEXT_INSTRUCTION})|{QUOTE_MARK}", re.I)

_POSITION = re.compile(
    r"(?:at|to|on|in|near|towards?)\s+(?:the\s+)?(?:very\s+)?(?P<en>top|bottom|middle|center|centre)\b"
    r"(?:\s+of\s+the\s+(?:screen|frame|video|picture))?|\bon\s+(?P<ontop>top)\b"
    r"|(?:放在|放到|移到|挪到|移至|位于|置于|改到|调到|改成|改为|放|在)\s*(?:(?:屏幕|画面|视频)\s*)?(?:的\s*)?"
    r"(?P<cn>最上方|最上面|顶部|顶端|上方|上面|最下方|最下面|底部|底端|下方|下面|正中间|正中|中间|居中|中央)"
    r"|(?P<cnbare>最上方|最上面|顶部|顶端|最下方|最下面|底部|底端|居中|正中间)"
    # "move the title up", "标题往上移": a direction right after the keyword
    r"|(?:(?<=title)|(?<=caption)|(?<=captions)|(?<=subtitles))\s+(?P<enway>up|higher|down|lower)\b"
    r"|(?:(?<=标题)|(?<=字幕))\s*(?:往|向)?(?P<cnway>上|下)\s*(?:移|挪|调|放|边|面)", re.I)
_POSITION_OF = {"up": "top", "higher": "top", "上": "top", "down": "bottom", "lower": "bottom", "下": "bottom",
                "top": "top", "ontop": "top", "最上方": "top", "最上面": "top", "顶部": "top", "顶端": "top",
                "上方": "top", "上面": "top", "bottom": "bottom", "最下方": "bottom", "最下面": "bottom",
                "底部": "bottom", "底端": "bottom", "下方": "bottom", "下面": "bottom"}
_STYLE_WORDS = re.compile(r"\b(?:bigger|larger|smaller|font|fonts|colou?rs?|bold|italic|size)\b"
                          r"|字体|字号|颜色|大一点|小一点|大一些|小一些|加粗|变大|变小", re.I)
_NOT_TEXT = re.compile(r"(?:to|at|on|in|for|and|with|of|card|text|bigger|smaller|larger|please|too|that|which|"
                       r"here|there|also|as|is|size|font|colou?r)\b", re.I)

_TITLE_MARKER = re.compile(r"\s*(?:card\s*)?(?::|=|-|–|—)\s*|\s*(?:card\s+)?(?:saying|that\s+says|which\s+says|"
                           r"reading|called|named)\s+|\s*(?:是|为|：|叫做?|写(?:成|上|着)?|改成|改为|换成|设为|"
                           r"设置为|用)\s*", re.I)
_TITLE_TO = re.compile(r"(?:change|set|rename|switch)\s+(?:the\s+)?$", re.I)
_NAMED = re.compile(r"\btitled\s+|\b(?:video|reel|tiktok|slideshow|movie|clip|montage|it)\s+(?:called|named)\s+"
                    r"|\b(?:call|name)\s+(?:it|the\s+(?:video|reel|slideshow|movie|clip))\s+"
                    r"|(?:命名为|取名为?|起名为?|名字叫做?|名字是|名称为?)\s*", re.I)
_QUOTE_BEFORE_TITLE = re.compile(rf"{QUOTE_MARK}\s*(?:as|for)\s+(?:the\s+|a\s+|my\s+)?$"
                                 rf"|{QUOTE_MARK}\s*(?:作为|当作?|做)\s*$", re.I)
_WEAK_TITLE_VERB = re.compile(r"(?:\b(?:add|put|use|with|include|insert|need|want)\s+(?:a\s+|an\s+|the\s+|my\s+)?"
                              r"|(?:加|添加|加上|加个|加一个|配|配个|配上|来个|写)\s*)$", re.I)

_CAPTION_REF_AFTER = re.compile(rf"\s*(?:(?:for|on|of|to|under|in)\s+)?(?:the\s+)?"
                                rf"(?P<ref>{REF}|\d+\b(?!\s*(?:s|secs?|seconds?|%)\b))", re.I)
_CAPTION_REF_BEFORE = re.compile(rf"(?:(?:给|为|在|\bon\b|\bfor\b|\bto\b)\s*)?(?P<ref>{REF})\s*(?:(?:'s|的)\s*)?"
                                 r"(?:(?:加上?|添加|配上?|加个|加一个|写上?|\badd\b|\ba\b|\bthe\b)\s*)*$", re.I)
_CAPTION_REF_AFTER_QUOTE = re.compile(rf"\s*(?:to|on|for|under|in|at|onto|给|到|在|放到|加到|加在|放在)\s*"
                                      rf"(?:the\s+)?(?P<ref>{REF})", re.I)
_CAPTION_MARKER = re.compile(r"\s*(?:(?:with|as|saying|that\s+says|reading|to\s+read|is|reads|:|=|-|为|是|写着?|叫|：)"
                             r"\s*)?", re.I)
_CAPTION_NEGATED_REF = re.compile(rf"(?:remove|delete|clear|drop|删除|去掉|删掉|移除|取消|不要|拿掉)\s*(?:the\s+)?"
                                  rf"(?P<ref>{REF})\s*(?:(?:'s|的)\s*)?(?:{_CAPTION_WORD})"
                                  rf"|(?:remove|delete|clear|drop)\s+(?:the\s+)?(?:{_CAPTION_WORD})\s*(?:from|on|of|for)\s+"
                                  rf"(?:the\s+)?(?P<ref2>{REF})"
                                  rf"|(?P<ref3>{REF})\s*(?:的\s*)?(?:{_CAPTION_WORD})\s*(?:(?:就|也)\s*)?"
                                  rf"(?:不要了|删掉|删除|去掉|拿掉|取消)", re.I)


@dataclass(slots=True)
class _Keyword:
    kind: str  # "title" | "caption"
    start: int
    end: int
    done: bool = False  # its text was taken
    placed: bool = False  # a position word was bound to it


@dataclass(slots=True)
class _Edits:
    """What this message did to the title and captions, turned into phrases once at the end."""

    title: str | None = None
    title_removed: bool = False
    title_position: str | None = None
    caption_position: str | None = None
    captions_removed: list[int] | None = None  # [] for all photos


def extract(state: State, text: Text) -> None:
    """Apply every title/caption edit in `text` (the quote-marked instruction, original case) and blank it."""
    edits = _Edits()
    _removals(state, text, edits)
    keywords = [_Keyword(m.lastgroup or "title", m.start(), m.end()) for m in _KEYWORD.finditer(text.value)
                if m.group(0).strip()]
    for i, keyword in enumerate(keywords):
        limit = keywords[i + 1].start if i + 1 < len(keywords) else len(text.value)
        if keyword.kind == "title":
            keyword.done = _quoted_or_marked_title(state, text, keyword, limit, edits)
        else:
            keyword.done = _caption(state, text, keyword, limit, keywords[i - 1].end if i else 0)
    _named_title(state, text, edits)
    _quote_on_photo(state, text)
    _positions(state, text, keywords, edits)
    for i, keyword in enumerate(keywords):
        if keyword.done:
            continue
        limit = keywords[i + 1].start if i + 1 < len(keywords) else len(text.value)
        if keyword.kind == "title" and _weak_title(state, text, keyword, limit, edits):
            continue
        if not keyword.placed:
            _unused_keyword(state, text, keyword, limit)
    _report(state, edits)


# ---------------------------------------------------------------- removal


def _removals(state: State, text: Text, edits: _Edits) -> None:
    if negations(text.value, _TITLE_WORD):
        for match in negations(text.value, _TITLE_WORD):
            text.consume(match.start(), match.end())
        state.conf["title"] = None
        edits.title_removed = True
    targets: list[int] = []
    for match in list(re.finditer(_CAPTION_NEGATED_REF, text.value)):
        targets += photo_indexes(match.group("ref") or match.group("ref2") or match.group("ref3"), len(state.photos))
        text.consume(match.start(), match.end())
    found = negations(text.value, _CAPTION_WORD)
    for match in found:
        text.consume(match.start(), match.end())
    if not found and not targets:
        return
    chosen = range(len(state.photos)) if found else targets
    for index in chosen:
        state.photos[index].setdefault("m", {}).pop("caption", None)
    edits.captions_removed = [] if found else targets


# ---------------------------------------------------------------- title


_MARK = re.compile(QUOTE_MARK)


def _take_quote(state: State, text: Text, start: int, end: int) -> tuple[str, int] | None:
    """The first unclaimed quote between start and end: its text and where its mark is."""
    for mark in _MARK.finditer(text.value, start, end):
        index = quote_number(mark.group())
        if index not in state.claimed and index < len(state.quotes):
            state.claimed.add(index)
            text.consume(mark.start(), mark.end())
            return state.quotes[index], mark.start()
    return None


def _clause(text: Text, start: int, limit: int) -> tuple[str, int]:
    """The unquoted words from `start` to the end of their clause (at most `limit`), trimmed of a trailing
    position or "please"; and where that clause ends."""
    end = limit
    stop = _CLAUSE_END.search(text.value, start, limit)
    if stop:
        end = stop.start()
    raw = text.words(start, end)
    where = _POSITION.search(raw)
    if where:
        raw, end = raw[: where.start()], start + where.start()
    cleaned = re.sub(r"\s+", " ", raw).strip(" \t:：,，.。!！-–—")
    cleaned = re.sub(r"\s+(?:please|pls|thanks)$", "", cleaned, flags=re.I)
    return cleaned[:120], end


def _set_title(state: State, edits: _Edits, value: str) -> None:
    state.conf["title"] = value
    state.title_set = True
    edits.title = value


def _quoted_or_marked_title(state: State, text: Text, keyword: _Keyword, limit: int, edits: _Edits) -> bool:
    """`title "X"`, `"X" as the title`, `title: X`, `title saying X`, `change the title to X`, 标题是X."""
    quote = _take_quote(state, text, keyword.end, limit)
    if quote is None:
        before = _QUOTE_BEFORE_TITLE.search(text.value, 0, keyword.start)
        if before:
            quote = _take_quote(state, text, before.start(), before.start() + 1)
    if quote is not None:
        _set_title(state, edits, quote[0])
        text.consume(keyword.start, keyword.end)
        return True
    if re.compile(r"\s+to\s+(?:the\s+)?(?:top|bottom|middle|center|centre)\b", re.I).match(text.value, keyword.end):
        return False  # "set the title to the top" is a position
    marker = _TITLE_MARKER.match(text.value, keyword.end, limit)
    if marker is None or not marker.group(0).strip():
        marker = None
        if _TITLE_TO.search(text.value, 0, keyword.start):
            marker = re.compile(r"\s+to\s+", re.I).match(text.value, keyword.end, limit)
    if marker is None:
        return False
    value, end = _clause(text, marker.end(), limit)
    if not value or _NOT_TEXT.match(value):
        return False
    _set_title(state, edits, value)
    text.consume(keyword.start, end)
    return True


def _named_title(state: State, text: Text, edits: _Edits) -> None:
    """"a video titled X", "call it X", 命名为X."""
    for match in list(re.finditer(_NAMED, text.value)):
        quote = _take_quote(state, text, match.end(), match.end() + 2)
        if quote is not None:
            _set_title(state, edits, quote[0])
            text.consume(match.start(), match.end())
            continue
        value, end = _clause(text, match.end(), len(text.value))
        if value and not _NOT_TEXT.match(value):
            _set_title(state, edits, value)
            text.consume(match.start(), end)


def _weak_title(state: State, text: Text, keyword: _Keyword, limit: int, edits: _Edits) -> bool:
    """"add title Summer" / 加标题夏天: only when a verb comes before and the words end the clause."""
    verb = _WEAK_TITLE_VERB.search(text.value, 0, keyword.start)
    if verb is None:
        return False
    start = keyword.end
    colon = re.compile(r"\s*(?:[:：]\s*)?").match(text.value, start, limit)
    value, end = _clause(text, colon.end() if colon else start, limit)
    if not value or _NOT_TEXT.match(value) or _STYLE_WORDS.search(value):
        return False
    _set_title(state, edits, value)
    text.consume(verb.start(), end)
    return True


# ---------------------------------------------------------------- captions


def _caption(state: State, text: Text, keyword: _Keyword, limit: int, previous_end: int) -> bool:
    """`caption photo 2 "X"`, `add caption "X" to photo 3`, `photo 2 caption: X`, 第三张字幕：X, 加字幕"X"到第2张."""
    count = len(state.photos)
    ref = _CAPTION_REF_AFTER.match(text.value, keyword.end, limit)
    ref_before = None if ref else _CAPTION_REF_BEFORE.search(text.value, previous_end, keyword.start)
    quote = _take_quote(state, text, keyword.end, limit)
    value, end = (quote[0], keyword.end) if quote else ("", keyword.end)
    if quote and not ref and not ref_before:
        ref = _CAPTION_REF_AFTER_QUOTE.match(text.value, quote[1] + 1, limit)
    if not quote:
        if ref:
            marker = _CAPTION_MARKER.match(text.value, ref.end(), limit)
            value, end = _clause(text, marker.end() if marker else ref.end(), limit)
        elif ref_before:
            marker = re.compile(r"\s*(?::|=|：|is|saying|reads|为|是|写着?|叫)\s*", re.I).match(
                text.value, keyword.end, limit)
            value, end = _clause(text, marker.end(), limit) if marker else ("", keyword.end)
        if value and _NOT_TEXT.match(value) and not re.match(r"(?:is|as)\b", value, re.I):
            value = ""
        if value:
            text.consume(keyword.end, end)
    found = ref or ref_before
    if found is None:
        if value:
            state.advise(_("Tell me which photo the caption “{text}” goes on, e.g. caption photo 2 “{text}”.")
                         .format(text=value))
            text.consume(keyword.start, keyword.end)
            return True
        return False
    index = photo_indexes(found.group("ref"), count)[0]
    text.consume(found.start("ref"), found.end("ref"))
    text.consume(keyword.start, keyword.end)
    if not value:
        state.advise(_("Tell me the caption text too, e.g. caption photo {number} “Beach day”.").format(
            number=index + 1))
        return True
    state.photos[index].setdefault("m", {})["caption"] = value
    state.note(_("caption “{text}” on photo {number}").format(text=value, number=index + 1))
    return True


def _quote_on_photo(state: State, text: Text) -> None:
    """`put "Hello" on photo 2`, `"你好"放到第2张`: a quote no keyword took, placed on a photo, is its caption."""
    for mark in list(_MARK.finditer(text.value)):
        index = quote_number(mark.group())
        ref = _CAPTION_REF_AFTER_QUOTE.match(text.value, mark.end())
        if ref is None or index in state.claimed or index >= len(state.quotes):
            continue
        photo = photo_indexes(ref.group("ref"), len(state.photos))[0]
        state.claimed.add(index)
        text.consume(mark.start(), ref.end())
        state.photos[photo].setdefault("m", {})["caption"] = state.quotes[index]
        state.note(_("caption “{text}” on photo {number}").format(text=state.quotes[index], number=photo + 1))


# ---------------------------------------------------------------- positions


def _positions(state: State, text: Text, keywords: list[_Keyword], edits: _Edits) -> None:
    """Each position word goes to the nearest title/caption keyword before it (or just after it), and to both
    when they are joined ("the title and captions at the top")."""
    if not keywords:
        return
    original = text.value  # joins are read before positions are blanked
    for match in list(_POSITION.finditer(text.value)):
        before = [k for k in keywords if k.end <= match.start()]
        if before and not _same_clause(text.value[before[-1].end: match.start()]):
            before = []
        after = [k for k in keywords if k.start >= match.end()][:1]
        if after and (after[0].start - match.end() > 30 or not _same_clause(text.value[match.end(): after[0].start])):
            after = []
        if not before and not after:
            continue
        target = before[-1] if before else after[0]
        bound = [target]
        if len(before) >= 2 and re.fullmatch(r"\s*(?:and|&|和|与|跟|及)\s*(?:the\s+|all\s+)?",
                                             original[before[-2].end: target.start], re.I):
            bound.append(before[-2])
        word = next(g for g in match.groups() if g)
        position = _POSITION_OF.get(word.lower(), "center")
        for keyword in bound:
            keyword.placed = True
            if keyword.kind == "title":
                state.conf["title_position"] = edits.title_position = position
            else:
                state.conf["caption_position"] = edits.caption_position = position
            text.consume(keyword.start, keyword.end)
        text.consume(match.start(), match.end())


def take_position(text: Text) -> str | None:
    """The first position phrase left in `text` (consumed): for a bare quote that became the title."""
    match = text.take(_POSITION.search(text.value))
    return _POSITION_OF.get(next(g for g in match.groups() if g).lower(), "center") if match else None


def _same_clause(between: str) -> bool:
    """No sentence break and no photo between a keyword and a position ("title ... move photo 2 to the top")."""
    return not re.search(rf"[.;!?。；！？\n]|{REF}", between, re.I)


# ---------------------------------------------------------------- the rest


def _unused_keyword(state: State, text: Text, keyword: _Keyword, limit: int) -> None:
    """A title/caption keyword nothing used: a style request we cannot do, or a hint at what to write."""
    if not text.value[keyword.start: keyword.end].strip():
        return
    stop = _CLAUSE_END.search(text.value, keyword.end, limit)
    style = _STYLE_WORDS.search(text.value, keyword.end, stop.start() if stop else limit)
    if style is None:
        lead = text.value[max(0, keyword.start - 24): keyword.start]
        style = _STYLE_WORDS.search(lead)
        if style:
            text.consume(keyword.start - len(lead) + style.start(), keyword.start - len(lead) + style.end())
    else:
        text.consume(style.start(), style.end())
    text.consume(keyword.start, keyword.end)
    if style is not None:
        state.refuse(_("change the size, font or colour of text"))
    elif keyword.kind == "title":
        state.advise(_("Tell me the title text, e.g. title “Summer in Lisbon”."))
    else:
        state.advise(_("Tell me the caption text and the photo, e.g. caption photo 2 “Beach day”."))


WHERE = {"top": _("at the top"), "center": _("in the middle"), "bottom": _("at the bottom"),
         "upper": _("in the upper part")}  # the default place, never asked for by name


def _report(state: State, edits: _Edits) -> None:
    if edits.title_removed and edits.title is None:
        state.note(_("removed the title"), already=_("no title"))
    if edits.title is not None:
        if edits.title_position:
            state.note(_("title “{text}” {where}").format(text=edits.title, where=WHERE[edits.title_position]))
        else:
            state.note(_("title “{text}”").format(text=edits.title))
    elif edits.title_position:
        state.note(_("title {where}").format(where=WHERE[edits.title_position]))
    if edits.captions_removed is not None:
        numbers = listed(str(i + 1) for i in edits.captions_removed)
        if edits.captions_removed:
            state.note(_("removed the caption of photo {numbers}").format(numbers=numbers),
                       already=_("no caption on photo {numbers}").format(numbers=numbers))
        else:
            state.note(_("removed the captions"), already=_("no captions"))
    if edits.caption_position:
        state.note(_("captions {where}").format(where=WHERE[edits.caption_position]))
