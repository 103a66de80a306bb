"""A copy of the example project in a temporary folder, driven the way a user drives it.

`Workspace` is labelsync.yaml and labels/ copied from the repository, with a remote behind it. The
scenario tests (tests/test_scenarios.py) only talk to it: the real CLI (in-process through typer's
CliRunner, or in a subprocess), the label files, and the remote through the `Remote` protocol. So
the same scenarios run against every kind of remote in `BACKENDS`: today the embedded local project
(a real SQLite file); an Encord backend (a local fake server the real SDK talks to) plugs in as one
more `Backend`. Nothing here replaces labelsync's own code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml
from typer.testing import CliRunner

from reconciler.canonical import row_fingerprint
from reconciler.cli.main import app
from reconciler.config import load_config
from reconciler.display import flatten
from reconciler.identity import label_hash as derive_label_hash
from reconciler.model import DataUnit, LabelRow, RowKey
from reconciler.remotes.base import Remote, RowWrite, WriteStatus
from reconciler.remotes.open import open_remote

ROOT = Path(__file__).resolve().parent.parent
SUBPROCESS_TIMEOUT = 120
"""Seconds: a CLI run in a subprocess that takes longer than this has hung."""


# -- backends ------------------------------------------------------------------------------------


class Backend(Protocol):
    """What a scenario needs from a kind of remote beyond the `Remote` protocol."""

    name: str

    def prepare(self, root: Path) -> None:
        """Point the workspace's labelsync.yaml at this backend (start servers, write settings)."""

    def dump(self, root: Path) -> Any:
        """Everything the remote stores for label rows and tags, exactly: equal dumps, nothing written."""

    def close(self) -> None: ...


class LocalBackend:
    """The embedded local project: the example's own labelsync.yaml, a real SQLite file."""

    name = "local"
    database = Path()
    """The SQLite file, as the example's labelsync.yaml names it (read once: tests may break the config)."""

    def prepare(self, root: Path) -> None:
        config = load_config(root / "labelsync.yaml")
        self.database = config.path(config.remote.settings["database"])

    def dump(self, root: Path) -> dict[str, list[tuple[Any, ...]]]:
        database = self.database
        if not database.exists():
            return {"label_rows": [], "tags": []}
        db = sqlite3.connect(database)
        try:
            return {
                "label_rows": db.execute("SELECT * FROM label_rows ORDER BY data_hash, branch").fetchall(),
                "tags": db.execute(
                    "SELECT * FROM tags ORDER BY data_hash, branch, scope, target, name"
                ).fetchall(),
            }
        finally:
            db.close()

    def close(self) -> None:
        pass


