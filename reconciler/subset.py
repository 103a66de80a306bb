"""A plan of some label files only (`labelsync plan PATH...`): which files, and what the plan says of it.

The rows of the other files are neither read nor fetched nor diffed, so nothing about them is known: not
their changes, not whether they are deletes. So a partial plan counts no row as unmanaged (a row another
file declares would otherwise be counted as one), and says in a warning that it is partial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from reconciler.errors import ConfigError
from reconciler.remotes.base import Listing


def select(labels_dir: Path, discovered: Sequence[Path], only: Sequence[Path]) -> list[Path]:
    """The discovered label files that are, or are under, one of `only` (files or directories, resolved).

    A path that is not under the labels directory, does not exist, or holds no label file is an error."""
    root = labels_dir.resolve()
    resolved = {path: path.resolve() for path in discovered}
    chosen: set[Path] = set()
    for given in only:
        target = given.resolve()
        if target != root and not target.is_relative_to(root):
            raise ConfigError(
                f"{given}: not under the labels directory {labels_dir}: plan PATH takes label files or "
                "directories inside it"
            )
        if not target.exists():
            raise ConfigError(f"{given}: no such file or directory")
        found = {p for p, r in resolved.items() if r == target or r.is_relative_to(target)}
        if not found:
            what = "a label file (*.yaml, not manifest.yaml or _*.yaml)" if target.is_file() else "no label files"
            raise ConfigError(f"{given}: {'not ' + what if target.is_file() else 'holds ' + what}")
        chosen |= found
    return [path for path in discovered if path in chosen]


def warning(planned: int, total: int) -> str:
    """What a partial plan says about itself, first among its warnings."""
    files = "label file" if total == 1 else "label files"
    return (
        f"planned {planned} of {total} {files} (PATH arguments): the other files' rows were not read, "
        "deleted label files were not looked for, and no row is counted as unmanaged"
    )


def shown(only: Sequence[Path], root: Path) -> tuple[str, ...]:
    """The PATH arguments as a plan records them: relative to the repository root, `/`-separated."""
    top = root.resolve()
    resolved = [path.resolve() for path in only]
    return tuple(path.relative_to(top).as_posix() if path.is_relative_to(top) else str(path) for path in resolved)


def managed_only(listing: Listing, managed: set[str]) -> Listing:
    """The listing with only the data units the planned files declare (by data hash): the planner counts
    the others as unmanaged, which in a partial plan it cannot know."""
    return replace(listing, data_units=tuple(unit for unit in listing.data_units if unit.hash in managed))
