"""Findings: problems in the desired state, collected as data rather than raised one by one."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

PathPart = str | int
FieldPath = tuple[PathPart, ...]


def format_path(path: FieldPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, located as precisely as we can: file, line and field."""

    file: str
    path: FieldPath
    message: str
    line: int | None = None
    severity: str = "error"

    @property
    def field(self) -> str:
        return format_path(self.path)

    def at_line(self, line: int | None) -> Finding:
        return replace(self, line=line)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.path else ""
        return f"{where}:{field} {self.message}"


def shown(value: Any, limit: int = 60) -> str:
    """A value from a file as a message shows it: NaN and infinity as YAML writes them, and at most
    `limit` characters (a 5 MB string is not echoed)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if value != value else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of {len(str(abs(value)))} digits" if value.bit_length() < 10_000 else "a huge number"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def brief(value: Any, limit: int = 60) -> str:
    """A name from a file (a key, a class, a frame) as a message quotes it: as text, at most `limit` characters."""
    text = value if isinstance(value, str) else shown(value, limit)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
