"""The plan as JSON for a terminal or a CI log (`--format json`): the same JSON, nothing raw in it.

`json.dumps(..., ensure_ascii=False)` escapes only U+0000..U+001F: DEL, the C1 controls (U+009B is
a CSI to some terminals), bidi overrides, line separators and zero-width characters would be printed
as they are. Here every character that is not printable (or is invisible) is written as a `\\uXXXX` escape, which a
JSON reader turns back into the same string.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.render.escape import INVISIBLE


def render_json(data: dict[str, Any]) -> str:
    return printable_json(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def printable_json(text: str) -> str:
    """JSON text (or a piece of it) with every character that is not printable escaped."""
    return "\n".join(_printable(line) for line in text.split("\n"))


def _printable(line: str) -> str:
    if line.isprintable() and INVISIBLE.isdisjoint(line):
        return line
    return "".join(c if c.isprintable() and c not in INVISIBLE else _escaped(c) for c in line)


def _escaped(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
