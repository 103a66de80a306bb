"""Killed at any point, an apply converges: a real `python -m reconciler apply` process is SIGKILLed mid-way,
on both remotes, then run again; the final state is the desired state, no row is lost and none written twice.

"Written twice" means: a row's content written again when it already held the planned result. So every row
is written exactly once across both runs, including the row being saved at the kill (its save landed before
the kill, and the second run finds it done).

Where the kill lands, deterministically (nothing waits on the clock):
- the local project: right after the K-th bundle's transaction committed (a `sitecustomize` only the apply
  process loads wraps `LocalProject.write` and, after its K-th call, says so on a pipe and sleeps until
  killed). The apply lock is left behind; the second run is refused naming who left it, and the test does
  what the message says (removes the lock file) before running apply again.
- Encord (the real SDK against tests/fake_encord): inside the K-th save request, once the server stored the
  row and before it answers (an `after` hook kills the client): the worst moment, as the client never learns
  that its save landed, and the row's tag collections are not updated yet.
"""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_encord import FakeEncord, Fault, RequestRecord
from labelsync_workspace import SUBPROCESS_TIMEOUT, EncordBackend, Result, Workspace, make_workspace

from reconciler.remotes.local_lock import lock_path

ROWS = 8
"""The example's label files, one row each: with --bundle-size 1, eight bundles."""

KILL = """
import os
import time

if os.environ.get("LABELSYNC_TEST_KILL_AFTER"):
    after, said = (int(value) for value in os.environ["LABELSYNC_TEST_KILL_AFTER"].split(","))
    from reconciler.remotes import local

    write = local.LocalProject.write
    calls = 0

    def counted(self, writes):
        global calls
        results = write(self, writes)  # committed
        calls += 1
        if calls == after:
            os.write(said, b"written")
            time.sleep(600)  # until the test kills this process
        return results

    local.LocalProject.write = counted
"""


def start_apply(
    ws: Workspace, args: list[str], env: dict[str, str] | None = None, fds: tuple[int, ...] = ()
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", *args],
        cwd=ws.root,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=fds,
    )


def killed(process: subprocess.Popen[str]) -> Result:
    stdout, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT)
    assert process.returncode == -signal.SIGKILL, (process.returncode, stdout, stderr)
    return Result(process.returncode, stdout, stderr)


def apply_args(saved: bool) -> list[str]:
    return [*(["plan.json"] if saved else []), "--yes", "--bundle-size", "1"]


def converged(ws: Workspace) -> None:
    done = ws.run_subprocess("plan", "--detailed-exitcode")
    assert done.exit_code == 0, done.output
    assert f"across 0 label rows, 0 tag changes ({ROWS} rows unchanged" in done.stdout


# -- the local project -------------------------------------------------------------------------------------


def revisions(ws: Workspace) -> dict[tuple[str, str], int]:
    db = sqlite3.connect(ws.path(".labelsync/project.db"))
    try:
        return {(h, b): r for h, b, r in db.execute("SELECT data_hash, branch, revision FROM label_rows")}
    finally:
        db.close()


KILL_POINTS = [(1, False), (4, True), (7, False)]
"""After the first, a middle and the last-but-one bundle, planned now and from a saved plan in turn (each
point and each way costs seconds of real processes; together they cover both ends and both paths)."""


def _kill_points(flip: bool = False) -> list[Any]:
    return [
        pytest.param(after, saved != flip, id=f"{after}-{'saved-plan' if saved != flip else 'planned-now'}")
        for after, saved in KILL_POINTS
    ]


@pytest.mark.parametrize(("after", "saved"), _kill_points())
def test_a_local_apply_killed_mid_way_converges_writing_each_row_once(
    local_workspace: Workspace, after: int, saved: bool
) -> None:
    ws = local_workspace
    planned = ws.run_subprocess("plan", *(["--out", "plan.json"] if saved else []))  # creates the project
    assert planned.exit_code == 0, planned.output
    gate = ws.root.parent / "kill"
    gate.mkdir()
    (gate / "sitecustomize.py").write_text(KILL, encoding="utf-8")
    said_r, said_w = os.pipe()
    env = {"PYTHONPATH": str(gate), "LABELSYNC_TEST_KILL_AFTER": f"{after},{said_w}"}
    process = start_apply(ws, apply_args(saved), env, fds=(said_w,))
    os.close(said_w)
    try:
        readable, _, _ = select.select([said_r], [], [], SUBPROCESS_TIMEOUT)
        said = os.read(said_r, 7) if readable else b""
    finally:
        os.close(said_r)
        os.kill(process.pid, signal.SIGKILL)
    assert said == b"written", killed(process).output
    first = killed(process)
    assert "Apply complete" not in first.stdout

    assert sorted(revisions(ws).values()) == [1] * after  # the bundles committed before the kill, once each
    lock = lock_path(ws.path(".labelsync/project.db"))
    assert lock.exists()  # left by the killed apply: its flock went with it
    refused = ws.run_subprocess("apply", *apply_args(saved))
    assert refused.exit_code == 1, refused.output
    assert f"error: a stale lock left by pid {process.pid} on " in refused.stderr
    assert f"if no apply is running, remove {lock} and run apply again" in refused.stderr
    assert sorted(revisions(ws).values()) == [1] * after  # nothing written, the lock not broken
    assert lock.exists()

    lock.unlink()  # what the message says to do
    again = ws.run_subprocess("apply", *apply_args(saved))
    assert again.exit_code == 0, again.output
    rest = ROWS - after
    assert f"Apply complete: {rest} label row{'s' if rest != 1 else ''} written" in again.stdout
    assert (f"{after} already up to date" in again.stdout) is saved  # a fresh plan no longer lists them
    assert not lock.exists()
    assert sorted(revisions(ws).values()) == [1] * ROWS  # no row lost, none written twice
    converged(ws)


