"""`labelsync pull`: adopting a project whose labels exist already, on every remote.

The promise: right after a pull, `labelsync plan --detailed-exitcode` exits 0, for every shape, attribute
kind, classification range, tag scope and branch; a row that has a file is written to that file; titles
never make a path outside the labels directory; `--drifted` writes only what changed on the remote.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from labelsync_workspace import BACKENDS, ROOT, EncordBackend, LocalBackend, Workspace

from reconciler.canonical import row_fingerprint
from reconciler.config import load_config
from reconciler.encord_format import EncordFormatError
from reconciler.model import (
    ClassificationLabel,
    DataType,
    DataUnit,
    Geometry,
    LabelRow,
    ObjectLabel,
    RowKey,
    Shape,
)
from reconciler.ontology import Ontology
from reconciler.pull.document import Unrepresentable, assign_ids, row_document
from reconciler.pull.paths import MAX_NAME_BYTES, NamedRow, file_names, is_safe_name, name_key, row_tag
from reconciler.pull.run import PullOptions, pull
from reconciler.remotes.base import Listing, Remote, RowResult, RowWrite
from reconciler.remotes.local import LocalProject, create_project
from reconciler.remotes.open import open_remote

NO_CHANGES = "No changes: the remote matches the label files."
EXAMPLE_ONTOLOGY: dict[str, Any] = json.loads((ROOT / "labels" / "ontology.json").read_text(encoding="utf-8"))
PEDICEL = "b37523a5"  # a point class without attributes
BLUEBERRY = "ad915a36"  # a bitmask class


# -- the example, extended to every attribute kind, and a consensus branch ---------------------------------


def _extended_ontology() -> dict[str, Any]:
    editor: dict[str, Any] = json.loads(json.dumps(EXAMPLE_ONTOLOGY))
    objects = {o["name"]: o for o in editor["objects"]}

    def attribute(
        uid: str, hash_: str, name: str, kind: str, dynamic: bool = False, options: Any = ()
    ) -> dict[str, Any]:
        return {
            "id": uid,
            "name": name,
            "type": kind,
            "featureNodeHash": hash_,
            "required": False,
            "dynamic": dynamic,
            **({"options": list(options)} if options else {}),
        }

    def option(uid: str, hash_: str, label: str, nested: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
        return {
            "id": uid,
            "label": label,
            "value": label.lower(),
            "featureNodeHash": hash_,
            "options": list(nested),
        }

    objects["Branch"]["attributes"] = [attribute("4.1", "c0un7000", "Count", "numeric")]
    carrying = [option("8.2.1", "ba5ke700", "Basket"), option("8.2.2", "1adde700", "Ladder")]
    objects["Person"]["attributes"] += [
        attribute("8.2", "ca11y000", "Carrying", "checklist", True, carrying),
        attribute("8.3", "ac7iv000", "Activity", "text", True),
    ]
    why = attribute("4.1.1.1", "why00000", "Why", "radio", options=[option("4.1.1.1.1", "5harp000", "Sharp")])
    quality = [option("4.1.1", "g00d0000", "Good", [why]), option("4.1.2", "bad00000", "Bad")]
    editor["classifications"] += [
        {
            "id": "3",
            "featureNodeHash": "c1a55003",
            "attributes": [attribute("3.1", "c0mmen70", "Comment", "text")],
        },
        {
            "id": "4",
            "featureNodeHash": "c1a55004",
            "attributes": [attribute("4.1", "qua1i7y0", "Quality", "radio", options=quality)],
        },
        {
            "id": "5",
            "featureNodeHash": "c1a55005",
            "attributes": [attribute("5.1", "ra7ing00", "Rating", "numeric")],
        },
    ]
    return editor


EXTRA_FILES = {
    "labels/images/cherry_007.jpg.yaml": """\
data: cherry_007.jpg
objects:
  - id: branch-1
    class: Branch
    polyline: [[0.1, 0.1], [0.2, 0.2]]
    attributes: {Count: 3}
  - id: branch-2
    class: Branch
    polyline: [[0.3, 0.1], [0.4, 0.2]]
    attributes: {Count: 2.5}
classifications:
  - id: comment
    question: Comment
    answer: "yes"
  - id: quality
    question: Quality
    answer: {Good: {Why: Sharp}}
  - id: rating
    question: Rating
    answer: 4
