"""GUI translation: the backend answers as if the user sat in its web editor; the chat has no buttons.

Sentences that tell the user to click, open, drag or visit something are removed and replaced by what the
bot can do instead (nemo-api.md, "GUI translation"). The content around them is kept word for word:

- The text is cut into sentences at . ! ? … followed by a space or the end, and at 。！？ and line breaks;
  never inside a URL, an e-mail address, a decimal ("1.5 seconds"), a file name ("photo.jpg"), a list number
  ("1. Video") or an abbreviation ("e.g.", "i.e.", "vs."). A URL therefore stays whole or goes whole.
- A sentence is a GUI instruction when it tells the user to act on the editor: click / tap / press / hit /
  select something (a Capitalised name, a quoted name, a button, "here", "to save" …), open / go to a panel,
  the timeline, the editor, a tab, menu, sidebar, settings, preview …, preview it in the timeline, drag or
  drop, adjust it in the editor, export or download from the editor, check the account / billing / dashboard.
  Words that merely look alike stay: "I will open with a drone shot", "a click sound", "the beat drop".
- Only the GUI part goes: "Your video is ready, click Export to save it." keeps "Your video is ready.";
  a lead-in that means nothing alone goes with it ("If you want another track, open the Music panel.").
- What the sentence pointed at becomes a hint: /export, /credits, "tell me what to change", or the
  timeline summary. When everything the backend said was GUI talk, the summary and the /export pointer
  carry the answer, so it never becomes empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.language import Text, _

EXPORT_HINT = _("Send /export to get the MP4, or tell me what to change.")
ADJUST_HINT = _("Tell me what you'd like to change and I'll do it.")
CREDITS_HINT = _("Send /credits to see your balance.")


@dataclass(frozen=True, slots=True)
class Translated:
    text: str  # what to show, GUI sentences removed (may be empty)
    show_timeline: bool = False  # the backend pointed at a panel: show the timeline summary instead
    hints: tuple[Text, ...] = ()  # the bot's own pointers (/export, /credits, "tell me what to change")


# ---------------------------------------------------------------- sentences

_URL = r"(?:https?://|www\.)[^\s<>\"“”‘’「」。，！？、；：]*[^\s<>\"“”‘’「」。，！？、；：.,;:!?')\]]"
_ADDRESS = re.compile(rf"{_URL}|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # a URL or an e-mail address
# Dots that do not end a sentence even with a space after them.
_PROTECTED = re.compile(
    rf"{_ADDRESS.pattern}"
    r"|(?<![\w.])(?i:e\.g|i\.e|vs|approx|cf|incl|esp|viz|ca|mr|mrs|ms|dr|prof|st|no(?=\.\s*\d))\.(?:,)?"
    r"|(?<![\w.])(?i:etc|min|sec|secs|mins|a\.m|p\.m)\.(?=\s+[a-z0-9])"
    r"|(?:^|(?<=\n)|(?<=: )|(?<=\) )|(?<=; ))\d{1,3}\.(?=\s)"  # "1. Video: …", "…(0-3s) 2. BGM" in a list
)
# Where a sentence may end: its delimiter (with closing quotes or brackets), or a line break.
_END = re.compile(
    r"(?<![.!?…])[.!?…]+[\"'”’)\]」』）]*(?=\s|$)"  # . ! ? … before a space or the end
    r"|[。！？]+[\"'”’)\]」』）]*"  # 。！？ anywhere
    r"|(?<![ \t])[ \t]*(?:\r?\n|\r)\s*"  # a line break
)


def _pieces(text: str) -> list[str]:
    """The text cut into sentences (with their leading spaces and delimiters) and line breaks; joined, they
    give the text back exactly."""
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    pieces: list[str] = []
    start = 0
    guard = 0  # index into `protected`
    for end in _END.finditer(text):
        while guard < len(protected) and protected[guard][1] <= end.start():
            guard += 1
        if guard < len(protected) and protected[guard][0] <= end.start() < protected[guard][1]:
            continue  # a dot inside a URL, an abbreviation …
        if "\n" in end.group() or "\r" in end.group():
            if end.start() > start:
                pieces.append(text[start:end.start()])
            pieces.append(end.group())
        else:
            pieces.append(text[start:end.end()])
        start = end.end()
    if start < len(text):
        pieces.append(text[start:])
    return [piece for piece in pieces if piece]


# ---------------------------------------------------------------- GUI instructions

_CLICK_VERB = r"(?i:\b(?:double[- ]|right[- ])?(?:click|tap|press|hit|select)(?:ing)?)"
_GUI_THING = (
    r"(?i:button|icon|tab|link|menu|option|toggle|checkbox|switch|panel|here|there|it|save|apply|export|download|ok|done"
    r"|generate|render|confirm|play|preview|submit|continue|next|start|enter|share|publish|upload)"
)
# (kind, pattern). Kinds: export / credits / adjust / timeline (each gives its hint) and click (done through the
# API: no hint of its own). Verbs are case-insensitive; a clicked name must be Capitalised or quoted.
_GUI: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("click", rf"{_CLICK_VERB}\s+(?i:on\s+)?(?i:(?:the|your|a|an)\s+)?"
                  rf"(?:[\"'“‘\[「『]|[A-Z][\w-]*|(?i:[\w-]+\s+(?:button|icon|tab|link|menu|toggle|checkbox|switch)\b)"
                  rf"|{_GUI_THING}\b|(?i:to\s+\w))"),
        ("click", r"(?i:\b(?:scroll\s+(?:down|up)|hover\s+over|right-click|double-click)\b)"),
        ("click", r"(?:点击|单击|双击|轻触|点一下|按下)"),
        ("export", r"(?i:\b(?:export|download|save|render)\s+button\b)"),
        ("export", r"(?:^\s*|[,;:]\s*|(?i:\b(?:you\s+can(?:\s+now)?|you\s+may|feel\s+free\s+to|remember\s+to"
                   r"|don'?t\s+forget\s+to|be\s+sure\s+to|make\s+sure\s+to|go\s+ahead\s+and|please|simply|just"
                   r"|then|now)\s+))(?i:export|download)\b(?!\s+(?i:is|was|will|has|had|took|takes|of|job|queue|settings|quality|format|resolution|size|time|progress"
                   r"|status|failed|complete|completed|done|finished|link|url|speed)\b)"),
        ("export", r"(?:点击|点|按|单击|选择|使用|用|可以|请|去|再)导出|导出(?:按钮|键)"),
        ("credits", r"(?i:\b(?:check|view|see|visit|open|go\s+to|head\s+(?:over\s+)?to|manage|upgrade|top\s+up"
                    r"|log\s+in\s+to|sign\s+in\s+to)\s+(?:(?:in|on|at|into)\s+)?(?:(?:your|the|my)\s+)?"
                    r"(?:[\w-]+\s+)?(?:account|billing|dashboard|subscription|balance|wallet|pricing"
                    r"|credits?\s+page|usage\s+page)\b)"),
        ("credits", r"(?i:\b(?:account|billing|subscription)\s+(?:page|settings|section|tab|panel)\b"
                    r"|\b(?:in|on|from|at)\s+(?:your|the)\s+dashboard\b)"),
        ("credits", r"(?:查看|前往|去|打开|进入|登录)[^，。！？\s]{0,4}(?:账户|账号|账单|控制台|个人中心|充值)"
                    r"|(?:账户|账号)(?:页面|设置)"),
        ("adjust", r"(?i:\bdrag(?:ging)?\b|\bdrag\s*(?:&|and|-)\s*drop\b"
                   r"|\bdrop\s+(?:it|them|the\s+[\w-]+|your\s+[\w-]+|files?|clips?|images?|photos?)\s+"
                   r"(?:in|into|onto|on|to)\s+(?:the\s+)?(?:timeline|panel|editor|track|canvas|area|box|window|here)\b"
                   r"|\bdrop\s+(?:files?\s+)?here\b)"),
        ("adjust", r"(?i:\b(?:adjust|tweak|fine-tune|change|edit|modify|trim)\s+(?:[\w'-]+\s+){0,3}?"
                   r"(?:in|using|with|via|from)\s+(?:the\s+)?(?:editor|inspector|sliders?|properties\s+panel)\b"
                   r"|\b(?:in|using|via|from)\s+the\s+(?:editor|inspector)\b|\b(?:use|using|move|drag)\s+the\s+"
                   r"sliders?\b)"),
        ("adjust", r"拖拽|拖动|拖到|拖入|拖放|(?:在|到|用)编辑器"),
        ("timeline", r"(?i:\b(?:open|opening|opens|go\s+to|switch\s+to|head\s+(?:over\s+)?to|navigate\s+to"
                     r"|check\s+out)\s+(?:up\s+)?(?:(?:the|your|a)\s+)?(?:[\w\"'“”\[\]-]+\s+){0,2}?"
                     r"(?:panel|timeline|editor|tab|menu|sidebar|settings|preview|window|library|toolbar|inspector"
                     r"|project|workspace|canvas|properties|media\s+bin|player)s?\b)"),
        ("timeline", r"(?i:\bpreview\s+(?:it\s+|this\s+|that\s+|them\s+|the\s+[\w-]+\s+|your\s+[\w-]+\s+)?"
                     r"(?:in|on|from|using)\s+(?:the\s+)?(?:[\w-]+\s+)?(?:timeline|editor|player|panel|preview"
                     r"|window|canvas)\b|\bpreview\s+(?:it\s+|the\s+video\s+|your\s+video\s+)?(?:below|above|here)\b)"),
        ("timeline", r"(?i:\b(?:timeline|music|text|media|audio|effects?|properties|layers?|export|settings|preview"
                     r"|assets?|transitions?|captions?|stickers?|filters?|templates?|elements?|uploads?)\s+"
                     r"(?:panel|tab|sidebar|window|library)\b"
                     r"|\b(?:in|on|from|via|using|at)\s+the\s+(?:toolbar|sidebar|side\s+panel|top\s+bar|menu\s+bar"
                     r"|left\s+panel|right\s+panel|bottom\s+panel)\b|\bopen\s+timeline\b)"),
        ("timeline", r"打开[^，。！？\s]{0,6}?(?:面板|时间线|时间轴|编辑器|菜单|侧边栏|设置|预览|窗口|标签|项目)"
                     r"|(?:在|到|去)(?:时间线|时间轴|编辑器|预览窗口|面板|预览区)[^，。！？]{0,6}(?:预览|查看|调整|拖|点击|编辑)"
                     r"|(?:时间线|时间轴|音乐|文字|素材|特效)面板"),
    )
)
_CLICKED_EXPORT = re.compile(r"(?i:export|download|save|render)|导出|下载|保存")
_EXPORT_MENTION = re.compile(r"(?i:\bexport(?:ed|ing|s)?\b)|导出")

# Where a sentence may be cut before its GUI part; the words that lead into the GUI part ("…, and you can
# click …") go with it, and so does a last clause that means nothing without it ("if you want, open …").
_CLAUSE_END = re.compile(r"(?:[,;:，；：]|\s[-–—]|\s(?i:and|or|but|so)(?=\s))\s*")
_LEAD_INS = re.compile(
    r"(?:\s*(?i:you\s+can|you\s+may|you\s+could|feel\s+free\s+to|go\s+ahead\s+and|simply|just|please|then|now"
    r"|next|finally|also|and|or|so|from\s+there|there|afterwards|alternatively|otherwise|you'll\s+need\s+to"
    r"|you\s+need\s+to|you\s+should|try|by|to)\b|\s*(?:然后|接着|或者|你可以|可以|请|再|并|就))*\s*"
)
_SUBORDINATE = re.compile(
    r"\s*(?i:if|when|whenever|once|after|before|to|for|should|whether|as\s+soon\s+as|in\s+order\s+to|so\s+that"
    r"|unless|until|while)\b|\s*(?:如果|若|要是|当|为了|等|之后)"
)
_TERMINAL = re.compile(r"(?<![.!?…。！？])[.!?…。！？]+[\"'”’)\]」』）]*\s*$")
# A clicked thing must be named by a command ("Click Export", "…, then tap Save"), not in a description
# ("this track will hit TikTok trends").
_COMMAND_BEFORE = re.compile(
    r"(?:^|[,;:(（，；：]|[.!?。！？]\s|\b(?i:you\s+can|you\s+may|you\s+could|simply|just|please|then|now|and|or|to"
    r"|by|feel\s+free\s+to|go\s+ahead\s+and|first|next|finally|also|can\s+you|you'll\s+need\s+to|need\s+to"
    r"|you\s+should|try|or\s+just|and\s+then))\s*$"
)


def _masked(sentence: str) -> str:
    """The sentence with its URLs and e-mail addresses blanked out (same length): nothing inside them is a GUI
    instruction or a place to cut."""
    return _ADDRESS.sub(lambda m: "\ue000" * len(m.group()), sentence)


def _gui(sentence: str) -> tuple[int, list[str]] | None:
    """Where the (masked) sentence's GUI part starts and what it points at; None when it is content."""
    first: int | None = None
    kinds: list[str] = []
    for kind, pattern in _GUI:
        for match in pattern.finditer(sentence):
            if kind == "click" and match.group()[:1].isascii():
                if not _COMMAND_BEFORE.search(sentence, max(0, match.start() - 40), match.start()):
                    continue
            if first is None or match.start() < first:
                first = match.start()
            if kind == "click" and _CLICKED_EXPORT.search(match.group()):
                kind = "export"
            if kind not in kinds:
                kinds.append(kind)
            break
    return None if first is None else (first, kinds)


