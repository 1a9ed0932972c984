"""Background music synthesised with numpy at render time, one small arrangement per mood.

No song files are shipped or downloaded (licensing and size), so each mood is a few bars of drums, bass and
chords generated from its tempo and chord progression. Beat 1 falls at t=0 and the tempo is `model.MOODS`,
which is the same grid `model.timing` snaps the photo cuts to, so cuts land on kicks. Everything is
vectorised per note; 15 s of 48 kHz stereo takes a few tens of milliseconds.
"""

from __future__ import annotations

import functools
import wave
from pathlib import Path

import numpy as np

from bot.engines.local.model import MOODS

RATE = 48_000

# (chord roots as semitones from A3=220 Hz, chord quality per bar), per mood
_PROGRESSIONS: dict[str, list[tuple[int, str]]] = {
    "upbeat": [(3, "maj"), (10, "maj"), (0, "min"), (8, "maj")],  # C G Am F
    "lofi": [(5, "maj7"), (4, "min7"), (2, "min7"), (7, "dom7")],  # Dmaj7 C#m7 Bm7 E7
    "calm": [(3, "maj"), (8, "maj"), (0, "min"), (10, "maj")],  # C F Am G
    "epic": [(0, "min"), (8, "maj"), (3, "maj"), (10, "maj")],  # Am F C G
}
_CHORDS = {"maj": (0, 4, 7), "min": (0, 3, 7), "maj7": (0, 4, 7, 11), "min7": (0, 3, 7, 10),
           "dom7": (0, 4, 7, 10)}


def _hz(semitones: float, base: float = 220.0) -> float:
    return base * 2 ** (semitones / 12)


def _add(track: np.ndarray, start: float, sound: np.ndarray) -> None:
    i = int(start * RATE)
    if i >= len(track):
        return
    end = min(len(track), i + len(sound))
    track[i:end] += sound[: end - i]


def _tone(freq: float, length: float, *, decay: float, shape: str = "sine", attack: float = 0.005) -> np.ndarray:
    return _tone_cached(round(freq, 6), length, decay, shape, attack)


@functools.lru_cache(maxsize=64)
def _tone_cached(freq: float, length: float, decay: float, shape: str, attack: float) -> np.ndarray:
    """A note (float32, read-only): the same few notes recur every bar, so each is computed once."""
    t = np.arange(int(length * RATE), dtype=np.float32) / np.float32(RATE)
    phase = np.float32(2 * np.pi * freq) * t
    if shape == "saw":  # a few harmonics: bright but not harsh
        wave_ = np.sin(phase)
        for k in range(2, 6):
            wave_ += np.sin(phase * np.float32(k)) / np.float32(k)
    elif shape == "tri":
        wave_ = np.sin(phase) + np.sin(phase * np.float32(3)) / np.float32(9)
    else:
        wave_ = np.sin(phase)
    wave_ *= np.minimum(np.float32(1), t / np.float32(attack)) * np.exp(-t / np.float32(decay))
    wave_.flags.writeable = False
    return wave_


@functools.lru_cache(maxsize=4)
def _kick(length: float = 0.35) -> np.ndarray:
    t = np.arange(int(length * RATE), dtype=np.float32) / np.float32(RATE)
    freq = 50 + 90 * np.exp(-t / np.float32(0.04))
    kick = (np.sin(np.float32(2 * np.pi) * np.cumsum(freq) / np.float32(RATE)) * np.exp(-t / np.float32(0.12)))
    kick.flags.writeable = False
    return kick


def _noise(length: float, decay: float, rng: np.random.Generator, *, bright: bool) -> np.ndarray:
    n = int(length * RATE)
    noise = rng.standard_normal(n).astype(np.float32)
    if bright:
        noise = np.diff(noise, prepend=np.float32(0))  # crude high-pass: hats
    return noise * np.exp(-np.arange(n, dtype=np.float32) / np.float32(RATE * decay))


