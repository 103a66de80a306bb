"""The canonical layout of label files, so review diffs show only real changes (`labelsync fmt`).

Two pure functions, no I/O:
- `dump_label_file(doc)`: the canonical text of a plain document (what `pull` writes);
- `format_label_text(text)`: the canonical layout of existing text, its comments kept.
Both go through one emitter, so a document without comments comes out byte for byte the same
either way.

The layout: known keys in a fixed order (unknown keys after them, in their own order); two-space
indentation; block style for the structure of the file (objects, classifications, attributes,
frames...) and flow style for small leaves (`box: {x: 0.1, y: 0.2, w: 0.3, h: 0.4}`,
`polygon: [[0.1, 0.2], ...]`, `tags: [a, b]`); floats as the shortest text that reads back
exactly; strings double-quoted only when a YAML 1.2 or a YAML 1.1 reader would take them for
something else (`"yes"`, `"3"`, `"null"`) or their characters need it; a blank line before
`objects:` and `classifications:` and between their items; no trailing spaces; a final newline.

Comments are the `#`s outside every scalar of PyYAML's node tree (which has the line of every
key and item), attached by line: a full-line comment to the key or list item that follows it, an
end-of-line comment to the key or item on its line. A collection holding a comment is written in
block style so that the comment has a line to stay on. So no round-trip YAML library is needed,
and the C parser keeps files with comments fast. The parsed content never changes: the values
come from `yamlio.load` (the reader labelsync uses), and a changed text is read back and compared.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import yaml

from reconciler import yamlio
from reconciler.desired.geometry import GEOMETRY_FIELDS

KeyPath = tuple[Any, ...]
"""Where a value is in the document: mapping keys and list indexes from the top."""

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# -- roles: how each part of a label file is laid out -------------------------------------------

GEOMETRY_KEYS = GEOMETRY_FIELDS
TOP_KEYS = ("data", "data_hash", "branch", "prune", "protect", "tags", "frame_tags", "objects", "classifications")
OBJECT_KEYS = ("id", "was", "class", "hash", "protect", *GEOMETRY_KEYS, "frames", "attributes", "dynamic", "tags")
CLASSIFICATION_KEYS = ("id", "was", "question", "hash", "protect", "answer", "frames", "tags")


@dataclass(frozen=True)
class _Role:
    """The layout of one mapping or list, by where it is in a label file."""

    order: tuple[str, ...] = ()
    """Known keys first, in this order; the others after them, in the file's order."""
    block: bool = False
    """Always block style when not empty: the structure of the file rather than a leaf."""
    spaced: bool = False
    """A blank line between the items of this list."""
    spaced_keys: frozenset[str] = frozenset()
    """Keys with a blank line before them (unless first)."""
    children: Mapping[str, str] = field(default_factory=dict)
    """The role of the value of a key, by key (a name in `_ROLES`)."""
    default: str = "value"
    """The role of the other values and of list items."""

    def child(self, key: Any) -> _Role:
        if not self.children:
            return _ROLES[self.default]
        return _ROLES[self.children.get(key, self.default) if isinstance(key, str) else self.default]


