"""Plan and apply figures for a generated project, against the issue's targets, in one command.

    .venv/bin/python benchmarks/run.py                    # 50,000 rows / 1,000,000 objects (many minutes)
    .venv/bin/python benchmarks/run.py --quick            # 500 rows / 10,000 objects
    .venv/bin/python benchmarks/run.py --rows 5000 --objects 100000 --keep --profile

In a temporary directory: generate a project (benchmarks/generate.py), commit it to a git repository (as a
user's label files are: every plan asks git about them), create the local project, then, each in a fresh
process (`python -m reconciler ...`, the current working tree):

- `validate` on a fresh runner (no cache; the project holds no label rows yet, so every file is parsed);
- `plan --out` with every row an add (the plan a first pull request saves): its peak memory (the plan is
  written a row at a time, never held) and the plan file's size;
- apply of every row from empty (`apply --yes`): its time and peak memory;
- cold no-change plan: `plan --detailed-exitcode` with any cache under .labelsync/ removed (everything there
  except the SQLite database); the local project still remembers which file content each row was last
  written from (`row_sources`), as it would on a fresh runner;
- the same with `row_sources` hidden too: every file parsed, as against a remote that remembers nothing; then
  `validate` in that state (no cache, no row sources: every file parsed), the figure set beside that plan;
- `validate` on a fresh runner again, now that the project remembers the content each row was written from;
- warm no-change plans (`--warm-runs`, the median reported), after one plan that is not counted (validate
  writes no cache, so that plan writes it);
- `--changed-files` files changed (one box coordinate each): `plan --out plan.json`, `apply plan.json --yes`,
  and a check in SQLite that exactly those rows' `revision` went up by one; then a no-change plan again.

Every time is printed beside its target, and as a ratio to how long fast-yaml (what labelsync parses with)
and PyYAML's C loader take to read and parse the same files on one core, in this process.
`labelsync --version` is timed too: the start-up cost (imports) every command pays. `--profile`
adds a cProfile of serial cold plans (with and without row sources) and of a warm plan
(benchmarks/profile_plan.py); cProfile slows tight Python loops 2-3x, so read its figures as shares.

Peak RSS is each child's own ru_maxrss, from os.wait4 on that child (RUSAGE_CHILDREN would be
the high-water mark over every child so far, so a big setup apply would mask the plans). With a
worker pool that is the largest single process, so the summed PSS of the child's process tree is
also sampled (every 200 ms, from /proc). The 1-minute load average after each step shows how busy
the machine was.
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
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
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
    load: str = ""
    """The 1-minute load average when the step ended (others' work on the machine shows here)."""


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
            f"{os.getloadavg()[0]:.2f}",
        )
        self.runs.append(run)
        print(
            f"  {name:<34} {seconds:8.2f}s  exit {code}  peak RSS {run.peak_rss_mb:6.1f} MB"
            f"  tree PSS {run.tree_pss_mb:6.1f} MB ({run.processes} proc)  cpu {run.cpu_seconds:.2f}s  load {run.load}",
            flush=True,
        )
        if code not in expect:
            tail = Path(log).read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SystemExit(f"{name}: exit {code}, expected {expect}; {log} ends:\n{tail}")
        if self.verbose:
            print(Path(log).read_text(encoding="utf-8", errors="replace")[-1500:])
        return run


def commit_to_git(project: Path) -> bool:
    """Make the project a git repository with its label files committed, as a user's are: every plan then asks
    git for its commit, its status and the label files deleted since (in a repository of 50,000 label files,
    `git status` alone takes 0.1 s). False where git is missing."""
    if shutil.which("git") is None:
        return False
    (project / ".gitignore").write_text(".labelsync/\n", encoding="utf-8")
    identity = ["-c", "user.name=benchmark", "-c", "user.email=benchmark@example.com"]
    for command in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", "generated project"]):
        subprocess.run(["git", *command], cwd=project, check=True, capture_output=True)
    return True


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