""",
    "labels/images/fruit_bowl_008.jpg.yaml": """\
data: fruit_bowl_008.jpg
objects:
  - id: c1
    class: Cherry
    box: {x: 0.1, y: 0.1, w: 0.1, h: 0.1}
    attributes: {Ripeness: Unripe, Notes: "1e5"}
  - id: c2
    class: Cherry
    box: {x: 0.3, y: 0.1, w: 0.1, h: 0.1}
    attributes: {Ripeness: Unripe, Notes: "line one\\nline two: #not a comment", Defects: []}
  - id: c3
    class: Cherry
    box: {x: 0.5, y: 0.1, w: 0.1, h: 0.1}
    attributes: {Ripeness: Ripe, Notes: "null", "Attached to #relation": c1}
classifications:
  - id: comment
    question: Comment
    answer: "0o17"
""",
    "labels/images/cherry_001.review.yaml": """\
data: cherry_001.jpg
branch: review
objects:
  - id: review-1
    class: Cherry
    box: {x: 0.1, y: 0.1, w: 0.2, h: 0.2}
    attributes: {Ripeness: Unripe}
""",
}
PERSON_2 = """\
  - id: person-2
    class: Person
    frames:
      "50-54": {box: {x: 0.1, y: 0.1, w: 0.2, h: 0.4}}
      "55": {box: {x: 0.12, y: 0.1, w: 0.2, h: 0.4}}
    dynamic:
      Position: {"50-52": Standing, "53-55": Walking}
      Carrying: {"50-51": [Basket], "52-55": [Basket, Ladder]}
      Activity: {"54-55": picking cherries}

classifications:
"""


def _extend(root: Path) -> None:
    (root / "labels" / "ontology.json").write_text(json.dumps(_extended_ontology(), indent=2), encoding="utf-8")
    for relpath, text in EXTRA_FILES.items():
        (root / relpath).write_text(text, encoding="utf-8")
    video = root / "labels" / "videos" / "orchard_walk.mp4.yaml"
    video.write_text(
        video.read_text(encoding="utf-8").replace("\nclassifications:\n", "\n" + PERSON_2), encoding="utf-8"
    )


@pytest.fixture(params=sorted(BACKENDS))
def extended(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """The example with every attribute kind (number, nested classification answers, dynamic checklist and
    text), tricky text answers and a consensus-branch file, applied to a fresh remote of each kind."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(ROOT / "labelsync.yaml", root / "labelsync.yaml")
    shutil.copytree(ROOT / "labels", root / "labels")
    _extend(root)
    backend = BACKENDS[request.param]()
    backend.prepare(root)
    ws = Workspace(root, backend)
    try:
        applied = ws.run("apply", "--yes")
        assert applied.exit_code == 0, applied.output
        yield ws
    finally:
        ws.close()


@pytest.fixture
def applied(workspace: Workspace) -> Workspace:
    result = workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    return workspace


def label_files(ws: Workspace) -> dict[str, bytes]:
    return {
        str(p.relative_to(ws.root)): p.read_bytes()
        for p in sorted(ws.path("labels").rglob("*.yaml"))
        if p.name != "manifest.yaml"
    }


def remove_label_files(ws: Workspace) -> None:
    for name in label_files(ws):
        ws.path(name).unlink()


def plan_is_clean(ws: Workspace) -> None:
    result = ws.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert NO_CHANGES in result.stdout


def entry(doc: dict[str, Any], label_id: str) -> dict[str, Any]:
    (found,) = [x for x in [*doc.get("objects", []), *doc.get("classifications", [])] if x["id"] == label_id]
    return found


# -- lossless ------------------------------------------------------------------------------------------------


