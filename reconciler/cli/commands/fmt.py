"""`labelsync fmt`: rewrite label files in the canonical layout (`reconciler.layout`), or check them.

Every label file under the labels directory, or the files and directories given. A file already in
the layout is not written (its mtime stays). `--check` writes nothing and exits 1 when a file would
change, for CI and pre-commit hooks; `--diff` writes nothing and shows the changes. A file that is not
valid YAML is named with its line and left as it is; the others are formatted anyway.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import typer

from reconciler import layout, parallel, yamlio
from reconciler.cli.output import inert, plural
from reconciler.config import Config, load_config
from reconciler.desired.bounded import ReadLimits, Refused, read_inside
from reconciler.desired.loading import discover, display_path
from reconciler.errors import LabelsyncError


class FormatError(LabelsyncError):
    """A path to format does not exist, or some files could not be formatted (left as they were)."""


@dataclass(frozen=True)
class _Outcome:
    """One file: its text before and after when formatting changes it, or why it cannot be formatted."""

    path: Path
    name: str
    text: str = ""
    formatted: str | None = None
    """None when the file is formatted already."""
    problem: str | None = None

    @property
    def changed(self) -> bool:
        return self.formatted is not None


def fmt(config_path: Path | None, paths: list[Path], check: bool, diff: bool = False) -> None:
    config = load_config(config_path)
    outcomes = _format_files([(path, display_path(path, config.root)) for path in _files(config, paths)])
    write = not (check or diff)
    for outcome in outcomes:
        if outcome.changed:
            _report(outcome, write, diff)
    print(_summary(outcomes, write), file=sys.stdout)
    problems = [outcome.problem for outcome in outcomes if outcome.problem is not None]
    if problems:
        raise FormatError(_problems_message(problems))
    if check and any(outcome.changed for outcome in outcomes):
        raise typer.Exit(1)


def _files(config: Config, paths: list[Path]) -> list[Path]:
    """The label files to format: every one under the labels directory, or under/at `paths`."""
    if not paths:
        return discover(config.labels_dir)
    found: dict[Path, Path] = {}
    for path in paths:
        if path.is_dir():
            found.update((file.resolve(), file) for file in discover(path))
        elif path.is_file():
            found.setdefault(path.resolve(), path)
        else:
            raise FormatError(f"{inert(str(path))}: no such file or directory")
    return list(found.values())


def _format_files(files: list[tuple[Path, str]]) -> list[_Outcome]:
    """Each file formatted in memory, on every core when there are many."""
    shape = parallel.pool_shape(len(files))
    if shape is None:
        return [_format_file(file) for file in files]
    workers, size = shape
    with ProcessPoolExecutor(workers, get_context("fork")) as pool:
        return list(pool.map(_format_file, files, chunksize=size))


def _format_file(file: tuple[Path, str]) -> _Outcome:
    path, name = file
    name = inert(name)
    try:
        text = read_inside(path, None, ReadLimits().label_file_bytes, "limits.label_file_bytes").decode("utf-8")
    except UnicodeDecodeError:
        return _Outcome(path, name, problem=f"{name}: not UTF-8 text")
    except FileNotFoundError:
        return _Outcome(path, name, problem=f"{name}: not read: the file is gone")
    except Refused as exc:
        return _Outcome(path, name, problem=f"{name}: not read: {inert(str(exc))}")
    try:
        formatted = layout.format_label_text(text)
    except yamlio.YamlSyntaxError as exc:
        return _Outcome(path, name, problem=f"{name}:{exc.line or 1}: invalid YAML: {inert(str(exc))}")
    return _Outcome(path, name) if formatted == text else _Outcome(path, name, text, formatted)


def _report(outcome: _Outcome, write: bool, diff: bool) -> None:
    if diff:
        sys.stdout.writelines(_unified_diff(outcome))
    if write:
        outcome.path.write_bytes((outcome.formatted or "").encode("utf-8"))
        print(f"reformatted {outcome.name}", file=sys.stdout)
    else:
        print(f"would reformat {outcome.name}", file=sys.stdout)


def _unified_diff(outcome: _Outcome) -> Iterable[str]:
    """The diff, one printed line per diff line: what the file holds shown inert (a CR, an escape
    sequence, a line separator is shown, not acted on), its tabs kept."""
    lines = difflib.unified_diff(
        outcome.text.splitlines(keepends=True),
        (outcome.formatted or "").splitlines(keepends=True),
        fromfile=f"a/{outcome.name}",
        tofile=f"b/{outcome.name}",
    )
    for line in lines:
        body = line[:-1] if line.endswith("\n") else line
        yield "\t".join(inert(part) for part in body.split("\t")) + "\n"


def _summary(outcomes: list[_Outcome], write: bool) -> str:
    if not outcomes:
        return "No label files to format."
    changed = sum(outcome.changed for outcome in outcomes)
    problems = sum(outcome.problem is not None for outcome in outcomes)
    unchanged = len(outcomes) - changed - problems
    if write:
        summary = f"{plural(changed, 'file')} reformatted, {unchanged} left unchanged"
    else:
        summary = f"{plural(changed, 'file')} would be reformatted, {unchanged} already formatted"
    return f"{summary}, {problems} with errors." if problems else f"{summary}."


def _problems_message(problems: list[str]) -> str:
    if len(problems) == 1:
        return f"{problems[0]} (the file was left as it was)"
    listed = "".join(f"\n  {problem}" for problem in problems)
    return f"{len(problems)} files could not be formatted and were left as they were:{listed}"
