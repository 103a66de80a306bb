"""Encord label-row dicts <-> the canonical model, checked against the real SDK (offline, no mocks)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from encord.common.bitmask_operations import serialise_bitmask
from encord.objects import ClassificationInstance, ObjectInstance
from encord.objects.bitmask import BitmaskCoordinates
from encord.objects.coordinates import BoundingBoxCoordinates, SkeletonCoordinate
from encord_fixtures import GROUP, GROUP_IMAGES, HAND_POINTS, IMAGE, VIDEO, H, ontology, sdk_label_row

from reconciler.encord_format import decode_row, empty_row_dict, encode_row
from reconciler.model import (
    ClassificationLabel,
    DataUnit,
    DynamicAnswer,
    Geometry,
    LabelRow,
    ObjectLabel,
    RowKey,
    Shape,
)

ONTOLOGY = ontology()


# --- canonical geometry helpers -------------------------------------------------------------------------


def box(x: float, y: float, w: float = 0.2, h: float = 0.1) -> Geometry:
    return Geometry(Shape.BOX, {"x": x, "y": y, "w": w, "h": h})


def mask(data: DataUnit, first: int, count: int) -> Geometry:
    pixels = bytes(first) + bytes([1] * count) + bytes(data.width * data.height - first - count)
    rle = serialise_bitmask(pixels)
    return Geometry(Shape.BITMASK, {"top": 0, "left": 0, "width": data.width, "height": data.height, "rle": rle})


ROTATED = Geometry(Shape.ROTATED_BOX, {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "theta": 30.0})
POINT = Geometry(Shape.POINT, {"x": 0.25, "y": 0.75})
POLYLINE = Geometry(Shape.POLYLINE, [[0.1, 0.1], [0.2, 0.3], [0.4, 0.2]])
LAKE = Geometry(
    Shape.POLYGON,
    [
        [[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]], [[0.2, 0.2], [0.3, 0.2], [0.3, 0.3]]],  # with a hole
        [[[0.6, 0.6], [0.7, 0.6], [0.7, 0.7]]],
    ],
)
HAND = Geometry(Shape.SKELETON, {name: {"x": 0.1 * i, "y": 0.5} for i, name in enumerate(HAND_POINTS)})


def obj(hash_: str, feature: str, frames: dict[int, Geometry], **kwargs: Any) -> ObjectLabel:
    return ObjectLabel(hash_, feature, tuple(sorted(frames.items())), **kwargs)


# --- rich canonical rows ---------------------------------------------------------------------------------

PERSON_ANSWERS = (
    (H.ACCESSORIES, (H.BAG, H.HAT)),
    (H.AGE, 31.0),
    (H.HOLDS, "car00a01"),
    (H.INTENSITY, H.HIGH),
    (H.MOOD, H.HAPPY),
    (H.NOTES, "in a hurry"),
)
RAINY = ((H.COMMENT, "drizzle"), (H.STRENGTH, H.LIGHT), (H.WEATHER_Q, H.RAINY))


def image_row() -> LabelRow:
    return LabelRow(
        key=RowKey(IMAGE.hash),
        objects=(
            obj("car00a01", H.CAR, {0: ROTATED}),
            obj("eye00a01", H.EYE, {0: POINT}),
            obj("hand0a01", H.HAND, {0: HAND}),
            obj("lake0a01", H.LAKE, {0: LAKE}),
            obj("mask0a01", H.MASK, {0: mask(IMAGE, 100, 50)}),
            obj("pers0a01", H.PERSON, {0: box(0.1, 0.2)}, answers=PERSON_ANSWERS),
            obj("pers0a02", H.PERSON, {0: box(0.5, 0.5)}, answers=((H.MOOD, H.SAD), (H.REASON, "rain"))),
            obj("road0a01", H.ROAD, {0: POLYLINE}),
        ),
        classifications=(
            ClassificationLabel("capt0a01", H.CAPTION, ((H.CAPTION_Q, "a street"),)),
            ClassificationLabel("flag0a01", H.FLAGS, ((H.FLAGS_Q, (H.BLURRY, H.DARK)),)),
            ClassificationLabel("wthr0a01", H.WEATHER, RAINY),
        ),
    )


def video_row() -> LabelRow:
    person_frames = {f: box(0.01 * f, 0.2) for f in (*range(5), *range(7, 10))}
    return LabelRow(
        key=RowKey(VIDEO.hash, "review"),
        objects=(
            obj("lake0v01", H.LAKE, {5: LAKE, 6: LAKE}),
            obj("mask0v01", H.MASK, {2: mask(VIDEO, 0, 40)}),
            obj(
                "pers0v01",
                H.PERSON,
                person_frames,
                answers=((H.MOOD, H.SAD), (H.REASON, "tired")),
                dynamic=(
                    DynamicAnswer(H.POSITION, H.STANDING, ((0, 2),)),
                    DynamicAnswer(H.POSITION, H.WALKING, ((3, 4), (7, 9))),
                    DynamicAnswer(H.VISIBLE, (H.HEAD,), ((0, 4),)),
                    DynamicAnswer(H.VISIBLE, (H.HEAD, H.LEGS), ((7, 9),)),
                ),
            ),
        ),
        classifications=(
            ClassificationLabel("capt0v01", H.CAPTION, ((H.CAPTION_Q, "rush hour"),), ((0, 29),)),
            ClassificationLabel("wthr0v01", H.WEATHER, ((H.WEATHER_Q, H.SUNNY),), ((0, 4), (8, 12))),
        ),
    )


def group_row() -> LabelRow:
    return LabelRow(
        key=RowKey(GROUP.hash),
        objects=(
            obj("mask0g01", H.MASK, {1: mask(GROUP, 3, 9)}),
            obj("pers0g01", H.PERSON, {0: box(0.1, 0.1), 2: box(0.3, 0.3)}, answers=((H.AGE, 7.5),)),
        ),
        classifications=(ClassificationLabel("flag0g01", H.FLAGS, ((H.FLAGS_Q, (H.DARK,)),), ((1, 2),)),),
    )


def base_for(data: DataUnit, branch: str = "main") -> dict[str, Any]:
    return empty_row_dict(data, branch, None, GROUP_IMAGES if data is GROUP else None)


RICH = [(IMAGE, image_row), (VIDEO, video_row), (GROUP, group_row)]
RICH_IDS = ["image", "video", "image-group"]


def through_sdk(data: DataUnit, label_dict: dict[str, Any]) -> dict[str, Any]:
    """What the SDK writes back after parsing a dict."""
    sdk_row = sdk_label_row(data)
    sdk_row.from_labels_dict(label_dict)
    return dict(sdk_row.to_encord_dict())


def reversed_lists(label_dict: dict[str, Any]) -> dict[str, Any]:
    """The same dict with its answer lists, objects lists and label maps reversed: order must not matter."""
    flipped = copy.deepcopy(label_dict)
    for key, items in (("object_answers", "classifications"), ("object_actions", "actions")):
        flipped[key] = {h: {**v, items: v[items][::-1]} for h, v in reversed(flipped[key].items())}
    answers = flipped["classification_answers"]
    flipped["classification_answers"] = {
        h: {**v, "classifications": v["classifications"][::-1]} for h, v in reversed(answers.items())
    }
    for unit in flipped["data_units"].values():
        frames = unit["labels"].values() if "objects" not in unit["labels"] else [unit["labels"]]
        for frame in frames:
            frame["objects"].reverse()
    return flipped


# --- 1 and 2: our dicts round-trip, and the SDK reads them and writes what we read ------------------------


@pytest.mark.parametrize(("data", "make"), RICH, ids=RICH_IDS)
def test_encode_then_decode_is_identity(data: DataUnit, make: Any) -> None:
    row = make()
    base = base_for(data, row.key.branch)
    assert decode_row(encode_row(row, ONTOLOGY, base), ONTOLOGY) == row


@pytest.mark.parametrize(("data", "make"), RICH, ids=RICH_IDS)
def test_sdk_parses_what_we_write_and_we_read_what_it_writes(data: DataUnit, make: Any) -> None:
    row = make()
    written = through_sdk(data, encode_row(row, ONTOLOGY, base_for(data, row.key.branch)))
    assert decode_row(written, ONTOLOGY) == row
    assert decode_row(reversed_lists(written), ONTOLOGY) == row


def test_encode_writes_the_sdk_shape_and_keeps_the_base() -> None:
    row = video_row()
    base = base_for(VIDEO, "review")
    pristine = copy.deepcopy(base)
    now = "Mon, 01 Jan 2024 10:00:00 UTC"
    encoded = encode_row(row, ONTOLOGY, base, now=now)
    assert base == pristine
    assert list(encoded) == list(base)
    unit = encoded["data_units"][VIDEO.hash]
    assert sorted(unit["labels"], key=int) == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
    entry = unit["labels"]["5"]["objects"][0]
    assert entry["name"] == "Lake" and entry["value"] == "lake" and entry["color"] == "#D33115"
    assert entry["polygon"]["0"] == {"x": 0.1, "y": 0.1} and len(entry["polygons"]) == 2
    assert entry["createdAt"] == now and entry["confidence"] == 1.0
    actions = encoded["object_actions"]["pers0v01"]["actions"]
    assert {a["featureHash"] for a in actions} == {H.POSITION, H.VISIBLE}
    assert all(a["dynamic"] and a["shouldPropagate"] is False for a in actions)
    assert encoded["classification_answers"]["wthr0v01"]["range"] == [[0, 4], [8, 12]]
    # Encoding depends on content only, not on the order the SDK happened to write it in.
    assert encode_row(decode_row(through_sdk(VIDEO, encoded), ONTOLOGY), ONTOLOGY, base, now=now) == encoded


def test_encode_keeps_provenance_of_unchanged_labels() -> None:
    row = image_row()
    first = encode_row(row, ONTOLOGY, base_for(IMAGE), now="Mon, 01 Jan 2024 10:00:00 UTC", author="a@x.io")
    moved = obj("eye00a01", H.EYE, {0: Geometry(Shape.POINT, {"x": 0.5, "y": 0.5})})
    edited = LabelRow(
        row.key, tuple(moved if o.hash == moved.hash else o for o in row.objects), row.classifications
    )
    second = encode_row(edited, ONTOLOGY, first, now="Tue, 02 Jan 2024 10:00:00 UTC", author="b@x.io")
    objects = {o["objectHash"]: o for o in second["data_units"][IMAGE.hash]["labels"]["objects"]}
    assert objects["car00a01"]["lastEditedAt"] == "Mon, 01 Jan 2024 10:00:00 UTC"
    assert objects["eye00a01"]["createdAt"] == "Mon, 01 Jan 2024 10:00:00 UTC"
    assert objects["eye00a01"]["createdBy"] == "a@x.io"
    assert objects["eye00a01"]["lastEditedAt"] == "Tue, 02 Jan 2024 10:00:00 UTC"
    assert objects["eye00a01"]["lastEditedBy"] == "b@x.io"
    assert second["classification_answers"]["wthr0a01"]["lastEditedBy"] == "a@x.io"


# --- 3: rows authored with the SDK API -------------------------------------------------------------------


def sdk_authored_video() -> dict[str, Any]:
    sdk_row = sdk_label_row(VIDEO)
    sdk_row.from_labels_dict(base_for(VIDEO))
    s = sdk_row.ontology_structure
    person = ObjectInstance(s.get_child_by_hash(H.PERSON), object_hash="pers0s01")
    person.set_for_frames(
        BoundingBoxCoordinates(height=0.1, width=0.2, top_left_x=0.3, top_left_y=0.4), [1, 2, 3, 5]
    )
    person.set_answer(s.get_child_by_hash(H.HAPPY), attribute=s.get_child_by_hash(H.MOOD))
    person.set_answer(s.get_child_by_hash(H.HIGH), attribute=s.get_child_by_hash(H.INTENSITY))
    person.set_answer(s.get_child_by_hash(H.SAD), attribute=s.get_child_by_hash(H.MOOD), overwrite=True)
    person.set_answer("tired", attribute=s.get_child_by_hash(H.REASON))
    person.set_answer([s.get_child_by_hash(H.HAT), s.get_child_by_hash(H.BAG)], s.get_child_by_hash(H.ACCESSORIES))
    person.set_answer(3, attribute=s.get_child_by_hash(H.AGE))
    position: Any = s.get_child_by_hash(H.POSITION)
    person.set_answer(s.get_child_by_hash(H.STANDING), attribute=position, frames=[1, 2])
    person.set_answer(s.get_child_by_hash(H.WALKING), attribute=position, frames=[3, 5])
    person.set_answer([s.get_child_by_hash(H.HEAD)], attribute=s.get_child_by_hash(H.VISIBLE), frames=[1, 2, 3])
    sdk_row.add_object_instance(person)
    person.remove_from_frames([5])  # leaves "Walking" on frame 5 behind

    hand = ObjectInstance(s.get_child_by_hash(H.HAND), object_hash="hand0s01")
    template = s.skeleton_templates["Hand"]
    points = [SkeletonCoordinate(x=0.1 * i, y=0.5, name=name) for i, name in enumerate(HAND_POINTS)]
    hand.set_for_frames(template.create_instance(points), frames=0)
    sdk_row.add_object_instance(hand)

    pixels = bytes([1] * 40) + bytes(VIDEO.width * VIDEO.height - 40)
    bitmask = BitmaskCoordinates.EncodedBitmask(
        top=0, left=0, width=VIDEO.width, height=VIDEO.height, rle_string=serialise_bitmask(pixels)
    )
    mask_instance = ObjectInstance(s.get_child_by_hash(H.MASK), object_hash="mask0s01")
    mask_instance.set_for_frames(BitmaskCoordinates(bitmask), frames=2)
    sdk_row.add_object_instance(mask_instance)

    weather = ClassificationInstance(s.get_child_by_hash(H.WEATHER), classification_hash="wthr0s01")
    weather.set_for_frames(frames=[0, 1, 2, 7])
    weather.set_answer(s.get_child_by_hash(H.RAINY))
    weather.set_answer(s.get_child_by_hash(H.HEAVY), attribute=s.get_child_by_hash(H.STRENGTH))
    weather.set_answer(s.get_child_by_hash(H.SUNNY), overwrite=True)  # leaves "Heavy" behind
    sdk_row.add_classification_instance(weather)
    return dict(sdk_row.to_encord_dict())


def test_sdk_authored_video_decodes_to_the_expected_row() -> None:
    at = box(0.3, 0.4, 0.2, 0.1)
    expected = LabelRow(
        key=RowKey(VIDEO.hash),
        objects=(
            obj("hand0s01", H.HAND, {0: HAND}),
            obj("mask0s01", H.MASK, {2: mask(VIDEO, 0, 40)}),
            obj(
                "pers0s01",
                H.PERSON,
                {1: at, 2: at, 3: at},
                answers=((H.ACCESSORIES, (H.BAG, H.HAT)), (H.AGE, 3.0), (H.MOOD, H.SAD), (H.REASON, "tired")),
                dynamic=(
                    DynamicAnswer(H.POSITION, H.STANDING, ((1, 2),)),
                    DynamicAnswer(H.POSITION, H.WALKING, ((3, 3),)),
                    DynamicAnswer(H.VISIBLE, (H.HEAD,), ((1, 3),)),
                ),
            ),
        ),
        classifications=(ClassificationLabel("wthr0s01", H.WEATHER, ((H.WEATHER_Q, H.SUNNY),), ((0, 2), (7, 7))),),
    )
    written = sdk_authored_video()
    # The leftovers really are in the SDK's output: the decoder drops them.
    static = written["object_answers"]["pers0s01"]["classifications"]
    assert H.INTENSITY in {a["featureHash"] for a in static}
    question = written["classification_answers"]["wthr0s01"]["classifications"]
    assert H.STRENGTH in {a["featureHash"] for a in question}
    walking = [
        a for a in written["object_actions"]["pers0s01"]["actions"] if a["answers"][0]["featureHash"] == H.WALKING
    ]
    assert walking[0]["range"] == [[3, 3], [5, 5]]

    assert decode_row(written, ONTOLOGY) == expected
    assert decode_row(reversed_lists(written), ONTOLOGY) == expected
    assert decode_row(through_sdk(VIDEO, written), ONTOLOGY) == expected  # the SDK flips lists on every pass


def test_sdk_authored_image_group_decodes_to_the_expected_row() -> None:
    sdk_row = sdk_label_row(GROUP)
    sdk_row.from_labels_dict(base_for(GROUP))
    s = sdk_row.ontology_structure
    person = ObjectInstance(s.get_child_by_hash(H.PERSON), object_hash="pers0s02")
    person.set_for_frames(BoundingBoxCoordinates(height=0.5, width=0.5, top_left_x=0.0, top_left_y=0.0), [0, 2])
    sdk_row.add_object_instance(person)
    flags = ClassificationInstance(s.get_child_by_hash(H.FLAGS), classification_hash="flag0s02")
    flags.set_for_frames(frames=1)
    flags.set_answer([s.get_child_by_hash(H.DARK), s.get_child_by_hash(H.BLURRY)])
    sdk_row.add_classification_instance(flags)
    at = box(0.0, 0.0, 0.5, 0.5)
    expected = LabelRow(
        key=RowKey(GROUP.hash),
        objects=(obj("pers0s02", H.PERSON, {0: at, 2: at}),),
        classifications=(ClassificationLabel("flag0s02", H.FLAGS, ((H.FLAGS_Q, (H.BLURRY, H.DARK)),), ((1, 1),)),),
    )
    assert decode_row(sdk_row.to_encord_dict(), ONTOLOGY) == expected


def test_decode_reads_editor_and_legacy_forms() -> None:
    """The editor splits a checklist answer into one dict per option; old rows have `polygon` only."""
    row = image_row()
    encoded = encode_row(row, ONTOLOGY, base_for(IMAGE))
    for entry in encoded["data_units"][IMAGE.hash]["labels"]["objects"]:
        entry.pop("polygons", None)
    person = encoded["object_answers"]["pers0a01"]["classifications"]
    checklist = next(a for a in person if a["featureHash"] == H.ACCESSORIES)
    person.remove(checklist)
    person.extend({**checklist, "answers": [option]} for option in checklist["answers"])
    outline_only = Geometry(Shape.POLYGON, [[LAKE.value[0][0]]])
    expected = LabelRow(
        row.key,
        tuple(obj(o.hash, o.feature, {0: outline_only}) if o.feature == H.LAKE else o for o in row.objects),
        row.classifications,
    )
    assert decode_row(encoded, ONTOLOGY) == expected


# --- 4: rows that do not fit the ontology ----------------------------------------------------------------


def _image_objects(label_dict: dict[str, Any]) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = label_dict["data_units"][IMAGE.hash]["labels"]["objects"]
    return objects  # sorted by objectHash: car00a01 first


def _person_answer(label_dict: dict[str, Any], feature: str) -> dict[str, Any]:
    return next(
        a for a in label_dict["object_answers"]["pers0a01"]["classifications"] if a["featureHash"] == feature
    )


BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "object": (lambda d: _image_objects(d)[0].update(featureHash="gone0001"), "car00a01"),
    "option": (lambda d: _person_answer(d, H.MOOD)["answers"][0].update(featureHash="gone0003"), "pers0a01"),
    "classification": (
        lambda d: d["classification_answers"]["capt0a01"].update(featureHash="gone0004"),
        "capt0a01",
    ),
    "missing geometry": (lambda d: _image_objects(d)[0].pop("rotatableBoundingBox"), "car00a01"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_label_that_does_not_fit_the_ontology_is_carried_and_counted(breakage: str) -> None:
    encoded = encode_row(image_row(), ONTOLOGY, base_for(IMAGE))
    break_it, culprit = BREAKAGES[breakage]
    break_it(encoded)
    decoded = decode_row(encoded, ONTOLOGY)
    assert culprit not in {label.hash for label in decoded.labels}
    assert decoded.carried == 1
    others = [label for label in image_row().labels if label.hash != culprit]
    assert sorted(label.hash for label in decoded.labels) == sorted(label.hash for label in others)
    # a write that deletes another label keeps the unfit one exactly as it was
    gone = decoded.objects[-1] if decoded.objects[-1].hash != culprit else decoded.objects[0]
    rewritten = encode_row(replace(decoded, objects=_swap(decoded.objects, None, gone.hash)), ONTOLOGY, encoded)
    assert entries_of(rewritten, culprit) == entries_of(encoded, culprit) != []
    assert entries_of(rewritten, gone.hash) == []


def frame_entries(label_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object entry on every frame of every data unit."""
    entries = []
    for unit in label_dict["data_units"].values():
        labels = unit["labels"]
        frames = labels.values() if "objects" not in labels else [labels]
        for frame in frames:
            entries.extend(frame.get("objects") or [])
    return entries


