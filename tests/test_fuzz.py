"""Fuzzing with hypothesis, on a fixed budget: mutated label files, plan files, exports and manifests.

Each input is the example's own (its label files, a plan saved from it, an Encord export of its project,
its manifest), mutated: bytes flipped, cut, lines dropped or doubled, values swapped for odd ones. Whatever
comes out, labelsync answers with a finding or a clean error, never an exception of another kind; a label
file that still parses diffs empty against itself; and through the CLI, a mutated file that validates is
applied and planned again with nothing left to do, while one that does not validate writes nothing.

`FUZZ_EXAMPLES` (environment variable, default 150) sets examples per test (a third of it through the CLI for
plan files, a fifth for label files, at least 10); the runs are derandomised, so CI runs the same cases each time.
At 150 the in-process fuzzers still draw each label file with each kind of mutation several times, and the CLI
ones (about a second per example) stay within the suite's time budget; FUZZ_EXAMPLES=1000 or more searches further.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fast_yaml
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from labelsync_workspace import ROOT, LocalBackend, Workspace, make_workspace

from reconciler import yamlio
from reconciler.desired.label_file import parse_label_file
from reconciler.diff import diff_row
from reconciler.errors import LabelsyncError
from reconciler.model import DataUnit
from reconciler.ontology import Ontology
from reconciler.remotes.manifest import read_manifest, units_from_export
from reconciler.yamlio.keys import may_repeat_keys, repeated_key

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
BUDGET = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
LABEL_FILES = sorted(p for p in (ROOT / "labels").rglob("*.yaml") if p.name != "manifest.yaml")
ONTOLOGY = Ontology.from_editor_dict(json.loads((ROOT / "labels" / "ontology.json").read_text(encoding="utf-8")))
ODD = [
    "null", "[]", "{}", "true", "-1", "1e400", ".nan", "-.inf", "''", '"\\u001b[2J"', "2000000000",
    "4-2000000000", "[[1, 2, 3]]", "{x: {y: {z: 1}}}", "'::error::x'", "0x10", "!!binary aGk=", "*a", "&a 1",
]  # fmt: skip


UTF8 = st.characters(exclude_categories=["Cs"])
"""Every character UTF-8 encodes (all but surrogates): `st.text()`'s own default alphabet, `characters(codec="utf-8")`,
without hypothesis first running all of Unicode through the codec (7 to 20 s in each process with a fresh cache)."""


@st.composite
def mutated_text(draw: st.DrawFn, texts: list[str]) -> str:
    """One of `texts` after one to three mutations."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["drop", "double", "cut", "flip", "value", "insert"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if kind == "drop":
            del lines[at]
        elif kind == "double":
            lines.insert(at, lines[at])
        elif kind == "value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(st.sampled_from(ODD))}"
        elif kind == "insert":
            lines.insert(at, draw(st.text(UTF8, max_size=20)))
        text = "\n".join(lines)
        if kind == "cut":
            text = text[: draw(st.integers(0, len(text)))]
        elif kind == "flip" and text:
            i = draw(st.integers(0, len(text) - 1))
            text = text[:i] + draw(st.characters()) + text[i + 1 :]
    return text


def _units() -> dict[str, DataUnit]:
    units, _ = read_manifest(ROOT / "labels" / "manifest.yaml")
    return {u.title: u for u in units}


UNITS = _units()
TEXTS = [p.read_text(encoding="utf-8") for p in LABEL_FILES]


@BUDGET
@given(mutated_text(TEXTS))
def test_a_mutated_label_file_is_a_finding_or_a_row_that_diffs_empty_against_itself(text: str) -> None:
    try:
        doc = yamlio.load(text)
    except yamlio.YamlSyntaxError:
        return
    title = doc.get("data") if isinstance(doc, dict) else None
    unit = UNITS.get(title) if isinstance(title, str) else None
    label_file, findings = parse_label_file(
        "labels/f.yaml", doc, ONTOLOGY, unit, base_dir=ROOT / "labels" / "images"
    )
    if label_file is None or any(f.severity == "error" for f in findings):
        assert all(str(f) for f in findings)
        return
    assert diff_row(label_file, label_file.row, ONTOLOGY, title="t", label_hash=None) is None


_ENTRIES = ["a", "a: 1", "b: 2", "a: c:d", "'a'", '"a": 1', "", " ", "[a, b]", "{a: 1}", "{a}", "? a"]
_FLOW = st.lists(st.sampled_from(_ENTRIES), max_size=4).map(lambda entries: "{" + ", ".join(entries) + "}")
_LINE = st.one_of(
    st.sampled_from(["a: 1", "b: 2", "a: 'x: y'", "c: d:e", "# e: f", "  # g: h", "- a: 1", "a: *x", "a: &x 1"]),
    st.sampled_from(["a", "b", "'a'"]).flatmap(lambda key: _FLOW.map(lambda flow: f"{key}: {flow}")),
)


