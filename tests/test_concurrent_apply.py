"""Applies at once never duplicate and always converge.

The local project: two real `python -m reconciler apply --yes` processes on one SQLite file. One holds
the apply lock (it is stopped at its first write by a gate: a pipe it waits on, installed by a
`sitecustomize` only that process loads), the other fails at once naming it; a lock left behind by a
dead process is reported with who left it, never broken. Encord (the real SDK against tests/fake_encord):
same-named tag collections are one tag and converge, a collection another run created meanwhile is used
rather than made twice, and an edit landing between apply's fetch and its save is skipped, never
overwritten. Nothing waits on the clock: processes meet through pipes, the fake through its hooks.
"""

from __future__ import annotations

import json
import os
import select
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fake_encord import FakeEncord, Fault, RequestRecord
from labelsync_workspace import SUBPROCESS_TIMEOUT, EncordBackend, Result, Workspace, make_workspace

from reconciler.identity import label_hash
from reconciler.remotes.local_lock import apply_lock, lock_path

CHERRY = "labels/images/cherry_001.jpg.yaml"
BLUEBERRY = "labels/images/blueberry_002.jpg.yaml"

GATE = """
import os

if os.environ.get("LABELSYNC_TEST_GATE"):
    ready, go = (int(fd) for fd in os.environ["LABELSYNC_TEST_GATE"].split(","))
    from reconciler.remotes import local

    def wait_once():
        global ready
        if ready >= 0:  # the first time only: say where it is, wait for the test to let go
            os.write(ready, b"ready")
            os.close(ready)
            ready = -1
            os.read(go, 1)

    if os.environ["LABELSYNC_TEST_GATE_AT"] == "create":  # about to create the project it found missing
        create = local.create_project

        def gated_create(*args, **kwargs):
            wait_once()
            return create(*args, **kwargs)

        local.create_project = gated_create
    else:  # at its first write, holding the apply lock
        write = local.LocalProject.write

        def gated_write(self, writes):
            wait_once()
            return write(self, writes)

        local.LocalProject.write = gated_write
"""


# -- the local project -----------------------------------------------------------------------------------


@pytest.fixture
def local_ws(local_workspace: Workspace) -> Workspace:
    """The example on a local project that exists (a first plan creates it) and holds no label row yet."""
    created = local_workspace.run("plan")
    assert created.exit_code == 0, created.output
    return local_workspace


def database(ws: Workspace) -> Path:
    return ws.path(".labelsync/project.db")


def revisions(ws: Workspace) -> dict[tuple[str, str], int]:
    """Each label row's revision: 1 for a row written once."""
    db = sqlite3.connect(database(ws))
    try:
        return {(h, b): r for h, b, r in db.execute("SELECT data_hash, branch, revision FROM label_rows")}
    finally:
        db.close()


def start_apply(
    ws: Workspace, gate: tuple[int, int] | None = None, gate_at: str = "write"
) -> subprocess.Popen[str]:
    """`python -m reconciler apply --yes` in the workspace, running; with `gate` (write end of the `ready`
    pipe, read end of the `go` pipe) it stops until told to go: at its first write, holding the lock, or
    (`gate_at="create"`) just before it creates the local project it found missing."""
    env = dict(os.environ)
    if gate is not None:
        gate_dir = ws.root.parent / "gate"
        gate_dir.mkdir(exist_ok=True)
        (gate_dir / "sitecustomize.py").write_text(GATE, encoding="utf-8")
        env["PYTHONPATH"] = os.pathsep.join([str(gate_dir), *filter(None, [env.get("PYTHONPATH")])])
        env["LABELSYNC_TEST_GATE"] = f"{gate[0]},{gate[1]}"
        env["LABELSYNC_TEST_GATE_AT"] = gate_at
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--yes"],
        cwd=ws.root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=gate or (),
    )


