"""The line of a value in a YAML document, for findings: composed with PyYAML only when a finding needs one."""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Iterator
from typing import Any

import fast_yaml
import yaml

from reconciler.diagnostics import FieldPath
from reconciler.yamlio.pyyaml import Marks

SLICED_FROM = 1_000_000
"""Characters: the lines of a larger document are found by composing only the parts the paths point into."""
STREAMED_FROM = 100_000
"""Characters: a larger part (one object holding a huge polygon) is not composed but read event by event
up to the path: nothing after the path is read, and memory stays flat (composing a 100,001-point polygon's
object took 3.5 s to find the line of its `polygon:` key)."""


def lines_of(text: str, paths: list[FieldPath]) -> list[int | None]:
    """The 1-based line of the value at each path (or of its nearest existing parent).

    It composes the document again with PyYAML, slower than `load` (half a minute for 100,000 objects), so
    callers use it only for files that have findings. A large document is cut at its top-level keys and
    the items of its top-level lists, and only the pieces the paths point into are composed; each lookup
    is a dictionary lookup per path part, so many findings cost about as much as one.
    """
    sliced = _Slices.of(text) if len(text) >= SLICED_FROM else None
    if sliced is not None:
        with contextlib.suppress(_Unsliced):
            return [sliced.line(path) for path in paths]
    try:
        root = yaml.compose(text, Loader=Marks)
    except (yaml.YAMLError, ValueError, RecursionError):
        return [None for _ in paths]
    keys: dict[int, dict[str, tuple[Any, Any]]] = {}
    return [_line_in(root, path, keys) for path in paths]


_TOP_KEY = re.compile(r"(?m)^([A-Za-z_][A-Za-z0-9_ -]*?)[ \t]*:(?=[ \t]|$)")
_FIRST_CONTENT = re.compile(r"(?m)^([ ]*)(?=[^ \t\n#])")


class _Unsliced(Exception):
    """The pieces cannot tell a line: the whole document is composed instead."""


class _Slices:
    """A block-style document cut into pieces whose lines are known: each top-level key's part, and each
    item of a top-level block list. Built only when the cuts provably match what the loader read (the
    same top-level keys in the same order, as many list items as the list has); else `of` is None."""

    def __init__(self, text: str, doc: dict[str, Any], tops: list[tuple[str, int]]) -> None:
        self.text = text
        self.doc = doc
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]
        ends = [start for _, start in tops[1:]] + [len(text)]
        self.regions = {key: (start, end) for (key, start), end in zip(tops, ends, strict=True)}
        self.first_line = self._line_at(tops[0][1]) if tops else None
        self.items: dict[str, list[int] | None] = {}
        self.composed: dict[tuple[str, int | None], Any] = {}
        self.keys: dict[int, dict[str, tuple[Any, Any]]] = {}

    @classmethod
    def of(cls, text: str) -> _Slices | None:
        try:
            doc = fast_yaml.safe_load(text)
        except ValueError:
            return None
        if not isinstance(doc, dict):
            return None
        tops = [(m.group(1), m.start()) for m in _TOP_KEY.finditer(text)]
        if [key for key, _ in tops] != list(doc):
            return None
        return cls(text, doc, tops)

    def _line_at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line(self, path: FieldPath) -> int | None:
        """The line of `path`; raises `_Unsliced` when the pieces cannot tell."""
        if not path or path[0] not in self.regions:
            return self.first_line
        key = str(path[0])
        if len(path) == 1:
            return self._line_at(self.regions[key][0])
        items = self._items(key) if isinstance(path[1], int) and isinstance(self.doc[key], list) else None
        if items is not None and isinstance(path[1], int):
            if not 0 <= path[1] < len(items):
                return self._line_at(self.regions[key][0])
            start, end = self._piece(key, path[1])
            if end - start >= STREAMED_FROM:
                found = _line_streamed(self.text[start:end], (0, *path[2:]))
                return None if found is None else found + self._line_at(start) - 1
            node = self._compose(key, path[1])
            if not isinstance(node, yaml.SequenceNode) or len(node.value) != 1:
                raise _Unsliced
            found = _line_in(node.value[0], path[2:], self.keys)
            return None if found is None else found + self._line_at(items[path[1]]) - 1
        node = self._compose(key, None)
        if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
            raise _Unsliced
        found = _line_in(node, path, self.keys)
        return None if found is None else found + self._line_at(self.regions[key][0]) - 1

    def _items(self, key: str) -> list[int] | None:
        """Where each item of the top-level block list `key` starts, if its `- ` lines count exactly its
        items; None for another list (a flow one, `[a, b]`), composed whole."""
        if key not in self.items:
            start, end = self.regions[key]
            value_start = self.text.find("\n", start, end) + 1
            first = _FIRST_CONTENT.search(self.text, value_start, end) if value_start else None
            found: list[int] | None = None
            if first is not None and self.text.startswith("-", first.end()):
                item = re.compile(rf"(?m)^{first.group(1)}-(?=[ \t]|$)")
                found = [m.start() for m in item.finditer(self.text, value_start, end)]
            self.items[key] = found if found is not None and len(found) == len(self.doc[key]) else None
        return self.items[key]

    def _piece(self, key: str, index: int | None) -> tuple[int, int]:
        if index is None:
            return self.regions[key]
        items = self.items[key] or []
        return items[index], items[index + 1] if index + 1 < len(items) else self.regions[key][1]

    def _compose(self, key: str, index: int | None) -> Any:
        if (key, index) not in self.composed:
            start, end = self._piece(key, index)
            try:
                self.composed[(key, index)] = yaml.compose(self.text[start:end], Loader=Marks)
            except (yaml.YAMLError, ValueError, RecursionError):
                self.composed[(key, index)] = None
        return self.composed[(key, index)]