_GEOMETRY_ROLES = {
    "box": "box",
    "rotated_box": "rotated_box",
    "point": "xy",
    "skeleton": "skeleton",
    "bitmask": "bitmask",
    "circle": "circle",
    "ellipse": "ellipse",
    "cuboid_2d": "cuboid_2d",
}
_ROLES: dict[str, _Role] = {
    "document": _Role(
        order=TOP_KEYS,
        block=True,
        spaced_keys=frozenset({"objects", "classifications"}),
        children={"objects": "objects", "classifications": "classifications", "frame_tags": "block"},
    ),
    "objects": _Role(block=True, spaced=True, default="object"),
    "classifications": _Role(block=True, spaced=True, default="classification"),
    "object": _Role(
        order=OBJECT_KEYS,
        block=True,
        children={**_GEOMETRY_ROLES, "frames": "frames", "attributes": "block", "dynamic": "dynamic"},
    ),
    "classification": _Role(order=CLASSIFICATION_KEYS, block=True),
    "frames": _Role(block=True, default="frame"),
    "frame": _Role(order=GEOMETRY_KEYS, children=_GEOMETRY_ROLES),
    "dynamic": _Role(block=True, default="block"),
    "block": _Role(block=True),
    "box": _Role(order=("x", "y", "w", "h")),
    "rotated_box": _Role(order=("x", "y", "w", "h", "theta")),
    "xy": _Role(order=("x", "y")),
    "skeleton": _Role(block=True, default="skeleton_point"),
    "skeleton_point": _Role(order=("x", "y", "visibility")),
    "bitmask": _Role(order=("png", "rle")),
    "circle": _Role(order=("x", "y", "r", "stretch", "theta")),
    "ellipse": _Role(order=("x", "y", "rx", "ry", "theta")),
    "cuboid_2d": _Role(
        order=("front", "vanishing_point", "scale_ratio", "offset"),
        children={"vanishing_point": "xy", "offset": "xy"},
    ),
    "value": _Role(),
}
_DOCUMENT = _ROLES["document"]


def _ordered_keys(mapping: Mapping[Any, Any], order: Sequence[str]) -> Iterable[Any]:
    """The keys of `mapping`: those named in `order` first, in that order, then the rest as they are."""
    if not order:
        return mapping.keys()
    known = [key for key in order if key in mapping]
    if len(known) == len(mapping):
        return known
    named = set(order)
    return known + [key for key in mapping if not (isinstance(key, str) and key in named)]


# -- scalars --------------------------------------------------------------------------------------

_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_SPECIAL = frozenset(",[]{}:")
_CORE_SCHEMA_NON_STRING = re.compile(
    r"""~|null|Null|NULL|true|True|TRUE|false|False|FALSE
    |[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+
    |[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    |[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)""",
    re.VERBOSE,
)
_YAML11_WORDS = frozenset({"y", "Y", "n", "N"})
"""YAML 1.1 booleans that PyYAML does not resolve but other YAML 1.1 readers do: quoted as values
(answers), not as keys, where `y` is a coordinate (`{x: 0.1, y: 0.2}`)."""
_FRAME_RANGE = re.compile(r"[0-9]+-[0-9]+")
"""Quoted like the frame numbers they sit with: `"3"`, `"4-9"`."""
_YAML11 = yaml.resolver.Resolver()
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def format_scalar(value: Any, flow: bool = False, key: bool = False) -> str:
    """One scalar as canonical YAML text; `flow` for inside `[...]` or `{...}`, `key` for a mapping key."""
    kind = type(value)
    if kind is str:
        return _string(value, flow, key)
    if kind is float:
        return format_float(value)
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, str):  # a subclass, e.g. an enum's member: its text, not its name
        return _string(str.__str__(value), flow, key)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format_float(float(value))
    raise TypeError(f"cannot write a {kind.__name__} in a label file: {value!r}")


def format_float(value: float) -> str:
    """The shortest text that reads back as exactly `value`, always with a `.`, an exponent only
    for very large or very small magnitudes (and then with a sign, which YAML 1.1 requires)."""
    text = repr(value)
    if "e" not in text and "n" not in text:
        return text
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    mantissa, exponent = text.split("e")
    power = int(exponent)
    if -16 <= power <= 16:
        positional = format(Decimal(text), "f")
        return positional if "." in positional else positional + ".0"
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"


@lru_cache(maxsize=1 << 16)
def _string(text: str, flow: bool, key: bool) -> str:
    if not key and text in _YAML11_WORDS:
        return _double_quoted(text)
    return text if _plain_is_safe(text, flow) else _double_quoted(text)


def _plain_is_safe(text: str, flow: bool) -> bool:
    """Whether `text` written bare reads back as this very string, in YAML 1.2 and in YAML 1.1."""
    if not text or text[0] in _INDICATORS or text[0].isspace() or text[-1].isspace():
        return False
    if not text.isprintable() or ": " in text or " #" in text or text.endswith(":"):
        return False
    if text.startswith("...") or (flow and not _FLOW_SPECIAL.isdisjoint(text)):
        return False
    return not _reads_as_other_type(text)


