"""`labelsync fmt` and the canonical layout behind it (`reconciler.layout`).

The layout's promises: key order, number and string formatting, block and flow style, comments kept
where they were, the same output for the same content (idempotent), and the parsed content never
changed, as labelsync reads it (`yamlio.load`) and, where YAML 1.1 agrees, as PyYAML reads it. Then
the command: rewrite in place or `--check`, name the files, leave alone what is formatted already or
not valid YAML.
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from labelsync_workspace import ROOT, Workspace

from reconciler import yamlio
from reconciler.desired.loading import discover
from reconciler.layout import (
    CLASSIFICATION_KEYS,
    OBJECT_KEYS,
    TOP_KEYS,
    dump_label_file,
    format_label_text,
    same_content,
)

SCHEMA = "# yaml-language-server: $schema=../../schemas/label-file.schema.json"
REPO_LABEL_FILES = discover(ROOT / "labels")
CHERRY = "labels/images/cherry_001.jpg.yaml"


def fmt(text: str) -> str:
    return format_label_text(textwrap.dedent(text))


def assert_same_content(before: str, after: str) -> None:
    assert same_content(yamlio.load(after), yamlio.load(before))


# -- key order ------------------------------------------------------------------------------------


def test_keys_come_in_the_canonical_order_unknown_keys_last_in_their_own_order() -> None:
    text = """\
    zeta: 1
    objects:
      - tags: [t]
        attributes: {Ripeness: Ripe}
        box: {h: 0.4, w: 0.3, y: 0.2, x: 0.1}
        class: Cherry
        id: c1
    classifications:
      - tags: [t]
        frames: [1]
        answer: Cherry
        hash: abcd1234
        question: Kind?
        id: k1
    alpha: 2
    frame_tags: {blurry: [1]}
    tags: [a]
    prune: false
    branch: main
    data: cherry.jpg
    """
    assert fmt(text) == textwrap.dedent("""\
    data: cherry.jpg
    branch: main
    prune: false
    tags: [a]
    frame_tags:
      blurry: [1]

    objects:
      - id: c1
        class: Cherry
        box: {x: 0.1, y: 0.2, w: 0.3, h: 0.4}
        attributes:
          Ripeness: Ripe
        tags: [t]

    classifications:
      - id: k1
        question: Kind?
        hash: abcd1234
        answer: Cherry
        frames: [1]
        tags: [t]
    zeta: 1
    alpha: 2
    """)


@pytest.mark.parametrize(
    ("shape", "given", "expected"),
    [
        (
            "rotated_box",
            "{theta: 30, h: 0.4, w: 0.3, y: 0.2, x: 0.1}",
            "{x: 0.1, y: 0.2, w: 0.3, h: 0.4, theta: 30}",
        ),
        ("point", "{y: 0.2, x: 0.1}", "{x: 0.1, y: 0.2}"),
        (
            "circle",
            "{theta: 0.0, r: 0.1, y: 0.5, x: 0.5, stretch: 1.0}",
            "{x: 0.5, y: 0.5, r: 0.1, stretch: 1.0, theta: 0.0}",
        ),
        (
            "ellipse",
            "{theta: 0.0, ry: 0.2, rx: 0.1, y: 0.5, x: 0.5}",
            "{x: 0.5, y: 0.5, rx: 0.1, ry: 0.2, theta: 0.0}",
        ),
    ],
)
def test_geometry_keys_in_their_order(shape: str, given: str, expected: str) -> None:
    text = f"data: d\nobjects:\n  - id: a\n    class: C\n    {shape}: {given}\n"
    assert f"    {shape}: {expected}\n" in format_label_text(text)


def test_skeleton_points_keep_their_order_each_point_x_y_visibility() -> None:
    text = """\
    data: d
    objects:
      - id: s
        class: Strawberry
        skeleton:
          top: {visibility: occluded, y: 0.2, x: 0.4}
          left: {y: 0.45, x: 0.3}
    """
    assert (
        "    skeleton:\n      top: {x: 0.4, y: 0.2, visibility: occluded}\n      left: {x: 0.3, y: 0.45}\n"
        in fmt(text)
    )


# -- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("0.10000", "0.1"),
        ("1.0", "1.0"),
        ("1.", "1.0"),
        ("3", "3"),
        ("-0.0", "-0.0"),
        ("1e-5", "0.00001"),
        ("0.000123", "0.000123"),
        ("3.0e-1", "0.3"),
        ("1e3", "1000.0"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("1.5e300", "1.5e+300"),
        ("1e-20", "1.0e-20"),
        (".inf", ".inf"),
        ("-.inf", "-.inf"),
        (".nan", ".nan"),
        ("0x1A", "26"),
    ],
)
def test_numbers_are_written_as_the_shortest_text_that_reads_back(given: str, written: str) -> None:
    text = f"data: d\nvalue: {given}\n"
    formatted = format_label_text(text)
    assert formatted == f"data: d\nvalue: {written}\n"
    assert same_content(yamlio.load(formatted), yamlio.load(text))
    assert same_content(yaml.safe_load(formatted), yamlio.load(text))


# -- strings --------------------------------------------------------------------------------------

TRICKY_STRINGS = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "Yes",
    "NO",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    "3",
    "-3",
    "+3",
    "007",
    "0x1A",
    "0o17",
    "1e3",
    "1.5",
    ".5",
    ".inf",
    "-.inf",
    ".nan",
    "1_000",
    "1:20",
    "2020-01-01",
    "2020-1-2",
    "3-4",
    "1-2-3",
    "3 apples",
    "cherry-1",
    "Next to #relation",
    "#hash",
    "a#b",
    "key: value",
    "ends with:",
    "a:b",
    "- item",
    "-item",
    "? q",
    "[x]",
    "{x}",
    "a, b",
    "a [b]",
    "*ref",
    "&anchor",
    "!tag",
    "|",
    ">",
    "%",
    "@",
    "`",
    "'quoted'",
    '"double"',
    "it's",
    " leading",
    "trailing ",
    "tab\there",
    "two\nlines",
    "back\\slash",
    "crlf\r\n",
    "<<",
    "=",
    "...",
    "---",
    "h\u00e9llo w\u00f6rld",
    "\u2713 \U0001f352",
    "\u00a0nbsp",
    "zero\u200bwidth",
    "\u2028",
    "\ufeffbom",
    "\x07bell",
    "long " * 60,
]


@pytest.mark.parametrize("value", TRICKY_STRINGS)
def test_strings_read_back_the_same_in_yaml_1_2_and_1_1(value: str) -> None:
    doc = {"data": value, "tags": [value], "frame_tags": {value: [1]}, "objects": [{"id": value, "class": value}]}
    text = dump_label_file(doc)
    assert same_content(yamlio.load(text), doc)
    assert same_content(yaml.safe_load(text), doc)
    assert format_label_text(text) == text


def test_strings_are_quoted_only_when_needed() -> None:
    text = dump_label_file(
        {
            "data": "cherry_001.jpg",
            "objects": [{"id": "c-1", "class": "Cherry", "attributes": {"A": "yes", "B": "3"}}],
        }
    )
    assert "data: cherry_001.jpg\n" in text
    assert "  - id: c-1\n    class: Cherry\n" in text
    assert '      A: "yes"\n      B: "3"\n' in text


def test_commas_need_quotes_in_flow_lists_only() -> None:
    text = dump_label_file({"data": "a, b", "tags": ["a, b"]})
    assert text == 'data: a, b\ntags: ["a, b"]\n'


def test_frame_keys_and_ranges_stay_quoted_strings() -> None:
    text = """\
    data: v
    objects:
      - id: p
        class: Person
        frames:
          '3': {box: {x: 0.2, y: 0.2, w: 0.5, h: 0.5}}
          4-9: {box: {x: 0.3, y: 0.3, w: 0.5, h: 0.5}}
        dynamic:
          Position: {'3': Standing, 4-9: Walking}
    frame_tags:
      blurry: [10-19, 42]
    """
    formatted = fmt(text)
    assert '      "3": {box: {x: 0.2, y: 0.2, w: 0.5, h: 0.5}}\n      "4-9": {box:' in formatted
    assert '      Position:\n        "3": Standing\n        "4-9": Walking\n' in formatted
    assert '  blurry: ["10-19", 42]\n' in formatted
    assert list(yamlio.load(formatted)["objects"][0]["frames"]) == ["3", "4-9"]


def test_unicode_and_long_strings_are_written_as_they_are() -> None:
    long_note = "a note " * 40
    text = dump_label_file(
        {
            "data": "caf\u00e9 \U0001f352.jpg",
            "objects": [{"id": "a", "class": "C", "attributes": {"Notes": long_note}}],
        }
    )
    assert "data: caf\u00e9 \U0001f352.jpg\n" in text
    assert f'      Notes: "{long_note}"\n' in text  # its trailing space needs the quotes, not its length


# -- layout ---------------------------------------------------------------------------------------


def test_flow_style_for_leaves_block_style_for_the_structure() -> None:
    doc = {
        "data": "d",
        "tags": [],
        "objects": [
            {"id": "p", "class": "Persimmon", "polygon": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]},
            {
                "id": "q",
                "class": "Persimmon",
                "polygons": [[[[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]], [[0.12, 0.12], [0.15, 0.12], [0.15, 0.15]]]],
                "attributes": {"Ripeness": {"Ripe": {"Sweetness": "Sweet"}}, "Defects": []},
            },
        ],
    }
    assert dump_label_file(doc, SCHEMA) == textwrap.dedent(f"""\
    {SCHEMA}
    data: d
    tags: []

    objects:
      - id: p
        class: Persimmon
        polygon: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]

      - id: q
        class: Persimmon
        polygons:
          - - [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]]
            - [[0.12, 0.12], [0.15, 0.12], [0.15, 0.15]]
        attributes:
          Ripeness: {{Ripe: {{Sweetness: Sweet}}}}
          Defects: []
    """)


def test_indentation_trailing_spaces_and_final_newline_are_normalised() -> None:
    text = "data:    d   \ntags:\n    - a\n    - b\nobjects:\n-   id: a\n    class:   C\n    point:\n        x: 0.5\n        y: 0.5"
    assert (
        format_label_text(text)
        == "data: d\ntags: [a, b]\n\nobjects:\n  - id: a\n    class: C\n    point: {x: 0.5, y: 0.5}\n"
    )


def test_header_is_one_comment_line_and_an_empty_document_is_only_the_header() -> None:
    assert dump_label_file({"data": "d"}, SCHEMA) == f"{SCHEMA}\ndata: d\n"
    assert dump_label_file({"data": "d"}, "written by pull") == "# written by pull\ndata: d\n"
    assert dump_label_file({}) == "{}\n"
    assert format_label_text("") == ""
    assert format_label_text(f"{SCHEMA}\n") == f"{SCHEMA}\n"


# -- comments -------------------------------------------------------------------------------------

COMMENTED = """\
# yaml-language-server: $schema=../../schemas/label-file.schema.json
# a second header line
tags: [outdoor]   # data tags
data: cherry_001.jpg

