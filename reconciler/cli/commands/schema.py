"""`labelsync schema [NAME] [--path]`: the JSON Schemas shipped in the package (`reconciler/schemas/`).

The repository's `schemas/` directory is their source; the build ships a copy in the package (see
pyproject.toml), found here through `importlib.resources`, so an installed labelsync has them too.
"""

from __future__ import annotations

import sys
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from reconciler.errors import LabelsyncError

NAMES = ("label-file", "config", "plan")


def schema_file(name: str) -> Traversable:
    """The installed `<name>.schema.json`: in the package (a wheel, `pip install .`), else in the source
    checkout the package is run from (`pip install -e .`, whose finder maps only packages with code)."""
    if name not in NAMES:
        raise LabelsyncError(f"no schema {name!r}: expected one of {', '.join(NAMES)}")
    package = resources.files("reconciler")
    found = package.joinpath("schemas", f"{name}.schema.json")
    if found.is_file():
        return found
    checkout = Path(str(package)).parent / "schemas" / f"{name}.schema.json"
    if isinstance(package, Path) and checkout.is_file():
        return checkout
    raise LabelsyncError(f"the schema {name} is not installed with labelsync ({found}): reinstall labelsync")


def schema(name: str, path: bool) -> None:
    found = schema_file(name)
    if path:
        with resources.as_file(found) as local:
            print(Path(local).resolve(), file=sys.stdout)
        return
    sys.stdout.write(found.read_text(encoding="utf-8"))