def yaml_parse_reference(project: Path, pyyaml: bool = True) -> tuple[float, float, float, int]:
    """Seconds to read every label file; to read + parse them with fast-yaml (what labelsync parses with);
    to read + parse them with PyYAML's CSafeLoader (0 when skipped); and how many files. One core each."""
    import fast_yaml
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        raise SystemExit("PyYAML has no CSafeLoader here (built without libyaml)")
    paths = generate.label_files(project)
    started = time.perf_counter()
    texts = [p.read_text(encoding="utf-8") for p in paths]
    read = time.perf_counter() - started
    del texts
    started = time.perf_counter()
    for p in paths:
        fast_yaml.safe_load(p.read_text(encoding="utf-8"))
    fast = time.perf_counter() - started
    parse = 0.0
    if pyyaml:
        started = time.perf_counter()
        for p in paths:
            yaml.load(p.read_text(encoding="utf-8"), Loader=loader)
        parse = time.perf_counter() - started
    return read, fast, parse, len(paths)


@contextmanager
def sources_hidden(project: Path) -> Iterator[None]:
    """The local project without the label-file content each row was last written from (`row_sources`):
    a plan then parses every file, as it does against a remote that remembers nothing."""
    db = sqlite3.connect(project / generate.DATABASE, isolation_level=None)
    try:
        db.execute("ALTER TABLE row_sources RENAME TO row_sources_hidden")
    finally:
        db.close()
    try:
        yield
    finally:
        db = sqlite3.connect(project / generate.DATABASE, isolation_level=None)
        try:
            db.execute("ALTER TABLE row_sources_hidden RENAME TO row_sources")
        finally:
            db.close()


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
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="500 rows / 10,000 objects")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--changed-files", type=int, default=10, help="label files to change [10]")
    parser.add_argument("--warm-runs", type=int, default=5, help="warm plans to run (the median is reported)")
    parser.add_argument(
        "--skip-pyyaml", action="store_true", help="do not time PyYAML's parse (minutes at full size)"
    )
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
        started = time.perf_counter()
        if commit_to_git(project):
            os.sync()  # git's objects written out now, not while the first step runs
            print(
                f"Committed to a git repository in {time.perf_counter() - started:.2f}s (as a user's labels are)"
            )
        else:
            print("No git: the project is not a repository (plans skip git status, so they read a little fast)")
        bench = Bench(project, args.python, logs, args.verbose, sample=not args.no_tree_sampling)

        print("Steps (each a fresh process):")
        startup = bench.run("startup (--version)", ["--version"])
        figures["startup_s"] = startup.seconds
        init = bench.run(
            "local init",
            ["local", "init", "--ontology", "labels/ontology.json", "--manifest", "labels/manifest.yaml"],
        )
        figures["init_s"] = init.seconds
        if not args.skip_validate:
            # A fresh runner: no cache, and a project holding no label rows yet.
            step(figures, "validate", bench.run("validate (fresh runner)", ["validate"]))
        # The plan a first pull request shows: every row an add, saved for apply (streamed, never held).
        empty_plan = project / "plan-from-empty.json"
        step(
            figures,
            "empty_plan",
            bench.run("plan --out, every row from empty", ["plan", "--out", empty_plan.name]),
        )
        figures["empty_plan_mb"] = empty_plan.stat().st_size / 1e6 if empty_plan.exists() else 0.0
        print(f"  (the plan file: {figures['empty_plan_mb']:.0f} MB)")
        empty_plan.unlink(missing_ok=True)
        step(figures, "setup_apply", bench.run("apply every row from empty", ["apply", "--yes"]))
        after_setup = revisions(project)
        if len(after_setup) != args.rows or set(after_setup.values()) != {1}:
            raise SystemExit(f"setup: expected {args.rows} rows at revision 1, got {len(after_setup)} rows")

        print("Parsing references (in this process, one core):")
        read_s, fast_s, pyyaml_s, files = yaml_parse_reference(project, pyyaml=not args.skip_pyyaml)
        figures.update(yaml_read_s=read_s, fast_yaml_s=fast_s, pyyaml_s=pyyaml_s)
        shown = f"{pyyaml_s:.2f}s" if pyyaml_s else "skipped"
        print(f"  read {files} files {read_s:.2f}s; + fast-yaml parse {fast_s:.2f}s; + PyYAML CSafeLoader {shown}")

        print("No-change plans:")
        removed = clear_cache(project)
        if removed:
            print(f"  (cleared the cache before the cold plan: {', '.join(removed)})")
        step(
            figures,
            "cold_plan",
            bench.run("cold plan (no cache)", ["plan", "--detailed-exitcode"], expect=(0,)),
        )
        clear_cache(project)
        with sources_hidden(project):
            step(
                figures,
                "cold_full_plan",
                bench.run("cold plan (no cache, no row sources)", ["plan", "--detailed-exitcode"], expect=(0,)),
            )
            if not args.skip_validate:
                clear_cache(project)
                # The same files parsed in full, right after the plan that parsed them: the pair the target is
                # about, on the same machine state (the first validate above runs on files just written).
                step(
                    figures,
                    "validate_full",
                    bench.run("validate (fresh runner, no row sources)", ["validate"]),
                )
        clear_cache(project)
        step(
            figures,
            "validate_applied",
            bench.run("validate (fresh runner, project applied)", ["validate"]),
        )
        # validate writes no cache: this plan writes it (not counted), so the warm plans below find it.
        bench.run("plan writing the cache (not counted)", ["plan", "--detailed-exitcode"], expect=(0,))
        warm_runs = [
            bench.run(f"warm plan #{i + 1} (no change)", ["plan", "--detailed-exitcode"], expect=(0,))
            for i in range(max(1, args.warm_runs))
        ]
        step(figures, "warm_plan", median_run(warm_runs))
        figures["warm_runs_s"] = " ".join(f"{r.seconds:.2f}" for r in warm_runs)
        cache = [p.name for p in (project / ".labelsync").iterdir() if not p.name.startswith("project.db")]
        figures["cache_entries"] = ", ".join(cache) or "none"

        print(f"{args.changed_files} files changed:")
        before = revisions(project)
        changed = generate.mutate(project, 0, seed=args.seed + 1, count=args.changed_files)
        hashes = title_hashes(project)
        expected = {hashes[title] for _, title in changed}
        plan_json = work / "plan.json"
        step(
            figures,
            "change_plan",
            bench.run(
                "plan --out plan.json (change)",
                ["plan", "--detailed-exitcode", "--out", str(plan_json)],
                expect=(2,),
            ),
        )
        planned = json.loads(plan_json.read_text(encoding="utf-8"))["summary"]
        step(figures, "change_apply", bench.run("apply plan.json --yes", ["apply", str(plan_json), "--yes"]))
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
        step(
            figures,
            "after_plan",
            bench.run("plan after apply (no change)", ["plan", "--detailed-exitcode"], expect=(0,)),
        )
        figures.update(
            changed_files=len(changed),
            plan_rows=planned["rows"],
            revisions_bumped=len(bumped),
            revisions_exact="yes" if ok else "NO",
        )

        if args.profile:
            # Serial: with a worker pool, the parent's profile only shows it waiting.
            profile = str(Path(__file__).resolve().parent / "profile_plan.py")
            for name, extra, hide in (
                ("cProfile cold plan, no row sources (serial)", ["--serial"], True),
                ("cProfile cold plan (serial)", ["--serial"], False),
                ("cProfile warm plan", [], False),
            ):
                if name.startswith("cProfile cold"):
                    clear_cache(project)
                print(f"{name}:")
                with sources_hidden(project) if hide else nullcontext():
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