def test_pull_into_an_empty_directory_declares_exactly_what_the_remote_holds(extended: Workspace) -> None:
    remove_label_files(extended)
    first = extended.run("pull")
    assert first.exit_code == 0, first.output
    assert "Pulled 10 label rows into labels/ (10 new files, 0 updated, 0 unchanged)." in first.stdout
    review = extended.run("pull", "--branch", "review")
    assert review.exit_code == 0, review.output
    assert "Pulled 1 label row into labels/ (1 new file, 0 updated, 0 unchanged)." in review.stdout
    assert "skipped" not in first.output + review.output
    plan_is_clean(extended)

    assert sorted(label_files(extended)) == sorted(
        f"labels/{name}.yaml"
        for name in (
            "cherry_001.jpg",
            "cherry_001.jpg@review",
            "blueberry_002.jpg",
            "blueberry_003.jpg",
            "persimmon_004.jpg",
            "branch_005.jpg",
            "strawberry_006.jpg",
            "cherry_007.jpg",
            "fruit_bowl_008.jpg",
            "orchard_walk.mp4",
            "market_stall",
        )
    )
    schema = Draft202012Validator(json.loads((ROOT / "schemas" / "label-file.schema.json").read_text("utf-8")))
    for name in label_files(extended):
        assert not [e.message for e in schema.iter_errors(extended.read_label_file(name))], name
    written = json.loads(extended.path("labels/ontology.json").read_text(encoding="utf-8"))
    assert written == extended.remote().ontology().editor  # as the remote gives it
    cherry = extended.read_label_file("labels/cherry_001.jpg.yaml")
    assert cherry["tags"] == ["outdoor", "reviewed"]
    # labelsync's own hashes give back their ids (no `hash:`), so the relation still names the right cherry
    assert entry(cherry, "cherry-1")["attributes"]["Attached to #relation"] == "cherry-2"
    assert entry(cherry, "cherry-2")["attributes"]["Ripeness"] == "Unripe"
    assert "hash" not in entry(cherry, "cherry-1") and entry(cherry, "cherry-1")["tags"] == ["hard-case"]
    fruit_kind = entry(cherry, "blueberry-or-cherry-1")  # hand-written id "fruit-kind": the hash is pinned
    assert fruit_kind["hash"] == extended.label_hash("cherry_001.jpg", "fruit-kind")
    assert extended.read_label_file("labels/cherry_001.jpg@review.yaml")["branch"] == "review"
    assert extended.read_label_file("labels/strawberry_006.jpg.yaml")["data"] == "strawberry_006.jpg"
    video = extended.read_label_file("labels/orchard_walk.mp4.yaml")
    assert video["frame_tags"] == {"blurry": ["10-19", 42], "night": ["100-119"]}
    person = entry(video, "person-2")
    assert person["frames"] == {
        "50-54": {"box": {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.4}},
        "55": {"box": {"x": 0.12, "y": 0.1, "w": 0.2, "h": 0.4}},
    }
    assert person["dynamic"] == {
        "Position": {"50-52": "Standing", "53-55": "Walking"},
        "Carrying": {"50-51": ["Basket"], "52-55": ["Basket", "Ladder"]},
        "Activity": {"54-55": "picking cherries"},
    }
    assert entry(video, "blueberry-or-cherry-1")["frames"] == ["20-29", 35]
    assert "frames" not in entry(extended.read_label_file("labels/market_stall.yaml"), "many-types-of-fruit-1")
    bowl = extended.read_label_file("labels/fruit_bowl_008.jpg.yaml")
    assert {e["attributes"]["Notes"] for e in bowl["objects"]} == {
        "1e5",
        "line one\nline two: #not a comment",
        "null",
    }
    assert [e["answer"] for e in bowl["classifications"]] == ["0o17"]
    seven = extended.read_label_file("labels/cherry_007.jpg.yaml")
    assert sorted(e["attributes"]["Count"] for e in seven["objects"]) == [2.5, 3]
    assert {e["question"]: e["answer"] for e in seven["classifications"]} == {
        "Comment": "yes",
        "Quality": {"Good": {"Why": "Sharp"}},
        "Rating": 4,
    }

    again = extended.run("pull")
    assert again.exit_code == 0, again.output
    assert "Pulled 10 label rows into labels/ (0 new files, 0 updated, 10 unchanged)." in again.stdout


def test_pull_over_the_existing_files_writes_each_row_to_its_own_file(applied: Workspace) -> None:
    before = label_files(applied)
    result = applied.run("pull")
    assert result.exit_code == 0, result.output
    assert "Pulled 8 label rows into labels/ (0 new files, " in result.stdout  # some were in the layout already
    assert sorted(label_files(applied)) == sorted(before)  # no second file for any row
    plan_is_clean(applied)
    cherry = applied.read_label_file("labels/images/cherry_001.jpg.yaml")
    assert {e["id"] for e in cherry["objects"] + cherry["classifications"]} == {
        "cherry-1",
        "cherry-2",
        "fruit-kind",
        "fruit-types",
    }
    assert not any("hash" in e for e in cherry["objects"] + cherry["classifications"])
    assert "data_hash" in applied.read_label_file("labels/images/strawberry_006.jpg.yaml")  # as the file said
    kept = applied.read_label_file("labels/images/blueberry_003.jpg.yaml")
    assert kept["prune"] is False  # the file's own setting is kept
    mask = applied.read_label_file("labels/images/blueberry_002.jpg.yaml")["objects"][0]["bitmask"]
    assert mask == {"png": "masks/blueberry_002.png"}  # still the PNG beside the file
    assert (
        applied.path("labels/images/cherry_001.jpg.yaml")
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=../../schemas/label-file.schema.json\n")
    )


