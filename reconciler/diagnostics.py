"""Findings: problems in the desired state, collected as data rather than raised one by one."""

from __future__ import annotations

from dataclasses import dataclass, replace

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


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
