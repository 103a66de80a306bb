"""The house rules that keep the core pure: checked, not just written down."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reconciler"
CORE = [
    "model",
    "canonical",
    "ontology",
    "plan",
    "planfile",
    "plan_changes",
    "plan_check",
    "plan_shape",
    "diff",
    "display",
    "planning",
    "apply",
    "desired",
    "render",
]
SHELL_ONLY = (
    "reconciler.remotes.local",
    "reconciler.remotes.open",
    "reconciler.cli",
    "typer",
    "sqlite3",
    "encord",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", CORE)
def test_core_never_imports_a_remote_or_the_cli(module: str) -> None:
    files = sorted((PACKAGE / module).rglob("*.py")) if (PACKAGE / module).is_dir() else [PACKAGE / f"{module}.py"]
    for path in files:
        banned = {
            name for name in _imports(path) if any(name == s or name.startswith(s + ".") for s in SHELL_ONLY)
        }
        # The one exception: bitmask PNGs are encoded with the SDK's RLE, imported lazily.
        if path.name == "geometry.py" and path.parent.name == "desired":
            banned -= {"encord.common.bitmask_operations"}
        assert not banned, f"{path.relative_to(PACKAGE.parent)} imports {sorted(banned)}"


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(PACKAGE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(PACKAGE)],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
