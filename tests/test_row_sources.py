"""The local project remembers which label file content each row was last written from (`row_sources`).

So a plan with no desired cache (a fresh runner) sets unchanged files aside without parsing them, and still
sees every change: a file edited since, and a row edited on the remote since (its fingerprint moved on).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from labelsync_workspace import Workspace

from reconciler.desired import loading
from reconciler.desired.cache import CacheEntry
from reconciler.remotes import local_sources

DATABASE = ".labelsync/project.db"
CACHE = ".labelsync/desired-cache.json"
CHERRY = "labels/images/cherry_001.jpg.yaml"


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the label files parsed in full (serially: the example has few files)."""
    names: list[str] = []
    parse = loading._parse_one

    def counting(source: loading.Source, *args: object, **kwargs: object) -> object:
        names.append(source.name)
        return parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loading, "_parse_one", counting)
    yield names


@pytest.fixture
def applied(local_workspace: Workspace) -> Workspace:
    result = local_workspace.run("apply", "--yes")
    assert result.exit_code == 0, result.output
    local_workspace.path(CACHE).unlink()
    return local_workspace


def test_a_fresh_runner_parses_no_unchanged_file(applied: Workspace, parsed: list[str]) -> None:
    result = applied.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert parsed == []


def test_rows_applied_after_a_plan_are_remembered_too(local_workspace: Workspace, parsed: list[str]) -> None:
    """plan, then apply (as a pull request, then its merge): the apply finds every file already in the
    desired cache the plan wrote, and still records what each row was written from."""
    for command in (["plan"], ["apply", "--yes"]):
        result = local_workspace.run(*command)
        assert result.exit_code == 0, result.output
    local_workspace.path(CACHE).unlink()
    parsed.clear()
    result = local_workspace.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert parsed == []


def test_a_file_edited_since_is_parsed_and_planned(applied: Workspace, parsed: list[str]) -> None:
    path = applied.path(CHERRY)
    path.write_text(path.read_text(encoding="utf-8").replace("x: 0.12", "x: 0.13", 1), encoding="utf-8")
    result = applied.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert parsed == [CHERRY]


def test_a_row_edited_on_the_remote_since_is_parsed(applied: Workspace, parsed: list[str]) -> None:
    title_hash = applied.data_units()["cherry_001.jpg"].hash
    db = sqlite3.connect(applied.path(DATABASE), isolation_level=None)
    try:
        db.execute("UPDATE label_rows SET fingerprint = 'edited' WHERE data_hash = ?", (title_hash,))
    finally:
        db.close()
    applied.run("plan")
    assert parsed == [CHERRY]


def test_a_project_from_before_row_sources_still_plans(applied: Workspace, parsed: list[str]) -> None:
    db = sqlite3.connect(applied.path(DATABASE), isolation_level=None)
    try:
        db.execute("DROP TABLE row_sources")
    finally:
        db.close()
    result = applied.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert len(parsed) == len(set(parsed)) > 0


def test_validate_on_a_fresh_runner_parses_only_files_edited_since(applied: Workspace, parsed: list[str]) -> None:
    signatures = applied.path(".labelsync/file-signatures.json")
    signatures.unlink(missing_ok=True)
    path = applied.path(CHERRY)
    path.write_text(path.read_text(encoding="utf-8").replace("x: 0.12", "x: 1.5", 1), encoding="utf-8")
    result = applied.run("validate")
    assert result.exit_code == 1, result.output
    assert "cherry_001.jpg.yaml" in result.output
    assert parsed == [CHERRY]
    assert not applied.path(CACHE).exists() and not signatures.exists()  # validate writes nothing


def test_what_the_project_remembered_is_kept_in_the_desired_cache(applied: Workspace) -> None:
    """The next plan finds it in the cache file, without reading every row's source from the project."""
    result = applied.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    cached = json.loads(applied.path(CACHE).read_text(encoding="utf-8"))
    assert CHERRY in {name for name, _ in cached["entries"]}


@pytest.fixture
def whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a plan read the project's whole memory (`row_sources`)."""
    reads: list[int] = []
    read_all = local_sources.RowSources._read_all

    def counting(self: local_sources.RowSources) -> dict[tuple[str, str], CacheEntry]:
        reads.append(1)
        return read_all(self)

    monkeypatch.setattr(local_sources.RowSources, "_read_all", counting)
    return reads


def test_a_few_files_the_cache_does_not_know_are_looked_up_one_by_one(
    applied: Workspace, parsed: list[str], whole_reads: list[int]
) -> None:
    result = applied.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert parsed == [] and whole_reads == []


def test_many_files_the_cache_does_not_know_read_the_memory_whole_once(
    applied: Workspace, parsed: list[str], whole_reads: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_sources, "BULK_FROM", 3)
    result = applied.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert parsed == [] and whole_reads == [1]


def test_a_memory_without_its_index_is_read_whole_and_the_next_apply_adds_the_index(
    applied: Workspace, parsed: list[str], whole_reads: list[int]
) -> None:
    db = sqlite3.connect(applied.path(DATABASE), isolation_level=None)
    try:
        db.execute(f"DROP INDEX {local_sources.INDEX}")
    finally:
        db.close()
    result = applied.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert parsed == [] and whole_reads == [1]

    applied.replace_in_file(CHERRY, "x: 0.12", "x: 0.13")
    assert applied.run("apply", "--yes").exit_code == 0
    db = sqlite3.connect(applied.path(DATABASE), isolation_level=None)
    try:
        indexes = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        db.close()
    assert local_sources.INDEX in indexes
