"""Request parameters as Telegram reads them: from the query string, an urlencoded form, a JSON body or
multipart/form-data, with everything a string except in JSON, and Telegram's error texts for bad values."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from tests.fakes.telegram.errors import ApiError, bad

_INTEGER_RE = re.compile(r"\s*[-+]?\d+(\.0*)?\s*")


def truthy(value: Any) -> bool:
    """A boolean as Telegram reads it: ``true``/``1`` (any case) in forms, ``true`` or non-zero in JSON."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return False


def utf16_len(text: str) -> int:
    """The length Telegram's limits count: UTF-16 code units, so an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Part:
    """One part of a multipart/form-data body, its bytes exactly as sent."""

    name: str
    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Typed access to one request's parameters, failing with the texts Telegram answers."""

    def __init__(self, values: dict[str, Any], parts: dict[str, Part]) -> None:
        """``values``: every non-file parameter; ``parts``: the uploaded files by field name."""
        self.values = values
        self.parts = parts

    def has(self, name: str) -> bool:
        """True when ``name`` is given and not empty."""
        return self.values.get(name) not in (None, "")

    def string(self, name: str, default: str | None = None) -> str | None:
        """The value as a string (JSON numbers and booleans as Telegram would print them)."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def integer(self, name: str, default: int | None = None, *, required: bool = False) -> int | None:
        """The value as an integer; ``"12"`` and ``12.0`` are accepted as Telegram accepts them."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad(f"{name} is empty")
            return default
        if isinstance(value, bool):
            raise bad(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER_RE.fullmatch(value):
            return int(value.strip().split(".", 1)[0])
        raise bad(f"invalid {name} specified")

    def boolean(self, name: str, default: bool = False) -> bool:
        """The value as a boolean (see :func:`truthy`)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        return truthy(value)

    def obj(self, name: str, what: str) -> Any:
        """A JSON-serialized object or array (a string in forms, a value in JSON bodies), or None."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, dict | list):
            return value
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad(f"can't parse {what} JSON object") from None
        raise bad(f"can't parse {what} JSON object")

    def shown(self) -> dict[str, Any]:
        """The parameters for records: values as received, each file part replaced by its file name."""
        shown = dict(self.values)
        for name, part in self.parts.items():
            shown[name] = part.filename or name
        return shown


def parse_params(query: str, content_type: str, body: bytes, *, file_limit: int) -> Params:
    """The parameters of one request; ``file_limit`` is the largest file part the server takes (413 beyond)."""
    values: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    parts: dict[str, Part] = {}
    if not body:
        return Params(values, parts)
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise bad("can't parse JSON encoded request parameters") from None
        if not isinstance(decoded, dict):
            raise bad("can't parse JSON encoded request parameters")
        values.update(decoded)
    elif mime == "application/x-www-form-urlencoded":
        values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif mime == "multipart/form-data":
        for part in parse_multipart(body, content_type):
            if part.filename is None:
                values[part.name] = part.data.decode("utf-8", "replace")
            elif len(part.data) > file_limit:
                raise ApiError(413, "Request Entity Too Large")
            else:
                parts[part.name] = part
    return Params(values, parts)


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Split a multipart/form-data body into its parts, bytes untouched (an upload must arrive intact)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise bad("can't parse multipart/form-data: no boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    parts: list[Part] = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        data = data.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _disposition_param(disposition, "name")
        if name is None:
            continue
        filename = _disposition_param(disposition, "filename*")
        if filename is not None:
            filename = unquote(filename.split("''", 1)[-1])
        else:
            filename = _disposition_param(disposition, "filename")
        parts.append(Part(name, data, filename, headers.get("content-type")))
    return parts


def _disposition_param(disposition: str, key: str) -> str | None:
    pattern = rf'(?:^|;)\s*{re.escape(key)}=(?:"((?:[^"\\]|\\.)*)"|([^;]*))'
    match = re.search(pattern, disposition)
    if not match:
        return None
    if match.group(1) is not None:
        return re.sub(r"\\(.)", r"\1", match.group(1)).replace("%22", '"')
    return match.group(2).strip()
