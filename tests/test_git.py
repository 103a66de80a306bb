"""Asking git in the background (reconciler/git.py `Later`): a plan starts its git commands once it has read
the label files and collects their answers after, so git works on the other core meanwhile."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from reconciler.git import Later


def test_answers_are_git_output_or_none_in_the_order_asked(tmp_path: Path) -> None:
    with Later(tmp_path, ("rev-parse", "--is-inside-work-tree")) as outside:
        assert outside.answers() == [None]  # not a repository
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    asked = (
        ("rev-parse", "--is-inside-work-tree"),
        ("no-such-command",),
        None,
        ("rev-parse", "--is-bare-repository"),
    )
    with Later(tmp_path, *asked) as git:
        assert git.answers() == ["true\n", None, None, "false\n"]
        assert git.answers() == ["true\n", None, None, "false\n"], "asked again: the same answers"


def test_nothing_runs_before_start_and_a_running_command_is_stopped_when_the_block_ends(tmp_path: Path) -> None:
    """As when the label files are invalid: the plan stops before it asks git anything."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    marker = tmp_path / "ran"
    with Later(tmp_path, ("-c", f"alias.touch=!touch {marker}", "touch")):
        time.sleep(0.3)
    assert not marker.exists(), "never started"

    started = time.monotonic()
    with Later(
        tmp_path, ("-c", "alias.slow=!exec sleep 5", "slow"), ("-c", f"alias.touch=!touch {marker}", "touch")
    ) as git:
        git.start()
        time.sleep(0.3)
    assert time.monotonic() - started < 2.5
    assert git._process is not None and git._process.poll() is not None, "killed"
    time.sleep(0.3)
    assert not marker.exists(), "the command after the stopped one never ran"
