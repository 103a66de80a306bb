"""`labelsync plan`: show what apply would change. Never writes to the remote."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from reconciler import workflow
from reconciler.cli.errors import EXIT_CHANGES
from reconciler.cli.output import ProgressBar, say, use_colour
from reconciler.cli.planfile_io import check_plan_path, write_plan_file
from reconciler.config import load_config
from reconciler.planfile import plan_to_dict
from reconciler.remotes.open import open_remote
from reconciler.render.json_plan import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def render(data: dict[str, object], fmt: Format) -> str:
    if fmt is Format.json:
        return render_json(data)
    if fmt is Format.markdown:
        return render_markdown(data)
    return render_text(data, colour=use_colour(sys.stdout))


def plan(
    config_path: Path | None,
    fmt: Format,
    out: Path | None,
    detailed_exitcode: bool,
    bundle_size: int | None,
    base: str = "HEAD",
) -> None:
    config = load_config(config_path)
    if out is not None:
        check_plan_path(out)
    remote = open_remote(config, say)
    bar = ProgressBar("Reading label rows")
    try:
        result = workflow.plan(config, remote, progress=bar.update, bundle_size=bundle_size, base=base)
    finally:
        bar.close()
        remote.close()
    data = plan_to_dict(result)
    if out is not None:
        write_plan_file(out, data)
        say(f"Saved the plan to {out}: apply it with `labelsync apply {out}`.")
    sys.stdout.write(render(data, fmt))
    if detailed_exitcode and result.summary.has_changes:
        raise typer.Exit(EXIT_CHANGES)
