"""The generated music as an encoded AAC track, made once per (mood, length, volume, audio settings) and kept.

A preview of the same draft is asked for again and again while the edit changes photos, order, title or
transitions, and none of those change its music: synthesising it (tens to hundreds of milliseconds) and
encoding it to AAC (~0.3 CPU s for 15 s, on the encoder's main thread, ahead of every frame it muxes) was a
fifth of a 30-photo preview. So the track is encoded once, in an ffmpeg of its own (while the first segment
starts its graph), kept in memory, and every render that wants the same music copies it into the MP4
(`-c:a copy`): no synthesis, no AAC encoding.

The key is everything the bytes are made from: the arguments `music.synthesise` gets (mood, length in
seconds, volume) and the encoder's audio arguments; anything else that changes the music must join the key.
Kept in memory, not on disk: the bot is one long-lived process, a track is ~12 kB a second, and a process
that starts again after a change of the synthesiser must not read music made by the old one. The cache is
bounded in bytes and drops the least recently used track first.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from bot.engines.local import music

MOST_BYTES = 32 * 1024 * 1024  # ~15 tracks of the 180 s maximum at 96 kb/s; hundreds of 15 s ones

Key = tuple[str, float, float, tuple[str, ...]]


class EncodedMusic:
    """Encoded generated-music tracks by `Key`, least recently used dropped first past `most_bytes`."""

    def __init__(self, ffmpeg: Callable[[], str], most_bytes: int = MOST_BYTES) -> None:
        self._ffmpeg = ffmpeg  # asked for only when a track is made: importing the engine needs no binary
        self._most = most_bytes
        self._tracks: OrderedDict[Key, bytes] = OrderedDict()
        self._lock = threading.Lock()  # renders make their music on worker threads

    @staticmethod
    def key(mood: str, seconds: float, volume: float, audio_args: list[str]) -> Key:
        # rounded as the synthesiser itself resolves them (samples at 48 kHz; volume is a plain gain)
        return mood, round(seconds, 6), round(volume, 6), tuple(audio_args)

    def write(self, mood: str, seconds: float, volume: float, audio_args: list[str], path: Path) -> None:
        """Write the track to `path` (an MP4 audio file, AAC per `audio_args`), encoding it only if it is not
        kept yet. Two renders asking for the same new track at once may both make it; both get the same bytes."""
        key = self.key(mood, seconds, volume, audio_args)
        with self._lock:
            track = self._tracks.get(key)
            if track is not None:
                self._tracks.move_to_end(key)
        if track is None:
            track = self._encode(mood, seconds, volume, audio_args, path)
            self._keep(key, track)
        path.write_bytes(track)

    def __len__(self) -> int:
        return len(self._tracks)

    def _keep(self, key: Key, track: bytes) -> None:
        with self._lock:
            self._tracks[key] = track
            self._tracks.move_to_end(key)
            total = sum(len(t) for t in self._tracks.values())
            while total > self._most and len(self._tracks) > 1:
                _, dropped = self._tracks.popitem(last=False)
                total -= len(dropped)

    def _encode(self, mood: str, seconds: float, volume: float, audio_args: list[str], path: Path) -> bytes:
        wav = path.with_suffix(".wav")
        music.write_wav(music.synthesise(mood, seconds, volume=volume), wav)
        try:
            # an MP4 (not raw ADTS): it keeps the encoder's priming in its edit list, so the copied track
            # starts at the first sample and is exactly `seconds` long
            subprocess.run([self._ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(wav),
                            *audio_args, "-t", f"{seconds:.6f}", "-f", "mp4", str(path)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            return path.read_bytes()
        finally:
            with contextlib.suppress(OSError):
                wav.unlink()
