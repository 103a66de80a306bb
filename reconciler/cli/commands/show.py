"""`labelsync show PLAN_FILE`: render a saved plan, e.g. as markdown for a pull-request comment.

Offline, from the file alone: it refuses a damaged plan or one changed after it was made (its digest), and
what it displays is derived from the labels apply writes (`planfile.plan_from_dict`), named from the
ontology the plan carries, never from display strings stored in the file. `--format github` writes one
workflow annotation per change.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reconciler.cli.commands.plan import Format, explain_unmanaged, render
from reconciler.cli.planfile_io import read_plan_file
from reconciler.planfile import plan_to_dict


def show(plan_file: Path, fmt: Format) -> None:
    data = plan_to_dict(read_plan_file(plan_file))
    sys.stdout.write(render(data, fmt))
    explain_unmanaged(data)
