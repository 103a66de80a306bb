"""The one place exceptions become messages and exit codes.

The exit codes (`EXIT_CODES`, shown in `labelsync --help` and the README): 0 done, or no changes; 1 an
error, a mistyped command or option included; 2 changes present (`plan --detailed-exitcode`); 3 blocked by a
guard (deletes not allowed, more than --max-deletes, a mass delete: nothing written); 4 rows edited after
the plan were skipped (the rest applied); 130 interrupted. `reconciler.errors` gives each exception its
code (`exit_code`), which agrees with these. Anything unexpected is a bug: its traceback goes to a crash
log private to the run, not the screen.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import typer

from reconciler import __version__
from reconciler.cli.output import inert, use_colour
from reconciler.errors import InvalidInput, LabelsyncError
from reconciler.render import github

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_BLOCKED = 3
EXIT_STALE = 4
EXIT_INTERRUPTED = 130

EXIT_CODES = (
    (EXIT_OK, "done; with --detailed-exitcode: no changes"),
    (EXIT_ERROR, "an error (bad input, a mistyped command or option, the remote, rows not written)"),
    (EXIT_CHANGES, "changes present (plan --detailed-exitcode)"),
    (EXIT_BLOCKED, "blocked by a guard: deletes not allowed, over --max-deletes, a mass delete"),
    (EXIT_STALE, "rows edited after the plan were skipped (the rest was applied)"),
)
"""The documented exit codes (and 130: interrupted)."""


def exit_code_help(codes: tuple[int, ...] | None = None) -> str:
    """The exit codes as a help epilog paragraph click keeps as it is (`\\b`), `codes` only if given."""
    rows = [f"  {code}  {text}" for code, text in EXIT_CODES if codes is None or code in codes]
    return "\b\nExit codes:\n" + "\n".join(rows)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def _red(text: str) -> str:
    return f"\033[31m{text}\033[0m" if use_colour(sys.stderr) else text


@contextmanager
def annotated(enabled: bool) -> Iterator[None]:
    """With `--format github`, an error that stops the command is also a workflow annotation on stdout (on the
    file and line of each finding), which a pull request shows; `exit_codes` still prints it on stderr."""
    try:
        yield
    except InvalidInput as exc:
        if enabled:
            sys.stdout.write(github.render_findings(exc.findings))
        raise
    except LabelsyncError as exc:
        if enabled:
            sys.stdout.write(github.render([github.Annotation("error", str(exc))]))
        raise


@contextmanager
def exit_codes() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        for finding in exc.findings:
            print(f"{_red('error')}: {inert(str(finding))}", file=sys.stderr)
        print(f"{exc}: nothing was written to the remote.", file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None
    except LabelsyncError as exc:
        print(f"{_red('error')}: {inert(str(exc))}", file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        print("\ninterrupted: rows already written stay written; run apply again to finish.", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception:
        log = write_crash_log(f"labelsync {__version__}\n{traceback.format_exc()}")
        details = f"details in {inert(str(log))}" if log else "its details could not be saved"
        print(f"{_red('error')}: an unexpected error (a bug in labelsync); {details}", file=sys.stderr)
        raise typer.Exit(EXIT_ERROR) from None


def crash_directory() -> Path:
    """Where crash logs go: the user's cache directory ($XDG_CACHE_HOME/labelsync, ~/.cache/labelsync)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "labelsync"


def write_crash_log(text: str) -> Path | None:
    """Write `text` to a new file of this run only: a unique name, mode 0600, created where no symlink is
    followed, in the cache directory or else a new private temporary directory. None if neither works:
    a crash log must never hide the error it is about."""
    name = _log_name()
    with suppress(Exception):
        directory = crash_directory()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _create(directory, name, text)
    with suppress(Exception):
        return _create(Path(tempfile.mkdtemp(prefix="labelsync-")), name, text)
    return None


def _log_name() -> str:
    """A name no other run uses: the time, the process and a random part no one can guess."""
    return f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(8)}.log"


def _create(directory: Path, name: str, text: str) -> Path:
    """`directory`/`name`, created with `text`: the directory opened without following a symlink and used
    only if it is ours and no one else may write in it; the file only if nothing (not even a symlink) is
    there yet."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    if os.open not in os.supports_dir_fd:  # Windows: O_EXCL alone refuses an existing file or link
        fd = os.open(directory / name, flags, 0o600)
    else:
        folder = os.open(directory, os.O_RDONLY | _DIRECTORY | _NOFOLLOW)
        try:
            info = os.fstat(folder)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
                raise PermissionError(f"{directory} is not a directory only this user may write in")
            fd = os.open(name, flags, 0o600, dir_fd=folder)
        finally:
            os.close(folder)
    with os.fdopen(fd, "w", encoding="utf-8") as log:
        log.write(text)
    return directory / name
