"""Writes are patches: a write changes exactly the labels that differ and carries everything else over.

Rows start as the encoder writes them for the rich canonical rows of `test_encord_format`, then get what
real annotators' rows carry (reviews, confidence, authors, isDeleted, unknown keys, labels labelsync cannot
declare). Every check reads the written dict raw, and the SDK parses every result.
"""

from __future__ import annotations

import copy
import random
from dataclasses import replace
from typing import Any

import pytest
from encord_fixtures import HAND_POINTS, IMAGE, VIDEO, H, sdk_label_row
from test_encord_format import ONTOLOGY, RICH, RICH_IDS, base_for, box, entries_of, frame_entries, image_row, obj

from reconciler.encord_format import decode_row, encode_row
from reconciler.model import ClassificationLabel, DataUnit, Geometry, Label, LabelRow, ObjectLabel, RowKey, Shape

ANNOTATOR_FIELDS = {
    "reviews": [{"reviewer": "rev@example.com", "approved": True}],
    "isDeleted": False,
    "confidence": 0.73,
    "createdBy": "annotator@example.com",
    "createdAt": "Mon, 01 Jan 2024 10:00:00 UTC",
    "lastEditedBy": "annotator@example.com",
    "manualAnnotation": False,
    "x-custom": {"k": 1},
}


def annotated(label_dict: dict[str, Any]) -> dict[str, Any]:
    """A deep copy with annotators' fields on every frame entry, answer entry and classification, plus
    what labelsync cannot declare: an unknown row key, an object answer with no geometry, a classification
    answer with no class."""
    out = copy.deepcopy(label_dict)
    out["x-row-key"] = ["kept"]
    for entry in frame_entries(out):
        entry.update(copy.deepcopy(ANNOTATOR_FIELDS))
    for answer in out["object_answers"].values():
        answer["x-answer-key"] = 1
        for attribute in answer["classifications"]:
            attribute["x-attribute-key"] = "kept"
    for classification in out["classification_answers"].values():
        classification.update(copy.deepcopy(ANNOTATOR_FIELDS))
    out["object_answers"]["nogeom01"] = {"objectHash": "nogeom01", "classifications": []}
    out["classification_answers"]["noclass1"] = {"classificationHash": "noclass1", "classifications": []}
    return out


def without(label_dict: dict[str, Any], hashes: set[str]) -> dict[str, Any]:
    """The dict with these labels' entries removed: what must be identical before and after a write."""
    out = copy.deepcopy(label_dict)
    for unit in out["data_units"].values():
        labels = unit["labels"]
        frames = list(labels.values()) if "objects" not in labels else [labels]
        for frame in frames:
            frame["objects"] = [e for e in frame.get("objects") or [] if e["objectHash"] not in hashes]
        if "objects" not in labels:
            unit["labels"] = {k: v for k, v in labels.items() if v["objects"] or v.get("classifications")}
    for key in ("object_answers", "object_actions", "classification_answers"):
        out[key] = {h: v for h, v in out.get(key, {}).items() if h not in hashes}
    out.pop("last_edited_at", None)
    return out


def sdk_parse(data: DataUnit, label_dict: dict[str, Any], branch: str = "main") -> Any:
    """The SDK's own reading of a row dict."""
    sdk = sdk_label_row(data, branch=branch)
    sdk.from_labels_dict(label_dict)
    return sdk


def _remote(data: DataUnit, row: LabelRow) -> tuple[dict[str, Any], LabelRow]:
    stored = annotated(encode_row(row, ONTOLOGY, base_for(data, row.key.branch)))
    return stored, decode_row(stored, ONTOLOGY)


def test_a_write_that_touches_nothing_returns_the_row_as_it_was() -> None:
    stored, decoded = _remote(IMAGE, image_row())
    assert decoded.carried == 2  # the answer without geometry and the classification without a class
    assert encode_row(decoded, ONTOLOGY, stored) == stored


