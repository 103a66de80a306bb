"""Label files that try to break labelsync (issue 7, "trust nothing it is given").

Each hostile file is a finding a user can act on: its message at `file:line`, exit 1 from `validate`, and
`plan` and `apply` refuse the same way with nothing written; never a traceback, a silent delete, a hang
or an exhausted memory. A fuzz test feeds odd values into every field of valid files.

The project is a local one over the SDK-built corpus ontology (a class of every shape, every kind of
attribute), seeded with an image (320x240), a video (30 frames) and an image group, as a user adopts one.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from corpus import corpus_ontology, corpus_rows
from encord.common.bitmask_operations.bitmask_operations import _rle_to_string
from labelsync_workspace import Result, Workspace, exported_project

from reconciler import yamlio
from reconciler.desired import label_file

IMAGE = "street_0001.jpg"
VIDEO = "crossing.mp4"
FILE = "labels/hostile.yaml"
OFFLINE_CONFIG = """labels: labels
ontology: labels/ontology.json
remote: {kind: encord, project_hash: 00000000-0000-4000-8000-000000000000}
"""
"""A config whose remote is never opened by `validate`: the data units are not known (offline)."""


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    rows = {r.name: r.row for r in corpus_rows()}
    names = ("image/bounding_box", "video/bounding_box", "img_group/bounding_box")
    for workspace in exported_project(tmp_path, corpus_ontology(), [rows[name] for name in names]):
        workspace.path("offline.yaml").write_text(OFFLINE_CONFIG, encoding="utf-8")
        yield workspace


def _box(x: str = "0.1", y: str = "0.1", w: str = "0.2", h: str = "0.2") -> str:
    return f"{{x: {x}, y: {y}, w: {w}, h: {h}}}"


def image_file(*objects: str, classifications: str = "", head: str = "") -> str:
    """An image label file; each object is the text after `- id: oN\\n    class: `."""
    body = "".join(f"  - id: o{i}\n    class: {obj}\n" for i, obj in enumerate(objects))
    return f"data: {IMAGE}\n{head}objects:\n{body}" + (
        f"classifications:\n{classifications}" if classifications else ""
    )


def video_file(objects: str = "", classifications: str = "", head: str = "") -> str:
    return (
        f"data: {VIDEO}\n{head}"
        + (f"objects:\n{objects}" if objects else "")
        + (f"classifications:\n{classifications}" if classifications else "")
    )


PERSON_ON_FRAMES = f'  - id: walker\n    class: Pedestrian\n    frames:\n      "0-9": {{box: {_box()}}}\n'


@dataclass(frozen=True)
class Hostile:
    text: str
    at: str
    """Text on the line the finding points at (once in the file)."""
    message: str
    offline: bool = False
    """Validate without the data units (`validate --config offline.yaml`)."""


HOSTILE = {
    # 1. empty frame lists would plan deletes
    "classification with frames: []": Hostile(
        video_file(classifications="  - id: w\n    question: Weather\n    answer: Sunny\n    frames: []\n"),
        "frames: []",
        'classifications[0].frames: an empty list of frames: give at least one frame or range like "4-9"',
    ),
    "frame tag with an empty list": Hostile(
        video_file(head="frame_tags:\n  blurry: []\n"),
        "blurry: []",
        'frame_tags.blurry: an empty list of frames: give at least one frame or range like "4-9", or remove the tag',
    ),
    "dynamic attribute with no frames": Hostile(
        video_file(PERSON_ON_FRAMES + "    dynamic:\n      State: {}\n"),
        "State: {}",
        'objects[0].dynamic.State: expected a mapping of frame (or range "4-9") to an answer',
    ),
    # 2. a key given twice silently wins
    "a second objects: after a merge": Hostile(
        image_file(f"Pedestrian\n    box: {_box()}") + "objects: []\n",
        "objects: []",
        'invalid YAML: duplicate key "objects" (first on line 2): only the last one would count',
    ),
    "a second data:": Hostile(
        f"data: {IMAGE}\ndata: {VIDEO}\nobjects: []\n",
        f"data: {VIDEO}",
        'invalid YAML: duplicate key "data" (first on line 1)',
    ),
    "a key twice in a flow mapping": Hostile(
        image_file("Pedestrian\n    box: {x: 0.1, y: 0.1, w: 0.2, h: 0.2, x: 0.5}"),
        "x: 0.5}",
        'invalid YAML: duplicate key "x" (first on line 5)',
    ),
    "a key twice deep in attributes": Hostile(
        image_file(
            f"Pedestrian\n    box: {_box()}\n    attributes:\n      Notes: a\n      Count: 2\n      Notes: b"
        ),
        "Notes: b",
        'invalid YAML: duplicate key "Notes" (first on line 7)',
    ),
    "a frame twice in frames": Hostile(
        video_file(PERSON_ON_FRAMES + f'      "0-9": {{box: {_box(x="0.5")}}}\n'),
        f'"0-9": {{box: {_box(x="0.5")}}}',
        'invalid YAML: duplicate key "0-9"',
    ),
    "content after the end of the document (...)": Hostile(
        image_file(f"Pedestrian\n    box: {_box()}") + "...\nclassifications: []\n",
        "classifications: []",
        "invalid YAML: a second YAML document starts here: keep one document per file",
    ),
    # 3. branches
    "an empty branch": Hostile(
        image_file(head="branch: ''\n"), "branch: ''", "branch: expected a branch name (text of 1 to 255"
    ),
    "a blank branch": Hostile(image_file(head="branch: '  '\n"), "branch: '  '", "branch: expected a branch name"),
    "a branch with a control character": Hostile(
        image_file(head='branch: "ma\\x1bin"\n'), "branch:", "got 'ma\\x1bin'"
    ),
    "a branch that is a number": Hostile(image_file(head="branch: 7\n"), "branch: 7", "got 7"),
    "a branch that is a list": Hostile(image_file(head="branch: [main]\n"), "branch: [main]", "got ['main']"),
    "a branch with no value": Hostile(image_file(head="branch:\n"), "branch:", "got None"),
    "a title YAML reads as a number": Hostile(
        "data: 0017\nobjects: []\n",
        "data: 0017",
        "data: expected the data unit's title as text, got 17 (quote it)",
    ),
    # 4. NaN and infinity
    "a box coordinate .nan": Hostile(
        image_file(f"Pedestrian\n    box: {_box(x='.nan')}"),
        "box:",
        "box.x: expected a number from 0 to 1, got .nan",
    ),
    "a box size .inf": Hostile(
        image_file(f"Pedestrian\n    box: {_box(w='.inf')}"), "box:", "box.w: .inf is outside 0..1"
    ),
    "a rotated box angle .nan": Hostile(
        image_file("Car\n    rotated_box: {x: 0.1, y: 0.1, w: 0.2, h: 0.2, theta: .nan}"),
        "rotated_box:",
        "rotated_box.theta: expected an angle in degrees (a finite number within 1,000,000 of 0), got .nan",
    ),
    "a rotated box angle 1e400": Hostile(
        image_file("Car\n    rotated_box: {x: 0.1, y: 0.1, w: 0.2, h: 0.2, theta: 1e400}"),
        "rotated_box:",
        "rotated_box.theta: expected an angle in degrees (a finite number within 1,000,000 of 0), got .inf",
    ),
    "a circle stretch -.inf": Hostile(
        image_file("Wheel\n    circle: {x: 0.5, y: 0.5, r: 0.1, stretch: -.inf}"),
        "circle:",
        "circle.stretch: expected a ratio (a finite number within 1,000,000 of 0), got -.inf",
    ),
    "a polygon point .nan": Hostile(
        image_file("Lake\n    polygon: [[0.1, 0.1], [.nan, 0.2], [0.3, 0.3]]"),
        "polygon:",
        "polygon[1]: expected a number from 0 to 1, got .nan",
    ),
    "a cuboid vanishing point .inf": Hostile(
        image_file(
            "Parcel\n    cuboid_2d:\n      front: [[0.1, 0.1], [0.3, 0.1], [0.3, 0.3], [0.1, 0.3]]\n"
            "      vanishing_point: {x: .inf, y: 0.4}\n      scale_ratio: 0.7"
        ),
        "vanishing_point:",
        "cuboid_2d.vanishing_point.x: expected a coordinate (a finite number within 1,000,000 of 0), got .inf",
    ),
    "a number attribute .nan": Hostile(
        image_file(f"Pedestrian\n    box: {_box()}\n    attributes: {{Count: .nan}}"),
        "attributes:",
        'attributes.Count: "Count" is a number attribute: expected a finite number, got .nan',
    ),
    "a number classification 1e400": Hostile(
        image_file(classifications="  - id: s\n    question: Score\n    answer: 1e400\n"),
        "answer: 1e400",
        'classifications[0].answer: "Score" is a number attribute: expected a finite number, got .inf',
    ),
    "a number classification of 400 digits": Hostile(
        image_file(classifications=f"  - id: s\n    question: Score\n    answer: {'9' * 400}\n"),
        "answer: 999",
        '"Score" is a number attribute: expected a finite number, got a number of 400 digits',
    ),
    # 5. shapes outside the frame, and shapes without a size
    "a box past the right edge": Hostile(
        image_file(f"Pedestrian\n    box: {_box(x='0.9', w='0.2')}"),
        "box:",
        "box.w: the box leaves the frame: x + w = 1.1 is beyond 1 (the frame's right edge)",
    ),
    "a box past the bottom edge": Hostile(
        image_file(f"Pedestrian\n    box: {_box(y='0.85', h='0.3')}"),
        "box:",
        "box.h: the box leaves the frame: y + h = 1.15 is beyond 1 (the frame's bottom edge)",
    ),
    "a box of width 0": Hostile(
        image_file(f"Pedestrian\n    box: {_box(w='0')}"), "box:", "box.w: the box has no width: give w above 0"
    ),
    "a box of height 0.0": Hostile(
        image_file(f"Pedestrian\n    box: {_box(h='0.0')}"),
        "box:",
        "box.h: the box has no height: give h above 0",
    ),
    "a rotated box past the right edge": Hostile(
        image_file("Car\n    rotated_box: {x: 0.7, y: 0.1, w: 0.5, h: 0.2, theta: 10}"),
        "rotated_box:",
        "rotated_box.w: the box leaves the frame: x + w = 1.2 is beyond 1",
    ),
    "a circle of radius 0": Hostile(
        image_file("Wheel\n    circle: {x: 0.5, y: 0.5, r: 0}"),
        "circle:",
        "circle.r: the circle has no size: give r above 0",
    ),
    "a circle past the left edge": Hostile(
        image_file("Wheel\n    circle: {x: 0.05, y: 0.5, r: 0.1}"),
        "circle:",
        "circle: the circle leaves the frame: it reaches from -0.05 to 0.15 of the frame's width",
    ),
    "a circle past the bottom edge (320x240)": Hostile(
        image_file("Wheel\n    circle: {x: 0.5, y: 0.85, r: 0.15}"),
        "circle:",
        "circle: the circle leaves the frame: it reaches from 0.65 to 1.05 of the frame's height",
    ),
    "an ellipse of no height": Hostile(
        image_file("Pupil\n    ellipse: {x: 0.5, y: 0.5, rx: 0.1, ry: 0}"),
        "ellipse:",
        "ellipse.ry: the ellipse has no size: give ry above 0",
    ),
    "an ellipse past the top edge": Hostile(
        image_file("Pupil\n    ellipse: {x: 0.5, y: 0.1, rx: 0.1, ry: 0.2}"),
        "ellipse:",
        "ellipse: the ellipse leaves the frame: it reaches from -0.1 to 0.3 of the frame's height",
    ),
    "a polygon with no area": Hostile(
        image_file("Lake\n    polygon: [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]"),
        "polygon:",
        "polygon: the polygon has no area: its points are all on one line",
    ),
    "a hole with no area": Hostile(
        image_file(
            "Lake\n    polygons:\n      - - [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]\n"
            "        - [[0.2, 0.2], [0.2, 0.2], [0.2, 0.2]]"
        ),
        "- [[0.2, 0.2]",
        "polygons[0][1]: the polygon has no area",
    ),
    "a polyline on one point": Hostile(
        image_file("Lane\n    polyline: [[0.4, 0.4], [0.4, 0.4], [0.4, 0.4]]"),
        "polyline:",
        "polyline: the polyline has no length: all its points are [0.4, 0.4]",
    ),
    "a cuboid front face with no area": Hostile(
        image_file(
            "Parcel\n    cuboid_2d:\n      front: [[0.1, 0.1], [0.2, 0.1], [0.3, 0.1], [0.4, 0.1]]\n"
            "      offset: {x: 0.05, y: 0.05}"
        ),
        "front:",
        "cuboid_2d.front: the front face has no area",
    ),
    # 6. what used to end in a traceback
    "a null key in a box": Hostile(
        image_file("Pedestrian\n    box: {null: 1, x: 0.1}"),
        "box:",
        "box: expected exactly x, y, w, h: missing y, w, h; unknown None",
    ),
    "null and number keys in a box": Hostile(
        image_file("Pedestrian\n    box: {null: 1, 5: 2, x: 0.1, y: 0.1}"),
        "box:",
        "box: expected exactly x, y, w, h: missing w, h; unknown 5, None",
    ),
    "a list as a key": Hostile(
        image_file("Pedestrian\n    box: {[1]: 2}"), "box:", "invalid YAML: found unhashable key"
    ),
    "an integer angle beyond a float": Hostile(
        image_file(f"Car\n    rotated_box: {{x: 0.1, y: 0.1, w: 0.2, h: 0.2, theta: 1{'0' * 309}}}"),
        "rotated_box:",
        "rotated_box.theta: expected an angle in degrees (a finite number within 1,000,000 of 0), got a number of 310",
    ),
    "a number attribute beyond a float": Hostile(
        image_file(f"Pedestrian\n    box: {_box()}\n    attributes: {{Count: 1{'0' * 400}}}"),
        "attributes:",
        '"Count" is a number attribute: expected a finite number, got a number of 401 digits',
    ),
    "objects: as a mapping": Hostile(
        f"data: {IMAGE}\nobjects: {{}}\n",
        "objects: {}",
        "objects: expected a list of objects (`objects: []` for none)",
    ),
    "a mask path that is not text": Hostile(
        image_file("Sky\n    bitmask: {png: [a, b]}"),
        "bitmask:",
        "bitmask.png: expected the path of a PNG file, got ['a', 'b']",
    ),
    "an RLE with characters Encord never writes": Hostile(
        image_file("Sky\n    bitmask: {rle: '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~'}"),
        "bitmask:",
        "bitmask.rle: expected an Encord RLE string (characters 0 to o)",
    ),
    "a frame of 30 digits": Hostile(
        video_file(f'  - id: walker\n    class: Pedestrian\n    frames:\n      "{"9" * 30}": {{box: {_box()}}}\n'),
        '"999',
        "is not a frame or a range of frames",
    ),
    # 7. bounded work
    "a range to frame 2,000,000,000 of a 30-frame video": Hostile(
        video_file(
            f'  - id: walker\n    class: Pedestrian\n    frames:\n      "4-2000000000": {{box: {_box()}}}\n'
        ),
        '"4-2000000000"',
        "frame 4-2000000000 is beyond crossing.mp4, which has 30 frames (0 to 29)",
    ),
    "a range to frame 2,000,000,000 offline": Hostile(
        video_file(
            f'  - id: walker\n    class: Pedestrian\n    frames:\n      "4-2000000000": {{box: {_box()}}}\n'
        ),
        '"4-2000000000"',
        "frame 4-2000000000 is beyond the 1,000,000 frames labelsync checks a file against when it does not know"
        " the data unit (0 to 999,999)",
        offline=True,
    ),
    "a classification on frames 0 to 2,000,000,000 offline": Hostile(
        video_file(
            classifications='  - id: w\n    question: Weather\n    answer: Sunny\n    frames: ["0-2000000000"]\n'
        ),
        "frames:",
        "classifications[0].frames[0]: frame 0-2000000000 is beyond the 1,000,000 frames",
        offline=True,
    ),
    "a dynamic answer to frame 2,000,000,000 offline": Hostile(
        video_file(PERSON_ON_FRAMES + '    dynamic:\n      State: {"0-2000000000": Moving}\n'),
        "State:",
        "objects[0].dynamic.State.0-2000000000: frame 0-2000000000 is beyond the 1,000,000 frames",
        offline=True,
    ),
    "a polygon of 100,001 points": Hostile(
        image_file(f"Lake\n    polygon: {json.dumps(([[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]] * 33_334)[:100_001])}"),
        "polygon:",
        "objects[0].polygon: 100001 points: a shape holds at most 100000 (all its rings together)",
    ),
}


def _run_all(ws: Workspace, case: Hostile) -> list[Result]:
    if case.offline:
        return [ws.run("validate", "--config", "offline.yaml")]
    return [ws.run("validate"), ws.run("plan"), ws.run("apply", "--yes")]


@pytest.mark.parametrize("case", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_label_file_is_a_finding_at_its_line(ws: Workspace, case: Hostile) -> None:
    ws.path(FILE).write_text(case.text, encoding="utf-8")
    before = ws.dump()
    line = ws.line_of(FILE, case.at)
    for result in _run_all(ws, case):
        assert result.exit_code == 1, result.output
        assert f"error: {FILE}:{line}: " in result.stderr, result.stderr
        finding = next(s for s in result.stderr.splitlines() if s.startswith(f"error: {FILE}:{line}: "))
        assert case.message in finding, result.stderr
        assert "nothing was written to the remote" in result.stderr
        assert "unexpected error" not in result.output
    assert ws.dump() == before


def test_frames_over_all_objects_are_bounded(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The frames with geometry one file gives are capped (5,000,000; 100 here, on a 30-frame video): the
    object that passes the cap is the finding, before its frames are expanded."""
    monkeypatch.setattr(label_file, "MAX_FRAME_ENTRIES", 100)
    objects = "".join(
        f'  - id: p{i}\n    class: Pedestrian\n    frames:\n      "0-29": {{box: {_box()}}}\n' for i in range(4)
    )
    ws.path(FILE).write_text(video_file(objects), encoding="utf-8")
    result = ws.run("validate")
    assert result.exit_code == 1, result.output
    line = ws.line_of(FILE, "id: p3") + 2
    assert (
        f"{FILE}:{line}: objects[3].frames: this file gives geometry on more than 100 frames over all its objects"
        in result.stderr
    )