def step(figures: dict[str, float | int | str], name: str, run: Run) -> None:
    figures.update(
        {
            f"{name}_s": run.seconds,
            f"{name}_rss_mb": run.peak_rss_mb,
            f"{name}_pss_mb": run.tree_pss_mb,
            f"{name}_cpu_s": run.cpu_seconds,
            f"{name}_load": run.load,
        }
    )


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


TARGETS: tuple[tuple[str, str, str], ...] = (
    ("validate", "validate (fresh runner, no rows yet)", "<= cold_full_plan"),
    ("validate_full", "validate (fresh runner, no row sources)", "<= cold_full_plan"),
    ("validate_applied", "validate (fresh runner, rows applied)", "<= cold_plan"),
    ("empty_plan", "plan --out, every row from empty", "RSS <= 1024 MB"),
    ("setup_apply", "apply every row from empty", "RSS <= 1024 MB"),
    ("cold_plan", "cold no-change plan (no cache)", "<= 20 s"),
    ("cold_full_plan", "  the same, no row sources (full parse)", "<= 20 s"),
    ("warm_plan", "warm no-change plan (median)", "<= 2 s"),
    ("change_plan", "plan after {changed_files} files changed", "<= 2 s"),
    ("change_apply", "apply plan.json ({changed_files} rows)", "RSS <= 1024 MB"),
    ("after_plan", "plan after that apply (no change)", "<= 2 s"),
)


