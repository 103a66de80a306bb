"""Where output goes: results on stdout, progress and notices on stderr; colour only on a terminal."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from reconciler.render import escape


def is_terminal(stream: TextIO) -> bool:
    return stream.isatty() and os.environ.get("TERM") != "dumb" and not os.environ.get("CI")


def use_colour(stream: TextIO) -> bool:
    """Colour on a terminal; `NO_COLOR` (set and not empty) turns it off, `FORCE_COLOR` (set, not empty and
    not 0) turns it on anywhere, e.g. in a CI log that shows colour (https://no-color.org, force-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return is_terminal(stream)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def inert(text: str) -> str:
    """`text` safe to print on a terminal or in a CI log: control characters (escape sequences, line
    breaks that could forge a line), bidi overrides and invisible characters shown as escapes instead
    of acted on, CI runner commands broken. The renderers' own (`reconciler.render.escape`)."""
    return escape.inert(text)


def say(message: str) -> None:
    """A notice on stderr, on one line: whatever a caller put in it (a path, a title, a remote's error)
    is shown inert, so no notice can forge a line or act on the terminal."""
    print(inert(message), file=sys.stderr, flush=True)


class ProgressBar:
    """A bar redrawn in place on a terminal; one plain line per step elsewhere (CI logs)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.live = is_terminal(self.stream)
        self.started = time.monotonic()
        self.drawn = False

    def update(self, done: int, total: int, detail: str = "") -> None:
        if total <= 0:
            return
        if self.live:
            width = 28
            filled = int(width * done / total)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {detail}".ljust(78))
            self.drawn = True
        else:
            self.stream.write(f"{self.label}: {done}/{total} {detail}".rstrip() + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.live and self.drawn:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started
