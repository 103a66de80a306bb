"""What labelsync cannot declare loads, is said, and blocks nothing else.

A project over the SDK-built corpus ontology (every one of the SDK's 15 shapes) with an image row and
a PDF row: every command loads it; a file naming a class of a shape labelsync cannot declare is a
finding at its line; a file naming a row of a data type it cannot declare is skipped with a warning
while the other files are planned and applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus import F, corpus_ontology, corpus_rows
from labelsync_workspace import Workspace, exported_project

from reconciler.model import Shape


def _row(name: str) -> dict[str, object]:
    return next(r.row for r in corpus_rows() if r.name == name)


@pytest.fixture
def corpus_workspace(tmp_path: Path) -> Iterator[Workspace]:
    yield from exported_project(tmp_path, corpus_ontology(), [_row("image/all"), _row("pdf/all")])


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
    image, pdf = _title("image/all"), _title("pdf/all")
    corpus_workspace.path("labels/pdf.yaml").write_text(f"data: {pdf}\nobjects: []\n", encoding="utf-8")
    corpus_workspace.path("labels/image.yaml").write_text(
        f"data: {image}\nprune: false\nobjects:\n"
        f"  - id: round\n    class: {circle.name}\n    circle: {{x: 0.5, y: 0.5, r: 0.1}}\n",
        encoding="utf-8",
    )
    before = corpus_workspace.backend.dump(corpus_workspace.root)
    plan = corpus_workspace.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert "labels/pdf.yaml:1" in plan.output and "type pdf" in plan.output
    assert "1 to add" in plan.output
    assert "cannot declare yet, kept as they are" in plan.output  # the image row's cuboid
    applied = corpus_workspace.run("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    after = corpus_workspace.backend.dump(corpus_workspace.root)
    pdf_hash = str(_row("pdf/all")["data_hash"])
    assert [r for r in before["label_rows"] if r[0] == pdf_hash] == [r for r in after["label_rows"] if r[0] == pdf_hash]
    assert corpus_workspace.run("plan", "--detailed-exitcode").exit_code == 0
