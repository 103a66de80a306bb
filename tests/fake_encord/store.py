"""The fake's state: one SQLite file, one connection guarded by a lock (requests run on many threads)."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from .rows import FILE_TYPES, Image, StoredRow, Unit, new_row, utcnow

SCHEMA = """
CREATE TABLE ontologies (uuid TEXT PRIMARY KEY, title TEXT, editor TEXT, created_at TEXT);
CREATE TABLE projects (hash TEXT PRIMARY KEY, title TEXT, description TEXT, ontology_hash TEXT, created_at TEXT);
CREATE TABLE data_units (data_hash TEXT PRIMARY KEY, project_hash TEXT, title TEXT, type TEXT, frames INTEGER,
    fps REAL, width INTEGER, height INTEGER, dataset_hash TEXT, dataset_title TEXT, seq INTEGER, details TEXT);
CREATE TABLE label_rows (label_hash TEXT PRIMARY KEY, project_hash TEXT, data_hash TEXT, branch TEXT, row TEXT,
    created_at TEXT, last_edited_at TEXT, UNIQUE (project_hash, data_hash, branch));
CREATE TABLE collections (uuid TEXT PRIMARY KEY, project_hash TEXT, name TEXT, description TEXT, type TEXT,
    created_at TEXT, last_edited_at TEXT, seq INTEGER);
CREATE TABLE collection_items (collection_uuid TEXT, data_hash TEXT, frame INTEGER, annotation_id TEXT,
    seq INTEGER, PRIMARY KEY (collection_uuid, data_hash, frame, annotation_id));
