"""The filesystem side of a pull: which rows already have a file, and writing files safely.

Writes never leave their boundary directory: the parent is resolved (symlinks followed) and must be the
boundary or inside it, the name is a plain name, and the text goes to a temporary file in the same
directory that `os.replace` moves over the target (a symlink there is replaced, never followed).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from reconciler import yamlio
from reconciler.atomic import new_file_mode, write_atomically
from reconciler.canonical import row_fingerprint
from reconciler.desired.bounded import ReadLimits, Refused, read_inside
from reconciler.desired.label_file import parse_label_file, read_ref
from reconciler.desired.loading import ParseContext, discover, display_path
from reconciler.errors import LabelsyncError
from reconciler.model import DataUnit, RowKey

SCHEMA_COMMENT = "# yaml-language-server:"
_SHOWN = 5
"""Files named in one error message at most."""


class PullError(LabelsyncError):
    pass


class Written(str, Enum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def index_label_files(labels_dir: Path, root: Path, context: ParseContext) -> tuple[dict[RowKey, Path], list[str]]:
    """Row -> the label file under `labels_dir` that declares it, and warnings for files that name no data
    unit of the project. Only the `data:`/`data_hash:`/`branch:` of each file is read. Raises PullError
    when a file's row cannot be told (pull could write a second file for it) or two files declare one row."""
    by_key: dict[RowKey, Path] = {}
    unreadable: list[str] = []
    twice: list[str] = []
    warnings: list[str] = []
    for path in discover(labels_dir):
        name = display_path(path, root)
        try:
            doc = yamlio.load(_read(path))
        except (OSError, UnicodeDecodeError, Refused) as exc:
            unreadable.append(f"{name} ({exc.__class__.__name__}: {exc})")
            continue
        except yamlio.YamlSyntaxError as exc:
            unreadable.append(f"{name}:{exc.line or 1} (invalid YAML: {exc})")
            continue
        ref = read_ref(doc, context.default_branch)
        if ref is None:
            unreadable.append(f"{name} (no `data:` or `data_hash:` naming its data unit)")
            continue
        unit, problem = context.resolve(ref)
        if unit is None:
            warnings.append(f"{name}: {problem}; the file is left as it is")
            continue
        key = RowKey(unit.hash, ref.branch)
        if key in by_key:
            twice.append(f"{display_path(by_key[key], root)} and {name} both declare the label row of {ref}")
            continue
        by_key[key] = path
    if unreadable:
        raise PullError(
            "cannot tell which label row these files declare, so pull could write a second file for it: "
            + "; ".join(unreadable[:_SHOWN])
            + (f" (and {len(unreadable) - _SHOWN} more)" if len(unreadable) > _SHOWN else "")
            + ". Fix them (`labelsync validate`) or move them out of the labels directory, then pull again"
        )
    if twice:
        raise PullError("; ".join(twice[:_SHOWN]) + ": keep one file per data unit and branch, then pull again")
    return by_key, warnings


@dataclass(frozen=True)
class ExistingFile:
    """What a row's current file says beyond the row: the ids it gives labels (and their `was:`), `prune:`,
    `protect:`, PNG masks."""

    path: Path
    ids: dict[str, str] = field(default_factory=dict)
    prune: bool | None = None
    fingerprint: str | None = None
    """The fingerprint of the row the file declares; None when the file has problems."""
    masks: dict[str, str] = field(default_factory=dict)
    """Label hash -> the `png:` path of an image's bitmask."""
    header: str | None = None
    """The file's `# yaml-language-server: $schema=...` first line, if it has one."""
    by_hash: bool = False
    """The file names its data unit by `data_hash:`."""
    renamed: dict[str, str] = field(default_factory=dict)
    """Label hash -> the old id its `was:` gives."""
    protect: bool = False
    protected: frozenset[str] = frozenset()


def read_existing(path: Path, root: Path, context: ParseContext, unit: DataUnit | None) -> ExistingFile:
    name = display_path(path, root)
    try:
        text = _read(path)
        doc = yamlio.load(text)
    except (OSError, UnicodeDecodeError, Refused, yamlio.YamlSyntaxError):
        return ExistingFile(path)
    first = text.split("\n", 1)[0].rstrip()
    header = first if first.startswith(SCHEMA_COMMENT) else None
    parsed, findings = parse_label_file(
        name,
        doc,
        context.ontology,
        unit,
        default_branch=context.default_branch,
        default_prune=context.default_prune,
        base_dir=path.parent,
    )
    if parsed is None:
        return ExistingFile(path, header=header)
    prune = doc.get("prune") if isinstance(doc.get("prune"), bool) else None
    return ExistingFile(
        path,
        ids=dict(parsed.ids),
        prune=prune,
        fingerprint=None if findings else row_fingerprint(parsed.row),
        masks=_masks(doc, {v: k for k, v in parsed.ids.items()}),
        header=header,
        by_hash=parsed.ref.hash is not None,
        renamed=dict(parsed.renamed),
        protect=parsed.protect,
        protected=parsed.protected,
    )


def _masks(doc: dict[str, Any], hash_of: dict[str, str]) -> dict[str, str]:
    masks = {}
    for item in doc.get("objects") or []:
        if not isinstance(item, dict):
            continue
        bitmask = item.get("bitmask")
        label_hash = item.get("hash") or hash_of.get(str(item.get("id")))
        if isinstance(bitmask, dict) and isinstance(bitmask.get("png"), str) and isinstance(label_hash, str):
            masks[label_hash] = bitmask["png"]
    return masks


def inside(path: Path, boundary: Path) -> bool:
    """Whether `path` (resolved, symlinks followed) is `boundary` (resolved) or inside it."""
    resolved, limit = path.resolve(), boundary.resolve()
    return resolved == limit or resolved.is_relative_to(limit)


def write_file(path: Path, text: str, boundary: Path) -> Written:
    """Write `text` to `path` atomically, only if `path`'s directory is inside `boundary`; say what changed."""
    if path.name in ("", ".", "..") or os.sep in path.name or (os.altsep and os.altsep in path.name):
        raise PullError(f"{path}: not a plain file name: nothing written")
    for _ in range(2):  # before creating missing folders, and after
        if not inside(path.parent, boundary):
            raise PullError(f"{path} is outside {boundary} (through a symlink?): not written")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PullError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    parent = path.parent.resolve()
    target = parent / path.name
    data = text.encode("utf-8")
    existed = os.path.lexists(target)
    mode = new_file_mode()
    if existed and not target.is_symlink():
        with contextlib.suppress(OSError):
            if target.is_file() and target.read_bytes() == data:
                return Written.UNCHANGED
            mode = target.stat().st_mode & 0o777
    try:
        write_atomically(target, data, mode)
    except OSError as exc:
        raise PullError(f"cannot write {path}: {exc.strerror or exc}") from None
    return Written.UPDATED if existed else Written.NEW


def create_file(path: Path, text: str) -> None:
    """Create `path` with `text`; never replace an existing file (raises PullError instead)."""
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise PullError(f"{path} exists already: it was left as it is") from None
    except OSError as exc:
        raise PullError(f"cannot write {path}: {exc.strerror or exc}") from None


def _read(path: Path) -> str:
    """A label file's text, bounded as the loader reads it: a regular file (never a FIFO or a device) under the
    size limit. It may point outside the repository: pull replaces such a link, never writes through it."""
    return read_inside(path, None, ReadLimits().label_file_bytes, "limits.label_file_bytes").decode("utf-8")
