"""Strings from users and remotes made inert for a terminal or a CI log.

Label ids, names from the ontology, tags, titles, file paths, answers and messages are shown, never
obeyed: an escape sequence, a bidi override or an invisible character is shown as an escape (`\\x1b`,
`\\u202e`), a line break never starts a line of its own (so no `Plan: ...` or `::error::` line can be
forged), and the CI commands runners read anywhere in a line (`##[`, `##vso[`, `##teamcity[`) are
broken. Text labelsync writes itself is printable, so escaping a whole line escapes only what came in.
"""

from __future__ import annotations

import json
import re

INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
"""Printable to Python, yet shown as nothing: fillers and marks a string could hide text behind."""
_CI_COMMAND = re.compile(r"#(?=#(?:vso|teamcity)?\[)", re.IGNORECASE)
"""The `#` that makes `##[cmd]`, `##vso[cmd]` or `##teamcity[cmd]` a command, wherever it is in a line."""
_PLAIN = re.compile(r"[^\W_][\w .,()+=@&%/'~!-]*")
"""A name that can start a line as it is: nothing in it reads as a sign, a command, a quote or an escape."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def inert(text: str) -> str:
    """`text` safe to print on a terminal or in a CI log: one line, every character visible as itself
    or as an escape, and no CI runner command in it."""
    if not (text.isprintable() and INVISIBLE.isdisjoint(text)):
        text = "".join(c if c.isprintable() and c not in INVISIBLE else _escaped(c) for c in text)
    return _CI_COMMAND.sub(r"\\x23", text) if "##" in text else text


def lead(text: str) -> str:
    """`text` to start a line with: as it is when it is a plain name (`cherry_001.jpg`), else quoted, so
    what a string says can never pass for a line labelsync writes (`- object`, `Plan:`, `::error::`)."""
    if _PLAIN.fullmatch(text) and not text.endswith(" "):
        return inert(text)
    return inert(json.dumps(text, ensure_ascii=False))


def _escaped(char: str) -> str:
    """`\\n`, `\\x1b`, `\\u202e`, `\\U000e0001`: as Python writes the character in a string literal."""
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