# -- drifted and --data ---------------------------------------------------------------------------------------


def move_box(label_hash: str, x: float) -> Any:
    def change(row: LabelRow) -> LabelRow:
        objects = tuple(
            replace(o, frames=tuple((f, replace(g, value={**g.value, "x": x})) for f, g in o.frames))
            if o.hash == label_hash
            else o
            for o in row.objects
        )
        return replace(row, objects=objects)

    return change


def add_pedicel(row: LabelRow) -> LabelRow:
    point = ObjectLabel("annot001", PEDICEL, ((0, Geometry(Shape.POINT, {"x": 0.25, "y": 0.75})),))
    return replace(row, objects=(*row.objects, point))


def test_drifted_writes_only_the_rows_edited_on_the_remote(applied: Workspace) -> None:
    applied.annotator_edit("cherry_001.jpg", move_box(applied.label_hash("cherry_001.jpg", "cherry-2"), 0.5))
    applied.annotator_edit("cherry_007.jpg", add_pedicel)  # a row no file declares yet
    before = label_files(applied)
    result = applied.run("pull", "--drifted")
    assert result.exit_code == 0, result.output
    assert "Pulled 9 label rows into labels/ (1 new file, 1 updated, 7 unchanged)." in result.stdout
    after = label_files(applied)
    changed = sorted(name for name in after if before.get(name) != after[name])
    assert changed == ["labels/cherry_007.jpg.yaml", "labels/images/cherry_001.jpg.yaml"]
    cherry = applied.read_label_file("labels/images/cherry_001.jpg.yaml")
    assert entry(cherry, "cherry-2")["box"]["x"] == 0.5
    assert entry(cherry, "cherry-1")["box"]["x"] == 0.12
    new = applied.read_label_file("labels/cherry_007.jpg.yaml")
    assert new["objects"] == [
        {"id": "pedicel-1", "class": "Pedicel", "hash": "annot001", "point": {"x": 0.25, "y": 0.75}}
    ]
    plan_is_clean(applied)
    again = applied.run("pull", "--drifted")
    assert "Pulled 9 label rows into labels/ (0 new files, 0 updated, 9 unchanged)." in again.stdout
    assert label_files(applied) == after


def test_data_picks_rows_by_title_or_hash(applied: Workspace) -> None:
    before = label_files(applied)
    video = applied.data_units()["orchard_walk.mp4"].hash
    result = applied.run("pull", "--data", "cherry_001.jpg", "--data", video)
    assert result.exit_code == 0, result.output
    assert "Pulled 2 label rows into labels/ (0 new files, " in result.stdout
    after = label_files(applied)
    assert {n for n in after if after[n] != before[n]} <= {
        "labels/images/cherry_001.jpg.yaml",
        "labels/videos/orchard_walk.mp4.yaml",
    }
    unknown = applied.run("pull", "--data", "cherry_01.jpg", "--data", "nope")
    assert unknown.exit_code == 1
    assert 'no data unit "cherry_01.jpg" (did you mean "cherry_001.jpg"?), "nope" in' in unknown.stderr
    assert "Traceback" not in unknown.output
    no_row = applied.run("pull", "--data", "fruit_bowl_008.jpg")
    assert no_row.exit_code == 0, no_row.output
    assert "fruit_bowl_008.jpg has no label row on branch main yet" in no_row.stderr
    assert "Pulled 0 label rows" in no_row.stdout
    assert label_files(applied) == after


# -- adopting from nothing: labelsync.yaml --------------------------------------------------------------------


def _adopting(ws: Workspace) -> Workspace:
    root = ws.root.parent / "adopted"
    root.mkdir()
    return Workspace(root, LocalBackend())  # only to run the CLI there: the backend is `ws`'s


