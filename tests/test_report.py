"""The plan's HTML report (`plan --report DIR`): every shape drawn, before red and after green, every string
escaped, only http(s) or embedded media, bounded; and, where Chromium is installed, the page loaded in a real
headless browser: no errors, every changed label drawn, a screenshot that is not blank."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labelsync_workspace import Workspace

from reconciler.cli import report_io
from reconciler.cli.report_io import report_units, write_report
from reconciler.errors import ConfigError, LabelsyncError
from reconciler.model import (
    ClassificationLabel,
    DataType,
    DataUnit,
    Geometry,
    Label,
    ObjectLabel,
    RowKey,
    Shape,
)
from reconciler.plan import Action, LabelChange, Plan, RowPlan
from reconciler.planfile import plan_to_dict
from reconciler.remotes.encord.project import _web_link
from reconciler.remotes.local import LocalProject, create_project
from reconciler.remotes.manifest import read_manifest
from reconciler.render import report
from reconciler.render.report import AFTER, BEFORE, MAX_PANELS, MAX_ROWS, ReportUnit, render_report
from reconciler.rle import mask_to_rle_string

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_TIMEOUT = 90

BOX = {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.25}
SHAPES: dict[str, Any] = {
    "box": BOX,
    "rotated_box": {**BOX, "theta": 30.0},
    "polygon": [
        [
            [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]],
            [[0.2, 0.2], [0.3, 0.2], [0.3, 0.3], [0.2, 0.3]],
        ]
    ],
    "polyline": [[0.1, 0.1], [0.4, 0.6], [0.7, 0.2]],
    "point": {"x": 0.4, "y": 0.4},
    "skeleton": {"top": {"x": 0.5, "y": 0.1}, "left": {"x": 0.3, "y": 0.5, "visibility": "occluded"}},
    "circle": {"x": 0.5, "y": 0.5, "r": 0.1, "stretch": 1.5, "theta": 10.0},
    "ellipse": {"x": 0.5, "y": 0.5, "rx": 0.2, "ry": 0.1, "theta": 45.0},
    "cuboid_2d": {
        "front": [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.4]],
        "vanishing_point": {"x": 0.8, "y": 0.1},
        "scale_ratio": 0.7,
    },
    "bitmask": {
        "top": 0,
        "left": 0,
        "width": 8,
        "height": 6,
        "rle": mask_to_rle_string(bytes(1 if 2 <= i % 8 <= 5 and 1 <= i // 8 <= 4 else 0 for i in range(48))),
    },
}
RANGED = {"audio": [[100, 900], [1500, 2000]], "text": [[3, 40]], "time_range": [[10, 25]]}


# -- building plans ---------------------------------------------------------------------------------


def obj(key: str, value: Any, frames: tuple[int, ...] = (0,), label_hash: str = "h1") -> ObjectLabel:
    shape = next(s for s in Shape if s.declarable and s.key == key)
    return ObjectLabel(label_hash, "feature", tuple((f, Geometry(shape, value)) for f in frames))


def change(before: Label | None, after: Label | None, name: str = "label-1", cls: str = "Thing") -> LabelChange:
    action = Action.CREATE if before is None else Action.DELETE if after is None else Action.UPDATE
    label = after or before
    assert label is not None
    return LabelChange(action, "object", label.hash, name, cls, before, after)


def row(changes: list[LabelChange], data_hash: str = "d1", title: str = "image.jpg") -> RowPlan:
    return RowPlan(RowKey(data_hash), title, f"labels/{title}.yaml", "lh", "before", "after", tuple(changes))


def plan_dict(rows: list[RowPlan]) -> dict[str, Any]:
    return plan_to_dict(Plan(remote="local project test.db", ontology="o", rows=tuple(rows)))


def groups(page: str) -> list[tuple[str, str, str]]:
    """(change id, side, shape) of each drawn label group."""
    return re.findall(
        r'<g class="label (?:before|after)" data-change="([^"]+)" data-side="(\w+)"(?: data-shape="(\w+)")?', page
    )


IMAGE = ReportUnit(width=640, height=480, frames=1, type="image")


# -- drawing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(SHAPES))
def test_every_shape_draws_before_red_and_after_green(key: str) -> None:
    before = obj(key, SHAPES[key])
    moved = json.loads(json.dumps(SHAPES[key]).replace("0.1", "0.15"))
    after = obj(key, moved if moved != SHAPES[key] else {**SHAPES[key], "top": 0})
    page = render_report(plan_dict([row([change(before, after)])]), {"d1": IMAGE})
    drawn = groups(page)
    assert ("0:0", "before", key) in drawn and ("0:0", "after", key) in drawn
    assert 'data-drawn="1" data-labels="1"' in page
    before_group = re.search(r'<g class="label before".*?</g>', page, re.S)
    after_group = re.search(r'<g class="label after".*?</g>', page, re.S)
    assert before_group and after_group
    if key != "bitmask":  # a mask's colour is in its PNG; its outline is drawn in the side's colour too
        assert BEFORE in before_group[0] and AFTER not in before_group[0]
        assert AFTER in after_group[0] and BEFORE not in after_group[0]
    assert "cannot draw" not in page
    assert "label-1 (Thing)" in page


def test_a_mask_is_drawn_as_its_pixels_and_the_rectangle_of_them() -> None:
    page = render_report(plan_dict([row([change(None, obj("bitmask", SHAPES["bitmask"]))])]), {"d1": IMAGE})
    assert 'href="data:image/png;base64,' in page
    # set pixels are columns 2..5 of rows 1..4 of an 8 x 6 mask on a 640 x 480 frame: the frame's pixels
    assert '<rect x="2" y="1" width="4" height="4"' in page


def test_ranged_shapes_and_classifications_are_bars() -> None:
    changes = [change(None, obj(key, value, label_hash=key), name=key) for key, value in RANGED.items()]
    classification = ClassificationLabel("c1", "question", (("attr", "option"),), ((2, 5),))
    changes.append(LabelChange(Action.CREATE, "classification", "c1", "kind", "Question", None, classification))
    unit = ReportUnit(width=0, height=0, frames=10, type="audio")
    page = render_report(plan_dict([row(changes)]), {"d1": unit})
    assert 'data-drawn="4" data-labels="4"' in page
    assert "<title>after: 1500-2000</title>" in page
    assert "<title>after: 2-5</title>" in page


def test_a_video_draws_a_strip_of_the_changed_frames_bounded() -> None:
    before = obj("box", BOX, frames=tuple(range(40)))
    after = obj("box", {**BOX, "x": 0.2}, frames=tuple(range(40)))
    unit = ReportUnit(width=1280, height=720, frames=120, type="video")
    page = render_report(plan_dict([row([change(before, after)])]), {"d1": unit})
    assert page.count('<figure class="small">') == MAX_PANELS
    assert f"... and {40 - MAX_PANELS} more frames with changes not drawn" in page
    assert "frame 0 (1280 x 720)" in page


def test_every_label_of_a_video_row_is_drawn_where_it_changes() -> None:
    changes = [
        change(
            obj("box", BOX, frames=(f,), label_hash=f"h{f}"), obj("box", {**BOX, "y": 0.3}, (f,), f"h{f}"), f"b{f}"
        )
        for f in (5, 70, 110)
    ]
    page = render_report(plan_dict([row(changes)]), {"d1": ReportUnit(1280, 720, 120, "", "video")})
    assert 'data-drawn="3" data-labels="3"' in page
    assert [c for c in ("frame 5 ", "frame 70 ", "frame 110 ") if c in page] == [
        "frame 5 ",
        "frame 70 ",
        "frame 110 ",
    ]


def test_the_report_is_bounded_in_rows_and_points() -> None:
    rows = [
        row([change(None, obj("point", {"x": 0.5, "y": 0.5}))], f"d{i}", f"i{i}.jpg") for i in range(MAX_ROWS + 7)
    ]
    page = render_report(plan_dict(rows), {})
    assert page.count('<section class="row"') == MAX_ROWS
    assert "... and 7 more label rows (7 labels) not drawn" in page
    ring = [[0.5 + 0.4 * (i % 2), 0.1 + 0.8 * i / 20000] for i in range(20000)]
    page = render_report(plan_dict([row([change(None, obj("polyline", ring))])]), {"d1": IMAGE})
    points = re.search(r'<polyline points="([^"]+)"', page)
    assert points and len(points[1].split()) == report.MAX_POINTS


def test_a_unit_of_unknown_size_is_drawn_on_a_default_frame() -> None:
    page = render_report(plan_dict([row([change(None, obj("box", BOX))])]), {})
    assert 'viewBox="0 0 1000 750"' in page and "does not say how large" in page


# -- strings and media are untrusted ---------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_every_string_from_the_plan_is_escaped() -> None:
    rows = [row([change(None, obj("box", BOX), name=HOSTILE, cls=HOSTILE)], title=HOSTILE)]
    data = plan_dict(rows)
    data["remote"] = HOSTILE
    data["warnings"] = [HOSTILE]
    page = render_report(data, {"d1": IMAGE})
    assert "<script>alert" not in page and "<img src" not in page
    assert page.count("<script>") == 1  # the page's own, allowed by its hash
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "onerror=alert(2)" not in page.replace("&quot;&gt;&lt;img src=x onerror=alert(2)", "")


def test_bidi_and_control_characters_are_shown_as_escapes() -> None:
    page = render_report(plan_dict([row([change(None, obj("box", BOX), name="a\u202eb\x1bc")])]), {"d1": IMAGE})
    assert "\u202e" not in page and "\x1b" not in page
    assert "a\\u202eb\\x1bc" in page


@pytest.mark.parametrize(
    "media",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "/etc/passwd",
        "https://user:pw@example.com/a.png",
        'https://example.com/a.png" onload="alert(1)',
        "https://exa mple.com/a.png",
        "//example.com/a.png",
    ],
)
def test_media_other_than_http_or_an_embedded_image_is_never_used(media: str) -> None:
    unit = ReportUnit(640, 480, 1, media, "image")
    page = render_report(plan_dict([row([change(None, obj("box", BOX))])]), {"d1": unit})
    assert "<image" not in page
    assert media not in page and "alert(1)" not in page
    assert "its image is not drawn" in page


def test_an_http_image_is_drawn_and_only_its_origin_is_allowed() -> None:
    unit = ReportUnit(640, 480, 1, "https://cdn.example.com:8443/x/a.png?sig=a&b=c", "image")
    page = render_report(plan_dict([row([change(None, obj("box", BOX))])]), {"d1": unit})
    assert '<image href="https://cdn.example.com:8443/x/a.png?sig=a&amp;b=c"' in page
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert found
    policy = html.unescape(found[1])
    assert "img-src data: https://cdn.example.com:8443;" in policy
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy
    assert "unsafe-inline" not in policy


def test_a_video_link_is_not_drawn_as_an_image() -> None:
    unit = ReportUnit(640, 480, 50, "https://cdn.example.com/v.mp4", "video")
    page = render_report(plan_dict([row([change(None, obj("box", BOX, frames=(3,)))])]), {"d1": unit})
    assert "<image" not in page and "cdn.example.com" not in page


# -- writing it --------------------------------------------------------------------------------------------


def png(width: int, height: int, colour: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """An RGB PNG: a diagonal gradient in `colour`, so a screenshot shows it."""
    rows = b"".join(
        b"\x00"
        + b"".join(bytes(int(c * (0.4 + 0.6 * (x + y) / (width + height))) for c in colour) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )


def test_write_report_makes_the_directory_and_embeds_a_local_image(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png(8, 6))
    (tmp_path / "notes.txt").write_text("not an image")
    rows = [row([change(None, obj("box", BOX))], "d1", "a"), row([change(None, obj("box", BOX))], "d2", "b")]
    units = {
        "d1": ReportUnit(8, 6, 1, str(tmp_path / "a.png")),
        "d2": ReportUnit(8, 6, 1, str(tmp_path / "notes.txt")),
    }
    target = write_report(tmp_path / "deep" / "report", plan_dict(rows), units)
    assert target == tmp_path / "deep" / "report" / "index.html"
    page = target.read_text(encoding="utf-8")
    assert page.count('<image href="data:image/png;base64,') == 1
    assert "notes.txt" not in page and str(tmp_path) not in page
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]  # no temporary file left


def test_a_local_image_over_the_cap_is_a_blank_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.png").write_bytes(png(20, 20))
    monkeypatch.setattr(report_io, "MAX_IMAGE_BYTES", 50)
    units = {"d1": ReportUnit(20, 20, 1, str(tmp_path / "a.png"))}
    page = write_report(tmp_path / "r", plan_dict([row([change(None, obj("box", BOX))])]), units).read_text()
    assert "<image" not in page


def test_write_report_refuses_a_file_for_a_directory(tmp_path: Path) -> None:
    (tmp_path / "report").write_text("x")
    with pytest.raises(ConfigError, match="it is a file, not a directory"):
        write_report(tmp_path / "report", plan_dict([]), {})
    assert issubclass(ConfigError, LabelsyncError)


def test_report_units_resolve_local_media_against_the_repository(tmp_path: Path) -> None:
    units = [
        DataUnit("h1", "a.jpg", DataType.IMAGE, width=4, height=3, media="labels/media/a.jpg"),
        DataUnit("h2", "b.mp4", DataType.VIDEO, frames=9, width=4, height=3, media="https://x.example/b.mp4"),
        DataUnit("h3", "c.jpg", DataType.IMAGE),
    ]
    got = report_units(units, tmp_path)
    assert got["h1"] == ReportUnit(4, 3, 1, str(tmp_path / "labels/media/a.jpg"), "image")
    assert got["h2"] == ReportUnit(4, 3, 9, "https://x.example/b.mp4", "video")
    assert got["h3"].media == ""


# -- where media comes from ------------------------------------------------------------------------------


def write_manifest(tmp_path: Path, media: Any) -> Path:
    path = tmp_path / "labels" / "manifest.yaml"
    path.parent.mkdir(exist_ok=True)
    unit = {"title": "a.jpg", "width": 4, "height": 3, "media": media}
    path.write_text(yaml.safe_dump({"data_units": [unit, {"title": "b.jpg"}]}), encoding="utf-8")
    return path


def test_a_manifest_names_a_unit_s_file_relative_to_itself_or_by_url(tmp_path: Path) -> None:
    (unit, plain), _ = read_manifest(write_manifest(tmp_path, "media/a.jpg"))
    assert unit.media == str(tmp_path / "labels" / "media" / "a.jpg") and plain.media == ""
    (unit, _), _ = read_manifest(write_manifest(tmp_path, "https://cdn.example.com/a.jpg"))
    assert unit.media == "https://cdn.example.com/a.jpg"


@pytest.mark.parametrize(
    ("media", "says"),
    [
        ("javascript:alert(1)", "a URL of another kind"),
        ("/etc/passwd", "not the absolute path"),
        (3, "not 3"),
        ("a" * 3000, "at most 2048 characters"),
        ("a\nb.jpg", "without control characters"),
        ("https://", "names no host"),
        ("https://u:p@host/a.jpg", "without credentials"),
    ],
)
def test_a_manifest_s_media_is_checked(tmp_path: Path, media: Any, says: str) -> None:
    with pytest.raises(ConfigError, match=rf"manifest.yaml:\d+: data_units\[0\]\.media: .*{re.escape(says)}"):
        read_manifest(write_manifest(tmp_path, media))


def test_the_local_project_keeps_media_and_reads_projects_made_before_it(tmp_path: Path) -> None:
    editor = json.loads((ROOT / "labels" / "ontology.json").read_text(encoding="utf-8"))
    units = [
        DataUnit("h1", "a.jpg", DataType.IMAGE, width=4, height=3, media="https://cdn.example.com/a.jpg"),
        DataUnit("h2", "b.jpg", DataType.IMAGE, width=4, height=3),
    ]
    database = tmp_path / "project.db"
    create_project(database, editor, units)
    project = LocalProject(database)
    listed = {u.hash: u.media for u in project.list_rows(frozenset({"main"})).data_units}
    project.close()
    assert listed == {"h1": "https://cdn.example.com/a.jpg", "h2": ""}
    db = sqlite3.connect(database)
    db.execute("ALTER TABLE data_units DROP COLUMN media")
    db.commit()
    db.close()
    project = LocalProject(database)
    assert {u.media for u in project.list_rows(frozenset({"main"})).data_units} == {""}
    project.close()


def test_encord_s_link_is_kept_only_when_it_is_http() -> None:
    assert _web_link("https://storage.example.com/a.jpg?X-Sig=1") == "https://storage.example.com/a.jpg?X-Sig=1"
    assert _web_link("gs://bucket/a.jpg") == ""
    assert _web_link(None) == ""
    assert _web_link("https://a\n.example.com") == ""


# -- in a real browser -----------------------------------------------------------------------------------


def example_with_changes(ws: Workspace) -> dict[str, Any]:
    """The example applied, then a box moved, a polygon added, a label deleted: the plan as JSON, with a
    local image for cherry_001.jpg in the manifest."""
    assert ws.run("apply", "--yes").exit_code == 0

    def cherry(doc: dict[str, Any]) -> None:
        doc["objects"] = [o for o in doc["objects"] if o["id"] != "cherry-2"]  # deleted
        doc["objects"][0]["box"] = {"x": 0.3, "y": 0.35, "w": 0.22, "h": 0.3}  # moved

    def persimmon(doc: dict[str, Any]) -> None:
        polygon = [[0.5, 0.7], [0.7, 0.65], [0.8, 0.85], [0.55, 0.9]]
        doc["objects"].append({"id": "persimmon-3", "class": "Persimmon", "polygon": polygon})

    ws.edit_label_file("labels/images/cherry_001.jpg.yaml", cherry)
    ws.edit_label_file("labels/images/persimmon_004.jpg.yaml", persimmon)
    result = ws.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    assert (data["summary"]["add"], data["summary"]["change"], data["summary"]["delete"]) == (1, 1, 1)
    return data


def example_units(ws: Workspace) -> dict[str, ReportUnit]:
    """The units of the example's manifest, cherry_001.jpg with a local image beside the manifest."""
    (ws.path("labels") / "cherry_001.png").write_bytes(png(256, 192))
    ws.replace_in_file(
        "labels/manifest.yaml",
        "  - title: cherry_001.jpg\n",
        "  - title: cherry_001.jpg\n    media: cherry_001.png\n",
    )
    units, _ = read_manifest(ws.path("labels/manifest.yaml"))
    by_title = {u.title: u for u in units}
    # the remote's hashes (the Encord backend makes its own where the manifest gives none)
    remote = ws.data_units()
    units = [
        DataUnit(remote[t].hash, t, u.type, u.frames, u.width, u.height, media=u.media)
        for t, u in by_title.items()
    ]
    return report_units(units, ws.root)


