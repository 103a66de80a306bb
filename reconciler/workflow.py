"""The steps every command shares: load the config's labels, read the remote, plan."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler import collector, shards, subset
from reconciler.config import Config
from reconciler.desired.cache import DesiredCache
from reconciler.desired.loading import (
    DesiredState,
    ParseContext,
    branches_named,
    label_file_names,
    load_desired,
    read_sources,
)
from reconciler.desired.signatures import FILE as SIGNATURES_FILE
from reconciler.desired.signatures import Signatures
from reconciler.errors import ConfigError, InvalidInput
from reconciler.git import Later
from reconciler.git_base import GitBase
from reconciler.ontology import Ontology
from reconciler.plan import Plan, RowPlan
from reconciler.planning import Progress, Tally, plan_bundles, plan_of
from reconciler.provenance import HEAD_ARGS, PlanSource, commit_of, files_digest, status_args
from reconciler.released import deleted_args, deleted_label_files, released_warnings
from reconciler.remotes.base import Listing, Remote
from reconciler.remotes.open import load_ontology

CACHE_FILE = ".labelsync/desired-cache.json"


@dataclass(frozen=True)
class Loaded:
    desired: DesiredState
    listing: Listing | None
    ontology: Ontology
    warnings: tuple[str, ...]
    files: tuple[tuple[str, str], ...] = ()
    """(path as shown, content digest) of every label file read: what `PlanSource.files_digest` is over."""
    cut: shards.Cut | None = None
    """With a shard: the shard's files and data units (`desired` holds its files only)."""


def load(
    config: Config,
    remote: Remote | None,
    *,
    checks_only: bool = False,
    only: Sequence[Path] | None = None,
    shard: shards.Shard | None = None,
    files_read: Callable[[], None] | None = None,
) -> Loaded:
    """Read and check every label file; with a remote, against its data units and fingerprints.

    Files the desired cache (`CACHE_FILE`, or the remote's memory of what each row was written from) knows are
    clean are not parsed. `checks_only` (`validate`): only the findings are wanted, and nothing is written (no
    cache, no file signatures). `only`: the label files under these files or
    directories only (each must be under the labels directory); the first warning says so. `shard`: the
    label files of that shard only (reconciler/shards.py), chosen once the listing is read; needs a remote.
    `files_read` is called once the label files are read (planning starts git then: `reconciler.git.Later`)."""
    with collector.paused():
        return _load(config, remote, checks_only=checks_only, only=only, shard=shard, files_read=files_read)


def _load(
    config: Config,
    remote: Remote | None,
    *,
    checks_only: bool,
    only: Sequence[Path] | None,
    shard: shards.Shard | None,
    files_read: Callable[[], None] | None,
) -> Loaded:
    paths = label_file_names(config.labels_dir)
    if not paths:
        raise ConfigError(
            f"no label files (*.yaml) under {config.labels_dir}: is `labels:` in labelsync.yaml right?"
        )
    warnings: list[str] = []
    if only is not None:
        total, paths = len(paths), [str(p) for p in subset.select(config.labels_dir, list(map(Path, paths)), only)]
        warnings.append(subset.warning(len(paths), total))
    signatures = Signatures(config.path(SIGNATURES_FILE), config.root, read_only=checks_only)
    sources, unreadable = read_sources(paths, config.root, config.limits, signatures)
    if files_read is not None:
        files_read()
    listing: Listing | None = None
    if remote is None:
        ontology = load_ontology(config.ontology_file)
    else:
        ontology = remote.ontology()
        if config.ontology_file.is_file():
            repo = load_ontology(config.ontology_file)
            if repo.fingerprint != ontology.fingerprint:
                warnings.append(f"{config.ontology} differs from the project's ontology; the project's is used")
        listing = remote.list_rows(branches_named(sources, config.branch))
    context = ParseContext(
        ontology,
        listing.data_units if listing else None,
        default_branch=config.branch,
        default_prune=config.prune,
    )
    listed = {key: row.fingerprint for key, row in listing.rows.items()} if listing else None
    cache = DesiredCache(config.path(CACHE_FILE), remote, read_only=checks_only)
    files = tuple((source.name, source.digest) for source in sources)
    cut = None
    if shard is not None:
        if remote is None:
            raise ConfigError("--shard needs the remote: shards are cut from its listing")
        cut = shards.cut(shard, sources, context, cache)
        sources = list(cut.sources)
    desired = load_desired(sources, context, listed, cache=cache, earlier=unreadable, checks_only=checks_only)
    signatures.save({source.name for source in sources}, prune=only is None)
    warnings.extend(str(f) for f in desired.findings if f.severity == "warning")
    return Loaded(desired, listing, ontology, tuple(warnings), files, cut)


