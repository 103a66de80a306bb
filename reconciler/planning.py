"""Make a plan: desired state + a remote -> `Plan`. Reads the remote, never writes to it.

Hash-first: a row whose desired fingerprint equals the fingerprint the remote lists costs one
string compare and is never fetched. Only the other rows are fetched, in bundles, and diffed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from reconciler.canonical import row_fingerprint
from reconciler.desired.label_file import DataRef, LabelFile
from reconciler.desired.loading import DesiredState, Resolver
from reconciler.diff import diff_row
from reconciler.model import DataUnit, LabelRow, RowKey
from reconciler.ontology import Ontology, suggest
from reconciler.plan import Plan, RowPlan
from reconciler.remotes.base import Listing, Remote

Progress = Callable[[int, int], None]
"""Called with (rows done, rows to do) as bundles complete."""


def resolver(listing: Listing) -> Resolver:
    """Match a file's `data:` title or `data_hash:` to a data unit of the listing."""
    titles = listing.by_title()
    hashes = listing.by_hash()

    def resolve(ref: DataRef) -> tuple[DataUnit | None, str | None]:
        if ref.hash is not None:
            unit = hashes.get(ref.hash)
            return (unit, None) if unit else (None, f"no data unit with hash {ref.hash} in the project")
        units = titles.get(ref.title or "", [])
        if len(units) == 1:
            return units[0], None
        if not units:
            return None, f'no data unit titled "{ref.title}" in the project{suggest(ref.title or "", titles)}'
        return None, f'{len(units)} data units are titled "{ref.title}": name it by `data_hash:` instead'

    return resolve


def make_plan(
    desired: DesiredState,
    remote: Remote,
    listing: Listing,
    ontology: Ontology,
    *,
    bundle_size: int,
    warnings: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> Plan:
    units = listing.by_hash()
    unchanged = 0
    to_fetch: list[LabelFile] = []
    for label_file in desired.files:
        listed = listing.rows.get(label_file.row.key)
        desired_fp = row_fingerprint(label_file.row)
        if (listed is not None and listed.fingerprint == desired_fp) or (
            listed is None and desired_fp == row_fingerprint(LabelRow(label_file.row.key))
        ):
            unchanged += 1
        else:
            to_fetch.append(label_file)

    rows: list[RowPlan] = []
    for start in range(0, len(to_fetch), bundle_size):
        bundle = to_fetch[start : start + bundle_size]
        existing = [f.row.key for f in bundle if f.row.key in listing.rows]
        fetched = remote.fetch(existing) if existing else {}
        for label_file in bundle:
            key = label_file.row.key
            current = fetched.get(key, LabelRow(key))
            listed = listing.rows.get(key)
            row_plan = diff_row(
                label_file,
                current,
                ontology,
                title=units[key.data_hash].title if key.data_hash in units else str(key),
                label_hash=listed.label_hash if listed else None,
            )
            if row_plan is None:
                unchanged += 1
            else:
                rows.append(row_plan)
        if progress:
            progress(min(start + bundle_size, len(to_fetch)), len(to_fetch))

    managed = {f.row.key for f in desired.files}
    branches = {k.branch for k in managed} or {"main"}
    unmanaged = sum(1 for unit in listing.data_units for b in branches if RowKey(unit.hash, b) not in managed)
    return Plan(
        remote=remote.description,
        ontology=ontology.fingerprint,
        rows=tuple(sorted(rows, key=lambda r: r.file)),
        unchanged_rows=unchanged,
        unmanaged_rows=unmanaged,
        warnings=warnings,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