class EncordBackend:
    """An Encord project on a local server that speaks Encord's wire protocol (tests/fake_encord),
    seeded with the example's ontology and data units; labelsync reaches it through the real SDK
    with a key generated for the test."""

    name = "encord"
    KEY_ENV = "LABELSYNC_TEST_ENCORD_KEY"

    def prepare(self, root: Path) -> None:
        from fake_encord import FakeEncord

        (root.parent / "encord-server").mkdir(exist_ok=True)
        self.server = FakeEncord(root.parent / "encord-server").start()
        editor = json.loads((root / "labels" / "ontology.json").read_text(encoding="utf-8"))
        self.project = self.server.add_project("Blueberries and Cherries", editor)
        manifest = yaml.safe_load((root / "labels" / "manifest.yaml").read_text(encoding="utf-8"))
        for unit in manifest["data_units"]:
            self.server.add_data_unit(
                self.project,
                unit["title"],
                type=unit.get("type", "image"),
                frames=unit.get("frames", 1),
                width=unit.get("width", 640),
                height=unit.get("height", 480),
                fps=unit.get("fps", 25.0),
                data_hash=unit.get("hash"),
            )
        config = yaml.safe_load((root / "labelsync.yaml").read_text(encoding="utf-8"))
        config["remote"] = {
            "kind": "encord",
            "project_hash": self.project,
            "domain": self.server.domain,
            "key_env": self.KEY_ENV,
            "backoff_factor": 0.05,
            "read_timeout": 10,
            # Off so that request counts do not depend on how long a test takes (see test_encord_memory.py).
            "remember_rows": False,
        }
        (root / "labelsync.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        os.environ[self.KEY_ENV] = self.server.new_ssh_key()

    def dump(self, root: Path) -> dict[str, list[tuple[Any, ...]]]:
        rows = sorted(
            (r.data_hash, r.branch, json.dumps(r.row, sort_keys=True))
            for r in self.server.store.rows(self.project)
        )
        items = sorted(
            (c["name"], c.get("type", ""), *item)
            for c in self.server.collections(self.project)
            for item in self.server.collection_items(c["uuid"])
        )
        return {"label_rows": rows, "tags": [tuple(map(str, i)) for i in items]}

    def close(self) -> None:
        os.environ.pop(self.KEY_ENV, None)
        self.server.stop()


BACKENDS: dict[str, Callable[[], Backend]] = {"local": LocalBackend, "encord": EncordBackend}


# -- the workspace -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Workspace:
    """A copy of the example project with a remote behind it, driven the way a user drives it."""

    def __init__(self, root: Path, backend: Backend) -> None:
        self.root = root
        self.backend = backend
        self._remotes: list[Remote] = []

    # the CLI

    def run(self, *args: str, input: str | None = None) -> Result:
        """`labelsync ARGS...` in the workspace, in-process. A crash (a bug) fails the test.

        typer (0.29) ships its own copy of Click, whose CliRunner always keeps stdout and stderr
        apart (it has no `mix_stderr`); its stdin is not a terminal, as in CI.
        """
        runner = CliRunner()
        previous = Path.cwd()
        os.chdir(self.root)
        try:
            result = runner.invoke(app, list(args), input=input, catch_exceptions=True)
        finally:
            os.chdir(previous)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        if "a bug in labelsync" in result.stderr:
            named = re.search(r"details in (\S+)", result.stderr)
            log = Path(named[1]) if named else None
            pytest.fail(f"labelsync crashed:\n{log.read_text() if log and log.exists() else result.stderr}")
        return Result(result.exit_code, result.stdout, result.stderr)

    def run_subprocess(self, *args: str, module: bool = True, env: dict[str, str] | None = None) -> Result:
        """`python -m reconciler ARGS...` (or the `labelsync` script) in the workspace, in a new process
        (with `env` added to the environment)."""
        if module:
            command = [sys.executable, "-m", "reconciler", *args]
        else:
            command = [str(Path(sys.executable).with_name("labelsync")), *args]
        done = subprocess.run(
            command,
            cwd=self.root,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=SUBPROCESS_TIMEOUT,
            check=False,
            env={**os.environ, **env} if env else None,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    # the label files

    def path(self, relpath: str) -> Path:
        return self.root / relpath

    def read_label_file(self, relpath: str) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load(self.path(relpath).read_text(encoding="utf-8"))
        return data

    def edit_label_file(self, relpath: str, mutate: Callable[[dict[str, Any]], object]) -> None:
        """Load the YAML file, let `mutate` change the dict in place (its result is ignored), write it back."""
        doc = self.read_label_file(relpath)
        mutate(doc)
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        self.path(relpath).write_text(text, encoding="utf-8")

    def replace_in_file(self, relpath: str, old: str, new: str) -> None:
        """A textual edit that keeps every other line where it was (for file:line assertions)."""
        text = self.path(relpath).read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not exactly once in {relpath}"
        self.path(relpath).write_text(text.replace(old, new), encoding="utf-8")

    def line_of(self, relpath: str, text: str) -> int:
        """The 1-based line of the only line of the file containing `text`."""
        lines = self.path(relpath).read_text(encoding="utf-8").splitlines()
        found = [number for number, line in enumerate(lines, 1) if text in line]
        assert len(found) == 1, f"{text!r} is on lines {found} of {relpath}"
        return found[0]

    # the remote

    def remote(self) -> Remote:
        """The workspace's remote, opened as labelsync opens it; closed when the test ends."""
        remote = open_remote(load_config(self.root / "labelsync.yaml"))
        self._remotes.append(remote)
        return remote

    @contextmanager
    def _remote(self) -> Iterator[Remote]:
        remote = open_remote(load_config(self.root / "labelsync.yaml"))
        try:
            yield remote
        finally:
            remote.close()

    def dump(self) -> Any:
        """Everything the remote stores: compare two dumps to prove nothing was written."""
        return self.backend.dump(self.root)

    def data_units(self) -> dict[str, DataUnit]:
        """The project's data units by title."""
        with self._remote() as remote:
            return {unit.title: unit for unit in remote.list_rows(frozenset({"main"})).data_units}

    def key(self, title: str, branch: str = "main") -> RowKey:
        return RowKey(self.data_units()[title].hash, branch)

    def row(self, title: str) -> LabelRow:
        """The label row of a data unit as the remote holds it now."""
        key = self.key(title)
        with self._remote() as remote:
            return remote.fetch([key])[key]

    def labels(self, title: str) -> dict[str, dict[str, Any]]:
        """The remote's labels of a data unit in reviewer terms: {file id (or hash): {"box.x": 0.3, ...}}.

        Ids are those of the data unit's label file; a label no file declares (an annotator's) is
        keyed by its hash. Each label also has "tags": its label-scope tags.
        """
        key = self.key(title)
        ids = self._ids(key)
        with self._remote() as remote:
            row = remote.fetch([key])[key]
            ontology = remote.ontology()
        return {
            ids.get(label.hash, label.hash): {**flatten(label, ontology), "tags": list(label.tags)}
            for label in row.labels
        }

    def label_hash(self, title: str, label_id: str) -> str:
        return derive_label_hash(self.key(title).data_hash, "main", label_id)

    def sdk_row(self, row: dict[str, Any]) -> Any:
        """A label-row dict parsed by the official SDK offline (`LabelRowV2.from_labels_dict`)."""
        from encord_fixtures import sdk_label_row

        editor = json.loads(self.path("labels/ontology.json").read_text(encoding="utf-8"))
        unit = self.data_units()[row["data_title"]]
        parsed = sdk_label_row(unit, editor, label_hash=row["label_hash"], branch=row["branch_name"])
        parsed.from_labels_dict(row)
        return parsed

    def annotator_edit(self, title: str, change: Callable[[LabelRow], LabelRow]) -> None:
        """Someone edits the row in the remote's own editor: read it, change it, save it."""
        key = self.key(title)
        with self._remote() as remote:
            before = remote.fetch([key])[key]
            (result,) = remote.write([RowWrite(change(before), expected=row_fingerprint(before))])
        assert result.status is WriteStatus.WRITTEN, result

    def close(self) -> None:
        for remote in self._remotes:
            remote.close()
        self.backend.close()

    def _ids(self, key: RowKey) -> dict[str, str]:
        """labelhash -> id for the labels declared by the label file of `key`'s data unit."""
        hashes = {unit.title: unit.hash for unit in self.data_units().values()}
        ids: dict[str, str] = {}
        for path in sorted(self.path("labels").rglob("*.yaml")):
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or "data_units" in doc:
                continue
            data_hash = hashes.get(str(doc.get("data"))) or doc.get("data_hash")
            if data_hash != key.data_hash:
                continue
            for entry in [*doc.get("objects", []), *doc.get("classifications", [])]:
                ids[entry.get("hash") or derive_label_hash(key.data_hash, key.branch, entry["id"])] = entry["id"]
        return ids


def make_workspace(tmp_path: Path, backend: Backend) -> Iterator[Workspace]:
    """The example project under tmp_path on `backend`; closed when the generator resumes."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(ROOT / "labelsync.yaml", root / "labelsync.yaml")
    shutil.copytree(ROOT / "labels", root / "labels")
    backend.prepare(root)
    ws = Workspace(root, backend)
    try:
        yield ws
    finally:
        ws.close()


LOCAL_CONFIG = """labels: labels
ontology: labels/ontology.json
remote: {kind: local, database: .labelsync/project.db}
"""


def exported_project(tmp_path: Path, ontology: dict[str, Any], rows: list[dict[str, Any]]) -> Iterator[Workspace]:
    """A local project made the way a user adopts an Encord export (`labelsync local init --export`), with an
    empty labels/ beside its ontology; closed when the generator resumes."""
    root = tmp_path / "project"
    (root / "labels").mkdir(parents=True)
    (root / "labelsync.yaml").write_text(LOCAL_CONFIG, encoding="utf-8")
    (root / "labels" / "ontology.json").write_text(json.dumps(ontology), encoding="utf-8")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(rows), encoding="utf-8")
    backend = LocalBackend()
    backend.prepare(root)
    ws = Workspace(root, backend)
    try:
        created = ws.run("local", "init", "--ontology", "labels/ontology.json", "--export", str(export))
        assert created.exit_code == 0, created.output
        yield ws
    finally:
        ws.close()
