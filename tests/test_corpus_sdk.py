"""The SDK-built corpus (`tests/corpus.py`): the SDK reads every row back and writes it back stably.

Corpus size: objects per data type and shape (an object on several frames or spaces counts once), and
rows per data type. `pytest -s` prints the same from `corpus_table()`; `test_docstring_table_is_current`
keeps this copy true.

      data type  bbx  pgn  pnt  skl  pln  rbb  bmk  aud  tim  txt  cub  c2d  cir  ell  seg  rows
          image    2    3    2    2    2    4    2    .    .    .    2    3    2    2    .    16
          video    3    2    2    2    2    2    2    .    .    .    2    2    2    2    .    14
      img_group    2    2    2    2    2    2    5    .    .    .    2    2    2    2    .    13
          dicom    2    2    2    2    2    2    2    .    .    .    2    2    2    2    .    12
          nifti    2    2    2    2    2    2    2    .    .    .    2    2    2    2    .    12
          audio    .    .    .    .    .    .    .    2    .    .    .    .    .    .    .     2
     plain_text    .    .    .    .    .    .    .    .    .    3    .    .    .    .    .     3
            pdf    2    2    2    2    2    2    .    .    .    .    2    2    2    2    .    11
    time_series    .    .    .    .    .    .    .    .    2    .    .    .    .    .    .     2
          group    3    3    2    2    2    2    2    2    2    3    .    2    2    2    .    14
          scene    3    2    2    2    2    2    .    .    .    .    2    2    2    2    2    12
          total   19   18   16   16   16   18   15    4    4    6   14   17   16   16    2   111
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from corpus import (
    CODES,
    MEDIA,
    NO_FEATURE_CLASSIFICATION_HASH,
    ORPHAN_OBJECT_HASH,
    REFUSED,
    SHAPES,
    UNKNOWN_ROW_KEY,
    CorpusRow,
    F,
    clone,
    corpus_ontology,
    corpus_rows,
    corpus_table,
    sdk_label_row_for,
    with_annotator_fields,
)
from encord.objects.coordinates import Visibility
from encord.objects.ontology_structure import OntologyStructure

from reconciler.ontology import Ontology

ROWS = corpus_rows()

REFUSED_COUNT = 74
"""What the SDK 0.1.211 refused when the corpus was built: update it (and look why) when this changes."""


def canonical(value: Any) -> Any:
    """Order-insensitive where Encord's order carries no meaning: lists of dicts (objects on a frame,
    attribute answers, dynamic actions) are sorted; lists of numbers (coordinates, ranges) are not."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [canonical(v) for v in value]
        if items and all(isinstance(v, dict) for v in items):
            items.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return value


def sdk_round_trip(row: CorpusRow, labels: dict[str, Any]) -> dict[str, Any]:
    """`from_labels_dict` on a fresh offline row, then `to_encord_dict()` as JSON would carry it."""
    label_row = sdk_label_row_for(row)
    label_row.from_labels_dict(clone(labels))
    out: dict[str, Any] = json.loads(json.dumps(label_row.to_encord_dict()))
    return out


def by_name(name: str) -> CorpusRow:
    return next(r for r in ROWS if r.name == name)


# -- the ontology ---------------------------------------------------------------------------------------


def test_the_ontology_is_the_sdk_s_own_and_covers_every_shape_and_attribute_kind() -> None:
    editor = corpus_ontology()
    assert OntologyStructure.from_dict(editor).to_dict() == editor
    assert [o["shape"] for o in editor["objects"]] == list(SHAPES)
    assert [o["featureNodeHash"] for o in editor["objects"]] == [F.obj(s) for s in SHAPES]
    kinds = {
        (a["type"], bool(a.get("dynamic")), a["name"].endswith("#relation"))
        for o in editor["objects"]
        for a in o["attributes"]
    }
    assert kinds == {
        ("radio", False, False),
        ("checklist", False, False),
        ("text", False, False),
        ("numeric", False, False),
        ("text", False, True),
        ("radio", True, False),
        ("checklist", True, False),
    }
    box = editor["objects"][SHAPES.index("bounding_box")]
    quality = next(a for a in box["attributes"] if a["featureNodeHash"] == F.attr("bounding_box", "Quali"))
    assert [[n["featureNodeHash"] for n in o.get("options", [])] for o in quality["options"]] == [
        [F.attr("bounding_box", "Grade")],
        [F.attr("bounding_box", "WhyPr")],
    ]
    assert [c["attributes"][0]["type"] for c in editor["classifications"]] == [
        "radio",
        "checklist",
        "text",
        "numeric",
        "radio",
    ]
    assert [c.get("level") for c in editor["classifications"]] == [None, None, None, None, "global"]
    (template,) = editor["skeleton_templates"]
    assert template["template"]["feature_node_hash"] == F.obj("skeleton")


def test_labelsync_reads_the_ontology() -> None:
    ontology = Ontology.from_editor_dict(corpus_ontology())
    assert [o.shape.value for o in ontology.objects] == list(SHAPES)
    assert [c.hash for c in ontology.classifications] == [F.WEATHER, F.FLAGS, F.CAPTION, F.SCORE, F.SETTING]