objects:          # the objects
  # the first cherry
  - class: Cherry   # it is a cherry
    id: cherry-1
    box:
      y: 0.2
      x: 0.1      # left edge
      w: 0.3
      h: 0.4
    # attributes follow
    attributes: {Ripeness: Ripe}
  - id: cherry-2
    class: Cherry
    polygon: [
      [0.1, 0.2],   # first point
      [0.3, 0.4],
      [0.5, 0.6],
    ]
# commented out:
# classifications:
#   - id: fruit-kind
"""


def test_comments_are_kept_with_the_key_or_item_they_belong_to() -> None:
    assert format_label_text(COMMENTED) == textwrap.dedent("""\
    # yaml-language-server: $schema=../../schemas/label-file.schema.json
    # a second header line
    data: cherry_001.jpg
    tags: [outdoor]   # data tags

    objects:          # the objects
      # the first cherry
      - id: cherry-1
        class: Cherry   # it is a cherry
        box:
          x: 0.1      # left edge
          y: 0.2
          w: 0.3
          h: 0.4
        # attributes follow
        attributes:
          Ripeness: Ripe

      - id: cherry-2
        class: Cherry
        polygon:
          - [0.1, 0.2]  # first point
          - [0.3, 0.4]
          - [0.5, 0.6]
    # commented out:
    # classifications:
    #   - id: fruit-kind
    """)


def test_end_of_line_comments_keep_their_column_or_get_two_spaces_when_the_line_grew() -> None:
    text = "data: d\nobjects:\n  - id: a\n    class: C\n    box: {x: 0.10000, y: 0.2, w: 0.3, h: 0.4}    # box\n"
    formatted = format_label_text(text)
    (line,) = [line for line in formatted.splitlines() if "# box" in line]
    assert line.startswith("    box: {x: 0.1, y: 0.2, w: 0.3, h: 0.4}  ")
    assert line.index("#") == text.index("#") - text.index("    box")  # its column kept
    grown = text.replace("0.10000", "1e-5").replace("}    #", "} #")
    assert "    box: {x: 0.00001, y: 0.2, w: 0.3, h: 0.4}  # box\n" in format_label_text(grown)


def test_a_hash_in_a_string_is_not_a_comment() -> None:
    text = 'data: d\nobjects:\n  - id: a\n    class: C\n    attributes: {"Next to #relation": b, Notes: "x #1"}  # real\n'
    formatted = format_label_text(text)
    assert '      "Next to #relation": b\n      Notes: "x #1"\n' in formatted
    assert formatted.count("#") == 3
    assert formatted.count("# real") == 1


def test_comments_above_the_first_key_stay_at_the_top() -> None:
    text = f"{SCHEMA}\n# about this file\nbranch: main\ndata: d\n"
    assert format_label_text(text) == f"{SCHEMA}\n# about this file\ndata: d\nbranch: main\n"


# -- the promises: idempotent, content unchanged --------------------------------------------------

TRICKY_FILES = [
    COMMENTED,
    "data: 'yes'\nbranch: \"no\"\ntags: [on, off, y, n, '3', 'null', 1-2, 2020-01-01]\n",
    "data: d\nobjects: []\nclassifications: []\ntags: []\nframe_tags: {}\n",
    "data: d\nobjects:\n- id: a\n  class: C\n  frames:\n    3: {point: {x: 0.1, y: 0.2}}\n    '4-9': {point: {x: 0.1, y: 0.2}}\n",
    'data: "h\u00e9llo \\u2028 \\t tab"\nobjects:\n  - {id: a, class: C, attributes: {Notes: "two\\nlines"}}\n',
    "data: d\nobjects:\n  - id: a\n    class: C\n    attributes:\n      Notes: |\n        two  # not a comment\n        lines\n  # c\n",
    "data: d  # c1\n# c2\n\n\nobjects:   # c3\n\n  -   # c4\n    id: a   # c5\n    class: C\n    # c6\n",
    "---\ndata: d\n...\n",
    "data: d\r\nobjects:\r\n  - id: a  # crlf\r\n    class: C\r\n",
    "data: &name d\ndata_hash: *name\n",
    "# only a comment\n",
    "[1, 2, 3]\n",
    "just text\n",
]


@pytest.mark.parametrize("path", REPO_LABEL_FILES, ids=lambda p: p.name)
def test_repository_label_files_are_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_label_text(text) == text


@pytest.mark.parametrize("text", TRICKY_FILES)
def test_formatting_is_idempotent_and_keeps_the_content(text: str) -> None:
    formatted = format_label_text(text)
    assert format_label_text(formatted) == formatted
    assert_same_content(text, formatted)
    assert formatted == "" or formatted.endswith("\n")
    assert not any(line != line.rstrip() for line in formatted.splitlines())


@pytest.mark.parametrize("path", REPO_LABEL_FILES, ids=lambda p: p.name)
def test_messing_up_a_repository_file_formats_back_to_it(path: Path) -> None:
    """Key order shuffled, block style, long floats, no comments: the canonical text again."""
    text = path.read_text(encoding="utf-8")
    doc = yamlio.load(text)
    messy = yaml.safe_dump(_reversed(doc), default_flow_style=False, allow_unicode=True, sort_keys=False)
    formatted = format_label_text(messy)
    assert_same_content(text, formatted)
    header, *_ = text.split("\n", 1)
    without_comments = dump_label_file(doc, header)
    assert formatted == dump_label_file(doc)
    assert format_label_text(without_comments) == without_comments


KNOWN_KEYS = {*TOP_KEYS, *OBJECT_KEYS, *CLASSIFICATION_KEYS, "x", "y", "w", "h", "theta"}


def _reversed(value: Any) -> Any:
    """Mappings of known keys in reverse order (the order of other keys is the user's: kept)."""
    if isinstance(value, dict):
        keys = list(value)
        return {key: _reversed(value[key]) for key in (reversed(keys) if set(keys) <= KNOWN_KEYS else keys)}
    if isinstance(value, list):
        return [_reversed(item) for item in value]
    return value


def test_dump_and_format_agree_on_a_document_without_comments() -> None:
    doc = yamlio.load((ROOT / CHERRY).read_text(encoding="utf-8"))
    text = dump_label_file(doc, SCHEMA)
    assert format_label_text(text) == text
    assert same_content(yamlio.load(text), doc)


def test_same_content_tells_types_apart() -> None:
    assert not same_content({"a": 1}, {"a": 1.0})
    assert not same_content({"a": 1}, {"a": True})
    assert same_content({"a": math.nan, "b": [1]}, {"b": [1], "a": math.nan})


# -- invalid input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("data: d\nobjects:\n  - id: a\n   class: C\n", 4),
        ("data: d\ntags: [a, b\n", 3),
        ("data: d\n---\ndata: e\n", 2),
        ("data: d\nbranch: main\ndata: e\n", 3),
        ("base: &b {x: 1}\nbox:\n  <<: *b\n  y: 2\n", 3),
    ],
    ids=["indentation", "unclosed", "two documents", "duplicate key", "merge key"],
)
def test_invalid_yaml_is_an_error_with_its_line(text: str, line: int) -> None:
    with pytest.raises(yamlio.YamlSyntaxError) as raised:
        format_label_text(text)
    assert raised.value.line == line