def _remote_options(ws: Workspace) -> list[str]:
    if isinstance(ws.backend, EncordBackend):
        return ["--encord", ws.backend.project, "--domain", ws.backend.server.domain]
    return ["--database", "../project/.labelsync/project.db"]


def test_pull_without_labelsync_yaml_writes_one_naming_the_remote(applied: Workspace) -> None:
    adopted = _adopting(applied)
    key = os.environ.get(EncordBackend.KEY_ENV)
    if key is not None:
        os.environ["ENCORD_SSH_KEY"] = key  # the default key_env a new labelsync.yaml names
    try:
        bare = adopted.run("pull")
        assert bare.exit_code == 1 and "--database PATH (a local project) or --encord PROJECT_HASH" in bare.stderr
        result = adopted.run("pull", *_remote_options(applied))
        assert result.exit_code == 0, result.output
        assert "Pulled 8 label rows into labels/ (8 new files, 0 updated, 0 unchanged)." in result.stdout
        assert "Wrote labelsync.yaml" in result.stderr
        config = load_config(adopted.path("labelsync.yaml"))
        assert (config.labels, config.ontology, config.branch) == (
            Path("labels"),
            Path("labels/ontology.json"),
            "main",
        )
        if isinstance(applied.backend, EncordBackend):
            assert config.remote.settings == {
                "project_hash": applied.backend.project,
                "domain": applied.backend.server.domain,
            }
        else:
            assert config.remote.settings["database"] == str(applied.root / ".labelsync" / "project.db")
        plan_is_clean(adopted)  # no extra step
        written = adopted.path("labelsync.yaml").read_bytes()
        again = adopted.run("pull", *_remote_options(applied))  # the same pull, run again
        assert again.exit_code == 0, again.output
        assert "(0 new files, 0 updated, 8 unchanged)" in again.stdout
        other = adopted.run("pull", "--database", "elsewhere.db")
        assert other.exit_code == 1 and "names another remote" in other.stderr
        assert adopted.path("labelsync.yaml").read_bytes() == written  # never overwritten
    finally:
        os.environ.pop("ENCORD_SSH_KEY", None)


def test_dir_puts_new_files_in_a_folder_under_the_labels(applied: Workspace) -> None:
    if not isinstance(applied.backend, LocalBackend):
        pytest.skip("the same on every remote: run once")
    adopted = _adopting(applied)
    result = adopted.run("pull", "--database", "../project/.labelsync/project.db", "--dir", "annotations")
    assert result.exit_code == 0, result.output
    config = load_config(adopted.path("labelsync.yaml"))
    assert (config.labels, config.ontology) == (Path("annotations"), Path("annotations/ontology.json"))
    assert len(list(adopted.path("annotations").glob("*.yaml"))) == 8
    plan_is_clean(adopted)
    assert applied.run("pull", "--data", "cherry_007.jpg", "--dir", "labels/imported").exit_code == 0
    applied.annotator_edit("cherry_007.jpg", add_pedicel)
    moved = applied.run("pull", "--drifted", "--dir", "labels/imported")
    assert "(1 new file, 0 updated, 8 unchanged)" in moved.stdout
    assert applied.path("labels/imported/cherry_007.jpg.yaml").is_file()
    outside = applied.run("pull", "--dir", "elsewhere")
    assert outside.exit_code == 1 and "is not inside the labels directory" in outside.stderr


def test_local_init_from_an_export_then_pull_adopts_it(applied: Workspace, tmp_path: Path) -> None:
    if not isinstance(applied.backend, LocalBackend):
        pytest.skip("local init creates a local project")
    assert applied.run("local", "export", "--out", "rows.json").exit_code == 0
    adopted = _adopting(applied)
    created = adopted.run(
        "local", "init", "--ontology", "../project/labels/ontology.json", "--export", "../project/rows.json"
    )
    assert created.exit_code == 0, created.output
    assert "Wrote labelsync.yaml" in created.stderr
    config = load_config(adopted.path("labelsync.yaml"))
    assert config.remote.settings["database"] == ".labelsync/project.db"
    assert config.ontology == (tmp_path / "project" / "labels" / "ontology.json")
    written = adopted.path("labelsync.yaml").read_bytes()
    again = adopted.run(
        "local",
        "init",
        "--force",
        "--ontology",
        "../project/labels/ontology.json",
        "--export",
        "../project/rows.json",
    )
    assert again.exit_code == 0, again.output
    assert adopted.path("labelsync.yaml").read_bytes() == written
    pulled = adopted.run("pull")
    assert pulled.exit_code == 0, pulled.output
    assert "Pulled 8 label rows into labels/ (8 new files" in pulled.stdout
    plan_is_clean(adopted)


