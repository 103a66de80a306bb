"""`labelsync apply [PLAN_FILE]`: write a reviewed plan (or a fresh one) to the remote in bundles."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from reconciler import workflow
from reconciler.apply import ApplyOptions, ApplyReport, apply_plan, check_deletes, check_rows, check_target
from reconciler.cli.output import ProgressBar, plural, say, use_colour
from reconciler.cli.planfile_io import read_plan_file
from reconciler.config import load_config
from reconciler.errors import LabelsyncError, StaleRows
from reconciler.plan import Action, Plan
from reconciler.planfile import plan_to_dict
from reconciler.remotes.open import open_remote
from reconciler.render.text import render_text


def apply(
    plan_file: Path | None,
    config_path: Path | None,
    dry_run: bool,
    bundle_size: int | None,
    allow_delete: bool | None,
    max_deletes: int | None,
    yes: bool,
    allow_mass_delete: bool = False,
) -> None:
    config = load_config(config_path)
    options = ApplyOptions(
        bundle_size=bundle_size or config.bundle_size,
        allow_delete=config.allow_delete if allow_delete is None else allow_delete,
        max_deletes=config.max_deletes if max_deletes is None else max_deletes,
        max_delete_share=config.max_delete_share,
        allow_mass_delete=allow_mass_delete,
        dry_run=dry_run,
    )
    saved = read_plan_file(plan_file) if plan_file is not None else None  # a damaged file: before the remote
    remote = open_remote(config, say)
    try:
        if saved is not None:
            plan = saved
            check_target(plan, remote, remote.ontology().fingerprint)
            check_rows(plan, remote)
        else:
            bar = ProgressBar("Reading label rows")
            plan = workflow.plan(config, remote, progress=bar.update, bundle_size=options.bundle_size)
            bar.close()
            sys.stdout.write(render_text(plan_to_dict(plan), colour=use_colour(sys.stdout)))
        if not plan.summary.has_changes:
            print("Nothing to apply.")
            return
        check_deletes(plan, options)
        if not dry_run and not yes:
            _confirm(plan.summary.rows)
        bar = ProgressBar("Applying")
        report = apply_plan(
            plan, remote, options, on_bundle=lambda done, total, _: bar.update(done, total, "rows")
        )
        bar.close()
    finally:
        remote.close()
    print(_report(plan, report, options, bar.elapsed))
    for stale in report.stale:
        say(f"skipped: {stale.message}; nothing was overwritten. Run `labelsync plan` to see the edit.")
    for failed in report.failed:
        say(f"failed: {failed.message}")
    if report.failed:
        raise LabelsyncError(
            f"{plural(len(report.failed), 'label row')} could not be written: fix what the messages above say "
            "if they name a problem in the files, then run apply again (rows already written stay written)"
        )
    if report.stale:
        raise StaleRows(f"{len(report.stale)} row(s) changed on the remote after the plan and were skipped")


def _confirm(rows: int) -> None:
    if not sys.stdin.isatty():
        raise LabelsyncError("refusing to apply without confirmation in a non-interactive run: add --yes")
    if not typer.confirm(f"Apply these changes to {plural(rows, 'label row')}?"):
        raise LabelsyncError("apply cancelled: nothing was written")


def _report(plan: Plan, report: ApplyReport, options: ApplyOptions, seconds: float) -> str:
    if options.dry_run:
        return f"Dry run: {plural(len(report.would_write), 'label row')} would be written; nothing was written."
    written = set(report.written)
    rows = [r for r in plan.rows if r.key in written]
    counts = (
        f"{sum(r.count(Action.CREATE) for r in rows)} added, {sum(r.count(Action.UPDATE) for r in rows)} changed, "
        f"{sum(r.count(Action.DELETE) for r in rows)} deleted, {sum(len(r.all_tag_changes) for r in rows)} tag changes"
    )
    parts = [f"{plural(len(report.written), 'label row')} written ({counts})"]
    if report.already:
        parts.append(f"{len(report.already)} already up to date")
    if report.stale:
        parts.append(f"{len(report.stale)} skipped (edited after the plan)")
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    return f"Apply complete: {', '.join(parts)} in {seconds:.1f}s."
