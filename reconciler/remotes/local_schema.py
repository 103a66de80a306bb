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


def data_unit_from_row(row: sqlite3.Row | tuple[object, ...]) -> DataUnit:
    values = tuple(row)
    hash_, title, type_, frames, width, height, fps, extra = values[:8]
    file_type = values[8] if len(values) > 8 else None  # projects made before the column was added
    media = values[9] if len(values) > 9 else None  # likewise
    images = json.loads(str(extra)) if extra else []
    return DataUnit(
        hash=str(hash_),
        title=str(title),
        type=DataType(str(type_)),
        frames=int(str(frames)),
        width=int(str(width)),
        height=int(str(height)),
        fps=float(str(fps)),
        sizes=tuple(image_size(image) for image in images) if isinstance(images, list) else (),
        file_type=str(file_type or ""),
        media=str(media or ""),
    )