@dataclass(frozen=True)
class Planning:
    """What a plan is made from, once the label files are loaded and checked and the remote listed.

    `bundles` plans it a bundle at a time (and can be run again: apply streams a big plan twice, once to
    show it and once to write it); `plan` makes the whole `Plan`."""

    config: Config
    remote: Remote
    loaded: Loaded
    listing: Listing
    warnings: tuple[str, ...]
    bundle_size: int
    base: GitBase
    only: Sequence[Path] | None
    commit: tuple[str | None, bool]
    """(HEAD's commit, whether the label files or config differ from it), from git while the files loaded."""

    def bundles(self, tally: Tally, progress: Progress | None = None) -> Iterator[list[RowPlan]]:
        return plan_bundles(
            self.loaded.desired,
            self.remote,
            self.listing,
            self.loaded.ontology,
            tally,
            bundle_size=self.bundle_size,
            progress=progress,
            base=self.base,
        )

    def plan_of(self, rows: Sequence[RowPlan], tally: Tally) -> Plan:
        """The plan of `rows` (all of them, or none when only the summary is wanted) once `tally` is full."""
        desired, ontology = self.loaded.desired, self.loaded.ontology
        made = plan_of(rows, tally, desired, self.remote, self.listing, ontology, self.warnings)
        source = plan_source(self.loaded.files, self.commit)
        if self.only is not None:
            source = replace(source, paths=subset.shown(self.only, self.config.root))
        if self.loaded.cut is not None:
            source = replace(source, shard=self.loaded.cut.record)
        return replace(made, source=source)

    def plan(self, progress: Progress | None = None) -> Plan:
        tally = Tally()
        return self.plan_of([row for bundle in self.bundles(tally, progress) for row in bundle], tally)


def planning(
    config: Config,
    remote: Remote,
    bundle_size: int | None = None,
    base: str = "HEAD",
    *,
    only: Sequence[Path] | None = None,
    shard: shards.Shard | None = None,
) -> Planning:
    """Load and check the config's label files against the remote, ready to plan (`Planning`). `base` is the
    git revision deleted label files are found against (their rows leave management, and the plan warns of
    each). `only`: of the label files under these paths only (`subset`): no other row is read, and none is
    counted as unmanaged or released. `shard`: of that shard's rows only (`shards`): the other files are not
    parsed in full, fetched or diffed, and only the shard's data units are counted as unmanaged."""
    if shard is not None and only is not None:
        raise ConfigError("--shard plans a share of every label file: it cannot be combined with PATH arguments")
    deleted_files = deleted_args(config.labels_dir, base) if only is None else None
    with Later(config.root, HEAD_ARGS, status_args(*_watched(config)), deleted_files) as git:
        loaded = load(config, remote, only=only, shard=shard, files_read=git.start)
        if loaded.desired.errors:
            raise InvalidInput(list(loaded.desired.errors))
        head, status, deleted_names = git.answers()
    deleted = deleted_label_files(config.root, deleted_names, base)
    commit = commit_of(head, status)
    assert loaded.listing is not None
    declared = [*loaded.desired.refs, *(loaded.cut.elsewhere if loaded.cut else ())]
    released = released_warnings(deleted, declared, config.branch)
    listing = loaded.listing
    if only is not None:
        listing = subset.managed_only(listing, {key.data_hash for key in loaded.desired.keys})
    if loaded.cut is not None:
        listing = loaded.cut.listing(listing)
    return Planning(
        config,
        remote,
        loaded,
        listing,
        (*loaded.warnings, *released),
        bundle_size or config.bundle_size,
        GitBase(config.root, base, config.limits.label_file_bytes, config.branch),
        only,
        commit,
    )


def plan(
    config: Config,
    remote: Remote,
    progress: Progress | None = None,
    bundle_size: int | None = None,
    base: str = "HEAD",
    *,
    only: Sequence[Path] | None = None,
    shard: shards.Shard | None = None,
) -> Plan:
    """The plan for the config's label files (see `planning`)."""
    return planning(config, remote, bundle_size, base, only=only, shard=shard).plan(progress)


def plan_source(files: tuple[tuple[str, str], ...], commit: tuple[str | None, bool]) -> PlanSource:
    """Where a plan of these label files comes from: their digest and the git commit they are at (`commit_of`)."""
    head, dirty = commit
    return PlanSource(files_digest(files), len(files), head, dirty)


def _watched(config: Config) -> tuple[Path, ...]:
    """What a plan's commit is of: the label files, and the config."""
    return (config.labels_dir, *([config.source] if config.source else []))
