"""`labelsync pull` figures: time and peak RSS of adopting a local project of 1,000 and 10,000 label rows.

    .venv/bin/python benchmarks/pull.py                      # 1,000 and 10,000 rows, 20 objects a row
    .venv/bin/python benchmarks/pull.py --rows 500 2000 --objects-per-row 10 --keep

For each size, in a temporary directory: generate a project (benchmarks/generate.py), create the local
project and apply every label file once (setup, timed but not the target), delete the label files, then
in a fresh process each (`python -m reconciler ...`, the current working tree):

- `pull` into the empty labels directory: every row fetched in bundles and written as a new file;
- `plan --detailed-exitcode`: must exit 0 (the pull was lossless);
- `pull --drifted`: nothing to write (fingerprints from the listing, no fetches);
- `pull` again: every row fetched and compared with its file, nothing rewritten.

Peak RSS is each child's own high-water mark (VmHWM, written by the child as it exits). A pull streams bundles of `bundle_size` rows, so its
peak should stay about flat as the rows grow tenfold; only the listing and the row -> file index grow.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    name: str
    seconds: float
    peak_rss_mb: float
    exit_code: int
    last_line: str


_CHILD = """
import atexit, os, sys

def _peak():
    try:
        with open("/proc/self/status") as status:
            peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        peak = str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    with open(os.environ["LABELSYNC_BENCH_PEAK"], "w") as out:
        out.write(peak)

atexit.register(_peak)
sys.argv[0] = "labelsync"
from reconciler.cli.main import main
main()
"""
"""`labelsync ARGS` that writes its peak RSS (KiB) on exit: VmHWM, its own address space's high-water mark.
(ru_maxrss would not do on Linux: exec carries the parent's peak over, so a big parent masks the child.)"""


def run(project: Path, args: list[str], expect: int = 0) -> Run:
    """`labelsync ARGS` in `project`, in a new process (the current working tree)."""
    peak_file = project / ".bench-peak"
    env = {**os.environ, "PYTHONPATH": str(REPO), "LABELSYNC_BENCH_PEAK": str(peak_file)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != expect:
        raise SystemExit(
            f"`labelsync {' '.join(args)}` exited {done.returncode}, not {expect}:\n{done.stdout}\n{done.stderr}"
        )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    peak = int(peak_file.read_text()) / 1024
    return Run(" ".join(args), seconds, peak, done.returncode, lines[-1] if lines else "")


def measure(rows: int, objects_per_row: int, work: Path) -> list[Run]:
    project = work / f"rows-{rows}"
    started = time.perf_counter()
    subprocess.run(  # in a process of its own, so this one stays small
        [
            sys.executable,
            str(REPO / "benchmarks" / "generate.py"),
            str(project),
            "--force",
            "--rows",
            str(rows),
            "--objects",
            str(rows * objects_per_row),
        ],
        check=True,
        capture_output=True,
    )
    run(project, ["apply", "--yes"])
    print(f"  setup: generated and applied {rows} rows in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    labels = project / "labels"
    for path in generate.label_files(project):
        path.unlink()
    for folder in sorted((p for p in labels.rglob("*") if p.is_dir()), reverse=True):
        folder.rmdir()
    return [
        run(project, ["pull"]),
        run(project, ["plan", "--detailed-exitcode"]),
        run(project, ["pull", "--drifted"]),
        run(project, ["pull"]),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--objects-per-row", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the generated projects (printed)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="labelsync-pull-bench-"))
    results: dict[int, list[Run]] = {}
    try:
        for rows in args.rows:
            print(f"{rows} rows ({rows * args.objects_per_row} objects):", file=sys.stderr)
            results[rows] = measure(rows, args.objects_per_row, work)
    finally:
        if args.keep:
            print(f"projects kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'rows':>7}  {'command':<28} {'seconds':>8} {'rows/s':>8} {'peak RSS MB':>12}")
    for rows, runs in results.items():
        for r in runs:
            print(f"{rows:>7}  {r.name:<28} {r.seconds:>8.2f} {rows / r.seconds:>8.0f} {r.peak_rss_mb:>12.1f}")
        print(f"{'':>7}  {runs[0].last_line}")
    if len(results) > 1:
        (small, *_), (big, *_) = (results[min(results)], results[max(results)])
        factor = max(results) / min(results)
        print(
            f"pull peak RSS: {small.peak_rss_mb:.1f} MB at {min(results)} rows, {big.peak_rss_mb:.1f} MB at "
            f"{max(results)} rows ({factor:.0f}x the rows, {big.peak_rss_mb / small.peak_rss_mb:.2f}x the memory)"
        )


if __name__ == "__main__":
    main()
