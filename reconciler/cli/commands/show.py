"""`labelsync show PLAN_FILE...`: render a saved plan, e.g. as markdown for a pull-request comment.

Offline, from the files alone: it refuses a damaged plan or one changed after it was made (its digest), and
what it displays is derived from the labels apply writes (`planfile.plan_from_dict`), named from the
ontology the plan carries, never from display strings stored in the file. `--format github` writes one
workflow annotation per change. Several files are the plans of shards 1..N (`plan --shard K/N`): they are
merged into the plan of every row (`shards.merge`), or refused, naming what differs or is missing.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from reconciler.cli.commands.plan import Format, explain_unmanaged, render
from reconciler.cli.output import say
from reconciler.cli.planfile_io import read_plan_file
from reconciler.planfile import plan_to_dict
from reconciler.shards import merge


def show(plan_files: Sequence[Path], fmt: Format) -> None:
    plans = [(str(path), read_plan_file(path)) for path in plan_files]
    plan = merge(plans)
    data = plan_to_dict(plan)
    sys.stdout.write(render(data, fmt))
    explain_unmanaged(data)
    shard = plan.source.shard if plan.source is not None else None
    if len(plans) > 1:
        say(f"Merged the plans of {len(plans)} shards: every row of the project.")
    elif shard is not None:
        say(
            f"This is the plan of shard {shard.k}/{shard.n} only: give the {shard.n} shards' plans to show them"
            " as one."
        )