# -- the command ----------------------------------------------------------------------------------

MESSY = "objects:\n- class: Cherry\n  id: c\n  box: {h: 0.3, w: 0.2, y: 0.2, x: 0.1}\ndata: cherry_007.jpg\n"
BROKEN = "data: fruit_bowl_008.jpg\nobjects:\n  - id: a\n   class: C\n"


def test_the_example_project_is_formatted(local_workspace: Workspace) -> None:
    result = local_workspace.run("fmt", "--check")
    assert result.exit_code == 0, result.output
    assert "0 files would be reformatted, 8 already formatted." in result.stdout


def test_check_names_the_unformatted_files_and_writes_nothing(local_workspace: Workspace) -> None:
    ws = local_workspace
    ws.path("labels/images/cherry_007.jpg.yaml").write_text(MESSY, encoding="utf-8")
    result = ws.run("fmt", "--check")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "would reformat labels/images/cherry_007.jpg.yaml",
        "1 file would be reformatted, 8 already formatted.",
    ]
    assert ws.path("labels/images/cherry_007.jpg.yaml").read_text(encoding="utf-8") == MESSY


def test_fmt_rewrites_only_the_files_that_change(local_workspace: Workspace) -> None:
    ws = local_workspace
    messy = ws.path("labels/images/cherry_007.jpg.yaml")
    messy.write_text(MESSY, encoding="utf-8")
    mtimes = {path: path.stat().st_mtime_ns for path in discover(ws.path("labels")) if path != messy}
    plan_before = ws.run("plan")
    result = ws.run("fmt")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "reformatted labels/images/cherry_007.jpg.yaml",
        "1 file reformatted, 8 left unchanged.",
    ]
    assert messy.read_text(encoding="utf-8") == (
        "data: cherry_007.jpg\n\nobjects:\n  - id: c\n    class: Cherry\n    box: {x: 0.1, y: 0.2, w: 0.2, h: 0.3}\n"
    )
    assert {path: path.stat().st_mtime_ns for path in mtimes} == mtimes
    assert ws.run("fmt", "--check").exit_code == 0
    assert ws.run("plan").stdout == plan_before.stdout


