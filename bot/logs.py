"""Logging set-up with secrets redacted from every line, whatever library wrote it.

httpx logs each request URL, and Telegram's Bot API puts the bot token in the URL; cloud tokens can surface
in exception text. Redacting at the formatter catches all of them, tracebacks included.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

_PATTERNS = (
    re.compile(r"\d{5,12}:[A-Za-z0-9_-]{30,}"),  # BotFather tokens
    re.compile(r"nmv_[A-Za-z0-9_]+"),  # NemoVideo tokens
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
)


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(fmt)
        self._secrets = tuple(s for s in secrets if len(s) >= 8)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


def setup_logging(level: str, secrets: tuple[str, ...] = (), *, file: Path | None = None) -> None:
    """Log lines to standard error, or to `file` (terminal mode, where they would break into the conversation)."""
    handler: logging.Handler = logging.StreamHandler()
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Per-request lines from the HTTP client are noise at INFO; failures still show.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # aiosqlite's DEBUG lines carry SQL parameters, stored tokens among them.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # procrastinate's job lines carry the job's arguments: what people wrote, their timelines.
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
