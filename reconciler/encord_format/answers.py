"""Attribute answers: Encord answer dicts <-> canonical (attribute hash, value) pairs and dynamic answers.

An Encord answer dict is `{featureHash (attribute), name, value, manualAnnotation, answers}`, where
`answers` is a list of `{featureHash (option), name, value}` for radio and checklist, a string for text
and a number for numeric attributes. Nested attributes are flat siblings of their parent. Dynamic answers
add `dynamic: true, range: [[start, end], ...], shouldPropagate`. The editor may split one checklist answer
into several dicts with the same featureHash, one per ticked option.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from reconciler.encord_format._common import Fail, snake
from reconciler.model import AnswerValue, DynamicAnswer, FrameRange, frames_to_ranges
from reconciler.ontology import Attribute, Ontology, Option, walk_attributes

NUMBER_KINDS = ("numeric", "number")
"""Encord's editor calls a number attribute `numeric`; accept `number` too."""


def dynamic_sort_key(answer: DynamicAnswer) -> tuple[str, tuple[FrameRange, ...], str]:
    """The order of `ObjectLabel.dynamic`: by attribute, then ranges (the desired-state loader's order)."""
    return answer.attribute, answer.ranges, repr(answer.value)


class AnswerDecoder:
    """Reads the answer dicts of one object or classification, whose attributes are `scope`."""

    def __init__(self, ontology: Ontology, scope: tuple[Attribute, ...], fail: Fail) -> None:
        self.ontology = ontology
        self.scope = scope
        self.attributes = {a.hash: a for a in walk_attributes(scope)}
        self.fail = fail

    def attribute(self, entry: dict[str, Any]) -> Attribute | None:
        """The attribute an entry answers, or None for one that is not in this scope: such an entry is
        not declarable, and the patching encoder carries it over as it is."""
        return self.attributes.get(str(entry.get("featureHash")))

    def _option(self, attribute: Attribute, answer: Any) -> str:
        feature = str(answer.get("featureHash")) if isinstance(answer, dict) else None
        if feature is None or not any(o.hash == feature for o in attribute.options):
            known = "in the ontology" if feature and self.ontology.node(feature) else "not in the ontology"
            raise self.fail(f'option {feature!r} of "{attribute.name}" is not one of its options ({known})')
        return feature

    def value(self, attribute: Attribute, entry: dict[str, Any]) -> AnswerValue | None:
        """The answer an entry gives, or None for an entry that gives none (like the SDK)."""
        raw = entry.get("answers")
        if raw is None:
            return None
        if attribute.kind == "radio":
            return self._option(attribute, raw[0]) if isinstance(raw, list) and len(raw) == 1 else None
        if attribute.kind == "checklist":
            return tuple(sorted({self._option(attribute, a) for a in raw}))
        if attribute.kind in NUMBER_KINDS:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise self.fail(f'"{attribute.name}" is a number attribute, got {raw!r}')
            return float(raw)
        return str(raw)

    def value_of(self, entries: list[dict[str, Any]]) -> AnswerValue | None:
        """The one answer that entries of one attribute give together (several for a split checklist)."""
        attribute = self.attribute(entries[0]) if entries else None
        if attribute is None:
            return None
        values = [v for v in (self.value(attribute, e) for e in entries) if v is not None]
        if attribute.kind == "checklist":
            return tuple(sorted({h for v in values if isinstance(v, tuple) for h in v}))
        return values[0] if len(values) == 1 else None

    def static(self, entries: Iterable[dict[str, Any]]) -> tuple[tuple[str, AnswerValue], ...]:
        """Static answers, flat and sorted, without answers the chosen options do not lead to."""
        given: dict[str, set[AnswerValue]] = defaultdict(set)
        for entry in entries:
            attribute = self.attribute(entry)
            if attribute is None or attribute.dynamic:
                continue
            value = self.value(attribute, entry)
            if value is not None:
                given[attribute.hash].add(value)
        answers: dict[str, AnswerValue] = {}
        for feature, values in given.items():
            if self.attributes[feature].kind == "checklist":
                answers[feature] = tuple(sorted({h for v in values if isinstance(v, tuple) for h in v}))
            else:
                answers[feature] = min(values, key=repr)  # several answers: any fixed choice will do
        return tuple(sorted(_reachable(self.scope, answers).items()))

    def dynamic(self, entries: Iterable[dict[str, Any]], frames: set[int]) -> tuple[DynamicAnswer, ...]:
        """Dynamic answers on frames that have geometry, merged per (attribute, value)."""
        if not frames:
            return ()
        first, last = min(frames), max(frames)
        per_frame: dict[tuple[str, int], set[Any]] = defaultdict(set)
        for entry in entries:
            attribute = self.attribute(entry)
            if attribute is None or not attribute.dynamic:
                continue
            value = self.value(attribute, entry)
            if value is None:
                continue
            for start, end in entry.get("range") or []:
                for frame in range(max(int(start), first), min(int(end), last) + 1):
                    if frame in frames:
                        cell = per_frame[attribute.hash, frame]
                        if isinstance(value, tuple):
                            cell.update(value)
                        else:
                            cell.add(value)
        merged: dict[tuple[str, AnswerValue], list[int]] = defaultdict(list)
        for (feature, frame), values in per_frame.items():
            if self.attributes[feature].kind == "checklist":
                merged[feature, tuple(sorted(values))].append(frame)
            else:
                for value in values:
                    merged[feature, value].append(frame)
        answers = (DynamicAnswer(f, v, frames_to_ranges(fs)) for (f, v), fs in merged.items())
        return tuple(sorted(answers, key=dynamic_sort_key))