def finish(process: subprocess.Popen[str]) -> Result:
    stdout, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT)
    return Result(process.returncode, stdout, stderr)


@contextmanager
def gated_apply(ws: Workspace, at: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """An apply process stopped at its gate (see `start_apply`); and the pipe that lets it go."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    first = start_apply(ws, gate=(ready_w, go_r), gate_at=at)
    os.close(ready_w)
    os.close(go_r)
    try:
        readable, _, _ = select.select([ready_r], [], [], SUBPROCESS_TIMEOUT)
        said = os.read(ready_r, 5) if readable else b""
        if said != b"ready":
            first.kill()
            pytest.fail(f"the apply never reached its gate ({at}):\n{finish(first).output}")
        yield first, go_w
    finally:
        os.close(ready_r)
        if first.poll() is None:
            os.close(go_w)  # a test that failed early: let it finish (EOF on the gate)
            finish(first)
        else:
            os.close(go_w)


@pytest.fixture
def held(local_ws: Workspace) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """An apply process stopped at its first write, holding the apply lock; and the pipe that lets it go."""
    with gated_apply(local_ws, "write") as gated:
        yield gated


def test_a_second_apply_while_one_writes_fails_at_once_naming_it(
    local_ws: Workspace, held: tuple[subprocess.Popen[str], int]
) -> None:
    first, go = held
    lock = lock_path(database(local_ws))
    holder = json.loads(lock.read_text(encoding="utf-8"))
    assert (holder["pid"], holder["host"], holder["command"]) == (
        first.pid,
        socket.gethostname(),
        "labelsync apply --yes",
    )
    before = local_ws.dump()

    second = local_ws.run_subprocess("apply", "--yes")
    assert second.exit_code == 1, second.output
    assert (
        f"error: another apply is writing to this local project: pid {first.pid} on {socket.gethostname()}"
        f" (since {holder['started_at']}, user {holder['user']}, `labelsync apply --yes`) holds the apply lock {lock};"
        " wait for it to finish, then plan again"
    ) in second.stderr
    assert "Apply complete" not in second.stdout
    assert local_ws.dump() == before  # nothing written by either yet

    planned = local_ws.run_subprocess("plan", "--detailed-exitcode")  # reading never takes the lock
    assert planned.exit_code == 2, planned.output

    os.write(go, b"g")
    done = finish(first)
    assert done.exit_code == 0, done.output
    assert "Apply complete: 8 label rows written" in done.stdout
    assert not lock.exists()
    assert set(revisions(local_ws).values()) == {1}  # every row written once
    converged = local_ws.run_subprocess("plan", "--detailed-exitcode")
    assert converged.exit_code == 0, converged.output


def test_two_applies_started_together_write_each_row_once_and_converge(local_ws: Workspace) -> None:
    """No gate: whichever way the two interleave, one applies; the other finds nothing left to do, finds
    the rows already as planned, or is refused by the lock. Never a row written twice."""
    processes = [start_apply(local_ws), start_apply(local_ws)]
    results = [finish(p) for p in processes]
    assert sorted(r.exit_code for r in results) in ([0, 0], [0, 1]), [r.output for r in results]
    for result in results:
        if result.exit_code == 1:
            assert "error: another apply is writing to this local project: pid " in result.stderr, result.output
    assert sum("8 label rows written" in r.stdout for r in results) == 1, [r.stdout for r in results]
    assert len(revisions(local_ws)) == 8
    assert set(revisions(local_ws).values()) == {1}
    assert not lock_path(database(local_ws)).exists()
    assert local_ws.run_subprocess("plan", "--detailed-exitcode").exit_code == 0


def test_a_project_another_first_run_created_meanwhile_is_used_not_replaced(local_workspace: Workspace) -> None:
    """Two first applies on a fresh checkout (no local project yet): the later one found the project
    missing, and another apply created it and applied everything before the later one got to creating
    its own. The later one opens that project; it does not replace it with an empty one and apply again."""
    with gated_apply(local_workspace, "create") as (late, go):
        assert not database(local_workspace).exists()
        first = local_workspace.run_subprocess("apply", "--yes")
        assert first.exit_code == 0, first.output
        assert "Created the local project .labelsync/project.db" in first.stderr
        assert "Apply complete: 8 label rows written" in first.stdout
        os.write(go, b"g")
        done = finish(late)
    assert done.exit_code == 0, done.output
    assert "Created the local project" not in done.stderr
    assert "label rows written" not in done.stdout, done.stdout
    assert "No changes" in done.stdout, done.stdout
    assert set(revisions(local_workspace).values()) == {1} and len(revisions(local_workspace)) == 8
    assert local_workspace.run_subprocess("plan", "--detailed-exitcode").exit_code == 0


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_stale_lock_is_reported_with_who_left_it_and_never_broken(local_ws: Workspace) -> None:
    lock = lock_path(database(local_ws))
    pid, host = dead_pid(), socket.gethostname()
    left = {
        "pid": pid,
        "host": host,
        "user": "ana",
        "command": "labelsync apply --yes",
        "started_at": "2025-05-01T10:00:00+00:00",
    }
    lock.write_text(json.dumps(left), encoding="utf-8")
    before = local_ws.dump()

    refused = local_ws.run_subprocess("apply", "--yes")
    assert refused.exit_code == 1, refused.output
    assert (
        f"error: a stale lock left by pid {pid} on {host} (started 2025-05-01T10:00:00+00:00, user ana,"
        f" `labelsync apply --yes`): no process holds it (the apply it belonged to may have stopped half way);"
        f" if no apply is running, remove {lock} and run apply again"
    ) in refused.stderr
    assert json.loads(lock.read_text(encoding="utf-8")) == left  # not broken, not rewritten
    assert local_ws.dump() == before
    assert local_ws.run_subprocess("plan", "--detailed-exitcode").exit_code == 2  # plans still read

    lock.unlink()  # what the message says to do
    applied = local_ws.run_subprocess("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    assert not lock.exists()


def test_a_lock_file_that_does_not_say_who_is_reported_as_stale(local_ws: Workspace) -> None:
    lock = lock_path(database(local_ws))
    lock.write_text("", encoding="utf-8")
    refused = local_ws.run_subprocess("apply", "--yes")
    assert refused.exit_code == 1, refused.output
    assert (
        "error: a stale lock left by an unknown process (the lock file does not say who): no process holds it"
        in (refused.stderr)
    )
    assert lock.read_text(encoding="utf-8") == ""


def test_the_lock_is_released_when_apply_fails_and_a_dry_run_never_takes_it(local_ws: Workspace) -> None:
    lock = lock_path(database(local_ws))
    with apply_lock(database(local_ws), "labelsync apply plan.json"):
        dry = local_ws.run_subprocess("apply", "--dry-run")
        assert dry.exit_code == 0, dry.output
    assert not lock.exists()
    # A lock this process holds is live: another process is refused however long it has been held.
    with apply_lock(database(local_ws), "labelsync apply plan.json"):
        refused = local_ws.run_subprocess("apply", "--yes")
        assert refused.exit_code == 1, refused.output
        assert f"pid {os.getpid()} on " in refused.stderr and "`labelsync apply plan.json`" in refused.stderr
    assert local_ws.run_subprocess("apply", "--yes").exit_code == 0


# -- Encord ----------------------------------------------------------------------------------------------


@pytest.fixture
def encord_ws(tmp_path: Path) -> Iterator[Workspace]:
    backend = EncordBackend()
    yield from make_workspace(tmp_path, backend)
    assert not backend.server.errors, f"fake-encord crashed or a hook failed: {backend.server.errors!r}"


@pytest.fixture
def applied(encord_ws: Workspace) -> Workspace:
    result = encord_ws.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    server(encord_ws).clear_log()
    return encord_ws


def server(ws: Workspace) -> FakeEncord:
    assert isinstance(ws.backend, EncordBackend)
    return ws.backend.server


def project(ws: Workspace) -> str:
    assert isinstance(ws.backend, EncordBackend)
    return ws.backend.project


def named(ws: Workspace, name: str, kind: str = "FRAME") -> list[dict[str, Any]]:
    return [c for c in server(ws).collections(project(ws)) if (c["name"], c["type"]) == (name, kind)]


def items(ws: Workspace, collection: dict[str, Any]) -> set[tuple[str, int, str | None]]:
    return set(server(ws).collection_items(collection["uuid"]))


def test_same_named_collections_are_one_tag_and_a_removal_converges(applied: Workspace) -> None:
    """What two applies at once used to leave: a second `outdoor` collection. It is read as part of the tag,
    a removal takes the item out of both, and adding goes to the oldest."""
    units = applied.data_units()
    cherry, persimmon, blueberry = (
        units[t].hash for t in ("cherry_001.jpg", "persimmon_004.jpg", "blueberry_002.jpg")
    )
    (original,) = named(applied, "outdoor")
    server(applied).add_collection(project(applied), "outdoor", items=[(cherry, 0, None), (persimmon, 0, None)])
    original, duplicate = named(applied, "outdoor")

    planned = applied.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output  # persimmon's `outdoor`, from the duplicate only
    assert "persimmon_004.jpg" in planned.stdout and "cherry_001.jpg" not in planned.stdout
    assert "- tag outdoor" in planned.stdout

    applied.edit_label_file(CHERRY, lambda d: d.update(tags=["reviewed"]))
    result = applied.run("apply", "--yes", "--allow-delete")
    assert result.exit_code == 0, result.output
    assert items(applied, original) == items(applied, duplicate) == set()
    again = applied.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output

    applied.edit_label_file(BLUEBERRY, lambda d: d.update(tags=["macro", "outdoor"]))
    added = applied.run("apply", "--yes")
    assert added.exit_code == 0, added.output
    assert (items(applied, original), items(applied, duplicate)) == ({(blueberry, 0, None)}, set())
    assert len(named(applied, "outdoor")) == 2  # none created
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_collection_another_run_created_meanwhile_is_used_not_created_again(applied: Workspace) -> None:
    """Between this apply's reading of the collections and its tagging, another run creates `sunny`: the
    collections are listed again right before creating one, so there is still one `sunny`."""
    srv = server(applied)
    applied.edit_label_file(CHERRY, lambda d: d.update(tags=["outdoor", "reviewed", "sunny"]))
    saved = applied.run("plan", "--out", "plan.json")
    assert saved.exit_code == 0, saved.output
    others: list[str] = []

    reads: list[RequestRecord] = []

    def another_run_creates_it(record: RequestRecord) -> None:
        reads.append(record)
        if len(reads) == 2:  # the listing, then the read right before the save (a tags-only row is not saved)
            others.append(srv.add_collection(project(applied), "sunny", description="Managed by labelsync"))

    srv.faults.add(Fault.after("labelrowmetadata.GET", another_run_creates_it, times=None))  # before the tags
    result = applied.run("apply", "plan.json", "--yes")
    assert result.exit_code == 0, result.output
    assert len(others) == 1
    cherry = applied.data_units()["cherry_001.jpg"].hash
    assert [(c["uuid"], items(applied, c)) for c in named(applied, "sunny")] == [(others[0], {(cherry, 0, None)})]
    assert srv.count("POST /v2/public/active/*/collections") == 0
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0


def move_cherry_2(ws: Workspace, cherry: str, x: float, edited_at: datetime | None = None) -> dict[str, Any]:
    """An annotator moves cherry-2 of cherry_001.jpg (data hash `cherry`) in Encord's editor (at `edited_at`,
    else now), through the server's own store: no request."""
    srv = server(ws)
    row = srv.get_label_row(project(ws), cherry)
    assert row is not None
    target = label_hash(cherry, "main", "cherry-2")
    for unit in row["data_units"].values():
        for obj in unit["labels"].get("objects", []):
            if obj["objectHash"] == target:
                obj["boundingBox"]["x"] = x
    srv.put_label_row(project(ws), row, edited_at=edited_at)
    edited = srv.get_label_row(project(ws), cherry)
    assert edited is not None
    return edited


