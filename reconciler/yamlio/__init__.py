"""The one place YAML is parsed: fast loading, and line numbers only when a finding needs them.

Documents are loaded with fast-yaml (a Rust YAML 1.2 parser, about six times faster than
PyYAML's C loader on label files, which is most of a cold plan). YAML 1.2's core schema also
reads `yes`, `no`, `on` and `off` as text, as people labelling data mean them. PyYAML is used
only where a finding needs a line number or a syntax error needs a precise location.

A key given twice in one mapping (a leftover of a merge: a second `objects:`) is a syntax error at
the second one, never a silent last-one-wins. fast-yaml keeps the last one, so `keys.may_repeat_keys` first
proves cheaply that a document has no repeated key; only a document it cannot clear is searched key by
key (`keys.repeated_key`). Line numbers for findings: `lines`.
"""

from __future__ import annotations

import re
from typing import Any

import fast_yaml
import yaml

from reconciler.yamlio.keys import may_repeat_keys, repeated_key
from reconciler.yamlio.lines import SLICED_FROM, STREAMED_FROM, lines_of
from reconciler.yamlio.pyyaml import Loader

__all__ = ["SLICED_FROM", "STREAMED_FROM", "YamlSyntaxError", "lines_of", "load"]

_LINE = re.compile(r"line (\d+)")


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


_DOCUMENT_MARK = re.compile(r"(?m)^---(?=\s|$)")
_DOCUMENT_END = re.compile(r"(?m)^\.\.\.(?=\s|$)")
_CONTENT = re.compile(r"(?m)^[ \t]*[^#\s%-]")
"""The first line of the document's content (not a comment, a directive or a `---`)."""
_ANYTHING = re.compile(r"(?m)^[ \t]*[^#\s]")


def load(text: str) -> Any:
    """Parse one YAML document. Raises YamlSyntaxError with the line of the problem (for a key given
    twice, the line of the second)."""
    second = end = None
    if "---" in text:  # looked for first: the searches below scan every line
        content = _CONTENT.search(text)
        second = _DOCUMENT_MARK.search(text, content.start()) if content else None
    if "..." in text:
        end = _DOCUMENT_END.search(text)
    after_end = _ANYTHING.search(text, end.end()) if end else None
    if after_end and (second is None or after_end.start() < second.start()):
        second = after_end  # `...` ends the document: what follows would be silently dropped
    if second:
        line = text.count("\n", 0, second.start()) + 1
        raise YamlSyntaxError("a second YAML document starts here: keep one document per file", line)
    try:
        doc = fast_yaml.safe_load(text)
    except ValueError as exc:
        raise _syntax_error(text, str(exc).removeprefix("YAML parse error: ")) from None
    if may_repeat_keys(text, doc):
        repeated = repeated_key(text)
        if repeated is not None:
            raise YamlSyntaxError(*repeated)
    return doc


def _syntax_error(text: str, message: str) -> YamlSyntaxError:
    """PyYAML locates syntax errors precisely; fall back to fast-yaml's own message."""
    try:
        yaml.load(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return YamlSyntaxError(f"{exc.problem or exc.context}", mark.line + 1 if mark else None)
    except yaml.YAMLError as exc:
        return YamlSyntaxError(str(exc), None)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        return YamlSyntaxError(f"{message} ({exc})", None)
    match = _LINE.search(message)
    return YamlSyntaxError(message, int(match.group(1)) if match else None)