def entries_of(label_dict: dict[str, Any], label_hash: str) -> list[Any]:
    """Every raw entry of one label, wherever the dict keeps it."""
    found: list[Any] = [e for e in frame_entries(label_dict) if e["objectHash"] == label_hash]
    for key in ("object_answers", "object_actions", "classification_answers"):
        if label_hash in label_dict.get(key, {}):
            found.append(label_dict[key][label_hash])
    return found


@pytest.mark.parametrize("breakage", ["attribute", "another class's attribute"])
def test_an_answer_to_an_attribute_the_class_does_not_have_is_carried(breakage: str) -> None:
    encoded = encode_row(image_row(), ONTOLOGY, base_for(IMAGE))
    stray = _person_answer(encoded, H.NOTES)
    stray.update(featureHash="gone0002" if breakage == "attribute" else H.CAPTION_Q)
    decoded = decode_row(encoded, ONTOLOGY)
    person = next(o for o in decoded.objects if o.hash == "pers0a01")
    assert H.NOTES not in dict(person.answers)
    changed = replace(person, answers=tuple(a for a in person.answers if a[0] != H.AGE))
    patched = encode_row(replace(decoded, objects=_swap(decoded.objects, changed, changed.hash)), ONTOLOGY, encoded)
    assert stray in patched["object_answers"]["pers0a01"]["classifications"]


