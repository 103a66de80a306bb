"""The one place YAML is parsed: fast loading, and line numbers only when a finding needs them."""

from __future__ import annotations

from typing import Any

import yaml

from reconciler.diagnostics import FieldPath

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load(text: str) -> Any:
    """Parse one YAML document. Raises YamlSyntaxError with the line of the problem."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(f"{exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), None) from None


def lines_of(text: str, paths: list[FieldPath]) -> list[int | None]:
    """The 1-based line of the value at each path (or of its nearest existing parent).

    It composes the document again, slower than `load`, so callers use it only for files
    that have findings.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return [None for _ in paths]
    return [_line_in(root, path) for path in paths]


def _line_in(node: Any, path: FieldPath) -> int | None:
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                return line
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
