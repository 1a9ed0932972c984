"""Text → Intent: the keyword router from the product's table; pure, English and Chinese.

Export, credits, status and upload skip the engine's stream (they cost nothing and answer at once);
everything else is an instruction for the engine, which costs credits. The rules, in order:

1. A keyword counts only as a whole word ("exporter", "re-exported", "statuses" do not), case-insensitive;
   Chinese keywords are substrings (Chinese has no spaces), full-width letters count as ASCII (NFKC).
2. A keyword does not count when a negation *governs* it: the negation stands right before it in the same
   clause, with at most filler words between ("don't export", "not yet export", "don't want to export",
   "never download", "before you export", "不要导出", "先别导出", "稍后导出"), or the clause defers it right
   after ("export later", "export it after the music", "导出前…"). A negation elsewhere does not:
   "no, just export it", "export it now, no more changes".
3. A keyword does not count when its context shows it means something else: "end credits", "white balance",
   "credit to @ana", "status bar", "export settings"; "upload my logo as a watermark" says what to do
   with the file, so it is an edit.
4. A message that carries an edit instruction goes to the stream, wherever the keyword stands: "add music
   then export" (the edit must happen first), "export it and add music" (the edit must not be dropped),
   "add an export button". An edit instruction is an edit verb in command position (at the start of a
   clause, after "and"/"then", "please", "can you", "I want to" …) that no negation governs; a verb in
   another position is not one ("export the video with music added", "don't change anything, just
   export", "how many credits to make a video?"). Chinese edit verbs are matched as words (添加, 修改, 改成,
   加字幕 …), never as single characters inside other words (做好的视频, 改天), and not as participles (修改后的).
5. Undo, redo and a new project count only as the whole message ("undo", "撤销", "start over", "重新开始",
   with a "please" or a full stop around them): inside a longer message they are an edit for the engine.
6. Of the keywords that count, the first in the message decides ("what's the status of my export" →
   status). A question about credits ("how many credits does a 30s video cost?") goes to credits: it is
   free and shows the balance, while the stream would charge to answer it.
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
    UNDO = "undo"
    REDO = "redo"
    NEW = "new"
    EDIT = "edit"


@dataclass(frozen=True, slots=True)
class Rule:
    intent: Intent
    english: tuple[str, ...]  # regex fragments matched as whole words, on lower-cased text
    chinese: tuple[str, ...] = ()  # regex fragments matched anywhere (Chinese has no spaces between words)
    not_before: str = ""  # a word right before the keyword that gives it another meaning ("white" balance)
    not_after: str = ""  # what right after the keyword gives it another meaning ("credits roll", "as a …")


RULES: tuple[Rule, ...] = (
    Rule(
        Intent.EXPORT,
        (
            r"(?:re-?)?export",
            r"(?:re-?)?download",
            r"send (?:it )?(?:over|to me)",
            r"send (?:me |us )?(?:the |my |that |this |our )?(?:final |finished |rendered |edited )?"
            r"(?:video|mp4|clip|file|result|reel|tiktok)",
            r"give me (?:the |my )?(?:final |finished )?(?:video|mp4|file|clip)",
        ),
        (r"导出", r"下载", r"(?:视频|成品)发(?:给我|我|过来)", r"发(?:给我|我)(?:视频|成品)"),
        not_after=r"(?:settings?|options?|buttons?|menu|panel|dialog|tab)\b",
    ),
    Rule(
        Intent.CREDITS,
        (r"credits", r"credit", r"balance"),
        (r"积分", r"余额", r"点数", r"额度"),
        not_before=r"(?:end|ending|closing|opening|final|film|movie|roll|rolling|white|colou?r|audio|sound"
        r"|volume|tonal|tone|stereo|left|right|the\s+end)",
        not_after=r"(?:roll|rolls|rolling|scene|sequence|screen|text|song|music|track|@|at the (?:end|start)"
        r"|to\s+(?!make|create|generate|export|render|do|edit|run)|the\b|out\b|between|of the|it\b|them\b"
        r"|audio|colou?rs?|levels?|sound|volume)",
    ),
    Rule(
        Intent.STATUS,
        (
            r"status",
            r"progress",
            r"(?:show|list|see|view) (?:me )?(?:the |my |all )?(?:tracks|timeline)",
            # "show photos" asks to see them only when nothing follows: "show photos 3 and 5 side by side" edits
            r"(?:show|list|see|view) (?:me )?(?:the |my |all )?(?:photos|pictures|storyboard|(?:photo|picture) order)"
            r"(?= *(?:in order|please)? *[.?!]* *$)",
            r"what(?:'s| is) the (?:photo|picture) order",
            r"what(?:'s| is) on the timeline",
        ),
        (r"状态", r"进度", r"(?:查看|显示|看看|看一下|列出)(?:一下)?(?:所有)?(?:轨道|时间线|时间轴|照片|图片)",
         # "照片顺序" asks to see the order; "把照片顺序反过来", "调整照片顺序" change it
         r"(?<![把将按调换改排列整])(?:照片|图片)(?:的)?顺序(?=\s*(?:是什么|是怎样的?|呢|吗)?\s*[?？。!！]*\s*$)"),
        not_before=r"(?:whatsapp|instagram|ig|wa|facebook|fb|social)",
        not_after=r"(?:bar|video|update video|icon)\b",
    ),
    Rule(
        Intent.UPLOAD,
        (r"upload",),
        (r"上传",),
        # What to do with the file is an instruction for the engine.
        not_after=r"(?:.*?\b(?:as|into|onto|over|on top of)\b|.*?(?:作为|当作|当成|用作|用来|用于|做水印|做背景"
        r"|做封面|做片头|做片尾|放到|放在|加到))",
    ),
)

# A letter or digit of a script that spaces its words: English words end where one of these ends, so
# "exporter" is not "export" but "export吧" and "导出video" hold whole words.
_LATIN = r"[^\W\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3000-\u303f]"

# ---------------------------------------------------------------- negation

_CLAUSE_BREAK = re.compile(r"[,.;:!?…()\[\]\"“”«»，。；：！？、]|\s[-–—]\s")
_WORD = re.compile(r"[\w']+")
_NEGATORS = frozenset({"don't", "dont", "not", "never", "stop", "cancel", "without", "before", "skip", "avoid",
                       "wait", "no"})
# Words that may stand between a negation and the keyword it governs ("don't want you to export yet").
_NEG_FILLERS = frozenset({"yet", "even", "ever", "really", "actually", "want", "wanna", "need", "needs", "to",
                          "you", "please", "go", "ahead", "it", "the", "a", "my", "that", "this", "bother",
                          "more", "any", "ready", "going", "gonna", "planning", "able"})
_NO_FILLERS = frozenset({"need", "to", "yet", "more"})  # "no" governs only "no export", "no need to export"
_LATER = re.compile(r"(?:\s+(?:it|the\s+\w+|my\s+\w+|this|that|now))?\s+(?:later|afterwards|tomorrow|not\s+yet"
                    r"|not\s+now|after\b)")
_LATER_APART = re.compile(r"\s*[,?!.…]+\s*(?:not\s+yet|not\s+now|later)\b")  # "export? not yet"
_ZH_NEGATION = re.compile(
    r"(?:(?<!要)不|别|没|勿|无需|甭|等一?下|稍后|晚点|待会儿?|回头|以后|之后|改天|明天)[要用需必再先急着了马上现在一]{0,4}$"
)
_ZH_LATER = re.compile(r"(?:前|之前|以前|的时候|时(?!间|长))")


def _clause_before(text: str, end: int) -> list[str]:
    """The words of the clause that ends at `end` (at most 120 characters back)."""
    start = max(0, end - 120)
    window = text[start:end]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    elif start > 0:
        window = window.split(" ", 1)[-1]  # a cut word is not a word
    return _WORD.findall(window)


def _negated(text: str, start: int, end: int) -> bool:
    """A negation governs the keyword at text[start:end]: right before it, or a deferral right after it."""
    words = _clause_before(text, start)
    skipped: set[str] = set()
    while words and words[-1] in _NEG_FILLERS:
        skipped.add(words.pop())
    if words and words[-1] in _NEGATORS:
        last = words[-1]
        if last == "no" and not skipped <= _NO_FILLERS:
            pass  # "no i want to export" is not "no export"
        elif last == "not" and len(words) > 1 and words[-2] == "why":
            pass  # "why not export"
        else:
            return True
    if words and words[-1] == "of" and len(words) > 1 and words[-2] == "instead":
        return True
    if _ZH_NEGATION.search(text, max(0, start - 8), start):
        return True
    after = text[end:end + 60]
    cut = _CLAUSE_BREAK.search(after)
    clause_after = after[: cut.start()] if cut else after
    return bool(_LATER.match(clause_after) or _LATER_APART.match(after) or _ZH_LATER.match(after))


# ---------------------------------------------------------------- edit instructions

_EDIT_VERBS = (
    "add", "make", "change", "remove", "delete", "put", "turn", "use", "set", "replace", "swap", "move", "reverse",
    "generate", "create", "edit", "cut", "trim", "speed", "slow", "insert", "apply", "fix", "adjust", "crop",
    "lower", "raise", "mute", "unmute", "shorten", "lengthen", "extend", "rename", "retitle", "blur", "rotate",
    "flip", "resize", "increase", "decrease", "boost", "reduce", "include", "split", "merge", "combine", "overlay",
    "zoom", "brighten", "darken", "sharpen", "stabilize", "animate", "shuffle", "reorder", "sync", "redo",
    "tweak", "modify", "update", "recolor", "color", "colour", "crossfade", "center", "centre", "align",
    "enlarge", "shrink", "highlight", "caption", "subtitle", "translate", "drop", "fade", "loop", "duplicate",
    "rearrange", "restyle", "retime", "attach", "write", "remix",
)
_EDIT_VERB = re.compile(rf"(?<!{_LATIN})(?<![-'])(?:" + "|".join(sorted(set(_EDIT_VERBS), key=len, reverse=True))
                        + rf")(?!{_LATIN})(?![-'])(?!\s+sure\b)")
# Words that may lead into a command: "can you please add", "I want you to add", "ok so just add".
_LEAD_INS = frozenset({"please", "pls", "plz", "kindly", "just", "now", "can", "could", "would", "will", "you",
                       "i", "i'd", "id", "i'll", "we", "we'll", "want", "wanna", "like", "to", "need", "let's",
                       "lets", "let", "us", "me", "go", "ahead", "ok", "okay", "oh", "hey", "hi", "hello", "yeah",
                       "yes", "maybe", "quickly", "actually", "instead", "finally", "next", "then", "first",
                       "also", "and"})
# Words that start a new command inside a sentence: "export it and then add music".
_CONJUNCTIONS = frozenset({"and", "then", "but", "also", "plus", "or", "so", "first", "next", "finally", "after",
                           "afterwards", "而且", "然后"})
_ZH_EDIT = re.compile(
    r"(?:添加|增加|加上|加入|加个|加一|加点|加些|加完|加进|加段|加(?=背景|音乐|字幕|标题|滤镜|转场|特效|文字|水印|配乐|贴纸"
    r"|片头|片尾|logo|bgm|动画|旁白|配音)|修改|改成|改为|改一下|改下|改掉|改变|更改|更换|换成|换掉|换个|换一|替换|删除|删掉|删去"
    r"|去掉|去除|移除|生成|制作|做成|做一个|做个|重做|剪辑|剪掉|剪短|裁剪|裁掉|调整|调高|调低|调大|调小|调亮|调暗|调快|调慢"
    r"|放慢|加快|加速|减速|配上|插入|缩短|延长|静音|旋转|翻转|合并|拼接|编辑|设置|设为|设成|放大|缩小|变成|变慢|变快)"
)
_ZH_PARTICIPLE = re.compile(r"(?:后|过|好|完了|了|的|之后)")
_ZH_EDIT_NEGATION = re.compile(r"(?:不|别|没|勿|无需|不必|甭)[要用需再了]{0,2}$")


def _command_position(text: str, start: int) -> bool:
    """The word at `start` begins a command: only lead-in words stand between it and its clause's start."""
    words = _clause_before(text, start)
    while words:
        word = words.pop()
        if word in _CONJUNCTIONS:
            return True
        if word not in _LEAD_INS:
            return False
    return True