def test_local_init_from_a_manifest_writes_labelsync_yaml(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    shutil.copy(ROOT / "labels" / "ontology.json", root / "ontology.json")
    shutil.copy(ROOT / "labels" / "manifest.yaml", root / "manifest.yaml")
    ws = Workspace(root, LocalBackend())
    result = ws.run("local", "init", "--ontology", "ontology.json", "--manifest", "manifest.yaml")
    assert result.exit_code == 0, result.output
    config = load_config(root / "labelsync.yaml")
    assert config.remote.kind == "local"
    assert (config.remote.settings["database"], config.remote.settings["manifest"]) == (
        ".labelsync/project.db",
        "manifest.yaml",
    )
    assert config.ontology == Path("ontology.json")
    pulled = ws.run("pull")
    assert pulled.exit_code == 0, pulled.output
    assert "Pulled 0 label rows into labels/" in pulled.stdout


# -- hostile titles --------------------------------------------------------------------------------------------

HOSTILE = [
    "../escape.jpg",
    "../../../../etc/passwd",
    "/absolute/path.jpg",
    "sub/dir/image.jpg",
    "..",
    ".",
    ".hidden.jpg",
    "_skipped_by_the_loader.jpg",
    "manifest",
    "MANIFEST",
    "CON",
    "con.jpg",
    "LPT1.png",
    "Case.jpg",
    "case.jpg",
    "CASE.JPG",
    "caf\u00e9.jpg",
    "cafe\u0301.jpg",
    "x" * 300 + ".jpg",
    "\u00fc" * 200,
    "tab\there.jpg",
    "new\nline.jpg",
    "nul\x00byte.jpg",
    "bell\x07.jpg",
    "back\\slash.jpg",
    'colon:star*?"<>|.jpg',
    "trailing dot.",
    "trailing space ",
    "",
    "   ",
    "~tilde",
    "-dash",
    "yes",
    "1e5",
    "dup.jpg",
    "dup.jpg",
    "\u202eright-to-left.jpg",
]


def _hostile_project(path: Path) -> list[DataUnit]:
    units = [DataUnit(f"unit-{i:03d}", title, DataType.IMAGE, 1, 64, 48) for i, title in enumerate(HOSTILE)]
    create_project(path, EXAMPLE_ONTOLOGY, units)
    project = LocalProject(path)
    try:
        writes = [
            RowWrite(add_pedicel(LabelRow(RowKey(u.hash))), expected=row_fingerprint(LabelRow(RowKey(u.hash))))
            for u in units
        ]
        assert all(r.status.value == "written" for r in project.write(writes))
    finally:
        project.close()
    return units


def _snapshot(folder: Path, skip: Path) -> dict[str, tuple[int, float]]:
    return {
        str(p): (p.lstat().st_size, p.lstat().st_mtime) for p in folder.rglob("*") if not p.is_relative_to(skip)
    }


def test_hostile_titles_stay_inside_the_labels_directory_one_file_each(tmp_path: Path) -> None:
    _hostile_project(tmp_path / "project.db")
    (tmp_path / "etc").mkdir()
    repo = tmp_path / "work" / "repo"
    repo.mkdir(parents=True)
    outside = _snapshot(tmp_path, repo)
    ws = Workspace(repo, LocalBackend())
    result = ws.run("pull", "--database", "../../project.db")
    assert result.exit_code == 0, result.output
    count = len(HOSTILE)
    assert f"Pulled {count} label rows into labels/ ({count} new files, 0 updated, 0 unchanged)." in result.stdout
    outside.pop(str(tmp_path / "project.db-wal"), None)
    outside.pop(str(tmp_path / "project.db-shm"), None)
    now = _snapshot(tmp_path, repo)
    now = {k: v for k, v in now.items() if not k.startswith(str(tmp_path / "project.db"))}
    assert now == {k: v for k, v in outside.items() if not k.startswith(str(tmp_path / "project.db"))}
    entries = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    names = [p.name for p in (repo / "labels").iterdir()]
    assert all(p.parent in (Path("."), Path("labels")) for p in entries), entries
    assert len(names) == count + 1 and "ontology.json" in names
    assert len({name_key(n) for n in names}) == len(names)  # one file each, even ignoring case
    assert all(is_safe_name(n) for n in names if n != "ontology.json"), names
    assert all(len(n.encode()) <= MAX_NAME_BYTES for n in names)
    dups = [ws.read_label_file(f"labels/{n}") for n in names if n.startswith("dup.jpg")]
    assert sorted(d.get("data_hash", "") for d in dups) == ["unit-034", "unit-035"]  # a shared title: by hash
    plan_is_clean(ws)
    again = ws.run("pull")
    assert f"(0 new files, 0 updated, {count} unchanged)" in again.stdout


def test_pull_never_writes_through_a_symlink_out_of_the_labels_directory(
    applied: Workspace, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (applied.path("labels") / "out").symlink_to(outside, target_is_directory=True)
    refused = applied.run("pull", "--dir", "labels/out")
    assert refused.exit_code == 1 and "is not inside the labels directory" in refused.stderr
    assert list(outside.iterdir()) == []
    # a label file that is a symlink to a file outside: the link is replaced, the file it points at is not
    cherry = applied.path("labels/images/cherry_001.jpg.yaml")
    shutil.move(cherry, outside / "cherry.yaml")
    cherry.symlink_to(outside / "cherry.yaml")
    kept = (outside / "cherry.yaml").read_bytes()
    result = applied.run("pull", "--data", "cherry_001.jpg")
    assert result.exit_code == 0, result.output
    assert (outside / "cherry.yaml").read_bytes() == kept
    assert not cherry.is_symlink() and cherry.is_file()
    assert list(outside.iterdir()) == [outside / "cherry.yaml"]


# -- what cannot be declared yet: skipped, counted, reported --------------------------------------------------


def test_a_row_a_label_file_cannot_declare_is_skipped_and_reported(applied: Workspace) -> None:
    def offset_mask(row: LabelRow) -> LabelRow:
        (obj,) = row.objects
        ((frame, geometry),) = obj.frames
        moved = replace(geometry, value={**geometry.value, "top": 1})
        return replace(row, objects=(replace(obj, frames=((frame, moved),)),))

    applied.annotator_edit("blueberry_003.jpg", offset_mask)
    before = applied.path("labels/images/blueberry_003.jpg.yaml").read_bytes()
    result = applied.run("pull")
    assert result.exit_code == 0, result.output
    assert "Pulled 7 label rows into labels/ (0 new files, " in result.stdout
    assert "unchanged); 1 row skipped: blueberry_003.jpg.\n" in result.stdout
    assert "skipped: blueberry_003.jpg: a Blueberry bitmask covers 64x48 pixels at (0, 1)" in result.stderr
    assert applied.path("labels/images/blueberry_003.jpg.yaml").read_bytes() == before


class _Flaky:
    """A remote that cannot decode one row, and records the bundles it is asked for."""

    def __init__(self, remote: Remote, bad: str) -> None:
        self.remote = remote
        self.bad = bad
        self.bundles: list[int] = []

    @property
    def description(self) -> str:
        return self.remote.description

    def ontology(self) -> Ontology:
        return self.remote.ontology()

    def list_rows(self, branches: frozenset[str]) -> Listing:
        return self.remote.list_rows(branches)

    def fetch(self, keys: Sequence[RowKey]) -> dict[RowKey, LabelRow]:
        self.bundles.append(len(keys))
        if any(k.data_hash == self.bad for k in keys):
            raise EncordFormatError("unsupported: a cuboid")
        return self.remote.fetch(keys)

    def write(self, writes: Sequence[RowWrite]) -> list[RowResult]:
        raise AssertionError("pull never writes to the remote")

    def close(self) -> None:
        self.remote.close()


def test_rows_are_fetched_in_bundles_and_an_unreadable_row_is_skipped(applied: Workspace) -> None:
    config = replace(load_config(applied.path("labelsync.yaml")), bundle_size=3)
    bad = applied.data_units()["market_stall"].hash
    flaky = _Flaky(open_remote(config), bad)
    try:
        report = pull(config, flaky, PullOptions(directory=config.labels_dir, branch="main"))
    finally:
        flaky.close()
    assert report.pulled == 7
    assert [(s.row, s.reason) for s in report.skipped] == [("market_stall", "unsupported: a cuboid")]
    # titles in order: blueberry_002, blueberry_003, branch_005 | cherry_001, market_stall, orchard_walk | ...
    assert flaky.bundles == [3, 3, 1, 1, 1, 2]  # the failing bundle again row by row, then on


# -- the pure parts --------------------------------------------------------------------------------------------


def test_file_names_are_safe_unique_and_independent_of_order() -> None:
    rows = [NamedRow(RowKey(f"h{i}", "main" if i % 3 else "review/1"), t) for i, t in enumerate(HOSTILE)]
    names = file_names(rows, taken=["Case.jpg.yaml", "ontology.json"])
    assert file_names(list(reversed(rows)), taken=["Case.jpg.yaml", "ontology.json"]) == names
    assert all(is_safe_name(n) for n in names.values()), names
    keys = [name_key(n) for n in names.values()]
    assert len(set(keys)) == len(keys) and name_key("Case.jpg.yaml") not in keys
    assert names[rows[13].key] == "Case.jpg~" + row_tag(rows[13].key) + ".yaml"  # taken already
    assert names[rows[15].key] == "CASE.JPG@review_1.yaml"
    assert file_names([NamedRow(RowKey("a"), "cherry_001.jpg")]) == {RowKey("a"): "cherry_001.jpg.yaml"}
    assert file_names([NamedRow(RowKey("a", "review"), "x.jpg")]) == {RowKey("a", "review"): "x.jpg@review.yaml"}
    (con,) = file_names([NamedRow(RowKey("a"), "con.jpg")]).values()
    assert con == "con_.jpg.yaml"


def test_ids_are_stable_and_known_ids_are_kept() -> None:
    ontology = Ontology.from_editor_dict(EXAMPLE_ONTOLOGY)
    points = tuple(
        ObjectLabel(h, PEDICEL, ((0, Geometry(Shape.POINT, {"x": 0.1, "y": 0.1})),))
        for h in ("bbbbbbbb", "aaaaaaaa")
    )
    row = LabelRow(RowKey("d"), objects=points)
    assert assign_ids(row, ontology) == {"aaaaaaaa": "pedicel-1", "bbbbbbbb": "pedicel-2"}
    assert assign_ids(row, ontology, {"bbbbbbbb": "pedicel-1"}) == {
        "bbbbbbbb": "pedicel-1",
        "aaaaaaaa": "pedicel-2",
    }


def test_what_a_file_cannot_say_is_unrepresentable() -> None:
    ontology = Ontology.from_editor_dict(EXAMPLE_ONTOLOGY)
    unit = DataUnit("d", "d.jpg", DataType.IMAGE, 1, 64, 48)
    unanswered = ClassificationLabel("cccccccc", "0cc8af11", answers=())
    with pytest.raises(Unrepresentable, match="has no answer"):
        row_document(LabelRow(RowKey("d"), classifications=(unanswered,)), ontology, unit)
    mask = Geometry(Shape.BITMASK, {"top": 0, "left": 0, "width": 32, "height": 48, "rle": "x"})
    with pytest.raises(Unrepresentable, match="bitmask covers 32x48"):
        row_document(
            LabelRow(RowKey("d"), objects=(ObjectLabel("mmmmmmmm", BLUEBERRY, ((0, mask),)),)), ontology, unit
        )


def test_titles_in_pull_messages_are_inert_in_a_terminal_and_a_ci_log(tmp_path: Path) -> None:
    evil = "evil\x1b]8;;https://x.example\x07link\n::error::forged line"
    pdf = DataUnit("unit-pdf", evil, DataType.PDF, 1, 0, 0)
    row = {
        "data_hash": pdf.hash,
        "data_title": evil,
        "data_type": "pdf",
        "branch_name": "main",
        "label_hash": "label-pdf",
        "data_units": {},
        "object_answers": {},
        "classification_answers": {},
    }
    create_project(tmp_path / "project.db", EXAMPLE_ONTOLOGY, [pdf], [row])
    repo = tmp_path / "repo"
    repo.mkdir()
    result = Workspace(repo, LocalBackend()).run("pull", "--database", "../project.db")
    assert result.exit_code == 0, result.output
    assert "skipped: evil\\x1b]8;;https://x.example\\x07link\\n::error::forged line: labelsync cannot" in result.stderr
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert not any(line.startswith("::") for line in result.output.splitlines())
