"""Reading the files the repository names, trusting nothing about them: label files and PNG masks.

A file is read only when it resolves (after following symbolic links) to a regular file inside the
repository, and at most `cap` bytes of it: a FIFO, a device, a directory, a link to outside, or a file
too large is refused with a message that says why, before a byte of it is read (so nothing of a file
outside the repository ever surfaces in a message), and it can neither block nor exhaust memory.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """`limits:` in labelsync.yaml: the most labelsync reads of each kind of file."""

    label_file_bytes: int = 10 * MB
    mask_bytes: int = 50 * MB
    mask_pixels: int = 100_000_000
    """Width x height of a PNG mask, checked from its header before it is decoded."""


class Refused(ValueError):
    """A file that is not read: the message says why (not what it holds)."""


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


def read_inside(
    path: str | Path, root: Path | None, cap: int, setting: str, resolved: dict[str, str] | None = None
) -> bytes:
    """The bytes of `path`, a regular file inside `root` (anywhere when None) of at most `cap` bytes.

    Raises FileNotFoundError when nothing is there (a dangling link included: `Refused` then says so),
    `Refused` otherwise. `setting` names the cap for the message (`limits.mask_bytes`). `resolved`: a
    cache of real paths of folders (and of the root) for one pass over many files, so a file that is not
    a link itself costs one `lstat` to resolve, not one per folder of its path."""
    real, info = _realpath(os.fspath(path), resolved)
    if root is not None:
        root_s = os.fspath(root)
        real_root = _real(root_s, resolved) if resolved is not None else os.path.realpath(root_s)
        if not (real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)):
            raise Refused(f"it resolves to {real}, outside the repository ({root})")
    try:
        info = info or os.stat(real)
    except FileNotFoundError:
        if os.path.islink(path):
            raise Refused("it is a symbolic link to a file that does not exist") from None
        raise
    except OSError as exc:
        raise Refused(f"it cannot be read: {exc.strerror or exc}") from None
    _check(info, cap, setting)
    try:
        fd = os.open(real, _OPEN_FLAGS)  # O_NONBLOCK: a FIFO swapped in since the stat cannot block
    except OSError as exc:
        raise Refused(f"it cannot be read: {exc.strerror or exc}") from None
    try:
        opened = os.fstat(fd)  # what was opened, not what was there a moment ago
        _check(opened, cap, setting)
        data = _read_at_most(fd, cap + 1, opened.st_size)
    except BlockingIOError:
        raise Refused("it is not a regular file") from None
    except OSError as exc:
        raise Refused(f"it cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > cap:
        raise Refused(f"it is larger than {setting} ({cap} bytes) in labelsync.yaml")
    return data


class RegularFiles:
    """The `lstat` of each of many files, when it is a regular file, not a link, inside `root` (folders
    resolved through `resolved`, as `read_inside` resolves them); None for anything else, which `read_inside`
    then explains. A warm plan asks this of every label file, in path order: so each folder is opened once
    and its files are looked up in it, not walked to from `/` one by one (0.07 s for 50,000 files). Use it
    in a `with` block: it holds the current folder open."""

    def __init__(self, root: str | Path, resolved: dict[str, str]) -> None:
        self.root, self.resolved = os.fspath(root), resolved
        self._folder: str | None = None
        self._fd = -1

    def lstat(self, path: str) -> os.stat_result | None:
        folder, _, name = path.rpartition(os.sep)
        if not name or name in (".", "..") or not folder:
            return None
        if folder != self._folder:
            self._open(folder)
        if self._fd < 0:
            return None
        try:
            info = os.stat(name, dir_fd=self._fd, follow_symlinks=False)
        except OSError:
            return None
        return info if stat.S_ISREG(info.st_mode) else None  # a link is not, under lstat

    def _open(self, folder: str) -> None:
        self.close()
        self._folder = folder
        real_folder, real_root = _real(folder, self.resolved), _real(self.root, self.resolved)
        if not (real_folder.rstrip(os.sep) + os.sep).startswith(real_root.rstrip(os.sep) + os.sep):
            return
        with contextlib.suppress(OSError):  # then each of its files is None, as its lstat would fail
            self._fd = os.open(real_folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> RegularFiles:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _realpath(path: str, resolved: dict[str, str] | None) -> tuple[str, os.stat_result | None]:
    """`os.path.realpath(path)`; with `resolved`, the folder's real path is looked up there (and kept), and
    the file's `lstat` comes back too when it is not a link (its `stat`, then)."""
    if resolved is None:
        return os.path.realpath(path), None
    folder, _, name = path.rpartition(os.sep)  # os.path.split's answer here, at a fraction of its cost
    if not name or name in (".", "..") or not folder:
        return os.path.realpath(path), None
    try:
        info = os.lstat(path)
    except OSError:
        return os.path.realpath(path), None
    if stat.S_ISLNK(info.st_mode):
        return os.path.realpath(path), None
    return _real(folder, resolved).rstrip(os.sep) + os.sep + name, info


def _real(path: str, resolved: dict[str, str]) -> str:
    """`os.path.realpath(path)` of a folder (or the root), kept in `resolved`: asked once per pass."""
    real = resolved.get(path)
    if real is None:
        real = resolved[path] = os.path.realpath(path)
    return real


def _check(info: os.stat_result, cap: int, setting: str) -> None:
    for test, kind in _KINDS:
        if test(info.st_mode):
            raise Refused(f"it is {kind}, not a regular file")
    if not stat.S_ISREG(info.st_mode):
        raise Refused("it is not a regular file")
    if info.st_size > cap:
        raise Refused(f"it is {info.st_size} bytes, more than {setting} ({cap} bytes) in labelsync.yaml")


def _read_at_most(fd: int, size: int, expected: int = MB) -> bytes:
    """At most `size` bytes. `expected` (the file's size) is asked for at once, plus one byte: getting
    exactly `expected` back is the end of a file that is not growing, so such a file costs one read."""
    chunks: list[bytes] = []
    got, ask = 0, min(size, max(expected, 0) + 1)
    while got < size:
        chunk = os.read(fd, ask)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
        if got == expected and len(chunk) < ask:
            break
        ask = min(size - got, MB)
    return b"".join(chunks)