# -- every row, read back by the SDK --------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_the_sdk_reads_the_row_back_and_writes_it_back_unchanged(row: CorpusRow) -> None:
    again = sdk_round_trip(row, row.row)
    assert canonical(again) == canonical(row.row)
    twice = sdk_round_trip(row, again)
    assert canonical(twice) == canonical(again)
    # the one thing that moves between passes: the SDK reverses `object_actions[*].actions` every time
    assert {k for k in again if again[k] != twice[k]} <= {"object_actions"}


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_the_sdk_reads_the_row_with_annotator_fields_and_writes_it_back_stably(row: CorpusRow) -> None:
    annotated = with_annotator_fields(row.row)
    once = sdk_round_trip(row, annotated)
    assert canonical(sdk_round_trip(row, once)) == canonical(once)


def test_annotator_fields_and_what_the_sdk_keeps_of_them() -> None:
    row = by_name("image/all")
    annotated = with_annotator_fields(row.row)
    assert annotated != row.row and "reviews" not in json.dumps(row.row)  # the input is left alone
    (unit,) = annotated["data_units"].values()
    first, second = unit["labels"]["objects"][:2]
    assert first["reviews"][0]["granularity_id"] == first["objectHash"]
    assert (first["isDeleted"], first["x-custom"]) == (False, {"k": 1})
    assert (second["confidence"], second["manualAnnotation"], second["createdBy"]) == (
        0.73,
        False,
        "annotator@example.com",
    )
    assert ORPHAN_OBJECT_HASH in annotated["object_answers"]
    assert "featureHash" not in annotated["classification_answers"][NO_FEATURE_CLASSIFICATION_HASH]

    written = sdk_round_trip(row, annotated)
    (unit,) = written["data_units"].values()
    objects = {o["objectHash"]: o for o in unit["labels"]["objects"]}
    first, second = objects[first["objectHash"]], objects[second["objectHash"]]
    # kept: isDeleted, confidence, createdBy, lastEditedBy, manualAnnotation
    assert first["isDeleted"] is False
    assert (second["confidence"], second["manualAnnotation"]) == (0.73, False)
    assert (second["createdBy"], second["lastEditedBy"]) == ("annotator@example.com", "reviewer@example.com")
    # dropped: reviews, unknown keys anywhere, orphaned answers, classifications without featureHash
    assert "reviews" not in first and "x-custom" not in first
    assert UNKNOWN_ROW_KEY not in written
    assert "x-custom" not in json.dumps(written["classification_answers"])
    assert ORPHAN_OBJECT_HASH not in written["object_answers"]
    assert NO_FEATURE_CLASSIFICATION_HASH not in written["classification_answers"]


# -- what the corpus holds ------------------------------------------------------------------------------


def test_corpus_size() -> None:
    print()
    print(corpus_table())
    print(f"refused: {len(REFUSED)}")
    assert len({r.name for r in ROWS}) == len(ROWS)
    assert {s for r in ROWS for s in r.shapes} == set(SHAPES)
    built = {dt for dt in MEDIA if not any(r[0] == dt and r[1] == "*" for r in REFUSED)}
    assert {r.data_type for r in ROWS} == built
    assert built == set(MEDIA) - {"dicom_study"}


def test_docstring_table_is_current() -> None:
    table = corpus_table().splitlines()[:-1]  # without the legend
    documented = [line.strip() for line in (__doc__ or "").splitlines() if line.strip()][-len(table) :]
    assert documented == [line.strip() for line in table]


def test_refused_is_what_the_sdk_refused() -> None:
    assert len(REFUSED) == REFUSED_COUNT, "\n".join(map(str, REFUSED))
    names = {r.name for r in ROWS}
    refused = {(dt, shape) for dt, shape, _ in REFUSED}
    for dt in MEDIA:
        if (dt, "*") in refused:
            assert not any(r.data_type == dt for r in ROWS)
            continue
        for shape in SHAPES:  # every combination is either a row or a refusal, never both
            assert ((dt, shape) in refused) != (f"{dt}/{shape}" in names), (dt, shape)
    for _, _, message in REFUSED:
        assert message.split(": ", 1)[0] in ("add", "serialise", "parse") and "timestamp=" not in message
    assert len(refused) == len(REFUSED)


def test_every_shape_the_sdk_allows_is_in_the_data_type_s_all_row() -> None:
    for dt in {r.data_type for r in ROWS}:
        singles = {r.shapes[0] for r in ROWS if r.name.startswith(f"{dt}/") and r.name.split("/")[1] in CODES}
        assert set(by_name(f"{dt}/all").shapes) == singles, dt


def test_rows_are_reproducible_no_timestamp_is_now() -> None:
    stamps: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k in ("createdAt", "lastEditedAt", "created_at", "last_edited_at") and isinstance(v, str):
                    stamps.add(v)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for row in ROWS:
        walk(row.row)
    assert stamps == {"Mon, 04 Mar 2024 09:30:00 UTC", "Mon, 04 Mar 2024 11:45:00 UTC"}


def test_skeletons_use_every_visibility() -> None:
    (unit,) = by_name("image/skeleton").row["data_units"].values()
    (skeleton,) = unit["labels"]["objects"]
    assert {p["visibility"] for p in skeleton["skeleton"].values()} == {v.value for v in Visibility}
    assert [p["featureHash"] for p in skeleton["skeleton"].values()] == list(F.SKELETON_POINT.values())


def test_classifications_have_ranges_and_the_global_one_none() -> None:
    for row in ROWS:
        if not row.name.endswith("/all"):
            continue
        answers = {a["featureHash"]: a for a in row.row["classification_answers"].values()}
        assert set(answers) == {F.WEATHER, F.FLAGS, F.CAPTION, F.SCORE, F.SETTING}, row.name
        assert answers[F.SETTING]["range"] == [], row.name
        if row.data_type == "video":
            assert answers[F.WEATHER]["range"] == [[0, 3], [27, 29]]
