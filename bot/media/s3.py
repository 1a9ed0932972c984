"""Shared storage on S3-compatible object storage (AWS S3, MinIO, Ceph, R2...), for MEDIA_URL=s3://bucket/prefix.

boto3's transfer manager streams each file in parts (`upload_file`/`download_file`), so no file is ever whole
in memory; its calls block, so each runs on a worker thread. Imported only when MEDIA_URL is set: one machine
never loads boto3.

Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or anything boto3 finds on its own: its
environment variables, ~/.aws, an instance role). They are secrets: no exception or log line of this module
holds them (botocore's own messages name the operation and the error code, never a key).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bot.media.shared import StorageUnavailable

# The codes S3 (and its look-alikes) answer a key that holds nothing with.
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
MiB = 1024 * 1024


@functools.cache
def _session() -> boto3.session.Session:
    """One per process: a session reads the service's description once (0.3 s), every client after it shares
    that. Clients are made on the event loop's thread only (a session is not for several threads at once)."""
    return boto3.session.Session()


class S3Storage:
    """Files under `prefix` in `bucket`. `part_size`: the size of a multipart part (and the size from which
    a file goes in parts); `max_concurrency` parts move at once (each one a buffer in memory)."""

    def __init__(
        self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, region: str | None = None,
        access_key_id: str | None = None, secret_access_key: str | None = None,
        part_size: int = 8 * MiB, max_concurrency: int = 4,
    ) -> None:
        self._bucket = bucket
        self._prefix = prefix.strip("/")
        self._transfer = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size,
                                        max_concurrency=max_concurrency)
        # a client is safe to share between threads; made once here (start-up), not on the first photo
        self._client: Any = _session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(retries={"mode": "standard", "max_attempts": 5}),
        )

    def _key(self, key: str) -> str:
        return f"{self._prefix}/{key}" if self._prefix else key

    async def upload(self, path: Path, key: str) -> None:
        await self._call("upload", key, self._client.upload_file, str(path), self._bucket, self._key(key),
                         Config=self._transfer)

    async def download(self, key: str, path: Path) -> None:
        await self._call("download", key, self._client.download_file, self._bucket, self._key(key), str(path),
                         Config=self._transfer)

    async def delete(self, key: str) -> None:
        await self._call("delete", key, self._client.delete_object, Bucket=self._bucket, Key=self._key(key))

    async def check(self) -> None:
        try:
            await self._call("open the bucket", self._bucket, self._client.head_bucket, Bucket=self._bucket)
        except FileNotFoundError:
            raise StorageUnavailable(f"there is no bucket {self._bucket}") from None

    async def _call(self, verb: str, key: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run a blocking boto3 call on a worker thread; a key holding nothing is FileNotFoundError, every
        other failure StorageUnavailable (an OSError, handled as a disk's would be) with the error's code."""
        try:
            await asyncio.to_thread(call, *args, **kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "unknown"))
            if code in _MISSING:
                raise FileNotFoundError(f"no such file in the shared storage: {key}") from None
            raise StorageUnavailable(f"the shared storage refused to {verb} {key}: {code}") from None
        except (BotoCoreError, Boto3Error) as exc:
            raise StorageUnavailable(f"could not {verb} {key}: {type(exc).__name__}") from None

    async def aclose(self) -> None:
        await asyncio.to_thread(self._client.close)
