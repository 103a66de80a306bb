"""Apply a plan to a remote, bundle by bundle, writing only what the plan says.

For each bundle: fetch its rows, check each is still what the plan saw (its fingerprint), write
the planned result, move on. A row edited since the plan is skipped and reported, never
overwritten; a row that already holds the planned result (an interrupted apply run again) is
counted as done. So a failed or interrupted apply can be re-run and converges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reconciler.canonical import row_fingerprint
from reconciler.errors import DeletesRefused, PlanFileError
from reconciler.model import RowKey
from reconciler.plan import Plan, RowPlan
from reconciler.remotes.base import Remote, RowResult, RowWrite, WriteStatus


@dataclass(frozen=True)
class ApplyOptions:
    bundle_size: int = 100
    allow_delete: bool = False
    max_deletes: int | None = None
    dry_run: bool = False


@dataclass
class ApplyReport:
    written: list[RowKey] = field(default_factory=list)
    already: list[RowKey] = field(default_factory=list)
    stale: list[RowResult] = field(default_factory=list)
    failed: list[RowResult] = field(default_factory=list)
    would_write: list[RowKey] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.stale and not self.failed


BundleDone = Callable[[int, int, ApplyReport], None]
"""Called after each bundle with (rows done, rows in the plan, the report so far)."""


def check_deletes(plan: Plan, options: ApplyOptions) -> None:
    """Refuse, before anything is written, a plan that deletes more than allowed."""
    deletes = plan.deletes
    if deletes and not options.allow_delete:
        raise DeletesRefused(
            f"the plan deletes {deletes} label{'s' if deletes != 1 else ''} and deletes are not allowed: "
            "re-run with --allow-delete after reviewing them (or set `prune: false` in the file to keep them)"
        )
    if options.max_deletes is not None and deletes > options.max_deletes:
        raise DeletesRefused(
            f"the plan deletes {deletes} labels, more than --max-deletes {options.max_deletes}: nothing was written"
        )


def check_target(plan: Plan, remote: Remote, ontology_fingerprint: str) -> None:
    if plan.remote != remote.description:
        raise PlanFileError(f"this plan was made against {plan.remote}, not {remote.description}")
    if plan.ontology != ontology_fingerprint:
        raise PlanFileError("the project's ontology changed since this plan was made: make the plan again")


def apply_plan(
    plan: Plan, remote: Remote, options: ApplyOptions, on_bundle: BundleDone | None = None
) -> ApplyReport:
    check_deletes(plan, options)
    report = ApplyReport()
    rows = tuple(r for r in plan.rows if r.has_changes)
    for start in range(0, len(rows), options.bundle_size):
        bundle = rows[start : start + options.bundle_size]
        writes = _bundle_writes(bundle, remote, report)
        if options.dry_run:
            report.would_write.extend(w.row.key for w in writes)
        elif writes:
            for result in remote.write(writes):
                if result.status is WriteStatus.WRITTEN:
                    report.written.append(result.key)
                elif result.status is WriteStatus.STALE:
                    report.stale.append(result)
                else:
                    report.failed.append(result)
        if on_bundle:
            on_bundle(min(start + options.bundle_size, len(rows)), len(rows), report)
    return report


def _bundle_writes(bundle: tuple[RowPlan, ...], remote: Remote, report: ApplyReport) -> list[RowWrite]:
    current = remote.fetch([r.key for r in bundle])
    writes = []
    for row_plan in bundle:
        row = current[row_plan.key]
        fingerprint = row_fingerprint(row)
        if fingerprint == row_plan.after:
            report.already.append(row_plan.key)
        elif fingerprint != row_plan.before:
            report.stale.append(
                RowResult(row_plan.key, WriteStatus.STALE, f"{row_plan.title} was edited after the plan")
            )
        else:
            writes.append(RowWrite(row_plan.target(row), row_plan.before))
    return writes
