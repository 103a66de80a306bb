"""Writing the HTML report of a plan (`labelsync plan --report DIR`): DIR/index.html, atomically.

`report_units` says what the report knows of each data unit (its size, frames, type and file, a relative local
path resolved against the repository). `write_report` embeds each local image file the report draws as a
`data:` URI (PNG, JPEG, GIF or WebP, told by its first bytes, at most `MAX_IMAGE_BYTES` each and
`MAX_EMBEDDED_BYTES` in all; anything else is drawn on a blank frame of the unit's size), renders the page
(`reconciler.render.report`, pure) and writes it beside a temporary file renamed into place.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.atomic import new_file_mode, write_atomically
from reconciler.desired.bounded import Refused, read_inside
from reconciler.errors import ConfigError, LabelsyncError
from reconciler.model import DataUnit
from reconciler.render.report import ReportRows, ReportUnit, render_report

MAX_IMAGE_BYTES = 8 * 1024 * 1024
"""The largest local image embedded in the report."""
MAX_EMBEDDED_BYTES = 64 * 1024 * 1024
"""Local images embedded in one report, in all; later rows are drawn on blank frames."""
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def report_units(data_units: Iterable[DataUnit], root: Path) -> dict[str, ReportUnit]:
    """Data hash -> what the report knows of the unit. A media path that is not a URL is local: relative
    paths are taken from `root` (the repository), and the report embeds the file when it is an image."""
    units = {}
    for unit in data_units:
        media = unit.media
        if media and not _is_url(media):
            path = Path(media)
            media = str(path if path.is_absolute() else root / path)
        units[unit.hash] = ReportUnit(
            width=unit.width, height=unit.height, frames=unit.frames, media=media, type=unit.type.value
        )
    return units


def write_report(
    directory: Path,
    plan: dict[str, Any],
    units: Mapping[str, ReportUnit],
    root: Path | None = None,
    rows: ReportRows | None = None,
) -> Path:
    """Write the plan's report to `directory`/index.html (creating the directory) and return its path. Local
    images are embedded only from inside `root` (the repository), when given. `rows`: the plan's rows, given
    one at a time (see `render_report`)."""
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"cannot write the report to {directory}: it is a file, not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the report directory {directory}: {exc.strerror or exc}") from None
    if rows is None:
        rows = ReportRows.of(plan["rows"])
    page = render_report(plan, embedded(rows.drawn, units, root), rows)
    target = directory / "index.html"
    _write_atomically(target, page.encode("utf-8"))
    return target


def embedded(
    drawn: list[dict[str, Any]], units: Mapping[str, ReportUnit], root: Path | None = None
) -> dict[str, ReportUnit]:
    """`units` with the local image files of the rows the report draws (`drawn`) as `data:` URIs, within the
    caps; a local file that is not such an image (or cannot be read) is left out: a blank frame is drawn."""
    out = dict(units)
    left = MAX_EMBEDDED_BYTES
    for data_hash in dict.fromkeys(row["data_hash"] for row in drawn):
        unit = out.get(data_hash)
        if unit is None or not unit.media or _is_url(unit.media) or unit.media.startswith("data:"):
            continue
        data = _read_image(Path(unit.media), root, min(MAX_IMAGE_BYTES, left))
        uri = ""
        if data is not None:
            left -= len(data)
            uri = f"data:{_image_type(data)};base64,{base64.b64encode(data).decode('ascii')}"
        out[data_hash] = replace(unit, media=uri)
    return out


def _read_image(path: Path, root: Path | None, limit: int) -> bytes | None:
    """The bytes of a regular file inside `root` (the repository) of at most `limit` bytes that is a PNG, JPEG,
    GIF or WebP image, or None: read as the loader reads masks (`read_inside`: never a FIFO, never past the cap,
    never through a link out of the repository)."""
    try:
        data = read_inside(path, root, limit, "the report's image size cap")
    except (Refused, OSError):
        return None
    return data if _image_type(data) else None


def _image_type(data: bytes) -> str:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for signature, kind in _SIGNATURES if data.startswith(signature)), "")


def _is_url(media: str) -> bool:
    return media.lower().startswith(("http://", "https://"))


def _write_atomically(target: Path, payload: bytes) -> None:
    try:
        write_atomically(target, payload, new_file_mode())  # the report is meant to be read
    except OSError as exc:
        raise LabelsyncError(f"cannot write the report {target}: {exc.strerror or exc}") from None