def _reads_as_other_type(text: str) -> bool:
    if _FRAME_RANGE.fullmatch(text) or _CORE_SCHEMA_NON_STRING.fullmatch(text):
        return True
    tag: str = _YAML11.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag != "tag:yaml.org,2002:str"


def _double_quoted(text: str) -> str:
    return '"' + "".join(_escape(ch) for ch in text) + '"'


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ch.isprintable():
        return ch
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# -- comments -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EolComment:
    text: str
    column: int
    """Where it started in the file: kept when the line's content leaves room (for alignment)."""


@dataclass
class _Comments:
    """The comments of a document, by the key path of the key or list item they belong to."""

    leading: list[str] = field(default_factory=list)
    """Full-line comments above the first key: they stay at the top of the file."""
    before: dict[KeyPath, list[str]] = field(default_factory=dict)
    eol: dict[KeyPath, _EolComment] = field(default_factory=dict)
    trailing: list[tuple[str, int]] = field(default_factory=list)
    """Full-line comments after the last key, with their column."""
    inside: set[KeyPath] = field(default_factory=set)
    """Collections with a commented key or item somewhere in them (written in block style)."""

    def mark_inside(self) -> None:
        for path in (*self.before, *self.eol):
            self.inside.update(path[:end] for end in range(len(path)))


_NO_COMMENTS = _Comments()


@dataclass(frozen=True)
class _Lead:
    """The start of a list item (`- `) that a block collection continues on the same line."""

    prefix: str
    comment_indent: int
    before: tuple[str, ...]
    eol: _EolComment | None


# -- the emitter ----------------------------------------------------------------------------------

_COLLECTIONS = (dict, list, tuple)


