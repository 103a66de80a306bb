"""Strings from users and remotes made inert for markdown (a pull-request comment) and the HTML in it.

Everything is first made inert as for a terminal (`escape.inert`: one line, every character visible),
so no string can end a block, open a code fence or start a heading, a list or an HTML comment on a
line of its own. Then, for where it lands: HTML text is entity-escaped (`<!--`, `</details>`,
`<script>` show as text), code spans and fences are longer than any backtick run inside them, and
inline text has every character that could make a link, an image, emphasis, raw HTML, math or a
table cell backslash-escaped.
"""

from __future__ import annotations

import re
import string

from reconciler.render.escape import inert

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~$])")
_ORDERED_ITEM = re.compile(r"(\d+)([.)])")
_BACKTICKS = re.compile(r"`+")


def html_text(text: str) -> str:
    """`text` as the content of an HTML element (`<code>` in a `<summary>`)."""
    return inert(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code_span(text: str) -> str:
    """`text` as inline code: delimited by more backticks than any run of them inside."""
    shown = inert(text)
    ticks = "`" * (_longest_run(shown) + 1)
    if not shown.strip(" "):
        return f"{ticks} {shown} {ticks}"
    padded = shown.startswith("`") or shown.endswith("`") or (shown.startswith(" ") and shown.endswith(" "))
    pad = " " if padded else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}"


def fence(lines: list[str]) -> str:
    """The backticks that open and close a code block holding `lines`: no line inside can close it."""
    return "`" * max(3, 1 + max((_longest_run(line) for line in lines), default=0))


def inline_text(text: str) -> str:
    """`text` as a line of markdown that reads as exactly that text: nothing in it formats, links, or
    starts a block (a heading, a list, a quote, a code block, a setext underline)."""
    shown = _INLINE_SPECIAL.sub(r"\\\1", inert(text))
    stripped = shown.lstrip(" ")
    if stripped != shown:  # four spaces would start a code block
        return "&#32;" * (len(shown) - len(stripped)) + stripped
    if shown and shown[0] in string.punctuation and shown[0] != "\\":
        return "\\" + shown
    item = _ORDERED_ITEM.match(shown)
    if item:
        return f"{item[1]}\\{item[2]}{shown[item.end() :]}"
    return shown


def _longest_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)
