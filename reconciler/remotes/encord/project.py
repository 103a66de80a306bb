"""`EncordProject`: the `Remote` protocol over an Encord project, through the official SDK.

Reading: the listing is one request per branch; rows are read in bundles (one request per bundle); a
data unit with no label row yet counts as empty and is not created by a plan. A listed row whose edit time
and tags are those of an earlier read is listed with that read's fingerprint (`remembered.RowMemory`), so
the planner fetches it only when its label file asks for something else. Rows are read as the
label-row dicts the server sends, through the SDK's own label row client (`Project._client`, an
`EncordClientProject`): `get_label_rows`, the call `LabelRowV2.initialise_labels` makes, and
`create_label_rows`, the one it makes for a row that does not exist yet. labelsync decodes those dicts
itself (`encord_format.decode_row`) instead of building a `LabelRowV2` from each (`from_labels_dict`)
and serialising it back (`to_encord_dict`): that was three quarters of a plan's time, and the SDK's
reading drops what it does not model (reviews, unknown keys of labels and answers, answers of objects
without geometry, classifications without a featureHash), which then went missing from every row saved.
The SDK's `LabelRow` (`orm.label_row`) that wraps each dict keeps the row's own fields (its `DB_FIELDS`)
and everything under them as sent; a top-level key it does not know is still left out.

Writing, per bundle: fetch the rows unless `fetch` read them moments ago (apply fetches each bundle
right before writing it: one fetch per bundle, not two), creating missing ones; skip any whose
fingerprint is not the plan's, patch each fetched dict (`encord_format.encode_row`: only the labels the
plan changes), read the rows' metadata again (one listing request for the bundle) and skip any whose
`last_edited_at` moved since the fetch, and save the patched dicts as they are in one request
(`save_label_rows`, the SDK's bulk save `LabelRowV2.save` goes through), then update tag collections.
When the server rejects the bundle, find out which rows landed (by fetching them again; not after a
413, which stores nothing), split the rest in halves and try again, down to single rows, so one bad row
never blocks the others and every row's fate is known. A rate limit, a server error or a timeout is
retried (`errors.Retries`; the SDK's own retries are off, so a 413 is split at once); once a save has
failed after its retries, later saves get one attempt each until one succeeds, and after
`MAX_FAILED_SAVES` failed saves in a row apply stops with an error (the rows written so far stay written).

Encord's save has no version check: an edit that lands between that metadata read and the save request
is overwritten, and so is one stamped in the same second as the row's edit before the fetch (Encord's
timestamps have one-second resolution). The read comes after the bundle is encoded, so that window is one
request's round trip.

Requests run on a bounded thread pool (`remote.concurrency`, default 4): the tag collections are read
alongside the first bundle of rows that needs them, a bundle's row creations (one request per branch) and
its fetch go out together, and `fetch_bundles` reads several bundles at once. Results are put together in
the order asked, so nothing depends on which answer comes first.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from reconciler.canonical import row_fingerprint
from reconciler.encord_format import decode_row, encode_row, encord_timestamp
from reconciler.errors import ConfigError, RemoteError
from reconciler.model import DataType, DataUnit, LabelRow, RowKey, RowListing, with_tags
from reconciler.ontology import Ontology
from reconciler.remotes.base import Listing, RowResult, RowWrite, WriteStatus
from reconciler.remotes.encord import remembered
from reconciler.remotes.encord.client import concurrency_of, connect, domain_of, get_project, request_settings
from reconciler.remotes.encord.errors import (
    DEFAULT_BACKOFF,
    DEFAULT_MAX_RETRIES,
    RejectedError,
    Retries,
    RetryableRemoteError,
    TooLargeError,
    translated,
)
from reconciler.remotes.encord.tags import CollectionTags
from reconciler.remotes.manifest import image_size

T = TypeVar("T")

REFETCH_AFTER = 60.0
"""Seconds: a row read by `fetch` longer ago than this is read again before it is written."""

MAX_FAILED_SAVES = 3
"""Saves that failed after their retries, in a row, before apply stops: with the default 3 retries, a
persistent server error costs 4 + 1 + 1 save requests in all, not 8 a bundle for every bundle."""

GET_LIMIT = 1000
"""Rows per `get_label_rows` / `create_label_rows` request (the SDK's bundle limits; `bundle_size` is at most this)."""


class EncordProject:
    def __init__(
        self, settings: Mapping[str, Any], environ: Mapping[str, str] | None = None, memory: Path | None = None
    ) -> None:
        """`memory`: the file rows read are remembered in (`remembered.RowMemory`); None remembers nothing."""
        if not settings.get("project_hash"):
            raise ConfigError("remote.project_hash is missing: the Encord project's hash (in its URL)")
        self.project_hash = str(settings["project_hash"])
        self.domain = domain_of(settings)
        checked = request_settings(settings)
        self._retries = Retries(
            attempts=1 + int(checked.get("max_retries", DEFAULT_MAX_RETRIES)),
            backoff=float(checked.get("backoff_factor", DEFAULT_BACKOFF)),
        )
        self._concurrency = concurrency_of(settings)
        client = connect(settings, environ)
        self._project = self._retries.call(lambda: get_project(client, self.project_hash, self.domain))
        with translated("reading the project's ontology"):
            self._ontology = Ontology.from_editor_dict(self._project.ontology_structure.to_dict())
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._label_hashes: dict[RowKey, str | None] = {}
        """Each listed row's label hash (None: no row yet), and each created row's."""
        self._dicts: dict[RowKey, dict[str, Any]] = {}
        """Each row's dict as the server last sent it, or as labelsync last saved it."""
        self._fetched: dict[RowKey, float] = {}
        """Rows whose dict in `_dicts` is the server's row as read at this time.monotonic()."""
        self._edited: dict[RowKey, Any] = {}
        """Each row's `last_edited_at` as its last fetch read it: a save skips a row whose time moved."""
        self._read_at: dict[RowKey, float] = {}
        """When (time.time()) each row in `_fetched` was read: what `_remember` compares its edit time with."""
        self._units: dict[str, DataUnit] = {}
        self._tags = CollectionTags(self._project, self._retries, self._map, self._submit)
        self._memory = remembered.RowMemory(memory, f"{self.project_hash} {self.domain} {self._ontology.fingerprint}")
        self._failed_saves = 0
        self._written = 0

    @property
    def description(self) -> str:
        return f"Encord project {self.project_hash} at {self.domain}"

    def ontology(self) -> Ontology:
        return self._ontology

    def list_rows(self, branches: frozenset[str]) -> Listing:
        listed: dict[RowKey, RowListing] = {}
        for branch in sorted(branches):
            rows: list[Any] = self._retries.sdk_call(
                f"listing the label rows of branch {branch}",
                lambda b=branch: self._project.list_label_rows_v2(branch_name=b, include_images_data=True),  # type: ignore[misc]
            )
            for row in rows:
                unit = self._units.get(row.data_hash)
                if unit is None:  # built once per data unit, not once per branch listing it
                    unit = self._units[row.data_hash] = _data_unit(row)
                key = RowKey(row.data_hash, branch)
                self._label_hashes[key] = row.label_hash
                self._fetched.pop(key, None)
                if row.label_hash is not None:
                    listed[key] = RowListing(key, unit, row.label_hash, self._remembered(key, row))
        return Listing(tuple(sorted(self._units.values(), key=lambda u: u.title)), listed)

    def fetch(self, keys: Sequence[RowKey]) -> dict[RowKey, LabelRow]:
        existing = [key for key in keys if self._label_hash(key) is not None]
        self._read(existing)
        return self._decoded(keys, existing)

    def fetch_bundles(self, bundles: Sequence[Sequence[RowKey]]) -> Iterator[dict[RowKey, LabelRow]]:
        """`fetch` of each bundle, in order, with up to `remote.concurrency` bundles' requests in flight:
        one request per bundle, as `fetch` makes. Each bundle is decoded when its turn comes, so a caller
        diffing bundle i overlaps with the requests of the next ones."""
        existing = [[key for key in bundle if self._label_hash(key) is not None] for bundle in bundles]
        if any(key.branch == "main" for keys in existing for key in keys):
            self._tags.start()
        window: list[Future[dict[str, dict[str, Any]]]] = []
        requested = 0
        for index, bundle in enumerate(bundles):
            while requested < len(bundles) and requested < index + self._concurrency:
                window.append(self._submit(self._get_dicts, existing[requested]))
                requested += 1
            self._store(existing[index], window[index].result())
            yield self._decoded(bundle, existing[index])

    def _decoded(self, keys: Sequence[RowKey], existing: Sequence[RowKey]) -> dict[RowKey, LabelRow]:
        """Each of `keys` as read (the `existing` ones) or empty (a row not created yet)."""
        read = set(existing)
        rows = {key: self._decode(key) if key in read else LabelRow(key) for key in keys}
        for key in existing:
            self._remember(key, rows[key])
        return rows

    def _remembered(self, key: RowKey, listed: Any) -> str | None:
        """The fingerprint `RowMemory` holds for a listed row, if its edit time and tags are those remembered."""
        edited = _stamp(listed.last_edited_at)
        if edited is None or self._memory.edited(listed.label_hash) != edited:
            return None
        return self._memory.fingerprint(listed.label_hash, edited, self._tag_digest(key))

    def _remember(self, key: RowKey, row: LabelRow) -> None:
        edited, read_at = self._edited.get(key), self._read_at.get(key)
        label_hash = self._label_hashes.get(key)
        if edited is None or read_at is None or label_hash is None or key not in self._fetched:
            return
        if read_at - edited.timestamp() >= remembered.SETTLED:
            self._memory.remember(label_hash, edited.isoformat(), self._tag_digest(key), row_fingerprint(row))

    def _tag_digest(self, key: RowKey) -> str:
        return self._tags.digest(key.data_hash) if key.branch == "main" else ""

    def write(self, writes: Sequence[RowWrite]) -> list[RowResult]:
        results: dict[RowKey, RowResult] = {}
        self._write(list(writes), results)
        self._written += sum(result.status is WriteStatus.WRITTEN for result in results.values())
        if self._failed_saves >= MAX_FAILED_SAVES:
            failed = [results[w.row.key] for w in writes if results[w.row.key].status is WriteStatus.FAILED]
            reason = failed[0].message.partition(" was not written: ")[2] if failed else "saves failed"
            raise RemoteError(
                f"{reason}; {MAX_FAILED_SAVES} saves in a row failed, so apply stopped: "
                f"{_rows(self._written)} written before it stopped (they stay written), the rest of the plan "
                "was not written; run apply again once Encord answers"
            )
        return [results[w.row.key] for w in writes]

    def writing(self) -> AbstractContextManager[None]:
        """Nothing to lock: Encord has no lock, and `write` re-reads each row right before saving it."""
        return nullcontext()

    def close(self) -> None:
        self._memory.save()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # -- the pool --------------------------------------------------------------------------------

    def _submit(self, call: Callable[..., T], *args: Any) -> Future[T]:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix="labelsync-encord")
            return self._pool.submit(call, *args)

    def _map(self, call: Callable[[Any], T], items: Sequence[Any]) -> list[T]:
        """`call` of each item on the pool (inline for one), the results in the items' order."""
        if len(items) <= 1 or self._concurrency <= 1:
            return [call(item) for item in items]
        futures = [self._submit(call, item) for item in items]
        return [future.result() for future in futures]

    # -- writing ---------------------------------------------------------------------------------

    def _write(self, writes: list[RowWrite], results: dict[RowKey, RowResult]) -> None:
        keys = [w.row.key for w in writes]
        self._read(self._not_just_read(keys))  # creates rows that do not exist yet: only apply gets here
        current = {key: self._decode(key) for key in keys}
        ready = []
        for write in writes:
            key = write.row.key
            if row_fingerprint(current[key]) != write.expected:
                results[key] = RowResult(key, WriteStatus.STALE, f"{self._title(key)} was edited after the plan")
            else:
                ready.append(write)
        fetched = dict(current)
        ready = self._untag_deleted_labels(ready, current, results)
        if not ready:
            return
        try:
            payloads = dict(zip((w.row.key for w in ready), self._prepare(ready), strict=True))
            ready = self._unedited(ready, fetched, current, results)
            # a row whose labels are already as planned (only its tags change: a re-run after an apply
            # stopped between a save and its tags) is not saved again
            saving = [w for w in ready if payloads[w.row.key] != self._dicts[w.row.key]]
            if saving:
                self._save(saving, [payloads[w.row.key] for w in saving])
        except RemoteError as exc:
            self._recover(ready, exc, results)
            return
        results.update(self._finish([(write, current[write.row.key]) for write in ready]))

    def _unedited(
        self,
        ready: list[RowWrite],
        fetched: dict[RowKey, LabelRow],
        current: dict[RowKey, LabelRow],
        results: dict[RowKey, RowResult],
    ) -> list[RowWrite]:
        """The writes whose rows nobody edited since they were fetched, by their metadata read again right
        before the save: one listing request for the bundle. A row edited meanwhile is skipped (STALE), and
        the tags `_untag_deleted_labels` took off its labels are put back."""
        hashes = [self._label_hash(w.row.key) for w in ready]
        listed: list[Any] = self._retries.sdk_call(
            f"reading the metadata of {_rows(len(ready))} before saving",
            lambda: self._project.list_label_rows_v2(
                label_hashes=hashes, include_all_label_branches=True, include_workflow_graph_node=False
            ),
        )
        edited = {row.label_hash: _instant(row.last_edited_at) for row in listed}
        kept, stale = [], []
        for write, label_hash in zip(ready, hashes, strict=True):
            key = write.row.key
            if label_hash in edited and edited[label_hash] == _instant(self._edited.get(key)):
                kept.append(write)
                continue
            stale.append(key)
            message = f"{self._title(key)} was edited after the plan, while apply was saving it"
            results[key] = RowResult(key, WriteStatus.STALE, message)
        retag = [k for k in stale if current[k] != fetched[k]]
        failures = self._tags.update([(current[k], fetched[k], self._units[k.data_hash]) for k in retag])
        for key in retag:
            if failures.get(key):
                message = (
                    f"{results[key].message}: not written, but the tags of the labels the plan deletes were "
                    f"taken off and could not be put back: {'; '.join(failures[key])}"
                )
                results[key] = RowResult(key, WriteStatus.FAILED, message)
        return kept

    def _untag_deleted_labels(
        self, ready: list[RowWrite], current: dict[RowKey, LabelRow], results: dict[RowKey, RowResult]
    ) -> list[RowWrite]:
        """Take the tags off labels these writes delete, while the labels still exist (a collection item
        names an annotation: once it is gone, its item cannot be removed). `current` is updated to match.
        A row whose tags could not be taken off is not written."""
        untagged = {w.row.key: _without_tags_of_deleted(current[w.row.key], w.row) for w in ready}
        changed = [key for key, row in untagged.items() if row != current[key]]
        if not changed:
            return ready
        failures = self._tags.update(
            [(current[key], untagged[key], self._units[key.data_hash]) for key in changed]
        )
        for key in changed:
            if failures.get(key):
                problems = "; ".join(failures[key])
                message = f"{self._title(key)} was not written: the tags of labels it deletes stay: {problems}"
                results[key] = RowResult(key, WriteStatus.FAILED, message)
            else:
                current[key] = untagged[key]
        return [w for w in ready if w.row.key not in results]

    def _recover(self, ready: list[RowWrite], error: RemoteError, results: dict[RowKey, RowResult]) -> None:
        """After a failed save: which rows landed anyway, and what to do with the others. A 413 stored
        nothing, and the fetched dicts are still the server's: split at once, without reading again."""
        if isinstance(error, TooLargeError):
            rest = list(ready)
        else:
            self._read([w.row.key for w in ready])
            rest, landed = [], []
            for write in ready:
                now = self._decode(write.row.key)
                if row_fingerprint(with_tags(now)) == row_fingerprint(with_tags(write.row)):  # labels only
                    landed.append((write, now))
                else:
                    rest.append(write)
            results.update(self._finish(landed))
        if len(rest) > 1 and isinstance(error, RejectedError):
            middle = len(rest) // 2
            self._write(rest[:middle], results)
            self._write(rest[middle:], results)
            return
        for write in rest:
            key = write.row.key
            results[key] = RowResult(key, WriteStatus.FAILED, f"{self._title(key)} was not written: {error}")

    def _finish(self, saved: list[tuple[RowWrite, LabelRow]]) -> dict[RowKey, RowResult]:
        """The labels of these writes are saved: change their tags from the rows' before, in bulk."""
        failures = self._tags.update([(before, w.row, self._units[w.row.key.data_hash]) for w, before in saved])
        results = {}
        for write, _ in saved:
            key = write.row.key
            if failures.get(key):
                message = f"{self._title(key)}: labels saved, but tag changes failed: {'; '.join(failures[key])}"
                results[key] = RowResult(key, WriteStatus.FAILED, message)
            else:
                results[key] = RowResult(key, WriteStatus.WRITTEN)
        return results

    def _prepare(self, writes: list[RowWrite]) -> list[dict[str, Any]]:
        """Each write's row patched into its fetched dict, ready to be saved."""
        payloads = []
        now = encord_timestamp(datetime.now(timezone.utc))  # one time for the bundle's edits
        for write in writes:
            key = write.row.key
            with translated(f"preparing {self._title(key)}"):
                payloads.append(encode_row(write.row, self._ontology, self._dicts[key], now=now))
        return payloads

    def _save(self, writes: list[RowWrite], payloads: list[dict[str, Any]]) -> None:
        """One request for the bundle: the patched dicts as they are. After a save that failed after its
        retries, the next ones get one attempt each until one succeeds."""
        keys = [w.row.key for w in writes]
        hashes = [self._label_hash(key) for key in keys]
        client = self._sdk_rows()

        def save() -> None:
            for start in range(0, len(keys), GET_LIMIT):
                client.save_label_rows(
                    hashes[start : start + GET_LIMIT],
                    payloads[start : start + GET_LIMIT],
                    validate_before_saving=False,
                )

        for key in keys:
            self._fetched.pop(key, None)  # the server may hold what is sent, whatever the answer
            self._memory.forget(str(self._label_hashes.get(key)))
        try:
            self._retries.sdk_call(
                f"saving {_rows(len(writes))}", save, attempts=1 if self._failed_saves else None
            )
        except RetryableRemoteError:
            self._failed_saves += 1
            raise
        except TooLargeError:
            for key in keys:
                self._fetched[key] = time.monotonic()  # refused unread: the dicts are still the server's
            raise
        self._failed_saves = 0
        self._dicts.update(zip(keys, payloads, strict=True))

    # -- reading ---------------------------------------------------------------------------------

    def _sdk_rows(self) -> Any:
        """The SDK's label row client of the project (`encord.client.EncordClientProject`): `Project`
        keeps it as `_client` and every `LabelRowV2` of the project calls it (`initialise_labels`: its
        `get_label_rows` and `create_label_rows`; `save`: its `save_label_rows`). Its methods are the
        SDK's public face of the label row RPCs: they take and return label-row dicts."""
        return self._project._client

    def _label_hash(self, key: RowKey) -> str | None:
        if key not in self._label_hashes:
            self.list_rows(frozenset({key.branch}))  # fetched before listed: list that branch once
        if key not in self._label_hashes:
            raise RemoteError(f"label row {key} is not in {self.description}")
        return self._label_hashes[key]

    def _read(self, keys: Sequence[RowKey]) -> None:
        """Read these rows' dicts, creating the rows that do not exist yet: existing rows in one request,
        rows to create in one request per branch (a creation names one branch), all at once. Starts
        reading the tag collections alongside when a main-branch row is among them."""
        if not keys:
            return
        if any(key.branch == "main" for key in keys):
            self._tags.start()
        groups: dict[str | None, list[RowKey]] = {}
        for key in keys:
            groups.setdefault(None if self._label_hash(key) else key.branch, []).append(key)
        for key in keys:
            self._fetched.pop(key, None)

        def read(item: tuple[str | None, list[RowKey]]) -> dict[str, dict[str, Any]]:
            branch, group = item
            return self._get_dicts(group) if branch is None else self._create(branch, group)

        for (_, group), dicts in zip(groups.items(), self._map(read, list(groups.items())), strict=True):
            self._store(group, dicts)

    def _get_dicts(self, keys: Sequence[RowKey]) -> dict[str, dict[str, Any]]:
        """The dicts of these existing rows, by label hash: the request `initialise_labels` makes."""
        if not keys:
            return {}
        hashes = [str(self._label_hashes[key]) for key in keys]
        client = self._sdk_rows()

        def get() -> list[Any]:
            found: list[Any] = []
            for start in range(0, len(hashes), GET_LIMIT):
                found += client.get_label_rows(
                    hashes[start : start + GET_LIMIT],
                    get_signed_url=False,
                    include_reviews=False,
                    include_archived=False,
                )
            return found

        rows = self._retries.sdk_call(f"fetching {_rows(len(keys))}", get)
        return {str(row.get("label_hash")): row for row in rows if isinstance(row, dict)}

    def _create(self, branch: str, keys: Sequence[RowKey]) -> dict[str, dict[str, Any]]:
        """Create these rows on `branch` (the request `initialise_labels` makes for a row not created yet),
        by label hash, remembering each one's."""
        data_hashes = [key.data_hash for key in keys]
        client = self._sdk_rows()

        def create() -> list[Any]:
            found: list[Any] = []
            for start in range(0, len(data_hashes), GET_LIMIT):
                found += client.create_label_rows(
                    data_hashes[start : start + GET_LIMIT], get_signed_url=False, branch_name=branch
                )
            return found

        rows = self._retries.sdk_call(f"creating {_rows(len(keys))}", create)
        by_data = {str(row.get("data_hash")): row for row in rows if isinstance(row, dict)}
        for key in keys:
            if key.data_hash in by_data and by_data[key.data_hash].get("label_hash"):
                self._label_hashes[key] = str(by_data[key.data_hash]["label_hash"])
        return {str(row.get("label_hash")): row for row in by_data.values()}

    def _store(self, keys: Sequence[RowKey], dicts: dict[str, dict[str, Any]]) -> None:
        from encord.common.time_parser import parse_datetime_optional

        now, wall = time.monotonic(), time.time()
        for key in keys:
            row = dicts.get(str(self._label_hashes.get(key)))
            if row is None:
                raise RemoteError(f"Encord sent no label row for {self._title(key)} while fetching it")
            self._dicts[key] = row
            self._fetched[key] = now
            self._read_at[key] = wall
            try:
                self._edited[key] = _instant(parse_datetime_optional(row.get("last_edited_at")))
            except (ValueError, OverflowError):
                self._edited[key] = None

    def _not_just_read(self, keys: Sequence[RowKey]) -> list[RowKey]:
        """The keys whose dict is not the server's row as `fetch` read it moments ago."""
        now = time.monotonic()
        return [key for key in keys if now - self._fetched.get(key, -math.inf) >= REFETCH_AFTER]

    def _title(self, key: RowKey) -> str:
        unit = self._units.get(key.data_hash)
        title = unit.title if unit else key.data_hash
        return title if key.branch == "main" else f"{title} @ {key.branch}"

    def _decode(self, key: RowKey) -> LabelRow:
        row = decode_row(self._dicts[key], self._ontology, key.branch)
        return self._tags.with_tags(row, self._units[key.data_hash])