def test_findings_in_a_large_file_are_at_their_lines(ws: Workspace) -> None:
    """A file of 20,000 objects (over a megabyte: its lines are found piece by piece) with findings far in."""
    objects = [f"Pedestrian\n    box: {_box()}"] * 20_000
    objects[12_345] = f"Pedestrian\n    box: {_box(x='0.95')}"
    objects[19_999] = "Lake\n    polygon: [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]"
    text = image_file(*objects, classifications="  - id: s\n    question: Score\n    answer: .nan\n")
    assert len(text) > yamlio.SLICED_FROM
    ws.path(FILE).write_text(text, encoding="utf-8")
    result = ws.run("validate")
    assert result.exit_code == 1, result.output
    box, polygon = 3 + 3 * 12_345 + 2, 3 + 3 * 19_999 + 2
    assert ws.line_of(FILE, "id: o12345") == box - 2
    assert f"{FILE}:{box}: objects[12345].box.w: the box leaves the frame" in result.stderr
    assert f"{FILE}:{polygon}: objects[19999].polygon: the polygon has no area" in result.stderr
    answer = ws.line_of(FILE, "answer: .nan")
    assert f"{FILE}:{answer}: classifications[0].answer: " in result.stderr
    assert "3 problems in the label files" in result.stderr


# -- valid data is never refused ----------------------------------------------------------------------------


