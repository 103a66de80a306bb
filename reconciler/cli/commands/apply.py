"""`labelsync apply [PLAN_FILE]`: write a reviewed plan (or a fresh one) to the remote in bundles.

`--format json` prints the result as one JSON document on stdout (the plan made now, and notices, go to
stderr); the exit code is the same in both formats. `--commit SHA` applies a saved plan only if it was made
at that git commit from committed files (`reconciler.reviewed`), checked before the remote is opened.
`--shard K/N` plans and applies shard K of N of the rows, or, with a saved plan, refuses the plan of any
other shard (or of every row).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from contextlib import ExitStack
from enum import Enum
from pathlib import Path
from typing import IO, Any

import typer

from reconciler import workflow
from reconciler.apply import (
    ApplyOptions,
    ApplyReport,
    apply_bundles,
    apply_plan,
    check_deletes,
    check_rows,
    check_target,
)
from reconciler.cli.commands.plan import unmanaged_note
from reconciler.cli.output import ProgressBar, plural, quiet, say, use_colour
from reconciler.cli.planfile_io import read_plan_file
from reconciler.config import load_config
from reconciler.errors import ConfigError, LabelsyncError, PlanFileError, StaleRows
from reconciler.model import RowKey
from reconciler.plan import Plan, RowPlan
from reconciler.planfile import row_to_dict, summary_to_dict
from reconciler.remotes.base import RowResult
from reconciler.remotes.open import open_remote
from reconciler.render.json_plan import render_json
from reconciler.render.text import text_foot, text_head, text_row, text_warnings
from reconciler.reviewed import check_reviewed
from reconciler.shards import Shard
from reconciler.shown import Shown, show


class ApplyFormat(str, Enum):
    text = "text"
    json = "json"


def apply(
    plan_file: Path | None,
    config_path: Path | None,
    dry_run: bool,
    bundle_size: int | None,
    allow_delete: bool | None,
    max_deletes: int | None,
    yes: bool,
    allow_mass_delete: bool = False,
    fmt: ApplyFormat = ApplyFormat.text,
    expected_commit: str | None = None,
    shard: str | None = None,
) -> None:
    config = load_config(config_path)
    cut = Shard.parse(shard) if shard is not None else None
    options = ApplyOptions(
        bundle_size=bundle_size or config.bundle_size,
        allow_delete=config.allow_delete if allow_delete is None else allow_delete,
        max_deletes=config.max_deletes if max_deletes is None else max_deletes,
        max_delete_share=config.max_delete_share,
        allow_mass_delete=allow_mass_delete,
        dry_run=dry_run,
    )
    if expected_commit is not None and plan_file is None:
        raise ConfigError("--commit checks a saved plan: give the plan file made in the reviewed pull request")
    saved = read_plan_file(plan_file) if plan_file is not None else None  # a damaged file: before the remote
    if saved is not None and cut is not None:
        check_shard(saved, cut)
    if saved is not None:
        for warning in check_reviewed(saved, config, expected_commit):
            say(f"warning: {warning}")
    as_json = fmt is ApplyFormat.json
    remote = open_remote(config, say)
    with ExitStack() as stack:
        stack.callback(remote.close)
        if saved is not None:
            check_target(saved, remote, remote.ontology().fingerprint)
            check_rows(saved, remote)
            summary, titles = saved.summary, {row.key: row.title for row in saved.rows}
        else:
            planning = workflow.planning(config, remote, bundle_size=options.bundle_size, shard=cut)
            shown = _show(planning, as_json, stack.enter_context(tempfile.TemporaryFile()))
            summary, titles = shown.summary, shown.titles
        if not summary.has_changes:
            if as_json:
                sys.stdout.write(render_json(json_report(titles, ApplyReport(), options, 0.0)))
            else:
                print("Nothing to apply.")
            return
        check_deletes(summary, options)
        if not dry_run and not yes:
            _confirm(summary.rows)
        bar = ProgressBar("Applying")

        def on_bundle(done: int, total: int, _: ApplyReport) -> None:
            bar.update(done, total, "rows")

        try:
            if saved is not None:
                report = apply_plan(saved, remote, options, on_bundle=on_bundle)
            else:
                bundles = shown.bundles(options.bundle_size)
                report = apply_bundles(bundles, summary.rows, remote, options, on_bundle)
        finally:
            bar.close()
    if as_json:
        sys.stdout.write(render_json(json_report(titles, report, options, bar.elapsed)))
    else:
        print(_report(report, options, bar.elapsed))
    for stale in report.stale:
        say(
            f"skipped: {stale.message}; nothing was overwritten. Run `labelsync plan` to see the edit.",
            important=True,
        )
        for line in stale.details:
            say(f"  {line}", important=True)
    for failed in report.failed:
        say(f"failed: {failed.message}", important=True)
    if report.failed:
        raise LabelsyncError(
            f"{plural(len(report.failed), 'label row')} could not be written: fix what the messages above say "
            "if they name a problem in the files, then run apply again (rows already written stay written)"
        )
    if report.stale:
        rows = plural(len(report.stale), "row")
        were = "was" if len(report.stale) == 1 else "were"
        raise StaleRows(f"{rows} changed on the remote after the plan and {were} skipped")


def check_shard(plan: Plan, shard: Shard) -> None:
    """`apply PLAN --shard K/N`: refuse, before the remote is opened, a plan that is not of that shard."""
    made = plan.source.shard if plan.source is not None else None
    if made is None:
        raise PlanFileError(
            f"--shard {shard}: this plan is of every row, not of shard {shard}: apply it without --shard, or"
            f" apply the plan `labelsync plan --shard {shard}` saved"
        )
    if (made.k, made.n) != (shard.k, shard.n):
        raise PlanFileError(
            f"--shard {shard}: this is the plan of shard {made.k}/{made.n}, not {shard}: apply each shard's own plan"
            " (in a CI matrix, the artifact of the same matrix entry)"
        )


def _confirm(rows: int) -> None:
    if not sys.stdin.isatty():
        raise LabelsyncError("refusing to apply without confirmation in a non-interactive run: add --yes")
    if not typer.confirm(f"Apply these changes to {plural(rows, 'label row')}?", err=True):
        raise LabelsyncError("apply cancelled: nothing was written")


def _show(planning: workflow.Planning, as_json: bool, spill: IO[bytes]) -> Shown:
    """Stream the plan to stdout, a row at a time (to stderr with --format json, where --quiet hides it)."""
    out = sys.stderr if as_json else sys.stdout
    visible = not (as_json and quiet())
    colour = use_colour(out)
    if visible:
        out.write(text_head({"remote": planning.remote.description, "warnings": planning.warnings}, colour))

    def on_row(row: RowPlan) -> None:
        if visible:
            out.write(text_row(row_to_dict(row), colour))

    bar = ProgressBar("Reading label rows")
    try:
        shown = show(planning, on_row, spill, bar.update)
    finally:
        bar.close()
    if visible:
        late = shown.plan.warnings[len(planning.warnings) :]  # known once every bundle is diffed
        out.write(text_warnings(late, colour) + text_foot({"summary": summary_to_dict(shown.summary)}, colour))
    note = unmanaged_note(shown.summary.unmanaged_rows)
    if note is not None:
        say(note)
    return shown


def _report(report: ApplyReport, options: ApplyOptions, seconds: float) -> str:
    if options.dry_run:
        return f"Dry run: {plural(len(report.would_write), 'label row')} would be written; nothing was written."
    c = report.counts
    counts = (
        f"{c['add']} added, {c['change']} changed, {c['delete']} deleted, {plural(c['tag_changes'], 'tag change')}"
    )
    parts = [f"{plural(len(report.written), 'label row')} written ({counts})"]
    if report.already:
        parts.append(f"{len(report.already)} already up to date")
    if report.stale:
        parts.append(f"{len(report.stale)} skipped (edited after the plan)")
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    return f"Apply complete: {', '.join(parts)} in {seconds:.1f}s."


def json_report(
    titles: Mapping[RowKey, str], report: ApplyReport, options: ApplyOptions, seconds: float
) -> dict[str, Any]:
    """`apply --format json`: what was written, already done, skipped (edited after the plan) and failed."""

    def results(found: list[RowResult]) -> list[dict[str, Any]]:
        return [
            {
                "row": str(r.key),
                "title": titles.get(r.key, str(r.key)),
                "reason": r.message,
                "edits": list(r.details),
            }
            for r in found
        ]

    written = report.would_write if options.dry_run else report.written
    return {
        "dry_run": options.dry_run,
        "written": 0 if options.dry_run else len(report.written),
        "would_write": len(report.would_write),
        "already": len(report.already),
        "skipped": results(report.stale),
        "failed": results(report.failed),
        "summary": {**report.counts, "rows": len(written), "seconds": round(seconds, 3)},
    }
