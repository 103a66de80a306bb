"""Attribute answers in label files -> canonical (attribute hash, value) pairs, nested ones flat."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from reconciler.diagnostics import FieldPath, shown
from reconciler.model import AnswerValue
from reconciler.ontology import Attribute, Option, suggest

Report = Callable[[FieldPath, str], None]
Answers = list[tuple[str, AnswerValue]]


class AnswerParser:
    def __init__(self, report: Report) -> None:
        self.report = report
        self._scopes: dict[int, tuple[tuple[Attribute, ...], dict[str, Attribute]]] = {}

    def _named(self, scope: tuple[Attribute, ...]) -> dict[str, Attribute]:
        """The first attribute of each name in `scope`, made once a file (a scope is looked up per object)."""
        known = self._scopes.get(id(scope))
        if known is None or known[0] is not scope:
            named: dict[str, Attribute] = {}
            for attribute in scope:
                named.setdefault(attribute.name, attribute)
            known = self._scopes[id(scope)] = (scope, named)
        return known[1]

    def attributes(
        self, scope: tuple[Attribute, ...], given: Any, path: FieldPath, owner: str, dynamic_ok: bool = False
    ) -> Answers:
        """Answers for a mapping of attribute name -> answer, within one scope of the ontology."""
        if given is None or given == {}:
            self.require(scope, {}, path, owner)
            return []
        if not isinstance(given, dict):
            self.report(path, "expected a mapping of attribute name to answer")
            return []
        answers: Answers = []
        named = self._named(scope)
        for name, value in given.items():
            attribute = named.get(str(name))
            if attribute is None:
                names = [a.name for a in scope]
                self.report(
                    (*path, str(name)),
                    f'{owner} has no attribute "{name}"{suggest(str(name), names)}'
                    + ("" if names else f" ({owner} has no attributes)"),
                )
                continue
            if attribute.dynamic and not dynamic_ok:
                self.report((*path, str(name)), f'"{name}" is a dynamic attribute: give it under `dynamic:`')
                continue
            answers.extend(self.answer(attribute, value, (*path, str(name))))
        self.require(scope, given, path, owner)
        return answers

    def require(self, scope: tuple[Attribute, ...], given: dict[str, Any], path: FieldPath, owner: str) -> None:
        for attribute in scope:
            if attribute.required and not attribute.dynamic and attribute.name not in given:
                self.report(path or ("attributes",), f'{owner} requires the attribute "{attribute.name}"')

    def answer(self, attribute: Attribute, value: Any, path: FieldPath) -> Answers:
        """The answer to one attribute plus any nested answers under the chosen option."""
        if attribute.kind == "radio":
            return self._radio(attribute, value, path)
        if attribute.kind == "checklist":
            labels = [value] if isinstance(value, str) else value
            if not isinstance(labels, list) or not all(isinstance(v, str) for v in labels):
                self.report(path, f'"{attribute.name}" is a checklist: give a list of option names')
                return []
            options = [self._option(attribute, label, path) for label in labels]
            if any(o is None for o in options):
                return []
            return [(attribute.hash, tuple(sorted({o.hash for o in options if o is not None})))]
        if attribute.kind == "number":
            number = _finite(value)
            if number is None:
                self.report(
                    path,
                    f'"{attribute.name}" is a number attribute: expected a finite number, got {shown(value)}',
                )
                return []
            return [(attribute.hash, number)]
        if not isinstance(value, str):
            hint = " (quote it: YAML reads yes/no/on/off as true/false)" if isinstance(value, bool) else ""
            self.report(path, f'"{attribute.name}" is a text attribute: expected text, got {value!r}{hint}')
            return []
        return [(attribute.hash, value)]

    def _radio(self, attribute: Attribute, value: Any, path: FieldPath) -> Answers:
        nested: Any = None
        label = value
        if isinstance(value, dict) and len(value) == 1:
            ((label, nested),) = value.items()
        if not isinstance(label, str):
            hint = " (quote it: YAML reads yes/no/on/off as true/false)" if isinstance(label, bool) else ""
            self.report(
                path,
                f'"{attribute.name}" is a radio attribute: give one option name, or {{option: {{nested answers}}}}'
                + hint,
            )
            return []
        option = self._option(attribute, label, path)
        if option is None:
            return []
        answers: Answers = [(attribute.hash, option.hash)]
        if nested is not None or option.attributes:  # else there is nothing to answer or require under it
            answers.extend(self.attributes(option.attributes, nested, (*path, label), f'option "{label}"'))
        return answers

    def _option(self, attribute: Attribute, label: str, path: FieldPath) -> Option | None:
        option = attribute.option(label)
        if option is None:
            labels = [o.label for o in attribute.options]
            self.report(
                path,
                f'"{attribute.name}" has no option "{label}"{suggest(label, labels)}; options: {", ".join(labels)}',
            )
            return None
        return option


def _finite(value: Any) -> float | None:
    """A number as a float, or None: not a number, NaN, infinite, or too large for a float (10**400)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
