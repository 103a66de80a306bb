"""`plan --report DIR`: the HTML picture of a plan, drawn over each changed row's data unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.cli.report_io import report_units, write_report
from reconciler.config import Config
from reconciler.remotes.base import Remote
from reconciler.render.report import ReportRows


def write_plan_report(
    directory: Path, config: Config, remote: Remote, data: dict[str, Any], rows: ReportRows
) -> Path:
    """Write DIR/index.html for the plan `data` (`rows`: its rows, given one at a time), sizing and backing
    each row drawn from the remote's data units."""
    changed = {row["data_hash"] for row in rows.drawn}
    branches = frozenset(row["branch"] for row in rows.drawn)
    units = [u for u in remote.list_rows(branches).data_units if u.hash in changed] if changed else []
    return write_report(directory, data, report_units(units, config.root), config.root, rows)
