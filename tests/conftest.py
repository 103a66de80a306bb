"""Fixtures for every test: a guard on the real home directory and credentials, and `workspace`.

`workspace` is the example project copied into tmp_path with a fresh remote, once per kind of remote
in `labelsync_workspace.BACKENDS`; the scenario tests take it and run the same against each.
"""

from __future__ import annotations

import atexit
import functools
import os
import pwd
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from hypothesis.configuration import set_hypothesis_home_dir
from labelsync_workspace import BACKENDS, ROOT, LocalBackend, Workspace, make_workspace

# -- parallel runs (pytest-xdist): nothing shared in the repository tree ----------------------------------
# Hypothesis keeps caches (`constants/`, `unicode_data/`) in ./.hypothesis, the repository: each process (each
# xdist worker) gets a private one instead, removed when it exits. Example databases are off (tests/test_fuzz.py).
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="labelsync-hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME)
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)

# -- the CLI in-process: typer's CliRunner builds the click command from the app on every invoke (about 20 ms
# of signature and type-hint evaluation, two thirds of a typical in-process run). The app never changes while
# the tests run, so it is built once per app.
typer.testing._get_command = functools.cache(typer.testing._get_command)

# -- guard: no test touches the real home directory or real Encord credentials --------------------


def _real_homes() -> list[Path]:
    homes = {Path(os.environ["HOME"])} if os.environ.get("HOME") else set()
    with suppress(KeyError):
        homes.add(Path(pwd.getpwuid(os.getuid()).pw_dir))
    return [h.resolve() for h in homes if h.resolve() != Path("/")]


_REAL_HOMES = _real_homes()
_ALLOWED = [p.resolve() for p in (ROOT, Path(sys.prefix), Path(sys.base_prefix), Path(tempfile.gettempdir()))]
_PATH_EVENTS = {
    "open",
    "os.listdir",
    "os.scandir",
    "os.mkdir",
    "os.remove",
    "os.rmdir",
    "os.rename",
    "os.truncate",
    "shutil.rmtree",
    "shutil.copyfile",
    "sqlite3.connect",
}


class _HomeWatch:
    active = False
    touched: list[str] = []  # noqa: RUF012 - one process-wide list, reset per test


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _HomeWatch.active or event not in _PATH_EVENTS:
        return
    for arg in args[:2]:
        if not isinstance(arg, (str, bytes, os.PathLike)):
            continue
        try:
            path = Path(os.fsdecode(arg)).absolute()
        except (TypeError, ValueError):
            continue
        if any(path.is_relative_to(home) for home in _REAL_HOMES) and not any(
            path.is_relative_to(allowed) for allowed in _ALLOWED
        ):
            _HomeWatch.touched.append(f"{event} {path}")


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def no_real_home_or_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that reads or writes the real home directory, or leaves Encord credentials set.

    HOME points at an empty folder, every ENCORD_* variable is removed (so an SDK or our code cannot
    pick up a developer's key), and temporary and cache files (labelsync's crash logs) go under tmp_path.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in [n for n in os.environ if n.startswith("ENCORD_")]:
        monkeypatch.delenv(name)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("FORCE_COLOR", "NO_COLOR"):  # a CI runner's colour settings would change every output
        monkeypatch.delenv(name, raising=False)
    _HomeWatch.touched = []
    _HomeWatch.active = True
    try:
        yield
    finally:
        _HomeWatch.active = False
    leaked = sorted(n for n in os.environ if n.startswith("ENCORD_"))
    for name in leaked:
        del os.environ[name]  # so the next test starts clean
    assert not leaked, f"the test left Encord variables set: {leaked}"
    assert not _HomeWatch.touched, f"the test touched the real home directory: {_HomeWatch.touched[:5]}"


@pytest.fixture(params=sorted(BACKENDS))
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """The example project (labelsync.yaml + labels/) in tmp_path, with a fresh remote of each kind."""
    yield from make_workspace(tmp_path, BACKENDS[request.param]())


@pytest.fixture
def local_workspace(tmp_path: Path) -> Iterator[Workspace]:
    """The example project on the embedded local project only (tests of the SQLite file itself)."""
    yield from make_workspace(tmp_path, LocalBackend())
