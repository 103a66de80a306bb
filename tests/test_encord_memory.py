"""Encord rows remembered between runs (`remote.remember_rows`, reconciler/remotes/encord/remembered.py).

Encord's listing carries each row's edit time, not its content; labelsync remembers, per row it reads,
that time, the row's tag items and its fingerprint, so a later plan fetches only rows edited or tagged
since. These tests turn it on (the shared workspace turns it off so request counts elsewhere do not depend
on timing) and check what users rely on: no fetch when nothing changed, and every edit or tag made on the
remote still found.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from labelsync_workspace import EncordBackend, Workspace, make_workspace
from test_encord_remote import TITLES, annotator_moves_cherry_2, project, server, set_remote

from reconciler.remotes.encord import remembered

SOON = timedelta(seconds=30)
"""How far ahead of now the tests date the remote's edits: never the second of an earlier read."""


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """The example applied on a fake Encord project with `remember_rows` on, and every row's edit dated an
    hour ago (so reads remember them: `SETTLED`); the request log starts empty."""
    backend = EncordBackend()
    for workspace in make_workspace(tmp_path, backend):
        set_remote(workspace, remember_rows=True)
        assert workspace.run("apply", "--yes").exit_code == 0
        srv, hour_ago = backend.server, datetime.now(timezone.utc) - timedelta(hours=1)
        for title in TITLES:
            row = srv.get_label_row(project(workspace), workspace.data_units()[title].hash)
            assert row is not None
            srv.put_label_row(project(workspace), row, edited_at=hour_ago)
        srv.clear_log()
        yield workspace


def fetched(ws: Workspace) -> int:
    """Rows fetched since the log was cleared (over every labelrow.GET request)."""
    return sum(r.n for r in server(ws).records("labelrow.GET"))


def test_a_plan_after_a_read_fetches_no_row_that_has_not_changed(ws: Workspace) -> None:
    first = ws.run("plan", "--detailed-exitcode")
    assert first.exit_code == 0, first.output
    assert fetched(ws) == len(TITLES), "nothing remembered yet: every managed row is read"
    assert ws.path(remembered.FILE).is_file()
    server(ws).clear_log()

    again = ws.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes: the remote matches the label files." in again.stdout
    assert fetched(ws) == 0


def test_an_edit_on_the_remote_is_found_by_its_edit_time(ws: Workspace) -> None:
    assert ws.run("plan").exit_code == 0
    edit = annotator_moves_cherry_2(ws)
    row = edit()
    server(ws).put_label_row(project(ws), row, edited_at=datetime.now(timezone.utc) + SOON)
    server(ws).clear_log()

    drift = ws.run("plan", "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output
    assert "~ box.x: 0.5 -> " in drift.stdout, "the annotator's move shows as drift to undo"
    assert fetched(ws) == 1, "only the edited row is read"


def test_a_tag_added_on_the_remote_is_found_though_the_row_was_not_edited(ws: Workspace) -> None:
    assert ws.run("plan").exit_code == 0
    srv = server(ws)
    cherry = ws.data_units()["cherry_001.jpg"].hash
    srv.add_collection(project(ws), "someone-elses-tag", items=[(cherry, 0, None)])
    srv.clear_log()

    drift = ws.run("plan", "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output
    assert "someone-elses-tag" in drift.stdout
    assert fetched(ws) == 1


def test_a_read_right_after_an_edit_is_not_remembered(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit in the same second as a read would keep the row's edit time: such reads are not trusted."""
    monkeypatch.setattr(remembered, "SETTLED", 24 * 3600.0)
    assert ws.run("plan").exit_code == 0
    server(ws).clear_log()
    assert ws.run("plan").exit_code == 0
    assert fetched(ws) == len(TITLES)


def test_a_damaged_memory_file_is_read_as_none(ws: Workspace) -> None:
    ws.path(remembered.FILE).parent.mkdir(exist_ok=True)
    ws.path(remembered.FILE).write_text('{"version": "1", "rows": [1, 2', encoding="utf-8")
    result = ws.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert fetched(ws) == len(TITLES)
