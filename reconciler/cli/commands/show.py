"""`labelsync show PLAN_FILE`: render a saved plan, e.g. as markdown for a pull request."""

from __future__ import annotations

import sys
from pathlib import Path

from reconciler.cli.commands.plan import Format, render
from reconciler.cli.planfile_io import read_plan_file
from reconciler.planfile import plan_to_dict


def show(plan_file: Path, fmt: Format) -> None:
    sys.stdout.write(render(plan_to_dict(read_plan_file(plan_file)), fmt))