class _Emitter:
    """Writes one document as lines of canonical YAML, with the comments of `comments`.

    Documents are dicts, lists (or tuples) and scalars. Key paths are followed only when there are
    comments to place: without them the emitter is the fast path of `labelsync fmt --check`.
    """

    def __init__(self, comments: _Comments) -> None:
        self.comments = comments
        self.tracking = bool(comments.before or comments.eol)
        self.lines: list[str] = list(comments.leading)

    def document(self, doc: Any) -> str:
        if doc is not None:
            if self._is_block(doc, _DOCUMENT, ()):
                self._collection(doc, 0, (), _DOCUMENT, None)
            else:
                self.lines.append(self._flow(doc, _DOCUMENT))
        self.lines.extend(" " * column + text for text, column in self.comments.trailing)
        return "\n".join(self.lines) + "\n" if self.lines else ""

    def _is_block(self, value: Any, role: _Role, path: KeyPath, in_list: bool = False) -> bool:
        """Block style for the structure of the file, mappings in lists and anything holding a
        comment; else flow."""
        if not value or not isinstance(value, _COLLECTIONS):
            return False
        if role.block or (self.tracking and path in self.comments.inside):
            return True
        if isinstance(value, dict):
            if in_list:
                return True
            if not any(isinstance(v, _COLLECTIONS) for v in value.values()):
                return False
            if len(value) != 1:
                return True
            ((key, child),) = value.items()
            return self._is_block(child, role.child(key), (*path, key) if self.tracking else path)
        return not _is_number_list(value)

    def _collection(self, value: Any, indent: int, path: KeyPath, role: _Role, lead: _Lead | None) -> None:
        if isinstance(value, dict):
            self._mapping(value, indent, path, role, lead)
        else:
            self._sequence(value, indent, path, role, lead)

    def _mapping(
        self, mapping: dict[Any, Any], indent: int, path: KeyPath, role: _Role, lead: _Lead | None
    ) -> None:
        first = True
        pad = " " * indent
        for key in _ordered_keys(mapping, role.order):
            if not first and key in role.spaced_keys:
                self.lines.append("")
            if self.tracking or (first and lead):
                key_path = (*path, key)
                prefix, eol = self._start(key_path, indent, lead if first else None)
            else:
                key_path, prefix, eol = path, pad, None
            head = prefix + format_scalar(key, key=True) + ":"
            self._value(head, mapping[key], indent + 2, key_path, role.child(key), eol)
            first = False

    def _sequence(self, items: Sequence[Any], indent: int, path: KeyPath, role: _Role, lead: _Lead | None) -> None:
        item_role = role.child(None)
        for index, item in enumerate(items):
            item_path = (*path, index) if self.tracking else path
            if index > 0 and role.spaced:
                self.lines.append("")
            if self._is_block(item, item_role, item_path, in_list=True):
                self._collection(
                    item, indent + 2, item_path, item_role, self._lead(item_path, indent, lead, index)
                )
            else:
                prefix, eol = self._start(item_path, indent, lead if index == 0 else None)
                text = self._flow(item, item_role) if isinstance(item, _COLLECTIONS) else format_scalar(item)
                self._line(prefix + "- " + text, eol)

    def _lead(self, path: KeyPath, indent: int, lead: _Lead | None, index: int) -> _Lead:
        """The `- ` of a list item that is a block collection, carried to its first line."""
        before, eol = self._comments_of(path)
        if lead is None or index > 0:
            return _Lead(" " * indent + "- ", indent, before, eol)
        return _Lead(lead.prefix + "- ", lead.comment_indent, (*lead.before, *before), _joined(lead.eol, eol))

    def _start(self, path: KeyPath, indent: int, lead: _Lead | None) -> tuple[str, _EolComment | None]:
        """Writes the comments above a key or item; its first line's prefix and end-of-line comment."""
        before, eol = self._comments_of(path)
        if lead is None:
            self.lines.extend(" " * indent + text for text in before)
            return " " * indent, eol
        self.lines.extend(" " * lead.comment_indent + text for text in (*lead.before, *before))
        return lead.prefix, _joined(lead.eol, eol)

    def _comments_of(self, path: KeyPath) -> tuple[tuple[str, ...], _EolComment | None]:
        if not self.tracking:
            return (), None
        return tuple(self.comments.before.get(path, ())), self.comments.eol.get(path)

    def _value(
        self, head: str, value: Any, indent: int, path: KeyPath, role: _Role, eol: _EolComment | None
    ) -> None:
        if not isinstance(value, _COLLECTIONS):
            self._line(head + " " + format_scalar(value), eol)
        elif self._is_block(value, role, path):
            self._line(head, eol)
            self._collection(value, indent, path, role, None)
        else:
            self._line(head + " " + self._flow(value, role), eol)

    def _flow(self, value: Any, role: _Role) -> str:
        if isinstance(value, dict):
            pairs = [
                f"{format_scalar(key, True, True)}: {self._flow(value[key], role.child(key))}"
                for key in _ordered_keys(value, role.order)
            ]
            return "{" + ", ".join(pairs) + "}"
        if isinstance(value, (list, tuple)):
            item_role = role.child(None)
            items = [format_float(item) if type(item) is float else self._flow(item, item_role) for item in value]
            return "[" + ", ".join(items) + "]"
        return format_scalar(value, True)

    def _line(self, text: str, eol: _EolComment | None) -> None:
        if eol is not None:
            text = text.ljust(max(len(text) + 2, eol.column)) + eol.text
        self.lines.append(text)


def _joined(first: _EolComment | None, second: _EolComment | None) -> _EolComment | None:
    """Two end-of-line comments that land on the same line, as one."""
    if first is None or second is None:
        return first or second
    return _EolComment(f"{first.text}  {second.text}", first.column)


def _is_number_list(items: Sequence[Any]) -> bool:
    """A list of scalars, or of lists of scalars (points): flow style."""
    if not any(isinstance(item, _COLLECTIONS) for item in items):
        return True
    return all(
        isinstance(item, (list, tuple)) and not any(isinstance(x, _COLLECTIONS) for x in item) for item in items
    )


# -- the public functions -------------------------------------------------------------------------


