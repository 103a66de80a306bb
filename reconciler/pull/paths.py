"""Safe, unique label-file names for pulled rows: pure, no filesystem access.

Data unit titles come from whoever uploaded the data, so they are not file names: they may hold
slashes, `..`, control characters or NUL, start with a dot or `_` (the loader skips those), be
Windows device names (`CON`), be very long, or differ from another title only in case (one file on
a case-insensitive filesystem). `file_names` maps every row to a flat name in the target directory
that is none of these, unique by `name_key` among the rows and the names already there, and the same
for the same rows and directory contents.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.desired.loading import NOT_LABEL_FILES
from reconciler.model import RowKey

SUFFIX = ".yaml"
MAX_NAME_BYTES = 150
"""A cap on a file name's length in UTF-8 bytes: filesystems allow 255, and a path has more parts."""
FALLBACK_STEM = "untitled"
_UNSAFE = frozenset('/\\<>:"|?*')
_LEADING = "._-~ \t"
_TRAILING = ". \t"
_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{p}{n}" for p in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
"""Windows device names: reserved with any extension and in any case (`con.jpg.yaml` too)."""
_TAG_LENGTH = 8


@dataclass(frozen=True)
class NamedRow:
    """A row that needs a new file: its key and its data unit's title."""

    key: RowKey
    title: str


def name_key(name: str) -> str:
    """What a case-insensitive, normalising filesystem (macOS, Windows) sees: equal keys, one file."""
    return unicodedata.normalize("NFC", name).casefold()


def row_tag(key: RowKey) -> str:
    """A short tag that tells rows apart in names: from the data hash and the branch, so stable."""
    digest = hashlib.blake2b(f"{key.data_hash}\0{key.branch}".encode(), digest_size=8).hexdigest()
    return digest[:_TAG_LENGTH]


def safe_part(text: str) -> str:
    """`text` as one safe piece of a file name (maybe empty): no separators, control or reserved characters,
    no leading dots or underscores, no trailing dots or spaces."""
    text = unicodedata.normalize("NFC", text)
    cleaned = "".join("_" if c in _UNSAFE or _is_control(c) else c for c in text)
    return cleaned.lstrip(_LEADING).rstrip(_TRAILING)


def stem_for(title: str, branch: str, default_branch: str) -> str:
    """The file name without `.yaml` a row would get if nothing else claimed it: `title[@branch]`."""
    stem = safe_part(title) or FALLBACK_STEM
    if branch != default_branch:
        stem = f"{stem}@{safe_part(branch) or row_tag(RowKey('', branch))}"
    first, dot, rest = stem.partition(".")
    if first.rstrip(" ").upper() in _DEVICES:
        stem = f"{first}_{dot}{rest}"
    return stem


def file_names(
    rows: Iterable[NamedRow], taken: Iterable[str] = (), *, default_branch: str = "main"
) -> dict[RowKey, str]:
    """A unique safe file name (`<stem>.yaml`, flat) for every row, none of them in `taken` (by `name_key`).

    A row whose title (and branch) is already a safe name gets exactly `<title>[@<branch>].yaml` unless an
    existing entry or another row has that name; every other row gets `<stem>~<tag>.yaml`, the tag from its
    data hash and branch. Rows are served in a fixed order (names kept as they are first), so the result
    does not depend on the order of `rows`.
    """
    used = {name_key(n) for n in (*taken, *NOT_LABEL_FILES)}
    wanted = []
    for row in rows:
        branch = row.key.branch
        stem = stem_for(row.title, branch, default_branch)
        verbatim = stem == (row.title if branch == default_branch else f"{row.title}@{branch}")
        wanted.append((not verbatim, name_key(stem), row.title, row.key.data_hash, branch, stem, row.key))
    wanted.sort(key=lambda w: w[:5])
    names: dict[RowKey, str] = {}
    for *_, stem, key in wanted:
        name = f"{stem}{SUFFIX}"
        if name_key(name) in used or len(name.encode()) > MAX_NAME_BYTES:
            name = _tagged(stem, row_tag(key), used)
        used.add(name_key(name))
        names[key] = name
    return names


def is_safe_name(name: str) -> bool:
    """A name `file_names` could have made: what the writer checks before it creates a file."""
    return (
        name.endswith(SUFFIX)
        and safe_part(name) == name
        and len(name.encode()) <= MAX_NAME_BYTES
        and name_key(name) not in {name_key(n) for n in NOT_LABEL_FILES}
        and name.partition(".")[0].rstrip(" ").upper() not in _DEVICES
    )


def _tagged(stem: str, tag: str, used: set[str]) -> str:
    """`<stem>~<tag>.yaml` (then `~<tag>-2`, ...) not in `used`, the stem cut on a character boundary
    to keep the name within MAX_NAME_BYTES."""
    counter = 1
    while True:
        ending = f"~{tag}{'' if counter == 1 else f'-{counter}'}{SUFFIX}"
        room = MAX_NAME_BYTES - len(ending.encode())
        cut = stem.encode()[:room].decode("utf-8", errors="ignore").rstrip(_TRAILING) or FALLBACK_STEM
        candidate = f"{cut}{ending}"
        if name_key(candidate) not in used:
            return candidate
        counter += 1


def _is_control(char: str) -> bool:
    return unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp")
