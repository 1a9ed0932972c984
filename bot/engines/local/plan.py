"""Instruction (English or Chinese) → edits on a chat's draft, plus one sentence saying what changed.

Pure functions, no I/O: `apply_instruction(draft, text)` returns a new draft and the sentence, or raises
`PlanError` whose message lists what the engine can do. Nothing is ever a silent no-op: a message that
matches no rule is refused with that list, and a message that matches only "make a video" answers with what
the video now is. Quoted text is taken out before keywords are read, so a title like "No music" stays a title.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.engines.local import model

CAPABILITIES = (
    "I can: set the length (\"15 seconds\", \"30秒\") or seconds per photo (\"2 s per photo\", faster/slower); "
    "change transitions (fade, dissolve, slide left/right/up/down, wipe, zoom, random, none); "
    "set motion (Ken Burns, zoom in, zoom out, pan, none); add a title or captions "
    "(title \"Summer\", caption photo 2 \"Beach day\", 标题\"夏天\", at the top/center/bottom); "
    "music (upbeat, lo-fi, calm, epic, volume 50%, no music, or your own audio file); "
    "reorder photos (reverse, swap 1 and 3, move photo 3 to the start, remove photo 2); "
    "aspect 9:16, 1:1 or 16:9; fit with a blurred background or crop to fill."
)


class PlanError(ValueError):
    """An instruction that cannot be applied; `detail` is one safe sentence for the user."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class PlanResult:
    draft: dict[str, Any]
    changes: tuple[str, ...]
    sentence: str


@dataclass(slots=True)
class _State:
    """The working copy one instruction edits; `changes` are short phrases joined into the answer."""

    photos: list[dict[str, Any]]
    conf: dict[str, Any]
    changes: list[str] = field(default_factory=list)
    matched: bool = False

    def note(self, phrase: str) -> None:
        self.matched = True
        if phrase and phrase not in self.changes:
            self.changes.append(phrase)


# ---------------------------------------------------------------- text helpers

_QUOTES = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』|‘([^’]+)’|(?<!\w)\'([^\']+)\'(?!\w)')
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10, "last": -1}
_PHOTO = r"(?:photos?|pics?|pictures?|images?|slides?|shots?)"
_CN_PHOTO = r"(?:张|个|幅)(?:照片|图片|图)?"


