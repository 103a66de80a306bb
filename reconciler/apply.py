"""Apply a plan to a remote, bundle by bundle, writing only what the plan says.

For each bundle: fetch its rows, check each is still what the plan saw (its fingerprint), write
the planned result, move on. A row edited since the plan is skipped and reported, never
overwritten; a row that already holds the planned result (an interrupted apply run again) is
counted as done. So a failed or interrupted apply can be re-run and converges.

A plan read from a file is checked first (`check_rows`): every row it writes must pass the checks a
label file passes, or nothing is written. And a row is written only if the plan's record of it before
the change (labels and tags) is the row's, so what `show` displays is what the write does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from reconciler.canonical import row_fingerprint
from reconciler.config import DEFAULT_MAX_DELETE_SHARE
from reconciler.errors import DeletesRefused, PlanFileError
from reconciler.model import LabelRow, ObjectLabel, RowKey
from reconciler.plan import Action, Plan, RowPlan, Summary
from reconciler.plan_check import base_problem, row_problems
from reconciler.remotes.base import Remote, RowResult, RowWrite, WriteStatus
from reconciler.stale_edit import describe_edit


@dataclass(frozen=True)
class ApplyOptions:
    bundle_size: int = 100
    allow_delete: bool = False
    max_deletes: int | None = None
    max_delete_share: float = DEFAULT_MAX_DELETE_SHARE
    allow_mass_delete: bool = False
    dry_run: bool = False


@dataclass
class ApplyReport:
    written: list[RowKey] = field(default_factory=list)
    already: list[RowKey] = field(default_factory=list)
    stale: list[RowResult] = field(default_factory=list)
    failed: list[RowResult] = field(default_factory=list)
    would_write: list[RowKey] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("add", "change", "delete", "tag_changes"), 0)
    )
    """What the rows written (in a dry run, those that would be) add, change, delete and tag."""

    def count(self, row: RowPlan) -> None:
        self.counts["add"] += row.count(Action.CREATE)
        self.counts["change"] += row.count(Action.UPDATE)
        self.counts["delete"] += row.count(Action.DELETE)
        self.counts["tag_changes"] += len(row.all_tag_changes)

    @property
    def complete(self) -> bool:
        return not self.stale and not self.failed


BundleDone = Callable[[int, int, ApplyReport], None]
"""Called after each bundle with (rows done, rows in the plan, the report so far)."""


def check_deletes(summary: Summary, options: ApplyOptions) -> None:
    """Refuse, before anything is written, a plan that deletes (labels or tags) more than allowed."""
    labels, tags = summary.delete, summary.tag_removals
    what = deletes_phrase(labels, tags)
    if (labels or tags) and not options.allow_delete:
        raise DeletesRefused(
            f"the plan {what} and deletes are not allowed: re-run with --allow-delete after reviewing them"
            " (or set `prune: false` in the file to keep what it does not declare)"
        )
    if options.max_deletes is not None and labels + tags > options.max_deletes:
        raise DeletesRefused(
            f"the plan {what}, more than --max-deletes {options.max_deletes}: nothing was written"
        )
    if summary.delete_share > options.max_delete_share and not options.allow_mass_delete:
        raise DeletesRefused(
            f"the plan deletes {labels} of the {summary.managed_labels} labels the files manage"
            f" ({summary.delete_share:.0%}, more than the {options.max_delete_share:.0%} `deletes.max_share`"
            " allows): if the files really mean that, re-run with --allow-mass-delete"
        )


def deletes_phrase(labels: int, tags: int) -> str:
    """`deletes 3 labels and removes 2 tags`, naming only what there is."""
    parts = [f"deletes {labels} label{'s' if labels != 1 else ''}"] if labels else []
    if tags:
        parts.append(f"removes {tags} tag{'s' if tags != 1 else ''}")
    return " and ".join(parts) or "deletes nothing"


def check_target(plan: Plan, remote: Remote, ontology_fingerprint: str) -> None:
    if plan.remote != remote.description:
        raise PlanFileError(f"this plan was made against {plan.remote}, not {remote.description}")
    if plan.ontology != ontology_fingerprint:
        raise PlanFileError("the project's ontology changed since this plan was made: make the plan again")


MAX_PROBLEMS = 20
"""Problems `check_rows` lists before saying how many more there are."""


def check_rows(plan: Plan, remote: Remote) -> None:
    """Refuse, before anything is written, a plan that writes what the project would not accept."""
    rows = [r for r in plan.rows if r.has_changes]
    if not rows:
        return
    units = remote.list_rows(frozenset(r.key.branch for r in rows)).by_hash()
    ontology = remote.ontology()
    problems = [p for r in rows for p in row_problems(r, ontology, units.get(r.key.data_hash))]
    if problems:
        more = f"\n  ... and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
        listed = "".join(f"\n  {p}" for p in problems[:MAX_PROBLEMS])
        raise PlanFileError(
            f"this plan writes what the project does not accept, so nothing was written:{listed}{more}\n"
            "make a new plan from the label files"
        )


def apply_plan(
    plan: Plan, remote: Remote, options: ApplyOptions, on_bundle: BundleDone | None = None
) -> ApplyReport:
    check_deletes(plan.summary, options)
    rows = tuple(r for r in plan.rows if r.has_changes)
    bundles = (rows[start : start + options.bundle_size] for start in range(0, len(rows), options.bundle_size))
    return apply_bundles(bundles, len(rows), remote, options, on_bundle)


def apply_bundles(
    bundles: Iterable[Sequence[RowPlan]],
    total: int,
    remote: Remote,
    options: ApplyOptions,
    on_bundle: BundleDone | None = None,
) -> ApplyReport:
    """Write `bundles` (of `total` rows that change, checked against `check_deletes` already), one at a time."""
    report = ApplyReport()
    done = 0
    with nullcontext() if options.dry_run or not total else remote.writing():
        for bundle in bundles:
            rows = {r.key: r for r in bundle}
            writes = _bundle_writes(tuple(rows.values()), remote, report)
            if options.dry_run:
                report.would_write.extend(w.row.key for w in writes)
                for write in writes:
                    report.count(rows[write.row.key])
            elif writes:
                for result in remote.write(writes):
                    if result.status is WriteStatus.WRITTEN:
                        report.written.append(result.key)
                        report.count(rows[result.key])
                    elif result.status is WriteStatus.STALE:
                        report.stale.append(result)
                    else:
                        report.failed.append(result)
            done += len(bundle)
            if on_bundle:
                on_bundle(min(done, total), total, report)
    return report


def _bundle_writes(bundle: tuple[RowPlan, ...], remote: Remote, report: ApplyReport) -> list[RowWrite]:
    current = remote.fetch([r.key for r in bundle])
    writes = []
    for row_plan in bundle:
        row = current[row_plan.key]
        fingerprint = row_fingerprint(row)
        if fingerprint == row_plan.after:
            report.already.append(row_plan.key)
        elif fingerprint != row_plan.before and _stopped_before_its_tags(row_plan, row):
            writes.append(RowWrite(row_plan.target(row), fingerprint))  # finish what a stopped apply began
        elif fingerprint != row_plan.before:
            edit = tuple(describe_edit(row_plan, row, remote.ontology()))
            report.stale.append(
                RowResult(row_plan.key, WriteStatus.STALE, f"{row_plan.title} was edited after the plan", edit)
            )
        elif (problem := base_problem(row_plan, row)) is not None:
            report.failed.append(
                RowResult(
                    row_plan.key,
                    WriteStatus.FAILED,
                    f"{row_plan.title}: the plan does not match the row it was made against ({problem}): it was "
                    "altered after it was made, so nothing was written to this row; make a new plan",
                )
            )
        else:
            writes.append(RowWrite(row_plan.target(row), row_plan.before))
    return writes


def _stopped_before_its_tags(row_plan: RowPlan, row: LabelRow) -> bool:
    """Whether `row` holds the plan's labels with the tags the plan saw: an apply stopped between saving a row
    and tagging it (Encord keeps tags apart from labels). Undoing the plan's label changes must give back
    exactly the row the plan saw."""
    have = {label.hash: label for label in row.labels}
    seen = dict(have)
    for change in row_plan.changes:
        now = have.get(change.hash)
        if (now is None) != (change.after is None):
            return False
        if (
            now is not None
            and change.after is not None
            and replace(now, tags=()) != replace(change.after, tags=())
        ):
            return False
        if now is not None and change.before is not None and now.tags != change.before.tags:
            return False
        seen.pop(change.hash, None)
        if change.before is not None:
            seen[change.hash] = change.before
    labels = sorted(seen.values(), key=lambda label: label.hash)
    before = LabelRow(
        row.key,
        tuple(lb for lb in labels if isinstance(lb, ObjectLabel)),
        tuple(lb for lb in labels if not isinstance(lb, ObjectLabel)),
        row.tags,
        row.frame_tags,
    )
    return row_fingerprint(before) == row_plan.before
