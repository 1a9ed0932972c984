"""The media folder: where received files and finished renders are kept, and shared between machines.

`folder` (MediaFolder: places, keep/fetch/discard), `kinds` (which files the bot takes), `shared` (the port
to storage other machines read), `s3` (that port on S3-compatible storage, loaded only for MEDIA_URL).
"""

from __future__ import annotations

from bot.config import Settings
from bot.media.folder import MediaFolder
from bot.media.kinds import SUFFIXES, kind_of

__all__ = ["SUFFIXES", "MediaFolder", "kind_of", "open_media"]


def open_media(settings: Settings) -> MediaFolder:
    """MEDIA_DIR alone (one machine), or MEDIA_DIR as this machine's cache of MEDIA_URL's storage."""
    location = settings.media_location
    if location is None:
        return MediaFolder(settings.media_dir)
    from bot.media.s3 import S3Storage  # boto3 is loaded only by a bot that shares its files

    bucket, prefix = location
    secret = settings.aws_secret_access_key
    storage = S3Storage(
        bucket, prefix, endpoint_url=settings.s3_endpoint_url, region=settings.aws_region,
        access_key_id=settings.aws_access_key_id.get_secret_value() if settings.aws_access_key_id else None,
        secret_access_key=secret.get_secret_value() if secret else None,
    )
    return MediaFolder(settings.media_dir, storage)