@BUDGET
@given(st.sampled_from(["", "# c: d\n", "# c\n"]), st.lists(_LINE, max_size=4))
def test_a_document_cleared_of_repeated_keys_has_none(comment: str, lines: list[str]) -> None:
    """The cheap proof (`keys.may_repeat_keys`) never clears a document the exact search finds a key twice in:
    documents of keys from a small set, given twice in block and flow mappings, among colons in comments and
    text, colonless flow entries, anchors and explicit keys."""
    text = comment + "\n".join(lines)
    try:
        doc = fast_yaml.safe_load(text)
    except ValueError:
        return
    if not may_repeat_keys(text, doc):
        assert repeated_key(text) is None, text


@BUDGET
@given(st.data())
def test_a_mutated_export_is_read_or_refused_cleanly(data: st.DataObject) -> None:
    export = _example_export()
    text = data.draw(mutated_text([json.dumps(export, indent=1)]))
    try:
        rows = json.loads(text)
    except ValueError:
        return
    try:
        units_from_export(rows if isinstance(rows, list) else [rows])
    except LabelsyncError as exc:
        assert str(exc)


@BUDGET
@given(mutated_text([(ROOT / "labels" / "manifest.yaml").read_text(encoding="utf-8")]))
def test_a_mutated_manifest_is_read_or_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("manifest") / "manifest.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        read_manifest(path)
    except LabelsyncError as exc:
        assert str(exc)


_EXPORT: list[dict[str, Any]] = []


def _example_export() -> list[dict[str, Any]]:
    """The example project, applied, as Encord's JSON export (made once)."""
    if not _EXPORT:
        from tempfile import TemporaryDirectory

        with TemporaryDirectory() as tmp:
            for ws in make_workspace(Path(tmp), LocalBackend()):
                assert ws.run("apply", "--yes").exit_code == 0
                assert ws.run("local", "export", "--out", "export.json").exit_code == 0
                _EXPORT.extend(json.loads(ws.path("export.json").read_text(encoding="utf-8")))
    return _EXPORT


# -- through the CLI: plan files and label files, on the real local project ------------------------------


@pytest.fixture(scope="module")
def applied_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    for ws in make_workspace(tmp_path_factory.mktemp("fuzz"), LocalBackend()):
        assert ws.run("apply", "--yes").exit_code == 0
        cherry = ws.path("labels/images/cherry_001.jpg.yaml")
        doc = yaml.safe_load(cherry.read_text(encoding="utf-8"))
        doc["objects"][0]["box"]["x"] = 0.05
        cherry.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        assert ws.run("plan", "--out", "plan.json").exit_code == 0
        yield ws


@settings(BUDGET, max_examples=max(EXAMPLES // 3, 10))
@given(st.data())
def test_a_mutated_plan_file_is_applied_as_reviewed_or_refused_with_nothing_written(
    applied_project: Workspace, data: st.DataObject
) -> None:
    ws = applied_project
    original = ws.path("plan.json").read_text(encoding="utf-8")
    mutated = data.draw(mutated_text([original]))
    ws.path("fuzzed.json").write_text(mutated, encoding="utf-8", errors="surrogatepass")
    before = ws.dump()
    result = ws.run("apply", "fuzzed.json", "--yes", "--dry-run")
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output and "a bug in labelsync" not in result.output
    if result.exit_code == 1:
        assert "plan file" in result.stderr or "plan" in result.stderr
    assert ws.dump() == before


@settings(BUDGET, max_examples=max(EXAMPLES // 5, 10))
@given(st.data())
def test_a_mutated_label_file_through_the_cli_validates_and_converges_or_writes_nothing(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(LABEL_FILES) - 1))
    path = LABEL_FILES[index]
    mutated = data.draw(mutated_text([TEXTS[index]]))
    for ws in make_workspace(tmp_path_factory.mktemp("cli"), LocalBackend()):
        target = ws.path(str(path.relative_to(ROOT)))
        target.write_text(mutated, encoding="utf-8", errors="surrogatepass")
        validated = ws.run("validate")
        assert validated.exit_code in (0, 1), validated.output
        before = ws.dump()
        applied = ws.run("apply", "--yes", "--allow-delete", "--allow-mass-delete")
        assert "a bug in labelsync" not in applied.output
        if validated.exit_code == 1:
            assert applied.exit_code == 1, applied.output
            assert ws.dump() == before
        else:
            assert applied.exit_code == 0, applied.output
            again = ws.run("plan", "--detailed-exitcode")
            assert again.exit_code == 0, again.output