def test_shapes_on_the_edge_of_the_frame_are_valid(ws: Workspace) -> None:
    """Touching an edge (x + w == 1, a circle reaching 1), rounding just past it, and tiny shapes are Encord's
    own data: they stay valid."""
    ws.path(FILE).write_text(
        image_file(
            f"Pedestrian\n    box: {_box(x='0.75', y='0.0', w='0.25', h='1.0')}",
            f"Pedestrian\n    box: {_box(x='0.7', y='0.3', w='0.3000000001', h='0.7')}",
            "Car\n    rotated_box: {x: 0.0, y: 0.0, w: 1.0, h: 1.0, theta: -720}",
            "Wheel\n    circle: {x: 0.9, y: 0.5, r: 0.1, stretch: 0.5, theta: 90}",
            "Pupil\n    ellipse: {x: 0.5, y: 0.5, rx: 0.5, ry: 0.5, theta: 0}",
            "Lake\n    polygon: [[0, 0], [1, 0], [1, 1e-9]]",
            "Lane\n    polyline: [[0.4, 0.4], [0.4, 0.4], [0.4, 0.41]]",
        ),
        encoding="utf-8",
    )
    result = ws.run("validate")
    assert result.exit_code == 0, result.output


def test_a_duplicate_key_is_found_in_a_file_the_fast_check_cannot_clear(ws: Workspace) -> None:
    """Colons in comments and text, anchors and flow mappings over lines send a file to the exact search;
    the duplicate is found there too, and a file with none stays valid."""
    valid = image_file(
        f"Pedestrian  # note: a comment\n    box: &b {_box()}\n    attributes: {{Notes: 'at 12:30'}}",
        "Pedestrian\n    box: {\n      x: 0.1, y: 0.1,\n      w: 0.25, h: 0.2}",
    )
    ws.path(FILE).write_text(valid, encoding="utf-8")
    assert ws.run("validate").exit_code == 0
    ws.path(FILE).write_text(valid.replace("w: 0.25, h: 0.2}", "w: 0.25, h: 0.2, y: 0.3}"), encoding="utf-8")
    result = ws.run("validate")
    assert result.exit_code == 1, result.output
    line = ws.line_of(FILE, "y: 0.3}")
    assert f'{FILE}:{line}: invalid YAML: duplicate key "y" (first on line {line - 1})' in result.stderr