def _cn_number(text: str) -> int | None:
    """一 … 九十九 → int (enough for photo numbers and seconds)."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text)


def normalise(text: str) -> str:
    """Lower case, ASCII digits and punctuation, Chinese numerals before 张/秒/位 as digits."""
    text = text.translate(str.maketrans("０１２３４５６７８９：％，。！？（）", "0123456789:%,.!?()"))
    text = re.sub(r"([零一二两三四五六七八九十]+)(?=\s*(?:张|秒|位|个|幅|分钟))",
                  lambda m: str(_cn_number(m.group(1)) or m.group(1)), text)
    return text.lower()


def _quoted(text: str) -> tuple[list[str], str]:
    """The quoted strings (original case) and the text with them replaced by a placeholder."""
    found: list[str] = []

    def keep(match: re.Match[str]) -> str:
        found.append(next(g for g in match.groups() if g is not None).strip())
        return " «q» "

    return found, _QUOTES.sub(keep, text)


def _photo_ref(token: str, count: int) -> int:
    """"2", "second", "last" → a 0-based index, or PlanError naming the range."""
    token = token.strip().lower()
    number = _ORDINALS.get(token)
    if number is None:
        digits = re.sub(r"(st|nd|rd|th)$", "", token)
        number = _cn_number(digits) if digits else None
    if number == -1:
        number = count
    if number is None:
        raise PlanError(f"I could not tell which photo \"{token}\" is: use its number, e.g. photo 2.")
    if count == 0:
        raise PlanError("There are no photos on the timeline yet: send some photos first.")
    if not 1 <= number <= count:
        noun = "photo" if count == 1 else "photos"
        raise PlanError(f"There is no photo {number}: the timeline has {count} {noun} (1-{count}).")
    return number - 1


_REF = r"(\d+|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|\d+(?:st|nd|rd|th))"
_EN_PHOTO_N = rf"(?:{_PHOTO}\s*(?:no\.?|number|#)?\s*{_REF}|(?:the\s+)?{_REF}\s+{_PHOTO})"
_CN_PHOTO_N = rf"第\s*(\d+)\s*{_CN_PHOTO}?"


def _ref_of(match: re.Match[str], *groups: int) -> str:
    return next(match.group(g) for g in groups if match.group(g))


def _seconds_phrase(ms: int) -> str:
    value = ms / 1000
    return f"{value:.0f} s" if abs(value - round(value)) < 0.05 else f"{value:.1f} s"


# ---------------------------------------------------------------- order rules


def _order(state: _State, text: str) -> str:
    """Remove / swap / move / reverse photos; returns the text with the consumed parts blanked."""
    count = len(state.photos)
    remove = re.compile(rf"(?:remove|delete|drop|take out|get rid of|cut)\s+(?:the\s+)?{_EN_PHOTO_N}"
                        rf"|(?:删除|删掉|去掉|移除|不要)\s*{_CN_PHOTO_N}")
    for match in list(remove.finditer(text)):
        index = _photo_ref(_ref_of(match, 1, 2, 3), count)
        removed = state.photos.pop(index)
        count -= 1
        state.note(f"removed photo {index + 1} ({removed.get('m', {}).get('name', 'photo')})")
        text = text.replace(match.group(0), " ")
    swap = re.compile(rf"(?:swap|switch|exchange)\s+(?:{_PHOTO}\s*)?{_REF}\s*(?:and|with|&|,)\s*"
                      rf"(?:{_PHOTO}\s*)?{_REF}"
                      rf"|(?:交换|对调|互换)\s*第?\s*(\d+)\s*{_CN_PHOTO}?\s*(?:和|与|跟)\s*第?\s*(\d+)\s*{_CN_PHOTO}?"
                      rf"|第\s*(\d+)\s*{_CN_PHOTO}?\s*(?:和|与|跟)\s*第\s*(\d+)\s*{_CN_PHOTO}?\s*(?:交换|对调|互换)")
    for match in list(swap.finditer(text)):
        a = _photo_ref(_ref_of(match, 1, 3, 5), count)
        b = _photo_ref(_ref_of(match, 2, 4, 6), count)
        state.photos[a], state.photos[b] = state.photos[b], state.photos[a]
        state.note(f"swapped photos {a + 1} and {b + 1}")
        text = text.replace(match.group(0), " ")
    move = re.compile(
        rf"(?:move|put|place)\s+(?:the\s+)?{_EN_PHOTO_N}\s*(?:to\s+)?(?:the\s+)?"
        rf"(start|beginning|front|first|end|last|back|position\s*\d+|(?:slot|place)\s*\d+|\d+)"
        rf"|(?:把)?{_CN_PHOTO_N}\s*(?:移到|放到|挪到|放在|移至)\s*(最前面?|开头|最后面?|末尾|结尾|第\s*\d+\s*(?:位|张|个)?)")
    for match in list(move.finditer(text)):
        source = _photo_ref(_ref_of(match, 1, 2, 4), count)
        where = (match.group(3) or match.group(5) or "").strip()
        if where in ("start", "beginning", "front", "first") or where.startswith(("最前", "开头")):
            target = 0
        elif where in ("end", "last", "back") or where.startswith(("最后", "末尾", "结尾")):
            target = count - 1
        else:
            target = _photo_ref(re.sub(r"\D", "", where), count)
        state.photos.insert(target, state.photos.pop(source))
        state.note(f"moved photo {source + 1} to position {target + 1}")
        text = text.replace(match.group(0), " ")
    if re.search(r"\breverse\b|\breversed\b|倒序|反转|顺序反|倒过来|逆序", text):
        if count == 0:
            raise PlanError("There are no photos on the timeline yet: send some photos first.")
        state.photos.reverse()
        state.note("reversed the photo order")
    return text


# ---------------------------------------------------------------- length and pace


def _length(state: _State, text: str) -> str:
    per = re.search(r"(\d+(?:\.\d+)?)\s*-?\s*(?:s|secs?|seconds?)\s*(?:per|each|for each|a|every|on each)\s*"
                    rf"(?:{_PHOTO})?|(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?)\s+each"
                    r"|每\s*(?:张|个|幅)\s*(?:照片|图片|图)?\s*(\d+(?:\.\d+)?)\s*秒", text)
    if per:
        seconds = float(next(g for g in per.groups() if g))
        if not 0.5 <= seconds <= 20:
            raise PlanError("Each photo can stay on screen between 0.5 and 20 seconds.")
        state.conf["per_photo_ms"] = round(seconds * 1000)
        state.note(f"{_seconds_phrase(state.conf['per_photo_ms'])} per photo")
        text = text.replace(per.group(0), " ")
    total = re.search(r"(\d+(?:\.\d+)?)\s*-?\s*(?:s|secs?|seconds?)\b|(\d+(?:\.\d+)?)\s*秒"
                      r"|(\d+(?:\.\d+)?)\s*-?\s*(?:min|mins|minutes?)\b|(\d+(?:\.\d+)?)\s*分钟"
                      r"|(half a minute|半分钟)", text)
    if total:
        if total.group(5):
            seconds = 30.0
        elif total.group(3) or total.group(4):
            seconds = float(total.group(3) or total.group(4)) * 60
        else:
            seconds = float(total.group(1) or total.group(2))
        if not 2 <= seconds <= model.MAX_DURATION_MS / 1000:
            raise PlanError(f"The video can be 2 to {model.MAX_DURATION_MS // 1000} seconds long.")
        state.conf["duration_ms"] = round(seconds * 1000)
        state.conf["per_photo_ms"] = None
        state.note(f"length {_seconds_phrase(state.conf['duration_ms'])}")
        text = text.replace(total.group(0), " ")
    faster = re.search(r"\bfaster\b|\bquicker\b|speed (?:it )?up|more quickly|快一点|快些|加快|节奏快", text)
    slower = re.search(r"\bslower\b|slow (?:it )?down|more slowly|慢一点|慢些|放慢|节奏慢", text)
    if (faster or slower) and not per and not total:
        count = max(len(state.photos), 1)
        current = model.total_ms(count, state.conf) / count
        factor = 0.7 if faster else 1.4
        new = min(max(round(current * factor / 100) * 100, model.MIN_SLOT_MS), 20_000)
        state.conf["per_photo_ms"] = new
        state.note(f"{'faster' if faster else 'slower'} pace, {_seconds_phrase(new)} per photo")
    return text


# ---------------------------------------------------------------- transitions and motion

_TRANSITION_WORDS = r"(?:transitions?|转场|过渡|切换效果)"


def _transitions(state: _State, text: str) -> str:
    conf = state.conf
    if re.search(r"\bno\s+transitions?|without\s+(?:any\s+)?transitions?|remove\s+(?:the\s+|all\s+)?transitions?"
                 r"|transitions?\s+off|turn off (?:the )?transitions?|hard cuts?|straight cuts?|jump cuts?"
                 r"|不要转场|去掉转场|无转场|取消转场|关闭转场|硬切|直接切", text):
        conf["transition"] = "none"
        state.note("no transitions (straight cuts)")
        return text
    style = None
    slide = re.search(r"slid(?:e|ing)\s*(?:in\s*)?(?:from\s+the\s+|to\s+the\s+)?(left|right|up|down)?"
                      r"|(?:向|从)?(左|右|上|下)?\s*滑(?:动|入)", text)
    wipe = re.search(r"wipes?\s*(?:to\s+the\s+)?(left|right)?|擦除", text)
    if slide:
        side = slide.group(1) or {"左": "left", "右": "right", "上": "up", "下": "down"}.get(slide.group(2) or "")
        style = f"slide{side or 'left'}"
    elif wipe:
        style = f"wipe{wipe.group(1) or 'left'}"
    elif re.search(r"\bdissolves?\b|溶解", text):
        style = "dissolve"
    elif re.search(r"zoom\w*\s+" + _TRANSITION_WORDS + r"|" + _TRANSITION_WORDS + r"\s+(?:with\s+)?zoom"
                   r"|zoom between|缩放转场|放大转场", text):
        style = "zoomin"
    elif re.search(r"\brandom\b|\bmixed\b|\bvariety\b|different transitions|随机|混合|各种", text):
        style = "random"
    elif re.search(r"cross-?\s?fades?|\bfades?\b(?!\s*(?:in|out))|淡入淡出|渐变|淡化", text):
        style = "fade"
    if style:
        conf["transition"] = style
        label = {"zoomin": "zoom", "random": "random"}.get(style, style.replace("slide", "slide ")
                                                                   .replace("wipe", "wipe "))
        state.note(f"{label} transitions")
    elif re.search(_TRANSITION_WORDS, text):
        if conf.get("transition") in (None, "none"):
            conf["transition"] = "fade"
        current = conf["transition"]
        state.note(f"{'random' if current == 'random' else current} transitions")
    return text


def _motion(state: _State, text: str) -> str:
    conf = state.conf
    if re.search(r"\bno\s+(?:ken\s*burns|motion|movement|animation|zoom(?:ing)?)|without\s+(?:ken\s*burns|motion|"
                 r"movement|zoom)|\bstatic\b|still photos|ken\s*burns\s+off|turn off (?:the )?(?:ken\s*burns|motion)"
                 r"|不要动效|去掉动效|静止|不要缩放|不要运镜|关闭动效", text):
        conf["motion"] = "none"
        state.note("no motion (still photos)")
        return text
    motion = None
    if re.search(r"zoom(?:ing)?[\s-]*in\b(?!\s*" + _TRANSITION_WORDS + r")|push(?:ing)?[\s-]*in|放大|推近", text):
        motion = "zoomin"
    elif re.search(r"zoom(?:ing)?[\s-]*out|pull(?:ing)?[\s-]*(?:out|back)|缩小|拉远", text):
        motion = "zoomout"
    elif re.search(r"\bpan(?:s|ning)?\b|平移|左右移动", text):
        motion = "pan"
    elif re.search(r"ken\s*burns|\bmotion\b|\banimat\w*|\bmovement\b|动效|运镜|动起来", text):
        motion = "kenburns"
    if motion:
        conf["motion"] = motion
        state.note({"zoomin": "slow zoom-in motion", "zoomout": "slow zoom-out motion", "pan": "panning motion",
                    "kenburns": "Ken Burns motion"}[motion])
    return text


# ---------------------------------------------------------------- title and captions

_POSITION = re.compile(r"(?:at|to|on|in)\s+(?:the\s+)?(top|bottom|middle|center|centre)\b"
                       r"|(顶部|上方|顶端|最上面|底部|下方|底端|最下面|中间|居中|中央)")


def _position(match: re.Match[str]) -> str:
    word = match.group(1) or match.group(2)
    if word in ("top", "顶部", "上方", "顶端", "最上面"):
        return "top"
    if word in ("bottom", "底部", "下方", "底端", "最下面"):
        return "bottom"
    return "center"


def _clean(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip(" \t:：,，.。!！")
    return value[:120]


def _captions(state: _State, text: str, original: str, quoted: list[str]) -> str:
    count = len(state.photos)
    if re.search(r"(?:remove|delete|drop|no|without|clear)\s+(?:the\s+|all\s+)?captions?|去掉字幕|删除字幕|不要字幕",
                 text):
        target = re.search(rf"captions?\s+(?:from|on|of)\s+{_EN_PHOTO_N}", text)
        chosen = [_photo_ref(_ref_of(target, 1, 2), count)] if target else range(count)
        for i in chosen:
            state.photos[i].setdefault("m", {}).pop("caption", None)
        state.note(f"removed the caption of photo {chosen[0] + 1}" if target else "removed the captions")
        return text
    pattern = re.compile(
        rf"caption\s*(?:for|on|of|to)?\s*(?:the\s+)?{_EN_PHOTO_N}\s*(?:with|as|saying|that says|:)?\s*(.*)"
        rf"|{_EN_PHOTO_N}\s*(?:'s)?\s*caption\s*(?:is|:|saying|as)?\s*(.*)"
        rf"|(?:给)?{_CN_PHOTO_N}\s*(?:加上?|添加|的|配上?)?\s*(?:字幕|文字|说明|文案)\s*(?:为|是|:|写)?\s*(.*)")
    match = pattern.search(text)
    if match:
        index = _photo_ref(_ref_of(match, 1, 2, 4, 5, 7), count)
        raw = match.group(3) or match.group(6) or match.group(8) or ""
        caption = quoted[0] if "«q»" in raw and quoted else _clean(_from_original(original, raw))
        if not caption:
            raise PlanError('Tell me the caption text too, e.g. caption photo 2 "Beach day".')
        state.photos[index].setdefault("m", {})["caption"] = caption
        state.note(f'caption "{caption}" on photo {index + 1}')
        return text[: match.start()]
    position = _POSITION.search(text)
    if re.search(r"captions?|字幕", text):
        if position:
            state.conf["caption_position"] = _position(position)
            state.note(f"captions at the {state.conf['caption_position']}")
            return text.replace(position.group(0), " ")
        raise PlanError('Tell me the caption text and the photo, e.g. caption photo 2 "Beach day".')
    return text


def _from_original(original: str, lowered: str) -> str:
    """Recover the user's capitalisation of a fragment found in the lower-cased text."""
    lowered = lowered.strip()
    if not lowered:
        return ""
    at = original.lower().rfind(lowered)
    return original[at: at + len(lowered)] if at >= 0 else lowered


