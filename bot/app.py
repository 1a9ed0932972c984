"""Composition root: builds the store, the media folder and the engines, and the conversation for a given
transport.

The Telegram bot and the terminal mode both start here, so they run the very same conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import CannotStart, Settings
from bot.conversation import Conversation, Replies
from bot.conversation.ports import RenderQueue
from bot.engines.base import Engine
from bot.engines.local import LocalEngine
from bot.engines.nemo import NemoEngine
from bot.language import _
from bot.media import MediaFolder, open_media
from bot.store import Store


@dataclass
class Core:
    settings: Settings
    store: Store
    media: MediaFolder
    engines: dict[str, Engine]

    def conversation(self, replies: Replies, render_queue: RenderQueue | None = None) -> Conversation:
        return Conversation(self.settings, self.store, self.engines, replies, self.media, render_queue)

    async def aclose(self) -> None:
        for engine in self.engines.values():
            await engine.aclose()
        await self.media.aclose()
        await self.store.close()


def build_engines(settings: Settings, store: Store, media: MediaFolder) -> dict[str, Engine]:
    """The configured engine, and the local engine beside the cloud one as the way out when the cloud
    is out of credits, blocks export or is out of reach. Both read kept files through `media`: a file may
    have been received on another machine."""
    engines: dict[str, Engine] = {"local": LocalEngine(settings, store, media=media)}
    if settings.video_engine == "nemo":
        engines["nemo"] = NemoEngine(settings, store, media=media)
    return engines


async def open_core(settings: Settings) -> Core:
    media = open_media(settings)
    try:
        await media.check()
    except OSError as exc:
        await media.aclose()
        raise CannotStart(_("MEDIA_URL {url} cannot be used: {reason}.").format(
            url=settings.media_url, reason=str(exc))) from None
    store = await Store.open(settings.database)
    return Core(settings, store, media, build_engines(settings, store, media))
