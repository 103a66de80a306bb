"""The house rules that keep the core pure: checked, not just written down."""

from __future__ import annotations

import ast
import shutil
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


def test_commands_on_the_local_project_never_import_the_encord_sdk(tmp_path: Path) -> None:
    """The SDK costs more than a second to import: only the Encord remote may load it."""
    root = PACKAGE.parent
    shutil.copytree(root / "labels", tmp_path / "labels")
    shutil.copy(root / "labelsync.yaml", tmp_path / "labelsync.yaml")
    probe = (
        "import sys\n"
        "from reconciler.cli.main import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m == 'encord' or m.startswith('encord.')))\n"
    )
    for command in (["validate"], ["plan"], ["apply", "--yes"], ["plan", "--detailed-exitcode"]):
        done = subprocess.run(
            [sys.executable, "-c", probe, *command], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert done.stdout.strip().splitlines()[-1] == "[]", (command, done.stdout[-500:], done.stderr[-500:])