def _title(state: _State, text: str, original: str, quoted: list[str]) -> str:
    conf = state.conf
    if re.search(r"(?:remove|delete|drop|no|without|clear)\s+(?:the\s+)?title"
                 r"|去掉标题|删除标题|不要标题|取消标题", text):
        conf["title"] = None
        state.note("removed the title")
        return text
    position = _POSITION.search(text)
    if position:
        text = text.replace(position.group(0), " ")
    match = re.search(r"(?:add|put|set|make|use|with)?\s*(?:a\s+|the\s+)?title\s*(?:card)?\s*"
                      r"(?:saying|that says|called|reading|of|to|as|is|:|=)?\s*(.*)"
                      r"|(?:加上?|添加)?\s*标题\s*(?:为|是|:|写|叫)?\s*(.*)", text)
    if match:
        rest = match.group(1) if match.group(1) is not None else (match.group(2) or "")
        if quoted and ("«q»" in rest or "«q»" in text):
            new = quoted[0]
        else:
            new = _clean(_from_original(original, rest.replace("«q»", " ")))
            if new in ("", "to", "at", "on"):
                new = ""
        if position:
            conf["title_position"] = _position(position)
        where = f" at the {conf['title_position']}" if position else ""
        if new:
            conf["title"] = new
            state.note(f'title "{new}"{where}')
        elif position:
            state.note(f"title{where}")
        if not new and not position:
            if not conf.get("title"):
                raise PlanError('Tell me the title text, e.g. title "Summer in Lisbon".')
            state.note(f'title "{conf["title"]}"')
        return text[: match.start()]
    if quoted and not state.matched:
        conf["title"] = quoted[0]
        state.note(f'title "{quoted[0]}"')
        if position:
            conf["title_position"] = _position(position)
    return text


