"""Where a plan came from: the git commit it was made at and a digest of the label files it read.

A saved plan is reviewed in a pull request and applied after merge. Apply uses this record to refuse a plan
that is not the reviewed one for the files at hand: made at another commit (`apply --commit`), or from label
files that differ from the ones checked out (another change merged since). The digest is pure; git's answers are
read here (`commit_of`) and asked by the shell while it plans (`reconciler.git.Later`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_SHARDS = 256
"""The most shards a plan is cut into (`--shard K/N`, N <= this)."""


@dataclass(frozen=True)
class ShardSource:
    """The shard a plan is of (`plan --shard K/N`, reconciler/shards.py)."""

    k: int
    n: int
    basis: str
    """A digest of the data hashes the shards were cut from: shards of one plan share it."""


@dataclass(frozen=True)
class PlanSource:
    files_digest: str
    """sha256 over each label file's path and content digest, in path order."""
    files: int
    """How many label files were read."""
    commit: str | None = None
    """`git rev-parse HEAD` when the plan was made; None outside a git repository."""
    dirty: bool = False
    """The label files (or the config) differed from that commit: the plan is not of a commit alone."""
    paths: tuple[str, ...] = ()
    """The PATH arguments a partial plan was made for; empty for a plan of every label file."""
    shard: ShardSource | None = None
    """The shard a sharded plan is of; None for a plan of every row. `files_digest` is over every label
    file in either case (a shard reads them all to know which are its own)."""


def files_digest(files: Iterable[tuple[str, str]]) -> str:
    """The digest of label files given as (path as shown, content digest)."""
    hasher = hashlib.sha256()
    for name, digest in sorted(files):
        hasher.update(f"{name}\0{digest}\n".encode())
    return hasher.hexdigest()


HEAD_ARGS = ("rev-parse", "--verify", "--quiet", "HEAD")


def status_args(*watched: Path) -> tuple[str, ...]:
    return ("status", "--porcelain", "--untracked-files=all", "--", *(str(p) for p in watched))


def commit_of(head: str | None, status: str | None) -> tuple[str | None, bool]:
    """(HEAD's commit, whether the watched paths differ from it) from git's answers to `HEAD_ARGS` and
    `status_args`; (None, False) outside git."""
    if head is None:
        return None, False
    return head.strip(), bool(status and status.strip())
