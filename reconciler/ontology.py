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
from typing import Any

from reconciler.model import Shape


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
        return next((o for o in self.options if o.label == label), None)

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
    def from_editor_dict(cls, editor: dict[str, Any]) -> Ontology:
        templates = {
            t.get("template", t).get("feature_node_hash"): t.get("template", t)
            for t in editor.get("skeleton_templates", [])
        }
        objects = tuple(_object_from(o, templates) for o in editor.get("objects", []))
        classifications = tuple(
            ClassificationClass(
                c["featureNodeHash"], _attribute_from(c["attributes"][0]), is_global=c.get("level") == "global"
            )
            for c in editor.get("classifications", [])
            if c.get("attributes")
        )
        text = json.dumps(editor, sort_keys=True, separators=(",", ":"))
        fingerprint = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        return cls(objects, classifications, editor, fingerprint)


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


def _attribute_from(d: dict[str, Any]) -> Attribute:
    return Attribute(
        hash=d["featureNodeHash"],
        name=d["name"],
        kind="number" if d["type"] in ("number", "numeric") else d["type"],  # Encord says "numeric"
        required=bool(d.get("required", False)),
        dynamic=bool(d.get("dynamic", False)),
        options=tuple(_option_from(o) for o in d.get("options", [])),
    )


def _option_from(d: dict[str, Any]) -> Option:
    return Option(
        hash=d["featureNodeHash"],
        label=d["label"],
        value=d.get("value", ""),
        attributes=tuple(_attribute_from(a) for a in d.get("options", [])),
    )


def _object_from(d: dict[str, Any], templates: dict[str, Any]) -> ObjectClass:
    try:
        shape = Shape(d["shape"])
    except ValueError:
        shape = Shape.UNKNOWN
    points: tuple[str, ...] = ()
    if shape is Shape.SKELETON:
        template: dict[str, Any] = templates.get(d["featureNodeHash"]) or next(iter(templates.values()), {})
        vertices = sorted(template.get("skeleton", {}).items(), key=lambda kv: int(kv[0]))
        points = tuple(vertex["name"] for _, vertex in vertices)
    return ObjectClass(
        hash=d["featureNodeHash"],
        name=d["name"],
        shape=shape,
        color=d.get("color", "#000000"),
        attributes=tuple(_attribute_from(a) for a in d.get("attributes", [])),
        skeleton_points=points,
    )
