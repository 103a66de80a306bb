"""Replace a file atomically: the old file (or none) stays unless the whole new one is on disk."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def new_file_mode() -> int:
    """The mode a plain `open()` gives a new file (mkstemp's is 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def kept_mode(path: Path) -> int:
    """`path`'s mode if it exists (a rewrite keeps it), else a new file's."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return new_file_mode()


def write_atomically(target: Path, payload: bytes | Iterable[bytes], mode: int) -> None:
    """Write `payload` (or its pieces, one after another) to a temporary file beside `target`, fsync it,
    rename it over `target`, fsync the directory. Raises OSError with nothing left behind."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        try:
            os.fchmod(fd, mode)
            for piece in (payload,) if isinstance(payload, bytes) else payload:
                view = memoryview(piece)
                while view:
                    view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
