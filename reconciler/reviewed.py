"""Is this saved plan the reviewed one? Checked before apply opens the remote.

A plan is reviewed in a pull request and applied after merge, by the commit it records: `apply --commit SHA`
refuses (exit 3, nothing written) a plan made at another commit, or from files not committed at it. Label
files that changed since the plan are no reason to refuse: apply writes the plan, never the files, and each
row it writes is checked against the row the plan saw. They are said, so that no one takes the apply for
one of the files: what they add is for the next plan.
"""

from __future__ import annotations

from reconciler.config import Config
from reconciler.desired.loading import label_file_names, read_sources
from reconciler.desired.signatures import FILE as SIGNATURES_FILE
from reconciler.desired.signatures import Signatures
from reconciler.errors import NotReviewed
from reconciler.plan import Plan
from reconciler.provenance import PlanSource, files_digest

_REPLAN = "make a new plan from committed files (`labelsync plan --out`) and have it reviewed"


def check_reviewed(plan: Plan, config: Config, expected_commit: str | None) -> list[str]:
    """Raise `NotReviewed` unless, with `expected_commit`, `plan` was made at that commit from its files alone.
    Returns warnings: the label files differ from the ones the plan was made from."""
    source = plan.source
    if expected_commit is not None:
        _check_commit(source, expected_commit.strip().lower())
    if source is not None and current_digest(config, source.paths) != source.files_digest:
        return [
            "the label files differ from the ones this plan was made from (edited since, or another change merged):"
            " apply writes the plan as it was reviewed; run `labelsync plan` afterwards for what the files add"
        ]
    return []


def _check_commit(source: PlanSource | None, expected: str) -> None:
    if source is None or source.commit is None:
        raise NotReviewed(
            f"--commit {expected[:12]}: this plan records no git commit, so it cannot be shown to be"
            " the reviewed one: make it with labelsync 1.2 or later inside the git repository"
        )
    if len(expected) < 7 or not source.commit.startswith(expected):
        raise NotReviewed(
            f"this plan was made at commit {source.commit[:12]}, not {expected[:12]}: it is not the plan reviewed"
            " for that commit; apply the plan its pull request's plan job saved"
        )
    if source.dirty:
        raise NotReviewed(
            f"this plan was made from label files with changes not committed at {source.commit[:12]}: {_REPLAN}"
        )


def current_digest(config: Config, paths: tuple[str, ...] = ()) -> str:
    """The digest of the label files now on disk (of `paths` only, for a partial plan)."""
    known = Signatures(config.path(SIGNATURES_FILE), config.root, read_only=True)  # files as they were: no read
    sources, _ = read_sources(label_file_names(config.labels_dir), config.root, config.limits, known)
    prefixes = tuple(p.rstrip("/") for p in paths)
    return files_digest(
        (s.name, s.digest)
        for s in sources
        if not prefixes or any(s.name == p or s.name.startswith(p + "/") for p in prefixes)
    )
