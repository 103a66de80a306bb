"""The local project's SQLite schema, and its data-unit rows as model values."""

from __future__ import annotations

import json
import sqlite3

from reconciler.model import DataType, DataUnit
from reconciler.remotes.manifest import image_size

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE data_units (
    hash TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    frames INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    fps REAL NOT NULL,
    extra TEXT,
    file_type TEXT,
    media TEXT
);
CREATE TABLE label_rows (
    data_hash TEXT NOT NULL REFERENCES data_units (hash),
    branch TEXT NOT NULL,
    label_hash TEXT,
    revision INTEGER NOT NULL,
    last_edited_at TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    row_json TEXT NOT NULL,
    PRIMARY KEY (data_hash, branch)
);
CREATE TABLE tags (
    data_hash TEXT NOT NULL,
    branch TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('data', 'label')),
    target TEXT NOT NULL,
    name TEXT NOT NULL,
    ranges TEXT NOT NULL
);
CREATE INDEX tags_by_row ON tags (data_hash, branch);
"""
SOURCES = """
CREATE TABLE IF NOT EXISTS row_sources (
    data_hash TEXT NOT NULL,
    branch TEXT NOT NULL,
    file TEXT NOT NULL,
    digest TEXT NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (data_hash, branch)
);
"""
"""Per label row, the label file content it was last written from: the file's name and digest, and the
desired-cache entry of that content (`reconciler.desired.cache`), as a JSON list in `FIELDS` order.
Projects made before it have none until their next apply creates the table."""
SOURCES_INDEX = """
CREATE INDEX IF NOT EXISTS row_sources_by_file ON row_sources (file, digest);
"""
"""How a plan looks up the few files its desired cache does not know (`local_sources`)."""
LISTING = """
CREATE INDEX IF NOT EXISTS label_rows_listed ON label_rows (branch, data_hash, label_hash, fingerprint);
"""
"""What a listing reads of the label rows, in an index of its own: the listing reads this index alone (a few MB
for 50,000 rows) instead of scanning a table whose rows hold their whole label dicts (10 s for 50,000 rows
whose pages are not in memory). Projects made before it get it at their next apply."""


def data_unit_from_row(row: sqlite3.Row | tuple[object, ...]) -> DataUnit:
    """A `data_units` row as a `DataUnit` (every listing makes one per data unit, so it is spelled out)."""
    values = row if type(row) is tuple else tuple(row)
    if len(values) == 10:
        hash_, title, type_, frames, width, height, fps, extra, file_type, media = values
    else:  # projects made before the columns were added
        hash_, title, type_, frames, width, height, fps, extra = values[:8]
        file_type = values[8] if len(values) > 8 else None
        media = None
    images = json.loads(str(extra)) if extra else None
    return DataUnit(
        hash_ if type(hash_) is str else str(hash_),
        title if type(title) is str else str(title),
        _TYPES.get(type_) or DataType(str(type_)),
        frames if type(frames) is int else int(str(frames)),
        width if type(width) is int else int(str(width)),
        height if type(height) is int else int(str(height)),
        fps if type(fps) is float else float(str(fps)),
        tuple(image_size(image) for image in images) if isinstance(images, list) else (),
        str(file_type) if file_type else "",
        str(media) if media else "",
    )


_TYPES: dict[object, DataType] = {t.value: t for t in DataType}
"""Data types by their stored value: a dict lookup per data unit, not an enum lookup."""
