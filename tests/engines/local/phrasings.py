"""How people ask for the common edits, in English and Chinese, each with the edit it must make.

Every row is applied to the same draft (`base()`: five photos, calm music at 70 %, the title "Old", 3 s per
photo) and names the draft fields the answer must leave (a subset; `order` is the photo numbers as they were
sent, `captions` each photo's caption). The phrasings come from how creators write to editing apps: short,
informal, often a complaint ("the music is too loud", "太慢了") rather than an instruction.
"""

from __future__ import annotations

from typing import Any

from bot.engines.local import model

Row = tuple[str, dict[str, Any]]

PHOTOS = 5
QUIETER = {"music": True, "music_volume": 0.49}  # 70 % x 0.7
LOUDER = {"music": True, "music_volume": 0.91}  # 70 % x 1.3
FASTER = {"per_photo_ms": 2100}  # 3 s x 0.7
SLOWER = {"per_photo_ms": 4200}  # 3 s x 1.4
NO_MUSIC = {"music": False}


def base() -> dict[str, Any]:
    photos = [{"id": f"p{i}", "m": {"name": f"photo{i}.jpg", "path": f"/x/photo{i}.jpg", "width": 800,
                                    "height": 600}} for i in range(1, PHOTOS + 1)]
    return model.layout(photos, {**model.DEFAULTS, "music": True, "music_mood": "calm", "title": "Old"})


def fields(draft: dict[str, Any]) -> dict[str, Any]:
    photos = model.photos(draft)
    return {**draft["m"], "d": draft["d"], "captions": [p["m"].get("caption") for p in photos],
            "order": [int(p["id"][1:]) for p in photos]}


def volume(percent: int) -> dict[str, Any]:
    return {"music": True, "music_volume": percent / 100}


def length(seconds: float) -> dict[str, Any]:
    return {"d": round(seconds * 1000), "per_photo_ms": None}


def per(seconds: float) -> dict[str, Any]:
    return {"per_photo_ms": round(seconds * 1000), "d": round(seconds * 1000) * PHOTOS}


def order(*numbers: int) -> dict[str, Any]:
    return {"order": list(numbers)}


def title(text: str | None, where: str | None = None) -> dict[str, Any]:
    return {"title": text, **({"title_position": where} if where else {})}


def caption(number: int, text: str) -> dict[str, Any]:
    return {"captions": [text if i == number else None for i in range(1, PHOTOS + 1)]}


REVERSED = order(5, 4, 3, 2, 1)