def _line_streamed(text: str, path: FieldPath) -> int | None:
    """`_line_in` over PyYAML's events, stopping where the path ends: nothing is held but the position."""
    try:
        events: Iterator[Any] = iter(yaml.parse(text, Loader=Marks))
        event: Any = next(e for e in events if isinstance(e, yaml.NodeEvent))
        line = _start_line(event)
        key: Any
        item: Any
        for part in path:
            if isinstance(event, yaml.MappingStartEvent):
                key = next(events)
                while not isinstance(key, yaml.MappingEndEvent):
                    if isinstance(key, yaml.ScalarEvent) and key.value == str(part):
                        break
                    _skip(key, events)
                    _skip(next(events), events)
                    key = next(events)
                else:
                    return line
                line, event = _start_line(key), next(events)
            elif isinstance(event, yaml.SequenceStartEvent) and isinstance(part, int):
                item = next(events)
                for _ in range(part):
                    if isinstance(item, yaml.SequenceEndEvent):
                        break
                    _skip(item, events)
                    item = next(events)
                if isinstance(item, yaml.SequenceEndEvent):
                    return line
                line, event = _start_line(item), item
            else:
                return line
        return line
    except (yaml.YAMLError, ValueError, StopIteration):
        return None


def _start_line(event: Any) -> int:
    return int(event.start_mark.line) + 1


def _skip(event: Any, events: Iterator[Any]) -> None:
    """Consume the rest of the node `event` starts (a whole collection)."""
    depth = 1 if isinstance(event, yaml.CollectionStartEvent) else 0
    while depth:
        following = next(events)
        if isinstance(following, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(following, yaml.CollectionEndEvent):
            depth -= 1


def _line_in(node: Any, path: FieldPath, keys: dict[int, dict[str, tuple[Any, Any]]]) -> int | None:
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pair = _pairs(node, keys).get(str(part))
            if pair is None:
                return line
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _pairs(node: yaml.MappingNode, keys: dict[int, dict[str, tuple[Any, Any]]]) -> dict[str, tuple[Any, Any]]:
    """A mapping node's (key node, value node) by key text, built once per node; the first of equal keys."""
    found = keys.get(id(node))
    if found is None:
        found = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                found.setdefault(str(key.value), (key, value))
        keys[id(node)] = found
    return found
