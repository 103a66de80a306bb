"""Label files parsed in worker processes give what parsing them in this process gives, in the same order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler import parallel
from reconciler.desired.loading import DesiredState, ParseContext, load_desired, read_sources
from reconciler.remotes.open import load_ontology

ONTOLOGY = load_ontology(Path(__file__).resolve().parent.parent / "labels" / "ontology.json")
BOX = "{x: 0.1, y: 0.2, w: 0.3, h: 0.4}"


def _file(index: int) -> str:
    if index % 10 == 3:
        return f"data: img_{index}.jpg\nobjects:\n  - id: a\n    class: Nope\n    box: {BOX}\n"
    if index % 10 == 7:
        return f"data: img_{index}.jpg\nobjects:\n  - id: a\n    class: Cherry\n    box: {{x: 1.5, y: 0.2, w: 0.3, h: 0.4}}\n"
    if index % 10 == 9:
        return f"data: img_{index}.jpg\nobjects: []\nobjects:\n  - id: a\n"
    return (
        f"data: img_{index}.jpg\ntags: [t{index % 4}]\nobjects:\n"
        f"  - id: a\n    class: Cherry\n    box: {BOX}\n    attributes: {{Ripeness: Ripe}}\n"
        f"  - id: b\n    class: Pedicel\n    point: {{x: 0.5, y: 0.5}}\n"
    )


def _load(root: Path) -> DesiredState:
    paths = sorted(str(p) for p in (root / "labels").glob("*.yaml"))
    sources, unreadable = read_sources(paths, root)
    return load_desired(sources, ParseContext(ONTOLOGY, None), None, earlier=unreadable)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: labelsync never starts workers")
def test_files_parsed_in_workers_come_back_as_parsed_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "labels").mkdir()
    for index in range(130):  # three chunks of 50: results from several workers, put back in order
        (tmp_path / "labels" / f"f{index:03}.yaml").write_text(_file(index), encoding="utf-8")
    here = _load(tmp_path)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    assert parallel.pool_shape(130) is not None
    pooled = _load(tmp_path)

    assert pooled.unchanged == here.unchanged
    assert [u.name for u in pooled.unchanged] == [
        f"labels/f{i:03}.yaml" for i in range(130) if i % 10 not in (3, 7, 9)
    ]
    assert pooled.findings == here.findings
    assert {(f.file, f.line) for f in pooled.findings} >= {("labels/f003.yaml", 4), ("labels/f009.yaml", 3)}
    assert {f.file for f in pooled.errors} == {f"labels/f{i:03}.yaml" for i in range(130) if i % 10 in (3, 7, 9)}