def synthesise(mood: str, seconds: float, *, volume: float = 0.7, seed: int = 7) -> np.ndarray:
    """A (samples, 2) float32 array in -1..1: the mood's arrangement, faded in and out, scaled to `volume`."""
    mood = mood if mood in MOODS else "upbeat"
    bpm = MOODS[mood]
    beat = 60 / bpm
    total = max(int(seconds * RATE), 1)
    rng = np.random.default_rng(seed)
    drums, bass, keys = (np.zeros(total, dtype=np.float32) for _ in range(3))
    progression = _PROGRESSIONS[mood]
    beats = int(np.ceil(seconds / beat)) + 1
    for b in range(beats):
        at = b * beat
        bar, step = divmod(b, 4)
        root, quality = progression[bar % len(progression)]
        if mood == "upbeat":
            _add(drums, at, _kick())
            _add(drums, at + beat / 2, 0.25 * _noise(0.08, 0.02, rng, bright=True))
            if step in (1, 3):
                _add(drums, at, 0.45 * _noise(0.2, 0.06, rng, bright=False))
            for half in (0, 0.5):
                _add(bass, at + half * beat, _tone(_hz(root - 24), beat / 2, decay=0.15, shape="saw"))
            notes = _CHORDS[quality]
            _add(keys, at + beat / 2, 0.5 * _tone(_hz(root + notes[step % len(notes)]), beat, decay=0.18,
                                                   shape="tri"))
        elif mood == "lofi":
            if step in (0, 2):
                _add(drums, at, 0.8 * _kick())
            if step in (1, 3):
                _add(drums, at, 0.3 * _noise(0.25, 0.08, rng, bright=False))
            _add(drums, at + beat * 0.55, 0.12 * _noise(0.06, 0.02, rng, bright=True))  # swung hat
            if step == 0:
                _add(bass, at, _tone(_hz(root - 24), beat * 3, decay=0.8))
                for k, note in enumerate(_CHORDS[quality]):
                    _add(keys, at + 0.02 * k, 0.35 * _tone(_hz(root + note), beat * 4, decay=1.2, shape="tri"))
        elif mood == "calm":
            if step == 0:
                _add(bass, at, 0.7 * _tone(_hz(root - 24), beat * 4, decay=2.0, attack=0.2))
                for note in _CHORDS[quality]:
                    _add(keys, at, 0.3 * _tone(_hz(root + note), beat * 4.2, decay=3.0, attack=0.4))
            notes = _CHORDS[quality]
            _add(keys, at, 0.25 * _tone(_hz(root + 12 + notes[(b * 2) % len(notes)]), beat * 1.5, decay=0.5))
        else:  # epic
            if step == 0:
                _add(drums, at, 1.2 * _kick(0.6))
                _add(drums, at, 0.5 * _noise(0.5, 0.25, rng, bright=False))
            if step == 2:
                _add(drums, at, 0.7 * _kick(0.5))
            _add(bass, at, 0.6 * _tone(_hz(root - 24), beat, decay=0.4, shape="saw"))
            if step == 0:
                for note in _CHORDS[quality]:
                    _add(keys, at, 0.3 * _tone(_hz(root + note), beat * 4.2, decay=4.0, shape="saw", attack=0.3))
    if mood == "lofi":
        pops = rng.integers(0, total, size=max(1, int(seconds * 12)))
        np.add.at(keys, pops, rng.uniform(-0.3, 0.3, size=len(pops)).astype(np.float32))
        kernel = np.ones(6, dtype=np.float32) / 6  # a soft low-pass: the "lo-fi" dullness
        keys = np.convolve(keys, kernel, mode="same")
    common = drums  # mixed in place: a render's peak memory counts every temporary array here
    common *= 0.9
    bass *= 0.8
    common += bass
    del bass
    mix = np.empty((total, 2), dtype=np.float32)
    keys *= 0.45
    np.add(common, keys, out=mix[:, 1])
    keys *= 0.55 / 0.45
    np.add(common, keys, out=mix[:, 0])
    del common, keys
    _tone_cached.cache_clear()  # the notes are only shared within one piece
    peak = float(np.max(np.abs(mix))) or 1.0
    mix *= 0.89 / peak * volume
    fade_in, fade_out = min(int(0.4 * RATE), total // 4), min(int(1.5 * RATE), total // 3)
    mix[:fade_in] *= np.linspace(0, 1, fade_in, dtype=np.float32)[:, None]
    if fade_out:
        mix[-fade_out:] *= np.linspace(1, 0, fade_out, dtype=np.float32)[:, None]
    return mix


def write_wav(samples: np.ndarray, path: Path) -> None:
    """16-bit PCM stereo at 48 kHz: ffmpeg reads it with no decoder cost. Written a second at a time, so no
    full-length temporary is made."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for start in range(0, len(samples), RATE):
            chunk = np.clip(samples[start:start + RATE], -1, 1) * 32767
            out.writeframes(np.round(chunk).astype("<i2").tobytes())