# ---------------------------------------------------------------- music

_MOODS = {
    "upbeat": r"\bupbeat\b|\benergetic\b|\bhappy\b|\bdance\b|\bcheerful\b|\blively\b|欢快|动感|活力|快乐|欢乐",
    "lofi": r"lo-?\s?fi|\bchill\w*|\bjazzy\b|低保真|慵懒",
    "calm": r"\bcalm\b|\brelax\w*|\bgentle\b|\bpeaceful\b|\bambient\b|\bpiano\b|\bsoothing\b|安静|舒缓|平静|轻柔|温柔",
    "epic": r"\bepic\b|\bcinematic\b|\bdramatic\b|\borchestral\b|史诗|大气|震撼|电影感",
}


def _music(state: _State, text: str) -> str:
    conf = state.conf
    if re.search(r"\bno\s+(?:background\s+)?(?:music|bgm|sound|audio)|without\s+(?:any\s+)?(?:music|bgm|sound)"
                 r"|(?:remove|drop|delete|stop)\s+(?:the\s+)?(?:background\s+)?(?:music|bgm|song)|\bmute\b"
                 r"|\bsilent\b|music\s+off|turn off (?:the )?music|不要音乐|去掉音乐|关闭音乐|静音|无音乐|不要配乐"
                 r"|去掉配乐", text):
        conf["music"] = False
        state.note("no music")
        return text
    changed: list[str] = []
    if re.search(r"\bmy\s+(?:own\s+)?(?:audio|song|music|track|file)|uploaded\s+(?:audio|song|music|track)"
                 r"|我的(?:音乐|歌|音频)|我上传的", text):
        if not conf.get("audio_path"):
            raise PlanError("Send an audio file first, then ask me to use it as the music.")
        conf["music"], conf["music_source"] = True, "file"
        changed.append(f"your audio \"{conf.get('audio_name') or 'file'}\" as the music")
    for mood, pattern in _MOODS.items():
        if re.search(pattern, text):
            conf["music"], conf["music_source"], conf["music_mood"] = True, "generated", mood
            changed.append(f"{model.MOOD_LABEL[mood]} music")
            break
    volume = re.search(r"(?:volume|music|bgm|音量)\D{0,16}?(\d{1,3})\s*%|(\d{1,3})\s*%\s*(?:volume|音量)"
                       r"|音量\s*(\d{1,3})", text)
    if volume:
        percent = int(next(g for g in volume.groups() if g))
        if not 0 < percent <= 100:
            raise PlanError("The music volume can be 1% to 100%.")
        conf["music_volume"] = round(percent / 100, 2)
        conf["music"] = True
        changed.append(f"music volume {percent}%")
    elif re.search(r"\blouder\b|turn (?:it |the music )?up|more volume|大声|调高音量|音量大", text):
        conf["music_volume"] = min(1.0, round(float(conf["music_volume"]) * 1.3, 2))
        conf["music"] = True
        changed.append(f"music louder ({conf['music_volume'] * 100:.0f}%)")
    elif re.search(r"\bquieter\b|\bsofter\b|turn (?:it |the music )?down|lower (?:the )?(?:music|volume)"
                   r"|小声|调低音量|音量小|轻一点", text):
        conf["music_volume"] = max(0.05, round(float(conf["music_volume"]) * 0.7, 2))
        conf["music"] = True
        changed.append(f"music quieter ({conf['music_volume'] * 100:.0f}%)")
    if not changed and re.search(r"\bmusic\b|\bbgm\b|\bsoundtrack\b|\bsong\b|\bbeat\b|音乐|配乐|背景乐|歌", text):
        conf["music"] = True
        label = (f"your audio \"{conf.get('audio_name')}\"" if conf["music_source"] == "file"
                 else f"{model.MOOD_LABEL[conf['music_mood']]} music")
        changed.append(f"{label} at {float(conf['music_volume']) * 100:.0f}%")
    for phrase in changed:
        state.note(phrase)
    return text