def _content_before(sentence: str, masked: str, gui_at: int) -> str:
    """The content that precedes the GUI part in the same sentence, ended like the sentence; or ""."""
    cuts = [m for m in _CLAUSE_END.finditer(masked, max(0, gui_at - 200), gui_at)
            if _LEAD_INS.fullmatch(masked, m.end(), gui_at)]
    if not cuts:
        return ""
    cut = cuts[-1].start()
    clauses = [m for m in _CLAUSE_END.finditer(masked, 0, cut) if m.end() < cut]
    while True:  # a last clause that only leads into the GUI part goes with it
        clause_start = clauses[-1].end() if clauses else 0
        if not _SUBORDINATE.match(masked, clause_start, cut):
            break
        if not clauses:
            return ""
        cut = clauses.pop().start()
    head = sentence[:cut].rstrip(" \t,;:，；：-–—")
    words = re.findall(r"[^\W\d_]+|\d+", head)
    cjk = sum(1 for ch in head if "\u4e00" <= ch <= "\u9fff")
    if (len(words) < 2 and cjk < 3) or _gui(_masked(head)) is not None:
        return ""
    end = _TERMINAL.search(sentence)
    return head + (end.group().rstrip() if end else "")


def translate(text: str) -> Translated:
    kept: list[str] = []
    hints: list[Text] = []
    show_timeline = False
    meaningful = False  # the backend said something (not just whitespace)
    line_kept = line_dropped = False  # what happened on the current line
    after_drop = False  # the previous piece was removed: the next one should not start with its space

    def hint(value: Text) -> None:
        if value not in hints:
            hints.append(value)

    for piece in _pieces(text):
        if not piece.strip():  # a line break (or trailing spaces)
            if line_dropped and not line_kept:
                continue  # the line held only GUI instructions: it goes with them
            kept.append(piece)
            line_kept = line_dropped = after_drop = False
            continue
        meaningful = True
        masked = _masked(piece)
        found = _gui(masked)
        if found is None:
            if _EXPORT_MENTION.search(masked):
                hint(EXPORT_HINT)
            kept.append(piece.lstrip(" \t") if after_drop and (not kept or not kept[-1].strip()) else piece)
            line_kept, after_drop = True, False
            continue
        gui_at, kinds = found
        for kind in kinds:
            if kind == "export":
                hint(EXPORT_HINT)
            elif kind == "credits":
                hint(CREDITS_HINT)
            elif kind == "adjust":
                hint(ADJUST_HINT)
            elif kind == "timeline":
                show_timeline = True
        head = _content_before(piece, masked, gui_at)
        if head.strip():
            kept.append(head.lstrip(" \t") if after_drop and (not kept or not kept[-1].strip()) else head)
            line_kept, after_drop = True, False
        else:
            line_dropped, after_drop = True, True
    body = "".join(kept).strip()
    if meaningful and not body and not hints and not show_timeline:
        show_timeline = True  # everything was "click …": the bot did it; the summary says what is there now
    if show_timeline:
        hint(EXPORT_HINT)
    return Translated(text=body, show_timeline=show_timeline, hints=tuple(hints))
