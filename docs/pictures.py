"""Makes the pictures in the README from a real conversation: the bot (local engine) given five sample
photographs, asked in Chinese and in English, its answers, the preview it rendered and its storyboard drawn
into one chat-like picture (docs/chat.jpg), plus the storyboard and a preview frame on their own.

    python3 docs/pictures.py        # needs scikit-image (its sample photographs): pip install -e ".[test]"
"""

from __future__ import annotations

import asyncio
import importlib.resources
import io
import tempfile
from pathlib import Path

import av
from PIL import Image, ImageDraw

from bot import storyboard
from bot.config import Settings
from bot.conversation import Conversation, Origin
from bot.conversation.ports import Actions
from bot.engines.base import MediaFile, MediaKind
from bot.engines.local import LocalEngine
from bot.store import Store

HERE = Path(__file__).resolve().parent
PHOTOGRAPHS = ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png")
SAID = ("把照片做成15秒视频，加标题「夏天」，加转场和音乐", "swap 2 and 4", "/status")
CHAT = 1


class Transcript:
    """The Replies port, keeping the conversation in order: ("you"|"bot", text or picture)."""

    working_lasts = 5.0
    largest_video = 50 * 1024 * 1024

    def __init__(self) -> None:
        self.items: list[tuple[str, object]] = []

    async def say(self, chat_id: int, text: str, *, reply_to: int | None = None,
                  actions: Actions = ()) -> int | None:
        self.items.append(("bot", text))
        self._offer(actions)
        return len(self.items)

    def _offer(self, actions: Actions) -> None:
        if actions:
            self.items.append(("buttons", [str(action.label) for action in actions]))

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        return None

    async def working(self, chat_id: int, activity: str) -> None:
        return None

    async def video(self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None,
                    actions: Actions = ()) -> bool:
        with av.open(str(path)) as container:
            frames = [f.to_image() for f in container.decode(video=0)]
        self.items.append(("bot", frames[min(len(frames) - 1, 22)]))  # 1.5 s in: the title shows
        self._offer(actions)
        return True

    async def photo(self, chat_id: int, path: Path, *, caption: str = "", reply_to: int | None = None) -> bool:
        with Image.open(path) as picture:
            self.items.append(("bot", picture.convert("RGB")))
        self.items.append(("bot", caption))
        return True


async def converse(folder: Path) -> list[tuple[str, object]]:
    settings = Settings(database_path=folder / "db.sqlite3", media_dir=folder / "media", video_engine="local",
                        _env_file=None)  # type: ignore[call-arg]
    store = await Store.open(settings.database_path)
    engine = LocalEngine(settings, store)
    transcript = Transcript()
    conversation = Conversation(settings, store, {"local": engine}, transcript)
    files = []
    for name in PHOTOGRAPHS:
        path = conversation.media.place_for(CHAT, name)
        with importlib.resources.files("skimage.data").joinpath(name).open("rb") as source, Image.open(source) as im:
            im.convert("RGB").save(path.with_suffix(".jpg"), quality=90)
        files.append(MediaFile(path.with_suffix(".jpg"), Path(name).stem + ".jpg", MediaKind.PHOTO,
                               path.with_suffix(".jpg").stat().st_size))
    transcript.items.append(("you", f"[{len(files)} photos]"))
    await conversation.on_media(Origin(CHAT, CHAT, 1), files)
    for number, words in enumerate(SAID, 2):
        transcript.items.append(("you", words))
        if words.startswith("/"):
            await conversation.command(Origin(CHAT, CHAT, number), words[1:], "")
        else:
            await conversation.on_text(Origin(CHAT, CHAT, number), words)
    await conversation.aclose()
    await engine.aclose()
    await store.close()
    return transcript.items


def draw_chat(items: list[tuple[str, object]]) -> Image.Image:
    """The conversation as a phone shows it: the user's words on the right, the bot's on the left."""
    width, pad, bubble = 720, 16, 520
    canvas = Image.new("RGB", (width, 6000), (223, 231, 238))
    pen = ImageDraw.Draw(canvas)
    y = pad
    for who, item in items:
        if who == "buttons":  # an inline keyboard: one row of buttons under the message above
            labels = list(item)  # type: ignore[call-overload]
            y -= pad // 2
            each = (bubble - 8 * (len(labels) - 1)) // len(labels)
            for i, label in enumerate(labels):
                x = pad + i * (each + 8)
                pen.rounded_rectangle((x, y, x + each, y + 40), radius=10, fill=(196, 212, 226))
                for line in storyboard._cut(str(label), 20, each - 16, 1):
                    storyboard._draw_line(pen, (x + 12, y + 9), line, 20, (30, 60, 90))
            y += 40 + pad
            continue
        if isinstance(item, Image.Image):
            picture = item.copy()
            picture.thumbnail((bubble, 560) if picture.width > 400 else (240, 430))  # a storyboard, a preview
            x = pad
            canvas.paste(picture, (x, y))
            y += picture.height + pad
            continue
        text = str(item)
        lines = [line for paragraph in text.splitlines() for line in storyboard._cut(paragraph, 20, bubble - 24, 4)]
        height = 20 * 1.3 * len(lines) + 20
        x = width - pad - bubble if who == "you" else pad
        colour = (220, 248, 198) if who == "you" else (255, 255, 255)
        pen.rounded_rectangle((x, y, x + bubble, y + height), radius=14, fill=colour)
        line_y = y + 10
        for line in lines:
            storyboard._draw_line(pen, (x + 12, line_y), line, 20, (20, 20, 20))
            line_y += 20 * 1.3
        y += round(height) + pad
    return canvas.crop((0, 0, width, y))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        items = asyncio.run(converse(Path(folder)))
    chat = draw_chat(items)
    chat.save(HERE / "chat.jpg", quality=75)
    pictures = [item for _, item in items if isinstance(item, Image.Image)]
    for picture, name in zip(pictures[-2:], ("preview-frame.jpg", "storyboard.jpg"), strict=False):
        small = picture.copy()
        small.thumbnail((540, 960))
        buffer = io.BytesIO()
        small.save(buffer, format="JPEG", quality=80)
        (HERE / name).write_bytes(buffer.getvalue())
    for who, item in items:
        print(who, "·", item if isinstance(item, str | list) else f"[picture {item.size}]")  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
