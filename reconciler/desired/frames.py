"""Frame keys in label files: "3", "4-9", or plain integers."""

from __future__ import annotations

import re
from typing import Any

from reconciler.model import FrameRange

_FRAME_KEY = re.compile(r"\s*([0-9]{1,18})\s*(?:-\s*([0-9]{1,18})\s*)?")
MAX_FRAMES = 1_000_000
"""Frames of a data unit labelsync checks a file against when it does not know the data unit (offline):
more than nine hours of video at 30 frames a second. A range is never expanded past this or the unit's own
frame count."""


def parse_frame_key(key: Any) -> FrameRange | None:
    """`3` -> (3, 3); `"4-9"` -> (4, 9); anything else (or an empty range) -> None."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return (key, key) if key >= 0 else None
    if not isinstance(key, str):
        return None
    match = _FRAME_KEY.fullmatch(key)
    if not match:
        return None
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) is not None else start
    return (start, end) if end >= start else None


def format_range(frame_range: FrameRange) -> str:
    start, end = frame_range
    return str(start) if start == end else f"{start}-{end}"


def format_ranges(ranges: tuple[FrameRange, ...]) -> str:
    return ", ".join(format_range(r) for r in ranges)
