"""Label files as the plan's base revision (`--base`, HEAD by default) holds them: what git says they said.

The planner names a deleted label by the id its file's last committed version gave it, and keeps the labels
that version protected (`protect: true`). Those versions are read here, in the shell, for the rows that need
them only (`diff.needs_base`: rows deleting or renaming labels), one `git cat-file --batch` per bundle, each
file within the loader's size limit. Git runs without a shell, in the repository, under a timeout; outside a
repository, without git or for a file the base does not hold there is nothing to read, and changes name
labels by their hashes as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from reconciler.desired.declared import base_version
from reconciler.desired.label_file import BaseVersion, LabelFile
from reconciler.errors import ConfigError
from reconciler.git import git_output


class GitBase:
    """Reads `LabelFile`s' base versions: a `diff.BaseReader`."""

    def __init__(self, root: Path, base: str, max_bytes: int, default_branch: str) -> None:
        if base.startswith("-"):
            raise ConfigError(f"--base {base!r}: expected a git revision (a branch, tag or commit), not an option")
        self.root = root
        self.base = base
        self.max_bytes = max_bytes
        self.default_branch = default_branch

    def __call__(self, files: Sequence[LabelFile]) -> Mapping[str, BaseVersion]:
        texts = files_at(self.root, self.base, [f.path for f in files], self.max_bytes)
        versions = {}
        for label_file in files:
            text = texts.get(label_file.path)
            version = base_version(text, label_file, self.default_branch) if text is not None else None
            if version is not None:
                versions[label_file.path] = version
        return versions


def files_at(root: Path, base: str, names: Sequence[str], max_bytes: int) -> dict[str, str]:
    """The text at `base` of each file (a path relative to `root`) it holds as a blob of at most `max_bytes`."""
    names = [n for n in dict.fromkeys(names) if _plain(n)]
    if not names:
        return {}
    specs = [f"{base}:./{name}" for name in names]
    checked = git_output(root, ["cat-file", "--batch-check"], "".join(f"{s}\n" for s in specs).encode())
    if checked is None:
        return {}
    sizes = checked.decode("utf-8", "replace").splitlines()
    if len(sizes) != len(specs):
        return {}
    readable = []
    for name, line in zip(names, sizes, strict=True):
        parts = line.split(" ")
        if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit() and int(parts[2]) <= max_bytes:
            readable.append((name, parts[0], int(parts[2])))
    if not readable:
        return {}
    out = git_output(root, ["cat-file", "--batch"], "".join(f"{oid}\n" for _, oid, _ in readable).encode())
    if out is None:
        return {}
    texts: dict[str, str] = {}
    offset = 0
    for name, _, size in readable:
        header_end = out.find(b"\n", offset)
        if header_end < 0:
            break
        body = out[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
        try:
            texts[name] = _universal_newlines(body.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return texts


def _plain(name: str) -> bool:
    """A path git's batch protocol can name: relative, on one line."""
    return bool(name) and not Path(name).is_absolute() and "\n" not in name and "\r" not in name


def _universal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
