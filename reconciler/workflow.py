"""The steps every command shares: load the config's labels, read the remote, plan."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.config import Config
from reconciler.desired.cache import DesiredCache
from reconciler.desired.loading import (
    DesiredState,
    ParseContext,
    branches_named,
    discover,
    load_desired,
    read_sources,
)
from reconciler.errors import ConfigError, InvalidInput
from reconciler.ontology import Ontology
from reconciler.plan import Plan
from reconciler.planning import Progress, make_plan
from reconciler.remotes.base import Listing, Remote
from reconciler.remotes.open import read_ontology

CACHE_FILE = ".labelsync/desired-cache.json"


@dataclass(frozen=True)
class Loaded:
    desired: DesiredState
    listing: Listing | None
    ontology: Ontology
    warnings: tuple[str, ...]


def load(config: Config, remote: Remote | None) -> Loaded:
    """Read and check every label file; with a remote, against its data units and fingerprints."""
    paths = discover(config.labels_dir)
    if not paths:
        raise ConfigError(
            f"no label files (*.yaml) under {config.labels_dir}: is `labels:` in labelsync.yaml right?"
        )
    sources, unreadable = read_sources(paths, config.root)
    warnings: list[str] = []
    listing: Listing | None = None
    if remote is None:
        ontology = Ontology.from_editor_dict(read_ontology(config.ontology_file))
    else:
        ontology = remote.ontology()
        if config.ontology_file.is_file():
            repo = Ontology.from_editor_dict(read_ontology(config.ontology_file))
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
    desired = load_desired(
        sources, context, listed, cache=DesiredCache(config.path(CACHE_FILE)), earlier=unreadable
    )
    warnings.extend(str(f) for f in desired.findings if f.severity == "warning")
    return Loaded(desired, listing, ontology, tuple(warnings))


def plan(config: Config, remote: Remote, progress: Progress | None = None, bundle_size: int | None = None) -> Plan:
    loaded = load(config, remote)
    if loaded.desired.errors:
        raise InvalidInput(list(loaded.desired.errors))
    assert loaded.listing is not None
    return make_plan(
        loaded.desired,
        remote,
        loaded.listing,
        loaded.ontology,
        bundle_size=bundle_size or config.bundle_size,
        warnings=loaded.warnings,
        progress=progress,
    )