# ---------------------------------------------------------------- frame


def _frame(state: _State, text: str) -> str:
    conf = state.conf
    aspect = None
    if re.search(r"\b1\s*[:x]\s*1\b|\bsquare\b|正方形|方形|1比1", text):
        aspect = "1:1"
    elif re.search(r"\b16\s*[:x]\s*9\b|\blandscape\b|\bhorizontal\b|\bwidescreen\b|\byoutube\b|横屏|横版|16比9",
                   text):
        aspect = "16:9"
    elif re.search(r"\b9\s*[:x]\s*16\b|\bvertical\b|\bportrait\b|竖屏|竖版|9比16", text):
        aspect = "9:16"
    if aspect:
        conf["aspect"] = aspect
        width, height = model.ASPECTS[aspect]
        state.note(f"aspect {aspect} ({width}x{height})")
    if re.search(r"blur(?:red|ry)?\s+(?:background|bg|edges|fill)|fit (?:the )?whole|show (?:the )?(?:whole|entire|"
                 r"full)|(?:no|don'?t|do not|without)\s+crop|模糊背景|完整显示|不要裁剪|不裁剪", text):
        conf["fit"] = "blur"
        state.note("whole photos on a blurred background")
    elif re.search(r"\bcrop\w*|fill the (?:screen|frame)|full\s?screen|no (?:blur|borders|bars)|裁剪|铺满|填满|全屏",
                   text):
        conf["fit"] = "crop"
        state.note("photos cropped to fill the frame")
    return text


