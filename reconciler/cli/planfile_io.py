"""Reading a saved plan file, with errors that say what is wrong with it."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.errors import PlanFileError
from reconciler.plan import Plan
from reconciler.planfile import plan_from_dict


def read_plan_file(path: Path) -> Plan:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such plan file") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}:{exc.lineno}: not a JSON plan ({exc.msg})") from None
    if not isinstance(data, dict):
        raise PlanFileError(f"{path}: not a labelsync plan")
    return plan_from_dict(data)
