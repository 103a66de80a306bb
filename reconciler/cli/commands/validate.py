"""`labelsync validate`: check every label file offline; exit 1 on any problem.

Offline and read-only: an existing local project is opened read-only (for its titles and frame counts),
none is created, and no file is written (not even the desired cache)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from reconciler import workflow
from reconciler.cli.output import inert, say
from reconciler.config import load_config
from reconciler.errors import InvalidInput
from reconciler.remotes.open import open_read_only


def validate(config_path: Path | None) -> None:
    config = load_config(config_path)
    remote = open_read_only(config)
    try:
        loaded = workflow.load(config, remote, cached=False)
    finally:
        if remote is not None:
            remote.close()
    for warning in loaded.warnings:
        say(f"warning: {inert(warning)}")
    errors = list(loaded.desired.errors)
    if errors:
        raise InvalidInput(errors)
    count = loaded.desired.count
    print(f"{count} label file{'s' if count != 1 else ''} valid.", file=sys.stdout)
    raise typer.Exit(0)