def test_deleting_one_label_leaves_every_other_entry_byte_for_byte() -> None:
    stored, decoded = _remote(IMAGE, image_row())
    row = replace(decoded, objects=tuple(o for o in decoded.objects if o.hash != "road0a01"))
    written = encode_row(row, ONTOLOGY, stored)
    assert entries_of(written, "road0a01") == []
    assert without(written, {"road0a01"}) == without(stored, {"road0a01"})
    assert written["object_answers"]["nogeom01"] == stored["object_answers"]["nogeom01"]
    assert written["classification_answers"]["noclass1"] == stored["classification_answers"]["noclass1"]
    assert written["x-row-key"] == ["kept"]


def test_a_changed_label_keeps_what_labelsync_does_not_manage() -> None:
    stored, decoded = _remote(IMAGE, image_row())
    person = next(o for o in decoded.objects if o.hash == "pers0a01")
    moved = replace(person, frames=((0, box(0.3, 0.4)),), answers=((*person.answers[:-1], (H.NOTES, "late"))))
    written = encode_row(_swap(decoded, moved), ONTOLOGY, stored, now="Tue, 01 Dec 2026 10:00:00 UTC")
    (entry,) = [e for e in frame_entries(written) if e["objectHash"] == "pers0a01"]
    assert entry["boundingBox"] == {"h": 0.1, "w": 0.2, "x": 0.3, "y": 0.4}
    for key, value in ANNOTATOR_FIELDS.items():
        assert entry[key] == value, key
    assert entry["lastEditedAt"] == "Tue, 01 Dec 2026 10:00:00 UTC"
    answers = {a["featureHash"]: a for a in written["object_answers"]["pers0a01"]["classifications"]}
    assert answers[H.NOTES]["answers"] == "late"
    assert answers[H.NOTES]["x-attribute-key"] == "kept"  # a changed answer keeps its unknown keys
    before = {a["featureHash"]: a for a in stored["object_answers"]["pers0a01"]["classifications"]}
    assert answers[H.AGE] == before[H.AGE]  # an unchanged answer is left as it was
    assert written["object_answers"]["pers0a01"]["x-answer-key"] == 1
    assert decode_row(written, ONTOLOGY) == replace(_swap(decoded, moved), carried=2)


def test_skeleton_visibility_and_point_identity_round_trip_and_survive_a_move() -> None:
    points = {name: {"x": 0.1 * i, "y": 0.5} for i, name in enumerate(HAND_POINTS)}
    points["thumb"]["visibility"] = "occluded"
    points["index"]["visibility"] = "self_occluded"
    hand = obj("hand0a09", H.HAND, {0: Geometry(Shape.SKELETON, points)})
    row = LabelRow(image_row().key, objects=(hand,))
    stored = encode_row(row, ONTOLOGY, base_for(IMAGE))
    (entry,) = frame_entries(stored)
    entry["skeleton"]["0"]["color"] = "#abcdef"
    assert [p.get("visibility") for p in entry["skeleton"].values()] == [None, "occluded", "selfOccluded"]
    assert decode_row(stored, ONTOLOGY).objects == (hand,)
    parsed = sdk_parse(IMAGE, stored).get_object_instances()[0]
    sdk_points = parsed.get_annotation(0).coordinates.values
    assert [str(p.visibility.value) if p.visibility else None for p in sdk_points] == [
        None,
        "occluded",
        "selfOccluded",
    ]
    moved = dict(points, wrist={"x": 0.9, "y": 0.9, "visibility": "invisible"})
    written = encode_row(LabelRow(row.key, objects=(replace(hand, frames=((0, Geometry(Shape.SKELETON, moved)),)),)), ONTOLOGY, stored)
    (after,) = frame_entries(written)
    assert after["skeleton"]["0"]["color"] == "#abcdef"  # the point keeps what the model does not hold
    assert after["skeleton"]["0"]["featureHash"] == entry["skeleton"]["0"]["featureHash"]
    assert after["skeleton"]["0"]["visibility"] == "invisible"