def dump_label_file(doc: Mapping[str, Any], header: str | None = None) -> str:
    """The canonical text of a plain document: dicts (the top one may be any mapping), lists or
    tuples, str, int, float, bool and None. Raises TypeError for anything else.

    `header` is an optional comment for the top of the file (e.g. the schema line); each of its
    lines gets a `# ` unless it starts with `#` already. The result is exactly what
    `format_label_text` makes of any text that reads as `doc` and has only that comment.
    """
    return _dump(doc if isinstance(doc, dict) else dict(doc), header)


def _dump(doc: Any, header: str | None) -> str:
    if header is None:
        return _Emitter(_NO_COMMENTS).document(doc)
    lines = [line.rstrip() for line in header.splitlines()]
    return _Emitter(_Comments(leading=[line if line.startswith("#") else f"# {line}" for line in lines])).document(
        doc
    )


def format_label_text(text: str) -> str:
    """The canonical layout of the label-file text `text`, its comments kept.

    Raises `yamlio.YamlSyntaxError` (with `.line`) when the text is not one YAML document, or
    has a duplicate key or a merge key (`<<`) whose comments could not be placed.
    """
    doc = yamlio.load(text)
    first_line, _, rest = text.partition("\n")
    header = first_line if first_line.startswith("#") else None
    if not _LIKELY_COMMENT.search(rest if header else text) and _dump(doc, header) == text:
        return text
    formatted = _Emitter(_comments_of(text, doc)).document(doc)
    if formatted != text and not same_content(yamlio.load(formatted), doc):
        raise AssertionError("labelsync fmt would change what the file says (a bug in labelsync)")
    return formatted


_LIKELY_COMMENT = re.compile(r"(?:^|\s)#")
"""Comments besides a first-line header: then the plain dump cannot equal the text (a `#` in a
string only costs the slower way)."""


def same_content(a: Any, b: Any) -> bool:
    """Equal as parsed YAML, types included (1, 1.0 and true differ), key order aside, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_content(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same_content, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


# -- reading the comments -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    """A key or list item of the file: the line it starts on and its key path."""

    line: int
    path: KeyPath
    in_block: bool
    """In a block collection (else in a flow one, `[...]` or `{...}`)."""
    item: bool = False
    """A list item (else a key)."""


@dataclass(frozen=True)
class _Comment:
    line: int
    column: int
    text: str
    full_line: bool


class _Composer(_Loader):  # type: ignore[misc]
    """PyYAML's composer for the structure and the marks only: its YAML 1.1 typing is not used
    (the values come from `yamlio.load`), except to notice merge keys."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return _MERGE_TAG if kind is yaml.ScalarNode and value == "<<" and implicit[0] else ""


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _comments_of(text: str, doc: Any) -> _Comments:
    try:
        root = yaml.compose(text, Loader=_Composer)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise yamlio.YamlSyntaxError(str(exc.problem or exc.context), mark.line + 1 if mark else None) from None
    places: list[_Place] = []
    quiet: list[tuple[int, int]] = []
    if root is not None:
        _collect_places(root, doc, (), places, quiet)
    return _attach(_find_comments(text, quiet), places)


def _find_comments(text: str, quiet: list[tuple[int, int]]) -> list[_Comment]:
    """A `#` outside every scalar starts a comment, up to the end of its line. `quiet` are the
    spans where a `#` is not a comment: the scalars, and the one-line `[...]` and `{...}`."""
    quiet.sort()
    starts = [start for start, _ in quiet]
    line_starts = [0, *(match.end() for match in re.finditer("\n", text))]
    comments: list[_Comment] = []
    position = text.find("#")
    while position != -1:
        span = bisect.bisect_right(starts, position) - 1
        if span >= 0 and position < quiet[span][1]:
            position = text.find("#", quiet[span][1])
            continue
        line = bisect.bisect_right(line_starts, position) - 1
        stop = text.find("\n", position)
        stop = len(text) if stop == -1 else stop
        full_line = not text[line_starts[line] : position].strip()
        comments.append(_Comment(line, position - line_starts[line], text[position:stop].rstrip(), full_line))
        position = text.find("#", stop)
    return comments


