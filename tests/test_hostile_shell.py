"""The shell trusts nothing it is given: the crash log, `validate`, `local init` and printed text.

- A crash log is private to the run: a new file (mode 0600) in the user's cache directory, never written
  through a symlink, and failing to write it never hides the error it is about.
- `validate` is offline and writes nothing: an existing local project is opened read-only, none is
  created, and the whole directory tree is byte-identical after it.
- `local init` given an export, a manifest or an ontology that is not what it should be says what is
  wrong and where, exits 1 and creates nothing.
- Text that came from a user or a remote is printed inert: control characters cannot forge a line.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from labelsync_workspace import ROOT, LocalBackend, Result, Workspace
from typer.testing import CliRunner

from reconciler import __version__, workflow
from reconciler.cli import errors as cli_errors
from reconciler.cli.main import app

DATABASE = ".labelsync/project.db"
CHERRY = "labels/images/cherry_001.jpg.yaml"
UNEXPECTED = "error: an unexpected error (a bug in labelsync); "

Snapshot = dict[str, Any]


def snapshot(root: Path) -> Snapshot:
    """Every directory, link and file under `root`, with each file's bytes and modification time."""
    tree: Snapshot = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            tree[name] = ("link", os.readlink(path))
        elif path.is_dir():
            tree[name] = ("dir",)
        else:
            tree[name] = ("file", path.read_bytes(), path.stat().st_mtime_ns)
    return tree


def invoke(root: Path, *args: str) -> Result:
    """`labelsync ARGS...` in `root`, in-process, as Workspace.run does, but a crash is what is tested."""
    previous = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(app, list(args), catch_exceptions=True)
    finally:
        os.chdir(previous)
    assert isinstance(result.exception, SystemExit) or result.exception is None, repr(result.exception)
    return Result(result.exit_code, result.stdout, result.stderr)


# -- 1. the crash log --------------------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$XDG_CACHE_HOME for the test; crash logs go to its `labelsync` folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture
def crashing(local_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A workspace where `validate` hits a bug: an internal function raises."""

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("boom: a bug")

    monkeypatch.setattr(workflow, "load", boom)
    return local_workspace


def crash_log_of(result: Result) -> Path:
    """The crash log a crashed run names; its stderr is that one line and nothing else."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(UNEXPECTED + "details in "), result.stderr
    return Path(lines[0].removeprefix(UNEXPECTED + "details in "))


def test_a_crash_log_is_a_new_private_file_in_the_cache_directory(crashing: Workspace, cache: Path) -> None:
    logs = [crash_log_of(invoke(crashing.root, "validate")) for _ in range(2)]
    assert logs[0] != logs[1]  # one per run
    for log in logs:
        assert log.parent == cache / "labelsync"
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        text = log.read_text(encoding="utf-8")
        assert text.startswith(f"labelsync {__version__}\nTraceback")
        assert "RuntimeError: boom: a bug" in text
    assert stat.S_IMODE((cache / "labelsync").stat().st_mode) == 0o700
    assert not (Path(tempfile.gettempdir()) / "labelsync-crash.log").exists()


def test_a_symlink_planted_at_the_old_shared_path_is_never_followed(crashing: Workspace, cache: Path) -> None:
    victim = crashing.root.parent / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    old = Path(tempfile.gettempdir()) / "labelsync-crash.log"
    old.symlink_to(victim)
    log = crash_log_of(invoke(crashing.root, "validate"))
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert old.is_symlink() and os.readlink(old) == str(victim)
    assert log.parent == cache / "labelsync"
    assert "RuntimeError: boom: a bug" in log.read_text(encoding="utf-8")


def test_a_symlinked_cache_directory_is_never_followed(crashing: Workspace, cache: Path) -> None:
    elsewhere = crashing.root.parent / "someone-elses"
    elsewhere.mkdir()
    cache.mkdir()
    (cache / "labelsync").symlink_to(elsewhere, target_is_directory=True)
    log = crash_log_of(invoke(crashing.root, "validate"))
    assert list(elsewhere.iterdir()) == []
    assert log.parent.parent == Path(tempfile.gettempdir())  # a new private temporary directory instead
    assert log.parent.name.startswith("labelsync-")
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "RuntimeError: boom: a bug" in log.read_text(encoding="utf-8")


def test_a_symlink_at_the_log_name_in_the_cache_directory_is_never_followed(
    crashing: Workspace, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_errors, "_log_name", lambda: "crash-guessed.log")
    victim = crashing.root.parent / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (cache / "labelsync").mkdir(parents=True, mode=0o700)
    planted = cache / "labelsync" / "crash-guessed.log"
    planted.symlink_to(victim)
    log = crash_log_of(invoke(crashing.root, "validate"))
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert planted.is_symlink()
    assert log != planted and log.parent.parent == Path(tempfile.gettempdir())
    assert "RuntimeError: boom: a bug" in log.read_text(encoding="utf-8")


def test_a_cache_directory_others_may_write_in_is_not_used(crashing: Workspace, cache: Path) -> None:
    (cache / "labelsync").mkdir(parents=True)
    (cache / "labelsync").chmod(0o777)
    log = crash_log_of(invoke(crashing.root, "validate"))
    assert list((cache / "labelsync").iterdir()) == []
    assert log.parent.parent == Path(tempfile.gettempdir())


def test_an_unwritable_cache_directory_falls_back_to_a_private_temporary_one(
    crashing: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_directory = tmp_path / "cache-is-a-file"
    not_a_directory.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_directory))  # unwritable, even for root
    log = crash_log_of(invoke(crashing.root, "validate"))
    assert log.parent.parent == Path(tempfile.gettempdir())
    assert "RuntimeError: boom: a bug" in log.read_text(encoding="utf-8")


