"""`labelsync validate`: check every label file offline; exit 1 on any problem.

Offline and read-only: an existing local project is opened read-only (for its titles and frame counts),
none is created, and no file is written (not even the desired cache). A file the desired cache, or the local
project's memory of the content each row was written from, knows to be clean (these bytes, this data unit and
ontology) is not parsed again: it had no finding then, so it has none now.

`--format json` prints one JSON document (`{"valid", "files", "findings", "warnings"}`) and `--format
github` one GitHub workflow annotation per finding (`::error file=...,line=...::...`), on stdout; the exit
code is the same in every format.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from reconciler import workflow
from reconciler.cli.errors import EXIT_ERROR, EXIT_OK, annotated
from reconciler.cli.output import inert, plural, say
from reconciler.config import load_config
from reconciler.diagnostics import Finding
from reconciler.errors import InvalidInput
from reconciler.remotes.open import open_read_only
from reconciler.render import github
from reconciler.render.json_plan import render_json


class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


def validate(config_path: Path | None, fmt: ValidateFormat = ValidateFormat.text) -> None:
    with annotated(fmt is ValidateFormat.github):
        loaded = _load(config_path)
    findings = list(loaded.desired.findings)
    errors = [f for f in findings if f.severity == "error"]
    stated = {str(f) for f in findings if f.severity != "error"}
    other = [w for w in loaded.warnings if w not in stated]
    if fmt is ValidateFormat.text:
        for warning in loaded.warnings:
            say(f"warning: {inert(warning)}")
        if errors:
            raise InvalidInput(errors)
        print(f"{plural(loaded.desired.count, 'label file')} valid.", file=sys.stdout)
        raise typer.Exit(EXIT_OK)
    if fmt is ValidateFormat.json:
        sys.stdout.write(render_json(report(findings, other, len(loaded.files))))
    else:
        sys.stdout.write(github.render_findings(findings, other))
    if errors:
        say(f"{plural(len(errors), 'problem')} in the label files.")
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_OK)


def _load(config_path: Path | None) -> workflow.Loaded:
    config = load_config(config_path)
    remote = open_read_only(config)
    try:
        return workflow.load(config, remote, checks_only=True)
    finally:
        if remote is not None:
            remote.close()


def report(findings: list[Finding], warnings: list[str], files: int) -> dict[str, Any]:
    """`validate --format json`: findings (errors and warnings) by file and line, and the warnings about
    no one file."""
    return {
        "valid": not any(f.severity == "error" for f in findings),
        "files": files,
        "findings": [
            {
                "file": f.file,
                "line": f.line,
                "field": f.field or None,
                "severity": f.severity,
                "message": f.message,
            }
            for f in findings
        ],
        "warnings": list(warnings),
    }
