"""The local project's apply lock: one apply writes to a project at a time.

The lock is a file beside the database (`project.db.lock`) holding who took it, as JSON: pid, host,
user, command, started_at. Its holder keeps an exclusive `flock` on it for as long as it applies, so
the lock is live exactly while a process holds that flock: a crashed apply's file stays behind, but its
flock went with the process. The file appears atomically with its content and its flock already held
(written and locked under a temporary name, then hard-linked into place, which fails if the file is
there: an `O_CREAT | O_EXCL` that cannot be seen half written).

A second apply meeting a live lock fails at once, naming the holder; meeting a stale one (no process
holds its flock), it fails too, naming who left it: a lock is never broken silently, since the
process that left it may have left the project half applied, and a person should know. Plan and
validate never take the lock: they only read, and SQLite keeps each read consistent.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import json
import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from reconciler.errors import RemoteError

ATTEMPTS = 5
"""Times the lock is tried when its holder releases it just as it is inspected."""


class ApplyLocked(RemoteError):
    """Another apply holds the local project's apply lock, or one left it behind. Nothing was written."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def holder(command: str | None = None) -> dict[str, Any]:
    """Who this process is, as the lock file records it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = str(os.getuid())
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": user,
        "command": command if command is not None else _command(),
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


@contextlib.contextmanager
def apply_lock(database: Path, command: str | None = None) -> Iterator[Path]:
    """Hold the apply lock of the project at `database` for the duration of the block (yields the lock
    file). Raises `ApplyLocked` when another process holds it or left it behind."""
    path = lock_path(database)
    fd = _acquire(path, holder(command))
    try:
        yield path
    finally:
        if _same_file(fd, path):  # still ours (not removed by hand and taken by another apply since)
            with contextlib.suppress(OSError):
                path.unlink()  # before the flock goes: a reader then sees the file gone, not stale
        os.close(fd)


def _acquire(path: Path, me: dict[str, Any]) -> int:
    for _ in range(ATTEMPTS):
        fd, tmp = _locked_temp(path, me)
        try:
            os.link(tmp, path)
        except FileExistsError:
            os.close(fd)
            _refuse(path)  # returns only when the lock was released meanwhile: try again
            continue
        except OSError as exc:
            os.close(fd)
            raise RemoteError(f"cannot take the apply lock {path}: {exc.strerror or exc}") from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return fd
    raise ApplyLocked(f"the apply lock {path} keeps changing hands: another labelsync is applying; try again")


def _locked_temp(path: Path, me: dict[str, Any]) -> tuple[int, str]:
    """A new file beside `path` holding `me`, with this process's exclusive flock on it."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise RemoteError(f"cannot take the apply lock {path}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.fchmod(fd, 0o644)  # others may read who holds it
        os.write(fd, (json.dumps(me) + "\n").encode())
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        os.unlink(tmp)
        raise RemoteError(f"cannot take the apply lock {path}: {exc.strerror or exc}") from None
    return fd, tmp


def _refuse(path: Path) -> None:
    """Raise `ApplyLocked` describing the lock at `path`; return if it is gone (released meanwhile)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ApplyLocked(
            f"the apply lock {path} exists and cannot be read ({exc.strerror}): is an apply running?"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            live = False
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ApplyLocked(f"cannot inspect the apply lock {path}: {exc.strerror}") from None
            live = True
        if not live and not _same_file(fd, path):
            return  # released (unlinked) between our open and our flock
        with os.fdopen(os.dup(fd), "rb") as f:
            info = _parse(f.read(65536))
    finally:
        os.close(fd)
    if live:
        raise ApplyLocked(
            f"another apply is writing to this local project: {_who(info, 'since')} holds the apply lock"
            f" {path}; wait for it to finish, then plan again"
        )
    raise ApplyLocked(
        f"a stale lock left by {_who(info, 'started')}: no process holds it (the apply it belonged to may have"
        f" stopped half way); if no apply is running, remove {path} and run apply again"
    )


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _parse(data: bytes) -> dict[str, Any] | None:
    try:
        info = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _who(info: dict[str, Any] | None, when: str) -> str:
    """`pid 12 on host (since 2025-05-01T10:00:00+00:00, user ana, `labelsync apply --yes`)`."""
    if info is None:
        return "an unknown process (the lock file does not say who)"
    details = [f"{when} {_text(info['started_at'])}"] if info.get("started_at") else []
    details += [f"user {_text(info['user'])}"] if info.get("user") else []
    details += [f"`{_text(info['command'])}`"] if info.get("command") else []
    return f"pid {_text(info.get('pid'))} on {_text(info.get('host'))}" + (
        f" ({', '.join(details)})" if details else ""
    )


def _text(value: Any) -> str:
    """A value from the lock file, safe to print: one line, printable, bounded."""
    text = str(value)
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 200 else text[:200] + "..."


def _command() -> str:
    args = [a for a in sys.argv[1:] if len(a) <= 200]
    return " ".join(["labelsync", *args])
