"""Keys given twice in one mapping: proved absent cheaply for the files people write, found exactly otherwise."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import orjson
import yaml
from fast_yaml import lint as fast_lint

from reconciler.yamlio.pyyaml import Marks

# -- keys given twice ---------------------------------------------------------------------------------
#
# Every key of a mapping has its own `:` (its value indicator), except an explicit `? key` and an entry of
# a flow mapping without a value (`{a, b: 1}`). So a document whose text has no more colons than the
# document has keys, no `?` key, no alias (which repeats keys in the document, not in the text) and no
# flow-mapping entry without a colon has no key twice: counting proves it, in a fraction of a load. Any
# colon more (in a comment, a URL, a time of day) or a construct the count cannot see sends the document
# to the exact search, which costs about two loads: correct either way, fast for the files people write.

_EXPLICIT_KEY = re.compile(r"\?(?=\s|$)")
_ALIAS_OR_ANCHOR = re.compile(r"[*&](?=[^\s\[\]{},])")
_INDICATOR_BEFORE = frozenset(" \t\n[{,")
_COMMENT_LINE_WITH_COLON = re.compile(r"(?m)^[ \t]*#[^\n]*:[^\n]*$")
_QUOTED = re.compile(r""""(?<=[ \t\n\[{,:]")(?:[^"\\\n]|\\.)*"|'(?<=[ \t\n\[{,:]')(?:[^'\n]|'')*'""")
"""A one-line quoted scalar, where one starts: after a space, a line end or `[ { , :`. The quote comes first
and what is before it is looked behind at, so the search skips to quotes (twice as fast as matching the
character before)."""
_INNERMOST_FLOW = re.compile(r"\{[^\[\]{}\n]*\}|\[[^\[\]{}\n]*\]")
_ENTRY_WITHOUT_COLON = re.compile(
    r"\{(?:(?:[^\[\]{}\n,:]*+:[^\[\]{}\n,]*+|[^\S\n]*+),)*+[^\S\n]*+[^\[\]{}\n,:\s][^\[\]{}\n,:]*+(?:,[^\[\]{}\n]*+)?\}"
)
"""An innermost flow mapping with an entry that has no colon and is not blank: the entries before it
(each with a colon, or blank) are passed possessively, so nothing is tried twice."""


def may_repeat_keys(text: str, doc: Any) -> bool:
    """False only when `doc` (loaded from `text`) provably has no mapping with a key given twice."""
    if ("?" in text and _indicator(text, _EXPLICIT_KEY)) or (
        ("*" in text or "&" in text) and _indicator(text, _ALIAS_OR_ANCHOR)
    ):
        return True
    colons = text.count(":")
    keys = _count_keys(doc)
    rest = 0  # where the comment lines not yet counted start
    if colons > keys and text.startswith("#"):  # a first-line comment such as `# yaml-language-server: ...`
        rest = text.find("\n") + 1 or len(text)
        colons -= text.count(":", 0, rest)
    if colons > keys:
        colons -= sum(m.group().count(":") for m in _COMMENT_LINE_WITH_COLON.finditer(text, rest))
        if colons > keys:
            return True
    return "{" in text and _flow_entry_without_colon(text)


def _indicator(text: str, pattern: re.Pattern[str]) -> bool:
    """Whether `pattern` (a one-character indicator) occurs where YAML reads it as one: first on a line,
    or after a space or a flow collection's `[`, `{` or `,` (not inside a word: `cherry?` is text)."""
    return any(m.start() == 0 or text[m.start() - 1] in _INDICATOR_BEFORE for m in pattern.finditer(text))


def _count_keys(doc: Any) -> int:
    """The keys of every mapping in `doc` (a tree: aliases are ruled out before), or fewer: counted in
    orjson's text of it (twice as fast as a walk), where every key is a string followed by `":`, and a `":`
    inside a string is escaped (`\\":`); a key ending in a backslash is missed, which only sends the document
    to the exact search. A document orjson cannot write (a number beyond 64 bits) is walked."""
    if doc.__class__ is not dict:
        return _walk_keys(doc)
    try:
        written = orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return _walk_keys(doc)
    return written.count(b'":') - written.count(b'\\":')


def _walk_keys(doc: Any) -> int:
    count = 0
    todo = [doc]
    push = todo.append
    while todo:
        value = todo.pop()
        if value.__class__ is dict:
            count += len(value)
            value = value.values()
        elif value.__class__ is not list:
            continue
        for item in value:
            kind = item.__class__
            if kind is dict or kind is list:
                push(item)
    return count


def _flow_entry_without_colon(text: str) -> bool:
    """Whether a flow mapping may hold an entry without a value (`{a, a: 1}`). One-line quoted scalars become
    `0` (so a quoted brace or comma cannot pair with a real one); then the innermost flow collections are
    checked and become `0`, until no brace is left. A flow collection over several lines, or a brace the
    reduction cannot pair, counts as such an entry (the exact search decides)."""
    reduced = _QUOTED.sub("0", text) if '"' in text or "'" in text else text
    while True:
        if _ENTRY_WITHOUT_COLON.search(reduced):
            return True
        reduced, replaced = _INNERMOST_FLOW.subn("0", reduced)
        if "{" not in reduced and "}" not in reduced:
            return False
        if not replaced:
            return True


_LINT_CONFIG: list[fast_lint.LintConfig] = []


def repeated_key(text: str) -> tuple[str, int] | None:
    """The first key given twice in a mapping of `text`: (the message, the line of its second); None if none is."""
    found = _repeated_by_linter(text)
    if found is None:
        found = _repeated_by_pyyaml(text)
    if not found:
        return None
    key, line, first = found
    where = f" (first on line {first})" if first else ""
    return (f"duplicate key {key}{where}: only the last one would count; remove one of them", line)


_LINT_MESSAGE = re.compile(r"duplicate key (.*) \(first defined at line (\d+)\)")


def _repeated_by_linter(text: str) -> tuple[str, int, int | None] | tuple[()] | None:
    """fast-yaml's linter, which reads keys as its loader does (`0x1` and `1` are the same key);
    () when it finds none, None when it cannot tell."""
    try:
        diagnostics = fast_lint.lint(text, _lint_config())
    except (ValueError, TypeError, RecursionError):
        return None
    repeated = sorted(
        (d.span.start.line, d.message) for d in diagnostics if getattr(d, "code", "") == "duplicate-key"
    )
    if not repeated:
        return ()
    line, message = repeated[0]
    match = _LINT_MESSAGE.search(message)
    if match is None:
        return (message.removeprefix("duplicate key "), int(line), None)
    key = match.group(1)
    return (f'"{key[1:-1]}"' if key[:1] == key[-1:] == "'" else key, int(line), int(match.group(2)))


def _lint_config() -> fast_lint.LintConfig:
    """A linter configuration with only the duplicate-key rule on (the others cost time), made once."""
    if not _LINT_CONFIG:
        config = fast_lint.LintConfig()
        for rule in _OTHER_RULES:
            with contextlib.suppress(ValueError):  # a rule this version of fast-yaml does not have
                config = config.with_disabled_rule(rule)
        _LINT_CONFIG.append(config)
    return _LINT_CONFIG[0]


_OTHER_RULES = (
    "braces",
    "brackets",
    "colons",
    "commas",
    "comments",
    "document-start",
    "empty-lines",
    "empty-values",
    "float-values",
    "hyphens",
    "indentation",
    "key-ordering",
    "line-length",
    "new-line-at-end-of-file",
    "new-lines",
    "octal-values",
    "quoted-strings",
    "trailing-whitespace",
    "truthy",
    "anchors",
)


def _repeated_by_pyyaml(text: str) -> tuple[str, int, int | None] | tuple[()]:
    """The same search over PyYAML's nodes, comparing keys as written (for what the linter cannot read)."""
    try:
        root = yaml.compose(text, Loader=Marks)
    except (yaml.YAMLError, ValueError, RecursionError):
        return ()
    todo = [root] if root is not None else []
    found: list[tuple[int, str, int]] = []
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        found.append((line, f'"{key.value}"', seen[key.value]))
                    seen.setdefault(key.value, line)
                todo.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    if not found:
        return ()
    line, key, first = min(found)
    return (key, line, first)
