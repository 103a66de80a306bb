"""`labelsync validate`: check every label file offline; exit 1 on any problem."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from reconciler import workflow
from reconciler.cli.output import say
from reconciler.config import load_config
from reconciler.errors import InvalidInput
from reconciler.remotes.open import open_remote


def validate(config_path: Path | None) -> None:
    config = load_config(config_path)
    remote = open_remote(config, say) if config.remote.kind == "local" else None
    try:
        loaded = workflow.load(config, remote)
    finally:
        if remote is not None:
            remote.close()
    for warning in loaded.warnings:
        say(f"warning: {warning}")
    errors = list(loaded.desired.errors)
    if errors:
        raise InvalidInput(errors)
    count = loaded.desired.count
    print(f"{count} label file{'s' if count != 1 else ''} valid.", file=sys.stdout)
    raise typer.Exit(0)