# -- Encord ------------------------------------------------------------------------------------------------


@pytest.fixture
def encord_ws(tmp_path: Path) -> Iterator[Workspace]:
    backend = EncordBackend()
    yield from make_workspace(tmp_path, backend)


def server(ws: Workspace) -> FakeEncord:
    assert isinstance(ws.backend, EncordBackend)
    return ws.backend.server


def saves(srv: FakeEncord) -> Counter[str]:
    """How many times the server stored each data unit's row: saves it answered with success, and the one
    it stored but never answered (the client was killed; its record has no status)."""
    stored = [r for r in srv.records("labelrow.POST") if r.status == 0 or (r.status, r.rpc_status) == (200, 200)]
    return Counter(h for r in stored for h in r.data_hashes)


def kill_in(ws: Workspace, route: str, nth: int, args: list[str]) -> list[str]:
    """Run apply with `args` and SIGKILL it inside its `nth` request to `route`, once the server has handled
    it and before it answers. Returns the data hashes that request named."""
    srv = server(ws)
    running: list[subprocess.Popen[str]] = []
    count = 0
    named: list[list[str]] = []

    def kill_the_client(record: RequestRecord) -> None:
        nonlocal count
        count += 1
        if count == nth:
            named.append(list(record.data_hashes or record.uids))
            os.kill(running[0].pid, signal.SIGKILL)
            running[0].wait(SUBPROCESS_TIMEOUT)

    srv.faults.add(Fault.after(route, kill_the_client, times=None))
    running.append(start_apply(ws, args))
    first = killed(running[0])
    srv.faults.clear()
    assert len(named) == 1, first.output
    assert "Apply complete" not in first.stdout
    return named[0]


def prepare(ws: Workspace, saved: bool) -> None:
    if saved:
        planned = ws.run_subprocess("plan", "--out", "plan.json")
        assert planned.exit_code == 0, planned.output
    server(ws).clear_log()


@pytest.mark.parametrize(("after", "saved"), _kill_points(flip=True))
def test_an_encord_apply_killed_between_bundles_converges_saving_each_row_once(
    encord_ws: Workspace, after: int, saved: bool
) -> None:
    """Killed as bundle K+1 begins: its row was just created (empty) on the server, nothing saved to it."""
    ws, srv = encord_ws, server(encord_ws)
    prepare(ws, saved)
    kill_in(ws, "labelrow.PUT", after + 1, apply_args(saved))
    assert sum(saves(srv).values()) == after

    again = ws.run_subprocess("apply", *apply_args(saved))
    assert again.exit_code == 0, again.output
    assert (f"{after} already up to date" in again.stdout) is saved
    converged(ws)
    counts = saves(srv)
    assert set(counts) == managed_hashes(ws)  # no row lost
    assert set(counts.values()) == {1}, counts  # none saved twice


@pytest.mark.parametrize("after", [4])
def test_an_encord_apply_killed_inside_a_save_converges(encord_ws: Workspace, after: int) -> None:
    """Killed inside the K-th save, once the server stored it and before it answers: the row's labels landed,
    its tag collections were not updated. Run again (planning now), apply converges, writing every other row
    once; the killed row is saved a second time with the same labels, along with its tags (see below)."""
    ws, srv = encord_ws, server(encord_ws)
    prepare(ws, False)
    (killed_row,) = kill_in(ws, "labelrow.POST", after, apply_args(False))
    assert sum(saves(srv).values()) == after  # the K-th landed before the kill

    again = ws.run_subprocess("apply", *apply_args(False))
    assert again.exit_code == 0, again.output
    converged(ws)
    counts = saves(srv)
    assert set(counts) == managed_hashes(ws)  # no row lost
    assert {h: n for h, n in counts.items() if n != 1} in ({}, {killed_row: 2})
    stored = [r for r in srv.records("labelrow.POST") if killed_row in r.data_hashes]
    assert len(stored) <= 2


def test_an_encord_row_killed_inside_its_save_is_not_saved_again(encord_ws: Workspace) -> None:
    ws, srv = encord_ws, server(encord_ws)
    prepare(ws, False)
    (killed_row,) = kill_in(ws, "labelrow.POST", 1, apply_args(False))
    again = ws.run_subprocess("apply", *apply_args(False))
    assert again.exit_code == 0, again.output
    assert saves(srv)[killed_row] == 1


def test_an_encord_saved_plan_killed_inside_a_save_converges_when_run_again(encord_ws: Workspace) -> None:
    ws = encord_ws
    prepare(ws, True)
    kill_in(ws, "labelrow.POST", 1, apply_args(True))
    again = ws.run_subprocess("apply", *apply_args(True))
    assert again.exit_code == 0, again.output


def managed_hashes(ws: Workspace) -> set[str]:
    """The data hashes the example's label files name (by title or by hash)."""
    units = ws.data_units()
    found = set()
    for path in sorted(ws.path("labels").rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and ("data" in doc or "data_hash" in doc):
            found.add(units[doc["data"]].hash if "data" in doc else str(doc["data_hash"]))
    assert len(found) == ROWS
    return found