def _swap(objects: tuple[ObjectLabel, ...], new: ObjectLabel | None, old_hash: str) -> tuple[ObjectLabel, ...]:
    """`objects` with the one hashed `old_hash` replaced by `new` (or removed)."""
    return tuple(n for o in objects if (n := new if o.hash == old_hash else o) is not None)


def test_empty_row_dict_needs_the_images_of_an_image_group() -> None:
    with pytest.raises(ValueError, match="extra_units"):
        empty_row_dict(GROUP, "main", None)
    units = base_for(GROUP)["data_units"]
    assert [u["data_sequence"] for u in units.values()] == ["0", "1", "2"]


def test_labelsyncs_rle_strings_are_the_sdks() -> None:
    """`reconciler.rle` writes and measures RLE strings as the SDK does, on masks of every kind of run."""
    import random

    from encord.common.bitmask_operations import _string_to_rle

    from reconciler.rle import mask_to_rle_string, rle_string_length

    rng = random.Random(7)
    masks = [b"", b"\x00", b"\x01", b"\x01" * 5000, b"\x00" * 70000 + b"\x01"]
    for _ in range(200):
        size = rng.choice([1, 7, 64, 1000, 40000])
        density = rng.random()
        masks.append(bytes(1 if rng.random() < density else 0 for _ in range(size)))
    for mask in masks:
        rle = mask_to_rle_string(mask)
        assert rle == serialise_bitmask(mask)
        assert rle_string_length(rle) == sum(_string_to_rle(rle)) == len(mask)
