"""The corpus (tests/corpus.py) on both remotes, through the CLI, as a user drives it.

For each data type labelsync declares, one project holds every corpus row of that type, with what annotators'
rows carry (`with_annotator_fields`). It is seeded the way a user gets there (local: `labelsync local init
--export` of an Encord JSON export in an empty directory; Encord: the fake server, then `labelsync pull
--encord`), pulled into an empty labels directory and planned: nothing to do. Then one label of every pulled
file is edited, the reviewed plan is applied and planned again: nothing to do. Last, every stored row is read
raw and by the SDK (`LabelRowV2.from_labels_dict` on a fresh offline row): what the edit did not touch is what
it was, and the edited label holds the new value.

What survives an apply (`annotator_marks` names the fields `with_annotator_fields` adds):

- local: the stored dict byte for byte but the edited label, and on the edited label every field labelsync
  does not manage (reviews, confidence, authors, isDeleted, unknown keys).
- Encord: the same, but for `SDK_DROPS`. labelsync reads the row dicts through the SDK's label row client
  (`get_label_rows`) and saves the patched dicts as they are (`save_label_rows`), never through
  `LabelRowV2`; the SDK's `LabelRow` that wraps each dict read keeps the row's own top-level fields only, so
  an unknown top-level key is lost on the first save (the SDK's limitation, not labelsync's).

Rows of the other data types load, are counted (`LabelRow.carried`), are skipped by pull and plan, and are
never written. Pull skips no row of a declarable type; bugs found have their own minimal test at the end.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from corpus import (
    NO_FEATURE_CLASSIFICATION_HASH,
    ORPHAN_OBJECT_HASH,
    UNKNOWN_ROW_KEY,
    CorpusRow,
    F,
    corpus_ontology,
    corpus_rows,
    sdk_label_row_for,
    with_annotator_fields,
)
from encord.objects.coordinates import (
    BoundingBoxCoordinates,
    CircleCoordinates,
    Cuboid2DIsometricCoordinates,
    Cuboid2DPerspectiveCoordinates,
    EllipseCoordinates,
    PointCoordinate,
    PolygonCoordinates,
    PolylineCoordinates,
    RotatableBoundingBoxCoordinates,
)
from encord.objects.ontology_labels_impl import LabelRowV2
from encord.orm.label_row import LabelRow
from fake_encord import FakeEncord, Image
from labelsync_workspace import Result, Workspace

from reconciler.config import load_config
from reconciler.desired.geometry import GEOMETRY_FIELDS
from reconciler.model import RowKey

DECLARABLE = ("image", "video", "img_group", "dicom", "nifti", "audio", "plain_text", "time_series")
UNDECLARABLE = ("pdf", "group", "scene")
REMOTES = ("local", "encord")

# -- the corpus, placed in a project -------------------------------------------------------------------------

_CORPUS_HASH = re.compile(r"\b([a-z]{2})-(data|labl|img\d)-0000-0000-000000000001\b")


@dataclass(frozen=True)
class Placed:
    """A corpus row as one data unit of a project: its own data, label and image hashes and title."""

    name: str
    corpus: CorpusRow
    """With the row and metadata moved to this data unit: `sdk_label_row_for(corpus)` parses its rows."""

    @property
    def row(self) -> dict[str, Any]:
        return self.corpus.row

    @property
    def data_hash(self) -> str:
        return str(self.row["data_hash"])

    @property
    def title(self) -> str:
        return str(self.row["data_title"])


def place(corpus: CorpusRow, index: int, row: dict[str, Any] | None = None) -> Placed:
    """The corpus row (with annotators' fields unless `row` is given) as data unit number `index`."""

    def move(value: Any) -> Any:
        text = _CORPUS_HASH.sub(lambda m: f"{m[1]}-{m[2]}-{index:04d}-0000-000000000001", json.dumps(value))
        return json.loads(text)

    moved = move(row if row is not None else with_annotator_fields(corpus.row))
    metadata = move(corpus.metadata)
    old = moved["data_title"]
    title = f"{corpus.name.replace('/', '--')}--{old}"
    moved["data_title"] = metadata["data_title"] = title
    for unit in moved["data_units"].values():
        if unit.get("data_title") == old:
            unit["data_title"] = title
    return Placed(corpus.name, CorpusRow(corpus.name, corpus.data_type, corpus.shapes, moved, metadata))


def without_global(corpus: CorpusRow) -> CorpusRow:
    """A variant without the global classification: the `*/all` rows with only ranged classifications."""
    row = with_annotator_fields(corpus.row)
    row["classification_answers"] = {
        h: c for h, c in row["classification_answers"].items() if c.get("featureHash") != F.SETTING
    }
    return CorpusRow(f"{corpus.name}-but-global", corpus.data_type, corpus.shapes, row, corpus.metadata)


def placed_rows(data_types: tuple[str, ...]) -> list[Placed]:
    """Every corpus row of these data types, and for each `*/all` row its variant without the global
    classification (annotators' fields on all)."""
    rows: list[Placed] = []
    for corpus in corpus_rows():
        if corpus.data_type not in data_types:
            continue
        rows.append(place(corpus, len(rows)))
        if corpus.name.endswith("/all") and corpus.data_type in DECLARABLE:
            variant = without_global(corpus)
            rows.append(place(variant, len(rows), row=variant.row))
    return rows


def sdk_reading(placed: Placed, row: dict[str, Any]) -> LabelRowV2:
    """The SDK's own reading of a row dict of this data unit, offline."""
    sdk = sdk_label_row_for(placed.corpus)
    sdk.from_labels_dict(json.loads(json.dumps(row)))
    return sdk


def sdk_dict(placed: Placed, row: dict[str, Any]) -> dict[str, Any]:
    """`to_encord_dict()` of the SDK's reading, through JSON as `save()` sends it."""
    out: dict[str, Any] = json.loads(json.dumps(sdk_reading(placed, row).to_encord_dict()))
    return out


# -- the remotes, as a user reaches them -----------------------------------------------------------------


class CorpusRemote:
    """A remote holding placed corpus rows, and a user's empty directory in front of it."""

    name: str

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.root = tmp_path / "project"
        self.root.mkdir()
        self.workspace = Workspace(self.root, self)

    def seed(self, rows: list[Placed]) -> Workspace:
        """Put the rows on the remote and take the user's steps up to a labelsync.yaml; no label files yet."""
        raise NotImplementedError

    def raw(self, placed: Placed) -> dict[str, Any]:
        """The row dict as the remote stores it now."""
        raise NotImplementedError

    def written(self) -> set[str]:
        """Data hashes of the rows written since `seed` (as far as the remote can tell)."""
        raise NotImplementedError

    # the Backend protocol of labelsync_workspace

    def prepare(self, root: Path) -> None:
        pass

    def dump(self, root: Path) -> Any:
        return None

    def close(self) -> None:
        pass


class LocalCorpus(CorpusRemote):
    """The rows as an Encord JSON export; `labelsync local init --export` in an empty directory."""

    name = "local"

    def seed(self, rows: list[Placed]) -> Workspace:
        seed = self.tmp / "seed"
        seed.mkdir()
        (seed / "export.json").write_text(json.dumps([p.row for p in rows]), encoding="utf-8")
        (seed / "ontology.json").write_text(json.dumps(corpus_ontology()), encoding="utf-8")
        result = self.workspace.run(
            "local", "init", "--ontology", "../seed/ontology.json", "--export", "../seed/export.json"
        )
        assert result.exit_code == 0, result.output
        assert f"{len(rows)} data units, {len(rows)} label rows" in result.output
        config = load_config(self.root / "labelsync.yaml")
        assert config.remote.kind == "local"
        self.database = config.path(str(config.remote.settings["database"]))
        self.revisions = self._revisions()
        return self.workspace

    def raw(self, placed: Placed) -> dict[str, Any]:
        return json.loads(self._raw_text(placed))  # type: ignore[no-any-return]

    def _raw_text(self, placed: Placed) -> str:
        db = sqlite3.connect(self.database)
        try:
            (text,) = db.execute(
                "SELECT row_json FROM label_rows WHERE data_hash = ? AND branch = 'main'", (placed.data_hash,)
            ).fetchone()
        finally:
            db.close()
        return str(text)

    def _revisions(self) -> dict[str, int]:
        db = sqlite3.connect(self.database)
        try:
            return dict(db.execute("SELECT data_hash, revision FROM label_rows").fetchall())
        finally:
            db.close()

    def written(self) -> set[str]:
        now = self._revisions()
        return {h for h, revision in now.items() if revision != self.revisions.get(h)}


class EncordCorpus(CorpusRemote):
    """The fake Encord server holding the rows; `labelsync pull --encord PROJECT --domain URL` adopts it."""

    name = "encord"
    KEY_ENV = "ENCORD_SSH_KEY"  # the default a user sets; removed again by close()

    def __init__(self, tmp_path: Path) -> None:
        super().__init__(tmp_path)
        (tmp_path / "encord-server").mkdir()
        self.server = FakeEncord(tmp_path / "encord-server").start()

    def seed(self, rows: list[Placed]) -> Workspace:
        self.project = self.server.add_project("labelsync corpus", corpus_ontology())
        for placed in rows:
            add_data_unit(self.server, self.project, placed)
            self.server.put_label_row(self.project, placed.row)
        os.environ[self.KEY_ENV] = self.server.new_ssh_key()
        self.server.clear_log()
        return self.workspace

    def pull_args(self) -> tuple[str, ...]:
        return ("--encord", self.project, "--domain", self.server.domain)

    def raw(self, placed: Placed) -> dict[str, Any]:
        row = self.server.get_label_row(self.project, placed.data_hash)
        assert row is not None, placed.name
        return row

    def written(self) -> set[str]:
        return {h for record in self.server.records("labelrow.POST") for h in record.data_hashes}

    def close(self) -> None:
        os.environ.pop(self.KEY_ENV, None)
        self.server.stop()


def add_data_unit(server: FakeEncord, project: str, placed: Placed) -> str:
    """The data unit of a placed row, as its metadata (`labelrowmetadata` entry) describes it."""
    meta = placed.corpus.metadata
    group = placed.corpus.data_type == "img_group"
    units = placed.row["data_units"].values() if group else ()
    images = [
        Image(u["data_hash"], u["data_title"], u["width"], u["height"])
        for u in sorted(units, key=lambda u: int(u["data_sequence"]))
    ]
    audio = {k: meta.get(k) for k in ("audio_codec", "audio_sample_rate", "audio_bit_depth", "audio_num_channels")}
    return server.add_data_unit(
        project,
        placed.title,
        type=placed.corpus.data_type,
        frames=meta["number_of_frames"],
        width=meta["width"] or 0,
        height=meta["height"] or 0,
        fps=meta["frames_per_second"] or 0.0,
        dataset_title=meta["dataset_title"],
        data_hash=placed.data_hash,
        images=images,
        file_type=meta["file_type"],
        duration=meta["duration"],
        audio=audio if placed.corpus.data_type == "audio" else None,
        spaces=meta["spaces"] or None,
    )


@pytest.fixture(params=REMOTES)
def corpus_remote(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CorpusRemote]:
    remote: CorpusRemote = {"local": LocalCorpus, "encord": EncordCorpus}[request.param](tmp_path)
    try:
        yield remote
    finally:
        remote.close()


def pull(remote: CorpusRemote) -> Result:
    """`labelsync pull` in the user's directory; on Encord naming the project (no labelsync.yaml yet)."""
    args = remote.pull_args() if isinstance(remote, EncordCorpus) else ()
    result = remote.workspace.run("pull", *args)
    assert result.exit_code == 0, result.output
    assert (remote.root / "labelsync.yaml").is_file()
    return result


def skipped_by_pull(result: Result) -> dict[str, str]:
    """title -> reason, from pull's `skipped: <title>: <reason>` lines."""
    out = {}
    for line in result.output.splitlines():
        if line.startswith("skipped: "):
            title, _, reason = line.removeprefix("skipped: ").partition(": ")
            out[title] = reason
    return out


def label_files(ws: Workspace) -> dict[str, Path]:
    """data title -> its label file, for every label file under labels/."""
    files = {}
    for path in sorted((ws.root / "labels").rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(doc, dict) and "data" in doc, path
        assert doc["data"] not in files, f"two files for {doc['data']}"
        files[doc["data"]] = path
    return files


# -- editing one label of a pulled file ----------------------------------------------------------------------


@dataclass
class Edit:
    """One label changed in a label file, and how the SDK's reading of the written row must show it."""

    what: str
    label_hash: str | None
    """The edited label's hash (pinned by pull), or None for a label added to an empty row."""
    check: Callable[[LabelRowV2], None]
    frames: frozenset[int] = field(default_factory=frozenset)
    """Frames whose geometry moved (objects); empty for an answer edit."""
    feature: str | None = None
    """The featureHash of the attribute whose answer changed (an answer edit)."""
    added: bool = False


def _nudge(value: float) -> float:
    return round(value + 0.05 if value < 0.5 else value - 0.05, 4)


def _move(shape: str, geometry: Any) -> tuple[Any, float, Callable[[Any], float]]:
    """The geometry with its first x coordinate nudged, the new x, and where the SDK's coordinates hold it."""
    moved = json.loads(json.dumps(geometry))
    if shape in ("box", "rotated_box", "point", "circle", "ellipse"):
        moved["x"] = new = _nudge(moved["x"])
    elif shape in ("polygon", "polyline"):
        moved[0][0] = new = _nudge(moved[0][0])
    elif shape == "polygons":
        moved[0][0][0][0] = new = _nudge(moved[0][0][0][0])
    elif shape == "skeleton":
        first = next(iter(moved))
        moved[first]["x"] = new = _nudge(moved[first]["x"])
        return moved, new, lambda c: next(p.x for p in c.values if p.name == first)
    elif shape == "cuboid_2d":
        moved["front"][0][0] = new = _nudge(moved["front"][0][0])
    elif shape in ("audio", "time_range", "text") and isinstance(moved[0], dict):  # an HTML document's range
        moved[0]["end"]["offset"] = end = moved[0]["end"]["offset"] + 3
        return moved, float(end), lambda c: float(c.range[0].end.offset)
    elif shape in ("audio", "time_range", "text"):
        start, _, end = str(moved[0]).partition("-")
        stretched = int(end or start) + 7
        moved[0] = f"{start}-{stretched}"
        return moved, float(stretched), lambda c: float(c.range[0].end)
    else:
        raise AssertionError(f"no nudge for {shape}")
    return moved, new, _first_x


def _first_x(coordinates: Any) -> float:
    """The first x coordinate of the SDK's coordinates of any declarable shape but bitmask and skeleton."""
    if isinstance(coordinates, BoundingBoxCoordinates | RotatableBoundingBoxCoordinates):
        return coordinates.top_left_x
    if isinstance(coordinates, PointCoordinate):
        return coordinates.x
    if isinstance(coordinates, CircleCoordinates | EllipseCoordinates):
        return coordinates.center_x
    if isinstance(coordinates, PolygonCoordinates):
        return coordinates.polygons[0][0][0].x
    if isinstance(coordinates, PolylineCoordinates):
        return coordinates.values[0].x
    if isinstance(coordinates, Cuboid2DPerspectiveCoordinates | Cuboid2DIsometricCoordinates):
        return coordinates.front[0].x
    raise AssertionError(f"unexpected coordinates {coordinates!r}")


def _frames_of(key: str) -> frozenset[int]:
    start, _, end = str(key).partition("-")
    return frozenset(range(int(start), int(end or start) + 1))


def _object(label: Any, hash_: str) -> Any:
    found = [o for o in label.get_object_instances() if o.object_hash == hash_]
    assert len(found) == 1, f"object {hash_}: {len(found)} in the SDK's reading"
    return found[0]


def _classification(label: Any, hash_: str) -> Any:
    found = [c for c in label.get_classification_instances() if c.classification_hash == hash_]
    assert len(found) == 1, f"classification {hash_}: {len(found)} in the SDK's reading"
    return found[0]


def edit_object(doc: dict[str, Any]) -> Edit:
    """Move the first object's first geometry (its first frame range), or for a bitmask change its Notes."""
    obj = doc["objects"][0]
    hash_ = obj["hash"]
    if "frames" in obj:
        key = next(iter(obj["frames"]))
        holder, frames = obj["frames"][key], _frames_of(key)
    else:
        holder, frames = obj, frozenset({0})
    (shape,) = [k for k in GEOMETRY_FIELDS if k in holder]
    if shape == "bitmask":
        attributes = obj.setdefault("attributes", {})
        attributes["Notes"] = notes = f"{attributes.get('Notes', 'mask')} (edited)"

        def check_notes(label: LabelRowV2) -> None:
            instance = _object(label, hash_)
            attribute = next(a for a in instance.ontology_item.attributes if a.name == "Notes")
            assert instance.get_answer(attribute) == notes

        return Edit(f"{obj['id']}: Notes", hash_, check_notes, feature=F.attr("bitmask", "Notes"))
    holder[shape], new_x, read = _move(shape, holder[shape])

    def check_moved(label: LabelRowV2) -> None:
        instance = _object(label, hash_)
        for frame in frames:
            assert read(instance.get_annotation(frame).coordinates) == pytest.approx(new_x), (hash_, frame)

    return Edit(f"{obj['id']}: {shape} on frames {sorted(frames)}", hash_, check_moved, frames)


def edit_classification(doc: dict[str, Any]) -> Edit:
    """Change a text answer: the Comment nested under Rainy of the Weather classification, else the Caption."""
    entry = next((c for c in doc["classifications"] if c["question"] == "Weather"), None)
    if entry is not None and isinstance(entry["answer"], dict) and "Rainy" in entry["answer"]:
        rainy = entry["answer"]["Rainy"]
        rainy["Comment"] = text = f"{rainy['Comment']} (edited)"
        question, feature = "Comment", F.COMMENT
    else:
        entry = next(c for c in doc["classifications"] if c["question"] == "Caption")
        entry["answer"] = text = f"{entry['answer']} (edited)"
        question, feature = "Caption", F.CAPTION_Q
    hash_ = entry["hash"]

    def check(label: LabelRowV2) -> None:
        instance = _classification(label, hash_)
        attribute = instance.ontology_item.get_child_by_hash(feature)
        assert instance.get_answer(attribute) == text

    return Edit(f"{entry['id']}: {question}", hash_, check, feature=feature)


def add_caption(doc: dict[str, Any]) -> Edit:
    """An empty row: declare a Caption."""
    text = "added by labelsync"
    doc["classifications"] = [{"id": "added-caption", "question": "Caption", "answer": text}]

    def check(label: LabelRowV2) -> None:
        (instance,) = label.get_classification_instances()
        assert instance.ontology_item.feature_node_hash == F.CAPTION
        assert instance.get_answer(instance.ontology_item.get_child_by_hash(F.CAPTION_Q)) == text

    return Edit("added-caption", None, check)


def edit_one_label(ws: Workspace, path: Path, placed: Placed) -> Edit:
    """The edit a user makes to the pulled file of a row: a classification's text on a `*/all` row and on a
    row of classifications only, the first object's geometry on the others, a new label on an empty row."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "/all" in placed.name or not doc.get("objects"):
        edit = edit_classification(doc) if doc.get("classifications") else add_caption(doc)
    else:
        edit = edit_object(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return edit


# -- reading rows: without a label, annotators' fields ------------------------------------------------------


def _blobs(unit: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(frame, {"objects", "classifications"}) of a data unit's labels: flat or keyed by frame."""
    labels = unit.get("labels") or {}
    if "objects" in labels or "classifications" in labels:
        yield int(unit.get("data_sequence") or 0), labels
        return
    for frame, blob in labels.items():
        if str(frame).isdigit() and isinstance(blob, dict):
            yield int(frame), blob


def frame_entries(row: dict[str, Any], label_hash: str) -> dict[int, dict[str, Any]]:
    """frame -> the label's object entry on that frame; for an object of ranges of the file (audio, text,
    time_range), 0 -> its object answers entry, which holds its ranges."""
    ranged = (row.get("object_answers") or {}).get(label_hash) or {}
    if "shape" in ranged:
        return {0: ranged}
    return {
        frame: entry
        for unit in row["data_units"].values()
        for frame, blob in _blobs(unit)
        for entry in blob.get("objects") or []
        if entry.get("objectHash") == label_hash
    }


RANGE_FIELDS = ("range", "range_html", "lastEditedAt", "lastEditedBy")
"""What moving an object of ranges changes in its object answers entry."""


def answers_part(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """An object answers entry without what a move changes (the ranges of a ranged object)."""
    if entry is None or "shape" not in entry:
        return entry
    return {k: v for k, v in entry.items() if k not in RANGE_FIELDS}


SERVER_STAMPS = ("created_at", "last_edited_at")
"""Row fields the remote stamps on a write."""


def without(row: dict[str, Any], label_hash: str | None) -> dict[str, Any]:
    """The row dict with one label's entries removed (and the stamps a write sets): what must stay as it was.
    Key order is kept, so `json.dumps` of two results compares them byte for byte."""
    out: dict[str, Any] = json.loads(json.dumps(row))
    for key in SERVER_STAMPS:
        out.pop(key, None)
    if label_hash is None:
        return out
    for unit in out["data_units"].values():
        framed = not ("objects" in (unit.get("labels") or {}) or "classifications" in (unit.get("labels") or {}))
        for frame, blob in list(_blobs(unit)):
            for key, hash_key in (("objects", "objectHash"), ("classifications", "classificationHash")):
                if key in blob:
                    blob[key] = [e for e in blob[key] if e.get(hash_key) != label_hash]
            if framed and not blob.get("objects") and not blob.get("classifications"):
                del unit["labels"][str(frame)]
    for key in ("object_answers", "object_actions", "classification_answers"):
        out[key] = {h: v for h, v in (out.get(key) or {}).items() if h != label_hash}
    return out


def annotator_marks(row: dict[str, Any]) -> set[str]:
    """Which of the fields `with_annotator_fields` adds the row holds (on any entry)."""
    marks: set[str] = set()
    objects = [
        e for unit in row["data_units"].values() for _, blob in _blobs(unit) for e in blob.get("objects") or []
    ]
    for entry in objects:
        if entry.get("reviews"):
            marks.add("object reviews")
        if "x-custom" in entry:
            marks.add("object unknown keys")
        if entry.get("isDeleted") is False:
            marks.add("object isDeleted")
        if entry.get("confidence") == 0.73:
            marks.add("object confidence")
        if entry.get("createdBy") == "annotator@example.com":
            marks.add("object createdBy")
        if entry.get("lastEditedBy") == "reviewer@example.com":
            marks.add("object lastEditedBy")
        if entry.get("manualAnnotation") is False:
            marks.add("object manualAnnotation")
    for answer in row["classification_answers"].values():
        if "x-custom" in answer:
            marks.add("classification unknown keys")
        if any("x-custom" in a for a in answer.get("classifications") or []):
            marks.add("classification answer unknown keys")
    if UNKNOWN_ROW_KEY in row:
        marks.add("row unknown keys")
    if ORPHAN_OBJECT_HASH in row["object_answers"]:
        marks.add("object answers without geometry")
    if NO_FEATURE_CLASSIFICATION_HASH in row["classification_answers"]:
        marks.add("classification without featureHash")
    return marks


SDK_DROPS = frozenset({"row unknown keys"})
"""What the SDK (0.1.211) leaves out of a row labelsync saves: its `LabelRow` (`orm.label_row`), which
`get_label_rows` wraps each dict in, keeps only the top-level keys in its `DB_FIELDS` (so an unknown key,
and `is_shadow_data`, which the server sends and the SDK never saves either, go). Kept, since labelsync
no longer builds a `LabelRowV2` (whose `from_labels_dict` dropped them): reviews, unknown keys of objects,
classifications and answers, object answers without geometry, classifications without a featureHash, and
confidence, createdBy, lastEditedBy, manualAnnotation, isDeleted."""


# -- checking a written row ----------------------------------------------------------------------------------


def check_untouched_by_sdk(placed: Placed, before: dict[str, Any], after: dict[str, Any], edit: Edit) -> None:
    """By the SDK's own reading: every label but the edited one is as it was; the edited one has the new value,
    and nothing else of it changed (its answers and actions when it moved, its other frames, its fields but
    geometry and last-edit stamps)."""
    sdk_before, sdk_after = sdk_dict(placed, before), sdk_dict(placed, after)
    assert without(sdk_after, edit.label_hash) == without(sdk_before, edit.label_hash), placed.name
    edit.check(sdk_reading(placed, after))
    if edit.added:
        return
    assert edit.label_hash is not None
    was, now = frame_entries(sdk_before, edit.label_hash), frame_entries(sdk_after, edit.label_hash)
    assert was.keys() == now.keys(), placed.name
    stamps = {"lastEditedAt", "lastEditedBy"}
    for frame, entry in was.items():
        if frame in edit.frames:
            geometry = {k for k in entry if k not in now[frame]} | {
                k for k in now[frame] if entry.get(k) != now[frame][k]
            }
            assert geometry - stamps, (placed.name, frame, "the geometry did not change")
            assert {k: v for k, v in now[frame].items() if k not in geometry | stamps} == {
                k: v for k, v in entry.items() if k not in geometry | stamps
            }
        else:
            assert now[frame] == entry, (placed.name, frame)
    if edit.frames:
        for key in ("object_answers", "object_actions"):
            assert _unordered(answers_part(sdk_after[key].get(edit.label_hash))) == _unordered(
                answers_part(sdk_before[key].get(edit.label_hash))
            ), (placed.name, key)
        return
    (key,) = [k for k in ("object_answers", "classification_answers") if edit.label_hash in sdk_before[k]]
    old, new = sdk_before[key][edit.label_hash], sdk_after[key][edit.label_hash]
    rest = stamps | {"classifications"}
    assert {k: v for k, v in new.items() if k not in rest} == {k: v for k, v in old.items() if k not in rest}

    def other_answers(entry: dict[str, Any]) -> list[str]:
        return sorted(
            json.dumps(a, sort_keys=True) for a in entry["classifications"] if a["featureHash"] != edit.feature
        )

    assert other_answers(new) == other_answers(old), placed.name


def check_local_raw(placed: Placed, before: dict[str, Any], after: dict[str, Any], edit: Edit) -> None:
    """The stored dict: everything but the edited label byte for byte; the edited label keeps every field
    labelsync does not manage."""
    assert json.dumps(without(after, edit.label_hash)) == json.dumps(without(before, edit.label_hash)), placed.name
    assert annotator_marks(after) == annotator_marks(before), placed.name
    if edit.added:
        return
    assert edit.label_hash is not None
    managed = {"lastEditedAt", "lastEditedBy", "boundingBox", "rotatableBoundingBox", "polygon", "polygons"}
    managed |= {"polyline", "point", "skeleton", "circle", "ellipse", "cuboid_2d", "bitmask", "range", "range_html"}
    was, now = frame_entries(before, edit.label_hash), frame_entries(after, edit.label_hash)
    assert was.keys() == now.keys()
    for frame, entry in was.items():
        kept = {k: v for k, v in entry.items() if k not in managed}
        assert {k: now[frame].get(k) for k in kept} == kept, (placed.name, frame)
    if edit.frames:  # a move leaves the answers alone, unknown keys and all (listed in the model's order)
        for key in ("object_answers", "object_actions"):
            assert _unordered(answers_part(after[key].get(edit.label_hash))) == _unordered(
                answers_part(before[key].get(edit.label_hash))
            ), (placed.name, key)
    else:
        old = {**before["object_answers"], **before["classification_answers"]}[edit.label_hash]
        new = {**after["object_answers"], **after["classification_answers"]}[edit.label_hash]
        assert {k: new.get(k) for k in old if k not in ("classifications", *managed)} == {
            k: v for k, v in old.items() if k not in ("classifications", *managed)
        }
        for answer in old["classifications"]:  # the unknown keys of an answer stay, changed or not
            extra = {k: v for k, v in answer.items() if k.startswith("x-")}
            (same,) = [a for a in new["classifications"] if a["featureHash"] == answer["featureHash"]]
            assert {k: same.get(k) for k in extra} == extra, (placed.name, answer["featureHash"])


def _unordered(entry: dict[str, Any] | None) -> Any:
    """An object's answers or actions entry with its lists of answers as sorted JSON (a changed label's
    answers are written in the model's order)."""
    if entry is None:
        return None
    return {
        k: sorted(json.dumps(x, sort_keys=True) for x in v) if isinstance(v, list) else v for k, v in entry.items()
    }


def _actions_unordered(row: dict[str, Any]) -> dict[str, Any]:
    """The row with each object's dynamic answers (`object_actions`) in one order: the SDK's `to_encord_dict`
    lists them in the reverse of the order it read them in, so each save through it reverses them."""
    return {**row, "object_actions": {h: _unordered(a) for h, a in row["object_actions"].items()}}


def check_encord_raw(placed: Placed, before: dict[str, Any], after: dict[str, Any], edit: Edit) -> None:
    """The saved dict is the stored dict patched at the edited label, as on the local remote: everything but
    the edited label byte for byte, the edited label keeping every field labelsync does not manage; only
    `SDK_DROPS` is gone."""
    assert annotator_marks(before) & SDK_DROPS, placed.name  # the row had some to lose
    assert annotator_marks(after) == annotator_marks(before) - SDK_DROPS, placed.name
    assert not set(after) - set(LabelRow.DB_FIELDS), placed.name
    check_local_raw(placed, {k: v for k, v in before.items() if k in LabelRow.DB_FIELDS}, after, edit)


# -- the round trip ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data_type", DECLARABLE)
def test_every_corpus_row_round_trips_through_pull_edit_and_apply(
    corpus_remote: CorpusRemote, data_type: str
) -> None:
    rows = placed_rows((data_type,))
    by_title = {p.title: p for p in rows}
    ws = corpus_remote.seed(rows)
    before = {p.name: corpus_remote.raw(p) for p in rows}
    if corpus_remote.name == "local":  # `local init --export` stores the export's rows as they are
        for placed in rows:
            assert json.dumps(before[placed.name]) == json.dumps(placed.row), placed.name

    pulled = pull(corpus_remote)
    assert skipped_by_pull(pulled) == {}, pulled.output
    files = label_files(ws)
    assert files.keys() == {p.title for p in rows}
    planned = ws.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output  # lossless: the pulled files declare the rows exactly

    edits = {by_title[title].name: edit_one_label(ws, path, by_title[title]) for title, path in files.items()}
    reviewed = ws.run("plan", "--detailed-exitcode", "--out", "plan.json")
    assert reviewed.exit_code == 2, reviewed.output
    plan = json.loads((ws.root / "plan.json").read_text(encoding="utf-8"))
    planned_rows = {by_hash(rows, r["data_hash"]).name: r for r in plan["rows"]}
    assert planned_rows.keys() == edits.keys()
    for name, planned_row in planned_rows.items():
        counts = planned_row["counts"]
        assert (counts["add"], counts["change"], counts["delete"]) == (
            (1, 0, 0) if edits[name].label_hash is None else (0, 1, 0)
        ), (name, edits[name].what)
        assert counts["carried"] == expected_carried(corpus_remote.name, by_name(rows, name)), name
    applied = ws.run("apply", "plan.json", "--yes")
    assert applied.exit_code == 0, applied.output
    again = ws.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output

    assert corpus_remote.written() == {by_name(rows, name).data_hash for name in edits}
    for placed in rows:
        after = corpus_remote.raw(placed)
        if placed.name not in edits:
            assert after == before[placed.name], f"{placed.name} was written, but it has no label file"
            continue
        edit = edits[placed.name]
        if edit.label_hash is None:  # the added label: the one new hash
            (added,) = set(after["classification_answers"]) - set(before[placed.name]["classification_answers"])
            edit = replace(edit, label_hash=added, added=True)
        check_untouched_by_sdk(placed, before[placed.name], after, edit)
        if corpus_remote.name == "local":
            check_local_raw(placed, before[placed.name], after, edit)
        else:
            check_encord_raw(placed, before[placed.name], after, edit)


def by_hash(rows: list[Placed], data_hash: str) -> Placed:
    return next(p for p in rows if p.data_hash == data_hash)


def by_name(rows: list[Placed], name: str) -> Placed:
    return next(p for p in rows if p.name == name)


def expected_carried(remote: str, placed: Placed) -> int:
    """Labels of the row labelsync cannot declare: objects of a 3D cuboid class, the object answers without
    geometry and the classification without a class that `with_annotator_fields` adds (no object answers
    without geometry on audio, plain_text and time_series rows). The same on both remotes: labelsync decodes
    Encord's row dicts itself, and keeps what the SDK's reading would drop."""
    cuboids = {
        e["objectHash"]
        for unit in placed.row["data_units"].values()
        for _, blob in _blobs(unit)
        for e in blob.get("objects") or []
        if e.get("featureHash") == F.obj("cuboid")
    }
    return len(cuboids) + (ORPHAN_OBJECT_HASH in placed.row["object_answers"]) + 1


# -- rows labelsync cannot declare -----------------------------------------------------------------------------


def label_count(row: dict[str, Any]) -> int:
    """How many labels a row dict holds: distinct object and classification hashes, wherever they are."""
    hashes = set(row["object_answers"]) | set(row["classification_answers"])
    containers = [*row["data_units"].values(), *(row.get("spaces") or {}).values()]
    for container in containers:
        for _, blob in _blobs(container):
            hashes |= {str(e.get("objectHash")) for e in blob.get("objects") or []}
            hashes |= {str(e.get("classificationHash")) for e in blob.get("classifications") or []}
    return len(hashes)


def undeclarable_project(remote: CorpusRemote) -> tuple[Workspace, list[Placed], Placed]:
    """A project of every corpus row of the data types labelsync cannot declare, and one image row."""
    rows = placed_rows(UNDECLARABLE)
    image = place(next(c for c in corpus_rows() if c.name == "image/bounding_box"), len(rows))
    return remote.seed([*rows, image]), rows, image


def test_rows_of_undeclarable_types_load_and_count_their_labels(corpus_remote: CorpusRemote) -> None:
    ws, rows, _ = undeclarable_project(corpus_remote)
    assert {p.corpus.data_type for p in rows} == set(UNDECLARABLE)
    pull(corpus_remote)  # writes labelsync.yaml (see test_pull_skips_rows_of_undeclarable_types for the files)
    remote = ws.remote()
    fetched = remote.fetch([RowKey(p.data_hash) for p in rows])
    for placed in rows:
        row = fetched[RowKey(placed.data_hash)]
        stored = corpus_remote.raw(placed)  # on Encord too: labelsync decodes the dict the server sends
        assert (row.labels, row.carried) == ((), label_count(stored)), placed.name
        assert row.carried > 0, placed.name


def test_rows_of_undeclarable_types_are_never_written(corpus_remote: CorpusRemote) -> None:
    ws, rows, image = undeclarable_project(corpus_remote)
    before = {p.name: corpus_remote.raw(p) for p in [*rows, image]}
    pull(corpus_remote)
    files = label_files(ws)
    for placed in rows:  # a user declares a label on each: every such file is skipped with a warning
        files.pop(placed.title, None)
        path = ws.root / "labels" / f"{placed.title}.yaml"
        doc = {"data": placed.title, "classifications": [{"id": "c", "question": "Caption", "answer": "x"}]}
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    planned = ws.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    for placed in rows:
        kind = placed.corpus.data_type
        assert (
            f"{placed.title} is a row of type {kind}: labelsync cannot declare labels on {kind} rows"
            in planned.output
        )
    edit = edit_one_label(ws, files[image.title], image)
    applied = ws.run("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    assert corpus_remote.written() == {image.data_hash}
    for placed in rows:
        assert json.dumps(corpus_remote.raw(placed)) == json.dumps(before[placed.name]), placed.name
    after = corpus_remote.raw(image)
    check_untouched_by_sdk(image, before[image.name], after, edit)


def test_pull_skips_rows_of_undeclarable_types(corpus_remote: CorpusRemote) -> None:
    rows = placed_rows(UNDECLARABLE)
    corpus_remote.seed(rows)
    pulled = pull(corpus_remote)
    assert label_files(corpus_remote.workspace) == {}
    assert skipped_by_pull(pulled).keys() == {p.title for p in rows}


# -- bugs found in labelsync: minimal failing tests ----------------------------------------------------------


@pytest.fixture
def local_remote(tmp_path: Path) -> Iterator[CorpusRemote]:
    remote = LocalCorpus(tmp_path)
    yield remote
    remote.close()


@pytest.fixture
def encord_remote(tmp_path: Path) -> Iterator[CorpusRemote]:
    remote = EncordCorpus(tmp_path)
    yield remote
    remote.close()


def corpus_row(name: str) -> CorpusRow:
    return next(c for c in corpus_rows() if c.name == name)


def only_labels(corpus: CorpusRow, keep: Callable[[dict[str, Any]], bool]) -> CorpusRow:
    """The row with no objects and only the classifications `keep` accepts."""
    row = json.loads(json.dumps(corpus.row))
    row["classification_answers"] = {h: c for h, c in row["classification_answers"].items() if keep(c)}
    row["object_answers"], row["object_actions"] = {}, {}
    for unit in row["data_units"].values():
        labels = unit["labels"]
        unit["labels"] = {"objects": [], "classifications": []} if "objects" in labels else {}
    return CorpusRow(corpus.name, corpus.data_type, (), row, corpus.metadata)


def pulls_losslessly(remote: CorpusRemote, corpus: CorpusRow) -> None:
    """The user's steps on a project of this one row: pull writes its file, and plan has nothing to do."""
    placed = place(corpus, 0, row=corpus.row)
    ws = remote.seed([placed])
    pulled = pull(remote)
    assert skipped_by_pull(pulled) == {}, pulled.output
    assert label_files(ws).keys() == {placed.title}
    planned = ws.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output


def test_pull_declares_a_global_classification_without_frames(corpus_remote: CorpusRemote) -> None:
    pulls_losslessly(corpus_remote, only_labels(corpus_row("image/all"), lambda c: c["featureHash"] == F.SETTING))


def test_local_init_counts_the_frames_classifications_are_on(local_remote: CorpusRemote) -> None:
    weather = only_labels(corpus_row("dicom/all"), lambda c: c["featureHash"] == F.WEATHER)
    assert next(iter(weather.row["classification_answers"].values()))["range"] == [[0, 3], [9, 11]]
    pulls_losslessly(local_remote, weather)


def test_pull_declares_a_bitmask_on_an_image_of_its_own_size(corpus_remote: CorpusRemote) -> None:
    row = corpus_row("img_group/mask-per-image")
    assert len({(u["width"], u["height"]) for u in row.row["data_units"].values()}) == 2
    pulls_losslessly(corpus_remote, row)


def grey_png(width: int, height: int) -> bytes:
    """An 8-bit greyscale PNG, white on its first row, black elsewhere."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + (b"\xff" if y == 0 else b"\0") * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_a_mask_must_fit_the_image_of_an_image_group_it_is_on(local_remote: CorpusRemote) -> None:
    placed = place(corpus_row("img_group/mask-per-image"), 0)
    ws = local_remote.seed([placed])
    assert pull(local_remote).exit_code == 0
    (path,) = label_files(ws).values()
    (path.parent / "tall.png").write_bytes(grey_png(120, 160))
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    (on_first,) = [o for o in doc["objects"] if "0" in o["frames"]]  # images 0 and 1 are 160x120, 2 is 120x160

    def validate(frames: dict[str, Any]) -> str:
        on_first["frames"] = frames
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        result = ws.run("validate")
        assert result.exit_code == 1, result.output
        return result.output

    assert f"mask is 120x160 pixels but image 0 of {placed.title} is 160x120" in validate(
        {"0": {"bitmask": {"png": "tall.png"}}}
    )
    assert f"frames 0 and 2 of {placed.title} are images of different sizes (160x120 and 120x160)" in validate(
        {"0-2": {"bitmask": {"png": "tall.png"}}}
    )
    on_first["frames"] = {"2": {"bitmask": {"png": "tall.png"}}}
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    assert ws.run("validate").exit_code == 0


# -- the fake server serves every data type as the SDK reads it ----------------------------------------------


def test_the_fake_serves_rows_of_every_data_type_as_the_sdk_reads_them(tmp_path: Path) -> None:
    """Seeded from the corpus's own metadata: the listing gives the SDK what it reads per data type, a fetched
    row is the SDK's offline reading of the stored dict, and a row created empty parses and saves."""
    from fake_encord.sdk import sdk_client

    firsts: dict[str, CorpusRow] = {}
    for corpus in corpus_rows():
        firsts.setdefault(corpus.data_type, corpus)
    assert set(firsts) == {*DECLARABLE, *UNDECLARABLE}
    labelled = [place(c, i) for i, c in enumerate(firsts.values())]
    empty = [place(c, 100 + i) for i, c in enumerate(firsts.values())]
    with FakeEncord(tmp_path) as server:
        project_hash = server.add_project("every data type", corpus_ontology())
        for placed in labelled:
            add_data_unit(server, project_hash, placed)
            server.put_label_row(project_hash, placed.row)
        for placed in empty:
            add_data_unit(server, project_hash, placed)
        project = sdk_client(server).get_project(project_hash)
        listed = {r.data_hash: r for r in project.list_label_rows_v2()}
        assert listed.keys() == {p.data_hash for p in [*labelled, *empty]}
        for placed in [*labelled, *empty]:
            row, meta = listed[placed.data_hash], placed.corpus.metadata
            assert (row.data_type.value, row.number_of_frames) == (
                placed.corpus.data_type,
                meta["number_of_frames"],
            )
            assert (row.width, row.height, row.fps, row.duration) == (
                meta["width"],
                meta["height"],
                meta["frames_per_second"],
                meta["duration"],
            ), placed.name
        with project.create_bundle() as bundle:
            for row in listed.values():
                row.initialise_labels(bundle=bundle)
        for placed in labelled:
            fetched = json.loads(json.dumps(listed[placed.data_hash].to_encord_dict()))
            stored = server.get_label_row(project_hash, placed.data_hash)
            assert stored is not None and label_count(stored) > 0, placed.name
            assert fetched == sdk_dict(placed, stored), placed.name
        for placed in empty:
            row = listed[placed.data_hash]
            assert row.label_hash is not None and label_count(row.to_encord_dict()) == 0, placed.name
            row.save()
            stored = server.get_label_row(project_hash, placed.data_hash)
            assert stored is not None and stored["data_type"] == placed.corpus.data_type, placed.name
        assert server.errors == []
