"""Encord's ontology (the editor structure) as frozen dataclasses with lookups.

Identity is the featureNodeHash; names are looked up within their scope (an object's
attributes, an option's nested attributes), since titles may repeat at different levels.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reconciler.errors import ConfigError
from reconciler.model import Shape


class OntologyError(ConfigError):
    """An ontology structure that is not one Encord writes: a key missing, or a value of the wrong type."""


@dataclass(frozen=True)
class Option:
    hash: str
    label: str
    value: str
    attributes: tuple[Attribute, ...] = ()

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True)
class Attribute:
    hash: str
    name: str
    kind: str
    required: bool = False
    dynamic: bool = False
    options: tuple[Option, ...] = ()

    def option(self, label: str) -> Option | None:
        return self._options_by_label.get(label)

    @cached_property
    def _options_by_label(self) -> dict[str, Option]:
        """The first option of each label (every object's answer is looked up here)."""
        by_label: dict[str, Option] = {}
        for option in self.options:
            by_label.setdefault(option.label, option)
        return by_label

    @property
    def is_relation(self) -> bool:
        return self.name.endswith("#relation")


@dataclass(frozen=True)
class ObjectClass:
    hash: str
    name: str
    shape: Shape
    color: str
    attributes: tuple[Attribute, ...] = ()
    skeleton_points: tuple[str, ...] = ()

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True)
class ClassificationClass:
    """A classification: one top-level question (its attribute) with nested attributes."""

    hash: str
    attribute: Attribute
    is_global: bool = False
    """A global classification describes the whole row: it has no frames."""

    @property
    def name(self) -> str:
        return self.attribute.name


Node = ObjectClass | ClassificationClass | Attribute | Option


@dataclass(frozen=True)
class Ontology:
    objects: tuple[ObjectClass, ...]
    classifications: tuple[ClassificationClass, ...]
    editor: dict[str, Any] = field(repr=False, compare=False)
    fingerprint: str = ""
    _nodes: dict[str, Node] = field(default_factory=dict, repr=False, compare=False)
    _parents: dict[str, Node] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        tops: tuple[Node, ...] = (*self.objects, *self.classifications)
        for top in tops:
            self._index(top, None)

    def _index(self, node: Node, parent: Node | None) -> None:
        self._nodes[node.hash] = node
        if parent is not None:
            self._parents[node.hash] = parent
        children: tuple[Node, ...]
        if isinstance(node, (ObjectClass, Option)):
            children = node.attributes
        elif isinstance(node, ClassificationClass):
            children = (node.attribute,)
        else:
            children = node.options
        for child in children:
            self._index(child, node)

    def node(self, feature_hash: str) -> Node | None:
        return self._nodes.get(feature_hash)

    def parent(self, feature_hash: str) -> Node | None:
        return self._parents.get(feature_hash)

    def object_class(self, name: str) -> ObjectClass | None:
        return next((o for o in self.objects if o.name == name), None)

    def classification(self, name: str) -> ClassificationClass | None:
        return next((c for c in self.classifications if c.name == name), None)

    def display_name(self, feature_hash: str) -> str:
        node = self._nodes.get(feature_hash)
        if node is None:
            return feature_hash
        return node.label if isinstance(node, Option) else node.name

    @classmethod
    def from_editor_dict(cls, editor: Any, source: str = "the ontology") -> Ontology:
        """The ontology of an editor structure (what Encord's `OntologyStructure.to_dict()` writes).

        Raises OntologyError, naming `source` and the place in the structure, for anything else."""
        try:
            top = _mapping(editor, "")
            templates: dict[Any, dict[str, Any]] = {}
            for where, t in _items(top, "skeleton_templates", ""):
                template = _template(t, where)
                templates[template.get("feature_node_hash")] = template
            objects = tuple(_object_from(o, where, templates) for where, o in _items(top, "objects", ""))
            classifications = tuple(
                _classification_from(c, where) for where, c in _items(top, "classifications", "")
            )
        except _Malformed as exc:
            where = f" {exc.where}:" if exc.where else ""
            raise OntologyError(
                f"{source}:{where} {exc.message}: fix it, or export the ontology from Encord again"
            ) from None
        text = json.dumps(editor, sort_keys=True, separators=(",", ":"))
        fingerprint = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        return cls(objects, classifications, top, fingerprint)


