"""`pull`: write the remote's label rows of one branch as label files, in bundles, through the `Remote` protocol.

1. the ontology and the listing (one branch); `--data` picks rows by title or data hash;
2. every label file under the labels directory is indexed by the row it declares (its `data:` and `branch:`
   only), so a row that has a file is written to that file, and the other rows get safe new names;
3. bundle by bundle: fetch, build each row's document (keeping the ids, `prune:` and PNG masks of its file),
   check that the text reads back as exactly the remote row, write it atomically, and drop it all.
   With `drifted`, rows whose file already declares what the remote holds are left alone (on a remote that
   lists fingerprints, without fetching them).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from reconciler.canonical import row_fingerprint
from reconciler.config import Config
from reconciler.desired.loading import ParseContext, display_path
from reconciler.encord_format import EncordFormatError
from reconciler.errors import LabelsyncError
from reconciler.layout import dump_label_file
from reconciler.model import DataUnit, LabelRow, RowKey
from reconciler.ontology import Ontology, suggest
from reconciler.pull.document import Naming, Unrepresentable, round_trip_problem, row_document
from reconciler.pull.files import (
    ExistingFile,
    PullError,
    Written,
    index_label_files,
    inside,
    read_existing,
    write_file,
)
from reconciler.pull.paths import NamedRow, file_names
from reconciler.remotes.base import Listing, Remote

Progress = Callable[[int, int], None]
SCHEMA = Path("schemas") / "label-file.schema.json"


@dataclass(frozen=True)
class PullOptions:
    directory: Path
    """Where new label files go (inside the labels directory)."""
    branch: str
    data: tuple[str, ...] = ()
    drifted: bool = False


@dataclass(frozen=True)
class Skipped:
    row: str
    reason: str


@dataclass
class PullReport:
    written: Counter[Written] = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    """Rows left out: what a label file cannot declare yet, or what the remote could not read."""
    failed: list[Skipped] = field(default_factory=list)
    """Rows whose file could not be written."""
    warnings: list[str] = field(default_factory=list)
    ontology: Written | None = None

    @property
    def pulled(self) -> int:
        return sum(self.written.values())


def pull(config: Config, remote: Remote, options: PullOptions, progress: Progress | None = None) -> PullReport:
    if not inside(options.directory, config.labels_dir):
        raise PullError(
            f"{options.directory} is not inside the labels directory {config.labels_dir}: "
            "plan would not read files there (give a --dir inside it, or change `labels:` in labelsync.yaml)"
        )
    report = PullReport()
    ontology = remote.ontology()
    listing = remote.list_rows(frozenset({options.branch}))
    units = listing.by_hash()
    keys = _selected(listing, options, remote.description, report)
    context = ParseContext(ontology, listing.data_units, default_branch=config.branch, default_prune=config.prune)
    existing, warnings = index_label_files(config.labels_dir, config.root, context)
    report.warnings.extend(warnings)
    try:
        report.ontology = _write_ontology(config, ontology)
    except PullError as exc:
        report.warnings.append(f"the ontology was not written: {exc}")
    taken = os.listdir(options.directory) if options.directory.is_dir() else []
    names = file_names(
        (NamedRow(k, units[k.data_hash].title) for k in keys if k not in existing),
        taken,
        default_branch=config.branch,
    )
    shared = {title for title, n in Counter(u.title for u in listing.data_units).items() if n > 1}
    writer = _Writer(config, ontology, shared, report)
    done = 0
    for bundle in _bundles(keys, config.bundle_size):
        files = {
            k: read_existing(existing[k], config.root, context, units[k.data_hash])
            for k in bundle
            if k in existing
        }
        to_fetch = [k for k in bundle if not (options.drifted and _in_sync(files.get(k), listing, k))]
        report.written[Written.UNCHANGED] += len(bundle) - len(to_fetch)
        fetched = _fetch(remote, to_fetch, units, report)
        while fetched:  # each row dropped as soon as its file is written
            key, row = fetched.popitem()
            file = files.get(key)
            if options.drifted and file is not None and file.fingerprint == row_fingerprint(row):
                report.written[Written.UNCHANGED] += 1
                continue
            path = file.path if file else options.directory / names[key]
            writer.write(row, units[key.data_hash], path, file, options.directory if file is None else None)
        done += len(bundle)
        if progress is not None:
            progress(done, len(keys))
    return report


def row_name(unit: DataUnit, key: RowKey) -> str:
    return unit.title if key.branch == "main" else f"{unit.title} @ {key.branch}"


# -- steps -------------------------------------------------------------------------------------------


def _selected(listing: Listing, options: PullOptions, where: str, report: PullReport) -> list[RowKey]:
    units = listing.by_hash()
    rows = [k for k in listing.rows if k.branch == options.branch]
    if options.data:
        by_title: dict[str, list[str]] = {}
        for unit in listing.data_units:
            by_title.setdefault(unit.title, []).append(unit.hash)
        wanted: set[str] = set()
        unknown = []
        for name in options.data:
            hashes = [name] if name in units else by_title.get(name, [])
            if not hashes:
                unknown.append(f'"{name}"{suggest(name, by_title)}')
            wanted.update(hashes)
        if unknown:
            raise PullError(
                f"no data unit {', '.join(unknown)} in {where}: --data takes data unit titles or data hashes"
            )
        rows = [k for k in rows if k.data_hash in wanted]
        have = {k.data_hash for k in rows}
        for data_hash in sorted(wanted - have, key=lambda h: units[h].title):
            report.warnings.append(
                f"{units[data_hash].title} has no label row on branch {options.branch} yet: nothing to pull"
            )
    declarable = []
    for key in rows:
        unit = units[key.data_hash]
        if unit.type.declarable:
            declarable.append(key)
        else:
            reason = f"labelsync cannot declare labels on {unit.type.value} rows yet (they are kept as they are)"
            report.skipped.append(Skipped(row_name(unit, key), reason))
    return sorted(declarable, key=lambda k: (units[k.data_hash].title, k.data_hash))


def _bundles(keys: Sequence[RowKey], size: int) -> Iterator[list[RowKey]]:
    for start in range(0, len(keys), size):
        yield list(keys[start : start + size])


def _in_sync(file: ExistingFile | None, listing: Listing, key: RowKey) -> bool:
    """The file declares what the remote lists (known without fetching only where the listing says)."""
    listed = listing.rows[key].fingerprint
    return file is not None and file.fingerprint is not None and file.fingerprint == listed


def _fetch(
    remote: Remote, keys: list[RowKey], units: dict[str, DataUnit], report: PullReport
) -> dict[RowKey, LabelRow]:
    """The rows, bundled; when a bundle fails, row by row, skipping (and reporting) the rows that fail.
    When every row fails and not for its content, the remote is failing: that ends the pull."""
    if not keys:
        return {}
    try:
        return remote.fetch(keys)
    except LabelsyncError as error:
        first = error
    rows: dict[RowKey, LabelRow] = {}
    failed: list[tuple[RowKey, LabelsyncError]] = []
    for key in keys:
        try:
            rows.update(remote.fetch([key]))
        except LabelsyncError as row_error:
            failed.append((key, row_error))
    if not rows and not any(isinstance(e, EncordFormatError) for _, e in failed):
        raise first
    for key, reason in failed:
        report.skipped.append(Skipped(row_name(units[key.data_hash], key), str(reason)))
    return rows


class _Writer:
    def __init__(self, config: Config, ontology: Ontology, shared: set[str], report: PullReport) -> None:
        self.config = config
        self.ontology = ontology
        self.shared = shared
        self.report = report

    def write(
        self, row: LabelRow, unit: DataUnit, path: Path, file: ExistingFile | None, new_in: Path | None
    ) -> None:
        name = row_name(unit, row.key)
        naming = Naming(
            default_branch=self.config.branch,
            by_hash=unit.title in self.shared or (file is not None and file.by_hash),
            ids=file.ids if file else {},
            prune=file.prune if file and file.prune is not None and file.prune != self.config.prune else None,
            masks=file.masks if file else {},
            renamed=file.renamed if file else {},
            protect=file.protect if file else False,
            protected=file.protected if file else frozenset(),
        )
        try:
            header = file.header if file else None
            text = self._text(row, unit, path, naming, header)
            if naming.masks and text is None:
                text = self._text(row, unit, path, replace(naming, masks={}), header)
        except Unrepresentable as exc:
            self.report.skipped.append(Skipped(name, str(exc)))
            return
        if text is None:
            return
        try:
            written = write_file(path, text, new_in or self.config.labels_dir)
        except PullError as exc:
            self.report.failed.append(Skipped(name, str(exc)))
            return
        self.report.written[written] += 1

    def _text(self, row: LabelRow, unit: DataUnit, path: Path, naming: Naming, header: str | None) -> str | None:
        """The file's text, or None (reported unless PNG masks may be the reason) when it would not read
        back as `row`."""
        text = dump_label_file(row_document(row, self.ontology, unit, naming), header or self._header(path))
        problem = round_trip_problem(
            text,
            display_path(path, self.config.root),
            row,
            self.ontology,
            unit,
            default_branch=self.config.branch,
            default_prune=self.config.prune,
            base_dir=path.parent,
        )
        if problem is None:
            return text
        if not naming.masks:
            self.report.skipped.append(Skipped(row_name(unit, row.key), f"cannot be declared exactly: {problem}"))
        return None

    def _header(self, path: Path) -> str | None:
        schema = self.config.path(SCHEMA)
        if not schema.is_file():
            return None
        relative = Path(os.path.relpath(schema, path.parent)).as_posix()
        return f"# yaml-language-server: $schema={relative}"


def _write_ontology(config: Config, ontology: Ontology) -> Written:
    path = config.ontology_file
    if path.is_file():
        try:
            if json.loads(path.read_text(encoding="utf-8")) == ontology.editor:
                return Written.UNCHANGED
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            pass
    text = json.dumps(ontology.editor, indent=2, ensure_ascii=False) + "\n"
    return write_file(path, text, config.root)