ENGLISH: list[Row] = [
    # volume
    ("turn the music down", QUIETER),
    ("music is too loud", QUIETER),
    ("lower the music", QUIETER),
    ("can you make the music a bit quieter", QUIETER),
    ("the background music is way too loud", QUIETER),
    ("reduce the volume", QUIETER),
    ("volume down", QUIETER),
    ("turn it down a bit", QUIETER),
    ("bring the music down", QUIETER),
    ("tone down the music please", QUIETER),
    ("less loud please", QUIETER),
    ("turn down the bgm", QUIETER),
    ("turn the music up", LOUDER),
    ("louder", LOUDER),
    ("I can't hear the music", LOUDER),
    ("music is too quiet", LOUDER),
    ("raise the volume", LOUDER),
    ("boost the music", LOUDER),
    ("make the music louder", LOUDER),
    ("pump up the volume", LOUDER),
    ("set the volume to 30%", volume(30)),
    ("music at 40 percent", volume(40)),
    ("volume 25", volume(25)),
    ("put the music at 50%", volume(50)),
    ("no music", NO_MUSIC),
    ("mute it", NO_MUSIC),
    ("kill the music", NO_MUSIC),
    ("get rid of the background music", NO_MUSIC),
    ("turn off the music", NO_MUSIC),
    # speed and length
    ("make it shorter", FASTER),
    ("speed it up", FASTER),
    ("faster please", FASTER),
    ("it's too slow", FASTER),
    ("way too long, tighten it up", FASTER),
    ("slow it down", SLOWER),
    ("make it longer", SLOWER),
    ("slower pace", SLOWER),
    ("it's too fast", SLOWER),
    ("make it a bit slower", SLOWER),
    ("make it 20 seconds", length(20)),
    ("cut it down to 10 seconds", length(10)),
    ("I want a 30 second video", length(30)),
    ("make it half a minute", length(30)),
    ("10s total", length(10)),
    ("make the video 12 seconds long", length(12)),
    ("2 seconds per photo", per(2)),
    ("each photo for 3.5 seconds", per(3.5)),
    ("show each picture for 1.5 seconds", per(1.5)),
    ("give every photo 4 seconds", per(4)),
    # order
    ("put the third photo first", order(3, 1, 2, 4, 5)),
    ("move photo 3 to the front", order(3, 1, 2, 4, 5)),
    ("make the last photo the first one", order(5, 1, 2, 3, 4)),
    ("swap 1 and 2", order(2, 1, 3, 4, 5)),
    ("switch the first and second photos", order(2, 1, 3, 4, 5)),
    ("swap photos 2 and 4", order(1, 4, 3, 2, 5)),
    ("reverse the order", REVERSED),
    ("play them backwards", REVERSED),
    ("flip the order", REVERSED),
    ("move the first photo to the end", order(2, 3, 4, 5, 1)),
    ("put photo 2 last", order(1, 3, 4, 5, 2)),
    ("delete the second photo", order(1, 3, 4, 5)),
    ("remove the last picture", order(1, 2, 3, 4)),
    ("get rid of photos 4 and 5", order(1, 2, 3)),
    ("drop pic 3", order(1, 2, 4, 5)),
    ("start with photo 4", order(4, 1, 2, 3, 5)),
    ("end with the first photo", order(2, 3, 4, 5, 1)),
    ("photo 5 should come first", order(5, 1, 2, 3, 4)),
    ("move photo 1 after photo 3", order(2, 3, 1, 4, 5)),
    # title and captions
    ('title "Summer 2026"', title("Summer 2026")),
    ("change the title to Lisbon", title("Lisbon")),
    ('call it "Road Trip"', title("Road Trip")),
    ('rename the title to "Tokyo"', title("Tokyo")),
    ("put the title at the top", title("Old", "top")),
    ("title at the bottom", title("Old", "bottom")),
    ("move the title up", title("Old", "top")),
    ("remove the title", title(None)),
    ("no title", title(None)),
    ('caption photo 2 "Beach day"', caption(2, "Beach day")),
    ('add "Hello" to photo 1', caption(1, "Hello")),
    ('write "Best day ever" on the third photo', caption(3, "Best day ever")),
    ("put the captions at the top", {"caption_position": "top"}),
    # found while probing: each needed a rule of its own
    ("music a little lower", QUIETER),
    ("less time per photo", FASTER),
    ("more time on each photo", SLOWER),
    ("swap the first two photos", order(2, 1, 3, 4, 5)),
    ("swap the last two", order(1, 2, 3, 5, 4)),
    # colours and letterbox
    ("warmer colours", {"grade": "warm"}),
    ("make it warmer", {"grade": "warm"}),
    ("black and white please", {"grade": "mono"}),
    ("make it b&w", {"grade": "mono"}),
    ("cooler tones", {"grade": "cool"}),
    ("more vivid", {"grade": "vivid"}),
    ("boost the saturation", {"grade": "vivid"}),
    ("muted colors", {"grade": "soft"}),
    ("add a letterbox", {"letterbox": True}),
    ("cinematic bars top and bottom", {"letterbox": True}),
]

