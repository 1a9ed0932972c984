import io
from pathlib import Path

from PIL import Image

from bot.video_meta import VideoMeta, read_video_meta, still_jpeg
from tests.fakes.sample_media import mp4_bytes


def test_size_length_and_still_of_a_real_mp4(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4_bytes(width=216, height=384, frames=15, fps=6))  # 2.5 s
    assert read_video_meta(path) == VideoMeta(width=216, height=384, duration=3)  # 0:03, never cut short
    still = still_jpeg(path, longest_side=320, max_bytes=200_000)
    assert still is not None and len(still) < 200_000
    image = Image.open(io.BytesIO(still))
    assert (image.format, image.size) == ("JPEG", (180, 320))


def test_what_is_not_a_video_has_no_meta_and_no_still(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"not a video at all")
    assert read_video_meta(path) is None
    assert still_jpeg(path, longest_side=320, max_bytes=200_000) is None
    assert read_video_meta(tmp_path / "missing.mp4") is None
