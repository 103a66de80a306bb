"""Label files known by their signature (reconciler/desired/signatures.py): a warm plan reads no file that is
as it was, and every edit is still seen, whatever the edit keeps of the file's size and times."""

from __future__ import annotations

import json
import os

import pytest
from labelsync_workspace import Workspace

from reconciler.desired import signatures

CHERRY = "labels/images/cherry_001.jpg.yaml"


def recorded(ws: Workspace) -> dict[str, list[object]]:
    path = ws.path(signatures.FILE)
    files: dict[str, list[object]] = json.loads(path.read_text(encoding="utf-8"))["files"] if path.is_file() else {}
    return files


def test_an_edit_that_keeps_the_size_and_modification_time_is_seen(
    local_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = local_workspace
    monkeypatch.setattr(signatures, "SETTLED", 0.0)
    assert ws.run("apply", "--yes").exit_code == 0
    assert ws.run("plan", "--detailed-exitcode").exit_code == 0
    assert CHERRY in recorded(ws)
    path = ws.path(CHERRY)
    before = path.stat()
    ws.replace_in_file(CHERRY, "x: 0.12", "x: 0.13")  # the same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same modification time
    assert path.stat().st_size == before.st_size

    result = ws.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "~ box.x: 0.12 -> 0.13" in result.stdout


def test_a_file_changed_moments_before_it_is_read_is_not_recorded(local_workspace: Workspace) -> None:
    """A write in the same clock tick as the read could leave the signature as it was: such a read is not kept."""
    ws = local_workspace
    ws.replace_in_file(CHERRY, "x: 0.12", "x: 0.14")
    assert ws.run("plan").exit_code == 0
    assert CHERRY not in recorded(ws)


def test_a_damaged_signature_file_is_ignored(local_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = local_workspace
    monkeypatch.setattr(signatures, "SETTLED", 0.0)
    assert ws.run("apply", "--yes").exit_code == 0
    ws.path(signatures.FILE).write_text('{"version": 1, "files": {"x": [1, 2', encoding="utf-8")
    ws.replace_in_file(CHERRY, "x: 0.12", "x: 0.15")
    result = ws.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert CHERRY in recorded(ws), "rewritten"


def test_a_known_file_that_now_resolves_outside_the_repository_is_refused(
    local_workspace: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same file (inode, size, times) reached through a link to outside the repository: its signature
    matches, and still it is not trusted, as it would not be read."""
    ws = local_workspace
    monkeypatch.setattr(signatures, "SETTLED", 0.0)
    assert ws.run("apply", "--yes").exit_code == 0
    assert ws.run("plan", "--detailed-exitcode").exit_code == 0
    assert CHERRY in recorded(ws)
    outside = tmp_path_factory.mktemp("outside") / "labels"
    ws.path("labels").rename(outside)  # a rename keeps every file's inode and times: its signature
    ws.path("labels").symlink_to(outside, target_is_directory=True)

    result = ws.run("plan", "--detailed-exitcode")
    assert result.exit_code == 1, result.output
    assert f"{CHERRY}: not read: it resolves to {outside}/images/cherry_001.jpg.yaml, outside the repository" in (
        result.output
    )