# "Make a video" needs the video in it: a bare "make it look better" is too vague to act on, and is
# answered with what the engine can do rather than a no-op.
_MAKE = re.compile(r"\bvideo\b|\btiktok\b|\breels?\b|\bslideshow\b|\bshorts?\b|\bmovie\b|\bmontage\b|\bclip\b"
                   r"|视频|短片|做成|抖音|剪辑")


# ---------------------------------------------------------------- entry point


def apply_instruction(draft: dict[str, Any] | None, text: str) -> PlanResult:
    """Apply one instruction to `draft` (not modified); PlanError when nothing in it can be mapped."""
    quoted, stripped = _quoted(text.strip())
    lowered = normalise(stripped)
    original = stripped
    state = _State(photos=model.photos(draft), conf=model.settings(draft))
    before_count = len(state.photos)
    rules: list[Callable[[_State, str], str]] = [_order, _length, _transitions, _motion, _music, _frame]
    rest = lowered
    for rule in rules[:2]:
        rest = rule(state, rest)
    rest = _captions(state, rest, original, quoted)
    for rule in rules[2:]:
        rest = rule(state, rest)
    _title(state, rest, original, quoted)
    if not state.matched and not _MAKE.search(lowered):
        raise PlanError("I could not turn that into an edit. " + CAPABILITIES)
    if _MAKE.search(lowered):
        _make_defaults(state)
    new = model.layout(state.photos, state.conf)
    return PlanResult(new, tuple(state.changes), _sentence(state, new, before_count))