def test_an_edit_between_applys_fetch_and_its_save_is_skipped_never_overwritten(applied: Workspace) -> None:
    """The row was last edited an hour ago (so the edit below has another `last_edited_at`, whatever the
    clock says); the annotator's edit lands right after apply's fetch answered. The metadata read right
    before the save sees it: the row is skipped (exit 4), the edit survives, and a new plan shows it."""
    srv, cherry = server(applied), applied.data_units()["cherry_001.jpg"].hash
    move_cherry_2(
        applied, cherry, 0.38, edited_at=datetime.now(timezone.utc) - timedelta(hours=1)
    )  # no change, backdated
    applied.edit_label_file(CHERRY, lambda d: d["objects"][0]["box"].update(x=0.3))
    saved = applied.run("plan", "--out", "plan.json")
    assert saved.exit_code == 0, saved.output
    srv.clear_log()
    edits: list[dict[str, Any]] = []
    srv.faults.add(Fault.after("labelrow.GET", lambda record: edits.append(move_cherry_2(applied, cherry, 0.5))))

    result = applied.run("apply", "plan.json", "--yes")
    assert len(edits) == 1
    assert result.exit_code == 4, result.output
    assert (
        "skipped: cherry_001.jpg was edited after the plan, while apply was saving it; nothing was overwritten."
        " Run `labelsync plan` to see the edit."
    ) in result.stderr
    assert srv.get_label_row(project(applied), cherry) == edits[0]
    # The fetch, then the one metadata read that saw the edit; no save.
    assert [r.route for r in srv.records("labelrow*")] == [
        "labelrowmetadata.GET",
        "labelrow.GET",
        "labelrowmetadata.GET",
    ]

    replanned = applied.run("plan", "--detailed-exitcode")
    assert replanned.exit_code == 2, replanned.output
    assert "~ box.x: 0.5 -> 0.38" in replanned.stdout
    assert applied.run("apply", "--yes").exit_code == 0
    assert applied.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_row_edited_right_before_the_save_does_not_hold_up_the_others_of_its_bundle(applied: Workspace) -> None:
    """Two rows in one bundle; the annotator edits one of them after the fetch: that one is skipped, the other
    is saved with its own content."""
    srv, cherry = server(applied), applied.data_units()["cherry_001.jpg"].hash
    move_cherry_2(applied, cherry, 0.38, edited_at=datetime.now(timezone.utc) - timedelta(hours=1))
    applied.edit_label_file(CHERRY, lambda d: d["objects"][0]["box"].update(x=0.3))
    applied.replace_in_file("labels/images/persimmon_004.jpg.yaml", "[0.42, 0.35]", "[0.45, 0.35]")
    assert applied.run("plan", "--out", "plan.json").exit_code == 0
    srv.faults.add(Fault.after("labelrow.GET", lambda record: move_cherry_2(applied, cherry, 0.5)))

    result = applied.run("apply", "plan.json", "--yes")
    assert result.exit_code == 4, result.output
    assert "Apply complete: 1 label row written" in result.stdout
    assert applied.labels("cherry_001.jpg")["cherry-2"]["box.x"] == 0.5  # the edit stands
    replanned = applied.run("plan", "--detailed-exitcode")
    assert "persimmon_004.jpg" not in replanned.stdout and "cherry_001.jpg" in replanned.stdout  # saved as planned
