"""Asking git in the background (reconciler/git.py `Later`): a plan starts its git commands before it reads the
label files and collects their answers after, so git works on the other core meanwhile."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from reconciler.git import Later


def test_an_answer_is_git_output_or_none(tmp_path: Path) -> None:
    with Later(tmp_path, "rev-parse", "--is-inside-work-tree") as outside:
        assert outside.answer() is None  # not a repository
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    with (
        Later(tmp_path, "rev-parse", "--is-inside-work-tree") as inside,
        Later(tmp_path, "no-such-command") as bad,
    ):
        assert inside.answer() == "true\n"
        assert inside.answer() == "true\n", "asked again: the same answer"
        assert bad.answer() is None
    assert Later.skipped().answer() is None


def test_a_command_never_asked_is_stopped_when_the_block_ends(tmp_path: Path) -> None:
    """As when the label files are invalid: the plan stops before it asks git anything."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    started = time.monotonic()
    with Later(tmp_path, "-c", "alias.slow=!sleep 3", "slow") as slow:
        process = slow._process
        assert process is not None and process.poll() is None
    assert process.poll() is not None
    assert time.monotonic() - started < 2