def test_invalid_yaml_is_reported_and_left_alone_the_others_formatted(local_workspace: Workspace) -> None:
    ws = local_workspace
    ws.path("labels/images/cherry_007.jpg.yaml").write_text(MESSY, encoding="utf-8")
    ws.path("labels/images/fruit_bowl_008.jpg.yaml").write_text(BROKEN, encoding="utf-8")
    result = ws.run("fmt")
    assert result.exit_code == 1, result.output
    assert "labels/images/fruit_bowl_008.jpg.yaml:4: invalid YAML:" in result.stderr
    assert ws.path("labels/images/fruit_bowl_008.jpg.yaml").read_text(encoding="utf-8") == BROKEN
    assert "reformatted labels/images/cherry_007.jpg.yaml" in result.stdout
    assert ws.run("fmt", "--check", "labels/images/cherry_007.jpg.yaml").exit_code == 0


def test_paths_limit_fmt_to_those_files_and_directories(local_workspace: Workspace) -> None:
    ws = local_workspace
    ws.path("labels/images/cherry_007.jpg.yaml").write_text(MESSY, encoding="utf-8")
    assert ws.run("fmt", "--check", "labels/videos").exit_code == 0
    assert ws.run("fmt", "--check", "labels/videos", CHERRY).stdout.endswith("2 already formatted.\n")
    result = ws.run("fmt", "--check", "labels/images")
    assert result.exit_code == 1
    assert "would reformat labels/images/cherry_007.jpg.yaml" in result.stdout
    missing = ws.run("fmt", "labels/nowhere.yaml")
    assert missing.exit_code == 1
    assert "labels/nowhere.yaml: no such file or directory" in missing.stderr