def walk_attributes(attributes: tuple[Attribute, ...]) -> Iterator[Attribute]:
    """Every attribute in a tree, nested ones included."""
    for attribute in attributes:
        yield attribute
        for option in attribute.options:
            yield from walk_attributes(option.attributes)


def suggest(name: str, candidates: Any) -> str:
    """A ' (did you mean "X"?)' suffix for a misspelt name, or ''."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


class _Malformed(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def _at(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Malformed(where, f"expected an object, not {_kind(value)}")
    return value


def _items(d: dict[str, Any], key: str, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(place, object) for each object of the list `d[key]` (absent: none)."""
    values = d.get(key, [])
    if not isinstance(values, list):
        raise _Malformed(_at(where, key), f"expected a list, not {_kind(values)}")
    for index, value in enumerate(values):
        place = _at(_at(where, key), index)
        yield place, _mapping(value, place)


def _text(d: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = d.get(key)
    value = default if value is None else value
    if value is None:
        raise _Malformed(where, f"`{key}` is missing")
    if not isinstance(value, str):
        raise _Malformed(_at(where, key), f"expected a string, not {_kind(value)}")
    return value


def _flag(d: dict[str, Any], key: str, where: str) -> bool:
    value = d.get(key, False)
    if not isinstance(value, bool):
        raise _Malformed(_at(where, key), f"expected true or false, not {_kind(value)}")
    return value


def _template(t: dict[str, Any], where: str) -> dict[str, Any]:
    if "template" in t:
        where = _at(where, "template")
        t = _mapping(t["template"], where)
    skeleton = _mapping(t.get("skeleton", {}), _at(where, "skeleton"))
    for key, vertex in skeleton.items():
        place = _at(_at(where, "skeleton"), key)
        if not key.isdigit():
            raise _Malformed(place, "expected the point's number as its key")
        _text(_mapping(vertex, place), "name", place)
    return t


def _classification_from(c: dict[str, Any], where: str) -> ClassificationClass:
    feature_hash = _text(c, "featureNodeHash", where)
    attributes = [_attribute_from(a, place) for place, a in _items(c, "attributes", where)]
    if not attributes:
        raise _Malformed(where, "a classification without attributes (its first attribute is its question)")
    level = _text(c, "level", where, "")
    return ClassificationClass(feature_hash, attributes[0], is_global=level == "global")


def _attribute_from(d: dict[str, Any], where: str) -> Attribute:
    kind = _text(d, "type", where)
    return Attribute(
        hash=_text(d, "featureNodeHash", where),
        name=_text(d, "name", where),
        kind="number" if kind in ("number", "numeric") else kind,  # Encord says "numeric"
        required=_flag(d, "required", where),
        dynamic=_flag(d, "dynamic", where),
        options=tuple(_option_from(o, place) for place, o in _items(d, "options", where)),
    )


def _option_from(d: dict[str, Any], where: str) -> Option:
    return Option(
        hash=_text(d, "featureNodeHash", where),
        label=_text(d, "label", where),
        value=_text(d, "value", where, ""),
        attributes=tuple(_attribute_from(a, place) for place, a in _items(d, "options", where)),
    )


def _object_from(d: dict[str, Any], where: str, templates: dict[Any, dict[str, Any]]) -> ObjectClass:
    feature_hash = _text(d, "featureNodeHash", where)
    try:
        shape = Shape(_text(d, "shape", where))
    except ValueError:  # a shape newer than this version of labelsync
        shape = Shape.UNKNOWN
    points: tuple[str, ...] = ()
    if shape is Shape.SKELETON:
        template: dict[str, Any] = templates.get(feature_hash) or next(iter(templates.values()), {})
        vertices = sorted(template.get("skeleton", {}).items(), key=lambda kv: int(kv[0]))
        points = tuple(vertex["name"] for _, vertex in vertices)
    return ObjectClass(
        hash=feature_hash,
        name=_text(d, "name", where),
        shape=shape,
        color=_text(d, "color", where, "#000000"),
        attributes=tuple(_attribute_from(a, place) for place, a in _items(d, "attributes", where)),
        skeleton_points=points,
    )
