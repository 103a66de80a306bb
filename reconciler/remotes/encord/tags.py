"""Tags as Encord Project Collections: data-scope tags are FRAME collections, label-scope tags
LABEL collections, named after the tag (Encord Active's TagScope.DATA / TagScope.LABEL).

A data tag on every frame of a data unit is a whole-unit tag (`tags:`); on some frames it is a
frame tag (`frame_tags:`). A label tag is one item on the label's first frame. Collections carry
no branch, so tags belong to the main-branch row of a data unit.

Encord lets two collections have one name (two applies at once could each create one). Collections of
one name and type are one tag: reading unions their items, adding goes to the oldest (by creation time,
then uuid, so every run picks the same one) and removing takes the item out of every one holding it, so
a project that already has duplicates converges. The collections are listed again right before one is
created, so one another run created meanwhile is used rather than made twice.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import orjson

from reconciler.errors import RemoteError
from reconciler.model import DataUnit, FrameTag, Label, LabelRow, ObjectLabel, RowKey, frames_to_ranges, with_tags
from reconciler.remotes.encord.errors import Retries, translated

FRAME, LABEL = "FRAME", "LABEL"

Item = tuple[Any, ...]
"""A collection item: (data hash, frame) in a FRAME collection, (data hash, frame, label hash) in LABEL."""


@dataclass
class TagIndex:
    """Collection memberships read once per run, by data unit."""

    data: dict[str, dict[str, set[int]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    labels: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))


def _label_frame(label: Label) -> int:
    return label.frames[0][0] if isinstance(label, ObjectLabel) else label.ranges[0][0]


Runner = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]
"""Calls a function on each item, maybe at once on a thread pool, the results in the items' order."""