# -- fuzz --------------------------------------------------------------------------------------------------

_ATTRIBUTES = {"Quality": {"Good": {"Grade": "A"}}, "Tags": ["Red"], "Notes": "n", "Count": 3}
_VALID_IMAGE: dict[str, Any] = {
    "data": IMAGE,
    "branch": "main",
    "prune": True,
    "tags": ["t"],
    "objects": [
        {
            "id": "b",
            "class": "Pedestrian",
            "box": {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2},
            "attributes": _ATTRIBUTES,
        },
        {"id": "r", "class": "Car", "rotated_box": {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "theta": 30}},
        {"id": "p", "class": "Lake", "polygons": [[[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]]], "tags": ["x"]},
        {"id": "l", "class": "Lane", "polyline": [[0.1, 0.1], [0.3, 0.3]]},
        {"id": "k", "class": "Keypoint", "point": {"x": 0.5, "y": 0.5}},
        {
            "id": "s",
            "class": "Hand",
            "skeleton": {
                "wrist": {"x": 0.1, "y": 0.1},
                "thumb": {"x": 0.2, "y": 0.2, "visibility": "occluded"},
                "index": {"x": 0.3, "y": 0.3},
                "pinky": {"x": 0.4, "y": 0.4},
            },
        },
        {"id": "c", "class": "Wheel", "circle": {"x": 0.5, "y": 0.5, "r": 0.1, "stretch": 1.0, "theta": 0.0}},
        {"id": "e", "class": "Pupil", "ellipse": {"x": 0.5, "y": 0.5, "rx": 0.1, "ry": 0.05, "theta": 10}},
        {
            "id": "q",
            "class": "Parcel",
            "cuboid_2d": {
                "front": [[0.1, 0.1], [0.3, 0.1], [0.3, 0.3], [0.1, 0.3]],
                "vanishing_point": {"x": 0.5, "y": 0.4},
                "scale_ratio": 0.7,
            },
        },
        {"id": "m", "class": "Sky", "bitmask": {"rle": _rle_to_string([320 * 240])}},
    ],
    "classifications": [
        {"id": "w", "question": "Weather", "answer": {"Rainy": {"Strength": "Light"}}, "tags": ["a"]},
        {"id": "f", "question": "Image flags", "answer": ["Blurry"]},
        {"id": "cap", "question": "Caption", "answer": "hello"},
        {"id": "sc", "question": "Score", "answer": 4.5},
        {"id": "set", "question": "Setting", "answer": "Indoor"},
    ],
}
_VALID_VIDEO: dict[str, Any] = {
    "data": VIDEO,
    "frame_tags": {"blurry": ["1-3", 5]},
    "objects": [
        {
            "id": "b",
            "class": "Pedestrian",
            "frames": {
                "0": {"box": {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}},
                "1-9": {"box": {"x": 0.2, "y": 0.1, "w": 0.2, "h": 0.2}},
            },
            "dynamic": {"State": {"0-3": "Moving", "4": "Still"}, "Visibility": {"5": ["Occluded"]}},
        },
        {"id": "c", "class": "Wheel", "frames": {"2": {"circle": {"x": 0.5, "y": 0.5, "r": 0.1}}}},
    ],
    "classifications": [
        {"id": "w", "question": "Weather", "answer": "Sunny", "frames": ["0-5", 9]},
        {"id": "w2", "question": "Weather", "answer": "Sunny", "frames": [10]},
    ],
}
ODD_VALUES: list[Any] = [
    None,
    [],
    {},
    True,
    "",
    "\x1b[31m\x00",
    math.nan,
    -math.inf,
    -1,
    10**400,
    [[1]],
    {"a", "b"},
    {None: 1, 5: 2, "x": 0.1},
    "4-2000000000",
]
ODD_KEYS: list[Any] = [None, 5, "zz"]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _paths(item, (*prefix, key))