def test_a_crash_log_that_cannot_be_written_never_hides_the_error(
    crashing: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_directory = tmp_path / "not-a-directory"
    not_a_directory.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_directory / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_directory / "tmp"))
    before = snapshot(tmp_path)
    result = invoke(crashing.root, "validate")
    assert result.exit_code == 1, result.output
    assert result.stderr == UNEXPECTED + "its details could not be saved\n"
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


# -- 2. validate creates nothing and writes nothing ---------------------------------------------------------


def valid(result: Result) -> None:
    assert result.exit_code == 0, result.output
    assert result.stdout == "8 label files valid.\n"
    assert "Created" not in result.stderr


def test_validate_without_a_local_project_creates_nothing(local_workspace: Workspace, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    valid(local_workspace.run("validate"))
    assert snapshot(tmp_path) == before
    assert not local_workspace.path(".labelsync").exists()


def test_validate_reads_a_local_project_and_writes_nothing(local_workspace: Workspace, tmp_path: Path) -> None:
    applied = local_workspace.run("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    assert local_workspace.path(DATABASE).is_file()
    before = snapshot(tmp_path)
    valid(local_workspace.run("validate"))
    assert snapshot(tmp_path) == before  # no -wal or -shm beside the database, no desired cache
    # the titles are those of the project: a title it does not have is found, still writing nothing
    local_workspace.replace_in_file(CHERRY, "data: cherry_001.jpg", "data: cherry_01.jpg")
    before = snapshot(tmp_path)
    result = local_workspace.run("validate")
    assert result.exit_code == 1, result.output
    assert (
        f'error: {CHERRY}:2: data: no data unit titled "cherry_01.jpg" in the project'
        ' (did you mean "cherry_001.jpg"?)\n'
    ) in result.stderr
    assert snapshot(tmp_path) == before


def test_validate_with_the_database_outside_the_repository_writes_nothing(
    local_workspace: Workspace, tmp_path: Path
) -> None:
    outside = tmp_path / "outside" / "project.db"
    local_workspace.replace_in_file("labelsync.yaml", f"database: {DATABASE}", f"database: {outside}")
    before = snapshot(tmp_path)
    valid(local_workspace.run("validate"))
    assert snapshot(tmp_path) == before
    assert not outside.parent.exists()
    planned = local_workspace.run("plan")  # creates it
    assert planned.exit_code == 0, planned.output
    assert outside.is_file()
    before = snapshot(tmp_path)
    valid(local_workspace.run("validate"))
    assert snapshot(tmp_path) == before


def test_validate_reports_an_unreadable_database_and_leaves_it_alone(
    local_workspace: Workspace, tmp_path: Path
) -> None:
    database = local_workspace.path(DATABASE)
    database.parent.mkdir()
    database.write_bytes(bytes(range(256)) * 16)
    before = snapshot(tmp_path)
    result = local_workspace.run("validate")
    assert result.exit_code == 1, result.output
    assert result.stderr == f"error: cannot read the local project {database}: file is not a database\n"
    assert snapshot(tmp_path) == before


def test_a_tampered_local_project_is_reported_by_validate_and_plan(local_workspace: Workspace) -> None:
    assert local_workspace.run("plan").exit_code == 0  # creates the project
    database = local_workspace.path(DATABASE)
    db = sqlite3.connect(database)
    with db:
        db.execute("UPDATE data_units SET extra = '{not json' WHERE type = 'img_group'")
    db.close()
    for command in ("validate", "plan"):
        result = local_workspace.run(command)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(
            f"error: cannot read the local project {database}: it holds something labelsync did not write"
            " (JSONDecodeError: "
        ), result.stderr
        assert result.stderr.endswith("recreate it with `labelsync local init --force`\n")


# -- 3. local init given what it should not be -------------------------------------------------------------


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Workspace]:
    """A directory without labelsync.yaml holding the example's ontology and manifest."""
    root = tmp_path / "fresh"
    root.mkdir()
    for name in ("ontology.json", "manifest.yaml"):
        (root / name).write_bytes((ROOT / "labels" / name).read_bytes())
    ws = Workspace(root, LocalBackend())
    try:
        yield ws
    finally:
        ws.close()


def refused(ws: Workspace, args: list[str], message: str) -> None:
    """`local init ARGS` exits 1 with `message` (one line) and creates nothing."""
    before = snapshot(ws.root)
    result = ws.run("local", "init", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"error: {message}\n"
    assert "Traceback" not in result.output
    assert snapshot(ws.root) == before
    assert not ws.path(DATABASE).exists() and not ws.path(".labelsync").exists()
    assert not ws.path("labelsync.yaml").exists()


A_ROW: dict[str, Any] = {"data_hash": "d1", "data_title": "one.jpg", "data_type": "image", "branch_name": "main"}

EXPORTS: dict[str, tuple[str, str]] = {
    "a row without a data hash": (
        "[{}]",
        "export.json: label row 0 has no `data_hash`: is this an Encord JSON label export?",
    ),
    "a row that is a number": (
        "[1]",
        "export.json: label row 0 is a number, not a label row: is this an Encord JSON label export?",
    ),
    "an object, not a list": (
        "{}",
        "export.json: expected a list of label rows, as Encord's JSON label export writes, not an object",
    ),
    "invalid JSON": (
        '[\n  {"data_hash": "d1"},\n]\n',  # a trailing comma
        "export.json:3: invalid JSON (Expecting value): give the file of an Encord JSON label export",
    ),
    "the same row twice": (
        json.dumps([A_ROW, {**A_ROW, "label_hash": "other"}]),
        "export.json: label rows 0 and 1 are both the row of data unit d1 on branch main: an export has one row"
        " per data unit and branch; remove one",
    ),
    "the same row twice, once on the default branch": (
        json.dumps([A_ROW, {k: v for k, v in A_ROW.items() if k != "branch_name"}]),
        "export.json: label rows 0 and 1 are both the row of data unit d1 on branch main: an export has one row"
        " per data unit and branch; remove one",
    ),
    "a data hash that is a number": (
        '[{"data_hash": 7}]',
        "export.json: label row 0 has no `data_hash`: is this an Encord JSON label export?",
    ),
    "a data type Encord does not have": (
        json.dumps([{**A_ROW, "data_type": "hologram"}]),
        "export.json: label row 0 (data unit d1): data_type: 'hologram' is not a data type Encord has"
        " (image, video, img_group, dicom, nifti, audio, plain_text, pdf, time_series, group, scene, unknown)",
    ),
    "data units that are a number": (
        json.dumps([{**A_ROW, "data_units": 3}]),
        "export.json: label row 0 (data unit d1): data_units: expected an object of data units, not a number",
    ),
    "a frame rate that is a word": (
        json.dumps([{**A_ROW, "data_type": "video", "data_units": {"d1": {"data_fps": "fast"}}}]),
        "export.json: label row 0 (data unit d1): data_units.d1.data_fps: expected a number, 0 or more,"
        " not 'fast'",
    ),
    "a width that is a word": (
        json.dumps([{**A_ROW, "data_units": {"d1": {"width": "wide"}}}]),
        "export.json: label row 0 (data unit d1): data_units.d1.width: expected a number, 0 or more, not 'wide'",
    ),
    "a title that is a list": (
        json.dumps([{**A_ROW, "data_title": ["one"]}]),
        "export.json: label row 0 (data unit d1): data_title: expected a string, not a list",
    ),
    "an image of a group without a data hash": (
        json.dumps([{**A_ROW, "data_type": "img_group", "data_units": {"i0": {"data_sequence": 0}}}]),
        "export.json: label row 0 (data unit d1): data_units.i0.data_hash: every image of an image group"
        " needs one",
    ),
    "tags that are a number": (
        json.dumps([{**A_ROW, "labelsync_tags": 3}]),
        "export.json: label row 0 (data unit d1): labelsync_tags: expected {data: [...], frames: {...},"
        " labels: {...}}, as `local export` writes",
    ),
    "a frame tag range of one number": (
        json.dumps([{**A_ROW, "labelsync_tags": {"frames": {"night": [[1]]}}}]),
        "export.json: label row 0 (data unit d1): labelsync_tags.frames.night: expected a list of [first, last]"
        " frame ranges",
    ),
}


@pytest.mark.parametrize("case", sorted(EXPORTS))
def test_local_init_refuses_an_export_that_is_not_one(fresh: Workspace, case: str) -> None:
    text, message = EXPORTS[case]
    fresh.path("export.json").write_text(text, encoding="utf-8")
    refused(fresh, ["--ontology", "ontology.json", "--export", "export.json"], message)


@pytest.mark.parametrize(
    "row",
    [{**A_ROW, "object_answers": 3}, {"data_hash": "d1", "object_answers": 3}],
    ids=["an image row", "a row without a data type"],
)
def test_local_init_refuses_a_row_the_decoder_cannot_read(fresh: Workspace, row: dict[str, Any]) -> None:
    fresh.path("export.json").write_text(json.dumps([row]), encoding="utf-8")
    before = snapshot(fresh.root)
    result = fresh.run("local", "init", "--ontology", "ontology.json", "--export", "export.json")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: export.json: label row 0 (data unit d1): "), result.stderr
    assert "'int' object is not iterable" in result.stderr and len(result.stderr.splitlines()) == 1
    assert snapshot(fresh.root) == before


def test_local_init_refuses_an_export_it_cannot_read(fresh: Workspace) -> None:
    refused(
        fresh,
        ["--ontology", "ontology.json", "--export", "missing.json"],
        "cannot read the export missing.json: No such file or directory",
    )


MANIFESTS: dict[str, tuple[str, str]] = {
    "a frame rate that is a word": (
        "data_units:\n  - title: a.mp4\n    type: video\n    fps: fast\n",
        'manifest.yaml:4: data_units[0].fps: expected a number of frames per second, 0 or more, not "fast"',
    ),
    "a width that is true": (
        "data_units:\n  - title: a.jpg\n    width: true\n",
        "manifest.yaml:3: data_units[0].width: expected a positive whole number, not true",
    ),
    "frames that are a fraction": (
        "data_units:\n  - title: a.mp4\n    type: video\n    frames: 2.5\n",
        "manifest.yaml:4: data_units[0].frames: expected a positive whole number, not 2.5",
    ),
    "a hash that is a list": (
        "data_units:\n  - title: a.jpg\n    hash: [1, 2]\n",
        "manifest.yaml:3: data_units[0].hash: expected the data unit's hash as a string, not [1, 2]",
    ),
    "a type that is a list": (
        "data_units:\n  - title: a.jpg\n    type: [image]\n",
        "manifest.yaml:3: data_units[0].type: expected one of image, video, img_group, dicom, nifti, audio,"
        ' plain_text, pdf, time_series, group, scene, not ["image"]',
    ),
    "a title that is a number": (
        "data_units:\n  - title: 7\n",
        "manifest.yaml:2: data_units[0].title: every data unit needs a title",
    ),
    "data units that are a mapping": (
        "data_units:\n  a.jpg: {width: 1}\n",
        "manifest.yaml:1: expected `data_units:`, a list of data units",
    ),
}


@pytest.mark.parametrize("case", sorted(MANIFESTS))
def test_local_init_refuses_a_manifest_with_a_wrong_value(fresh: Workspace, case: str) -> None:
    text, message = MANIFESTS[case]
    fresh.path("manifest.yaml").write_text(text, encoding="utf-8")
    refused(fresh, ["--ontology", "ontology.json", "--manifest", "manifest.yaml"], message)


def test_local_init_refuses_a_manifest_it_cannot_read(fresh: Workspace) -> None:
    refused(
        fresh,
        ["--ontology", "ontology.json", "--manifest", "missing.yaml"],
        "cannot read the manifest missing.yaml: No such file or directory",
    )


def _classification(editor: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = editor["classifications"][0]
    return first


ONTOLOGIES: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "a classification without attributes": (
        lambda e: e["classifications"].append({"id": "9", "featureNodeHash": "c0ffee00", "attributes": []}),
        "classifications[2]: a classification without attributes (its first attribute is its question)",
    ),
    "a classification whose attributes are missing": (
        lambda e: e["classifications"].append({"id": "9", "featureNodeHash": "c0ffee00"}),
        "classifications[2]: a classification without attributes (its first attribute is its question)",
    ),
    "an object without a featureNodeHash": (
        lambda e: e["objects"][0].pop("featureNodeHash"),
        "objects[0]: `featureNodeHash` is missing",
    ),
    "an object whose name is a number": (
        lambda e: e["objects"][0].update(name=3),
        "objects[0].name: expected a string, not a number",
    ),
    "objects that are an object": (
        lambda e: e.update(objects={}),
        "objects: expected a list, not an object",
    ),
    "an attribute without a type": (
        lambda e: _classification(e)["attributes"][0].pop("type"),
        "classifications[0].attributes[0]: `type` is missing",
    ),
    "required that is a word": (
        lambda e: _classification(e)["attributes"][0].update(required="yes"),
        "classifications[0].attributes[0].required: expected true or false, not a string",
    ),
    "an option without a label": (
        lambda e: _classification(e)["attributes"][0]["options"][0].pop("label"),
        "classifications[0].attributes[0].options[0]: `label` is missing",
    ),
    "options that are a string": (
        lambda e: _classification(e)["attributes"][0].update(options="Blueberry"),
        "classifications[0].attributes[0].options: expected a list, not a string",
    ),
    "a skeleton point keyed by a name": (
        lambda e: e["skeleton_templates"][0]["template"]["skeleton"].update(tip={"name": "tip"}),
        "skeleton_templates[0].template.skeleton.tip: expected the point's number as its key",
    ),
}


@pytest.mark.parametrize("case", sorted(ONTOLOGIES))
def test_local_init_refuses_a_malformed_ontology(fresh: Workspace, case: str) -> None:
    change, where = ONTOLOGIES[case]
    editor = json.loads(fresh.path("ontology.json").read_text(encoding="utf-8"))
    change(editor)
    fresh.path("ontology.json").write_text(json.dumps(editor), encoding="utf-8")
    message = f"ontology.json: {where}: fix it, or export the ontology from Encord again"
    refused(fresh, ["--ontology", "ontology.json", "--manifest", "manifest.yaml"], message)


def test_local_init_refuses_an_ontology_that_is_a_list(fresh: Workspace) -> None:
    fresh.path("ontology.json").write_text("[]", encoding="utf-8")
    message = "ontology.json: expected an object, not a list: fix it, or export the ontology from Encord again"
    refused(fresh, ["--ontology", "ontology.json", "--manifest", "manifest.yaml"], message)


def test_a_malformed_ontology_is_named_by_plan_and_validate(local_workspace: Workspace) -> None:
    path = local_workspace.path("labels/ontology.json")
    editor = json.loads(path.read_text(encoding="utf-8"))
    editor["classifications"].append({"id": "9", "featureNodeHash": "c0ffee00", "attributes": []})
    path.write_text(json.dumps(editor), encoding="utf-8")
    for command in ("validate", "plan"):
        result = local_workspace.run(command)
        assert result.exit_code == 1, result.output
        assert result.stderr == (
            f"error: {path}: classifications[2]: a classification without attributes (its first attribute is"
            " its question): fix it, or export the ontology from Encord again\n"
        )
    assert not local_workspace.path(".labelsync").exists()


# -- 4. printed text is inert ------------------------------------------------------------------------------


def test_a_title_in_a_finding_cannot_forge_a_line(local_workspace: Workspace) -> None:
    assert local_workspace.run("plan").exit_code == 0  # creates the project: titles are checked
    hostile = "cherry_0\x1b[2J01.jpg\nerror: forged"
    local_workspace.replace_in_file(CHERRY, "data: cherry_001.jpg", f"data: {json.dumps(hostile)}")
    result = local_workspace.run("validate")
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f'error: {CHERRY}:2: data: no data unit titled "cherry_0\\x1b[2J01.jpg\\nerror: forged" in the project'
        ' (did you mean "cherry_001.jpg"?)',
        "1 problem in the label files: nothing was written to the remote.",
    ]
    assert "\x1b" not in result.output


def test_a_path_in_an_error_cannot_forge_a_line(fresh: Workspace) -> None:
    result = fresh.run("local", "init", "--ontology", "ontology.json", "--export", "rows\n\x1b[31m.json")
    assert result.exit_code == 1, result.output
    assert result.stderr == "error: cannot read the export rows\\n\\x1b[31m.json: No such file or directory\n"
    assert not fresh.path(".labelsync").exists()
