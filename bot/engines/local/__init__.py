"""The embedded engine: plans instructions into draft edits and renders them with one ffmpeg process."""

from bot.engines.local.engine import LocalEngine

__all__ = ["LocalEngine"]
