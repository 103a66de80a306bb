"""Where a label file declares each label: the line every change of a plan carries, and what the last committed
version of a file said of its labels (their ids, lines and protection).

Lines are found only for the files a plan diffs (an unchanged file is never looked at again), and cheaply: a
block-style file (as people and `labelsync fmt` write them) is cut at its top-level keys and at the items of
its `objects:` and `classifications:` lists with a few regular expressions, each item's line being its `id:`.
Only a file that cannot be cut so (flow style, odd keys) is composed with PyYAML (`yamlio.lines_of`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from reconciler import yamlio
from reconciler.desired.label_file import LABEL_LISTS, PINNED_HASH, BaseVersion, LabelFile, read_ref
from reconciler.diagnostics import FieldPath
from reconciler.identity import label_hash

_TOP_KEY = re.compile(r"(?m)^([A-Za-z_][A-Za-z0-9_ -]*?)[ \t]*:(?=[ \t]|$)")
_FIRST_CONTENT = re.compile(r"(?m)^([ ]*)(?=[^ \t\n#])")
_DASH_ID = re.compile(r"-[ \t]+id[ \t]*:(?=[ \t]|$)")
_AFTER_DASH = re.compile(r"-[ \t]+(?=[^ \t\n#])")


def declared_lines(text: str, doc: Any, paths: Iterable[FieldPath]) -> list[int | None]:
    """The line of each path: a label's (`("objects", 2)`) is the line of its `id:`, a top-level key's its own."""
    wanted = list(paths)
    scanned = _scan(text, doc)
    if scanned is not None:
        return [scanned.get(path) for path in wanted]
    return yamlio.lines_of(text, wanted)


def with_lines(label_file: LabelFile, text: str, doc: Any) -> LabelFile:
    """`label_file` with the line of each label it declares and of its data tags (`tags:`, else `frame_tags:`)."""
    hashes = list(label_file.paths)
    tag_key = next((k for k in ("tags", "frame_tags") if isinstance(doc, dict) and k in doc), None)
    paths = [label_file.paths[h] for h in hashes] + ([(tag_key,)] if tag_key else [])
    found = declared_lines(text, doc, paths)
    lines = {h: line for h, line in zip(hashes, found, strict=False) if line is not None}
    tags_line = found[-1] if tag_key else None
    return replace(label_file, lines=lines, tags_line=tags_line)


def base_version(text: str, current: LabelFile, default_branch: str) -> BaseVersion | None:
    """What `text` (the file as last committed) said of the labels of `current`'s row: the hash of each label
    it declared (derived as the loader derives it: a pinned `hash:`, else from `was:` or the id), its id, its
    line and whether it was protected. None when it does not load or names another row."""
    try:
        doc = yamlio.load(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or read_ref(doc, default_branch) != current.ref:
        return None
    data_hash, branch = current.row.key.data_hash, current.ref.branch
    ids: dict[str, str] = {}
    paths: dict[str, FieldPath] = {}
    protected: set[str] = set()
    for key in LABEL_LISTS:
        items = doc.get(key)
        for index, item in enumerate(items if isinstance(items, list) else ()):
            label_id = item.get("id") if isinstance(item, dict) else None
            if not _an_id(label_id):
                continue
            assert isinstance(item, dict)
            pinned, old = item.get("hash"), item.get("was")
            if isinstance(pinned, str) and PINNED_HASH.fullmatch(pinned):
                hash_ = pinned
            else:
                hash_ = label_hash(data_hash, branch, str(old) if _an_id(old) else str(label_id))
            ids.setdefault(hash_, str(label_id))
            paths.setdefault(hash_, (key, index))
            if item.get("protect") is True:
                protected.add(hash_)
    found = declared_lines(text, doc, paths.values())
    lines = {h: line for h, line in zip(paths, found, strict=True) if line is not None}
    return BaseVersion(ids, lines, frozenset(protected), doc.get("protect") is True)


def _an_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) != ""


def _scan(text: str, doc: Any) -> dict[FieldPath, int] | None:
    """Each top-level key's line and each label's (its `id:`), when the regular expressions provably cut the
    document as the loader read it (the same top-level keys in order, as many `- ` items as each list has)."""
    if not isinstance(doc, dict):
        return None
    tops = [(m.group(1), m.start()) for m in _TOP_KEY.finditer(text)]
    if [key for key, _ in tops] != list(doc):
        return None
    starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line_at(offset: int) -> int:
        return bisect.bisect_right(starts, offset)

    ends = [start for _, start in tops[1:]] + [len(text)]
    found: dict[FieldPath, int] = {}
    for (key, start), end in zip(tops, ends, strict=True):
        found[(key,)] = line_at(start)
        value = doc[key]
        if key not in LABEL_LISTS or not isinstance(value, list) or not value:
            continue
        items = _items(text, start, end)
        if items is None or len(items) != len(value):
            return None
        bounds = [*items[1:], end]
        for index, (item, item_end) in enumerate(zip(items, bounds, strict=True)):
            found[(key, index)] = line_at(_id_offset(text, item, item_end))
    return found


def _items(text: str, start: int, end: int) -> list[int] | None:
    """Where each item of the block list whose key starts at `start` begins; None for a flow list."""
    value_start = text.find("\n", start, end) + 1
    first = _FIRST_CONTENT.search(text, value_start, end) if value_start else None
    if first is None or not text.startswith("-", first.end()):
        return None
    dash = re.compile(rf"(?m)^{first.group(1)}-(?=[ \t]|$)")
    return [m.end() - 1 for m in dash.finditer(text, value_start, end)]


def _id_offset(text: str, item: int, end: int) -> int:
    """Where the item starting with the `-` at `item` gives its `id:` (the `-` itself when it cannot tell)."""
    if _DASH_ID.match(text, item):
        return item
    after = _AFTER_DASH.match(text, item)
    if after is not None:
        column = after.end() - (text.rfind("\n", 0, item) + 1)
    else:
        nested = _FIRST_CONTENT.search(text, text.find("\n", item, end) + 1 or end, end)
        if nested is None:
            return item
        column = len(nested.group(1))
    key = re.compile(rf"(?m)^ {{{column}}}id[ \t]*:(?=[ \t]|$)")
    match = key.search(text, item, end)
    return match.start() + column if match else item
