"""All label files under a directory -> `DesiredState`: parsed rows plus every finding, located.

The hot path of a no-change plan lives here, so it is hash-first:
1. read every file's bytes and digest them (cheap);
2. a file the cache knows (same bytes, data unit, ontology) whose row fingerprint equals the
   one the remote lists is `unchanged`: it is not parsed at all;
3. the other files are parsed, on every core when there are many, and a parsed row whose
   fingerprint equals the listed one is `unchanged` too; only the rest are returned in full.
Line numbers are looked up only for files that have findings, and for the files returned in full (the
provenance of each change: `provenance.with_lines`). When the files to parse hold more than `HOLD_BYTES` of
YAML, none is held parsed: each file whose row differs comes back `Deferred` (checked, fingerprinted) and is
parsed again, a bundle at a time, when the planner reaches it (`DesiredState.parsed`), so memory is bounded
by a bundle, not by the project. A file with `was:` renames is returned in full even when
its row matches, so the plan shows its renames.

Label files and the masks they name are read through `bounded.read_inside`: regular files inside the
repository, within `limits:` (see bounded.py and png.py); anything else is a finding, never a hang.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from enum import Enum
from multiprocessing import get_context
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from reconciler import parallel, yamlio
from reconciler.canonical import row_fingerprint
from reconciler.desired.bounded import ReadLimits, Refused, RegularFiles, read_inside
from reconciler.desired.cache import CacheEntry, DesiredCache, content_digest, context_key, digest
from reconciler.desired.declared import with_lines
from reconciler.desired.label_file import DataRef, LabelFile, parse_label_file, read_ref
from reconciler.desired.png import MaskRules, reading_masks
from reconciler.desired.signatures import Known, Signatures
from reconciler.diagnostics import Finding
from reconciler.errors import LabelsyncError
from reconciler.model import DataUnit, LabelRow, RowKey
from reconciler.ontology import Ontology, suggest

NOT_LABEL_FILES = ("manifest.yaml", "manifest.yml")
_WAS = re.compile(r"\bwas[ \t]*:")
"""Text that may be a `was:` key: such a file is parsed, never set aside from the cache (a cheap over-estimate)."""
HOLD_BYTES = 16_000_000
"""Above this much YAML to parse, differing files are `Deferred`, not held parsed (about 10 bytes of memory
per byte of YAML when held)."""


@dataclass(slots=True)
class Source:
    """A label file as found: where it is, its digest, and its text (read now, or when first asked for).

    Not frozen, though nothing but `text` sets a field: a warm plan makes one per label file, and a frozen
    dataclass's `__init__` costs five times as much (0.07 s for 50,000 files)."""

    file: str
    """Where it is, as found (`label_file_names`)."""
    name: str
    """The path as shown to people: relative to the repository root."""
    digest: str
    """Of the text as read (newlines made LF): of the bytes themselves when nothing changed."""
    root: Path | None = None
    """The repository (resolved): what the file's masks must be inside."""
    limits: ReadLimits = field(default_factory=ReadLimits)
    may_branch: bool = True
    """Whether the text may hold a `branch:` key (`branch` as a word, or a backslash: an escaped key)."""
    may_rename: bool = True
    """Whether the text may hold a `was:` key."""
    loaded: str | None = field(default=None, repr=False, compare=False)
    """The text, once read; a file known by its signature (`signatures`) is read only when `text` is asked for."""

    @classmethod
    def of_text(
        cls, file: str, name: str, text: str, digest: str, root: Path | None, limits: ReadLimits
    ) -> Source:
        return cls(file, name, digest, root, limits, _may_branch(text), _may_rename(text), text)

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def text(self) -> str:
        if self.loaded is None:
            self.loaded = self._read_again()
        return self.loaded

    def _read_again(self) -> str:
        try:
            data = read_inside(self.path, self.root, self.limits.label_file_bytes, "limits.label_file_bytes")
            text: str | None = _universal_newlines(data.decode("utf-8"))
        except (OSError, ValueError):  # Refused and UnicodeDecodeError are ValueErrors
            text = None
        if text is None or digest(text) != self.digest:
            raise LabelsyncError(f"{self.name} changed while labelsync was reading the label files: run it again")
        return text

    def mask_rules(self, unit: DataUnit | None) -> MaskRules:
        """How its masks are read: inside the repository, within the limits, of the unit's size if known."""
        known = unit is not None and not unit.sizes and unit.width > 0 and unit.height > 0
        size = (unit.title, unit.width, unit.height) if unit is not None and known else None
        return MaskRules(self.root, self.limits.mask_bytes, self.limits.mask_pixels, size)


