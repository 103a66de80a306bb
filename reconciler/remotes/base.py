"""The one interface every remote implements. The planner and apply know nothing else of a remote."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from reconciler.model import DataUnit, LabelRow, RowKey, RowListing
from reconciler.ontology import Ontology


@dataclass(frozen=True)
class Listing:
    """A project's data units, and the label rows that exist on the branches asked for."""

    data_units: tuple[DataUnit, ...]
    rows: dict[RowKey, RowListing] = field(default_factory=dict)

    def by_hash(self) -> dict[str, DataUnit]:
        return {unit.hash: unit for unit in self.data_units}


@dataclass(frozen=True)
class RowWrite:
    """Write `row` in place of the row whose fingerprint is `expected` (and only that row)."""

    row: LabelRow
    expected: str


class WriteStatus(str, Enum):
    WRITTEN = "written"
    STALE = "stale"
    FAILED = "failed"


@dataclass(frozen=True)
class RowResult:
    key: RowKey
    status: WriteStatus
    message: str = ""
    details: tuple[str, ...] = ()
    """For a stale row, what was edited on it since the plan (`stale_edit.describe_edit`), where known."""


class Remote(Protocol):
    """Read and write label rows. Bundles are the caller's business: each call is one bundle."""

    @property
    def description(self) -> str:
        """Where this is, for people: `local project .labelsync/project.db`. No credentials."""
        ...

    def ontology(self) -> Ontology: ...

    def list_rows(self, branches: frozenset[str]) -> Listing: ...

    def fetch(self, keys: Sequence[RowKey]) -> dict[RowKey, LabelRow]:
        """The rows as they are now; a row that does not exist yet comes back empty."""
        ...

    def fetch_bundles(self, bundles: Sequence[Sequence[RowKey]]) -> Iterator[dict[RowKey, LabelRow]]:
        """`fetch` of each bundle, in order; a remote may read ahead (bounded) while the caller diffs."""
        ...

    def write(self, writes: Sequence[RowWrite]) -> list[RowResult]:
        """Write each row unless its current fingerprint differs from `expected` (then STALE)."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """Held by apply around all of its writes (plan and validate never take it): the local project
        takes its apply lock, so a second apply at once fails before writing anything (`ApplyLocked`)."""
        ...

    def close(self) -> None: ...