def test_diff_shows_the_changes_and_writes_nothing(local_workspace: Workspace) -> None:
    ws = local_workspace
    ws.path("labels/images/cherry_007.jpg.yaml").write_text(MESSY, encoding="utf-8")
    result = ws.run("fmt", "--diff")
    assert result.exit_code == 0, result.output
    assert "--- a/labels/images/cherry_007.jpg.yaml\n+++ b/labels/images/cherry_007.jpg.yaml\n" in result.stdout
    assert "+    box: {x: 0.1, y: 0.2, w: 0.2, h: 0.3}\n" in result.stdout
    assert ws.path("labels/images/cherry_007.jpg.yaml").read_text(encoding="utf-8") == MESSY
    assert ws.run("fmt", "--diff", "--check").exit_code == 1


def test_many_files_are_formatted_on_every_core_with_the_same_result(
    local_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler import parallel

    ws = local_workspace
    ws.path("labels/images/cherry_007.jpg.yaml").write_text(MESSY, encoding="utf-8")
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 2)
    result = ws.run("fmt", "--check")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "would reformat labels/images/cherry_007.jpg.yaml",
        "1 file would be reformatted, 8 already formatted.",
    ]


def test_a_file_that_is_not_utf8_is_reported(local_workspace: Workspace) -> None:
    ws = local_workspace
    ws.path("labels/images/cherry_007.jpg.yaml").write_bytes(b"data: caf\xe9\n")
    result = ws.run("fmt")
    assert result.exit_code == 1
    assert "labels/images/cherry_007.jpg.yaml: not UTF-8 text" in result.stderr
    assert "0 files reformatted, 8 left unchanged, 1 with errors." in result.stdout


def test_fmt_and_pull_refuse_a_fifo_as_validate_does_instead_of_waiting_for_ever(workspace: Workspace) -> None:
    os.mkfifo(workspace.path("labels/images/pipe.yaml"))
    checked = workspace.run_subprocess("fmt", "--check")  # in a subprocess: a regression hangs, then fails
    assert checked.exit_code == 1, checked.output
    assert "labels/images/pipe.yaml: not read: it is a FIFO (named pipe), not a regular file" in checked.output
    pulled = workspace.run_subprocess("pull")
    assert "labels/images/pipe.yaml (Refused: it is a FIFO (named pipe), not a regular file)" in pulled.output
