"""The steps every command shares: load the config's labels, read the remote, plan."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.config import Config
from reconciler.desired.loading import DesiredState, build_desired, discover, read_documents
from reconciler.errors import ConfigError, InvalidInput
from reconciler.ontology import Ontology
from reconciler.plan import Plan
from reconciler.planning import Progress, make_plan, resolver
from reconciler.remotes.base import Listing, Remote
from reconciler.remotes.open import read_ontology


@dataclass(frozen=True)
class Loaded:
    desired: DesiredState
    listing: Listing | None
    ontology: Ontology
    warnings: tuple[str, ...]


def load(config: Config, remote: Remote | None) -> Loaded:
    """Read and check every label file. With a remote, resolve data units against its listing."""
    paths = discover(config.labels_dir)
    if not paths:
        raise ConfigError(
            f"no label files (*.yaml) under {config.labels_dir}: is `labels:` in labelsync.yaml right?"
        )
    documents, syntax = read_documents(paths, config.root, config.branch)
    warnings: list[str] = []
    if remote is None:
        ontology = Ontology.from_editor_dict(read_ontology(config.ontology_file))
        listing = None
    else:
        ontology = remote.ontology()
        if config.ontology_file.is_file():
            repo = Ontology.from_editor_dict(read_ontology(config.ontology_file))
            if repo.fingerprint != ontology.fingerprint:
                warnings.append(f"{config.ontology} differs from the project's ontology; the project's is used")
        branches = frozenset({d.ref.branch for d in documents if d.ref} or {config.branch})
        listing = remote.list_rows(branches)
    resolve = resolver(listing) if listing else (lambda ref: (None, None))
    desired = build_desired(
        documents,
        ontology,
        resolve,
        default_branch=config.branch,
        default_prune=config.prune,
        earlier=syntax,
    )
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
