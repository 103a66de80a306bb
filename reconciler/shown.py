"""Apply without a saved plan: show the plan, then write exactly what was shown, a bundle at a time.

`show` streams the plan once, each row to `on_row` as its bundle is diffed, and spills the rows that change
to `spill` (an unnamed temporary file) instead of holding them: with the loader deferring big desired states,
memory is bounded by a bundle, not by the plan. `Shown.bundles` reads them back to be written; apply checks
each row against the remote again before writing it, as it does for a saved plan.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from reconciler.model import RowKey
from reconciler.plan import Plan, RowPlan, Summary
from reconciler.planning import Progress, Tally
from reconciler.workflow import Planning


@dataclass(frozen=True)
class Shown:
    plan: Plan
    """The plan without its rows (they were shown one by one): remote, ontology, warnings."""
    summary: Summary
    titles: dict[RowKey, str]
    """Of each row that changes."""
    spill: IO[bytes] | None

    def bundles(self, bundle_size: int) -> Iterator[list[RowPlan]]:
        """The rows that change, as shown, in bundles of at most `bundle_size`."""
        assert self.spill is not None, "shown without a spill: nothing kept to write"
        self.spill.seek(0)
        pending: list[RowPlan] = []
        while True:
            try:
                pending += pickle.load(self.spill)
            except EOFError:
                break
            while len(pending) >= bundle_size:
                yield pending[:bundle_size]
                pending = pending[bundle_size:]
        if pending:
            yield pending


def show(
    planning: Planning,
    on_row: Callable[[RowPlan], None],
    spill: IO[bytes] | None,
    progress: Progress | None = None,
) -> Shown:
    """Plan a bundle at a time, each row to `on_row`; with `spill`, the rows that change kept there to write."""
    tally = Tally()
    titles: dict[RowKey, str] = {}
    counted = Summary.of(())
    for bundle in planning.bundles(tally, progress):
        bundle.sort(key=lambda r: r.file)
        for row in bundle:
            on_row(row)
        changing = [row for row in bundle if row.has_changes]
        titles.update((row.key, row.title) for row in changing)
        if spill is not None:
            pickle.dump(changing, spill, protocol=pickle.HIGHEST_PROTOCOL)
        counted = counted.plus(Summary.of(bundle))
    plan = planning.plan_of([], tally)
    return Shown(plan, plan.summary.plus(counted), titles, spill)
