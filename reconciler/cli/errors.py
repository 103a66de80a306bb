"""The one place exceptions become messages and exit codes.

0 success; 1 error; 2 changes present (plan --detailed-exitcode); 3 deletes refused;
4 rows changed since the plan were skipped; 130 interrupted. Anything unexpected is a bug:
its traceback goes to a log file, not the screen.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from reconciler import __version__
from reconciler.cli.output import use_colour
from reconciler.errors import InvalidInput, LabelsyncError

EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 130


def _red(text: str) -> str:
    return f"\033[31m{text}\033[0m" if use_colour(sys.stderr) else text


@contextmanager
def exit_codes() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        for finding in exc.findings:
            print(f"{_red('error')}: {finding}", file=sys.stderr)
        print(f"{exc}: nothing was written to the remote.", file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None
    except LabelsyncError as exc:
        print(f"{_red('error')}: {exc}", file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        print("\ninterrupted: rows already written stay written; run apply again to finish.", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception:
        log = Path(tempfile.gettempdir()) / "labelsync-crash.log"
        log.write_text(f"labelsync {__version__}\n{traceback.format_exc()}", encoding="utf-8")
        print(f"{_red('error')}: an unexpected error (a bug in labelsync); details in {log}", file=sys.stderr)
        raise typer.Exit(EXIT_ERROR) from None
