"""Sharding (`plan --shard K/N`, `apply --shard K/N`): a stable 1/N of the label rows, by data hash.

A CI matrix of N runners splits a large project: runner K plans (and applies) shard K of N, and
`labelsync show plan-*.json` merges the N saved plans into the plan of every row (`merge`).

Which rows a shard holds. A data unit's shard is cut from the project's listing, not from its hash alone:
1. the data units the label files name (the managed ones, every branch of a unit together) are put in
   the order of blake2b(data hash), and that order is cut into N contiguous blocks of equal size (the
   sizes differ by at most one): block K is shard K's;
2. the other data units of the project (the unmanaged ones, which a plan only counts) are cut the same
   way among themselves, so each shard counts 1/N of them and the counts add up to the unsharded one.
A label file is in the shard of the data unit it names (read from its parsed YAML, or from the desired
cache when its bytes are known: its `data:` title is looked up in the listing). A file whose data unit
cannot be found (invalid YAML, no `data:`, an unknown or ambiguous title) is in every shard: it is an
error, and every shard reports it, as the unsharded plan would.

Why not blake2b(data hash) mod N alone: that is stable for any listing, but each shard's size is then
binomial: with 1,000 rows and N = 8 the mean is 125 and the largest shard is typically 135 to 140, more
than 1.1x the mean about half the time. Cutting the hash order into blocks makes the shards equal, and it
stays stable in the sense that matters: the same row is in the same shard for the same label files and
the same listing, in every run and on every machine (the hash is not Python's salted `hash()`). The
trade-off: membership depends on the set of data units, so adding or removing one moves each block's
boundary by at most one position, at most N - 1 other rows change shard (a plain modulus moves none).
Runners that read different listings (a data unit added between two runners' plans) would cut
differently, so each shard records a digest of what it was cut from (`basis`), and `merge` refuses
shards that were not cut from the same one: no row can be in two shards or in none of a merged plan.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from reconciler import yamlio
from reconciler.desired.cache import DesiredCache
from reconciler.desired.label_file import DataRef, read_ref
from reconciler.desired.loading import ParseContext, Source
from reconciler.errors import ConfigError, PlanFileError
from reconciler.plan import Plan
from reconciler.provenance import MAX_SHARDS, ShardSource
from reconciler.remotes.base import Listing

_SPEC = re.compile(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*")


@dataclass(frozen=True)
class Shard:
    """Shard `k` of `n` (1 <= k <= n <= MAX_SHARDS); `2/4` on the command line."""

    k: int
    n: int

    def __post_init__(self) -> None:
        if not 1 <= self.n <= MAX_SHARDS:
            raise ConfigError(f"{self}: N must be between 1 and {MAX_SHARDS}")
        if not 1 <= self.k <= self.n:
            raise ConfigError(f"{self}: K must be between 1 and N ({self.n}): shards are numbered from 1")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`K/N` as given to `--shard`; a `ConfigError` saying what is wrong otherwise."""
        match = _SPEC.fullmatch(text)
        if match is None:
            raise ConfigError(f"{text[:40]!r} is not K/N: give shard K of N, e.g. 2/4")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.k}/{self.n}"


def order(data_hash: str) -> bytes:
    """Where a data hash falls in the shard order: the same on every machine and in every run."""
    return hashlib.blake2b(data_hash.encode("utf-8"), digest_size=16).digest()