@pytest.fixture
def profile() -> Iterator[Path]:
    """A short-lived browser profile and temporary directory at a short path: Chromium's singleton socket
    lives there, and a socket path longer than 107 bytes (pytest's tmp_path) makes it abort."""
    short = Path("/tmp") if Path("/tmp").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="ls-chromium-", dir=short) as name:
        yield Path(name)


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    env = {**os.environ, "TMPDIR": str(profile)}
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile / 'data'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, check=False, env=env)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium or chromium-browser on PATH: the browser test needs one")
def test_the_report_loads_in_a_real_browser_and_draws_every_change(
    local_workspace: Workspace, tmp_path: Path, profile: Path
) -> None:
    # On the local project only: the page is made from the plan's JSON and the units (`write_report`), whatever
    # the remote; an Encord plan differs only in its hashes, and the browser runs take the longest of the suite.
    data = example_with_changes(local_workspace)
    units = example_units(local_workspace)
    page = write_report(tmp_path / "report", data, units)
    changed = sum(len(r["changes"]) for r in data["rows"])

    done = chromium("--dump-dom", page.as_uri(), profile=profile)
    assert done.returncode == 0, done.stderr[-2000:]
    status = re.search(r'<p id="report-status">([^<]*)</p>', done.stdout)
    assert status, done.stdout[-2000:]
    result = json.loads(status[1].replace("&quot;", '"'))
    assert result["errors"] == []
    assert result["drawn"] == changed == 3
    assert result["labels"] == changed
    assert result["images"] == 1 and result["images_failed"] == 0  # the embedded cherry_001.png

    shot = tmp_path / "report.png"
    done = chromium(f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri(), profile=profile)
    assert done.returncode == 0, done.stderr[-2000:]
    picture = shot.read_bytes()
    assert picture.startswith(b"\x89PNG") and len(picture) > 20_000
    width, height = struct.unpack(">II", picture[16:24])
    assert (width, height) == (1280, 2000)