def _collect_places(
    node: yaml.Node, value: Any, path: KeyPath, places: list[_Place], quiet: list[tuple[int, int]]
) -> None:
    """Every key and item in file order, with the key path of the value `yamlio.load` read."""
    if isinstance(node, yaml.ScalarNode) or _one_line_flow(node):
        quiet.append((node.start_mark.index, node.end_mark.index))
    elif isinstance(node, yaml.MappingNode):
        _check_keys(node, value)
        for (key_node, value_node), key in zip(node.value, value, strict=True):
            key_path = (*path, key)
            places.append(_Place(key_node.start_mark.line, key_path, not node.flow_style))
            quiet.append((key_node.start_mark.index, key_node.end_mark.index))
            _collect_places(value_node, value[key], key_path, places, quiet)
    elif isinstance(node, yaml.SequenceNode):
        if not isinstance(value, list) or len(value) != len(node.value):
            raise yamlio.YamlSyntaxError("a list that reads differently", node.start_mark.line + 1)
        for index, item_node in enumerate(node.value):
            item_path = (*path, index)
            places.append(_Place(item_node.start_mark.line, item_path, not node.flow_style, item=True))
            _collect_places(item_node, value[index], item_path, places, quiet)


def _one_line_flow(node: yaml.Node) -> bool:
    """A `[...]` or `{...}` on one line: no comment can be inside it."""
    return (
        isinstance(node, yaml.CollectionNode)
        and bool(node.flow_style)
        and node.start_mark.line == node.end_mark.line
    )


def _check_keys(node: yaml.MappingNode, value: Any) -> None:
    """The keys PyYAML saw are the keys `yamlio.load` read, one for one (no duplicates, no `<<`)."""
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            line = key_node.start_mark.line + 1
            raise yamlio.YamlSyntaxError("a merge key (<<): write the merged keys out to format the file", line)
    if not isinstance(value, dict) or len(value) != len(node.value):
        raise _duplicate_key(node)
    for (key_node, _), key in zip(node.value, value, strict=True):
        if isinstance(key, str) and getattr(key_node, "value", key) != key:
            raise yamlio.YamlSyntaxError(f"the key {key!r} reads differently", key_node.start_mark.line + 1)


def _duplicate_key(node: yaml.MappingNode) -> yamlio.YamlSyntaxError:
    seen: set[str] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            if key_node.value in seen:
                return yamlio.YamlSyntaxError(f"duplicate key {key_node.value!r}", key_node.start_mark.line + 1)
            seen.add(key_node.value)
    return yamlio.YamlSyntaxError("duplicate keys in this mapping", node.start_mark.line + 1)


def _attach(found: list[_Comment], places: list[_Place]) -> _Comments:
    """A full-line comment belongs to the next key or item; one at the end of a line, to the key or
    item on that line (the innermost in a block collection, else the first)."""
    comments = _Comments()
    on_line: dict[int, list[_Place]] = {}
    for place in places:
        on_line.setdefault(place.line, []).append(place)
    lines = [place.line for place in places]
    first_line = lines[0] if lines else math.inf
    items = {place.path: place for place in places if place.item}
    for comment in found:
        candidates = [] if comment.full_line else on_line.get(comment.line, [])
        if candidates:
            in_block = [place for place in candidates if place.in_block]
            owner = in_block[-1] if in_block else candidates[0]
            eol = _joined(comments.eol.get(owner.path), _EolComment(comment.text, comment.column))
            if eol is not None:
                comments.eol[owner.path] = eol
        elif comment.line < first_line:
            comments.leading.append(comment.text)
        else:
            following = bisect.bisect_right(lines, comment.line)
            if following < len(places):
                owner = _outermost(places[following], items)
                comments.before.setdefault(owner.path, []).append(comment.text)
            else:
                comments.trailing.append((comment.text, comment.column))
    comments.mark_inside()
    return comments


def _outermost(place: _Place, items: dict[KeyPath, _Place]) -> _Place:
    """The list item whose line `place` starts once written: the first item of a list that is a
    list item itself is written on its parent's line (`- - 0.1`), so a comment above it goes above
    the parent."""
    while place.item and place.path[-1] == 0:
        parent = items.get(place.path[:-1])
        if parent is None:
            break
        place = parent
    return place