def assign(data_hashes: Iterable[str], n: int) -> dict[str, int]:
    """Each data hash's shard (1..n): the hash order cut into n contiguous blocks of equal size (+-1)."""
    ranked = sorted(set(data_hashes), key=lambda h: (order(h), h))
    total = len(ranked)
    return {data_hash: rank * n // total + 1 for rank, data_hash in enumerate(ranked)}


@dataclass(frozen=True)
class Cut:
    """What one shard holds of a listing and its label files."""

    shard: Shard
    sources: tuple[Source, ...]
    """The label files of the shard (and those whose data unit is unknown: every shard's)."""
    elsewhere: tuple[DataRef, ...]
    """The data units and branches the other shards' files declare (a deleted file whose row one of them
    declares has not left management)."""
    units: frozenset[str]
    """The data hashes of the shard's data units, managed or not."""
    basis: str
    """A digest of what the shards were cut from: the managed and the unmanaged data hashes."""

    @property
    def record(self) -> ShardSource:
        return ShardSource(self.shard.k, self.shard.n, self.basis)

    def listing(self, listing: Listing) -> Listing:
        """The listing with the shard's data units only: the planner counts unmanaged rows from it."""
        return replace(listing, data_units=tuple(u for u in listing.data_units if u.hash in self.units))


def cut(shard: Shard, sources: Sequence[Source], context: ParseContext, cache: DesiredCache | None = None) -> Cut:
    """Shard `shard` of `sources` (every label file) against the listing `context` resolves names in."""
    assert context.units is not None, "a shard is cut from a listing"
    named = []
    for source in sources:
        ref = _ref(source, cache, context.default_branch)
        unit = context.resolve(ref)[0] if ref is not None else None
        named.append((source, ref, unit.hash if unit is not None else None))
    managed = {data_hash for _, _, data_hash in named if data_hash is not None}
    unmanaged = {unit.hash for unit in context.units} - managed
    of_managed, of_unmanaged = assign(managed, shard.n), assign(unmanaged, shard.n)
    mine = {h for h, k in of_managed.items() if k == shard.k} | {
        h for h, k in of_unmanaged.items() if k == shard.k
    }
    kept, elsewhere = [], []
    for source, ref, data_hash in named:
        if data_hash is None or data_hash in mine:
            kept.append(source)
        else:
            assert ref is not None  # it named a data unit
            elsewhere.append(ref)
    return Cut(shard, tuple(kept), tuple(elsewhere), frozenset(mine), basis(managed, unmanaged))


def basis(managed: Iterable[str], unmanaged: Iterable[str]) -> str:
    hasher = hashlib.sha256()
    for group in (managed, unmanaged):
        for data_hash in sorted(group):
            hasher.update(data_hash.encode("utf-8") + b"\n")
        hasher.update(b"\0")
    return hasher.hexdigest()


def _ref(source: Source, cache: DesiredCache | None, default_branch: str) -> DataRef | None:
    """The data unit and branch a file names: from the cache for bytes it knows, else from its YAML."""
    hit = cache.get(source.name, source.digest) if cache is not None else None
    if hit is not None:
        return DataRef(hit.title, hit.data_hash, hit.branch)
    try:
        doc = yamlio.load(source.text)
    except ValueError:  # YamlSyntaxError and kin: reported when the file is parsed
        return None
    return read_ref(doc, default_branch)


# -- merging the shards' plans (`labelsync show plan-1.json plan-2.json ...`) -----------------------------


def merge(plans: Sequence[tuple[str, Plan]]) -> Plan:
    """The plan of every row from the N shards' plans, given as (file name, plan): each a shard of one
    plan (the same remote, ontology, commit, label files, N and basis) and together shards 1..N, once each."""
    if len(plans) == 1:
        return plans[0][1]
    for name, plan in plans:
        if plan.source is None or plan.source.shard is None:
            raise PlanFileError(
                f"{name} is not the plan of a shard (made without --shard): show merges the plans of"
                " `plan --shard K/N` runs, or shows one plan"
            )
    first_name, first = plans[0]
    assert first.source is not None and first.source.shard is not None
    for name, plan in plans[1:]:
        assert plan.source is not None and plan.source.shard is not None
        for what, mine, theirs in _compared(first, plan):
            if mine != theirs:
                raise PlanFileError(
                    f"{name} and {first_name} are not shards of one plan: {what} differ ({theirs} and {mine});"
                    " plan every shard again from the same commit"
                )
    n = first.source.shard.n
    seen: dict[int, str] = {}
    for name, plan in plans:
        assert plan.source is not None and plan.source.shard is not None
        k = plan.source.shard.k
        if k in seen:
            raise PlanFileError(f"{seen[k]} and {name} are both shard {k}/{n}: give each shard's plan once")
        seen[k] = name
    missing = [k for k in range(1, n + 1) if k not in seen]
    if missing:
        listed = ", ".join(f"{k}/{n}" for k in missing)
        were = "are" if len(missing) > 1 else "is"
        raise PlanFileError(
            f"shard{'s' if len(missing) > 1 else ''} {listed} {were} missing: show merges the plans of all {n}"
            " shards (every entry of the matrix)"
        )
    return _merged([plan for _, plan in sorted(plans, key=lambda p: _k(p[1]))])


def _k(plan: Plan) -> int:
    assert plan.source is not None and plan.source.shard is not None
    return plan.source.shard.k


def _compared(a: Plan, b: Plan) -> list[tuple[str, object, object]]:
    sa, sb = a.source, b.source
    assert sa is not None and sb is not None and sa.shard is not None and sb.shard is not None
    return [
        ("the remotes", a.remote, b.remote),
        ("the ontologies", a.ontology, b.ontology),
        ("the commits", sa.commit or "none", sb.commit or "none"),
        ("the label files", f"digest {sa.files_digest[:12]}", f"digest {sb.files_digest[:12]}"),
        ("the shard counts", f"N = {sa.shard.n}", f"N = {sb.shard.n}"),
        (
            "the listings they were cut from (the project's data units changed between the runs)",
            f"basis {sa.shard.basis[:12]}",
            f"basis {sb.shard.basis[:12]}",
        ),
    ]


def _merged(plans: Sequence[Plan]) -> Plan:
    first = plans[0]
    assert first.source is not None
    warnings: dict[str, None] = {}
    for plan in plans:
        warnings.update(dict.fromkeys(plan.warnings))
    return Plan(
        remote=first.remote,
        ontology=first.ontology,
        rows=tuple(sorted((row for plan in plans for row in plan.rows), key=lambda r: r.file)),
        unchanged_rows=sum(plan.unchanged_rows for plan in plans),
        unmanaged_rows=sum(plan.unmanaged_rows for plan in plans),
        warnings=tuple(warnings),
        created_at=max(plan.created_at for plan in plans),
        managed_labels=sum(plan.managed_labels for plan in plans),
        format_version=first.format_version,
        ontology_editor=first.ontology_editor,
        source=replace(first.source, shard=None),  # the same commit and label files in every shard
    )
