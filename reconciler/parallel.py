"""When work over many files is spread over processes, and in what chunks: one policy for every command."""

from __future__ import annotations

import os

PARALLEL_FROM = 400
"""Below this many items, starting worker processes costs more than it saves."""
MAX_WORKERS = 8


def pool_shape(count: int) -> tuple[int, int] | None:
    """(worker processes, items per chunk) for `count` items, or None when one process is faster."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if count < PARALLEL_FROM or workers < 2:
        return None
    return workers, max(50, count // (workers * 8))
