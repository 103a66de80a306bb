"""Asking git: no shell, a timeout, and None for any failure (no git, not a repository, unknown revision)."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

GIT_TIMEOUT = 20.0
"""Seconds a git command may take."""


def git_output(root: Path, args: Sequence[str], stdin: bytes = b"") -> bytes | None:
    """git's stdout for `git -C root ARGS` fed `stdin`, or None when it fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], input=stdin, capture_output=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git(root: Path, *args: str) -> str | None:
    """git's stdout as text, or None when it fails."""
    out = git_output(root, args)
    return out.decode("utf-8", errors="replace") if out is not None else None


class Later:
    """git commands asked now and answered later (`answers`): once `start`ed, they run one after another on a
    thread, each single-threaded (`core.preloadIndex=false`), so git keeps to the other core while labelsync
    works on its own. A plan starts them once it has read the label files: in a repository of 50,000 of them,
    `git status` and `git diff` run beside the walk slowed it from 0.05 s to 0.15 s, and the listing after it,
    as git's threads took both cores. Use it as a context manager: leaving the block stops what is still
    running and skips what has not started."""

    def __init__(self, root: Path, *commands: Sequence[str] | None) -> None:
        """`commands`: each a git command's arguments, or None for one not to run (its answer is None)."""
        self._root, self._commands = root, commands
        self._answers: list[str | None] = [None] * len(commands)
        self._lock = threading.Lock()
        self._stopped = False
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and not self._stopped:
            self._thread = threading.Thread(target=self._run, name="git", daemon=True)
            self._thread.start()

    def answers(self) -> list[str | None]:
        """Each command's stdout as text; None where it failed or took longer than `GIT_TIMEOUT`."""
        self.start()
        if self._thread is not None:
            self._thread.join()
        return list(self._answers)

    def _run(self) -> None:
        for number, args in enumerate(self._commands):
            if args is None:
                continue
            with self._lock:
                if self._stopped:
                    return
                try:
                    self._process = process = subprocess.Popen(
                        ["git", "-C", str(self._root), "-c", "core.preloadIndex=false", *args],
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                    )
                except OSError:
                    continue
            try:
                out, _ = process.communicate(timeout=GIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                _stop(process)
                continue
            if process.returncode == 0:
                self._answers[number] = out.decode("utf-8", errors="replace")

    def __enter__(self) -> Later:
        return self

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._stopped = True
            process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(OSError):
                process.kill()
        if self._thread is not None:  # not long: a child git started may hold its pipe open a while
            self._thread.join(timeout=1.0)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill it and reap it, not reading its output: a child it started may hold the pipe open."""
    process.kill()
    if process.stdout is not None:
        process.stdout.close()
    process.wait()
