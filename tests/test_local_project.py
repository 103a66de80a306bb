"""The embedded local project as a user meets it: its export, its import, and a damaged or busy file.

These scenarios are about the SQLite file itself, so they run on the local backend only
(`local_workspace`); everything else a user does is in test_scenarios.py, for every backend.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from encord.objects.coordinates import BoundingBoxCoordinates
from labelsync_workspace import Workspace

from reconciler.remotes.local import listed_rows_query

DATABASE = ".labelsync/project.db"
CHERRY = "labels/images/cherry_001.jpg.yaml"


@pytest.fixture
def applied(local_workspace: Workspace) -> Workspace:
    result = local_workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    return local_workspace


def export(ws: Workspace) -> list[dict[str, Any]]:
    result = ws.run("local", "export", "--out", "rows.json")
    assert result.exit_code == 0, result.output
    assert "Wrote 8 label rows to rows.json." in result.stderr
    rows: list[dict[str, Any]] = json.loads(ws.path("rows.json").read_text(encoding="utf-8"))
    return rows


def declared(ws: Workspace) -> dict[str, tuple[int, int]]:
    """Data unit title -> (objects, classifications) its label file declares."""
    titles = {unit.hash: title for title, unit in ws.data_units().items()}
    counts = {}
    for path in ws.path("labels").rglob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and ("data" in doc or "data_hash" in doc):
            title = doc.get("data") or titles[doc["data_hash"]]
            counts[title] = (len(doc.get("objects", [])), len(doc.get("classifications", [])))
    return counts


def test_export_is_read_by_the_encord_sdk(applied: Workspace) -> None:
    rows = {row["data_title"]: applied.sdk_row(row) for row in export(applied)}
    counts = {
        title: (len(row.get_object_instances()), len(row.get_classification_instances()))
        for title, row in rows.items()
    }
    assert counts == declared(applied)
    cherry = {o.object_hash: o for o in rows["cherry_001.jpg"].get_object_instances()}
    box = cherry[applied.label_hash("cherry_001.jpg", "cherry-1")].get_annotation(0).coordinates
    assert isinstance(box, BoundingBoxCoordinates)
    assert (box.top_left_x, box.top_left_y, box.width, box.height) == pytest.approx((0.12, 0.2, 0.22, 0.3))
    video = {o.object_hash: o for o in rows["orchard_walk.mp4"].get_object_instances()}
    person = video[applied.label_hash("orchard_walk.mp4", "person-1")]
    assert sorted(a.frame for a in person.get_annotations()) == list(range(3, 10))


def test_a_project_imported_from_an_export_matches_the_files(applied: Workspace) -> None:
    export(applied)
    result = applied.run(
        "local", "init", "--export", "rows.json", "--ontology", "labels/ontology.json", "--database", "other.db"
    )
    assert result.exit_code == 0, result.output
    assert "Created the local project other.db: 8 data units, 8 label rows." in result.stderr
    applied.replace_in_file("labelsync.yaml", f"database: {DATABASE}", "database: other.db")
    planned = applied.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    assert "labelsync plan against local project other.db" in planned.stdout
    assert "No changes: the remote matches the label files." in planned.stdout
    assert "(8 rows unchanged, 0 unmanaged)" in planned.stdout


def test_init_refuses_to_replace_a_project(applied: Workspace) -> None:
    before = applied.dump()
    result = applied.run(
        "local", "init", "--manifest", "labels/manifest.yaml", "--ontology", "labels/ontology.json"
    )
    assert result.exit_code == 1, result.output
    assert "exists already: add --force to replace it" in result.stderr
    assert applied.dump() == before


@pytest.mark.parametrize("command", [["plan"], ["apply", "--yes"]], ids=["plan", "apply"])
def test_an_unreadable_database_is_reported_and_left_alone(local_workspace: Workspace, command: list[str]) -> None:
    database = local_workspace.path(DATABASE)
    database.parent.mkdir()
    garbage = bytes(range(256)) * 16
    database.write_bytes(garbage)
    result = local_workspace.run(*command)
    assert result.exit_code == 1, result.output
    assert f"error: cannot read the local project {database}: file is not a database" in result.stderr
    assert "Traceback" not in result.output
    assert database.read_bytes() == garbage


def test_a_locked_database_fails_apply_cleanly(applied: Workspace) -> None:
    applied.edit_label_file(CHERRY, lambda d: d["objects"][0]["box"].update(x=0.3))
    before = applied.dump()
    other = sqlite3.connect(applied.path(DATABASE), isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # another program is writing
        started = time.monotonic()
        result = applied.run_subprocess("apply", "--yes")  # a subprocess: a hang fails on its timeout
        waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1, result.output
    assert "is locked" in result.stderr and "is another labelsync running?" in result.stderr
    assert "Traceback" not in result.output
    assert waited < 60
    assert applied.dump() == before


def test_the_database_is_where_the_config_says(local_workspace: Workspace) -> None:
    assert not Path(local_workspace.path(DATABASE)).exists()
    result = local_workspace.run("plan")
    assert result.exit_code == 0, result.output
    assert "Created the local project .labelsync/project.db from labels/manifest.yaml." in result.stderr
    assert local_workspace.path(DATABASE).is_file()


def _listing_plan(ws: Workspace) -> str:
    db = sqlite3.connect(ws.path(DATABASE), isolation_level=None)
    try:
        steps = db.execute("EXPLAIN QUERY PLAN " + listed_rows_query(2), ("main", "review")).fetchall()
    finally:
        db.close()
    return " ".join(str(step[-1]) for step in steps)


def test_a_listing_reads_an_index_not_the_rows_bodies(applied: Workspace) -> None:
    """A no-change plan of a big project reads the listing index (a few MB), never the label dicts."""
    assert "COVERING INDEX label_rows_listed" in _listing_plan(applied)
    db = sqlite3.connect(applied.path(DATABASE), isolation_level=None)
    try:
        db.execute("DROP INDEX label_rows_listed")  # a project made before the index
    finally:
        db.close()
    assert "COVERING INDEX" not in _listing_plan(applied)
    path = applied.path(CHERRY)
    path.write_text(path.read_text(encoding="utf-8").replace("x: 0.12", "x: 0.13", 1), encoding="utf-8")
    result = applied.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    assert "COVERING INDEX label_rows_listed" in _listing_plan(applied)