CREATE TABLE users (public_key_hex TEXT PRIMARY KEY);
CREATE TABLE tokens (token TEXT PRIMARY KEY);
"""


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        # A test double's file need not survive a power cut: without an fsync per (autocommitted) statement,
        # tests running in parallel (pytest-xdist) do not queue on the disk. Each statement stays atomic.
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("PRAGMA journal_mode = MEMORY")
        self._db.executescript(SCHEMA)
        self._seq = 0

    def close(self) -> None:
        with self.lock:
            self._db.close()

    def _q(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self.lock:
            return self._db.execute(sql, args).fetchall()

    def _next(self) -> int:
        with self.lock:
            self._seq += 1
            return self._seq

    # -- credentials ---------------------------------------------------------------------------------

    def add_user(self, public_key_hex: str) -> None:
        self._q("INSERT OR IGNORE INTO users VALUES (?)", public_key_hex.lower())

    def remove_user(self, public_key_hex: str) -> None:
        self._q("DELETE FROM users WHERE public_key_hex = ?", public_key_hex.lower())

    def add_token(self, token: str) -> None:
        self._q("INSERT OR IGNORE INTO tokens VALUES (?)", token)

    def known_key(self, public_key_hex: str) -> bool:
        return bool(self._q("SELECT 1 FROM users WHERE public_key_hex = ?", public_key_hex.lower()))

    def known_token(self, token: str) -> bool:
        return bool(token) and bool(self._q("SELECT 1 FROM tokens WHERE token = ?", token))

    # -- projects, ontologies, data units ------------------------------------------------------------

    def add_project(self, title: str, editor: dict[str, Any], description: str = "") -> str:
        ontology, project, now = str(uuid.uuid4()), str(uuid.uuid4()), utcnow().isoformat()
        with self.lock:
            self._q(
                "INSERT INTO ontologies VALUES (?, ?, ?, ?)",
                ontology,
                f"{title} ontology",
                json.dumps(editor),
                now,
            )
            self._q("INSERT INTO projects VALUES (?, ?, ?, ?, ?)", project, title, description, ontology, now)
        return project

    def project(self, project_hash: str) -> dict[str, Any] | None:
        rows = self._q("SELECT * FROM projects WHERE hash = ?", project_hash)
        return dict(rows[0]) if rows else None

    def ontology(self, ontology_uuid: str) -> dict[str, Any] | None:
        rows = self._q("SELECT * FROM ontologies WHERE uuid = ?", ontology_uuid)
        return {**dict(rows[0]), "editor": json.loads(rows[0]["editor"])} if rows else None

    def add_data_unit(
        self,
        project_hash: str,
        title: str,
        type: str,
        frames: int,
        width: int,
        height: int,
        fps: float | None,
        dataset_title: str,
        data_hash: str | None = None,
        *,
        images: Iterable[Image] = (),
        file_type: str | None = None,
        duration: float | None = None,
        audio: dict[str, Any] | None = None,
        spaces: dict[str, Any] | None = None,
    ) -> str:
        if type not in FILE_TYPES:
            raise ValueError(f"unsupported data type {type!r}: one of {', '.join(FILE_TYPES)}")
        if self.project(project_hash) is None:
            raise KeyError(project_hash)
        images = tuple(images)
        if images and type != "img_group":
            raise ValueError(f"images are for an image group, not {type!r}")
        if spaces and type not in ("group", "scene"):
            raise ValueError(f"spaces are for a data group or a scene, not {type!r}")
        if images:
            frames = len(images)
        data_hash = data_hash or str(uuid.uuid4())
        dataset_hash = str(uuid.uuid5(uuid.UUID(project_hash), dataset_title))
        fps = fps if type in ("video", "audio") else None
        details = {
            "images": [[i.data_hash, i.title, i.width, i.height] for i in images],
            "file_type": file_type,
            "duration": duration,
            "audio": audio,
            "spaces": spaces,
        }
        self._q(
            "INSERT INTO data_units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            data_hash,
            project_hash,
            title,
            type,
            frames,
            fps,
            width,
            height,
            dataset_hash,
            dataset_title,
            self._next(),
            json.dumps(details),
        )
        return data_hash

    def units(self, project_hash: str) -> list[Unit]:
        rows = self._q("SELECT * FROM data_units WHERE project_hash = ? ORDER BY seq", project_hash)
        return [self._unit(r) for r in rows]

    @staticmethod
    def _unit(r: sqlite3.Row) -> Unit:
        details = json.loads(r["details"])
        return Unit(
            **{k: v for k, v in dict(r).items() if k not in ("seq", "details")},
            images=tuple(Image(*i) for i in details["images"]),
            file_type=details["file_type"],
            duration=details["duration"],
            audio=details["audio"],
            spaces=details["spaces"],
        )

    def unit(self, project_hash: str, data_hash: str) -> Unit | None:
        rows = self._q(
            "SELECT * FROM data_units WHERE project_hash = ? AND data_hash = ?", project_hash, data_hash
        )
        return self._unit(rows[0]) if rows else None

    # -- label rows ----------------------------------------------------------------------------------

    @staticmethod
    def _stored(r: sqlite3.Row) -> StoredRow:
        return StoredRow(
            r["label_hash"],
            r["data_hash"],
            r["branch"],
            json.loads(r["row"]),
            datetime.fromisoformat(r["created_at"]),
            datetime.fromisoformat(r["last_edited_at"]),
        )

    def rows(self, project_hash: str) -> list[StoredRow]:
        return [self._stored(r) for r in self._q("SELECT * FROM label_rows WHERE project_hash = ?", project_hash)]

    def row(self, project_hash: str, data_hash: str, branch: str = "main") -> StoredRow | None:
        rows = self._q(
            "SELECT * FROM label_rows WHERE project_hash = ? AND data_hash = ? AND branch = ?",
            project_hash,
            data_hash,
            branch,
        )
        return self._stored(rows[0]) if rows else None

    _HEAD = (
        "SELECT label_hash, data_hash, branch, created_at, last_edited_at,"
        " json_extract(row, '$.label_status') AS status FROM label_rows"
    )

    def row_head(self, project_hash: str, data_hash: str, branch: str = "main") -> StoredRow | None:
        """`row` with only what a metadata entry reads of the dict (its `label_status`): cheap for big rows."""
        rows = self._q(
            f"{self._HEAD} WHERE project_hash = ? AND data_hash = ? AND branch = ?",
            project_hash,
            data_hash,
            branch,
        )
        return self._head(rows[0]) if rows else None

    def row_heads(self, project_hash: str) -> list[StoredRow]:
        """`rows`, each with only what a metadata entry reads of its dict (see `row_head`)."""
        return [self._head(r) for r in self._q(f"{self._HEAD} WHERE project_hash = ?", project_hash)]

    @staticmethod
    def _head(r: sqlite3.Row) -> StoredRow:
        head = {"label_status": r["status"]} if r["status"] is not None else {}
        return StoredRow(
            r["label_hash"],
            r["data_hash"],
            r["branch"],
            head,
            datetime.fromisoformat(r["created_at"]),
            datetime.fromisoformat(r["last_edited_at"]),
        )

    def row_by_label_hash(self, project_hash: str, label_hash: str) -> StoredRow | None:
        rows = self._q(
            "SELECT * FROM label_rows WHERE project_hash = ? AND label_hash = ?", project_hash, label_hash
        )
        return self._stored(rows[0]) if rows else None

    def create_row(self, unit: Unit, branch: str, label_hash: str | None = None) -> StoredRow:
        """The row of (unit, branch), created empty if it does not exist yet."""
        with self.lock:
            existing = self.row(unit.project_hash, unit.data_hash, branch)
            if existing:
                return existing
            label_hash = label_hash or str(uuid.uuid4())
            now = utcnow().isoformat()
            self._q(
                "INSERT INTO label_rows VALUES (?, ?, ?, ?, ?, ?, ?)",
                label_hash,
                unit.project_hash,
                unit.data_hash,
                branch,
                json.dumps(new_row(unit, label_hash, branch)),
                now,
                now,
            )
            stored = self.row(unit.project_hash, unit.data_hash, branch)
            assert stored is not None
            return stored

    def replace_rows(
        self, project_hash: str, rows: Iterable[tuple[str, dict[str, Any]]], edited_at: datetime | None = None
    ) -> None:
        """Store each (label_hash, row dict) in one transaction, stamping last_edited_at (now, or `edited_at`)."""
        with self.lock:
            self._db.execute("BEGIN")
            try:
                for label_hash, row in rows:
                    self._db.execute(
                        "UPDATE label_rows SET row = ?, last_edited_at = ? WHERE project_hash = ? AND label_hash = ?",
                        (json.dumps(row), (edited_at or utcnow()).isoformat(), project_hash, label_hash),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def branches(self, project_hash: str) -> list[str]:
        names = {
            r["branch"] for r in self._q("SELECT branch FROM label_rows WHERE project_hash = ?", project_hash)
        }
        return sorted(names | {"main"})

    # -- collections ---------------------------------------------------------------------------------

    def add_collection(self, project_hash: str, name: str, description: str, type: str) -> str:
        if type not in ("FRAME", "LABEL"):
            raise ValueError(f"collection type must be FRAME or LABEL, not {type!r}")
        collection, now = str(uuid.uuid4()), utcnow().isoformat()
        self._q(
            "INSERT INTO collections VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            collection,
            project_hash,
            name,
            description,
            type,
            now,
            now,
            self._next(),
        )
        return collection

    def collections(self, project_hash: str) -> list[dict[str, Any]]:
        rows = self._q("SELECT * FROM collections WHERE project_hash = ? ORDER BY seq", project_hash)
        return [{k: v for k, v in dict(r).items() if k != "seq"} for r in rows]

    def update_collection(self, collection: str, name: str | None, description: str | None) -> None:
        with self.lock:
            for column, value in (("name", name), ("description", description)):
                if value is not None:
                    self._q(f"UPDATE collections SET {column} = ? WHERE uuid = ?", value, collection)
            self._q("UPDATE collections SET last_edited_at = ? WHERE uuid = ?", utcnow().isoformat(), collection)

    def delete_collection(self, collection: str) -> None:
        with self.lock:
            self._q("DELETE FROM collection_items WHERE collection_uuid = ?", collection)
            self._q("DELETE FROM collections WHERE uuid = ?", collection)

    def collection_items(self, collection: str) -> list[tuple[str, int, str | None]]:
        rows = self._q("SELECT * FROM collection_items WHERE collection_uuid = ? ORDER BY seq", collection)
        return [(r["data_hash"], r["frame"], r["annotation_id"] or None) for r in rows]

    def add_item(self, collection: str, data_hash: str, frame: int, annotation_id: str | None) -> None:
        self._q(
            "INSERT OR IGNORE INTO collection_items VALUES (?, ?, ?, ?, ?)",
            collection,
            data_hash,
            frame,
            annotation_id or "",
            self._next(),
        )

    def remove_item(self, collection: str, data_hash: str, frame: int, annotation_id: str | None) -> None:
        self._q(
            "DELETE FROM collection_items WHERE collection_uuid = ? AND data_hash = ? AND frame = ? "
            "AND annotation_id = ?",
            collection,
            data_hash,
            frame,
            annotation_id or "",
        )
