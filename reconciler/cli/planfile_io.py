"""Reading and writing saved plan files, with errors that say what is wrong, never a traceback.

Reading: any file (truncated, binary, not JSON, a JSON value of the wrong shape) is either a plan or a
`PlanFileError` naming the file. Writing is atomic: a temporary file in the same directory, fsynced, then
renamed over the target, so a failed write (a full disk) leaves the old plan file, or none, never half one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reconciler.atomic import kept_mode, write_atomically
from reconciler.errors import LabelsyncError, PlanFileError
from reconciler.plan import Plan
from reconciler.plan_shape import damaged
from reconciler.planfile import plan_from_dict


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f'the key "{key[:40]}" is given twice in one object')
        out[key] = value
    return out


def read_plan_file(path: Path) -> Plan:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such plan file") from None
    except IsADirectoryError:
        raise PlanFileError(f"{path} is a directory, not a plan file") from None
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the plan file: {exc.strerror or exc}") from None
    try:
        return plan_from_dict(_parse(raw))
    except PlanFileError as exc:
        raise PlanFileError(f"{path}: {exc}") from None


def _parse(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise damaged(f"it is not UTF-8 text (byte {exc.start}): a binary file?") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise damaged(f"it is not JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") from None
    except _DuplicateKey as exc:
        raise damaged(str(exc)) from None
    except (ValueError, RecursionError) as exc:  # a number too long to read, nesting too deep
        raise damaged(f"it is not JSON labelsync reads ({type(exc).__name__})") from None


def check_plan_path(path: Path) -> None:
    """Refuse, before any work, a path a plan cannot be saved to. The directory is not created: a mistyped
    path should fail rather than scatter plans."""
    parent = path.parent
    if path.is_dir():
        raise LabelsyncError(f"cannot save the plan to {path}: it is a directory")
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise LabelsyncError(f"cannot save the plan to {path}: the directory {parent} {what} (create it first)")


def write_plan_file(path: Path, text: Iterable[str]) -> None:
    """Write the plan's JSON text, given in pieces (`PlanStream.chunks`), atomically: the old file (or none)
    stays unless the whole new one is on disk."""
    check_plan_path(path)
    existed = path.exists()
    try:
        write_atomically(path, (piece.encode("utf-8") for piece in text), kept_mode(path))
    except OSError as exc:
        raise _not_saved(path, exc, existed) from None


def _not_saved(path: Path, exc: OSError, existed: bool) -> LabelsyncError:
    kept = "the old plan file is as it was" if existed else "no plan file was written"
    return LabelsyncError(f"cannot save the plan to {path}: {exc.strerror or exc}; {kept}")