def _make_defaults(state: _State) -> None:
    """The first "make a video" gets music unless this message says otherwise, so a TikTok has sound.

    `made` remembers it was done: a later "make it a 20 s video" must not bring back music the user removed.
    """
    if not state.conf.get("made") and not state.conf.get("music") and "no music" not in state.changes:
        state.conf["music"] = True
        state.note(f"{model.MOOD_LABEL[state.conf['music_mood']]} music")
    state.conf["made"] = True
    state.matched = True


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(state: _State, draft: dict[str, Any], before_count: int) -> str:
    """One sentence: what changed, then what the video now is (length, photos)."""
    count = len(state.photos)
    seconds = _seconds_phrase(int(draft.get("d") or 0))
    if count == 0:
        shape = "send photos and I will build the video with these settings"
    else:
        noun = "photo" if count == 1 else "photos"
        shape = f"the video is now {seconds} long with {count} {noun}"
        conf = state.conf
        wanted = (conf.get("per_photo_ms") and conf["per_photo_ms"] * count) or conf.get("duration_ms")
        if wanted and abs(int(wanted) - int(draft.get("d") or 0)) > 50:
            shape += f" (adjusted from {_seconds_phrase(int(wanted))} to fit {count} {noun})"
    if state.changes:
        return f"Done: {_join(state.changes)}; {shape}."
    return f"Your video is set: {shape}."