def test_a_global_classification_is_declared_without_frames_and_kept() -> None:
    label = ClassificationLabel("glob0v01", H.GLOBAL, ((H.GLOBAL_Q, "whole clip"),), ranges=())
    row = LabelRow(RowKey(VIDEO.hash), classifications=(label,))
    stored = encode_row(row, ONTOLOGY, base_for(VIDEO))
    assert stored["classification_answers"]["glob0v01"]["range"] == []
    assert decode_row(stored, ONTOLOGY).classifications == (label,)
    (parsed,) = sdk_parse(VIDEO, stored).get_classification_instances()
    assert parsed.classification_hash == "glob0v01"
    assert parsed.ontology_item.is_global
    other = ClassificationLabel("capt0v09", H.CAPTION, ((H.CAPTION_Q, "x"),), ((0, 3),))
    written = encode_row(replace(row, classifications=(label, other)), ONTOLOGY, stored)
    assert written["classification_answers"]["glob0v01"] == stored["classification_answers"]["glob0v01"]


# --- property: random rows, random edits ----------------------------------------------------------------


def _swap(row: LabelRow, label: Label) -> LabelRow:
    objects = tuple(label if o.hash == label.hash else o for o in row.objects)
    classifications = tuple(label if c.hash == label.hash else c for c in row.classifications)
    return replace(row, objects=objects, classifications=classifications)  # type: ignore[arg-type]


def _edit(label: Label, rng: random.Random) -> Label:
    if isinstance(label, ClassificationLabel):
        question = ONTOLOGY.node(label.feature).attribute  # type: ignore[union-attr]
        value = dict(label.answers)[question.hash]
        if question.kind == "text":
            value = f"{value} (edited)"
        elif isinstance(value, tuple):
            value = value[:1]
        return replace(label, answers=((question.hash, value),))  # nested answers dropped
    frame, geometry = label.frames[0]
    if geometry.shape is Shape.BOX:
        moved = box(round(rng.random() * 0.5, 3), round(rng.random() * 0.5, 3))
        return replace(label, frames=((frame, moved), *label.frames[1:]))
    return replace(label, answers=label.answers[:-1]) if label.answers else replace(label, frames=label.frames[:1])


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize(("data", "make"), RICH, ids=RICH_IDS)
def test_everything_an_edit_does_not_touch_survives(seed: int, data: DataUnit, make: Any) -> None:
    rng = random.Random(seed)
    stored, decoded = _remote(data, make())
    labels = list(decoded.labels)
    touched = set(rng.sample([lb.hash for lb in labels], rng.randint(1, len(labels))))
    target: list[Label] = []
    for label in labels:
        if label.hash not in touched:
            target.append(label)
        elif rng.random() < 0.5:
            target.append(_edit(label, rng))
    if rng.random() < 0.5 and data is IMAGE:
        target.append(obj(f"new{seed:05d}", H.PERSON, {0: box(0.2, 0.2)}))
        touched.add(f"new{seed:05d}")
    row = replace(
        decoded,
        objects=tuple(sorted((lb for lb in target if isinstance(lb, ObjectLabel)), key=lambda lb: lb.hash)),
        classifications=tuple(
            sorted((lb for lb in target if isinstance(lb, ClassificationLabel)), key=lambda lb: lb.hash)
        ),
    )
    written = encode_row(row, ONTOLOGY, stored)
    assert without(written, touched) == without(stored, touched)
    assert decode_row(written, ONTOLOGY) == replace(row, carried=2)
    sdk = sdk_parse(data, written, row.key.branch)
    sdk_hashes = {o.object_hash for o in sdk.get_object_instances()} | {
        c.classification_hash for c in sdk.get_classification_instances()
    }
    assert {lb.hash for lb in row.labels} <= sdk_hashes
