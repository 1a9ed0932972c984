"""The preview's own promises: its photo frames are made once, when a photo arrives, and kept beside the photo
(made again only when the photo changes); a preview then never decodes a full-size picture; and a preview
counted at its own 15 fps cuts where the export cuts."""

from __future__ import annotations

import os
from pathlib import Path

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.engines.local import LocalEngine, images, model, render

from .conftest import PhotoMaker, media

PREVIEW_SRC = images.frame_size(*render.output_size(model.DEFAULTS, preview=True))


def test_a_preview_frame_is_made_once_and_kept_beside_the_photo(make_photo: PhotoMaker,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    photo = make_photo("a.jpg", (1600, 1200), (200, 60, 60), stripes=True)
    made = images.cached_yuv(photo, PREVIEW_SRC, fit="blur")
    assert made == images.prepare_yuv(photo, PREVIEW_SRC, fit="blur", resample=Image.Resampling.BILINEAR)
    assert images.cache_path(photo, PREVIEW_SRC, "blur").parent == photo.parent

    def no_decoding(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the photo was decoded again")

    monkeypatch.setattr(images, "prepare_yuv", no_decoding)
    assert images.cached_yuv(photo, PREVIEW_SRC, fit="blur") == made


def test_a_changed_photo_or_a_damaged_cache_is_made_again(make_photo: PhotoMaker) -> None:
    photo = make_photo("a.jpg", (800, 600), (200, 60, 60))
    old = images.cached_yuv(photo, PREVIEW_SRC, fit="crop")
    mtime = photo.stat().st_mtime_ns
    make_photo("a.jpg", (800, 600), (40, 40, 200))  # the same name, another picture
    os.utime(photo, ns=(mtime + 1_000_000_000, mtime + 1_000_000_000))
    new = images.cached_yuv(photo, PREVIEW_SRC, fit="crop")
    assert new != old and new == images.prepare_yuv(photo, PREVIEW_SRC, fit="crop",
                                                    resample=Image.Resampling.BILINEAR)
    cache = images.cache_path(photo, PREVIEW_SRC, "crop")
    cache.write_bytes(cache.read_bytes()[:1000])  # cut short (a disk that filled up)
    assert images.cached_yuv(photo, PREVIEW_SRC, fit="crop") == new
    assert images.cached_yuv(photo, PREVIEW_SRC, fit="blur") != new  # another fit is another frame
    kept = {"a.jpg", cache.name, images.cache_path(photo, PREVIEW_SRC, "blur").name}
    assert {p.name for p in photo.parent.iterdir()} == kept  # one file per fit, the old frame replaced


async def test_a_preview_after_uploads_never_decodes_a_photo(make_photo: PhotoMaker, settings: object,
                                                             store: object, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Photos are decoded and scaled when they arrive; the preview after that reads the kept frames, and it is
    made at 15 fps from the start (every frame it draws is one it shows)."""
    engine = LocalEngine(settings, store, previews=True)  # type: ignore[arg-type]
    try:
        for k in range(3):
            await engine.upload(1, media(make_photo(f"p{k}.jpg", (2000, 1500), (60 * k, 90, 200), stripes=True)))

        def no_decoding(*args: object, **kwargs: object) -> object:
            raise AssertionError("a preview decoded a photo")

        monkeypatch.setattr(images, "_open_upright", no_decoding)
        draft = await engine.draft(1)
        workdir = tmp_path / "preview"
        workdir.mkdir()
        spec = render.build(draft, workdir, preview=True)
        assert all("-framerate 15 " in " ".join(segment.args) for segment in spec.segments)
        await render.run(spec)
        with av.open(str(spec.output)) as container:
            assert len(list(container.decode(video=0))) == round(spec.seconds * 15)
    finally:
        await engine.aclose()


@settings(deadline=None)
@given(count=st.integers(min_value=1, max_value=model.MAX_PHOTOS),
       seconds=st.integers(min_value=1, max_value=180), transition_ms=st.integers(min_value=100, max_value=2000),
       music=st.booleans())
def test_a_preview_counted_at_its_own_rate_cuts_where_the_export_cuts(count: int, seconds: int,
                                                                      transition_ms: int, music: bool) -> None:
    conf = {**model.DEFAULTS, "duration_ms": seconds * 1000, "transition_ms": transition_ms, "music": music}
    export, preview = model.timing(count, conf), model.timing(count, conf, 15)
    assert abs(preview.frames / 15 - export.frames / 30) <= 1 / 30 + 1e-9  # rounded to its own frames
    for (a, _), (b, _) in zip(export.slots, preview.slots, strict=True):
        assert abs(a / 30 - b / 15) <= 1 / 15 + 1e-9  # the same cut, to within a preview frame
    assert abs(preview.fade / 15 - export.fade / 30) <= 2 / 15 + 1e-9


def test_a_folder_that_cannot_be_written_costs_only_the_cache(make_photo: PhotoMaker,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    photo = make_photo("a.jpg", (800, 600), (200, 60, 60))

    def read_only(*args: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(images.os, "replace", read_only)
    assert images.cached_yuv(photo, PREVIEW_SRC, fit="blur") == images.prepare_yuv(
        photo, PREVIEW_SRC, fit="blur", resample=Image.Resampling.BILINEAR)
    assert [p.name for p in photo.parent.iterdir()] == ["a.jpg"]  # nothing half-written left behind