def _variants(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`doc` with each of its values replaced by each odd value, and each mapping given each odd key."""
    for path in list(_paths(doc))[1:]:
        for odd in ODD_VALUES:
            variant = copy.deepcopy(doc)
            node = variant
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = copy.deepcopy(odd)
            yield variant
        node = doc
        for part in path:
            node = node[part]
        for key in ODD_KEYS if isinstance(node, dict) else ():
            variant = copy.deepcopy(doc)
            node = variant
            for part in path:
                node = node[part]
            node[key] = 1
            yield variant


@functools.cache
def _variant_files() -> tuple[tuple[str, str], ...]:
    """(file name, YAML text) of every variant of the valid files: made once, for both runs of the test below
    (libyaml's dumper when PyYAML has it: the same YAML, without thousands of documents through pure Python)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    files = []
    for name, doc in (("image", _VALID_IMAGE), ("video", _VALID_VIDEO)):
        for variant in _variants(doc):
            text = yaml.dump(variant, Dumper=dumper, sort_keys=False, allow_unicode=False)
            files.append((f"{name}-{len(files):05}.yaml", text))
    return tuple(files)


@pytest.mark.parametrize("offline", [False, True], ids=["with the data units", "offline"])
def test_odd_values_in_every_field_are_findings_never_tracebacks(ws: Workspace, offline: bool) -> None:
    for name, doc in (("image", _VALID_IMAGE), ("video", _VALID_VIDEO)):
        ws.path(f"labels/{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    valid = ws.run("validate", *(("--config", "offline.yaml") if offline else ()))
    assert valid.exit_code == 0, valid.output
    folder = ws.path("labels/fuzz")
    folder.mkdir()
    count = 0
    for file_name, text in _variant_files():
        (folder / file_name).write_text(text, encoding="utf-8")
        count += 1
    assert count > 1000
    result = ws.run("validate", *(("--config", "offline.yaml") if offline else ()))
    assert result.exit_code in (0, 1), result.output
    assert "unexpected error" not in result.output
    assert "Traceback" not in result.output
    assert result.stderr.count("error: labels/fuzz/") > count / 2
