"""Asking git: no shell, a timeout, and None for any failure (no git, not a repository, unknown revision)."""

from __future__ import annotations

import subprocess
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
    """A git command started now and answered when asked (`answer`): git works on the other core while
    labelsync reads the label files (in a repository of 50,000 of them, `git status` takes 0.1 s). Use it as a
    context manager: leaving the block stops a command never asked for."""

    def __init__(self, root: Path, *args: str) -> None:
        self._answer: str | None = None
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["git", "-C", str(root), *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._process = None

    @classmethod
    def skipped(cls) -> Later:
        """A command not asked: its answer is None."""
        later = cls.__new__(cls)
        later._answer, later._process = None, None
        return later

    def answer(self) -> str | None:
        """git's stdout as text, or None when it failed or did not finish within `GIT_TIMEOUT`."""
        process, self._process = self._process, None
        if process is not None:
            try:
                out, _ = process.communicate(timeout=GIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                _stop(process)
            else:
                self._answer = out.decode("utf-8", errors="replace") if process.returncode == 0 else None
        return self._answer

    def __enter__(self) -> Later:
        return self

    def __exit__(self, *_: object) -> None:
        if self._process is not None:
            _stop(self._process)
            self._process = None


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill it and reap it, not reading its output: a child it started may hold the pipe open."""
    process.kill()
    if process.stdout is not None:
        process.stdout.close()
    process.wait()
