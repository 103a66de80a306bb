"""Plan and apply figures for a generated project: prints them, times nothing in the test suite.

    /tmp/dev/bin/python benchmarks/run.py                 # 10,000 rows / 200,000 objects
    /tmp/dev/bin/python benchmarks/run.py --quick         # 500 rows / 10,000 objects
    /tmp/dev/bin/python benchmarks/run.py --rows 2000 --objects 40000 --keep --profile

In a temporary directory: generate a project (benchmarks/generate.py), create the local project
and apply every label file once (setup: timed, not the target), then, each in a fresh process
(`python -m reconciler ...`, the current working tree):

- cold no-change plan: `plan --detailed-exitcode` with any cache under .labelsync/ removed
  (everything there except the SQLite database) -- expects exit 0;
- warm no-change plan: the same again, whatever the cold run left behind;
- a 1% change: change one box coordinate in 1% of the files, `plan --out plan.json`,
  `apply plan.json --yes`, and check in SQLite that exactly those rows' `revision` went up by one;
- `plan --detailed-exitcode` again, expecting exit 0.

`labelsync --version` is timed too: the start-up cost (imports) every command pays. `--profile`
adds a cProfile of a serial cold plan and of a warm plan (benchmarks/profile_plan.py); cProfile
slows tight Python loops 2-3x, so read its figures as shares, not seconds.

Peak RSS is each child's own ru_maxrss, from os.wait4 on that child (RUSAGE_CHILDREN would be
the high-water mark over every child so far, so a big setup apply would mask the plans). With a
worker pool that is the largest single process, so the summed PSS of the child's process tree is
also sampled (every 200 ms, from /proc).
Also printed: how long reading + parsing every label file takes with PyYAML's CSafeLoader alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    name: str
    seconds: float
    exit_code: int
    peak_rss_mb: float
    """The largest single process's peak RSS (the child's, or a descendant's it waited for)."""
    cpu_seconds: float
    """User + system CPU of the child and the descendants it waited for (worker pools)."""
    tree_pss_mb: float
    """Peak summed PSS of the child and its descendants, sampled every 200 ms (0 if unavailable)."""
    processes: int
    log: str


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc/*/stat (no /proc/PID/task/TID/children here)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed PSS of a process and its descendants (worker pools) every `interval` s.

    PSS, not RSS: forked workers share their parent's pages, and summing RSS would count them twice.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.done = threading.Event()
        self.peak_kib = 0
        self.max_processes = 0

    def run(self) -> None:
        while not self.done.is_set():
            pids = _tree(self.pid)
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(p) for p in pids))
            self.max_processes = max(self.max_processes, len(pids))
            self.done.wait(self.interval)


class Bench:
    def __init__(self, project: Path, python: str, logs: Path, verbose: bool, sample: bool = True) -> None:
        self.sample = sample
        self.project = project
        self.python = python
        self.logs = logs
        self.verbose = verbose
        self.runs: list[Run] = []

    def run(self, name: str, args: list[str], expect: tuple[int, ...] = (0,), module: bool = True) -> Run:
        """Run `python -m reconciler ARGS` (or ARGS) in the project; time it; the child's peak RSS."""
        command = [self.python, "-m", "reconciler", *args] if module else args
        log = self.logs / f"{len(self.runs):02d}-{name.replace(' ', '_')}.log"
        env = {**os.environ, "NO_COLOR": "1"}
        with open(log, "wb") as out:
            started = time.perf_counter()
            child = subprocess.Popen(command, cwd=self.project, stdout=out, stderr=subprocess.STDOUT, env=env)
            sampler = TreeSampler(child.pid)
            if self.sample:
                sampler.start()
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - started
            sampler.done.set()
            if self.sample:
                sampler.join()
        child.returncode = code = os.waitstatus_to_exitcode(status)
        run = Run(
            name,
            seconds,
            code,
            usage.ru_maxrss / 1024,  # KiB on Linux
            usage.ru_utime + usage.ru_stime,
            sampler.peak_kib / 1024,
            sampler.max_processes,
            str(log),
        )
        self.runs.append(run)
        print(
            f"  {name:<34} {seconds:8.2f}s  exit {code}  peak RSS {run.peak_rss_mb:6.1f} MB"
            f"  tree PSS {run.tree_pss_mb:6.1f} MB ({run.processes} proc)  cpu {run.cpu_seconds:.2f}s",
            flush=True,
        )
        if code not in expect:
            tail = Path(log).read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SystemExit(f"{name}: exit {code}, expected {expect}; {log} ends:\n{tail}")
        if self.verbose:
            print(Path(log).read_text(encoding="utf-8", errors="replace")[-1500:])
        return run


def clear_cache(project: Path) -> list[str]:
    """Remove everything under .labelsync/ except the SQLite database (and its -wal/-shm)."""
    state = project / ".labelsync"
    database = Path(generate.DATABASE).name
    removed = []
    for entry in sorted(state.iterdir()) if state.is_dir() else []:
        if entry.name.startswith(database):
            continue
        removed.append(entry.name)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return removed


def revisions(project: Path) -> dict[str, int]:
    db = sqlite3.connect(f"file:{project / generate.DATABASE}?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT data_hash, revision FROM label_rows WHERE branch = 'main'").fetchall())
    finally:
        db.close()


def title_hashes(project: Path) -> dict[str, str]:
    db = sqlite3.connect(f"file:{project / generate.DATABASE}?mode=ro", uri=True)
    try:
        return {title: h for h, title in db.execute("SELECT hash, title FROM data_units").fetchall()}
    finally:
        db.close()


def yaml_parse_reference(project: Path) -> tuple[float, float, int]:
    """(seconds to read every label file, seconds to read + parse them with CSafeLoader, files)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        raise SystemExit("PyYAML has no CSafeLoader here (built without libyaml)")
    paths = generate.label_files(project)
    started = time.perf_counter()
    texts = [p.read_text(encoding="utf-8") for p in paths]
    read = time.perf_counter() - started
    started = time.perf_counter()
    for p in paths:
        yaml.load(p.read_text(encoding="utf-8"), Loader=loader)
    parse = time.perf_counter() - started
    del texts
    return read, parse, len(paths)


def machine_info(python: str) -> dict[str, str]:
    info = {
        "nproc": str(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else str(os.cpu_count()),
        "cpu_count": str(os.cpu_count()),
        "platform": platform.platform(),
        "python": subprocess.run(
            [
                python,
                "-c",
                "import sys, yaml, sqlite3; print(sys.version.split()[0], '| PyYAML', yaml.__version__,"
                " 'libyaml' if hasattr(yaml, 'CSafeLoader') else 'pure', '| SQLite', sqlite3.sqlite_version)",
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["memory"] = f"{int(mem) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "reconciler"], cwd=REPO, capture_output=True, text=True
        ).stdout.splitlines()
        info["reconciler tree"] = f"{head.strip()} + {len(dirty)} modified/new file(s) under reconciler/"
    except OSError:
        pass
    return info


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--objects", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="500 rows / 10,000 objects")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--change-percent", type=float, default=1.0)
    parser.add_argument("--warm-runs", type=int, default=1, help="warm plans to run (the best is reported)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter with labelsync installed")
    parser.add_argument("--dir", type=Path, default=None, help="work here instead of a temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile a serial cold plan and a warm plan (top 25)"
    )
    parser.add_argument(
        "--no-tree-sampling",
        action="store_true",
        help="do not sample the process tree's PSS (the sampler costs a few %% of one core)",
    )
    parser.add_argument("--skip-validate", action="store_true", help="do not time `labelsync validate`")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    parser.add_argument("--verbose", action="store_true", help="print each command's output tail")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.objects = 500, 10_000

    work = args.dir or Path(tempfile.mkdtemp(prefix="labelsync-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    project, logs = work / "project", work / "logs"
    logs.mkdir(exist_ok=True)
    info = machine_info(args.python)
    print(f"labelsync benchmark: {args.rows} rows, {args.objects} objects, in {work}")
    for key, value in info.items():
        print(f"  {key}: {value}")

    figures: dict[str, float | int | str] = {"rows": args.rows, "objects": args.objects}
    try:
        started = time.perf_counter()
        stats = generate.generate(project, args.rows, args.objects, seed=args.seed, force=True)
        figures["generate_s"] = time.perf_counter() - started
        print(
            f"Generated in {figures['generate_s']:.2f}s: {stats.images} images, {stats.videos} videos, "
            f"{stats.objects} objects ({stats.frame_geometries} frame geometries), "
            f"{stats.classifications} classifications, {stats.label_files_bytes / 1e6:.1f} MB of YAML"
        )
        figures.update(
            frame_geometries=stats.frame_geometries,
            classifications=stats.classifications,
            yaml_mb=stats.label_files_bytes / 1e6,
        )
        bench = Bench(project, args.python, logs, args.verbose, sample=not args.no_tree_sampling)

        print("Setup (not the target):")
        startup = bench.run("startup (--version)", ["--version"])
        figures["startup_s"] = startup.seconds
        init = bench.run(
            "local init",
            ["local", "init", "--ontology", "labels/ontology.json", "--manifest", "labels/manifest.yaml"],
        )
        if not args.skip_validate:
            validate = bench.run("validate", ["validate"])
            figures["validate_s"] = validate.seconds
        setup = bench.run("apply everything (setup)", ["apply", "--yes"])
        figures.update(
            init_s=init.seconds,
            setup_apply_s=setup.seconds,
            setup_apply_rss_mb=setup.peak_rss_mb,
            setup_apply_pss_mb=setup.tree_pss_mb,
        )
        after_setup = revisions(project)
        if len(after_setup) != args.rows or set(after_setup.values()) != {1}:
            raise SystemExit(f"setup: expected {args.rows} rows at revision 1, got {len(after_setup)} rows")

        print("No-change plans:")
        removed = clear_cache(project)
        if removed:
            print(f"  (cleared cache before the cold plan: {', '.join(removed)})")
        cold = bench.run("cold plan (no change)", ["plan", "--detailed-exitcode"], expect=(0,))
        warm_runs = [
            bench.run(f"warm plan #{i + 1} (no change)", ["plan", "--detailed-exitcode"], expect=(0,))
            for i in range(max(1, args.warm_runs))
        ]
        warm = min(warm_runs, key=lambda r: r.seconds)
        cache = [p.name for p in (project / ".labelsync").iterdir() if not p.name.startswith("project.db")]
        figures.update(
            cold_plan_s=cold.seconds,
            cold_plan_rss_mb=cold.peak_rss_mb,
            cold_plan_pss_mb=cold.tree_pss_mb,
            cold_plan_cpu_s=cold.cpu_seconds,
            warm_plan_s=warm.seconds,
            warm_plan_rss_mb=warm.peak_rss_mb,
            warm_plan_pss_mb=warm.tree_pss_mb,
            warm_plan_cpu_s=warm.cpu_seconds,
            cold_objects_per_s=args.objects / cold.seconds,
            warm_objects_per_s=args.objects / warm.seconds,
            cache_entries=", ".join(cache) or "none",
        )

        read_s, parse_s, files = yaml_parse_reference(project)
        figures.update(yaml_read_s=read_s, yaml_read_parse_s=parse_s)
        print(
            f"  reference: read {files} files {read_s:.2f}s; read + CSafeLoader parse {parse_s:.2f}s (in-process)"
        )

        print(f"A {args.change_percent:g}% change:")
        before = revisions(project)
        changed = generate.mutate(project, args.change_percent, seed=args.seed + 1)
        hashes = title_hashes(project)
        expected = {hashes[title] for _, title in changed}
        plan_json = work / "plan.json"
        change_plan = bench.run(
            "plan --out plan.json (change)", ["plan", "--detailed-exitcode", "--out", str(plan_json)], expect=(2,)
        )
        planned = json.loads(plan_json.read_text(encoding="utf-8"))["summary"]
        change_apply = bench.run("apply plan.json --yes", ["apply", str(plan_json), "--yes"])
        after = revisions(project)
        bumped = {h for h in after if after[h] != before.get(h)}
        wrong_step = {h for h in bumped if after[h] != before.get(h, 0) + 1}
        ok = bumped == expected and not wrong_step
        print(
            f"  changed files {len(changed)}; plan rows {planned['rows']} (change {planned['change']}, "
            f"add {planned['add']}, delete {planned['delete']}); revisions bumped {len(bumped)}; "
            f"exactly the changed rows, +1 each: {'yes' if ok else 'NO'}"
        )
        if not ok:
            print(f"  missing: {sorted(expected - bumped)[:10]} unexpected: {sorted(bumped - expected)[:10]}")
        after_plan = bench.run("plan after apply (no change)", ["plan", "--detailed-exitcode"], expect=(0,))
        figures.update(
            changed_files=len(changed),
            change_plan_s=change_plan.seconds,
            change_plan_rss_mb=change_plan.peak_rss_mb,
            change_plan_pss_mb=change_plan.tree_pss_mb,
            change_apply_s=change_apply.seconds,
            change_apply_rss_mb=change_apply.peak_rss_mb,
            change_apply_pss_mb=change_apply.tree_pss_mb,
            plan_rows=planned["rows"],
            revisions_bumped=len(bumped),
            revisions_exact="yes" if ok else "NO",
            after_plan_s=after_plan.seconds,
            after_plan_rss_mb=after_plan.peak_rss_mb,
            after_plan_pss_mb=after_plan.tree_pss_mb,
        )

        if args.profile:
            # A serial cold plan: with a worker pool, the parent's profile only shows it waiting.
            clear_cache(project)
            profile = str(Path(__file__).resolve().parent / "profile_plan.py")
            for name, extra in (("cProfile cold plan (serial)", ["--serial"]), ("cProfile warm plan", [])):
                print(f"{name}:")
                bench.run(name, [args.python, profile, *extra, "--top", "25", "--", "plan"], module=False)
                log = Path(bench.runs[-1].log).read_text(encoding="utf-8", errors="replace")
                print(log[log.find("\n== top") :])

        _table(figures, info)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {"figures": figures, "machine": info, "runs": [asdict(r) for r in bench.runs]}, indent=2
                )
            )
        if not ok:
            raise SystemExit(1)
    finally:
        if args.keep or args.dir:
            print(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _mem(f: dict[str, float | int | str], step: str) -> str:
    return f"{f[step + '_rss_mb']:.0f} MB | {f[step + '_pss_mb']:.0f} MB"


def _table(f: dict[str, float | int | str], info: dict[str, str]) -> None:
    rows = [
        ("generate (in-process)", f"{f['generate_s']:.2f} s", ""),
        ("startup: labelsync --version", f"{f['startup_s']:.2f} s", ""),
        ("local init", f"{f['init_s']:.2f} s", ""),
    ]
    if "validate_s" in f:
        rows.append(("validate", f"{f['validate_s']:.2f} s", ""))
    rows += [
        ("setup: apply everything", f"{f['setup_apply_s']:.2f} s", _mem(f, "setup_apply")),
        ("cold no-change plan", f"{f['cold_plan_s']:.2f} s", _mem(f, "cold_plan")),
        ("warm no-change plan", f"{f['warm_plan_s']:.2f} s", _mem(f, "warm_plan")),
        ("objects/s (cold | warm)", f"{f['cold_objects_per_s']:,.0f} | {f['warm_objects_per_s']:,.0f}", ""),
        ("YAML read only (all files)", f"{f['yaml_read_s']:.2f} s", ""),
        ("YAML read + CSafeLoader parse", f"{f['yaml_read_parse_s']:.2f} s", ""),
        (
            f"plan --out ({f['changed_files']} files changed)",
            f"{f['change_plan_s']:.2f} s",
            _mem(f, "change_plan"),
        ),
        ("apply plan.json --yes", f"{f['change_apply_s']:.2f} s", _mem(f, "change_apply")),
        ("rows whose revision went up", f"{f['revisions_bumped']} (exact: {f['revisions_exact']})", ""),
        ("plan after apply (no change)", f"{f['after_plan_s']:.2f} s", _mem(f, "after_plan")),
    ]
    print()
    print(
        f"Figures: {f['rows']} rows, {f['objects']} objects ({f['frame_geometries']} frame geometries), "
        f"{f['yaml_mb']:.1f} MB YAML; cache under .labelsync/ after the warm plans: {f['cache_entries']}"
    )
    print(f"  {'step':<36} {'time / value':>22} {'peak RSS | tree PSS':>22}")
    for name, value, rss in rows:
        print(f"  {name:<36} {value:>22} {rss:>22}")
    print(f"  machine: nproc {info.get('nproc')}, python {info.get('python')}, {info.get('cpu', '?')}")


if __name__ == "__main__":
    main()