CHINESE: list[Row] = [
    # 音量
    ("音乐小一点", QUIETER),
    ("背景音乐降低", QUIETER),
    ("音乐太吵了", QUIETER),
    ("把音量调小", QUIETER),
    ("声音小点", QUIETER),
    ("降低背景音乐", QUIETER),
    ("音乐调低一点", QUIETER),
    ("背景音乐小声一点", QUIETER),
    ("音量低一点", QUIETER),
    ("音乐轻一点", QUIETER),
    ("背景乐太大声了", QUIETER),
    ("把音乐调小一点", QUIETER),
    ("减小音量", QUIETER),
    ("音乐大一点", LOUDER),
    ("音乐大声一点", LOUDER),
    ("把音量调大", LOUDER),
    ("音量调高一点", LOUDER),
    ("背景音乐太小了", LOUDER),
    ("听不清音乐", LOUDER),
    ("提高音乐音量", LOUDER),
    ("音乐再响一点", LOUDER),
    ("音量调到30%", volume(30)),
    ("音乐音量百分之四十", volume(40)),
    ("音量设为25", volume(25)),
    ("背景音乐50%", volume(50)),
    ("不要音乐", NO_MUSIC),
    ("关掉背景音乐", NO_MUSIC),
    ("静音", NO_MUSIC),
    ("去掉配乐", NO_MUSIC),
    ("把音乐关了", NO_MUSIC),
    # 速度和时长
    ("快一点", FASTER),
    ("节奏快一点", FASTER),
    ("短一点", FASTER),
    ("视频太长了", FASTER),
    ("缩短一点", FASTER),
    ("加快节奏", FASTER),
    ("太慢了", FASTER),
    ("慢一点", SLOWER),
    ("节奏慢一些", SLOWER),
    ("长一点", SLOWER),
    ("太快了", SLOWER),
    ("放慢节奏", SLOWER),
    ("每张照片停留久一点", SLOWER),
    ("改成20秒", length(20)),
    ("视频20秒", length(20)),
    ("做成15秒的", length(15)),
    ("一分钟", length(60)),
    ("缩短到10秒", length(10)),
    ("总长30秒", length(30)),
    ("每张2秒", per(2)),
    ("每张照片3.5秒", per(3.5)),
    ("每张图停留1.5秒", per(1.5)),
    ("一张两秒", per(2)),
    ("每张四秒钟", per(4)),
    # 顺序
    ("把第三张放到最前面", order(3, 1, 2, 4, 5)),
    ("第三张放第一个", order(3, 1, 2, 4, 5)),
    ("把最后一张放到开头", order(5, 1, 2, 3, 4)),
    ("交换第一张和第二张", order(2, 1, 3, 4, 5)),
    ("第1张和第2张换一下位置", order(2, 1, 3, 4, 5)),
    ("第二张和第四张对调", order(1, 4, 3, 2, 5)),
    ("交换1和3", order(3, 2, 1, 4, 5)),
    ("倒序", REVERSED),
    ("顺序反过来", REVERSED),
    ("把第一张移到最后", order(2, 3, 4, 5, 1)),
    ("第三张放最后", order(1, 2, 4, 5, 3)),
    ("删除第二张", order(1, 3, 4, 5)),
    ("去掉最后一张", order(1, 2, 3, 4)),
    ("不要第三张了", order(1, 2, 4, 5)),
    ("把第4张和第5张删掉", order(1, 2, 3)),
    ("第五张放到第一张前面", order(5, 1, 2, 3, 4)),
    ("把第1张放在第3张后面", order(2, 3, 1, 4, 5)),
    ("从第四张开始", order(4, 1, 2, 3, 5)),
    # 标题和字幕
    ("标题改成“夏日回忆”", title("夏日回忆")),
    ("标题：东京之旅", title("东京之旅")),
    ("加个标题“毕业快乐”", title("毕业快乐")),
    ("标题叫“周末”", title("周末")),
    ("标题放到顶部", title("Old", "top")),
    ("把标题放在最下面", title("Old", "bottom")),
    ("删除标题", title(None)),
    ("不要标题", title(None)),
    ("第二张字幕：海边", caption(2, "海边")),
    ("给第三张加字幕“日落”", caption(3, "日落")),
    ("第1张配文“出发”", caption(1, "出发")),
    ("字幕放在顶部", {"caption_position": "top"}),
    ("“你好，世界”放到第2张", caption(2, "你好，世界")),
    # 试用时发现的说法
    ("把音乐声调大", LOUDER),
    ("每张停3秒", per(3) | {"duration_ms": None}),
    ("把最后那张去掉", order(1, 2, 3, 4)),
    ("第3张不要了", order(1, 2, 4, 5)),
    ("前两张交换", order(2, 1, 3, 4, 5)),
    ("交换最后两张", order(1, 2, 3, 5, 4)),
    # 色彩和黑边
    ("黑白", {"grade": "mono"}),
    ("改成黑白的", {"grade": "mono"}),
    ("暖色调", {"grade": "warm"}),
    ("色调偏暖一点", {"grade": "warm"}),
    ("冷色调", {"grade": "cool"}),
    ("颜色鲜艳一点", {"grade": "vivid"}),
    ("饱和度高一点", {"grade": "vivid"}),
    ("柔和一点的色彩", {"grade": "soft"}),
    ("加电影黑边", {"letterbox": True}),
    ("上下加黑边", {"letterbox": True}),
]
