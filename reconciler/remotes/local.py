"""The embedded local project: a SQLite database that behaves like an Encord project.

Label rows are stored in Encord's own label-row dict format (what `LabelRowV2.to_encord_dict()`
writes), beside each row's content fingerprint, revision and last-edited time, so a no-change
plan reads fingerprints only. Tags at data and label scope live in their own table. Every write
is one transaction per bundle that re-checks each row's fingerprint before replacing it.

It also remembers, per row, which label file content the row was last written from (`row_sources`: the
desired-cache entry of that content, `SourceMemory`), so a plan on a fresh runner sets unchanged files
aside with a digest and a hash compare instead of parsing them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from reconciler.canonical import row_fingerprint
from reconciler.desired.cache import CacheEntry, entry_values
from reconciler.encord_format import EncordFormatError, decode_row, empty_row_dict, encode_row, encord_timestamp
from reconciler.errors import ConfigError, RemoteError
from reconciler.model import DataUnit, FrameTag, LabelRow, RowKey, RowListing, with_tags
from reconciler.ontology import Ontology
from reconciler.remotes.base import Listing, RowResult, RowWrite, WriteStatus
from reconciler.remotes.local_schema import (
    LISTING,
    SCHEMA,
    SCHEMA_VERSION,
    SOURCES,
    SOURCES_INDEX,
    data_unit_from_row,
)
from reconciler.remotes.local_sources import RowSources
from reconciler.remotes.manifest import derived_hash

TAGS_KEY = "labelsync_tags"
"""The one key `local export` adds to Encord's label-row dict: the row's tags, which Encord keeps in
collections outside label rows. `local init --export` reads it back; the SDK ignores it."""


class LocalProject:
    """A `Remote` over a SQLite file. Create one with `create`, open it with the constructor."""

    def __init__(self, path: Path, name: str | None = None, *, read_only: bool = False) -> None:
        self.path = path
        self.name = name or str(path)
        """How plans name this project: relative to the repository, so a plan made in one
        checkout applies in another."""
        self.read_only = read_only
        """Opened for reading only (`validate`): nothing is created beside the file, and `write` refuses."""
        if not path.is_file():
            raise RemoteError(f"no local project at {path}: create it with `labelsync local init`")
        try:
            self._db = _connect(path, read_only)
        except sqlite3.DatabaseError as exc:
            raise RemoteError(f"cannot read the local project {path}: {exc}") from None
        try:
            self._ontology = self._checked_ontology()
        except BaseException:
            self._db.close()
            raise
        self.writes = 0
        """Rows written through this handle (benchmarks and tests count them)."""
        self._sources: dict[RowKey, tuple[str, CacheEntry]] = {}
        """(file name, cache entry) of the label files parsed in this process, by the row each declares."""

    # -- Remote -------------------------------------------------------------------------------

    @property
    def description(self) -> str:
        return f"local project {self.name}"

    def ontology(self) -> Ontology:
        return self._ontology

    def list_rows(self, branches: frozenset[str]) -> Listing:
        with self._reading():
            stored = self._db.execute("SELECT * FROM data_units").fetchall()
            # By title, as ORDER BY title would (UTF-8 bytes and code points sort alike), at half its cost.
            stored.sort(key=itemgetter(1))
            units = tuple(map(data_unit_from_row, stored))
            by_hash = {u.hash: u for u in units}
            rows = {}
            query = listed_rows_query(len(branches))
            for data_hash, branch, label_hash, fingerprint in self._db.execute(query, sorted(branches)):
                key = RowKey(data_hash, branch)
                rows[key] = RowListing(key, by_hash[data_hash], label_hash, fingerprint)
        return Listing(units, rows)

    def fetch(self, keys: Sequence[RowKey]) -> dict[RowKey, LabelRow]:
        with self._reading():
            return {key: self._read(key)[0] for key in keys}

    def fetch_bundles(self, bundles: Sequence[Sequence[RowKey]]) -> Iterator[dict[RowKey, LabelRow]]:
        """One bundle at a time: reading a local file gains nothing from reading ahead."""
        for keys in bundles:
            yield self.fetch(keys)

    def write(self, writes: Sequence[RowWrite]) -> list[RowResult]:
        if self.read_only:
            raise RemoteError(f"the local project {self.path} was opened read-only")
        results = []
        with self._transaction():
            self._db.execute(LISTING)
            if self._sources:
                self._db.execute(SOURCES)
                self._db.execute(SOURCES_INDEX)
            for write in writes:
                current, stored = self._read(write.row.key)
                if row_fingerprint(current) != write.expected:
                    results.append(RowResult(write.row.key, WriteStatus.STALE, "changed since the plan"))
                    continue
                self._store(write.row, stored)
                source = self._sources.get(write.row.key)
                if source is not None:
                    name, entry = source
                    self._db.execute(
                        "INSERT OR REPLACE INTO row_sources VALUES (?, ?, ?, ?, ?)",
                        (
                            write.row.key.data_hash,
                            write.row.key.branch,
                            name,
                            entry.digest,
                            orjson.dumps(entry_values(entry)).decode(),
                        ),
                    )
                results.append(RowResult(write.row.key, WriteStatus.WRITTEN))
        self.writes += sum(r.status is WriteStatus.WRITTEN for r in results)
        return results

    # -- SourceMemory (reconciler.desired.cache) ------------------------------------------------

    def written_from(self) -> Mapping[tuple[str, str], CacheEntry]:
        """(file name, digest) -> the cache entry of the file content each row was last written from."""
        return RowSources(self._db)

    def remember(self, entries: Iterable[tuple[str, CacheEntry]]) -> None:
        for name, entry in entries:
            self._sources[RowKey(entry.row_data_hash, entry.branch)] = (name, entry)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the project's apply lock (`local_lock`): a second apply fails at once, naming this one."""
        if self.read_only:
            raise RemoteError(f"the local project {self.path} was opened read-only")
        from reconciler.remotes.local_lock import apply_lock

        with apply_lock(self.path):
            yield

    def close(self) -> None:
        self._db.close()

    # -- beyond the protocol: export -----------------------------------------------------------

    def export(self) -> list[dict[str, Any]]:
        """Every label row as Encord's JSON export writes it, with its tags under `TAGS_KEY`."""
        exported = []
        with self._reading():
            query = "SELECT data_hash, branch, row_json FROM label_rows ORDER BY data_hash, branch"
            for data_hash, branch, row_json in self._db.execute(query).fetchall():
                row = json.loads(row_json)
                data_tags, frame_tags, label_tags = self._tags(RowKey(data_hash, branch))
                if data_tags or frame_tags or label_tags:
                    row[TAGS_KEY] = {
                        "data": sorted(data_tags),
                        "frames": {t.name: [list(r) for r in t.ranges] for t in frame_tags},
                        "labels": {target: sorted(names) for target, names in label_tags.items()},
                    }
                exported.append(row)
        return exported

    # -- internals -----------------------------------------------------------------------------

    def _checked_ontology(self) -> Ontology:
        """The project's ontology, once the file is known to be a labelsync project."""
        try:
            version = self._meta("schema_version")
        except sqlite3.DatabaseError as exc:
            raise RemoteError(f"cannot read the local project {self.path}: {exc}") from None
        if version != str(SCHEMA_VERSION):
            raise RemoteError(f"{self.path} is not a labelsync local project (schema {version!r})")
        try:
            editor = json.loads(self._meta("ontology") or "{}")
        except ValueError:
            raise RemoteError(f"the ontology stored in the local project {self.path} is not JSON") from None
        return Ontology.from_editor_dict(editor, f"the ontology stored in {self.path}")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise RemoteError(f"cannot read the local project {self.path}: {exc}") from None
        except (ValueError, TypeError, KeyError) as exc:  # a row or data unit labelsync did not write
            raise RemoteError(
                f"cannot read the local project {self.path}: it holds something labelsync did not write"
                f" ({type(exc).__name__}: {exc}); recreate it with `labelsync local init --force`"
            ) from None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise RemoteError(
                f"the local project {self.path} is locked ({exc}): is another labelsync running?"
            ) from None
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _read(self, key: RowKey) -> tuple[LabelRow, dict[str, Any] | None]:
        found = self._db.execute(
            "SELECT row_json FROM label_rows WHERE data_hash = ? AND branch = ?", (key.data_hash, key.branch)
        ).fetchone()
        if found is None:
            return LabelRow(key), None
        stored: dict[str, Any] = json.loads(found[0])
        try:
            row = decode_row(stored, self._ontology, key.branch)
        except EncordFormatError as exc:
            raise RemoteError(f"label row {key} in {self.path} is unreadable: {exc}") from None
        return with_tags(row, *self._tags(key)), stored

    def _tags(self, key: RowKey) -> tuple[list[str], list[FrameTag], dict[str, list[str]]]:
        data_tags: list[str] = []
        frame_tags: list[FrameTag] = []
        label_tags: dict[str, list[str]] = {}
        query = "SELECT scope, target, name, ranges FROM tags WHERE data_hash = ? AND branch = ?"
        for scope, target, name, ranges in self._db.execute(query, (key.data_hash, key.branch)):
            if scope == "label":
                label_tags.setdefault(target, []).append(name)
            elif ranges:
                frame_tags.append(FrameTag(name, tuple((s, e) for s, e in json.loads(ranges))))
            else:
                data_tags.append(name)
        return data_tags, frame_tags, label_tags

    def _store(self, row: LabelRow, stored: dict[str, Any] | None) -> None:
        key = row.key
        unit_row = self._db.execute("SELECT * FROM data_units WHERE hash = ?", (key.data_hash,)).fetchone()
        if unit_row is None:
            raise RemoteError(f"data unit {key.data_hash} is not in {self.path}")
        now = encord_timestamp(datetime.now(timezone.utc))
        base = stored or empty_row_dict(
            data_unit_from_row(unit_row),
            key.branch,
            derived_hash(f"label-row/{key.data_hash}/{key.branch}"),
            json.loads(str(unit_row[7] or "null")),
        )
        encoded = encode_row(row, self._ontology, base, now=now)
        encoded["last_edited_at"] = now
        self._db.execute(
            "INSERT INTO label_rows (data_hash, branch, label_hash, revision, last_edited_at, fingerprint, row_json)"
            " VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (data_hash, branch) DO UPDATE SET"
            " revision = revision + 1, last_edited_at = excluded.last_edited_at,"
            " fingerprint = excluded.fingerprint, row_json = excluded.row_json",
            (key.data_hash, key.branch, encoded["label_hash"], now, row_fingerprint(row), json.dumps(encoded)),
        )
        self._db.execute("DELETE FROM tags WHERE data_hash = ? AND branch = ?", (key.data_hash, key.branch))
        self._db.executemany("INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?)", _tag_rows(row))


