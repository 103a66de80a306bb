"""The one place YAML is parsed: fast loading, and line numbers only when a finding needs them.

Documents are loaded with fast-yaml (a Rust YAML 1.2 parser, about six times faster than
PyYAML's C loader on label files, which is most of a cold plan). YAML 1.2's core schema also
reads `yes`, `no`, `on` and `off` as text, as people labelling data mean them. PyYAML is used
only where a finding needs a line number or a syntax error needs a precise location.
"""

from __future__ import annotations

import re
from typing import Any

import fast_yaml
import yaml

from reconciler.diagnostics import FieldPath

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LINE = re.compile(r"line (\d+)")


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


_DOCUMENT_MARK = re.compile(r"(?m)^---(?=\s|$)")
_CONTENT = re.compile(r"(?m)^[ \t]*[^#\s-]")


def load(text: str) -> Any:
    """Parse one YAML document. Raises YamlSyntaxError with the line of the problem."""
    content = _CONTENT.search(text)
    second = _DOCUMENT_MARK.search(text, content.start()) if content else None
    if second:
        line = text.count("\n", 0, second.start()) + 1
        raise YamlSyntaxError("a second YAML document starts here: keep one document per file", line)
    try:
        return fast_yaml.safe_load(text)
    except ValueError as exc:
        raise _syntax_error(text, str(exc).removeprefix("YAML parse error: ")) from None


def _syntax_error(text: str, message: str) -> YamlSyntaxError:
    """PyYAML locates syntax errors precisely; fall back to fast-yaml's own message."""
    try:
        yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return YamlSyntaxError(f"{exc.problem or exc.context}", mark.line + 1 if mark else None)
    except yaml.YAMLError as exc:
        return YamlSyntaxError(str(exc), None)
    match = _LINE.search(message)
    return YamlSyntaxError(message, int(match.group(1)) if match else None)


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