def _met(f: dict[str, float | int | str], name: str, target: str) -> str:
    seconds, rss = float(f[f"{name}_s"]), float(f[f"{name}_rss_mb"])
    pss = float(f[f"{name}_pss_mb"])
    memory_ok = max(rss, pss) <= 1024
    if target.startswith("RSS"):
        return "yes" if memory_ok else "NO"
    if target.startswith("<= cold_full_plan"):
        limit = float(f.get("cold_full_plan_s", f.get("cold_plan_s", 0)))
    elif target.startswith("<= cold_plan"):
        limit = float(f["cold_plan_s"])
    else:
        limit = float(target.split()[1])
    return "yes" if seconds <= limit and memory_ok else "NO"


def _table(f: dict[str, float | int | str], info: dict[str, str]) -> None:
    fast, pyyaml = float(f["fast_yaml_s"]), float(f["pyyaml_s"])
    print()
    print(
        f"Figures: {f['rows']} rows, {f['objects']} objects ({f['frame_geometries']} frame geometries), "
        f"{f['yaml_mb']:.1f} MB YAML; cache under .labelsync/ after the warm plans: {f['cache_entries']}"
    )
    print(
        f"  references, one core, in-process: read {f['yaml_read_s']:.2f} s; read + fast-yaml parse {fast:.2f} s;"
        f" read + PyYAML CSafeLoader parse {pyyaml:.2f} s"
        if pyyaml
        else "  (PyYAML skipped)"
    )
    print(f"  startup (labelsync --version) {f['startup_s']:.2f} s; local init {f['init_s']:.2f} s")
    header = (
        f"  {'step':<42} {'seconds':>8} {'cpu s':>7} {'target':>17} {'met':>4} {'x fast-yaml':>11}"
        f" {'x PyYAML':>9} {'peak RSS MB':>11} {'tree PSS MB':>11} {'load 1m':>8}"
    )
    print(header)
    for name, label, target in TARGETS:
        if f"{name}_s" not in f:
            continue
        seconds = float(f[f"{name}_s"])
        label = label.format(**f)
        ratio_fast = f"{seconds / fast:.2f}" if fast else "-"
        ratio_py = f"{seconds / pyyaml:.3f}" if pyyaml else "-"
        print(
            f"  {label:<42} {seconds:8.2f} {float(f[f'{name}_cpu_s']):7.2f} {target:>17} {_met(f, name, target):>4}"
            f" {ratio_fast:>11} {ratio_py:>9} {float(f[f'{name}_rss_mb']):11.0f} {float(f[f'{name}_pss_mb']):11.0f}"
            f" {f[f'{name}_load']:>8}"
        )
    print(f"  warm plans (s): {f['warm_runs_s']}")
    print(
        "  x fast-yaml / x PyYAML: the step's wall time over the time fast-yaml's (PyYAML's C loader's) parse"
        " of the same files takes on one core; load 1m: the 1-minute load average when the step ended"
    )
    print(f"  machine: nproc {info.get('nproc')}, python {info.get('python')}, {info.get('cpu', '?')}")


if __name__ == "__main__":
    main()
