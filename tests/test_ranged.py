"""Objects that are ranges of a file: audio (milliseconds), plain text (characters, or xpaths in an HTML
document) and time series, declared, planned, applied and read back by the SDK.

A local project over the SDK-built corpus ontology, seeded from an export of corpus rows of those types and an
image row, as a user adopts one (`local init --export`, then `pull`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from corpus import CorpusRow, F, corpus_ontology, corpus_rows, sdk_label_row_for
from labelsync_workspace import Workspace, exported_project

ROWS = ("audio/audio", "plain_text/text", "plain_text/html", "time_series/time_range", "image/bounding_box")


def _corpus(name: str) -> CorpusRow:
    return next(r for r in corpus_rows() if r.name == name)


def _title(name: str) -> str:
    return str(_corpus(name).row["data_title"])


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    yield from exported_project(tmp_path, corpus_ontology(), [_corpus(name).row for name in ROWS])


def _class(ws: Workspace, shape: str) -> str:
    node = ws.remote().ontology().node(F.obj(shape))
    assert node is not None
    return str(node.name)


def _write(ws: Workspace, name: str, objects: list[dict[str, Any]]) -> Path:
    path = ws.path(f"labels/{name.replace('/', '-')}.yaml")
    path.write_text(yaml.safe_dump({"data": _title(name), "objects": objects}, sort_keys=False), encoding="utf-8")
    return path


def _stored(ws: Workspace, name: str) -> dict[str, Any]:
    data_hash = _corpus(name).row["data_hash"]
    (row,) = [r for r in ws.backend.dump(ws.root)["label_rows"] if r[0] == data_hash]
    stored: dict[str, Any] = json.loads(row[-1])
    return stored


def test_pull_writes_ranges_as_people_write_frames(ws: Workspace) -> None:
    assert ws.run("pull").exit_code == 0
    audio = yaml.safe_load(ws.path(f"labels/{_title('audio/audio')}.yaml").read_text(encoding="utf-8"))
    assert audio["objects"][0]["audio"] == ["1200-3400", "5000-6100"]
    html = yaml.safe_load(ws.path(f"labels/{_title('plain_text/html')}.yaml").read_text(encoding="utf-8"))
    assert html["objects"][0]["text"] == [
        {"start": {"xpath": "/html/body/p[2]", "offset": 4}, "end": {"xpath": "/html/body/p[2]", "offset": 19}}
    ]
    assert ws.run("plan", "--detailed-exitcode").exit_code == 0
    assert ws.run("fmt", "--check").exit_code == 0


def test_a_new_range_is_planned_applied_and_read_by_the_sdk(ws: Workspace) -> None:
    speech = _class(ws, "audio")
    _write(ws, "audio/audio", [{"id": "intro", "class": speech, "audio": ["0-850", 2000]}])
    _write(ws, "time_series/time_range", [{"id": "spike", "class": _class(ws, "time_range"), "time_range": "40-90"}])
    planned = ws.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "+ audio = 0-850, 2000" in planned.output
    assert "+ time_range = 40-90" in planned.output
    applied = ws.run("apply", "--yes", "--allow-delete", "--allow-mass-delete")
    assert applied.exit_code == 0, applied.output
    assert ws.run("plan", "--detailed-exitcode").exit_code == 0

    sdk = sdk_label_row_for(_corpus("audio/audio"))
    sdk.from_labels_dict(_stored(ws, "audio/audio"))
    (instance,) = sdk.get_object_instances()
    assert instance.ontology_item.name == speech
    assert [(r.start, r.end) for r in instance.range_list] == [(0, 850), (2000, 2000)]


@pytest.mark.parametrize(
    ("row", "shape", "geometry", "message"),
    [
        ("audio/audio", "bounding_box", {"box": {"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1}}, "objects on a audio row"),
        ("image/bounding_box", "audio", {"audio": ["0-10"]}, "its objects go on audio rows, not on image rows"),
        ("plain_text/text", "time_range", {"time_range": ["0-10"]}, "use a class of shape text"),
        ("audio/audio", "audio", {"frames": {"0": {"audio": ["0-10"]}}}, "ranges of the whole file"),
        ("audio/audio", "audio", {"audio": ["34-12"]}, '"34-12" is not a range'),
        ("audio/audio", "audio", {"audio": [[1, 2, 3]]}, "is not a range"),
        ("plain_text/text", "text", {"text": [{"start": {"xpath": "/p", "offset": 1}}]}, "is not an HTML document"),
        ("plain_text/html", "text", {"text": ["3-9"]}, "is an HTML document"),
        ("plain_text/html", "text", {"text": [{"start": {"xpath": "/p", "offset": 1}}]}, "expected {start"),
    ],
)
def test_a_range_that_does_not_fit_its_row_is_a_finding_at_its_line(
    ws: Workspace, row: str, shape: str, geometry: dict[str, Any], message: str
) -> None:
    name = f"labels/{row.replace('/', '-')}.yaml"
    _write(ws, row, [{"id": "x", "class": _class(ws, shape), **geometry}])
    before = ws.backend.dump(ws.root)
    result = ws.run("validate")
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert f"{name}:" in result.output
    assert ws.run("apply", "--yes").exit_code == 1
    assert ws.backend.dump(ws.root) == before