def _reachable(scope: tuple[Attribute, ...], answers: dict[str, AnswerValue]) -> dict[str, AnswerValue]:
    """Drop answers to attributes nested under options that are not chosen (the SDK keeps them)."""
    kept: dict[str, AnswerValue] = {}

    def visit(attributes: tuple[Attribute, ...]) -> None:
        for attribute in attributes:
            if attribute.dynamic or attribute.hash not in answers:
                continue
            value = kept[attribute.hash] = answers[attribute.hash]
            chosen = value if isinstance(value, tuple) else (value,)
            for option in attribute.options:
                if option.hash in chosen:
                    visit(option.attributes)

    visit(scope)
    return kept


def _option_dict(option: Option) -> dict[str, str]:
    return {"name": option.label, "value": option.value, "featureHash": option.hash}


_MANAGED_ANSWER_KEYS = frozenset({"name", "value", "answers", "featureHash", "dynamic", "range"})


def answer_entry(
    ontology: Ontology, feature: str, value: AnswerValue, fail: Fail, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The Encord dict of one static answer; `base`, the entry it replaces, lends the keys labelsync does
    not manage (manualAnnotation, unknown keys)."""
    attribute = ontology.node(feature)
    if not isinstance(attribute, Attribute):
        raise fail(f"answer to {feature!r}, which is not an attribute in the ontology")
    options = {o.hash: o for o in attribute.options}
    answers: Any
    if attribute.kind in ("radio", "checklist"):
        chosen = value if isinstance(value, tuple) else (value,)
        unknown = [h for h in chosen if h not in options]
        if unknown:
            raise fail(f'"{attribute.name}" has no option {unknown[0]!r}')
        answers = [_option_dict(o) for o in attribute.options if o.hash in chosen]
    elif attribute.kind in NUMBER_KINDS:
        if isinstance(value, (str, tuple)):
            raise fail(f'"{attribute.name}" is a number attribute, got {value!r}')
        answers = float(value)
    else:
        answers = str(value)
    entry: dict[str, Any] = {
        "name": attribute.name,
        "value": snake(attribute.name),
        "answers": answers,
        "featureHash": attribute.hash,
        "manualAnnotation": True,
    }
    entry.update({k: v for k, v in (base or {}).items() if k not in _MANAGED_ANSWER_KEYS})
    return entry


def dynamic_entry(
    ontology: Ontology, answer: DynamicAnswer, fail: Fail, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The Encord dict of one dynamic answer (an `object_actions` action)."""
    return {
        "shouldPropagate": False,
        **answer_entry(ontology, answer.attribute, answer.value, fail, base),
        "dynamic": True,
        "range": [[start, end] for start, end in answer.ranges],
    }
