"""The NemoVideo cloud's response bodies, read in one place.

Several shapes are only inferred (nemo-api.md marks them), so every reader here is lenient: unknown keys are
kept or ignored, and the alternatives the contract lists (`message`/`msg`, top-level `status` + `output.url`
vs `data.status` + `data.outputUrl`) are all accepted. When the vendor's real shapes become known, this is
the only file to correct.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.engines.base import Credits, EngineUnavailable, RenderStatus, RenderStatusName

ACCEPTED_FORMATS: tuple[str, ...] = (
    "mp4", "mov", "avi", "webm", "mkv", "jpg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac",
)
UPLOAD_LIMIT_MB = 200

M = TypeVar("M", bound=BaseModel)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TokenData(_Lenient):
    token: str
    user_id: str | None = None
    credits: float | None = None
    expires_at: str | None = None


class SessionData(_Lenient):
    session_id: str
    task_id: str | None = None
    user_id: str | None = None


class UploadedFileData(_Lenient):
    filename: str | None = None
    file_type: str | None = None
    cdn_url: str
    duration: float | None = None
    width: int | None = None
    height: int | None = None


class UploadData(_Lenient):
    files: list[UploadedFileData]


class CreditsData(_Lenient):
    available: float = 0
    frozen: float = 0
    total: float | None = None

    def to_credits(self) -> Credits:
        total = self.total if self.total is not None else self.available + self.frozen
        return Credits(available=self.available, frozen=self.frozen, total=total)


class ClaimData(_Lenient):
    claim_token: str
    expires_in: float | None = None


def parse(model: type[M], data: object, what: str) -> M:
    """Validate `data` or raise EngineUnavailable naming only `what` (never the body)."""
    try:
        return model.model_validate(data)
    except ValidationError:
        raise EngineUnavailable(f"the video service sent an unexpected {what} answer") from None


# ---------------------------------------------------------------- envelopes


def envelope_code(body: object) -> int | None:
    """The `code` of a `{"code", "message"|"msg", "data"}` envelope, or None when there is none."""
    if isinstance(body, dict):
        code = body.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
        if isinstance(code, str) and code.strip().lstrip("-").isdigit():
            return int(code)
    return None


def envelope_message(body: object) -> str:
    """`message` or `msg`; used only to recognise a case (e.g. missing client id), never logged or shown."""
    if isinstance(body, dict):
        for key in ("message", "msg", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str):
                return value
    return ""


def envelope_data(body: dict[str, Any]) -> Any:
    return body.get("data")


# ---------------------------------------------------------------- renders

_STATUS_ALIASES: dict[str, RenderStatusName] = {
    "pending": "pending", "queued": "pending", "waiting": "pending", "created": "pending",
    "processing": "processing", "rendering": "processing", "running": "processing",
    "in_progress": "processing", "started": "processing",
    "completed": "completed", "complete": "completed", "done": "completed", "succeeded": "completed",
    "success": "completed", "finished": "completed",
    "failed": "failed", "error": "failed", "cancelled": "failed", "canceled": "failed", "timeout": "failed",
}
RENDER_FAILED_DETAIL = "the render failed on the video service"


def _url_in(obj: object) -> str | None:
    if not isinstance(obj, dict):
        return None
    for key in ("outputUrl", "output_url", "url", "downloadUrl", "download_url"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
    output = obj.get("output")
    if isinstance(output, dict):
        value = output.get("url")
        if isinstance(value, str) and value:
            return value
    if isinstance(output, str) and output.startswith(("http://", "https://")):
        return output
    return None


def _progress(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0, min(100, int(value)))


def parse_render_status(body: object) -> RenderStatus:
    """Either shape of a render status answer → RenderStatus (top-level fields win over `data`)."""
    if not isinstance(body, dict):
        raise EngineUnavailable("the video service sent an unexpected render status answer")
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    raw_status = body.get("status") if isinstance(body.get("status"), str) else data.get("status")
    if not isinstance(raw_status, str):
        raise EngineUnavailable("the video service sent a render status without a status")
    status = _STATUS_ALIASES.get(raw_status.strip().lower(), "processing")
    url = _url_in(body) or _url_in(data)
    progress = _progress(body.get("progress"))
    if progress is None:
        progress = _progress(data.get("progress"))
    if progress is None:
        progress = 100 if status == "completed" else 0
    if status == "completed":
        progress = 100
    error = RENDER_FAILED_DETAIL if status == "failed" else None
    return RenderStatus(status=status, progress=progress, url=url, error=error)


def render_id_from(body: object, fallback: str) -> str:
    """The job id the service confirmed (data.id or id), else the one we sent."""
    if isinstance(body, dict):
        data = body.get("data")
        for source in (data, body):
            if isinstance(source, dict) and isinstance(source.get("id"), str) and source["id"]:
                return source["id"]
    return fallback