def listed_rows_query(branches: int) -> str:
    """What a listing reads of the label rows on `branches` branches: the `LISTING` index covers it."""
    marks = ",".join("?" * branches)
    return f"SELECT data_hash, branch, label_hash, fingerprint FROM label_rows WHERE branch IN ({marks})"


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    """A connection to the project. Read-only, it is also `immutable`: SQLite then never creates the
    `-wal` and `-shm` files that even a `mode=ro` connection leaves beside a WAL database. That is safe
    for what a read-only reader needs: data units and the ontology are only ever written by
    `create_project`, which checkpoints them into the file before moving it into place."""
    if read_only:
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True, timeout=5.0, isolation_level=None)
    db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _tag_rows(row: LabelRow) -> list[tuple[str, str, str, str, str, str]]:
    """The `tags` table rows of a row's data, frame and label tags."""
    key = row.key
    tag_rows = [(key.data_hash, key.branch, "data", "", name, "") for name in row.tags]
    tag_rows += [
        (key.data_hash, key.branch, "data", "", t.name, json.dumps([list(r) for r in t.ranges]))
        for t in row.frame_tags
    ]
    tag_rows += [(key.data_hash, key.branch, "label", lb.hash, name, "") for lb in row.labels for name in lb.tags]
    return tag_rows


