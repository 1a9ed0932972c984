"""Instruction (English or Chinese) → edits on a chat's draft, plus one sentence saying what changed.

Pure functions, no I/O: `apply_instruction(draft, text)` returns a new draft and the sentence, or raises
`PlanError` (the only error it raises). Every answer is a catalogue sentence (`bot.language`), so it reads in
the chat's language when it is sent. How a message is read:
1. quoted strings are set aside as written (a title keeps its "，") and the title/caption text is taken out
   first (`plan_titles`), so the words of a title ("Crop Top Summer") never drive another rule;
2. the rest is normalised (lower case, "两秒" → "2秒", "60 percent" → "60%") and each rule in `_RULES` reads
   it — negations ("no music", "关闭运镜") before positive words — and blanks what it used; a named look
   ("电影感") is applied last, around what the user chose;
3. the answer says "Done" only for what changed: what was so already is said as such, what was asked but not
   done is reported ("I can't add stickers yet"), and a message that changed nothing is a PlanError saying
   what was understood, or one short sentence pointing to /help when nothing was.
The draft passed in is never modified, so a refusal leaves the timeline exactly as it was.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.engines.local import model, plan_titles
from bot.engines.local.plan_words import (
    EN_ORDINAL,
    PHOTO,
    REF,
    REF_LIST,
    PlanError,
    State,
    Text,
    listed,
    no_photos,
    normalise,
    photo_indexes,
    photo_number,
    seconds_phrase,
    sentences,
    take_negations,
    take_quotes,
    widen,
)
from bot.language import Sentence, _, _n

__all__ = ["CAPABILITIES", "PlanError", "PlanResult", "apply_instruction"]

# The whole list, for a help page; a miss is answered with MISS, one sentence, not with this list.
CAPABILITIES = _(
    "I can: set the length (“15 seconds”, “30秒”) or seconds per photo (“2 s per photo”, “每张2秒”, "
    "faster/slower); change transitions (fade, dissolve, slide or wipe left/right/up/down, zoom, random, none); "
    "set motion (Ken Burns, zoom in, zoom out, pan, none); add a title or captions "
    "(title “Summer”, caption photo 2 “Beach day”, 标题“夏天”, at the top/center/bottom); "
    "music (upbeat, lo-fi, calm, epic, volume 50%, quieter, no music, or your own audio file); "
    "reorder photos (reverse, swap 1 and 3, move photo 3 to the start, remove photo 2); "
    "aspect 9:16, 1:1 or 16:9; fit with a blurred background or crop to fill; colours (warm, cool, vivid, "
    "soft, black and white, no filter) and letterbox bars; a look (cinematic, dynamic, calm, clean, vlog)."
)
MISS = _("I couldn't turn that into an edit; send /help to see what I can do.")


@dataclass(frozen=True, slots=True)
class PlanResult:
    draft: dict[str, Any]
    changes: tuple[Sentence, ...]
    sentence: Sentence


# ---------------------------------------------------------------- what the engine cannot do

# Checked first, so "speed up the music" is not read as a faster pace nor "fade out" as fade transitions.
_CANNOT: tuple[tuple[str, Sentence], ...] = (
    (r"\bstickers?\b|贴纸|表情包", _("add stickers")),
    (r"\bemojis?\b|表情符号", _("add emoji")),
    (r"\bgifs?\b|动图", _("add GIFs")),
    # the colour grades the renderer has are read by `_grade` first; these are the ones it has not
    (r"\bsepia\b|\bvintage\b|\bretro\b|\bfilm\s+grain\b|复古|怀旧|胶片", _("make a vintage or sepia look")),
    (r"\b(?:brightness|brighter|darker|contrast|exposure)\b|亮度|对比度|调亮|调暗|提亮",
     _("adjust brightness or contrast")),
    (r"(?:\bspeed\s+up|\bslow\s+down|\bfaster|\bslower|\bquicker|\bchange\s+the\s+(?:speed|tempo)\s+of)\s+(?:the\s+)?"
     r"(?:music|song|audio|bgm|track|soundtrack)\b|\b(?:music|song|audio|bgm|track)\s+(?:faster|slower|speed|tempo)\b"
     r"|音乐(?:加速|减速|快一点|慢一点|变速|速度)|(?:加快|放慢)音乐", _("change the music's speed")),
    (r"\bfade[\s-]*(?:in|out)\b|淡入(?!淡出)|(?<!淡入)淡出", _("fade the video or music in or out")),
    (r"\bvoice[\s-]*overs?\b|\bnarrat\w*|\bvoice\b|配音|旁白|解说", _("add a voice-over")),
    (r"\bwatermarks?\b|\blogos?\b|水印", _("add a watermark or logo")),
    (r"\bslow[\s-]*mo(?:tion)?\b|慢动作|慢镜头", _("make slow motion")),
    (r"\bshuffle\w*|\brandom(?:ly)?\s+order\b|\brandomi[sz]e\s+(?:the\s+)?(?:order|photos)|打乱|随机顺序|随机排序",
     _("shuffle the photos (try reverse, swap or move)")),
    (r"\b(?:post|upload|publish|share)\b(?:\s+(?:it|this|the\s+video))?\s+(?:to|on)\s+"
     r"(?:tiktok|instagram|youtube|facebook|douyin)\b|发布到|发到抖音|上传到", _("post videos to other apps")),
    (r"\b(?:fonts?|bold|italic)\b|字体|加粗|\bcolou?rs?\b|颜色", _("change fonts or colours")),
    (r"\b(?:glitch|sparkles?|confetti|particles?|light\s+leaks?|snow|fireworks)\b|闪光|粒子|(?<!转场)特效"
     r"|\b(?:add|some|more|cool|fancy|special|any)\s+(?:(?:some|cool|fancy|special)\s+)?effects\b",
     _("add effects")),
    (r"\bbeauty\b|\bretouch\w*|\bsmooth\s+skin|美颜|瘦脸|磨皮", _("retouch faces")),
    (r"\b(?:trim|cut|shorten)\s+(?:the\s+)?(?:music|song|audio)\b|剪(?:辑|切)音乐", _("cut the music")),
    (r"\b(?:loop|boomerang)\b|循环", _("loop the video")),
    (r"\b(?:4\s*:\s*3|3\s*:\s*4|4\s*:\s*5|5\s*:\s*4|3\s*:\s*2|2\s*:\s*3|21\s*:\s*9|2\s*:\s*1)\b",
     _("make that aspect (9:16, 1:1 or 16:9 only)")),
)


def _cannot(state: State, text: Text) -> None:
    for pattern, what in _CANNOT:
        found = list(re.finditer(pattern, text.value))
        for match in found:
            text.consume(match.start(), match.end())
        if found:
            state.refuse(what)


# ---------------------------------------------------------------- cuts on the beat

# "卡点", "sync to the beat", "cut on the beat", "踩点": cuts on the music's beat (the generated music's grid, or
# the beats found in the user's song when it arrived); "don't sync to the beat" puts them back evenly spaced.
_BEAT_SYNC = (
    r"\b(?:sync\w*|time[ds]?|match\w*|cut\w*|edit\w*)\s+(?:\w+\s+){0,3}?(?:to|on|with)\s+(?:the\s+)?"
    r"(?:music'?s?\s+)?(?:beats?|rhythm)\b(?:\s+of\s+(?:the\s+|my\s+)?(?:music|song|track))?"
    r"|\bsync\w*\s+(?:\w+\s+){0,3}?(?:to|with)\s+(?:the\s+|my\s+)?(?:music|song|track)\b"
    r"|\bbeat[\s-]*(?:sync\w*|match\w*|cuts?)\b|\bon\s+(?:the\s+)?beats?\b"
    r"|(?:(?:背景)?音乐\s*)?(?:卡点|踩点)|(?:跟着?|按照?|根据|配合)\s*(?:(?:背景)?音乐\s*(?:的\s*)?)?(?:节拍|节奏|鼓点)"
    r"(?:切换?|剪辑?)?")
_EVEN_CUTS = _("evenly spaced cuts (not on the beat)")


def _on_the_beat(conf: dict[str, Any]) -> Sentence:
    bpm = model.music_bpm(conf)
    if conf.get("music_source") == "file":
        return _("cuts on the beat of your song “{name}” ({bpm} BPM)").format(
            name=conf.get("audio_name") or "file", bpm=bpm)
    return _("cuts on the beat of the {music} ({bpm} BPM)").format(
        music=_MOOD_MUSIC.get(str(conf.get("music_mood")), _MOOD_MUSIC["upbeat"]), bpm=bpm)


def _beat_sync(state: State, text: Text) -> None:
    """On or off, said as what the cuts now follow. Asking for it with the music off turns the music on: cuts
    on the beat need a beat. A song in which no steady beat was found stays cut evenly, and the answer says
    why."""
    conf = state.conf
    if take_negations(text, _BEAT_SYNC):
        if model.beat_sync_on(conf):
            conf["beat_sync"] = False
        state.note(_EVEN_CUTS)
        return
    if not text.grab(_BEAT_SYNC):
        return
    while text.grab(_BEAT_SYNC):
        pass
    if not conf.get("music"):
        conf["music"] = True
        state.note(_("music on"))
    if conf.get("music_source") == "file" and not conf.get("audio_beats_ms"):
        name = conf.get("audio_name") or "file"
        state.advise(_("Send “{name}” again and I will find its beat.").format(name=name)
                     if conf.get("audio_beats_ms") is None  # kept from before songs were listened to
                     else _("I found no steady beat in “{name}”, so its cuts stay evenly spaced.").format(name=name))
        return
    if not model.beat_sync_on(conf):
        conf["beat_sync"] = True
    state.note(_on_the_beat(conf))


# ---------------------------------------------------------------- photo order

_REMOVE = (
    re.compile(rf"\b(?:remove|delete|drop|take\s+out|get\s+rid\s+of|cut|exclude|lose)\s+(?:the\s+)?(?P<refs>{REF_LIST})"),
    re.compile(rf"(?:删除|删掉|去掉|移除|不要|拿掉|去除)\s*(?P<refs>{REF_LIST})"),
    re.compile(rf"(?:把|将)\s*(?P<refs>{REF_LIST})\s*(?:删除|删掉|删了|去掉|移除|拿掉|去除)"),
    re.compile(rf"(?P<refs>{REF_LIST})\s*(?:(?:就|也)\s*)?(?:不要了|不需要了|删掉吧?|删了吧?|去掉吧?|拿掉吧?)"),
)
_SWAP = (
    re.compile(rf"\b(?:swap|switch|exchange|trade)\s+(?:the\s+)?(?:(?:positions?|places)\s+of\s+)?(?:the\s+)?"
               rf"(?:{PHOTO}\s+)?(?P<refs>{REF_LIST})"),
    re.compile(rf"(?:交换|对调|互换|调换)\s*(?:一下\s*)?(?P<refs>{REF_LIST})"),
    re.compile(rf"(?:(?:把|将)\s*)?(?P<refs>{REF_LIST})\s*(?:的位置\s*)?(?:交换|对调|互换|调换|换一下|换个?位置|换一换)"),
)
_EN_TARGET = (rf"(?P<target>start|beginning|front|top|end|back|bottom|(?:{EN_ORDINAL}|\d+(?:st|nd|rd|th))"
              rf"(?:\s+(?:one|{PHOTO}|position|place|slot|spot))?|(?:position|slot|place|spot|number|no\.?|#)\s*(?:#\s*)?\d+"
              rf"|\d+|(?P<side>before|after|behind)\s+(?P<other>{REF}|(?:the\s+)?(?:{EN_ORDINAL}|\d+)))\b")
_CN_TARGET = (rf"(?P<target>最前面?|最前边|开头|最开始|最后面?|最后边|末尾|结尾|第\s*\d+\s*(?:位|张|个)?"
              rf"|(?P<other>{REF})\s*(?:的\s*)?(?P<side>前面|后面|之前|之后|前|后))")
_MOVE = (
    re.compile(rf"\b(?:move|put|place|shift|bring)\s+(?P<refs>{REF})\s+(?:to\s+|at\s+|in\s+|into\s+)?(?:the\s+)?"
               rf"(?:very\s+)?{_EN_TARGET}"),
    re.compile(rf"\bmake\s+(?P<refs>{REF})\s+(?:the\s+)?(?:very\s+)?{_EN_TARGET}"),
    re.compile(rf"(?:(?:把|将)\s*)?(?P<refs>{REF})\s*(?:移到|放到|挪到|放在|移至|调到|换到|作为|当作?|做|变成|设为|放)\s*"
               rf"{_CN_TARGET}"),
    # "start with photo 4", "end with the first photo", "photo 5 should come first", 从第四张开始, 以第二张结尾
    re.compile(rf"\b(?P<target>start|begin|open|end|finish|close)\s+(?:it\s+|the\s+video\s+)?(?:with|on)\s+"
               rf"(?P<refs>{REF})"),
    re.compile(rf"(?P<refs>{REF})\s+(?:should\s+|must\s+|needs?\s+to\s+|has\s+to\s+|can\s+)?(?:come|go|be|goes|comes|is)"
               rf"\s+(?:at\s+the\s+(?:very\s+)?)?(?P<target>first|last|start|beginning|front|end)\b"),
    re.compile(rf"(?:从|以)\s*(?P<refs>{REF})\s*(?P<target>开始|开头|开场|结尾|结束|收尾)"),
)
_START = re.compile(r"(?:start|begin|open|beginning|front|top|first\b.*|最前|开头|最开始|开始|开场)")
_END = re.compile(r"(?:end|finish|close|back|bottom|last\b.*|最后|末尾|结尾|结束|收尾)")


def _has_photo_word(span: str) -> bool:
    return bool(re.search(rf"{PHOTO}|\bone\b|第|张|幅|页|最后", span))


def _remove(state: State, text: Text) -> None:
    for pattern in _REMOVE:
        for match in list(pattern.finditer(text.value)):
            if not _has_photo_word(match.group("refs")):
                continue
            indexes = sorted(set(photo_indexes(match.group("refs"), len(state.photos))), reverse=True)
            names = [str(state.photos[i].get("m", {}).get("name", "photo")) for i in sorted(indexes)]
            for index in indexes:
                state.photos.pop(index)
            state.note(_n("removed photo {numbers} ({names})", "removed photos {numbers} ({names})",
                          len(indexes)).format(numbers=listed(str(i + 1) for i in sorted(indexes)),
                                               names=", ".join(names)))
            text.consume(match.start(), match.end())


# "swap the first two", 前两张交换, 交换最后两张
_SWAP_PAIR = re.compile(rf"\b(?:swap|switch|exchange|flip)\s+(?:the\s+)?(?P<en>first|last)\s+(?:two|2)\b(?:\s+{PHOTO})?"
                        r"|(?:交换|对调|互换|调换)\s*(?P<cn>前|最后|后)\s*(?:两|2)\s*(?:张|个|幅)(?:照片|图片|图)?"
                        r"|(?P<cn2>前|最后|后)\s*(?:两|2)\s*(?:张|个|幅)(?:照片|图片|图)?\s*(?:交换|对调|互换|调换|换一下|换个?位置)")


def _swap(state: State, text: Text) -> None:
    for match in list(_SWAP_PAIR.finditer(text.value)):
        text.consume(match.start(), match.end())
        count = len(state.photos)
        if count < 2:
            raise no_photos() if not count else PlanError(_("Tell me two photos to swap, e.g. swap 1 and 3."))
        first = 0 if (match.group("en") or match.group("cn") or match.group("cn2")) in ("first", "前") else count - 2
        state.photos[first], state.photos[first + 1] = state.photos[first + 1], state.photos[first]
        state.note(_("swapped photos {a} and {b}").format(a=first + 1, b=first + 2))
    for pattern in _SWAP:
        for match in list(pattern.finditer(text.value)):
            indexes = photo_indexes(match.group("refs"), len(state.photos))
            text.consume(match.start(), match.end())
            if len(indexes) != 2:
                state.advise(_("Tell me two photos to swap, e.g. swap 1 and 3."))
                continue
            a, b = indexes
            state.photos[a], state.photos[b] = state.photos[b], state.photos[a]
            state.note(_("swapped photos {a} and {b}").format(a=a + 1, b=b + 1))


def _move_target(match: re.Match[str], source: int, count: int) -> int:
    """Where the moved photo lands (0-based, counted after it was taken out)."""
    groups = match.groupdict()
    target = re.sub(r"\s+", " ", groups["target"].strip())
    if groups.get("side"):
        other = photo_indexes(groups["other"], count)[0]
        if other == source:
            return source
        other -= other > source
        return other + (groups["side"] in ("after", "behind", "后面", "之后", "后"))
    if re.match(r"\d|position|slot|place|spot|number|no|#|第", target) and re.search(r"\d", target):
        return photo_number(re.sub(r"\D", "", target), count)
    ordinal = re.match(rf"(?:{EN_ORDINAL})\b|\d+(?:st|nd|rd|th)", target)
    if ordinal and ordinal.group(0) not in ("first", "last"):
        return photo_number(ordinal.group(0), count)
    if _END.match(target):
        return count - 1
    return 0 if _START.match(target) else source


def _move(state: State, text: Text) -> None:
    for pattern in _MOVE:
        for match in list(pattern.finditer(text.value)):
            count = len(state.photos)
            source = photo_indexes(match.group("refs"), count)[0]
            target = _move_target(match, source, count)
            state.photos.insert(target, state.photos.pop(source))
            state.note(_("moved photo {number} to position {target}").format(number=source + 1, target=target + 1))
            text.consume(match.start(), match.end())


def _reverse(state: State, text: Text) -> None:
    if text.grab(r"\brevers(?:e|ed|ing)\b(?:\s+(?:the\s+)?(?:order|photos?))?|\bbackwards?\b|\bflip\s+the\s+order\b"
                 r"|倒序|反转|顺序反|倒过来|逆序|颠倒"):
        if not state.photos:
            raise no_photos()
        state.photos.reverse()
        state.note(_("reversed the photo order"))


# ---------------------------------------------------------------- length and pace

_SECONDS = r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:-\s*)?(?:s|secs?|seconds?|秒钟?)(?![a-z])"
# Seconds per photo need a per/each/every/a + photo noun (or 每张): "15 seconds and music" is a total length.
_PER_PHOTO = re.compile(
    rf"{_SECONDS}\s*(?:per|each|every|a|an|for\s+each|on\s+each|for\s+every|on\s+every)\s+{PHOTO}\b"
    rf"|\b(?:per|each|every)\s+{PHOTO}\s*(?:(?:is|for|at|of|:|=|lasts?|stays?|gets?|shows?\s+for|on\s+screen\s+for"
    rf"|should\s+(?:be|last|stay)(?:\s+for)?|to\s+(?:be|last|stay)(?:\s+for)?|for\s+about|about|around|roughly)\s*)?"
    rf"{_SECONDS}"
    rf"|{_SECONDS}\s+each\b"
    rf"|\bpace\s*(?:(?::|=|of|at|to|is)\s*)?(?:about\s+)?{_SECONDS}|{_SECONDS}\s+pace\b"
    rf"|每\s*(?:1\s*)?(?:张|个|幅|页)\s*(?:(?:照片|图片|相片|图)\s*)?(?:(?:都|停留|停|留|显示|展示|播放|放|持续|各|给|大概|约|为|是)\s*)*"
    rf"{_SECONDS}"
    rf"|{_SECONDS}\s*(?:1|一)\s*(?:张|个|幅)|(?<![第\d])1\s*(?:张|幅)\s*(?:照片|图片|相片|图)?\s*{_SECONDS}"
    rf"|(?:节奏|每张时长|单张)\s*(?:(?:为|是|:)\s*)?{_SECONDS}")
_TOTAL = re.compile(
    r"(?<![\d.:])(?P<min>\d+(?:\.\d+)?)\s*(?:-\s*)?(?:mins?|minutes?|分钟|分(?=\s*\d+\s*秒))(?![a-z])"
    r"(?:\s*(?:and\s+)?(?P<minsec>\d+(?:\.\d+)?)\s*(?:-\s*)?(?:s|secs?|seconds?|秒钟?)(?![a-z]))?"
    r"|(?<![\d.:])(?P<sec>\d+(?:\.\d+)?)\s*(?:-\s*)?(?:s|secs?|seconds?|秒钟?)(?![a-z])"
    r"|(?P<half>half\s+a\s+minute|半分钟)|(?P<one>\ba\s+minute\b)")
# Also the complaints: "it's too slow" asks for faster, "太快了" for slower.
_FASTER = (r"\bfaster\b|\bquicker\b|\bspeed\s+(?:it\s+)?up\b|\bmore\s+quickly\b|\bshorter\b"
           r"|\btoo\s+(?:slow|long|boring|draggy)\b|\bless\s+time\b|\bdrags?\b|\btighten\b|\bsnappier\b"
           r"|快一点|快些|加快|节奏快|快点|短一点|短一些|太慢|太长|缩短|拖沓|太拖")
_SLOWER = (r"\bslower\b|\bmore\s+time\b|\bslow\s+(?:it\s+)?down\b|\bmore\s+slowly\b|\blonger\b"
           r"|\btoo\s+(?:fast|quick|short|rushed)\b"
           r"|慢一点|慢些|放慢|节奏慢|慢点|长一点|长一些|太快|太短|久一点|久一些|多停留|停留(?:更|再)?久")


def _total_seconds(match: re.Match[str]) -> float:
    if match.group("half"):
        return 30.0
    if match.group("one"):
        return 60.0
    if match.group("min"):
        return float(match.group("min")) * 60 + float(match.group("minsec") or 0)
    return float(match.group("sec"))


def _length(state: State, text: Text) -> None:
    """A total length, seconds per photo, or faster/slower. A total length wins over seconds per photo in the
    same message ("30秒，每张3秒" is 30 s), and the answer says what each photo then gets."""
    per = text.grab(_PER_PHOTO)
    totals = list(_TOTAL.finditer(text.value))
    for match in totals:
        text.consume(match.start(), match.end())
    per_ms = None
    if per:
        seconds = float(next(g for g in per.groups() if g))
        if not 0.5 <= seconds <= 20:
            raise PlanError(_("Each photo can stay on screen between 0.5 and 20 seconds."))
        per_ms = round(seconds * 1000)
    if totals:
        seconds = _total_seconds(totals[-1])
        if not 2 <= seconds <= model.MAX_DURATION_MS / 1000:
            raise PlanError(_("The video can be 2 to {most} seconds long.").format(
                most=model.MAX_DURATION_MS // 1000))
        state.conf["duration_ms"], state.conf["per_photo_ms"] = round(seconds * 1000), None
        length = seconds_phrase(state.conf["duration_ms"])
        count = len(state.photos)
        if per_ms is not None and count:
            state.note(_("length {length} ({each} per photo, as the total length wins over {asked} per photo)")
                       .format(length=length, each=seconds_phrase(model.total_ms(count, state.conf) // count),
                               asked=seconds_phrase(per_ms)))
        elif per_ms is not None:
            state.note(_("length {length} (the total length wins over {asked} per photo)").format(
                length=length, asked=seconds_phrase(per_ms)))
        else:
            state.note(_("length {length}").format(length=length))
    elif per_ms is not None:
        state.conf["per_photo_ms"] = per_ms
        state.note(_("{seconds} per photo").format(seconds=seconds_phrase(per_ms)))
    faster, slower = text.grab(_FASTER), text.grab(_SLOWER)
    if (faster or slower) and not per and not totals:
        count = max(len(state.photos), 1)
        current = model.total_ms(count, state.conf) / count
        new = min(max(round(current * (0.7 if faster else 1.4) / 100) * 100, model.MIN_SLOT_MS), 20_000)
        state.conf["per_photo_ms"] = new
        pace = _("faster pace, {seconds} per photo") if faster else _("slower pace, {seconds} per photo")
        state.note(pace.format(seconds=seconds_phrase(new)))


# ---------------------------------------------------------------- transitions

_TRANSITION_WORD = r"\btransitions?\b|转场|过渡|切换效果"
_SLIDE = r"\bslid(?:e|es|ing)\b(?!\s*(?:(?:#|no\.?)\s*)?\d)"  # not "slide 2", a photo
_STYLE_WORD = rf"\bcross-?\s?fades?\b|\bfades?\b|\bdissolves?\b|\bwipes?\b|{_SLIDE}|淡入淡出|渐变|溶解|滑动|擦除"
_DIRECTION = (r"(?:\s+(?:in\s+|out\s+)?(?:(?P<from>from)\s+(?:the\s+)?|(?:to|towards?)\s+(?:the\s+)?)?"
              r"(?P<dir>left|right|up|down|top|bottom)\b)?")
_CN_DIRECTION = r"(?:(?:(?P<cnfrom>从)|向|往)\s*)?(?:(?P<cndir>左|右|上|下)\s*)?(?:(?:边|方|侧)\s*)?"
_STYLES: tuple[tuple[str, str], ...] = (
    ("zoomin", r"\bzoom\w*(?:\s+in)?\s+(?:transitions?|between)\b|\btransitions?\s*(?:(?::|=|with|as|to|using|of)\s*)?"
               r"(?:a\s+)?zoom\w*|缩放转场|放大转场|(?:转场|过渡)\s*(?:效果\s*)?(?:(?:用|改成|改为|换成|为|是|:|使用)\s*)?"
               r"(?:缩放|放大)"),
    ("slide", rf"{_SLIDE}{_DIRECTION}|{_CN_DIRECTION}滑(?:动|入|出)?"),
    ("wipe", rf"\bwipes?\b{_DIRECTION}|{_CN_DIRECTION}擦除"),
    ("dissolve", r"\bdissolves?\b|溶解"),
    ("random", r"\brandom(?:ly|i[sz]ed)?\b|\bmixed\b|\bvariety\b|\bdifferent\s+transitions\b|\bmix\s+of\s+transitions"
               r"|随机|混合|各种|多种"),
    ("fade", r"\bcross-?\s?fades?\b|\bfades?\b|淡入淡出|渐变|淡化"),
    ("none", r"\bhard\s+cuts?\b|\bstraight\s+cuts?\b|\bjump\s+cuts?\b|硬切|直接切"),
)
_NEGATED_TRANSITION = rf"(?:(?:zoom\w*|fade|slide|wipe|dissolve|random)\s+)?(?:{_TRANSITION_WORD})|{_STYLE_WORD}"
_OPPOSITE = {"left": "right", "right": "left", "up": "down", "down": "up"}
_SIDE = {"top": "up", "bottom": "down", "左": "left", "右": "right", "上": "up", "下": "down"}


def _style(kind: str, match: re.Match[str]) -> str:
    """The xfade name: slide/wipe take a direction ("slide in from the left" moves right), default left."""
    if kind not in ("slide", "wipe"):
        return kind
    groups = match.groupdict()
    word = groups.get("dir") or groups.get("cndir") or "left"
    side = _SIDE.get(word, word)
    if groups.get("from") or groups.get("cnfrom"):
        side = _OPPOSITE[side]
    return f"{kind}{side}"


def _transitions(state: State, text: Text) -> None:
    """Negations first ("no fade"), then the last style named wins ("use dissolve instead of fade")."""
    conf = state.conf
    negated = take_negations(text, _NEGATED_TRANSITION)
    found: list[tuple[int, str]] = []
    for kind, pattern in _STYLES:
        for match in list(re.finditer(pattern, text.value)):
            if match.group(0).strip():
                found.append((match.start(), _style(kind, match)))
                text.consume(match.start(), match.end())
    words = list(re.finditer(_TRANSITION_WORD, text.value))
    for match in words:
        text.consume(match.start(), match.end())
    if found:
        conf["transition"] = max(found)[1]
    elif negated:
        conf["transition"] = "none"
    elif words and conf.get("transition") in (None, "none"):
        conf["transition"] = "fade"  # "with transitions" asks for some
    if found or negated or words:
        state.note(_transition_phrase(str(conf["transition"])))


_TRANSITION_PHRASE = {
    "none": _("no transitions (straight cuts)"), "fade": _("fade transitions"),
    "dissolve": _("dissolve transitions"), "zoomin": _("zoom transitions"), "random": _("random transitions"),
    "slideleft": _("slide left transitions"), "slideright": _("slide right transitions"),
    "slideup": _("slide up transitions"), "slidedown": _("slide down transitions"),
    "wipeleft": _("wipe left transitions"), "wiperight": _("wipe right transitions"),
    "wipeup": _("wipe up transitions"), "wipedown": _("wipe down transitions"),
}


def _transition_phrase(style: object) -> Sentence:
    return _TRANSITION_PHRASE.get(str(style), _TRANSITION_PHRASE["fade"])


# ---------------------------------------------------------------- motion

_MOTION_WORD = (r"ken\s*burns|\bmotion\b|\bmovements?\b|\banimations?\b|\banimated\b|\bzoom\w*(?:\s+(?:in|out))?\b"
                r"|\bpan(?:s|ning)?\b|运镜|动效|镜头运动|缩放|动画|镜头移动|平移|推拉")
_MOTIONS: tuple[tuple[str, str], ...] = (
    ("none", r"\bstatic\b|\bstill\s+(?:photos|images|pictures)\b|静止|静态|不要动"),
    ("zoomin", r"\bzoom(?:s|ing)?[\s-]*in(?:wards?)?\b|\bpush(?:es|ing)?[\s-]*in\b|放大|推近|推进"),
    ("zoomout", r"\bzoom(?:s|ing)?[\s-]*out\b|\bpull(?:s|ing)?[\s-]*(?:out|back)\b|缩小|拉远"),
    ("pan", r"\bpan(?:s|ning|ned)?\b(?P<way>(?:\s+(?:across|around|over|slowly|gently|from|to|the|left|right)\b)*)"
            r"|(?:(?:向|往)?(?P<cnway>左|右)\s*)?平移|左右移动"),
    ("kenburns", r"ken\s*burns|\bmotion\b|\banimat\w*|\bmovements?\b|动效|运镜|动起来|镜头运动|缩放"),
    ("zoomin", r"\bzoom(?:s|ing)?\b"),
)
_MOTION_PHRASE = {"zoomin": _("slow zoom-in motion"), "zoomout": _("slow zoom-out motion"),
                  "pan": _("panning motion"), "panback": _("panning motion to the left"),
                  "panright": _("panning motion to the right"), "kenburns": _("Ken Burns motion"),
                  "none": _("no motion (still photos)")}


def _motion(state: State, text: Text) -> None:
    """Negations first ("disable ken burns"), then the last motion named wins."""
    conf = state.conf
    negated = take_negations(text, _MOTION_WORD)
    found: list[tuple[int, str, re.Match[str]]] = []
    for kind, pattern in _MOTIONS:
        for match in list(re.finditer(pattern, text.value)):
            if match.group(0).strip():
                found.append((match.start(), kind, match))
                text.consume(match.start(), match.end())
    if not found:
        if negated:
            conf["motion"] = "none"
            state.note(_MOTION_PHRASE["none"])
        return
    _start, motion, match = max(found, key=lambda item: item[0])
    if motion == "pan":
        groups = match.groupdict()
        ways = re.findall(r"left|right|左|右", (groups.get("way") or "") + (groups.get("cnway") or ""))
        if ways and ways[-1] in ("left", "左"):
            motion = "panback"  # the renderer's leftward pan, on every photo
        elif ways:
            motion = "panright"  # every photo to the right (plain "pan" alternates right and left)
    conf["motion"] = motion
    single = _one_photo_motion(state, text, match)
    state.note(_("{motion} on every photo").format(motion=_MOTION_PHRASE[motion]) if single
               else _MOTION_PHRASE[motion])


def _motion_phrase(motion: object) -> Sentence:
    return _MOTION_PHRASE.get(str(motion), _MOTION_PHRASE["kenburns"])


_ONE_PHOTO_REFUSAL = _("set motion for a single photo")


def _one_photo_motion(state: State, text: Text, match: re.Match[str]) -> bool:
    """Motion is one setting for the whole video: "zoom in on photo 2" checks photo 2 exists, then says so."""
    after = re.compile(rf"\s*(?:on|for|to|in)\s+(?:the\s+)?(?P<refs>{REF_LIST})").match(text.value, match.end())
    before = re.compile(rf"(?:(?:给|对|让|把)\s*)?(?P<refs>{REF})\s*(?:的\s*)?(?:(?:用|加)\s*)?$").search(
        text.value, max(0, match.start() - 16), match.start())
    for found in (after, before):
        if found is not None:
            photo_indexes(found.group("refs"), len(state.photos))  # photo 9 of 3 is still an error
            text.consume(found.start(), found.end())
            state.refuse(_ONE_PHOTO_REFUSAL)
            return True
    return False


# ---------------------------------------------------------------- music

_MUSIC_WORD = (r"\bbackground\s+music\b|\bmusic\b|\bbgm\b|\bsoundtrack\b|\bsongs?\b|\btunes?\b|\baudio\b|\bsound\b"
               r"|背景音乐|音乐|配乐|背景乐|歌曲?|声音")
_MUSIC_ON = r"\bmusic\b|\bbgm\b|\bsoundtrack\b|\bsongs?\b|\btunes?\b|\bbeat\b|\bunmute\b|音乐|配乐|背景乐|歌"
_OWN_AUDIO = (r"\bmy\s+(?:own\s+)?(?:uploaded\s+)?(?:audio|song|music|track|file|mp3|recording)\b"
              r"|\b(?:uploaded|sent)\s+(?:audio|song|music|track)\b"
              r"|\bthe\s+(?:audio|song|track|music|file)\s+(?:that\s+)?i\s+(?:sent|uploaded)\b"
              r"|我的(?:音乐|歌曲|歌|音频)|我(?:上传|发)的(?:音乐|歌曲|歌|音频)?")
_MOODS = {
    "upbeat": r"\bupbeat\b|\benergetic\b|\bhappy\b|\bdance\b|\bcheerful\b|\blively\b|欢快|动感|活力|快乐|欢乐",
    "lofi": r"lo-?\s?fi|\bchill\w*|\bjazzy\b|低保真|慵懒",
    "calm": r"\bcalm\b|\brelax\w*|\bgentle\b|\bpeaceful\b|\bambient\b|\bpiano\b|\bsoothing\b|安静|舒缓|平静|轻柔|温柔",
    "epic": r"\bepic\b|\bcinematic\b|\bdramatic\b|\borchestral\b|史诗|大气|震撼|电影感",
}
# "no epic music" / "不要欢快的音乐": the mood word sits between the negation and the music word.
_NEGATED_MUSIC = rf"(?:(?:{'|'.join(_MOODS.values())})\s*(?:的\s*)?)?(?:{_MUSIC_WORD})"
_VOLUME = (r"(?<![\d.])(?P<pct>\d{1,3}(?:\.\d+)?)\s*%"
           r"|(?:\bvolume\b|音量)\s*(?:(?:to|at|of|:|=|为|调到|调成|设为|设置为|改成|改为|调至|调)\s*)?"
           r"(?P<num>\d{1,3})(?![\d.]|\s*(?:s|secs?|seconds?|秒)(?![a-z]))")
# Louder / quieter as people say it: a direction word near a music or volume word, in either order ("turn the
# music down", "lower the music", "音乐小一点", "背景音乐降低", "把音量调小"), or a complaint ("the music is too
# loud", "听不清", "太吵").
_SOUND = (r"(?:music|volume|bgm|song|soundtrack|audio|sound|track|背景音乐|音乐|音量|配乐|背景乐|声音|歌声?)"
          r"(?:\s*(?:声|的声音|的音量|音量))?")
_EN_SOUND = r"(?:(?:the|that|my)\s+)?(?:background\s+)?(?:music|volume|bgm|song|soundtrack|audio|sound|track)"
_LOUDER = (rf"\blouder\b|\bturn\s+(?:it\s+|{_EN_SOUND}\s+)?up\b|\bturn\s+up\s+{_EN_SOUND}|\b{_EN_SOUND}\s+up\b"
           rf"|\b{_EN_SOUND}\s+(?:a\s+(?:little|bit)\s+)?(?:higher|louder)\b|\bmore\s+volume\b|\b(?:raise|increase|boost|pump\s+up|bring\s+up|crank\s+up|up)\s+{_EN_SOUND}"
           rf"|\b{_EN_SOUND}\s+(?:is\s+|'s\s+)?(?:too\s+|a\s+bit\s+|way\s+too\s+)?(?:quiet|soft|low)\b"
           rf"|\bcan'?t\s+hear\s+{_EN_SOUND}|\bmake\s+{_EN_SOUND}\s+(?:a\s+(?:bit|little)\s+)?(?:louder|stronger)"
           rf"|大声|{_SOUND}\s*(?:再|稍微|调得?|开得?|放得?)?\s*(?:大|高|响)\s*(?:一点|一些|点|些)"
           rf"|{_SOUND}\s*(?:调|开)\s*(?:大|高)|{_SOUND}\s*(?:提高|加大|增大|提升|调高|调大)"
           rf"|(?:提高|加大|增大|提升|调高|调大|放大)\s*(?:一下\s*)?(?:背景)?{_SOUND}"
           rf"|(?:把|将)\s*{_SOUND}\s*(?:调|开|放)\s*(?:大|高|响)|{_SOUND}\s*(?:太小|太低|太轻|听不(?:清|到|见))"
           rf"|听不(?:清|到|见)\s*{_SOUND}")
_QUIETER = (rf"\bquieter\b|\bsofter\b|\bturn\s+(?:it\s+|{_EN_SOUND}\s+)?down\b|\bturn\s+down\s+{_EN_SOUND}"
            rf"|\b{_EN_SOUND}\s+down\b|\bless\s+(?:loud|volume)\b"
            rf"|\b{_EN_SOUND}\s+(?:a\s+(?:little|bit)\s+)?(?:lower|softer|quieter)\b"
            rf"|\b(?:lower|reduce|decrease|drop|bring\s+down|tone\s+down|soften|dial\s+down)\s+{_EN_SOUND}"
            rf"|\b{_EN_SOUND}\s+(?:is\s+|'s\s+)?(?:too\s+|a\s+bit\s+|way\s+too\s+)?(?:loud|strong|much)\b"
            rf"|\bmake\s+{_EN_SOUND}\s+(?:a\s+(?:bit|little)\s+)?(?:quieter|softer|lower)"
            rf"|小声|{_SOUND}\s*(?:再|稍微|调得?|开得?|放得?)?\s*(?:小|低|轻)\s*(?:一点|一些|点|些)"
            rf"|{_SOUND}\s*(?:调|开)\s*(?:小|低)|{_SOUND}\s*(?:降低|减小|调低|调小|降下来|小下来)"
            rf"|(?:降低|减小|调低|调小|压低|减弱|放低)\s*(?:一下\s*)?(?:背景)?{_SOUND}"
            rf"|(?:把|将)\s*{_SOUND}\s*(?:调|开|放|降)\s*(?:小|低|轻)|{_SOUND}\s*(?:太大|太吵|太响|太高|盖过)"
            rf"|轻一点|太吵")

_MOOD_MUSIC = {"upbeat": _("upbeat music"), "lofi": _("lo-fi music"), "calm": _("calm music"),
               "epic": _("epic music")}
_NO_MUSIC = _("no music")


def _music(state: State, text: Text) -> None:
    conf = state.conf
    negated = take_negations(text, _NEGATED_MUSIC)
    muted = text.grab(r"\bmute[sd]?\b|\bsilent(?:ly)?\b|\bsilence\b|静音|无声")
    if negated or muted:
        conf["music"] = False
        state.note(_NO_MUSIC)
    changed: list[Sentence] = []
    if text.grab(_OWN_AUDIO):
        if not conf.get("audio_path"):
            raise PlanError(_("Send an audio file first, then ask me to use it as the music."))
        conf["music"], conf["music_source"] = True, "file"
        changed.append(_("your audio “{name}” as the music").format(name=conf.get("audio_name") or "file"))
    changed += _volume(state, text)
    moods = [(m.start(), mood) for mood, pattern in _MOODS.items() for m in re.finditer(pattern, text.value)]
    for pattern in _MOODS.values():
        while text.grab(pattern):
            pass
    if moods:
        mood = max(moods)[1]
        conf["music"], conf["music_source"], conf["music_mood"] = True, "generated", mood
        changed.insert(0, _MOOD_MUSIC[mood])
    if re.search(_MUSIC_ON, text.value) and not changed and _NO_MUSIC not in state.changes:
        conf["music"] = True
        label = (_("your audio “{name}”").format(name=conf.get("audio_name")) if conf["music_source"] == "file"
                 else _MOOD_MUSIC.get(conf["music_mood"], _MOOD_MUSIC["upbeat"]))
        changed.append(_("{music} at {percent}%").format(music=label,
                                                        percent=f"{float(conf['music_volume']) * 100:.0f}"))
    for match in list(re.finditer(_MUSIC_ON, text.value)):
        text.consume(match.start(), match.end())
    if changed and _NO_MUSIC in state.changes:  # "no epic music, calm music instead": the later word wins
        state.changes.remove(_NO_MUSIC)
    for phrase in changed:
        state.note(phrase)


def _volume(state: State, text: Text) -> list[Sentence]:
    conf = state.conf
    volume = text.grab(_VOLUME)
    if volume:
        percent = float(volume.group("pct") or volume.group("num"))
        if not 0 < percent <= 100:
            raise PlanError(_("The music volume can be 1% to 100%."))
        conf["music_volume"], conf["music"] = round(percent / 100, 2), True
        return [_("music volume {percent}%").format(percent=f"{percent:g}")]
    if text.grab(_QUIETER):
        conf["music_volume"], conf["music"] = max(0.05, round(float(conf["music_volume"]) * 0.7, 2)), True
        return [_("music quieter ({percent}%)").format(percent=f"{conf['music_volume'] * 100:.0f}")]
    if text.grab(_LOUDER):
        conf["music_volume"], conf["music"] = min(1.0, round(float(conf["music_volume"]) * 1.3, 2)), True
        return [_("music louder ({percent}%)").format(percent=f"{conf['music_volume'] * 100:.0f}")]
    return []


# ---------------------------------------------------------------- aspect and fit

# A ratio is bounded by "no digit next to it" rather than \b: Chinese writes it straight after a word ("改成1:1"),
# and a CJK character counts as a word character for \b. The colon may be a full-width one.
_ASPECTS = (
    ("1:1", r"(?<![\d.])1\s*[:x：]\s*1(?![\d.])|\bsquare\b|正方形|方形|1比1"),
    ("16:9", r"(?<![\d.])16\s*[:x：]\s*9(?![\d.])|\blandscape\b|\bhorizontal\b|\bwidescreen\b|\byoutube\b|横屏|横版"
             r"|16比9"),
    ("9:16", r"(?<![\d.])9\s*[:x：]\s*16(?![\d.])|\bvertical\b|\bportrait\b|竖屏|竖版|9比16"),
)
_CROP_WORD = r"\bcrop\w*|裁剪|裁切"
_BLUR_WORD = r"\bblur\w*(?:\s+(?:background|bg|edges|fill))?|\bborders?\b|\bbars\b|模糊(?:背景)?"
_CROP = (r"\bcrop\w*(?:\s+(?:it\s+|them\s+|the\s+photos\s+)?to\s+fill(?:\s+(?:the\s+)?(?:screen|frame))?)?"
         r"|\bfill\s+(?:the\s+)?(?:screen|frame)\b|\bfull\s?screen\b|裁剪|裁切|铺满|填满|全屏|\bfill\b")
_BLUR = (rf"{_BLUR_WORD}|\bfit\s+(?:the\s+)?whole\b|\bshow\s+(?:the\s+)?(?:whole|entire|full)\b|\bfit\b"
         r"|完整显示|显示完整")


def _frame(state: State, text: Text) -> None:
    conf = state.conf
    aspects = [(m.start(), aspect) for aspect, pattern in _ASPECTS for m in re.finditer(pattern, text.value)]
    for _aspect, pattern in _ASPECTS:
        while text.grab(pattern):
            pass
    if aspects:
        aspect = max(aspects)[1]
        conf["aspect"] = aspect
        width, height = model.ASPECTS[aspect]
        state.note(_("aspect {aspect} ({width}x{height})").format(aspect=aspect, width=width, height=height))
    fit = None
    if take_negations(text, _CROP_WORD):
        fit = "blur"
    elif take_negations(text, _BLUR_WORD):
        fit = "crop"
    elif text.grab(_CROP):
        fit = "crop"
    elif text.grab(_BLUR):
        fit = "blur"
    if fit:
        conf["fit"] = fit
        state.note(_("whole photos on a blurred background") if fit == "blur"
                   else _("photos cropped to fill the frame"))


# ---------------------------------------------------------------- styles

# A named look sets pacing, transitions, motion, music and the title's place together, from the fields the
# draft already has. It never overrides what the user chose explicitly (any earlier message or this one:
# `conf["chosen"]` keeps the names of the fields an explicit edit changed); what it kept is said.
_NOT_MUSIC = r"(?!\s*(?:的\s*)?(?:music|songs?|soundtrack|score|bgm|tunes?|音乐|配乐|歌|背景乐))"
_LOOK_WORDS: tuple[tuple[str, str], ...] = (
    ("cinematic", rf"(?:\bcinematic\b|\bmovie[\s-]?like\b|\blike\s+a\s+(?:movie|film)\b"
                  rf"|\b(?:film|filmic|movie)\s+(?:look|style|feel|vibe)\b|电影感|电影风|电影质感|大片感?|影视感){_NOT_MUSIC}"),
    ("dynamic", rf"(?:\bdynamic\b|\benergetic\b|\bmore\s+energy\b|\bpunch(?:y|ier)\b|\bhype\b|\bexciting\b"
                rf"|\bfast[\s-]paced\b|动感|有活力|活力|节奏感|燃|带劲|炸裂|热血|激情){_NOT_MUSIC}"),
    ("calm", rf"(?:\bcalm(?:er)?\s+(?:look|style|vibe|feel|mood)\b|\bcalmer\b|\bmore\s+calm\b"
             rf"|\b(?:relaxed|peaceful|chill|soft)\s+(?:look|style|vibe|feel)\b|治愈系?|治愈风|岁月静好|慢生活"
             rf"|(?:舒缓|温柔|安静|平静)(?:的)?(?:风格|风|感觉)){_NOT_MUSIC}"),
    ("clean", rf"(?:\bprofessional\b|\bpro\s+look\b|\bclean(?:er)?\s+(?:look|style|feel)\b|\bcleaner\b"
              rf"|\bminimal(?:ist)?\b|\belegant\b|\bclassy\b|\bsleek\b|\bcorporate\b|\bpolished\b"
              rf"|高级感?|简洁|干净|专业|商务|极简|精致|质感){_NOT_MUSIC}"),
    ("vlog", r"(?<![a-z])vlog\w*|日常记录|生活记录|记录生活|日常风"),
)


@dataclass(frozen=True, slots=True)
class _Look:
    name: Sentence
    per_photo_ms: int
    transition: str
    motion: str
    mood: str
    grade: str
    title_position: str | None = None
    letterbox: bool = False


_LOOKS = {
    "cinematic": _Look(_("cinematic"), 4000, "dissolve", "zoomin", "epic", "warm", letterbox=True),
    "dynamic": _Look(_("dynamic"), 1500, "zoomin", "zoomin", "upbeat", "vivid"),
    "calm": _Look(_("calm"), 4000, "fade", "kenburns", "calm", "soft"),
    "clean": _Look(_("clean, professional"), 3000, "fade", "none", "lofi", "none", "top"),
    "vlog": _Look(_("vlog"), 2000, "slideleft", "pan", "upbeat", "warmlight", "top"),
}
# The fields an explicit edit chooses; a look leaves each of them as the user set it.
_CHOSEN = ("per_photo_ms", "duration_ms", "transition", "motion", "music", "music_mood", "music_source",
           "title_position", "grade", "letterbox")


_VAGUE = re.compile(r"\beffects?\b|\bbetter\b|\bnicer\b|\bprettier\b|\bcooler\b|\bpop\b|\bfancy\b|\bstylish\b"
                    r"|好看|漂亮|酷一点|特效|精彩|有意思|有趣")
_LOOK_HINT = _("Nothing changed; try a look such as “cinematic”, “dynamic”, “calm” or “vlog”, or send /help.")


def _find_look(state: State, text: Text) -> None:
    """The last look named in the message; its words are taken first, so "电影感" or "energetic" is a look
    here rather than only a music mood (a look word before a music word stays the music's mood)."""
    found = [(m.start(), look, m) for look, pattern in _LOOK_WORDS for m in re.finditer(pattern, text.value)
             if m.group(0).strip()]
    for _start, _look, match in found:
        text.consume(match.start(), match.end())
    if found:
        state.look = max(found, key=lambda item: item[0])[1]


def _apply_look(state: State, text: Text) -> None:
    if state.look is None:
        return
    look, conf = _LOOKS[state.look], state.conf
    chosen = set(conf.get("chosen") or ())
    done: list[Sentence] = []
    kept: dict[str, Sentence] = {}  # by the field the user chose
    if chosen & {"per_photo_ms", "duration_ms"}:
        if conf.get("per_photo_ms") != look.per_photo_ms:
            if conf.get("duration_ms") and not conf.get("per_photo_ms"):
                kept["duration_ms"] = _("length {length}").format(length=seconds_phrase(int(conf["duration_ms"])))
            else:
                kept["per_photo_ms"] = _("{seconds} per photo").format(seconds=seconds_phrase(
                    int(conf.get("per_photo_ms") or model.DEFAULT_PER_PHOTO_MS)))
    elif conf.get("per_photo_ms") != look.per_photo_ms:
        conf["per_photo_ms"], conf["duration_ms"] = look.per_photo_ms, None
        done.append(_("{seconds} per photo").format(seconds=seconds_phrase(look.per_photo_ms)))
    for field, value, phrase in (("transition", look.transition, _transition_phrase),
                                 ("motion", look.motion, _motion_phrase),
                                 ("grade", look.grade, _grade_phrase),
                                 ("letterbox", look.letterbox, _letterbox_phrase)):
        if conf.get(field) == value:
            continue
        if field in chosen:
            kept[field] = phrase(conf[field])
        else:
            conf[field] = value
            done.append(phrase(value))
    _look_music(conf, look, chosen, done, kept)
    if look.title_position and conf.get("title") and conf.get("title_position") != look.title_position:
        if "title_position" in chosen:
            kept["title_position"] = _("title {where}").format(where=plan_titles.WHERE[str(conf["title_position"])])
        else:
            conf["title_position"] = look.title_position
            done.append(_("title {where}").format(where=plan_titles.WHERE[look.title_position]))
    said = [phrase for field, phrase in kept.items() if field not in state.chosen_now]  # this message says it
    if done and said:
        state.note(_("{look} look: {what}, keeping your {kept}").format(look=look.name, what=listed(done),
                                                                       kept=listed(said)))
    elif done:
        state.note(_("{look} look: {what}").format(look=look.name, what=listed(done)))
    elif said:  # changed nothing: said as what the video already has
        state.note(_("the {look} look, keeping your {kept}").format(look=look.name, kept=listed(said)))
    else:
        state.note(_("the {look} look").format(look=look.name))  # already so: said as such


def _look_music(conf: dict[str, Any], look: _Look, chosen: set[str], done: list[Sentence],
                kept: dict[str, Sentence]) -> None:
    """The look's score, unless the user turned music off or picked the music (their own song included)."""
    if "music" in chosen and not conf.get("music"):
        kept["music"] = _("music off")
        return
    own = conf.get("music_source") == "file" or bool(chosen & {"music_mood", "music_source"})
    if own:
        if conf.get("music_mood") != look.mood or conf.get("music_source") == "file":
            kept["music_mood"] = (_("your audio “{name}”").format(name=conf.get("audio_name") or "file")
                                  if conf.get("music_source") == "file" else _MOOD_MUSIC[str(conf["music_mood"])])
        if not conf.get("music"):
            conf["music"] = True
            done.append(_("music on"))
        return
    if conf.get("music") and conf.get("music_mood") == look.mood:
        return
    conf["music"], conf["music_source"], conf["music_mood"] = True, "generated", look.mood
    done.append(_MOOD_MUSIC[look.mood])


# ---------------------------------------------------------------- colour grade and letterbox

# The colours as people ask for them ("warmer colours", "黑白", "more vivid", "no filter"); each is one of the
# renderer's grades. A filter asked for without saying which is answered with the ones there are.
_GRADE_WORD = r"\bfilters?\b|滤镜|\bcolou?r\s*grad\w*|\bgrad(?:e|ing)\b|\bsaturation\b|调色|饱和度|色调"
_COLOUR = r"(?:colou?r\w*|tones?|tint|hues?|grad\w*|filters?|palette)"
_GRADES: tuple[tuple[str, str], ...] = (
    ("mono", r"\bblack\s*(?:and|&|n)\s*white\b|\bb\s*&\s*w\b|\bmonochrom\w*|\bgr[ae]y\s*scale\b|\bmono\b"
             r"|黑白|单色|去色"),
    ("warm", rf"\bwarm(?:er|th)?\b(?:\s+{_COLOUR})?|\bgolden\s+(?:hour\s+)?{_COLOUR}|暖色调?|暖调|暖一[点些]|偏暖|暖黄"
             r"|温暖(?:的)?(?:色调|色彩|颜色|滤镜|感觉)"),
    ("cool", rf"\b(?:cool|cold|blu(?:e|ish))(?:er)?\s+{_COLOUR}|冷色调?|冷调|偏冷|冷一[点些]|清冷|蓝调"),
    ("vivid", rf"\bvivid\b|\bvibrant\b|\bcolou?rful\b|\b(?:more|boost|increase|raise|higher|up\s+the)\s+(?:the\s+)?"
              rf"saturation\b|\bmore\s+saturated\b|\bsaturated\b|\b(?:brighter|richer|stronger|bolder|punchier|popping)"
              rf"\s+{_COLOUR}|\b{_COLOUR}\s+(?:pop|brighter|richer|stronger)\b|鲜艳|鲜亮|艳丽|浓郁|色彩丰富"
              r"|(?:提高|调高|增加|加大|加强)\s*饱和度?|饱和度?\s*(?:高|调高|提高|加大|高一[点些])"),
    ("soft", rf"\bsoft(?:er)?\s+{_COLOUR}|\bmuted\b|\bpastel\w*|\bwashed[\s-]out\b|\bdesaturat\w*"
             r"|\bless\s+saturat\w*|\b(?:lower|reduce|decrease|less)\s+(?:the\s+)?saturation\b|柔和|淡雅|低饱和"
             r"|(?:降低|调低|减少|减弱)\s*饱和度?|饱和度?\s*(?:低|调低|降低|低一[点些])|清新"),
    ("none", rf"\b(?:natural|original|normal|true|real)\s+{_COLOUR}|\bback\s+(?:to|in)\s+colou?r\b|\bin\s+colou?r\b"
             r"|原色|自然色|原本的颜色|(?:变回|恢复|换回)(?:彩色|原色|原来的颜色)"),
)
_COLOUR_WORD = r"\bcolou?rs?\b|颜色|色彩|画面"
_GRADE_PHRASE = {"none": _("natural colours (no filter)"), "warm": _("warm colour grade"),
                 "warmlight": _("light warm colour grade"), "cool": _("cool colour grade"),
                 "vivid": _("vivid colours"), "soft": _("soft, muted colours"), "mono": _("black and white")}
_WHICH_GRADE = _("Tell me which colours: warm, cool, vivid, soft or black and white (or “no filter”).")
# Cinema bars over the picture. ("黑边" and "letterbox" once meant the blurred background's sides: the photos
# are fitted on a blurred background, never on black, so a black bar is only ever this.)
_LETTERBOX = (r"\bletter[\s-]?box\w*|\b(?:cinema(?:tic)?|cinemascope|movie|film|black|widescreen)\s+bars\b"
              r"|(?:电影|上下)?黑边|(?:电影)?遮幅|宽银幕(?:效果|感)?|电影(?:画幅|宽屏)")


def _grade_phrase(grade: object) -> Sentence:
    return _GRADE_PHRASE.get(str(grade), _GRADE_PHRASE["none"])


def _letterbox_phrase(on: object) -> Sentence:
    return _("letterbox bars") if on else _("no letterbox bars")


def _grade(state: State, text: Text) -> None:
    """Letterbox on or off, then the colours: negations first ("no filter", "不要黑白": natural colours), then
    the last grade named wins ("black and white, no, warmer")."""
    conf = state.conf
    if take_negations(text, _LETTERBOX):
        conf["letterbox"] = False
        state.note(_letterbox_phrase(False))
    elif text.grab(_LETTERBOX):
        while text.grab(_LETTERBOX):
            pass
        conf["letterbox"] = True
        state.note(_letterbox_phrase(True))
    every = "|".join([_GRADE_WORD, *(pattern for _name, pattern in _GRADES)])
    negated = take_negations(text, every)
    found = [(m.start(), grade, m) for grade, pattern in _GRADES
             for m in re.finditer(rf"(?:{pattern}){_NOT_MUSIC}", text.value) if m.group(0).strip()]
    for _start, _grade_name, match in found:
        text.consume(match.start(), match.end())
    named = bool(text.grab(_GRADE_WORD))
    while text.grab(_GRADE_WORD):
        pass
    if found or negated:  # "颜色鲜艳一点": the colour word belongs to the grade, not to the text's colour
        while text.grab(_COLOUR_WORD):
            pass
    if found:
        conf["grade"] = max(found, key=lambda item: item[0])[1]
    elif negated:
        conf["grade"] = "none"
    elif named:
        state.advise(_WHICH_GRADE)
        return
    else:
        return
    state.note(_grade_phrase(str(conf["grade"])))


# ---------------------------------------------------------------- what was left

# Words that carry no instruction of their own; any other word left after the rules is reported.
_FILLER = frozenset("""
a about above across add added adding again all also am an and another any anything appear appears apply
approximately are around as at awesome back bam be beautiful been best better between bit both but by can change
cheers clip clips could create creating cut display do does done each effect effects entire every everything
feel first for from full get give go good great have hello hey hi how i i'd i'll i'm image images in instead
into is it it's its just keep kind last least length let let's lets like little long look looks lovely make
makes making max maximum me mine minimum montage more most move movie much my need new nice no now number of off
ok okay on one ones only onto or our out over overall photo photos pic pics picture pictures please pls plz
pretty put quick quickly really reel reels same sec second seconds secs set short shorts shot shots should show
slide slides slideshow slow slowly smooth smoother smoothly so some something style sure than thank thanks that
the their them then there these they thing things this those through tiktok to too total try turn up us use
using version very vibe video videos want we what which whole will with would yeah yes you your
""".split())


def _leftover(text: Text) -> list[str]:
    words = [w for w in re.findall(r"[a-z]+(?:'[a-z]+)?", text.value) if len(w) > 1 and w not in _FILLER]
    return list(dict.fromkeys(words))[:4]


def _unclaimed_quotes(state: State, text: Text) -> None:
    """A quote no keyword took becomes the title (a bare "Summer 2026" is a title); further ones are reported."""
    for index, quote in enumerate(state.quotes):
        if index in state.claimed:
            continue
        if not state.title_set:
            state.conf["title"], state.title_set = quote, True
            where = plan_titles.take_position(text)
            if where:
                state.conf["title_position"] = where
            state.note(_("title “{text}” {where}").format(text=quote, where=plan_titles.WHERE[where]) if where
                       else _("title “{text}”").format(text=quote))
        else:
            state.advise(_("I did not know what to do with “{text}”.").format(text=quote))


# "Make a video" needs the video in it: a bare "make it look better" is too vague to act on, and is
# answered with what the engine can do rather than a no-op. It turns nothing on by itself (music comes only
# from a music word), so "square video" is just the aspect.
_MAKE = re.compile(r"\bvideos?\b|\btiktoks?\b|\breels?\b|\bslideshows?\b|\bshorts?\b|\bmovie\b|\bmontage\b|\bclips?\b"
                   r"|视频|短片|做成|抖音|剪辑|影片")

_RULES: tuple[Callable[[State, Text], None], ...] = (
    _beat_sync, _grade, _cannot, _find_look, _remove, _swap, _move, _reverse, _length, _transitions, _motion, _music,
    _frame)


# ---------------------------------------------------------------- entry point


def apply_instruction(draft: dict[str, Any] | None, text: str) -> PlanResult:
    """Apply one instruction to `draft` (not modified); PlanError when nothing in it can be used or nothing
    it asked for changes the video (the error then says what was understood)."""
    stripped = text.strip()
    quotes, written = take_quotes(stripped)  # quotes as written: a title keeps its full-width punctuation
    state = State(photos=model.photos(draft), conf=model.settings(draft), quotes=quotes)
    titled = Text(widen(written), written)
    _step(state, lambda: plan_titles.extract(state, titled))
    work = Text(normalise(titled.value))
    making, vague = bool(_MAKE.search(work.value)), bool(_VAGUE.search(work.value))
    for rule in _RULES:
        _step(state, lambda rule=rule: rule(state, work))  # type: ignore[misc]
    _step(state, lambda: _unclaimed_quotes(state, work))
    _step(state, lambda: _apply_look(state, work), explicit=False)
    unknown = _leftover(work)
    # "make it look better", "加点特效": a look is the nearest thing that exists
    hint = vague and state.look is None and not state.changes and not state.kept
    if not state.changes and not (making and not hint and not state.kept and not _refusals(state, [])):
        raise PlanError(_nothing_changed(state, unknown, hint=hint))
    new = model.layout(state.photos, state.conf)
    sentence = _sentence(state, new)
    refusals = _refusals(state, unknown)
    return PlanResult(new, tuple(state.changes), sentences([sentence, *refusals]))


def _step(state: State, rule: Callable[[], None], *, explicit: bool = True) -> None:
    """Run one rule; what it noted but left as it was ("calm music" when the music was calm already) is moved
    from the changes to what was kept, so the answer says "Done" only for what changed. The fields an
    explicit rule changed are remembered as the user's choice (`chosen`), which a style leaves alone."""
    before = (copy.deepcopy(state.conf), copy.deepcopy(state.photos))
    mark = len(state.changes)
    rule()
    if (state.conf, state.photos) == before:
        state.kept += [state.state_of(phrase) for phrase in state.changes[mark:]
                       if state.state_of(phrase) not in state.kept]
        del state.changes[mark:]
    elif explicit:
        changed = {name for name in _CHOSEN if state.conf.get(name) != before[0].get(name)}
        state.chosen_now |= changed
        if changed:
            state.conf["chosen"] = sorted(changed | set(state.conf.get("chosen") or ()))


def _nothing_changed(state: State, unknown: list[str], *, hint: bool = False) -> Sentence:
    """One short answer for a message that changed nothing: what was understood, what could not be done, and
    otherwise a pointer to /help (never the whole list of what the engine can do)."""
    refusals = _refusals(state, unknown if state.kept else [])
    if state.kept:
        return sentences([_("Nothing changed: the video already has {what}.").format(what=listed(state.kept)),
                          *refusals])
    if hint:
        return sentences([*refusals, _LOOK_HINT])
    if refusals:
        return sentences([*refusals, _("Nothing changed; send /help to see what I can do.")])
    return MISS


def _refusals(state: State, unknown: list[str]) -> list[Sentence]:
    """What the message asked for but did not get: "I can't add stickers or apply filters yet." and hints."""
    parts: list[Sentence] = []
    if state.cannot:
        parts.append(_("I can't {what} yet.").format(what=listed(state.cannot, either=True)))
    parts += state.advice
    if unknown:
        parts.append(_("I didn't understand {words}.").format(words=listed(f"“{word}”" for word in unknown)))
    return parts


def _sentence(state: State, draft: dict[str, Any]) -> Sentence:
    """One sentence: what changed (and what was so already), then what the video now is (length, photos)."""
    count = len(state.photos)
    if count == 0:
        shape: Sentence = _("send photos and I will build the video with these settings")
    else:
        length = seconds_phrase(int(draft.get("d") or 0))
        shape = _n("the video is now {length} long with {count} photo",
                   "the video is now {length} long with {count} photos", count).format(length=length)
        conf = state.conf
        wanted = (conf.get("per_photo_ms") and conf["per_photo_ms"] * count) or conf.get("duration_ms")
        if wanted and abs(int(wanted) - int(draft.get("d") or 0)) > 50:
            shape = _n("{shape} (adjusted from {wanted} to fit {count} photo)",
                       "{shape} (adjusted from {wanted} to fit {count} photos)", count).format(
                shape=shape, wanted=seconds_phrase(int(wanted)))
    if not state.changes:
        return _("Your video is set: {shape}.").format(shape=shape)
    if state.kept:
        return _("Done: {changes} (already so: {kept}); {shape}.").format(
            changes=listed(state.changes), kept=listed(state.kept), shape=shape)
    return _("Done: {changes}; {shape}.").format(changes=listed(state.changes), shape=shape)
