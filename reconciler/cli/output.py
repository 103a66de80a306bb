"""Where output goes: results on stdout, progress and notices on stderr; colour only on a terminal.

Two settings for the whole run, set once from the global options (`--color`, `--quiet`): `colour` is
`auto` (a terminal, `NO_COLOR` and `FORCE_COLOR` decide), `always` or `never`; `quiet` hides progress and
notices on stderr, never results (stdout) or errors.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

from reconciler.render import escape

COLOUR_MODES = ("auto", "always", "never")


class Settings:
    """The run's output settings (module-level: one CLI run per process, reset by every run)."""

    colour = "auto"
    quiet = False


def configure(colour: str = "auto", quiet: bool = False) -> None:
    """Set the run's output settings (the CLI's global options)."""
    if colour not in COLOUR_MODES:
        raise ValueError(f"--color {colour!r}: expected one of {', '.join(COLOUR_MODES)}")
    Settings.colour = colour
    Settings.quiet = quiet


def quiet() -> bool:
    return Settings.quiet


def is_terminal(stream: TextIO) -> bool:
    return stream.isatty() and os.environ.get("TERM") != "dumb" and not os.environ.get("CI")


def use_colour(stream: TextIO) -> bool:
    """Colour on a terminal; `NO_COLOR` (set and not empty) turns it off, `FORCE_COLOR` (set, not empty and
    not 0) turns it on anywhere, e.g. in a CI log that shows colour (https://no-color.org, force-color.org).
    `--color always` and `--color never` (`Settings.colour`) decide over both."""
    if Settings.colour == "always":
        return True
    if Settings.colour == "never" or os.environ.get("NO_COLOR"):
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


def say(message: str, *, important: bool = False) -> None:
    """A notice on stderr, on one line: whatever a caller put in it (a path, a title, a remote's error)
    is shown inert, so no notice can forge a line or act on the terminal. `--quiet` hides it unless it is
    `important` (a result or an error: a row skipped or not written)."""
    if Settings.quiet and not important:
        return
    print(inert(message), file=sys.stderr, flush=True)


PLAIN_STEP = 0.1
"""Off a terminal, a progress line when the share done has grown by this much..."""
PLAIN_SECONDS = 5.0
"""... or this many seconds have passed since the last one (and when it is done)."""


class ProgressBar:
    """Progress on stderr: on a terminal a bar redrawn in place (rich: done/total, rate, time left); in a
    CI log a plain line at most every `PLAIN_STEP` of the work or `PLAIN_SECONDS`, and one when done;
    nothing with `--quiet`."""

    def __init__(self, label: str, stream: TextIO | None = None, unit: str = "rows") -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.hidden = Settings.quiet
        self.live = not self.hidden and is_terminal(self.stream)
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._last_share = -1.0
        self._last_time = 0.0
        self._last_done = -1

    def update(self, done: int, total: int, detail: str = "") -> None:
        if total <= 0 or self.hidden:
            return
        if self.live:
            self._draw(done, total, detail)
        else:
            self._line(done, total, detail)

    def _draw(self, done: int, total: int, detail: str) -> None:
        if self._bar is None:
            self._bar, self._task = _rich_bar(self.label, self.stream, total, detail or self.unit)
            self._bar.start()
        self._bar.update(self._task, completed=done, total=total)

    def _line(self, done: int, total: int, detail: str) -> None:
        now = time.monotonic()
        share = done / total
        finished = done >= total
        due = share - self._last_share >= PLAIN_STEP or now - self._last_time >= PLAIN_SECONDS
        if done == self._last_done or not (finished or due):
            return
        self._last_share, self._last_time, self._last_done = share, now, done
        rate = done / (now - self.started) if now > self.started else 0.0
        unit = detail or self.unit
        self.stream.write(f"{self.label}: {done}/{total} {unit} ({share:.0%}, {rate:.1f} {unit}/s)\n")
        self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def _rich_bar(label: str, stream: TextIO, total: int, unit: str) -> tuple[Any, Any]:
    """A transient rich progress bar on `stream` and its one task. rich is imported only here: a run
    without a terminal (CI, a pipe) never pays for it."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.1f} {unit}/s" if speed else f"- {unit}/s")

    console = Console(file=stream, no_color=not use_colour(stream), highlight=False)
    bar = Progress(
        TextColumn(escape.inert(label), markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        Rate(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    return bar, bar.add_task(label, total=total)
