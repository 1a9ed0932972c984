"""reelbot: photos and plain-language instructions in a chat become a vertical TikTok video."""

__version__ = "1.0.0"