def _edit_instruction(text: str, keywords: list[tuple[int, int]]) -> bool:
    """The message tells the engine to change something (see rule 4 in the module's docstring)."""
    for match in _EDIT_VERB.finditer(text):
        if any(start <= match.start() < end for start, end in keywords):
            continue  # part of a keyword phrase
        if _command_position(text, match.start()):
            return True
    for match in _ZH_EDIT.finditer(text):
        if _ZH_PARTICIPLE.match(text, match.end()):
            continue
        if _ZH_EDIT_NEGATION.search(text, max(0, match.start() - 4), match.start()):
            continue
        return True
    return False


# ---------------------------------------------------------------- whole-message commands

# Undo, redo and a new project are what the whole message says, or nothing: inside a longer message the
# same words are an edit for the engine ("undo the crop", "go back to the first photo", "start over with
# the beach photos"), and a new project thrown away by a stray "start over" would lose the user's work.
_POLITE = r"(?:(?:please|pls|ok|okay|oh|hey|just|can you|could you|let's|lets|i want to|i'd like to)\s+)*"
_END = r"(?:\s*(?:please|pls|thanks|thank you))?[\s.!?。！？~]*"
_ZH_POLITE = r"(?:请|帮我|麻烦|我要|我想)*"
_ZH_END = r"(?:一下|吧|啊|呀|哦)*[\s.!?。！？~]*"
_WHOLE_MESSAGES: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (Intent.UNDO, re.compile(
        rf"{_POLITE}(?:undo|go back|step back|revert|undo (?:that|it|this|the last (?:change|edit|step))"
        rf"|go back (?:one step|a step)|revert (?:that|it|the last (?:change|edit)))(?:\s+(?:that|it))?{_END}"
        rf"|{_ZH_POLITE}(?:撤销|撤回|撤消|返回|回退)(?:上一步|上一次|刚才的?(?:修改|操作)?)?{_ZH_END}")),
    (Intent.REDO, re.compile(
        rf"{_POLITE}(?:redo|redo (?:that|it|the last (?:change|edit|step))|undo the undo){_END}"
        rf"|{_ZH_POLITE}(?:重做|恢复撤销)(?:上一步|刚才的?(?:修改|操作)?)?{_ZH_END}")),
    (Intent.NEW, re.compile(
        rf"{_POLITE}(?:start over|start again|start from scratch|start (?:a )?new (?:project|video)"
        rf"|new project|new video|fresh start)(?:\s+please)?{_END}"
        rf"|{_ZH_POLITE}(?:重新开始|从头开始|重来|新项目|新建项目|开始新项目|新的项目){_ZH_END}")),
)

