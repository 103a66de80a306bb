"""`labelsync plan`: show what apply would change. Never writes to the remote."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

from reconciler import workflow
from reconciler.cli.errors import EXIT_CHANGES
from reconciler.cli.output import ProgressBar, say, use_colour
from reconciler.config import load_config
from reconciler.planfile import plan_to_dict
from reconciler.remotes.open import open_remote
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def render(data: dict[str, object], fmt: Format) -> str:
    if fmt is Format.json:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt is Format.markdown:
        return render_markdown(data)
    return render_text(data, colour=use_colour(sys.stdout))


def plan(
    config_path: Path | None, fmt: Format, out: Path | None, detailed_exitcode: bool, bundle_size: int | None
) -> None:
    config = load_config(config_path)
    remote = open_remote(config, say)
    bar = ProgressBar("Reading label rows")
    try:
        result = workflow.plan(config, remote, progress=bar.update, bundle_size=bundle_size)
    finally:
        bar.close()
        remote.close()
    data = plan_to_dict(result)
    if out is not None:
        out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        say(f"Saved the plan to {out}: apply it with `labelsync apply {out}`.")
    sys.stdout.write(render(data, fmt))
    if detailed_exitcode and result.summary.has_changes:
        raise typer.Exit(EXIT_CHANGES)