def _exported_tags(exported: dict[str, Any], at: str) -> tuple[list[str], list[FrameTag], dict[str, list[str]]]:
    """The tags `LocalProject.export` wrote beside a label row (none in an export from Encord)."""
    where = f"{at}{TAGS_KEY}"
    tags = exported.get(TAGS_KEY) or {}
    if not (
        isinstance(tags, dict)
        and isinstance(tags.get("frames", {}), dict)
        and isinstance(tags.get("labels", {}), dict)
    ):
        raise ConfigError(
            f"{where}: expected {{data: [...], frames: {{...}}, labels: {{...}}}}, as `local export` writes"
        )
    frames = [
        FrameTag(str(name), _frame_ranges(ranges, f"{where}.frames.{name}"))
        for name, ranges in tags.get("frames", {}).items()
    ]
    labels = {
        str(target): _tag_names(names, f"{where}.labels.{target}")
        for target, names in tags.get("labels", {}).items()
    }
    return _tag_names(tags.get("data", []), f"{where}.data"), frames, labels


def _tag_names(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ConfigError(f"{where}: expected a list of tag names")
    return value


def _frame_ranges(value: Any, where: str) -> tuple[tuple[int, int], ...]:
    def frame(f: Any) -> bool:
        return isinstance(f, int) and not isinstance(f, bool) and f >= 0

    if not isinstance(value, list) or not all(
        isinstance(r, list) and len(r) == 2 and frame(r[0]) and frame(r[1]) and r[0] <= r[1] for r in value
    ):
        raise ConfigError(f"{where}: expected a list of [first, last] frame ranges")
    return tuple((r[0], r[1]) for r in value)


def create_project(
    path: Path,
    ontology_editor: dict[str, Any],
    units: Sequence[DataUnit],
    rows: Sequence[dict[str, Any]] = (),
    extra_units: dict[str, Any] | None = None,
    *,
    source: str = "the export",
    replace: bool = False,
) -> None:
    """Create a local project atomically: every row checked first, then built in a temporary file and moved
    into place. Nothing is created when anything is wrong: a LabelsyncError names `source` and the row.

    Without `replace`, a project at `path` is never replaced, even one another process created while this
    one built its own (two first runs at once: the later one's empty project would wipe what the earlier
    one applied): the file is hard-linked into place, which fails if one is there (ProjectExists)."""
    ontology = Ontology.from_editor_dict(ontology_editor)
    decoded = [_imported(exported, index, ontology, source) for index, exported in enumerate(rows)]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".labelsync-", suffix=".db", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise RemoteError(f"cannot create the local project {path}: {exc.strerror or exc}") from None
    try:
        _build(Path(tmp), ontology_editor, units, decoded, extra_units or {})
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    except FileExistsError:
        raise ProjectExists(f"{path} exists already: add --force to replace it") from None
    except (OSError, sqlite3.OperationalError) as exc:
        raise RemoteError(f"cannot create the local project {path}: {exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


class ProjectExists(RemoteError):
    """`create_project` found a project at its path, and was not asked to replace it. Nothing was written."""


def _imported(
    exported: dict[str, Any], index: int, ontology: Ontology, source: str
) -> tuple[LabelRow, dict[str, Any]]:
    """One row of an export, decoded (with its tags), beside the dict to store."""
    at = f"{source}: label row {index} (data unit {exported.get('data_hash')}): "
    stored = {k: v for k, v in exported.items() if k != TAGS_KEY}
    try:
        row = decode_row(stored, ontology, stored.get("branch_name") or "main")
    except EncordFormatError as exc:
        raise ConfigError(f"{at}{exc}") from None
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:  # the decoder trusted a shape
        raise ConfigError(f"{at}not a label row as Encord writes it ({type(exc).__name__}: {exc})") from None
    return with_tags(row, *_exported_tags(exported, at)), stored


def _build(
    tmp: Path,
    ontology_editor: dict[str, Any],
    units: Sequence[DataUnit],
    rows: Sequence[tuple[LabelRow, dict[str, Any]]],
    extra_units: dict[str, Any],
) -> None:
    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        db.executescript(SCHEMA + SOURCES + SOURCES_INDEX + LISTING)
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("schema_version", str(SCHEMA_VERSION)),
                ("ontology", json.dumps(ontology_editor)),
                ("created_at", datetime.now(timezone.utc).isoformat(timespec="seconds")),
            ],
        )
        db.executemany(
            "INSERT INTO data_units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    u.hash,
                    u.title,
                    u.type.value,
                    u.frames,
                    u.width,
                    u.height,
                    u.fps,
                    json.dumps(extra_units.get(u.hash)) if extra_units.get(u.hash) else None,
                    u.file_type or None,
                    u.media or None,
                )
                for u in units
            ],
        )
        for row, stored in rows:
            db.executemany("INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?)", _tag_rows(row))
            db.execute(
                "INSERT INTO label_rows VALUES (?, ?, ?, 1, ?, ?, ?)",
                (
                    row.key.data_hash,
                    row.key.branch,
                    stored.get("label_hash"),
                    stored.get("last_edited_at") or "",
                    row_fingerprint(row),
                    json.dumps(stored),
                ),
            )
        db.execute("COMMIT")
        db.execute("PRAGMA journal_mode=WAL")
    finally:
        db.close()
