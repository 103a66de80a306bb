"""Label files that disappeared: their rows leave management, and the plan says so.

A row no file declares is unmanaged: labelsync neither changes nor deletes it. A label file deleted in a
change makes its row unmanaged without a word, so the plan names each one. Which files disappeared is git's
to say: files under the labels directory that `base` (HEAD by default, or a pull request's base) holds and
the working tree does not. Outside a git repository, or without git, there is nothing to say.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from reconciler import yamlio
from reconciler.desired.label_file import DataRef, read_ref
from reconciler.errors import ConfigError
from reconciler.git import git

MAX_RELEASED = 1000
"""Deleted files read for their rows; more are counted, not read."""


def deleted_args(labels_dir: Path, base: str = "HEAD") -> tuple[str, ...]:
    """The git command naming the label files `base` holds and the tree does not (`deleted_label_files`)."""
    if base.startswith("-"):
        raise ConfigError(f"--base {base!r}: expected a git revision (a branch, tag or commit), not an option")
    return ("diff", "--name-only", "--no-renames", "--diff-filter=D", base, "--", str(labels_dir))


def deleted_label_files(root: Path, names: str | None, base: str = "HEAD") -> list[tuple[str, str]]:
    """(path in the repository, its text at `base`) of each label file `names` (git's answer to `deleted_args`)
    holds."""
    if names is None:
        return []
    files = []
    for name in [n for n in names.splitlines() if n.endswith((".yaml", ".yml"))][:MAX_RELEASED]:
        text = git(root, "show", f"{base}:{name}")
        files.append((name, text if text is not None else ""))
    return files


def released_warnings(
    deleted: Iterable[tuple[str, str]], still_declared: Iterable[DataRef], default_branch: str
) -> list[str]:
    """One warning per deleted file whose row no remaining file declares."""
    deleted = list(deleted)
    if not deleted:
        return []  # the usual case: no set of every declared row to build
    declared = {(ref.title, ref.hash, ref.branch) for ref in still_declared}
    titles = {(ref.title, ref.branch) for ref in still_declared if ref.title is not None}
    hashes = {(ref.hash, ref.branch) for ref in still_declared if ref.hash is not None}
    warnings = []
    for name, text in deleted:
        try:
            ref = read_ref(yamlio.load(text), default_branch)
        except yamlio.YamlSyntaxError:
            ref = None
        if ref is not None and (
            (ref.title, ref.hash, ref.branch) in declared
            or (ref.title, ref.branch) in titles
            or (ref.hash, ref.branch) in hashes
        ):
            continue  # moved or renamed: another file declares the row
        row = f"row {ref.title or ref.hash}" if ref is not None else "its row"
        warnings.append(
            f"{name} was deleted: {row} leaves management (labelsync no longer changes or deletes its labels,"
            " which stay on the remote as they are); to delete them, empty the file instead of removing it"
        )
    return warnings
