"""All label files under a directory -> `DesiredState`: parsed rows plus every finding, located.

Reading happens in two steps because a file names its data unit by title or hash: first the YAML
is parsed (so the caller can ask the remote about the data units and branches named), then each
document is turned into a row against its data unit. Line numbers are looked up only for files
that have findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reconciler import yamlio
from reconciler.desired.label_file import DataRef, LabelFile, parse_label_file, read_ref
from reconciler.diagnostics import Finding
from reconciler.model import DataUnit
from reconciler.ontology import Ontology

NOT_LABEL_FILES = ("manifest.yaml", "manifest.yml")

Resolver = Callable[[DataRef], "tuple[DataUnit | None, str | None]"]
"""Finds a file's data unit: (unit, None), (None, why not), or (None, None) when unknown offline."""


@dataclass(frozen=True)
class Document:
    path: Path
    name: str
    """The path as shown to people: relative to the repository root."""
    text: str
    doc: Any
    ref: DataRef | None


@dataclass(frozen=True)
class DesiredState:
    files: tuple[LabelFile, ...]
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


def discover(labels_dir: Path) -> list[Path]:
    if not labels_dir.is_dir():
        return []
    return sorted(
        p
        for p in (*labels_dir.rglob("*.yaml"), *labels_dir.rglob("*.yml"))
        if p.name not in NOT_LABEL_FILES and not p.name.startswith("_")
    )


def read_documents(paths: Iterable[Path], root: Path, default_branch: str) -> tuple[list[Document], list[Finding]]:
    documents, findings = [], []
    for path in paths:
        name = _display(path, root)
        try:
            text = path.read_text(encoding="utf-8")
            doc = yamlio.load(text)
        except UnicodeDecodeError:
            findings.append(Finding(name, (), "not UTF-8 text"))
            continue
        except yamlio.YamlSyntaxError as exc:
            findings.append(Finding(name, (), f"invalid YAML: {exc}", line=exc.line))
            continue
        documents.append(Document(path, name, text, doc, read_ref(doc, default_branch)))
    return documents, findings


def build_desired(
    documents: list[Document],
    ontology: Ontology,
    resolve: Resolver,
    *,
    default_branch: str = "main",
    default_prune: bool = True,
    earlier: Iterable[Finding] = (),
) -> DesiredState:
    files: list[LabelFile] = []
    findings: list[Finding] = list(earlier)
    for document in documents:
        unit, problem = resolve(document.ref) if document.ref else (None, None)
        if problem:
            field = "data" if document.ref and document.ref.title is not None else "data_hash"
            findings.append(Finding(document.name, (field,), problem))
            continue
        label_file, file_findings = parse_label_file(
            document.name,
            document.doc,
            ontology,
            unit,
            default_branch=default_branch,
            default_prune=default_prune,
            base_dir=document.path.parent,
        )
        findings.extend(file_findings)
        if label_file is not None and not file_findings:
            files.append(label_file)
    findings.extend(_same_row_twice(files))
    return DesiredState(tuple(files), tuple(_with_lines(findings, documents)))


def _same_row_twice(files: list[LabelFile]) -> list[Finding]:
    first: dict[Any, LabelFile] = {}
    findings = []
    for label_file in files:
        other = first.setdefault(label_file.row.key, label_file)
        if other is not label_file:
            findings.append(
                Finding(
                    label_file.path,
                    ("data" if label_file.ref.title is not None else "data_hash",),
                    f"{other.path} already declares the label row of {label_file.ref}: keep one file per data unit and branch",
                )
            )
    return findings


def _with_lines(findings: list[Finding], documents: list[Document]) -> list[Finding]:
    texts = {d.name: d.text for d in documents}
    by_file: dict[str, list[int]] = {}
    for index, finding in enumerate(findings):
        if finding.line is None and finding.file in texts:
            by_file.setdefault(finding.file, []).append(index)
    located = list(findings)
    for name, indexes in by_file.items():
        lines = yamlio.lines_of(texts[name], [findings[i].path for i in indexes])
        for index, line in zip(indexes, lines, strict=True):
            located[index] = replace(findings[index], line=line)
    return located


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
