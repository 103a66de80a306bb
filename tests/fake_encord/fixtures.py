"""pytest fixtures for FakeEncord. Register with `pytest_plugins = ["fake_encord.fixtures"]`
(in tests/conftest.py for every test, or at the top of one test module).

Test modules should import helpers from `fake_encord.sdk`, not from here, or pytest warns that it
cannot rewrite this plugin's asserts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from encord.user_client import EncordUserClient

from .sdk import sdk_client
from .server import FakeEncord


@pytest.fixture
def fake_encord(tmp_path: Path) -> Iterator[FakeEncord]:
    """A started FakeEncord with an empty store in tmp_path; stopped after the test, which fails
    if the server crashed or an `after` hook raised (see `server.errors`)."""
    folder = tmp_path / "fake_encord"
    folder.mkdir()
    server = FakeEncord(folder).start()
    try:
        yield server
    finally:
        server.stop()
        server.store.close()
    assert not server.errors, f"fake-encord crashed or an `after` hook failed: {server.errors!r}"


@pytest.fixture
def encord_client(fake_encord: FakeEncord) -> EncordUserClient:
    """A real SDK client (default RequestsSettings) of a registered user of `fake_encord`."""
    return sdk_client(fake_encord)