class Unchanged(NamedTuple):
    """A file whose row already matches the remote (or, offline, is known to be clean)."""

    name: str
    key: RowKey
    ref: DataRef
    labels: int = 0
    """How many labels it declares (and so the remote row holds)."""


@dataclass(frozen=True)
class Deferred:
    """A clean file whose row differs from the remote, not held parsed (see `HOLD_BYTES`)."""

    name: str
    key: RowKey
    ref: DataRef
    empty: bool
    """It declares nothing: no labels and no tags."""


Reparse = Callable[[Sequence[Deferred]], list[LabelFile]]


@dataclass(frozen=True)
class DesiredState:
    files: tuple[LabelFile, ...]
    unchanged: tuple[Unchanged, ...]
    findings: tuple[Finding, ...]
    deferred: tuple[Deferred, ...] = ()
    reparse: Reparse | None = field(default=None, compare=False, repr=False)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def keys(self) -> set[RowKey]:
        return {f.row.key for f in self.files} | {u.key for u in self.unchanged} | {d.key for d in self.deferred}

    @property
    def refs(self) -> list[DataRef]:
        """What every file names, in no particular order."""
        return [f.ref for f in self.files] + [u.ref for u in self.unchanged] + [d.ref for d in self.deferred]

    @property
    def count(self) -> int:
        return len(self.files) + len(self.unchanged) + len(self.deferred)

    def parsed(self, files: Sequence[LabelFile | Deferred]) -> list[LabelFile]:
        """`files`, in order, with each `Deferred` one parsed again."""
        deferred = [f for f in files if isinstance(f, Deferred)]
        if not deferred:
            return [f for f in files if isinstance(f, LabelFile)]
        assert self.reparse is not None
        again = iter(self.reparse(deferred))
        return [next(again) if isinstance(f, Deferred) else f for f in files]


