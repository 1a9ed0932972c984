"""Ken Burns motion as ffmpeg expressions, with the same arithmetic in Python so tests can check it.

Why not zoompan: it rounds its crop window to whole source pixels independently in x, y and size, so a slow
zoom wobbles back and forth. Here each clip's prepared frame (a little larger than the output) is scaled per
frame to an even width that only ever grows (zoom in) or only shrinks (zoom out), and the crop offset is
derived from that same width, so the picture stays centred and every point moves monotonically outwards
(or inwards) — never backwards. Pans move by a constant whole number of pixels per frame whenever the margin
allows it, so there is no uneven 0/1/0/1 stepping either. The width steps are 2 px on the scaled frame
(about 0.2 % of zoom), below what the eye resolves at this speed.

A zoom changes the picture only on the frames where its width steps (about half of them), so only those
frames are scaled: `sample_frames` lists them, ffmpeg makes one picture per entry (`setpts` puts each at its
frame) and `fps` repeats each until the next, which costs nothing (the repeat is the same buffer).

A zoom holds one point of the picture still on screen (`focus`, in thousandths of the frame): the middle,
or the faces (`focus_on`), so a push in moves toward them and keeps them in frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.engines.local.images import MAX_ZOOM, Box
from bot.engines.local.model import FPS

_RIGHTWARD = ("pan", "panright")
_PANS = (*_RIGHTWARD, "panback")

@dataclass(frozen=True, slots=True)
class Motion:
    """One clip's motion: `kind` zoomin | zoomout | pan | panright | panback | none over `frames` frames
    (pan and panright move the view right, panback left; the renderer turns every other "pan" into panback)."""

    kind: str
    frames: int
    out: tuple[int, int]  # output width, height
    src: tuple[int, int]  # prepared frame width, height
    fps: int = FPS  # the rate `frames` is counted at (the timestamps the ffmpeg expressions read)
    focus: tuple[int, int] = (500, 500)  # the point a zoom holds still, in thousandths of the frame (x, y)

    # ------------------------------------------------------------ shared arithmetic

    def _height_for(self, width: int) -> int:
        return 2 * math.ceil(width * self.src[1] / self.src[0] / 2)

    @property
    def _zoom_steps(self) -> int:
        """How many 2-px width steps the zoom makes (limited so the scaled frame never exceeds the source)."""
        widest = min(int(self.out[0] * MAX_ZOOM), self.src[0])
        return max(0, (widest - self.out[0]) // 2)

    @property
    def _pan_width(self) -> int:
        return self.out[0] + 2 * self._zoom_steps

    @property
    def _pan_speed(self) -> tuple[int, int]:
        """(numerator, denominator) of the pan offset per frame: a whole number of px when the margin allows."""
        margin = self._pan_width - self.out[0]
        span = max(self.frames - 1, 1)
        per_frame = margin // span
        return (per_frame * span, span) if per_frame >= 1 else (margin, span)

    def position(self, n: int) -> tuple[int, int, int, int]:
        """(scaled width, scaled height, crop x, crop y) at frame n: what the ffmpeg expressions compute."""
        width, height = self.out
        span = max(self.frames - 1, 1)
        fx, fy = self.focus
        if self.kind in ("zoomin", "zoomout"):
            k = n if self.kind == "zoomin" else span - n
            step = (k * self._zoom_steps) // span
            scaled = width + 2 * step
            # the focus stays where it is: the crop starts at that fraction of the margin (half: the middle)
            scaled_h = self._height_for(scaled)
            return scaled, scaled_h, 2 * step * fx // 1000, (scaled_h - height) * fy // 1000
        if self.kind in _PANS:
            scaled = self._pan_width
            num, den = self._pan_speed
            k = n if self.kind in _RIGHTWARD else span - n
            return scaled, self._height_for(scaled), (k * num) // den, (self._height_for(scaled) - height) * fy // 1000
        return width, self._height_for(width), 0, (self._height_for(width) - height) * fy // 1000

    def on_screen(self, box: Box) -> Box | None:
        """Where `box` (fractions of the prepared frame) is on screen over the whole clip: the union of where
        it is on the first and the last frame (the motion moves every point one way), cut to the screen."""
        width, height = self.out
        seen: list[Box] = []
        for n in (0, max(self.frames - 1, 0)):
            scaled, scaled_h, x, y = self.position(n)
            seen.append(((box[0] * scaled - x) / width, (box[1] * scaled_h - y) / height,
                         (box[2] * scaled - x) / width, (box[3] * scaled_h - y) / height))
        left, top = max(0.0, min(b[0] for b in seen)), max(0.0, min(b[1] for b in seen))
        right, bottom = min(1.0, max(b[2] for b in seen)), min(1.0, max(b[3] for b in seen))
        return (left, top, right, bottom) if right > left and bottom > top else None

    @property
    def zooms(self) -> bool:
        return self.kind in ("zoomin", "zoomout") and self._zoom_steps > 0

    def sample_frames(self) -> list[int]:
        """The frames whose picture ffmpeg makes: where the position changes, plus the first and the last."""
        span = max(self.frames - 1, 1)
        steps = self._zoom_steps
        if not self.zooms or steps >= span:
            return list(range(self.frames))
        if self.kind == "zoomin":  # the first frame of step k
            return [-(-k * span // steps) for k in range(steps + 1)]
        # zoom out: step `steps` at frame 0, then step j from its first frame, and the last frame again
        return [0, *(span - -(-(steps - m + 1) * span // steps) + 1 for m in range(1, steps + 1)), span]

    # ------------------------------------------------------------ ffmpeg

    def sample_count(self) -> int:
        return len(self.sample_frames())

    def sample_pts(self) -> str:
        """`sample_frames()[N]` as an ffmpeg expression of N (integer arithmetic, exact in doubles).

        Past the last sample it keeps growing: setpts also maps the end of the stream (N = the count), and `fps`
        repeats the last picture only up to that point.
        """
        span = max(self.frames - 1, 1)
        steps = self._zoom_steps
        if not self.zooms or steps >= span:
            return "N"
        if self.kind == "zoomin":
            return f"floor((N*{span}+{steps - 1})/{steps})"
        first = f"{span}-floor((({steps}-N+1)*{span}+{steps - 1})/{steps})+1"
        # N past the last sample is where setpts puts the end of the stream: after the last frame, so that
        # `fps` repeats that frame up to it
        return f"if(eq(N,0),0,if(gt(N,{steps}),{span - steps - 1}+N,{first}))"

    def window_samples(self, first: int, end: int) -> list[int]:
        """The sampled frames of the window [first, end) of the clip: `first` itself (whatever was on screen
        there), then every sample inside the window. A render cut into segments makes each part of a clip from
        its own window, and every frame still shows exactly `position(n)`."""
        return [first, *(s for s in self.sample_frames() if first < s < end)]

    def window_pts(self, first: int, end: int) -> str:
        """`window_samples(first, end)[N]` as an ffmpeg expression of N, and `end` for the one extra frame
        after them (it marks where the window stops, so `fps` repeats the last picture up to it)."""
        samples = self.sample_frames()
        after = next((k for k, s in enumerate(samples) if s > first), len(samples))  # first sample past `first`
        inside = sum(1 for s in samples if first < s < end)
        shifted = self.sample_pts().replace("N", f"(N+{after - 1})")
        return f"if(eq(N,0),{first},if(gt(N,{inside}),{end},{shifted}))"

    def before_loop(self) -> str:
        """Filters applied once to the single prepared frame (a static scale or crop costs nothing per frame)."""
        if self.zooms:
            return ""
        scaled, scaled_h, _, y0 = self.position(0)
        static = f"scale={scaled}:{scaled_h}:flags=bicubic," if (scaled, scaled_h) != self.src else ""
        if self.kind in _PANS:
            return static
        return f"{static}crop={self.out[0]}:{self.out[1]}:x=0:y={y0}:exact=1,"

    def per_frame(self) -> str:
        """The per-frame scale/crop chain, run on each of the `sample_frames` (after `setpts=sample_pts()`)."""
        width, height = self.out
        span = max(self.frames - 1, 1)
        ratio = f"{self.src[1]}/{self.src[0]}"
        # The frame index comes from the timestamp (set by `sample_pts`, 1/fps time base), not from `n`: the
        # scale filter counts its first frame as n=1 and crop as n=0, and only the sampled frames reach them.
        n = f"round(t*{self.fps})"
        if self.zooms:
            k = n if self.kind == "zoomin" else f"({span}-{n})"
            step = f"floor({k}*{self._zoom_steps}/{span})"
            scaled_h = f"2*ceil(({width}+2*{step})*{ratio}/2)"
            fx, fy = self.focus
            return (f"scale=w='{width}+2*{step}':h='{scaled_h}':eval=frame:flags=fast_bilinear,"
                    f"crop={width}:{height}:x='floor(2*{step}*{fx}/1000)':"
                    f"y='floor((({scaled_h})-{height})*{fy}/1000)':exact=1")
        if self.kind in _PANS:
            _scaled, _scaled_h, _x0, y0 = self.position(0)
            num, den = self._pan_speed
            k = n if self.kind in _RIGHTWARD else f"({span}-{n})"
            return f"crop={width}:{height}:x='floor({k}*{num}/{den})':y={y0}:exact=1"
        return ""


def focus_on(boxes: tuple[Box, ...], out: tuple[int, int], src: tuple[int, int]) -> tuple[int, int]:
    """The point a zoom should hold still so the faces (fractions of the prepared frame `src`) stay whole on
    screen at its closest, as near their middle as that allows: the zoom then moves toward them. The middle of
    the frame when there are none; the largest face alone (the first) when all of them cannot stay."""
    if not boxes:
        return 500, 500
    zoom = max(min(int(out[0] * MAX_ZOOM), src[0]) / out[0], 1.0)
    union = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    if zoom > 1 and ((union[2] - union[0]) * zoom > 1 or (union[3] - union[1]) * zoom > 1):
        union = boxes[0]
    focus = []
    for start, end in ((union[0], union[2]), (union[1], union[3])):
        middle = (start + end) / 2
        if zoom > 1:
            # on screen a point u goes to a + (u - a) * zoom: the face stays whole for a in [lowest, highest]
            lowest, highest = (end * zoom - 1) / (zoom - 1), start * zoom / (zoom - 1)
            if lowest <= highest:
                middle = min(max(middle, lowest), highest)
        focus.append(round(min(max(middle, 0.0), 1.0) * 1000))
    return focus[0], focus[1]


def toward(kind: str, boxes: tuple[Box, ...]) -> str:
    """A pan over a photo with faces moves toward them (and so ends with them whole on screen): right when
    they are right of the middle, else left; without faces it keeps its own way."""
    if kind not in _PANS or not boxes:
        return kind
    middle = (min(b[0] for b in boxes) + max(b[2] for b in boxes)) / 2
    return "panright" if middle >= 0.5 else "panback"
