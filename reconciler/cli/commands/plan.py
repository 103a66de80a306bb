"""`labelsync plan [PATH...]`: show what apply would change. Never writes to the remote.

PATH arguments plan some label files only (files or directories under the labels directory): the rows of
the others are neither fetched nor diffed nor shown as deletes, and the plan says it is partial.
`--shard K/N` plans shard K of N of the rows (reconciler/shards.py); `show` merges the N shards' plans.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from reconciler import workflow
from reconciler.cli.errors import EXIT_CHANGES, annotated
from reconciler.cli.output import ProgressBar, say, use_colour
from reconciler.cli.planfile_io import check_plan_path, write_plan_file
from reconciler.config import Config, load_config
from reconciler.errors import LabelsyncError
from reconciler.plan import RowPlan, Summary
from reconciler.plan_stream import PlanStream
from reconciler.planfile import plan_body, row_to_dict
from reconciler.remotes.base import Remote
from reconciler.remotes.open import open_remote
from reconciler.render import github
from reconciler.render.json_plan import printable_json, render_json
from reconciler.render.markdown import MarkdownStream, render_markdown
from reconciler.render.report import ReportRows
from reconciler.render.text import render_text, text_foot, text_head, text_row, text_warnings
from reconciler.shards import Shard
from reconciler.shown import show


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    github = "github"


def render(data: dict[str, object], fmt: Format) -> str:
    if fmt is Format.json:
        return render_json(data)
    if fmt is Format.markdown:
        return render_markdown(data)
    if fmt is Format.github:
        return github.render_plan(data)
    return render_text(data, colour=use_colour(sys.stdout))


def unmanaged_note(count: int) -> str | None:
    """What `N unmanaged` in the summary means, said once after a plan (None when there are none)."""
    if count <= 0:
        return None
    if count == 1:
        return (
            "1 unmanaged: a label row of the project that no label file names; labelsync leaves it as it is "
            "(`labelsync pull` writes a file for it)."
        )
    return (
        f"{count} unmanaged: label rows of the project that no label file names; labelsync leaves them as "
        "they are (`labelsync pull` writes files for them)."
    )


def shard_note(shard: Shard) -> str:
    """Said after the plan of a shard: what it covers, and how to see every shard's."""
    return (
        f"This is the plan of shard {shard} (1/{shard.n} of the rows, by data hash): the other shards' rows were"
        f" not read; `labelsync show` with the {shard.n} shards' plans shows them as one."
    )


def explain_unmanaged(data: Mapping[str, Any]) -> None:
    note = unmanaged_note(int(data["summary"].get("unmanaged_rows", 0)))
    if note is not None:
        say(note)


def plan(
    config_path: Path | None,
    fmt: Format,
    out: Path | None,
    detailed_exitcode: bool,
    bundle_size: int | None,
    base: str = "HEAD",
    paths: Sequence[Path] = (),
    report: Path | None = None,
    *,
    shard: str | None = None,
) -> None:
    with annotated(fmt is Format.github):
        _plan(config_path, fmt, out, detailed_exitcode, bundle_size, base, paths, report, shard)


def _plan(
    config_path: Path | None,
    fmt: Format,
    out: Path | None,
    detailed_exitcode: bool,
    bundle_size: int | None,
    base: str,
    paths: Sequence[Path],
    report: Path | None,
    shard: str | None,
) -> None:
    config = load_config(config_path)
    cut = Shard.parse(shard) if shard is not None else None
    if out is not None:
        check_plan_path(out)
    if report is not None:
        check_report_path(report)
    remote = open_remote(config, say)
    try:
        planning = workflow.planning(config, remote, bundle_size, base, only=list(paths) or None, shard=cut)
        summary = _streamed(planning, fmt, out, report)
    finally:
        remote.close()
    if cut is not None:
        say(shard_note(cut))
    if detailed_exitcode and summary.has_changes:
        raise typer.Exit(EXIT_CHANGES)


def _streamed(planning: workflow.Planning, fmt: Format, out: Path | None, report: Path | None) -> Summary:
    """The plan shown (and saved, and drawn) a row at a time as each bundle is planned: a plan too big to
    hold is never held (`PlanStream`). Text shows each row at once, and a warning known only once every row
    is diffed after the rows; markdown, GitHub annotations and the report keep only what they can show
    (`MarkdownStream`, `PlanAnnotations`, `ReportRows`)."""
    colour = use_colour(sys.stdout)
    markdown = MarkdownStream() if fmt is Format.markdown else None
    annotations = github.PlanAnnotations() if fmt is Format.github else None
    drawn = ReportRows() if report is not None else None
    if fmt is Format.text:
        sys.stdout.write(text_head({"remote": planning.remote.description, "warnings": planning.warnings}, colour))
    # the whole JSON text is spooled only when it is written out: each row costs two serialisations
    with PlanStream() if out is not None or fmt is Format.json else nullcontext() as stream:

        def on_row(row: RowPlan) -> None:
            data = row_to_dict(row)
            if stream is not None:
                stream.add(data)
            if fmt is Format.text:
                sys.stdout.write(text_row(data, colour))
            elif markdown is not None:
                markdown.add(data)
            elif annotations is not None:
                annotations.add(data)
            if drawn is not None:
                drawn.add(data)

        bar = ProgressBar("Reading label rows")
        try:
            shown = show(planning, on_row, None, bar.update)
        finally:
            bar.close()
        body = plan_body(shown.plan, shown.summary)
        if drawn is not None and report is not None:
            write_report(report, planning.config, planning.remote, body, drawn)
        if out is not None and stream is not None:
            write_plan_file(out, stream.chunks(body))
            say(f"Saved the plan to {out}: apply it with `labelsync apply {out}`.")
        if fmt is Format.text:
            late = shown.plan.warnings[len(planning.warnings) :]
            sys.stdout.write(text_warnings(late, colour) + text_foot(body, colour))
        elif markdown is not None:
            sys.stdout.write(markdown.render(body))
        elif annotations is not None:
            sys.stdout.write(annotations.render(body))
        elif stream is not None:
            for piece in stream.chunks(body):
                sys.stdout.write(printable_json(piece))
    explain_unmanaged(body)
    return shown.summary


def check_report_path(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise LabelsyncError(f"--report {directory}: not a directory (the report goes to DIR/index.html)")


def write_report(directory: Path, config: Config, remote: Remote, data: dict[str, Any], rows: ReportRows) -> None:
    """`plan --report DIR`: `reconciler.cli.plan_report.write_plan_report`, with the remote still open."""
    try:
        module = importlib.import_module("reconciler.cli.plan_report")
    except ModuleNotFoundError as exc:
        if exc.name != "reconciler.cli.plan_report":
            raise
        raise LabelsyncError("plan --report is not available in this version of labelsync") from None
    written = module.write_plan_report(directory, config, remote, data, rows)
    say(f"Wrote the plan report to {written if isinstance(written, Path) else directory / 'index.html'}.")
