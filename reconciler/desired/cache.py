"""A content cache for label files: a file whose bytes, data unit and ontology have not changed
since it was last found clean need not be parsed again to know its row's fingerprint.

It lives in `.labelsync/desired-cache.json` (not committed). Only clean files are cached, and an
entry counts only when everything its result depends on is the same: the file's bytes, the data
unit it names, the ontology, the defaults, the read limits, the loader version, and the bytes of
every PNG mask the file read (an entry keeps their digests, and the masks are digested again
before the entry counts).

An entry is a fact about a file's content (these bytes, in this context, make this row fingerprint),
never about a remote row, so it may come from anywhere that kept it. A remote that remembers, per row,
the entry of the file content the row was last written from (`SourceMemory`: the local project) is a
second source of entries: a plan with no cache file (a fresh runner) then sets an unchanged file aside
with a digest and a hash compare, as a warm plan does. Whether the row is still what the file says is
the caller's hash-first check, as for any entry: the fingerprint the remote lists now must equal the
entry's (a row edited on the remote since has another).

The file holds one positional list per entry (the `FIELDS` order): parsed with orjson, 50,000 entries
load in a fraction of a second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

from reconciler.cache_file import read_cache, write_cache

LOADER_VERSION = "5"
FILE_VERSION = LOADER_VERSION + ".rows"
"""The cache file's own format (positional entries) beside the loader's version."""


def digest(text: str) -> str:
    return content_digest(text.encode())


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class CacheEntry(NamedTuple):
    """A named tuple, not a dataclass: a warm plan loads one per label file (50,000 in 0.16 s as dataclasses,
    about half that as tuples)."""

    digest: str
    context: str
    title: str | None
    data_hash: str | None
    branch: str
    row_data_hash: str
    prune: bool
    fingerprint: str
    masks: tuple[tuple[str, str], ...] = ()
    """(path relative to the label file's folder, digest) of each mask the file read."""
    labels: int = 0
    """How many labels the file declares: what a mass-delete guard measures deletes against."""


FIELDS = CacheEntry._fields


def entry_from_values(values: Iterable[Any]) -> CacheEntry:
    """An entry from its values in `FIELDS` order (a cache-file list, a database row). Raises ValueError or
    TypeError when they are not an entry's."""
    digest, context, title, data_hash, branch, row_data_hash, prune, fingerprint, masks, labels = values
    masks = tuple((str(path), str(sha)) for path, sha in masks) if masks else ()
    return CacheEntry(digest, context, title, data_hash, branch, row_data_hash, prune, fingerprint, masks, labels)


def entry_values(entry: CacheEntry) -> tuple[Any, ...]:
    return tuple(entry)


@runtime_checkable
class SourceMemory(Protocol):
    """A remote that remembers, per row, the entry of the file content the row was last written from."""

    def written_from(self) -> Mapping[tuple[str, str], CacheEntry]:
        """(file name, file digest) -> the entry recorded when a row was last written from that content."""
        ...

    def remember(self, entries: Iterable[tuple[str, CacheEntry]]) -> None:
        """(file name, entry) of files parsed now: recorded on their rows if this process writes them."""
        ...


class DesiredCache:
    def __init__(self, path: Path | None, remote: object | None = None, *, read_only: bool = False) -> None:
        """`remote`: the remote being planned against; when it is a `SourceMemory`, its entries answer
        what the cache file does not, and the entries found now are handed to it for its writes.
        `read_only` (`validate`): entries are looked up, never saved nor handed on."""
        self.path = path
        self.read_only = read_only
        self.entries: dict[str, CacheEntry] = {}
        self.dirty = False
        self.memory = remote if isinstance(remote, SourceMemory) else None
        self._remembered: Mapping[tuple[str, str], CacheEntry] | None = None
        data = read_cache(path, version=FILE_VERSION, fields=list(FIELDS))
        try:
            self.entries = {name: entry_from_values(e) for name, e in (data or {}).get("entries", [])}
        except (ValueError, TypeError):
            self.entries = {}

    def get(self, name: str, file_digest: str) -> CacheEntry | None:
        entry = self.entries.get(name)
        if entry is not None and entry.digest == file_digest:
            return entry
        if self.memory is None:
            return None
        if self._remembered is None:
            self._remembered = self.memory.written_from()
        remembered = self._remembered.get((name, file_digest))
        if remembered is not None and not self.read_only:  # kept in the file: the next plan need not ask again
            self.entries[name] = remembered
            self.dirty = True
        return remembered

    def put(self, name: str, entry: CacheEntry) -> None:
        if self.read_only:
            return
        if self.memory is not None:  # even an entry the file holds already: the row may be written now
            self.memory.remember([(name, entry)])
        if self.entries.get(name) != entry:
            self.entries[name] = entry
            self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        payload: dict[str, Any] = {
            "version": FILE_VERSION,
            "fields": list(FIELDS),
            "entries": [[name, entry_values(e)] for name, e in sorted(self.entries.items())],
        }
        if write_cache(self.path, payload):
            self.dirty = False


def context_key(*parts: object) -> str:
    return digest(LOADER_VERSION + "\0" + "\0".join(map(str, parts)))