def _in_turn(call: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    return [call(item) for item in items]


class CollectionTags:
    """The project's tag collections, read once per command and only when a main-branch row is decoded
    (`with_tags`), or earlier on the side (`start`) once a bundle of such rows is being fetched. When the
    project has no collection, that is one request (the listing's first page); otherwise the collections'
    pages, then each one's items (several collections at once through `runner`)."""

    def __init__(
        self,
        project: Any,
        retries: Retries,
        runner: Runner = _in_turn,
        submit: Callable[[Callable[[], None]], Future[None]] | None = None,
    ) -> None:
        self._project = project
        self._retries = retries
        self._runner = runner
        self._submit = submit
        self._loading: Future[None] | None = None
        self._collections: dict[tuple[str, str], list[Any]] | None = None
        """(name, type) -> the collections of that name and type, oldest first."""
        self._members: dict[str, set[Item]] = {}
        """Collection uuid -> its items (so a removal goes to the collections holding the item)."""
        self._index = TagIndex()

    def start(self) -> None:
        """Start reading the collections on the side, unless they are read or being read."""
        if self._collections is None and self._loading is None and self._submit is not None:
            self._loading = self._submit(self._read_all)

    def _load(self) -> dict[tuple[str, str], list[Any]]:
        if self._loading is not None:
            loading, self._loading = self._loading, None
            loading.result()  # its failure is this call's (and the next call reads again)
        if self._collections is None:
            self._read_all()
        assert self._collections is not None
        return self._collections

    def _read_all(self) -> None:
        self._collections = {}
        try:
            self._list_new()
        except BaseException:
            self._collections, self._members, self._index = None, {}, TagIndex()
            raise

    def _list_new(self) -> None:
        """List the project's collections, reading the items of those not read yet."""
        assert self._collections is not None
        listed: list[Any] = self._retries.sdk_call(
            "listing the project's collections", lambda: list(self._project.list_collections())
        )
        new = [c for c in listed if str(c.uuid) not in self._members]
        read = self._runner(self._read_items, new)
        for collection, (members, data, labels) in zip(new, read, strict=True):
            for data_hash, frames in data.items():
                self._index.data[data_hash][collection.name].update(frames)
            for data_hash, annotation_ids in labels.items():
                for annotation_id in annotation_ids:
                    self._index.labels[data_hash][annotation_id].add(collection.name)
            kind = collection.collection_type.value
            self._collections.setdefault((collection.name, kind), []).append(collection)
            self._members[str(collection.uuid)] = members
        for group in self._collections.values():
            group.sort(key=_age)

    def _read_items(self, collection: Any) -> tuple[set[Item], dict[str, set[int]], dict[str, set[str]]]:
        """A collection's items, and by data unit its frames (FRAME) or annotations (LABEL). Touches no
        shared state: it may run on another thread."""
        kind = collection.collection_type.value

        def read() -> tuple[set[Item], dict[str, set[int]], dict[str, set[str]]]:
            members: set[Item] = set()
            data: dict[str, set[int]] = defaultdict(set)
            labels: dict[str, set[str]] = defaultdict(set)
            if kind == FRAME:
                for row, instances in collection.list_frames():
                    frames = {i.frame for i in instances}
                    data[row.data_hash].update(frames)
                    members.update((row.data_hash, frame) for frame in frames)
            else:
                for row, instances in collection.list_annotations():
                    for instance in instances:
                        labels[row.data_hash].add(instance.annotation_id)
                        members.add((row.data_hash, instance.frame, instance.annotation_id))
            return members, data, labels

        return self._retries.sdk_call(f"reading the items of the collection {collection.name!r}", read)

    def with_tags(self, row: LabelRow, unit: DataUnit) -> LabelRow:
        """`row` (decoded labels) with the tags its data unit has in the project's collections."""
        if row.key.branch != "main":
            return row
        self._load()
        whole = tuple(range(unit.frames))
        tags, frame_tags = [], []
        for name, frames in sorted(self._index.data.get(row.key.data_hash, {}).items()):
            if tuple(sorted(frames)) == whole:
                tags.append(name)
            elif frames:
                frame_tags.append(FrameTag(name, frames_to_ranges(frames)))
        return with_tags(row, tags, frame_tags, self._index.labels.get(row.key.data_hash, {}))

    def digest(self, data_hash: str) -> str:
        """Of the data unit's items in every collection: the same exactly while they are."""
        self._load()
        data = sorted((name, sorted(frames)) for name, frames in self._index.data.get(data_hash, {}).items())
        labels = sorted((label, sorted(names)) for label, names in self._index.labels.get(data_hash, {}).items())
        return hashlib.blake2b(orjson.dumps([data, labels]), digest_size=16).hexdigest()

    def update(self, rows: list[tuple[LabelRow, LabelRow, DataUnit]]) -> dict[RowKey, list[str]]:
        """Add and remove collection items so each `before`'s tags become its `after`'s: one request
        per collection and direction for all the rows together. Returns failures by row."""
        failures: dict[RowKey, list[str]] = defaultdict(list)
        changes: dict[tuple[str, str], tuple[set[Item], set[Item]]] = defaultdict(lambda: (set(), set()))
        for before, after, unit in rows:
            new_items = _items(after, unit)
            if after.key.branch != "main":
                if new_items:
                    failures[after.key].append(
                        f"tags on branch {after.key.branch} cannot be stored: Encord's collections tag data "
                        "units and labels of the main branch only (tag the main branch's label file instead)"
                    )
                continue
            old_items = _items(before, unit)
            for key in old_items.keys() | new_items.keys():
                changes[key][0].update(new_items.get(key, set()) - old_items.get(key, set()))
                changes[key][1].update(old_items.get(key, set()) - new_items.get(key, set()))
        for (name, kind), (added, removed) in sorted(changes.items()):
            if not added and not removed:
                continue
            try:
                sends = [(self._collection(name, kind), "add", added)] if added else []
                sends += [
                    (collection, "remove", items) for collection, items in self._holding(name, kind, removed)
                ]
                for collection, verb, items in sends:
                    if items:
                        for item, problem in self._send(collection, verb, kind, sorted(items)):
                            failures[RowKey(item[0])].append(problem)
            except RemoteError as exc:
                for item in added | removed:
                    failures[RowKey(item[0])].append(str(exc))
                continue
            self._remember(name, kind, added, removed)
        return {key: sorted(set(problems)) for key, problems in failures.items()}

    def _send(self, collection: Any, verb: str, kind: str, items: list[Item]) -> list[tuple[Item, str]]:
        """Send one bulk request; the items that failed, each with why."""
        requests = [_request(kind, item) for item in items]
        method = collection.add_items if verb == "add" else collection.remove_items
        response = self._retries.sdk_call(f"updating the collection {collection.name!r}", lambda: method(requests))
        failed = []
        for request in response.failed_items:
            item = next(
                (i for i, r in zip(items, requests, strict=True) if r == request), (str(request.data_uuid),)
            )
            failed.append((item, f"{collection.name}: could not {verb} {request}"))
        return failed

    def _collection(self, name: str, kind: str) -> Any:
        """The collection items of this tag are added to: the oldest of its name, created if there is none.
        Before creating one, the collections are listed again: another run may have created it meanwhile
        (or this run's own creation landed although its answer failed)."""
        collections = self._load()
        if not collections.get((name, kind)):
            self._list_new()
        if not collections.get((name, kind)):
            from encord.orm.collection import ProjectCollectionType

            with translated(f"creating the collection {name!r}"):  # not retried: a retry could make two
                created = self._project.create_collection(
                    name, description="Managed by labelsync", collection_type=ProjectCollectionType(kind)
                )
            collections[(name, kind)] = [created]
            self._members[str(created.uuid)] = set()
        return collections[(name, kind)][0]

    def _holding(self, name: str, kind: str, removed: set[Item]) -> list[tuple[Any, set[Item]]]:
        """Each collection of this tag with the items to remove from it: those it holds (a label's item
        on whichever frame it was added), and any no collection is known to hold go to the oldest."""
        group = self._load().get((name, kind), []) if removed else []

        def key(item: Item) -> Item:
            return item if kind == FRAME else (item[0], item[2])

        wanted = {key(item) for item in removed}
        holding = [(c, {i for i in self._members[str(c.uuid)] if key(i) in wanted}) for c in group]
        held = {key(i) for _, items in holding for i in items}
        if group and (unknown := {i for i in removed if key(i) not in held}):
            holding[0][1].update(unknown)
        return holding

    def _remember(self, name: str, kind: str, added: set[Item], removed: set[Item]) -> None:
        group = self._load().get((name, kind), [])
        if added and group:
            self._members[str(group[0].uuid)].update(added)
        gone = {item if kind == FRAME else (item[0], item[2]) for item in removed}
        for collection in group:
            members = self._members[str(collection.uuid)]
            members.difference_update({i for i in members if (i if kind == FRAME else (i[0], i[2])) in gone})
        for item in added:
            if kind == FRAME:
                self._index.data[item[0]][name].add(item[1])
            else:
                self._index.labels[item[0]][item[2]].add(name)
        for item in removed:
            if kind == FRAME:
                self._index.data[item[0]][name].discard(item[1])
            else:
                self._index.labels[item[0]][item[2]].discard(name)


def _age(collection: Any) -> tuple[bool, float, str]:
    """Oldest first, the same order in every run: by creation time, then uuid."""
    created = collection.created_at
    return (created is None, created.timestamp() if created is not None else 0.0, str(collection.uuid))


def _items(row: LabelRow, unit: DataUnit) -> dict[tuple[str, str], set[Item]]:
    items: dict[tuple[str, str], set[Item]] = defaultdict(set)
    data_hash = row.key.data_hash
    for name in row.tags:
        items[(name, FRAME)].update((data_hash, frame) for frame in range(unit.frames))
    for tag in row.frame_tags:
        for start, end in tag.ranges:
            items[(tag.name, FRAME)].update((data_hash, frame) for frame in range(start, end + 1))
    for label in row.labels:
        for name in label.tags:
            items[(name, LABEL)].add((data_hash, _label_frame(label), label.hash))
    return items


def _request(kind: str, item: Item) -> Any:
    from encord.orm.collection import ProjectDataCollectionItemRequest, ProjectLabelCollectionItemRequest

    if kind == FRAME:
        return ProjectDataCollectionItemRequest(data_uuid=item[0], frame=item[1])
    return ProjectLabelCollectionItemRequest(data_uuid=item[0], frame=item[1], annotation_id=item[2])