def _instant(value: Any) -> datetime | None:
    """A `last_edited_at` as an aware time to the second (the SDK parses the fetch's and the listing's
    formats; a time without a zone is UTC; the row dict's format has whole seconds), so the fetch's and the
    listing's compare equal exactly when they name the same second."""
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)).replace(microsecond=0)


def _stamp(value: Any) -> str | None:
    """A `last_edited_at` (the listing's) as `RowMemory` keeps it."""
    instant = _instant(value)
    return instant.isoformat() if instant is not None else None


def _without_tags_of_deleted(before: LabelRow, after: LabelRow) -> LabelRow:
    kept = {label.hash for label in after.labels}
    label_tags = {label.hash: label.tags for label in before.labels if label.hash in kept}
    return with_tags(before, before.tags, before.frame_tags, label_tags)


def _rows(count: int) -> str:
    return f"{count} label row{'s' if count != 1 else ''}"


def _data_unit(row: Any) -> DataUnit:
    raw = str(getattr(row.data_type, "value", row.data_type)).lower()
    kind = next((t for t in DataType if t.value == raw), DataType.UNKNOWN)
    sizes = _image_sizes(row) if kind is DataType.IMAGE_GROUP else ()
    width, height = sizes[0] if sizes else (int(row.width or 0), int(row.height or 0))
    return DataUnit(
        hash=row.data_hash,
        title=row.data_title,
        type=kind,
        frames=1 if kind.ranged_shape else int(row.number_of_frames or 1),  # audio counts samples, not frames
        width=width,
        height=height,
        fps=float(row.fps or 0.0),
        sizes=sizes,
        file_type=str(row.file_type or ""),
        media=_web_link(getattr(row, "data_link", None)),
    )


def _web_link(link: Any) -> str:
    """The listing's link to the file when it is an http(s) URL (Encord signs them); "" otherwise (a cloud
    storage path, none for an image group or a DICOM series)."""
    if not isinstance(link, str) or len(link) > 8192 or not link.isprintable():
        return ""
    return link if link.lower().startswith(("http://", "https://")) else ""


def _image_sizes(row: Any) -> tuple[tuple[int, int], ...]:
    """(width, height) of each image of an image group, by frame, from the listing's images data."""
    from encord.exceptions import LabelRowError

    try:
        images = sorted(row.get_frames_metadata(), key=lambda image: image.frame_number)
    except (LabelRowError, TypeError, AttributeError):
        return ()
    return tuple(image_size({"width": image.width, "height": image.height}) for image in images)
