"""Make a plan: desired state + a remote -> `Plan`. Reads the remote, never writes to it.

Hash-first: rows whose fingerprint already equals the one the remote lists were set aside by
the loader (`DesiredState.unchanged`) and are never fetched. Only the other rows are fetched, in
bundles, and diffed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from reconciler.desired.label_file import LabelFile
from reconciler.desired.loading import DesiredState
from reconciler.diff import BaseReader, diff_row, needs_base, protected_warnings
from reconciler.model import LabelRow
from reconciler.ontology import Ontology
from reconciler.plan import Plan, RowPlan
from reconciler.remotes.base import Listing, Remote

Progress = Callable[[int, int], None]
"""Called with (rows done, rows to do) as bundles complete."""


def make_plan(
    desired: DesiredState,
    remote: Remote,
    listing: Listing,
    ontology: Ontology,
    *,
    bundle_size: int,
    warnings: tuple[str, ...] = (),
    progress: Progress | None = None,
    base: BaseReader | None = None,
) -> Plan:
    """`base` reads the last committed version of the files whose rows need it (`diff.needs_base`)."""
    units = listing.by_hash()
    unchanged = len(desired.unchanged)
    managed_labels = sum(u.labels for u in desired.unchanged)
    to_fetch: list[LabelFile] = []
    for label_file in desired.files:
        if label_file.row.key not in listing.rows and label_file.row == LabelRow(label_file.row.key):
            unchanged += 1  # an empty file for a row that does not exist yet
        else:
            to_fetch.append(label_file)

    rows: list[RowPlan] = []
    bundles = [to_fetch[start : start + bundle_size] for start in range(0, len(to_fetch), bundle_size)]
    existing = [[f.row.key for f in bundle if f.row.key in listing.rows] for bundle in bundles]
    for number, (bundle, fetched) in enumerate(zip(bundles, remote.fetch_bundles(existing), strict=True)):
        start = number * bundle_size
        wanted = [f for f in bundle if needs_base(f, fetched.get(f.row.key, LabelRow(f.row.key)))]
        bases = base(wanted) if base and wanted else {}
        for label_file in bundle:
            key = label_file.row.key
            current = fetched.get(key, LabelRow(key))
            managed_labels += len(current.labels)
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
                unchanged += 1
            else:
                rows.append(row_plan)
        if progress:
            progress(min(start + bundle_size, len(to_fetch)), len(to_fetch))

    managed = {key.data_hash for key in desired.keys}
    unmanaged = sum(1 for unit in listing.data_units if unit.hash not in managed)
    return Plan(
        remote=remote.description,
        ontology=ontology.fingerprint,
        ontology_editor=ontology.editor,
        rows=tuple(sorted(rows, key=lambda r: r.file)),
        unchanged_rows=unchanged,
        unmanaged_rows=unmanaged,
        managed_labels=managed_labels,
        warnings=(*warnings, *protected_warnings(rows)),
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
