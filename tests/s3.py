"""A throwaway S3-compatible server for the tests, started by the tests themselves: moto's server.

It runs in a process of its own (`python -m moto.server`), not a thread of the test's: what it holds (every
object, whole, in its memory) is then not counted as the bot's memory when a test measures the bot
streaming a large file. It listens on a port the system picks (127.0.0.1, port 0) and says which in its
first lines; the fixture waits for that line, never for a fixed time. Each test gets a bucket of its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3

REGION = "us-east-1"
ACCESS_KEY_ID = "AKIAREELBOTTESTKEY01"  # moto takes any credentials; these look like real ones for the tests
SECRET_ACCESS_KEY = "reelbot-test-secret-0123456789abcdefghijk"
_LISTENING = re.compile(r"Running on (http://127\.0\.0\.1:\d+)")
_START_SECONDS = 60  # a ceiling on a busy machine, not a wait: the line usually comes within a second


def _die_with_parent() -> None:
    """In the child, before moto starts: ended when the test run ends, even a run killed with -9 (Linux's
    PR_SET_PDEATHSIG; elsewhere the fixture's own stop is all there is)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


class S3Server:
    """moto's server in a child process; `endpoint_url` is where it listens."""

    def __init__(self, process: subprocess.Popen[bytes], endpoint_url: str, folder: Path) -> None:
        self.process = process
        self.endpoint_url = endpoint_url
        self._folder = folder
        self._client: Any = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=REGION, aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY)

    @classmethod
    def start(cls) -> S3Server:
        folder = Path(tempfile.mkdtemp(prefix="reelbot-s3-"))
        log = folder / "moto.log"
        with log.open("wb") as out:  # a file, not a pipe: a pipe nobody reads would stall the server
            process = subprocess.Popen([sys.executable, "-u", "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
                                       stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + _START_SECONDS
        while True:
            found = _LISTENING.search(log.read_text(errors="replace"))
            if found:
                return cls(process, found.group(1), folder)
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"moto's S3 server did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.02)

    def new_bucket(self) -> str:
        """A fresh, empty bucket (a name of S3's rules: lowercase, 3-63 characters)."""
        name = f"reelbot-{uuid.uuid4().hex[:12]}"
        self._client.create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str, prefix: str = "media") -> dict[str, Any]:
        """The settings a bot sharing its files in `bucket` under `prefix` is started with."""
        return {"media_url": f"s3://{bucket}/{prefix}", "s3_endpoint_url": self.endpoint_url, "aws_region": REGION,
                "aws_access_key_id": ACCESS_KEY_ID, "aws_secret_access_key": SECRET_ACCESS_KEY}

    def keys(self, bucket: str) -> list[str]:
        """Every key the bucket holds, as anyone looking into the storage would see them."""
        listed = self._client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            for item in self._folder.iterdir():
                item.unlink()
            self._folder.rmdir()
