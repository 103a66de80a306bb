"""`EncordProject`: the `Remote` protocol over an Encord project, through the official SDK.

Reading: the listing is one request per branch; rows are initialised in bundles (one request per
bundle); a data unit with no label row yet counts as empty and is not created by a plan.
Writing, per bundle: fetch the rows unless `fetch` read them moments ago (apply fetches each bundle
right before writing it: one fetch per bundle, not two), creating missing ones; skip any whose
fingerprint is not the plan's, replace the labels of the live `LabelRowV2`s keeping their identity,
read the rows' metadata again (one listing request for the bundle) and skip any whose `last_edited_at`
moved since the fetch, save the rest in one request, then update tag collections. When the server
rejects the bundle, find out which rows landed (by fetching them again), split the rest in halves and
try again, down to single rows, so one bad row never blocks the others and every row's fate is known.

Encord's save has no version check: an edit that lands between that metadata read and the save request
is overwritten, and so is one stamped in the same second as the row's edit before the fetch (Encord's
timestamps have one-second resolution). The read comes after the bundle is encoded, so that window is one
request's round trip.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timezone
from typing import Any

from reconciler.canonical import row_fingerprint
from reconciler.encord_format import decode_row, encode_row
from reconciler.errors import ConfigError, RemoteError
from reconciler.model import DataType, DataUnit, LabelRow, RowKey, RowListing, with_tags
from reconciler.ontology import Ontology
from reconciler.remotes.base import Listing, RowResult, RowWrite, WriteStatus
from reconciler.remotes.encord.client import connect, domain_of, get_project, request_settings
from reconciler.remotes.encord.errors import DEFAULT_BACKOFF, RejectedError, Retries, translated
from reconciler.remotes.encord.tags import CollectionTags
from reconciler.remotes.manifest import image_size

REFETCH_AFTER = 60.0
"""Seconds: a row read by `fetch` longer ago than this is read again before it is written."""


class EncordProject:
    def __init__(self, settings: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
        if not settings.get("project_hash"):
            raise ConfigError("remote.project_hash is missing: the Encord project's hash (in its URL)")
        self.project_hash = str(settings["project_hash"])
        self.domain = domain_of(settings)
        client = connect(settings, environ)
        self._project = get_project(client, self.project_hash, self.domain)
        with translated("reading the project's ontology"):
            self._ontology = Ontology.from_editor_dict(self._project.ontology_structure.to_dict())
        backoff = request_settings(settings).get("backoff_factor", DEFAULT_BACKOFF)
        self._retries = Retries(backoff=float(backoff))
        self._rows: dict[RowKey, Any] = {}
        self._fetched: dict[RowKey, float] = {}
        """Rows whose live `LabelRowV2` holds the server's row as read at this time.monotonic()."""
        self._edited: dict[RowKey, Any] = {}
        """Each row's `last_edited_at` as its last fetch read it: a save skips a row whose time moved."""
        self._units: dict[str, DataUnit] = {}
        self._tags = CollectionTags(self._project, self._retries)

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
                unit = self._units.setdefault(row.data_hash, _data_unit(row))
                key = RowKey(row.data_hash, branch)
                self._rows[key] = row
                self._fetched.pop(key, None)
                if row.label_hash is not None:
                    listed[key] = RowListing(key, unit, row.label_hash, None)
        return Listing(tuple(sorted(self._units.values(), key=lambda u: u.title)), listed)

    def fetch(self, keys: Sequence[RowKey]) -> dict[RowKey, LabelRow]:
        existing = [key for key in keys if self._row(key).label_hash is not None]
        self._initialise(existing)
        return {key: self._decode(key) if key in existing else LabelRow(key) for key in keys}

    def write(self, writes: Sequence[RowWrite]) -> list[RowResult]:
        results: dict[RowKey, RowResult] = {}
        self._write(list(writes), results)
        return [results[w.row.key] for w in writes]

    def writing(self) -> AbstractContextManager[None]:
        """Nothing to lock: Encord has no lock, and `write` re-reads each row right before saving it."""
        return nullcontext()

    def close(self) -> None:
        pass

    # -- writing ---------------------------------------------------------------------------------

    def _write(self, writes: list[RowWrite], results: dict[RowKey, RowResult]) -> None:
        keys = [w.row.key for w in writes]
        self._initialise(self._not_just_read(keys))  # creates rows that do not exist yet: only apply gets here
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
            self._prepare(ready)
            ready = self._unedited(ready, fetched, current, results)
            if ready:
                self._save(ready)
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
        hashes = [self._row(w.row.key).label_hash for w in ready]
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
        failures = self._tags.update([(current[key], untagged[key], self._units[key.data_hash]) for key in changed])
        for key in changed:
            if failures.get(key):
                problems = "; ".join(failures[key])
                message = f"{self._title(key)} was not written: the tags of labels it deletes stay: {problems}"
                results[key] = RowResult(key, WriteStatus.FAILED, message)
            else:
                current[key] = untagged[key]
        return [w for w in ready if w.row.key not in results]

    def _recover(self, ready: list[RowWrite], error: RemoteError, results: dict[RowKey, RowResult]) -> None:
        """After a failed save: which rows landed anyway, and what to do with the others."""
        self._initialise([w.row.key for w in ready])
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

    def _prepare(self, writes: list[RowWrite]) -> None:
        """Put each write's row in its live `LabelRowV2`, ready to be saved."""
        for write in writes:
            live = self._row(write.row.key)
            self._fetched.pop(write.row.key, None)  # the live row is about to hold what we send
            with translated(f"preparing {live.data_title}"):
                base = live.to_encord_dict()
                live.from_labels_dict(encode_row(write.row, self._ontology, base), preserve_identity=True)

    def _save(self, writes: list[RowWrite]) -> None:
        def save() -> None:
            with self._project.create_bundle(len(writes)) as bundle:
                for write in writes:
                    self._row(write.row.key).save(bundle=bundle)

        self._retries.sdk_call(f"saving {_rows(len(writes))}", save)

    # -- reading ---------------------------------------------------------------------------------

    def _row(self, key: RowKey) -> Any:
        if key not in self._rows:
            self.list_rows(frozenset({key.branch}))  # fetched before listed: list that branch once
        if key not in self._rows:
            raise RemoteError(f"label row {key} is not in {self.description}")
        return self._rows[key]

    def _initialise(self, keys: Sequence[RowKey]) -> None:
        """Read these rows, creating those that do not exist yet: existing rows in one bundle, rows to
        create in one bundle per branch. The SDK sends a bundle's creations with the first row's branch
        and matches the answers by data hash, so rows of two branches in one bundle would be created
        on one branch, and two rows of one data unit would meet."""
        groups: dict[str | None, list[RowKey]] = {}
        for key in keys:
            groups.setdefault(None if self._row(key).label_hash else key.branch, []).append(key)
        for group in groups.values():

            def initialise(group: list[RowKey] = group) -> None:
                with self._project.create_bundle(len(group)) as bundle:
                    for key in group:
                        self._row(key).initialise_labels(bundle=bundle, overwrite=True)

            for key in group:
                self._fetched.pop(key, None)
            self._retries.sdk_call(f"fetching {_rows(len(group))}", initialise)
            now = time.monotonic()
            self._fetched.update(dict.fromkeys(group, now))
            self._edited.update({key: self._row(key).last_edited_at for key in group})

    def _not_just_read(self, keys: Sequence[RowKey]) -> list[RowKey]:
        """The keys whose live row is not the server's row as `fetch` read it moments ago."""
        now = time.monotonic()
        return [key for key in keys if now - self._fetched.get(key, -math.inf) >= REFETCH_AFTER]

    def _title(self, key: RowKey) -> str:
        unit = self._units.get(key.data_hash)
        title = unit.title if unit else key.data_hash
        return title if key.branch == "main" else f"{title} @ {key.branch}"

    def _decode(self, key: RowKey) -> LabelRow:
        live = self._row(key)
        with translated(f"reading {live.data_title}"):
            stored = live.to_encord_dict()
        return self._tags.with_tags(decode_row(stored, self._ontology, key.branch), self._units[key.data_hash])


def _instant(value: Any) -> datetime | None:
    """A `last_edited_at` as an aware time to the second (the SDK parses the fetch's and the listing's
    formats; a time without a zone is UTC; the row dict's format has whole seconds), so the fetch's and the
    listing's compare equal exactly when they name the same second."""
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)).replace(microsecond=0)


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
