"""cProfile one labelsync command in this process, optionally with the label-file parsing serial.

    cd PROJECT && python /work/main/benchmarks/profile_plan.py --serial --top 25 -- plan

`python -m cProfile -m reconciler plan` only sees the main process: when label files are parsed in
a worker pool, the profile shows the parent waiting on a lock. `--serial` raises the pool's
threshold (`reconciler.parallel.PARALLEL_FROM`) so all the work happens
in the profiled process and the profile shows where the CPU time goes. Prints the top entries by
cumulative time, then by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serial", action="store_true", help="parse label files in this process")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", help="also save the raw profile here (for snakeviz, pstats)")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- then the labelsync arguments")
    ns = parser.parse_args()
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    if ns.serial:
        from reconciler import parallel

        parallel.PARALLEL_FROM = 1 << 62
    from reconciler.cli.main import main as cli

    sys.argv = ["labelsync", *args]
    profile = cProfile.Profile()
    started = time.perf_counter()
    code: object = 0
    profile.enable()
    try:
        cli()
    except SystemExit as exc:
        code = exc.code
    finally:
        profile.disable()
    seconds = time.perf_counter() - started
    sys.stdout.flush()
    if ns.out:
        profile.dump_stats(ns.out)
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profile, stream=text).strip_dirs().sort_stats(order).print_stats(ns.top)
        body = text.getvalue()
        start = body.find("   ncalls")
        print(
            f"\n== top {ns.top} by {order} (labelsync {' '.join(args)}: {seconds:.2f}s under the profiler, exit {code}) =="
        )
        print(body[start:].rstrip())
    sys.exit(code if isinstance(code, int) else 1)


if __name__ == "__main__":
    main()