# ---------------------------------------------------------------- the router

_Compiled = tuple[Intent, re.Pattern[str], re.Pattern[str] | None, re.Pattern[str] | None]


def _compile(rule: Rule) -> _Compiled:
    english = [rf"(?<!{_LATIN})(?<!-)(?:{fragment})(?!{_LATIN})(?!-)" for fragment in rule.english]
    pattern = re.compile("|".join(english + [f"(?:{fragment})" for fragment in rule.chinese]))
    before = re.compile(rf"(?<![\w-])(?:{rule.not_before})\s+$") if rule.not_before else None
    after = re.compile(rf"\s*(?:{rule.not_after})") if rule.not_after else None
    return rule.intent, pattern, before, after


_COMPILED: tuple[_Compiled, ...] = tuple(_compile(rule) for rule in RULES)


# Letters that render as nothing (Hangul fillers, the blank Braille pattern): used to send "empty" messages.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


_KEPT_CONTROLS = frozenset("\n\t")
# What a terminal leaves in a line when arrow or function keys are pressed: ESC [ … final, or ESC + one.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")


def without_control_characters(text: str) -> str:
    """The text without control characters (NUL, a terminal's escape sequences whole, DEL, C1 codes) but
    with its line breaks and tabs: nothing the user cannot see is sent to an engine. Format characters
    (zero-width joiners) stay: emoji sequences are made of them."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    return "".join(ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) != "Cc")


def is_blank(text: str) -> bool:
    """True when a message shows nothing: whitespace, zero-width / format characters and blank letters only."""
    return all(
        ch.isspace() or ch in _BLANK_LETTERS or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")
        for ch in text
    )


def _normalise(text: str) -> str:
    # Full-width letters become ASCII; curly apostrophes from phone keyboards must not hide a "don't";
    # invisible format characters (zero-width joiners …) must not split a word.
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'").replace("`", "'")
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc") or ch.isspace())
    return " ".join(text.lower().split())


def _keywords(text: str) -> list[tuple[int, int, Intent]]:
    """Every action keyword in the normalised text that counts (rules 1-3), in order of position."""
    found: list[tuple[int, int, Intent]] = []
    for intent, pattern, not_before, not_after in _COMPILED:
        for match in pattern.finditer(text):
            start, end = match.span()
            if not_before and not_before.search(text, max(0, start - 40), start):
                continue
            if not_after and not_after.match(text, end, end + 200):
                continue
            if _negated(text, start, end):
                continue
            found.append((start, end, intent))
    return sorted(found, key=lambda hit: hit[0])


def classify(text: str) -> Intent:
    """The action for a message; never raises, whatever the text."""
    normal = _normalise(text)
    if not normal:
        return Intent.EDIT
    for intent, whole in _WHOLE_MESSAGES:
        if whole.fullmatch(normal):
            return intent
    found = _keywords(normal)
    if not found:
        return Intent.EDIT
    every = [match.span() for _, pattern, _, _ in _COMPILED for match in pattern.finditer(normal)]
    if _edit_instruction(normal, every):
        return Intent.EDIT
    return found[0][2]
