"""What labelsync cannot declare loads, is said, and blocks nothing else.

A project over the SDK-built corpus ontology (every one of the SDK's 15 shapes) with an image row and
an audio row: every command loads it; a file naming a class of a shape labelsync cannot declare is a
finding at its line; a file naming a row of a data type it cannot declare is skipped with a warning
while the other files are planned and applied.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus import F, corpus_ontology, corpus_rows
from labelsync_workspace import LocalBackend, Workspace

from reconciler.model import Shape

CONFIG = """labels: labels
ontology: labels/ontology.json
remote: {kind: local, database: .labelsync/project.db}
"""


def _row(name: str) -> dict[str, object]:
    return next(r.row for r in corpus_rows() if r.name == name)


@pytest.fixture
def corpus_workspace(tmp_path: Path) -> Iterator[Workspace]:
    root = tmp_path / "project"
    (root / "labels").mkdir(parents=True)
    (root / "labelsync.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "labels" / "ontology.json").write_text(json.dumps(corpus_ontology()), encoding="utf-8")
    export = tmp_path / "export.json"
    export.write_text(json.dumps([_row("image/all"), _row("audio/all")]), encoding="utf-8")
    backend = LocalBackend()
    backend.prepare(root)
    ws = Workspace(root, backend)
    created = ws.run("local", "init", "--ontology", "labels/ontology.json", "--export", str(export))
    assert created.exit_code == 0, created.output
    yield ws
    ws.close()


def _title(name: str) -> str:
    return str(_row(name)["data_title"])


def test_a_class_of_a_shape_labelsync_cannot_declare_is_a_finding_at_its_line(corpus_workspace: Workspace) -> None:
    cuboid = corpus_workspace.remote().ontology().node(F.obj(Shape.CUBOID))
    assert cuboid is not None
    file = corpus_workspace.path("labels/scan.yaml")
    file.write_text(
        f"data: {_title('image/all')}\nobjects:\n  - id: c1\n    class: {cuboid.name}\n    box: {{x: 0.1, y: 0.1, w: 0.1, h: 0.1}}\n",
        encoding="utf-8",
    )
    result = corpus_workspace.run("validate")
    assert result.exit_code == 1
    assert "labels/scan.yaml:4" in result.output
    assert "cannot declare cuboid labels" in result.output


def test_a_file_for_a_row_labelsync_cannot_declare_is_skipped_and_blocks_no_other(
    corpus_workspace: Workspace,
) -> None:
    circle = corpus_workspace.remote().ontology().node(F.obj(Shape.CIRCLE))
    assert circle is not None
    image, audio = _title("image/all"), _title("audio/all")
    corpus_workspace.path("labels/audio.yaml").write_text(f"data: {audio}\nobjects: []\n", encoding="utf-8")
    corpus_workspace.path("labels/image.yaml").write_text(
        f"data: {image}\nprune: false\nobjects:\n"
        f"  - id: round\n    class: {circle.name}\n    circle: {{x: 0.5, y: 0.5, r: 0.1}}\n",
        encoding="utf-8",
    )
    before = corpus_workspace.backend.dump(corpus_workspace.root)
    plan = corpus_workspace.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert "labels/audio.yaml:1" in plan.output and "type audio" in plan.output
    assert "1 to add" in plan.output
    assert "cannot declare yet, kept as they are" in plan.output  # the image row's cuboid
    applied = corpus_workspace.run("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    after = corpus_workspace.backend.dump(corpus_workspace.root)
    audio_hash = str(_row("audio/all")["data_hash"])
    assert [r for r in before["label_rows"] if r[0] == audio_hash] == [
        r for r in after["label_rows"] if r[0] == audio_hash
    ]
    assert corpus_workspace.run("plan", "--detailed-exitcode").exit_code == 0
