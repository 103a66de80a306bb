"""The plan after 10 changed files, timed over several rounds on a project benchmarks/run.py kept.

    .venv/bin/python benchmarks/run.py --dir /tmp/b50k          # once: makes and applies /tmp/b50k/project
    .venv/bin/python benchmarks/changed_plans.py /tmp/b50k/project --rounds 7
    git worktree add /tmp/base HEAD~3                           # to compare with another revision:
    .venv/bin/python benchmarks/changed_plans.py /tmp/b50k/project --rounds 8 --against /tmp/base

run.py times this step once, and one run on a machine whose speed drifts is a sample, not a figure. Each
round here changes `--files` label files (`generate.mutate`: one box coordinate each), times
`plan --detailed-exitcode --out` in a fresh process (it must exit 2; it rewrites the caches, as run.py's step
does), puts the files back, and lets one untimed plan (which must exit 0) settle the caches again. The project
is left as it was. Prints the median, min and max wall time, and the median CPU time.

`--against DIR` pairs each round with one of the reconciler in DIR (a checkout of another revision, run with
`PYTHONPATH=DIR`), in alternating order and on other files, and prints the median of the per-round ratios too:
the figure that holds while the machine's speed drifts.
"""

from __future__ import annotations

import argparse
import os
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


def plan(
    project: Path, python: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [python, "-m", "reconciler", "plan", "--detailed-exitcode", *extra],
        cwd=project,
        capture_output=True,
        env=env,
    )


def changed_round(
    project: Path, files: list[Path], python: str, out: str, seed: int, count: int, env: dict[str, str] | None
) -> tuple[float, float]:
    """(wall, CPU) seconds of the plan after `count` files changed; the files are put back and settled."""
    chosen = sorted(random.Random(seed).sample(files, count))  # what mutate picks with this seed
    saved = {path: path.read_bytes() for path in chosen}
    changed = generate.mutate(project, 0, seed=seed, count=count)
    assert sorted(path for path, _ in changed) == chosen
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = plan(project, python, "--out", out, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for path, data in saved.items():
        path.write_bytes(data)
    if done.returncode != 2:
        raise SystemExit(f"seed {seed}: plan exited {done.returncode}, expected 2:\n{done.stdout[-2000:]!r}")
    time.sleep(SETTLED + 0.1)  # a file is recorded in the signatures once its last change is this old
    if plan(project, python, env=env).returncode != 0:
        raise SystemExit(f"seed {seed}: the files put back do not plan as unchanged")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def summary(label: str, walls: list[float], cpus: list[float]) -> str:
    return (
        f"{label}: wall median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}),"
        f" CPU median {statistics.median(cpus):.2f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="an applied project (run.py --dir D keeps D/project)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--files", type=int, default=10, help="label files changed each round [10]")
    parser.add_argument("--python", default=sys.executable, help="the interpreter with labelsync installed")
    parser.add_argument("--against", type=Path, help="a checkout of another revision to pair each round with")
    args = parser.parse_args(argv)

    if plan(args.project, args.python).returncode != 0:
        raise SystemExit(f"{args.project}: the plan must show no changes before the rounds start")
    files = generate.label_files(args.project)
    codes = (
        {"this": None}
        if args.against is None
        else {"this": None, "against": {**os.environ, "PYTHONPATH": str(args.against)}}
    )
    times: dict[str, tuple[list[float], list[float]]] = {code: ([], []) for code in codes}
    with tempfile.TemporaryDirectory() as work:
        out = str(Path(work) / "plan.json")
        for number in range(args.rounds):
            order = list(codes) if number % 2 == 0 else list(reversed(codes))
            for code in order:
                seed = 5000 + len(codes) * number + list(codes).index(code)
                wall, cpu = changed_round(args.project, files, args.python, out, seed, args.files, codes[code])
                times[code][0].append(wall)
                times[code][1].append(cpu)
                print(f"  round {number + 1} ({code}): {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
    heading = f"plan after {args.files} files changed, {args.rounds} rounds"
    print(summary(heading, *times["this"]))
    if "against" in times:
        print(summary(f"the same, {args.against}", *times["against"]))
        ratios = [a / b for a, b in zip(times["this"][0], times["against"][0], strict=True)]
        print(
            f"wall ratio this/against: median {statistics.median(ratios):.3f} (per round {' '.join(f'{r:.2f}' for r in ratios)})"
        )


if __name__ == "__main__":
    main()
