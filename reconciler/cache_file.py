"""The cache files under `.labelsync/` (desired cache, file signatures, Encord rows): JSON read with a bound and
trusted for nothing but its own version and scope, written atomically. A cache that cannot be read is empty;
one that cannot be written is left as it was (the next run does the work again), never an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from reconciler.atomic import kept_mode, write_atomically

MAX_BYTES = 256 * 1024 * 1024
"""A larger cache file is not read."""


def read_cache(path: Path | None, **header: object) -> dict[str, Any] | None:
    """The file's JSON object when its keys hold `header`'s values (its version, its scope); else None."""
    if path is None:
        return None
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        data = orjson.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or any(data.get(key) != value for key, value in header.items()):
        return None
    return data


def write_cache(path: Path, data: dict[str, Any]) -> bool:
    """Replace the file with `data` as JSON; False when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, orjson.dumps(data), kept_mode(path))
    except OSError:
        return False
    return True
