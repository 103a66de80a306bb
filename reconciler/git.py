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
