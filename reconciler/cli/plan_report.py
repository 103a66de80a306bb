"""`plan --report DIR`: the HTML picture of a plan, drawn over each changed row's data unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.cli.report_io import report_units, write_report
from reconciler.config import Config
from reconciler.remotes.base import Remote


def write_plan_report(directory: Path, config: Config, remote: Remote, data: dict[str, Any]) -> Path:
    """Write DIR/index.html for the plan `data`, sizing and backing each row from the remote's data units."""
    changed = {row["data_hash"] for row in data["rows"]}
    branches = frozenset(row["branch"] for row in data["rows"])
    units = [u for u in remote.list_rows(branches).data_units if u.hash in changed] if changed else []
    return write_report(directory, data, report_units(units, config.root), config.root)
