"""The whole configuration, read once from the environment (or `.env`) and passed down.

The setting names are part of the user interface (README, `.env.example`, docker-compose), so they stay as
they are; tests shorten the intervals through these same names instead of patching code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import unquote

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.language import Sentence, Text, _, available_languages, language_for_code

# s3://bucket/prefix: a bucket name as S3 allows it (3-63 lowercase letters, digits, dots, hyphens), any prefix.
_MEDIA_URL = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")
# BotFather tokens look like "123456789:AA…" (a numeric bot id, a colon, 35 url-safe characters).
_BOT_TOKEN = re.compile(r"^\d{5,12}:[A-Za-z0-9_-]{30,}$")


def _id_set(value: object) -> object:
    """Accept "1, 2 3" from the environment as well as a real list."""
    if isinstance(value, str):
        return {int(part) for part in re.split(r"[\s,;]+", value.strip()) if part}
    if isinstance(value, int):
        return {value}
    return value


IdSet = Annotated[frozenset[int], NoDecode]
# A local Bot API server (telegram-bot-api --local) lets bots download and upload files up to 2000 MB.
LOCAL_SERVER_FILE_LIMIT_MB = 2000


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_local_mode: bool = False  # a local Bot API server started with --local: files read from its disk

    video_engine: Literal["nemo", "local"] = "nemo"
    # Replies when neither the chat's /language, nor the sender's Telegram language, nor the words say which.
    default_language: str = "en"

    nemo_api_url: str = "https://mega-api-prod.nemovideo.ai"
    nemo_web_url: str = "https://nemovideo.com"
    nemo_token: SecretStr | None = None
    nemo_skill_version: str = "1.0.0"
    nemo_skill_platform: Literal["clawhub", "cursor", "unknown"] = "unknown"

    database_path: Path = Path("data/reelbot.sqlite3")
    # postgresql://user:password@host/dbname: PostgreSQL instead of the SQLite file (may hold a password)
    database_url: SecretStr | None = None
    media_dir: Path = Path("data/media")
    # s3://bucket/prefix: files shared by every machine through S3-compatible storage, MEDIA_DIR its local cache
    media_url: str | None = None
    s3_endpoint_url: str | None = None  # MinIO, Ceph, R2...: the storage's URL (unset: AWS itself)
    aws_access_key_id: SecretStr | None = None  # unset: whatever boto3 finds (~/.aws, an instance role)
    aws_secret_access_key: SecretStr | None = None
    aws_region: str | None = None

    heartbeat_seconds: float = Field(120, gt=0)
    render_poll_seconds: float = Field(30, gt=0)
    render_timeout_seconds: float = Field(1800, gt=0)
    rate_limit_wait_seconds: float = Field(30, ge=0)
    stream_timeout_seconds: float = Field(900, gt=0)
    state_poll_seconds: float = Field(30, gt=0)
    http_timeout_seconds: float = Field(60, gt=0)
    album_wait_seconds: float = Field(1.5, ge=0)
    # Several processes (DATABASE_URL, `intake` and `worker`): how often a worker says it is alive, after how
    # long without a word its jobs are taken up by others, how often an idle worker and a standby intake look.
    # An idle worker hears of a new job at once, except one queued while it was just finishing a look for
    # work (procrastinate clears the notice after its look): a fifth of the jobs queued back to back in
    # bench/scale.py. Its next look catches those; one costs a worker a cheap query.
    worker_heartbeat_seconds: float = Field(10, gt=0)
    worker_stalled_seconds: float = Field(30, gt=0)
    worker_poll_seconds: float = Field(0.25, gt=0)
    intake_standby_seconds: float = Field(2, gt=0)

    telegram_poll_timeout_seconds: int = Field(30, ge=0, le=50)
    telegram_upload_limit_mb: int = Field(50, gt=0)
    telegram_download_limit_mb: int = Field(20, gt=0)
    telegram_retry_seconds: float = Field(2, ge=0)  # first wait before sending a video again after a 5xx
    telegram_private_chat_per_second: float = Field(1, gt=0)  # a private chat's pace after a short burst
    telegram_group_chat_per_minute: int = Field(20, ge=3)  # messages a group gets in any minute

    allowed_user_ids: IdSet = frozenset()
    allowed_chat_ids: IdSet = frozenset()
    admin_user_ids: IdSet = frozenset()
    invite_valid_hours: float = Field(24, gt=0)  # how long an /invite code can be used (once)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @property
    def download_limit_mb(self) -> int:
        """The largest file the bot can fetch from Telegram: 20 MB on the public Bot API, 2000 MB through a
        local Bot API server (TELEGRAM_LOCAL_MODE), unless TELEGRAM_DOWNLOAD_LIMIT_MB says otherwise."""
        return self._telegram_limit_mb("telegram_download_limit_mb")

    @property
    def upload_limit_mb(self) -> int:
        """The largest video the bot can send: 50 MB on the public Bot API, 2000 MB through a local server,
        unless TELEGRAM_UPLOAD_LIMIT_MB says otherwise."""
        return self._telegram_limit_mb("telegram_upload_limit_mb")

    @property
    def database(self) -> Path | str:
        """Where the state lives: DATABASE_URL when set (PostgreSQL), else the SQLite file DATABASE_PATH."""
        return self.database_url.get_secret_value() if self.database_url is not None else self.database_path

    @property
    def database_shown(self) -> str:
        """The database as a log line or the terminal may show it: a URL without its password."""
        if self.database_url is None:
            return str(self.database_path)
        return url_without_password(self.database_url.get_secret_value())

    @property
    def media_location(self) -> tuple[str, str] | None:
        """(bucket, prefix) of MEDIA_URL, or None when files stay on this machine."""
        if self.media_url is None:
            return None
        found = _MEDIA_URL.match(self.media_url)
        assert found is not None  # checked when read
        return found.group(1), (found.group(2) or "").strip("/")

    def _telegram_limit_mb(self, name: str) -> int:
        if self.telegram_local_mode and name not in self.model_fields_set:
            return LOCAL_SERVER_FILE_LIMIT_MB
        value: int = getattr(self, name)
        return value

    @field_validator("allowed_user_ids", "allowed_chat_ids", "admin_user_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        return _id_set(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("telegram_api_url", "nemo_api_url", "nemo_web_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("default_language")
    @classmethod
    def _spoken_language(cls, value: str) -> str:
        """A language the bot has a catalogue for ("zh", "zh-CN" -> "zh"): a typo is caught at start-up."""
        language = language_for_code(value)
        if language is None:
            raise ValueError(f"the bot speaks {', '.join(available_languages())}, not {value!r}")
        return language

    @field_validator("telegram_bot_token", "nemo_token", "database_url", "media_url", "s3_endpoint_url",
                     "aws_access_key_id", "aws_secret_access_key", "aws_region", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip().startswith(("postgresql://", "postgres://")):
            raise ValueError("it must be a PostgreSQL URL, postgresql://user:password@host/database")
        return value

    @field_validator("media_url")
    @classmethod
    def _s3_only(cls, value: str | None) -> str | None:
        if value is not None and not _MEDIA_URL.match(value.strip()):
            raise ValueError("it must be an S3 URL, s3://bucket/prefix (a bucket name of 3 to 63 lowercase "
                             "letters, digits, dots and hyphens)")
        return value.strip() if value is not None else None


def url_without_password(url: str) -> str:
    """A database URL fit to show: its password (in the user part or as `password=`) replaced by ***."""
    return re.sub(r"(password=)[^&]*", r"\1***", re.sub(r"(//[^/@:]*):[^/@]*@", r"\1:***@", url))


def url_password(url: str) -> str | None:
    """The password a database URL carries, for the log redaction (None without one)."""
    found = re.search(r"//[^/@:]*:([^/@]*)@", url) or re.search(r"password=([^&]*)", url)
    return unquote(found.group(1)) if found else None


class CannotStart(Exception):
    """The outside world refused the configuration at start-up (a token Telegram does not know, a server
    that cannot be reached): `sentence` says what to fix, `status` is the exit code."""

    def __init__(self, sentence: Sentence | str, status: int = 1) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.status = status


def bot_token_problem(settings: Settings) -> Text | None:
    """One sentence about what is wrong with the bot token, or None when it looks usable.

    The sentence never repeats the token: a mistyped secret is still a secret.
    """
    if settings.telegram_bot_token is None:
        return _("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env or the environment.")
    if not _BOT_TOKEN.match(settings.telegram_bot_token.get_secret_value().strip()):
        return _(
            "TELEGRAM_BOT_TOKEN does not look like a BotFather token "
            "(digits, a colon, then about 35 letters, digits, - or _)."
        )
    return None
