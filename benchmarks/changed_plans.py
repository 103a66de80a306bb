"""The plan after 10 changed files, timed over several rounds on a project benchmarks/run.py kept.

    .venv/bin/python benchmarks/run.py --dir /tmp/b50k          # once: makes and applies /tmp/b50k/project
    .venv/bin/python benchmarks/changed_plans.py /tmp/b50k/project --rounds 7

run.py times this step once, and one run on a machine whose speed drifts is a sample, not a figure. Each
round here changes `--files` label files (`generate.mutate`: one box coordinate each), times
`plan --detailed-exitcode --out` in a fresh process (it must exit 2; it rewrites the caches, as run.py's step
does), puts the files back, and lets one untimed plan (which must exit 0) settle the caches again. The project
is left as it was. Prints the median, min and max wall time, and the median CPU time.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import generate

from reconciler.desired.signatures import SETTLED


def plan(project: Path, python: str, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [python, "-m", "reconciler", "plan", "--detailed-exitcode", *extra], cwd=project, capture_output=True
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="an applied project (run.py --dir D keeps D/project)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--files", type=int, default=10, help="label files changed each round [10]")
    parser.add_argument("--python", default=sys.executable, help="the interpreter with labelsync installed")
    args = parser.parse_args(argv)

    if plan(args.project, args.python).returncode != 0:
        raise SystemExit(f"{args.project}: the plan must show no changes before the rounds start")
    files = generate.label_files(args.project)
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as work:
        out = str(Path(work) / "plan.json")
        for seed in range(5000, 5000 + args.rounds):
            chosen = sorted(random.Random(seed).sample(files, args.files))  # what mutate picks with this seed
            saved = {path: path.read_bytes() for path in chosen}
            changed = generate.mutate(args.project, 0, seed=seed, count=args.files)
            assert sorted(path for path, _ in changed) == chosen
            before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
            done = plan(args.project, args.python, "--out", out)
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            for path, data in saved.items():
                path.write_bytes(data)
            if done.returncode != 2:
                raise SystemExit(
                    f"round {len(walls)}: plan exited {done.returncode}, expected 2:\n{done.stdout[-2000:]!r}"
                )
            time.sleep(SETTLED + 0.1)  # a file is recorded in the signatures once its last change is this old
            if plan(args.project, args.python).returncode != 0:
                raise SystemExit(f"round {len(walls)}: the files put back do not plan as unchanged")
            print(f"  round {len(walls)}: {walls[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU", flush=True)
    print(
        f"plan after {args.files} files changed, {args.rounds} rounds: wall median {statistics.median(walls):.2f} s "
        f"(min {min(walls):.2f}, max {max(walls):.2f}), CPU median {statistics.median(cpus):.2f} s"
    )


if __name__ == "__main__":
    main()
