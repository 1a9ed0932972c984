"""Held-out phrasings: scored once against the planner, never used while its rules were written, so their
score says how the planner does on phrasings nobody tuned it for (see test_plan_phrasings)."""

from __future__ import annotations

from tests.engines.local.phrasings import FASTER, LOUDER, QUIETER, SLOWER, Row, caption, length, order, per, title

HELD_OUT: list[Row] = [
    ("can you lower the background music a little", QUIETER),
    ("the song is drowning everything out, make it softer", QUIETER),
    ("crank up the music", LOUDER),
    ("make the whole thing 25 seconds", length(25)),
    ("speed things up a bit", FASTER),
    ("give each picture 2.5 seconds", per(2.5)),
    ("let it breathe, slow it down", SLOWER),
    ("move the fourth picture to the beginning", order(4, 1, 2, 3, 5)),
    ("swap the 2nd and 5th photos", order(1, 5, 3, 4, 2)),
    ("take out photo 1", order(2, 3, 4, 5)),
    ("put the last one first", order(5, 1, 2, 3, 4)),
    ('change the title to "Graduation"', title("Graduation")),
    ("put the title at the top of the screen", {"title": "Old", "title_position": "top"}),
    ('caption the second photo "First swim"', caption(2, "First swim")),
    ("get rid of the title", {"title": None}),
    ("背景音乐声音太大了", QUIETER),
    ("音乐稍微小声点", QUIETER),
    ("把背景音乐调大一点", LOUDER),
    ("视频做成25秒", length(25)),
    ("节奏再快一些", FASTER),
    ("每张照片2.5秒", per(2.5)),
    ("节奏放慢一点", SLOWER),
    ("把第四张挪到最前面", order(4, 1, 2, 3, 5)),
    ("第2张跟第5张交换", order(1, 5, 3, 4, 2)),
    ("把第一张删了", order(2, 3, 4, 5)),
    ("最后一张放到第一位", order(5, 1, 2, 3, 4)),
    ("把标题换成“毕业季”", title("毕业季")),
    ("标题放到上面", {"title": "Old", "title_position": "top"}),
    ("第二张加字幕“第一次游泳”", caption(2, "第一次游泳")),
    ("标题去掉", {"title": None}),
]