@dataclass(frozen=True)
class ParseContext:
    """Everything parsing one file depends on; sent once to each worker process."""

    ontology: Ontology
    units: tuple[DataUnit, ...] | None
    """The project's data units, or None offline (then data units are not checked)."""
    default_branch: str = "main"
    default_prune: bool = True
    _by_hash: dict[str, DataUnit] = field(default_factory=dict, init=False, repr=False, compare=False)
    _by_title: dict[str, list[DataUnit]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _contexts: dict[int, tuple[ReadLimits, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """By `id` of the limits (every file shares one object; hashing a dataclass per file costs more)."""

    def __post_init__(self) -> None:
        by_hash = {u.hash: u for u in self.units or ()}
        by_title: dict[str, list[DataUnit]] = {}
        for unit in self.units or ():
            by_title.setdefault(unit.title, []).append(unit)
        object.__setattr__(self, "_by_hash", by_hash)
        object.__setattr__(self, "_by_title", by_title)

    def resolve(self, ref: DataRef) -> tuple[DataUnit | None, str | None]:
        """(unit, None), (None, why it cannot be found), or (None, None) offline."""
        if self.units is None:
            return None, None
        if ref.hash is not None:
            unit = self._by_hash.get(ref.hash)
            return (unit, None) if unit else (None, f"no data unit with hash {ref.hash} in the project")
        matches = self._by_title.get(ref.title or "", [])
        if len(matches) == 1:
            return matches[0], None
        if not matches:
            return (
                None,
                f'no data unit titled "{ref.title}" in the project{suggest(ref.title or "", self._by_title)}',
            )
        return None, f'{len(matches)} data units are titled "{ref.title}": name it by `data_hash:` instead'

    def cache_context(self, unit: DataUnit | None, limits: ReadLimits) -> str:
        """What a cache entry of a file naming `unit` depends on besides the file's own bytes."""
        known = self._contexts.get(id(limits))
        if known is None or known[0] is not limits:  # the same for every file: worked out once
            constant = context_key(self.ontology.fingerprint, self.default_branch, self.default_prune, limits)
            known = self._contexts[id(limits)] = (limits, constant)
        return digest(known[1] + "\0" + _unit_key(unit))


def _unit_key(unit: DataUnit | None) -> str:
    """Every field of the data unit parsing may depend on, as text: all but `media`, where the file is (Encord
    signs a new URL each listing). Spelled out, as it runs once per file (a new field of `DataUnit` goes here):
    the fields unpacked, not looked up by name, the enum's `_value_` (its `value` is a property), and an empty
    `sizes` written out rather than formatted; 40% faster than the plain f-string, and the same text."""
    if unit is None:
        return "None"
    hash_, title, type_, frames, width, height, fps, sizes, file_type, _ = unit
    return (
        f"{hash_}\0{title}\0{type_._value_}\0{frames}\0{width}\0{height}\0{fps!r}\0{sizes if sizes else '()'}"
        f"\0{file_type}"
    )


def discover(labels_dir: Path) -> list[Path]:
    """The label files under `labels_dir`: `*.yaml` and `*.yml` (any entry so named, links included), not
    under a linked folder, and not a manifest or a name starting with `_`; in path order."""
    return [Path(name) for name in label_file_names(labels_dir)]


def label_file_names(labels_dir: Path) -> list[str]:
    """`discover`, as strings: what reading them needs (a `Path` per file costs a warm plan of 50,000 files
    half a second)."""
    found: list[str] = []
    if labels_dir.is_dir():
        _walk(os.fspath(labels_dir), found)
    return found


def _walk(folder: str, found: list[str]) -> None:
    """The label files under `folder`, in path order: each folder's entries by name, a folder's files
    right after the folder's own name (so no sort of every path is needed). Linked folders are not entered;
    a folder that cannot be listed is skipped, as `os.walk` skips it."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=_entry_name)
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.endswith((".yaml", ".yml")) and name not in NOT_LABEL_FILES and not name.startswith("_"):
            found.append(entry.path)
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_folder:
            _walk(entry.path, found)


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


def read_sources(
    paths: Iterable[str | Path], root: Path, limits: ReadLimits | None = None, signatures: Signatures | None = None
) -> tuple[list[Source], list[Finding]]:
    """Each label file's text; a file that is not a regular UTF-8 file inside `root` (the repository)
    within `limits.label_file_bytes` is a finding instead, and is never read past the limit. With
    `signatures`, a file whose signature is the one recorded is not read (its text is, if asked for), and
    the files read are recorded."""
    sources, findings = [], []
    limits = limits or ReadLimits()
    root = root.resolve()
    root_s = str(root)  # a `Path` per file is what the loop must not make (a warm plan checks 50,000 files)
    resolved: dict[str, str] = {}
    with RegularFiles(root_s, resolved) as regular:
        for found in paths:
            path = os.fspath(found)
            name = display_path(path, root_s)
            before = regular.lstat(path) if signatures is not None else None
            known = signatures.known(name, before) if signatures is not None and before is not None else None
            if known is not None:
                sources.append(Source(path, name, known.digest, root, limits, known.may_branch, known.may_rename))
                continue
            try:
                data = read_inside(path, root, limits.label_file_bytes, "limits.label_file_bytes", resolved)
            except FileNotFoundError:
                findings.append(Finding(name, (), "not read: the file is gone"))
                continue
            except Refused as exc:
                findings.append(Finding(name, (), f"not read: {exc}"))
                continue
            try:
                decoded = data.decode("utf-8")
            except UnicodeDecodeError:
                findings.append(Finding(name, (), "not UTF-8 text"))
                continue
            text = _universal_newlines(decoded)
            source = Source.of_text(
                path, name, text, content_digest(data) if text is decoded else digest(text), root, limits
            )
            sources.append(source)
            if signatures is not None and before is not None and (after := regular.lstat(path)):
                signatures.record(name, before, after, Known(source.digest, source.may_branch, source.may_rename))
    return sources, findings


def _universal_newlines(text: str) -> str:
    """As a file opened as text reads it: CRLF and lone CR line ends become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_BRANCH_WORD = re.compile(r"branch(?![\w-])")
"""`branch` as a whole word: what a `branch:` key needs (`branch-3`, an id, and `Branch`, a class, are not)."""


def branches_named(sources: Iterable[Source], default: str) -> frozenset[str]:
    """The branches the files name (to list the remote before parsing them in full): read from the parsed
    YAML, as the parser reads them, for the files that may have a `branch:` key at all: `branch` as a word,
    or a backslash (a double-quoted key may spell it with escapes)."""
    named = {default}
    for source in sources:
        if source.may_branch:
            branch = _branch_of(source.text)
            if branch is not None:
                named.add(branch)
    return frozenset(named)


def _may_branch(text: str) -> bool:
    return "\\" in text or ("branch" in text and _BRANCH_WORD.search(text) is not None)


def _branch_of(text: str) -> str | None:
    try:
        doc = yamlio.load(text)
    except ValueError:  # YamlSyntaxError and kin: reported when the file is parsed
        return None
    branch = doc.get("branch") if isinstance(doc, dict) else None
    return branch if isinstance(branch, str) else None


def load_desired(
    sources: list[Source],
    context: ParseContext,
    listed: Mapping[RowKey, str | None] | None = None,
    *,
    cache: DesiredCache | None = None,
    earlier: Iterable[Finding] = (),
    checks_only: bool = False,
) -> DesiredState:
    """Parse and check `sources`. `listed` maps rows to the fingerprints the remote lists
    (None offline, where every clean cached file counts as unchanged). `checks_only` (`validate`): only the
    findings are wanted, so every clean file (a cached one included, whatever the remote holds) comes back as
    `Unchanged`, with no fingerprint, cache entry or lines computed and no row sent back from a worker."""
    cache = cache or DesiredCache(None)
    unchanged: list[Unchanged] = []
    to_parse: list[Source] = []
    for source in sources:
        cached = _cached(cache, source, context)
        if cached is None:
            to_parse.append(source)
            continue
        hit, ref = cached
        key = RowKey(hit.row_data_hash, hit.branch)
        if checks_only or listed is None or (listed.get(key) == hit.fingerprint and not source.may_rename):
            unchanged.append(Unchanged(source.name, key, ref, hit.labels))
        else:
            to_parse.append(source)

    want = _Want.FINDINGS if checks_only else _Want.ROWS
    if want is _Want.ROWS and sum(len(s.text) for s in to_parse) > HOLD_BYTES:
        want = _Want.FINGERPRINTS
    files: list[LabelFile] = []
    deferred: list[Deferred] = []
    findings: list[Finding] = list(earlier)
    for result in _parse_all(to_parse, context, listed, want):
        findings.extend(result.findings)
        if result.entry is not None:
            cache.put(result.name, result.entry)
        if result.unchanged is not None:
            unchanged.append(result.unchanged)
        elif result.file is not None:
            files.append(result.file)
        elif result.deferred is not None:
            deferred.append(result.deferred)
    findings.extend(_same_row_twice(files, unchanged, deferred))
    cache.save()
    reparse = None
    if deferred:
        held = {d.name for d in deferred}
        reparse = _Reparse({s.name: s for s in to_parse if s.name in held}, context)
    return DesiredState(
        tuple(files), tuple(unchanged), tuple(_with_lines(findings, sources)), tuple(deferred), reparse
    )


class _Want(Enum):
    """What a parse sends back for a clean file whose row differs from the remote (or, for PARSED, any)."""

    FINDINGS = "findings"
    """Nothing (`validate`): every clean file comes back `Unchanged`."""
    ROWS = "rows"
    """The parsed file, with its lines."""
    FINGERPRINTS = "fingerprints"
    """A `Deferred`: the desired state is too big to hold parsed."""
    PARSED = "parsed"
    """The parsed file, with its lines, whatever the remote holds (a `Deferred` parsed again)."""


@dataclass(frozen=True)
class _Reparse:
    sources: dict[str, Source]
    context: ParseContext

    def __call__(self, deferred: Sequence[Deferred]) -> list[LabelFile]:
        files = []
        for item in deferred:
            result = _parse_one(self.sources[item.name], self.context, None, _Want.PARSED)
            if result.file is None or result.file.row.key != item.key:
                raise LabelsyncError(f"{item.name} (or a mask it names) changed while labelsync ran: run it again")
            files.append(result.file)
        return files


def _may_rename(text: str) -> bool:
    return "was" in text and _WAS.search(text) is not None


def _cached(cache: DesiredCache, source: Source, context: ParseContext) -> tuple[CacheEntry, DataRef] | None:
    """The cache's entry of the file, and what the file names, when the entry holds in this context."""
    hit = cache.get(source.name, source.digest)
    if hit is None:
        return None
    ref = DataRef(hit.title, hit.data_hash, hit.branch)
    unit, problem = context.resolve(ref)
    if problem or hit.context != context.cache_context(unit, source.limits):
        return None
    if hit.masks and not all(_mask_digest(source, path) == sha for path, sha in hit.masks):
        return None
    return hit, ref


def _beside(path: Path, folder: Path) -> str:
    """`path` relative to `folder` as written (`..` kept: through a linked folder it is not lexical)."""
    return str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)


def _mask_digest(source: Source, relative: str) -> str | None:
    """The digest of a mask a cached file read, read again as `read_mask` reads it; None if it cannot be."""
    try:
        data = read_inside(source.path.parent / relative, source.root, source.limits.mask_bytes, "")
    except (OSError, ValueError):
        return None
    return content_digest(data)


@dataclass(frozen=True)
class _Result:
    name: str
    """The file's name (not its `Source`: a worker sends results back, and the text need not travel)."""
    findings: list[Finding]
    file: LabelFile | None = None
    unchanged: Unchanged | None = None
    entry: CacheEntry | None = None
    deferred: Deferred | None = None


def _parse_one(
    source: Source, context: ParseContext, listed: Mapping[RowKey, str | None] | None, want: _Want = _Want.ROWS
) -> _Result:
    try:
        doc = yamlio.load(source.text)
    except yamlio.YamlSyntaxError as exc:
        return _Result(source.name, [Finding(source.name, (), f"invalid YAML: {exc}", line=exc.line)])
    ref = read_ref(doc, context.default_branch)
    unit, problem = context.resolve(ref) if ref else (None, None)
    if problem and ref:
        return _Result(
            source.name, [Finding(source.name, ("data" if ref.title is not None else "data_hash",), problem)]
        )
    if unit is not None and ref is not None and not unit.type.declarable:
        message = (
            f"{unit.title} is a row of type {unit.type.value}: labelsync cannot declare labels on {unit.type.value} rows"
            " yet, so this file is skipped and the row's labels are kept as they are"
        )
        field = "data" if ref.title is not None else "data_hash"
        return _Result(source.name, [Finding(source.name, (field,), message, severity="warning")])
    with reading_masks(source.mask_rules(unit)) as masks:
        label_file, findings = parse_label_file(
            source.name,
            doc,
            context.ontology,
            unit,
            default_branch=context.default_branch,
            default_prune=context.default_prune,
            base_dir=source.path.parent,
        )
    if label_file is None or findings:
        return _Result(source.name, findings)
    if want is _Want.FINDINGS:
        return _Result(
            source.name,
            [],
            unchanged=Unchanged(source.name, label_file.row.key, label_file.ref, len(label_file.row.labels)),
        )
    fingerprint = row_fingerprint(label_file.row)
    entry = CacheEntry(
        digest=source.digest,
        context=context.cache_context(unit, source.limits),
        title=label_file.ref.title,
        data_hash=label_file.ref.hash,
        branch=label_file.ref.branch,
        row_data_hash=label_file.row.key.data_hash,
        prune=label_file.prune,
        fingerprint=fingerprint,
        masks=tuple((_beside(path, source.path.parent), sha) for path, sha in masks),
        labels=len(label_file.row.labels),
    )
    if want is _Want.PARSED:
        return _Result(source.name, [], file=with_lines(label_file, source.text, doc))
    if listed is None or (listed.get(label_file.row.key) == fingerprint and not label_file.renamed):
        return _Result(
            source.name,
            [],
            unchanged=Unchanged(source.name, label_file.row.key, label_file.ref, len(label_file.row.labels)),
            entry=entry,
        )
    if want is _Want.FINGERPRINTS:
        key = label_file.row.key
        deferred = Deferred(source.name, key, label_file.ref, label_file.row == LabelRow(key))
        return _Result(source.name, [], deferred=deferred, entry=entry)
    return _Result(source.name, [], file=with_lines(label_file, source.text, doc), entry=entry)


_WORKER: tuple[list[Source], ParseContext, Mapping[RowKey, str | None] | None, _Want] | None = None


def _init_worker(
    sources: list[Source], context: ParseContext, listed: Mapping[RowKey, str | None] | None, want: _Want
) -> None:
    global _WORKER
    _WORKER = (sources, context, listed, want)


def _parse_chunk(chunk: tuple[int, int]) -> list[_Result]:
    """The results of `sources[start:end]`. A forked worker has the sources already (the pool's initializer
    arguments are inherited, not sent), so a chunk is two numbers: sending 50,000 files' text through the
    pool's pipe cost the parent a core for seconds while the workers parsed."""
    assert _WORKER is not None
    sources, context, listed, want = _WORKER
    return [_parse_one(source, context, listed, want) for source in sources[chunk[0] : chunk[1]]]


def _parse_all(
    sources: list[Source],
    context: ParseContext,
    listed: Mapping[RowKey, str | None] | None,
    want: _Want,
) -> list[_Result]:
    shape = parallel.pool_shape(len(sources))
    if shape is None:
        return [_parse_one(source, context, listed, want) for source in sources]
    workers, size = shape
    chunks = [(i, i + size) for i in range(0, len(sources), size)]
    with ProcessPoolExecutor(workers, get_context("fork"), _init_worker, (sources, context, listed, want)) as pool:
        return [result for chunk in pool.map(_parse_chunk, chunks) for result in chunk]


def _same_row_twice(files: list[LabelFile], unchanged: list[Unchanged], deferred: list[Deferred]) -> list[Finding]:
    keys = {f.row.key for f in files}
    keys.update(u.key for u in unchanged)
    keys.update(d.key for d in deferred)
    if len(keys) == len(files) + len(unchanged) + len(deferred):
        return []  # the usual case, found without sorting every file by name
    first: dict[RowKey, str] = {}
    findings = []
    named = [(f.path, f.row.key, f.ref) for f in files] + [(u.name, u.key, u.ref) for u in unchanged]
    named += [(d.name, d.key, d.ref) for d in deferred]
    for name, key, ref in sorted(named, key=itemgetter(0)):
        other = first.setdefault(key, name)
        if other != name:
            field = "data" if ref.title is not None else "data_hash"
            findings.append(
                Finding(
                    name,
                    (field,),
                    f"{other} already declares the label row of {ref}: keep one file per data unit and branch",
                )
            )
    return findings


def _with_lines(findings: list[Finding], sources: list[Source]) -> list[Finding]:
    by_name = {s.name: s for s in sources}
    by_file: dict[str, list[int]] = {}
    for index, finding in enumerate(findings):
        if finding.line is None and finding.file in by_name:
            by_file.setdefault(finding.file, []).append(index)
    located = list(findings)
    for name, indexes in by_file.items():
        lines = yamlio.lines_of(by_name[name].text, [findings[i].path for i in indexes])
        for index, line in zip(indexes, lines, strict=True):
            located[index] = replace(findings[index], line=line)
    return located


def display_path(found: str | Path, root: str | Path) -> str:
    """`found` as shown to people: relative to `root` when it is under it (resolving links only when the
    plain path is not, so paths found under the root cost nothing, not even a `Path`), else as given."""
    shown, base = os.fspath(found), os.fspath(root)
    if shown.startswith("/") and base != "/" and shown.startswith(base + "/") and "/." not in shown:
        return shown[len(base) + 1 :]  # what relative_to gives, without its cost per file
    path, root = Path(shown), Path(root)
    if path.is_relative_to(root):
        return str(path.relative_to(root))
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
