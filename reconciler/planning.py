"""Make a plan: desired state + a remote -> `Plan`. Reads the remote, never writes to it.

Hash-first: rows whose fingerprint already equals the one the remote lists were set aside by
the loader (`DesiredState.unchanged`) and are never fetched. Only the other rows are fetched, in
bundles, and diffed. `plan_bundles` yields the changes a bundle at a time, so a caller that need not hold
the whole plan (apply) does not; `plan_of` makes the `Plan` of what they gave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from reconciler.desired.label_file import LabelFile
from reconciler.desired.loading import Deferred, DesiredState
from reconciler.diff import BaseReader, diff_row, needs_base, protected_warnings
from reconciler.model import LabelRow, RowKey
from reconciler.ontology import Ontology
from reconciler.plan import Plan, RowPlan
from reconciler.remotes.base import Listing, Remote

Progress = Callable[[int, int], None]
"""Called with (rows done, rows to do) as bundles complete."""


@dataclass
class Tally:
    """What planning counts besides the rows, filled in as `plan_bundles` goes."""

    unchanged: int = 0
    managed_labels: int = 0
    warnings: list[str] = field(default_factory=list)


def plan_bundles(
    desired: DesiredState,
    remote: Remote,
    listing: Listing,
    ontology: Ontology,
    tally: Tally,
    *,
    bundle_size: int,
    progress: Progress | None = None,
    base: BaseReader | None = None,
) -> Iterator[list[RowPlan]]:
    """The rows that change, a bundle at a time (in the files' order): only a bundle's files are held parsed
    at once when the loader deferred them. `base` reads the last committed version of the files whose rows
    need it (`diff.needs_base`)."""
    units = listing.by_hash()
    tally.unchanged += len(desired.unchanged)
    tally.managed_labels += sum(u.labels for u in desired.unchanged)
    to_fetch: list[LabelFile | Deferred] = []
    named: list[LabelFile | Deferred] = [*desired.files, *desired.deferred]
    for item in named:
        key = _key(item)
        empty = item.empty if isinstance(item, Deferred) else item.row == LabelRow(key)
        if key not in listing.rows and empty:
            tally.unchanged += 1  # an empty file for a row that does not exist yet
        else:
            to_fetch.append(item)

    bundles = [to_fetch[start : start + bundle_size] for start in range(0, len(to_fetch), bundle_size)]
    existing = [[key for key in map(_key, bundle) if key in listing.rows] for bundle in bundles]
    for number, (some, fetched) in enumerate(zip(bundles, remote.fetch_bundles(existing), strict=True)):
        bundle = desired.parsed(some)
        wanted = [f for f in bundle if needs_base(f, fetched.get(f.row.key, LabelRow(f.row.key)))]
        bases = base(wanted) if base and wanted else {}
        rows: list[RowPlan] = []
        for label_file in bundle:
            key = label_file.row.key
            current = fetched.get(key, LabelRow(key))
            tally.managed_labels += len(current.labels)
            listed = listing.rows.get(key)
            row_plan = diff_row(
                label_file,
                current,
                ontology,
                title=units[key.data_hash].title if key.data_hash in units else str(key),
                label_hash=listed.label_hash if listed else None,
                base=bases.get(label_file.path),
            )
            if row_plan is None:
                tally.unchanged += 1
            else:
                rows.append(row_plan)
        tally.warnings.extend(protected_warnings(rows))
        if progress:
            progress(min((number + 1) * bundle_size, len(to_fetch)), len(to_fetch))
        yield rows


def _key(item: LabelFile | Deferred) -> RowKey:
    return item.key if isinstance(item, Deferred) else item.row.key


def plan_of(
    rows: Sequence[RowPlan],
    tally: Tally,
    desired: DesiredState,
    remote: Remote,
    listing: Listing,
    ontology: Ontology,
    warnings: tuple[str, ...],
) -> Plan:
    """The plan of `rows`, once `plan_bundles` has counted everything else into `tally`."""
    managed = {key.data_hash for key in desired.keys}
    unmanaged = sum(1 for unit in listing.data_units if unit.hash not in managed)
    return Plan(
        remote=remote.description,
        ontology=ontology.fingerprint,
        ontology_editor=ontology.editor,
        rows=tuple(sorted(rows, key=lambda r: r.file)),
        unchanged_rows=tally.unchanged,
        unmanaged_rows=unmanaged,
        managed_labels=tally.managed_labels,
        warnings=(*warnings, *tally.warnings),
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
