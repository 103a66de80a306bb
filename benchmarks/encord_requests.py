"""Requests, bytes and wall time of a 1% change on an Encord project: labelsync against a seed-style script.

    /tmp/dev/bin/python benchmarks/encord_requests.py                      # 2,000 rows, 20 objects each
    /tmp/dev/bin/python benchmarks/encord_requests.py --rows 200 --objects 4000 --keep
    /tmp/dev/bin/python benchmarks/encord_requests.py --profile           # + where the client's time goes

Everything talks to one local fake Encord server (tests/fake_encord, the wire protocol the real SDK
speaks; it runs in this process, each client in its own process), so the figures are request counts
and sizes, which do not depend on the machine, and wall times, which do (loopback, no latency: a
real server adds a round trip per request, which is where the request counts matter).

1. Setup (not measured): benchmarks/generate.py writes `--rows` label files with `--objects` objects
   in all; the fake server gets a project with the generated ontology and the manifest's data units
   (with the hashes the manifest implies); `labelsync apply --yes` creates and fills every row
   (and the tag collections).
   Then two measured no-change plans: on a fresh runner (`.labelsync/` removed: no desired cache, no
   rows remembered), and again with what that plan remembered (`remote.remember_rows`), the issue's
   "no-change plan" figure.
2. 1% of the label files change (generate.mutate: one box coordinate each).
3. labelsync: `plan --detailed-exitcode --out plan.json` (expects exit 2), then
   `apply plan.json --yes`, each a `python -m reconciler` process; `plan --detailed-exitcode` must
   then exit 0 (not measured).
4. The server's rows are put back to what they were before step 3 (the stored dicts, exactly), so
   the baseline faces the same change on the same server.
5. The seed-style baseline (/work/shared/seeds/001_*: how users import labels with the SDK today):
   `project.list_label_rows_v2()`, then for every row, one at a time: `initialise_labels()`, replace
   its labels with the desired ones, `save()`. No bundles; it does not know which rows changed, so
   it saves all of them. The desired content comes from labelsync's own loader and Encord encoder
   (`encode_row` over the row's `to_encord_dict()`), so both write the same labels; labels only (a
   seed script does not manage tags). Then `labelsync plan --detailed-exitcode` must exit 0.

For each measured step: requests by route (`labelrowmetadata.GET` listing, `labelrow.GET` fetches,
`labelrow.POST` saves, `labelrow.PUT` row creation, REST collection routes, other REST: project and
ontology), request and response body bytes, the process's wall time and the server's own time (from
reading a request to writing its answer: SQLite, JSON, signature checks). Wall minus server time is
the client's: start-up, YAML, the SDK's parsing and labelsync's work. Then the seed/labelsync ratios
and the request formulas (plan = listing + ceil(rows/bundle) fetches; apply adds ceil(changed/bundle)
fetches and saves), expected against measured.

The fake's data unit lookup is a dict once seeded (see `index_units`; `--scan-units` keeps its scan of
every unit per lookup, which makes the server, not the clients, the bottleneck at 2,000 rows).
The fake's REST pages hold `--page-size` entries (default 100, Encord's default page size when the
SDK does not ask for one; the fake's own default, 2, is for tests that exercise paging).

Loopback has next to no latency, so the measured wall times understate what a request costs against
the real API. The table adds a modelled figure (wall + requests x `--model-rtt`, 50 ms; requests are
sequential in both), and `--latency MS` makes the server wait that long before every answer of the
measured steps, to measure it instead (the wait counts as server time). `--profile` adds two extra
runs under cProfile (a no-change plan, the seed loop) and prints the time in a few hot spots: imports,
socket waits, the SDK's row parsing (`from_labels_dict`) and serialising (`to_encord_dict`), labelsync's.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))  # generate
sys.path.insert(0, str(REPO / "tests"))  # fake_encord

import generate  # noqa: E402
import yaml  # noqa: E402

KEY_ENV = "LABELSYNC_BENCH_ENCORD_KEY"
PROJECT_TITLE = "Blueberries and Cherries (benchmark)"


# -- the server -------------------------------------------------------------------------------------


def metered_server(tmp_dir: Path, page_size: int) -> Any:
    """A FakeEncord that also records, per request, the response body's size and the server's time.

    (Its own log keeps the request body's size only.) Requests are counted while they are served, so
    `wait_idle()` before reading the log: a client may exit before the server thread has finished.
    """
    from fake_encord import FakeEncord

    class MeteredFake(FakeEncord):
        def __init__(self) -> None:
            super().__init__(tmp_dir, page_size=page_size)
            self.served: dict[int, tuple[int, float]] = {}  # id(record) -> (response bytes, seconds)
            self._local = threading.local()
            self._inflight = 0
            self._meter_lock = threading.Lock()

        def _serve(self, h: Any) -> None:
            with self._meter_lock:
                self._inflight += 1
            self._local.record, self._local.received = None, 0
            started = time.perf_counter()
            try:
                super()._serve(h)
            finally:
                seconds = time.perf_counter() - started
                with self._meter_lock:
                    if self._local.record is not None:
                        self.served[id(self._local.record)] = (self._local.received, seconds)
                    self._inflight -= 1

        def _answer(self, h: Any, record: Any, *args: Any) -> Any:
            self._local.record = record
            return super()._answer(h, record, *args)

        def _write(self, h: Any, reply: Any) -> None:  # the parent's is a staticmethod called as self._write
            send_header = h.send_header

            def capture(name: str, value: str) -> None:
                if name == "Content-Length":
                    self._local.received = int(value)
                send_header(name, value)

            h.send_header = capture
            try:
                FakeEncord._write(h, reply)
            finally:
                del h.send_header

        def index_units(self, project_hash: str) -> None:
            """Look data units up in a dict: the store's `unit()` reads and scans every data unit of the
            project (fine for tests, about 20 ms a lookup at 2,000 units), and saves, row creation and
            collection items call it once per row or item. Data units do not change after seeding."""
            units = {u.data_hash: u for u in self.store.units(project_hash)}
            scan = self.store.unit
            self.store.unit = lambda p, h: units.get(h) if p == project_hash else scan(p, h)

        def wait_idle(self, timeout: float = 10.0) -> None:
            deadline = time.monotonic() + timeout
            while self._inflight and time.monotonic() < deadline:
                time.sleep(0.01)

    return MeteredFake()


def seed_server(server: Any, project: Path) -> str:
    """The generated project on the fake server: its ontology and the manifest's data units."""
    from reconciler.remotes.manifest import read_manifest

    editor = json.loads((project / "labels" / "ontology.json").read_text(encoding="utf-8"))
    project_hash = server.add_project(PROJECT_TITLE, editor)
    units, _ = read_manifest(project / "labels" / "manifest.yaml")
    for unit in units:
        server.add_data_unit(
            project_hash,
            unit.title,
            type=unit.type.value,
            frames=unit.frames,
            width=unit.width,
            height=unit.height,
            fps=unit.fps or 25.0,
            data_hash=unit.hash,
        )
    return str(project_hash)


def point_config_at(project: Path, server: Any, project_hash: str, bundle_size: int) -> None:
    config = yaml.safe_load((project / "labelsync.yaml").read_text(encoding="utf-8"))
    config["remote"] = {
        "kind": "encord",
        "project_hash": project_hash,
        "domain": server.domain,
        "key_env": KEY_ENV,
    }
    config["bundle_size"] = bundle_size
    (project / "labelsync.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


# -- measuring ----------------------------------------------------------------------------------------

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
COLUMNS = ("labelrowmetadata.GET", "labelrow.GET", "labelrow.POST", "labelrow.PUT", "collections", "other REST")


def column(route: str) -> str:
    if "." in route.split(" ")[0]:
        return route if route in COLUMNS else "other RPC"
    return "collections" if "/collections" in route else "other REST"


@dataclass
class Step:
    name: str
    seconds: float
    exit_code: int
    routes: Counter[str] = field(default_factory=Counter)
    """Requests by route, ids in paths replaced by {id}."""
    sent: int = 0
    received: int = 0
    server_seconds: float = 0.0
    server_by_route: Counter[str] = field(default_factory=Counter)
    received_by_route: Counter[str] = field(default_factory=Counter)
    failed: int = 0
    """Requests answered with an HTTP or envelope error (none expected)."""
    log: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.routes.values())

    def by_column(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for route, n in self.routes.items():
            out[column(route)] += n
        return out

    def __add__(self, other: Step) -> Step:
        return Step(
            f"{self.name} + {other.name}",
            self.seconds + other.seconds,
            0,
            self.routes + other.routes,
            self.sent + other.sent,
            self.received + other.received,
            self.server_seconds + other.server_seconds,
            self.server_by_route + other.server_by_route,
            self.received_by_route + other.received_by_route,
            self.failed + other.failed,
        )


class Bench:
    def __init__(self, server: Any, project: Path, work: Path, python: str) -> None:
        self.server, self.project, self.work, self.python = server, project, work, python
        self.env = {**os.environ, KEY_ENV: server.new_ssh_key()}

    def measure(self, name: str, argv: list[str], expect: tuple[int, ...] = (0,)) -> Step:
        """Run `argv` in a process (cwd: the project) and collect the requests it made."""
        self.server.wait_idle()
        start = len(self.server.requests)
        log = self.work / "logs" / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".log")
        log.parent.mkdir(exist_ok=True)
        started = time.perf_counter()
        with log.open("w", encoding="utf-8") as out:
            code = subprocess.run(
                argv, cwd=self.project, env=self.env, stdout=out, stderr=subprocess.STDOUT
            ).returncode
        seconds = time.perf_counter() - started
        self.server.wait_idle()
        step = Step(name, seconds, code, log=str(log))
        for record in self.server.requests[start:]:
            received, served = self.server.served.get(id(record), (0, 0.0))
            step.routes[UUID.sub("{id}", record.route)] += 1
            step.sent += record.bytes
            step.received += received
            step.server_seconds += served
            step.server_by_route[UUID.sub("{id}", record.route)] += served
            step.received_by_route[UUID.sub("{id}", record.route)] += received
            step.failed += record.status not in (200, 204) or record.rpc_status not in (None, 200)
        print(f"  {name}: {seconds:.2f}s, {step.total} requests, exit {code}", flush=True)
        if code not in expect:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SystemExit(f"{name}: exit {code}, expected {expect}; {log} ends:\n{tail}")
        return step

    def labelsync(self, name: str, *args: str, expect: tuple[int, ...] = (0,)) -> Step:
        return self.measure(name, [self.python, "-m", "reconciler", *args], expect)


# -- the seed-style baseline ---------------------------------------------------------------------------


def seed_script(project: Path, profile_out: str | None = None) -> dict[str, float | int]:
    """The baseline, as users write it today: list the rows, then one row at a time initialise_labels(),
    replace its labels, save(). Runs in its own process (`encord_requests.py seed-script PROJECT`)."""
    started = time.perf_counter()
    from encord.user_client import EncordUserClient

    from reconciler.config import load_config
    from reconciler.desired.cache import DesiredCache
    from reconciler.desired.loading import ParseContext, discover, load_desired, read_sources
    from reconciler.encord_format import encode_row
    from reconciler.ontology import Ontology
    from reconciler.remotes.manifest import read_manifest

    times: dict[str, float | int] = {"imports_s": time.perf_counter() - started}
    config = load_config(project / "labelsync.yaml")
    settings = config.remote.settings

    mark = time.perf_counter()
    client = EncordUserClient.create_with_ssh_private_key(
        ssh_private_key=os.environ[settings["key_env"]], domain=settings["domain"]
    )
    sdk_project = client.get_project(settings["project_hash"])
    ontology = Ontology.from_editor_dict(sdk_project.ontology_structure.to_dict())
    times["connect_s"] = time.perf_counter() - mark

    # The desired labels: what the user's script would build from its own source (here, the label files).
    mark = time.perf_counter()
    units, _ = read_manifest(project / "labels" / "manifest.yaml")
    sources, _ = read_sources(discover(config.labels_dir), config.root)
    desired = load_desired(sources, ParseContext(ontology, tuple(units)), {}, cache=DesiredCache(None))
    if desired.errors:
        raise SystemExit(f"seed script: the label files have errors: {desired.errors[:3]}")
    wanted = {f.row.key.data_hash: f.row for f in desired.files}
    times["load_desired_s"] = time.perf_counter() - mark

    profile = cProfile.Profile() if profile_out else None
    if profile:
        profile.enable()
    loop_started = time.perf_counter()
    label_rows = sdk_project.list_label_rows_v2()
    times["list_s"] = time.perf_counter() - loop_started
    initialise = replace = save = 0.0
    for label_row in label_rows:
        t0 = time.perf_counter()
        label_row.initialise_labels()
        t1 = time.perf_counter()
        labels = encode_row(wanted[label_row.data_hash], ontology, label_row.to_encord_dict())
        label_row.from_labels_dict(labels, preserve_identity=True)
        t2 = time.perf_counter()
        label_row.save()
        t3 = time.perf_counter()
        initialise, replace, save = initialise + t1 - t0, replace + t2 - t1, save + t3 - t2
    times.update(
        initialise_s=initialise,
        replace_s=replace,
        save_s=save,
        loop_s=time.perf_counter() - loop_started,
        rows=len(label_rows),
        total_s=time.perf_counter() - started,
    )
    if profile and profile_out:
        profile.disable()
        profile.dump_stats(profile_out)
    return times


# -- checks --------------------------------------------------------------------------------------------


def stored_rows(server: Any, project_hash: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """data_hash -> (label_hash, the dict the server stores) for every main-branch row."""
    return {r.data_hash: (r.label_hash, r.row) for r in server.store.rows(project_hash) if r.branch == "main"}


def restore(server: Any, project_hash: str, snapshot: dict[str, tuple[str, dict[str, Any]]]) -> int:
    """Put back every row whose stored dict differs from `snapshot`; returns how many."""
    now = stored_rows(server, project_hash)
    changed = [(label_hash, row) for data_hash, (label_hash, row) in snapshot.items() if now[data_hash][1] != row]
    server.store.replace_rows(project_hash, changed)
    if stored_rows(server, project_hash) != snapshot:
        raise SystemExit("restoring the rows did not give back the snapshot")
    return len(changed)


def differing_keys(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """Paths where two JSON values differ (first few)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                out.append(f"{prefix}{key} ({'only after seed' if key not in a else 'only after labelsync'})")
            elif a[key] != b[key]:
                out += differing_keys(a[key], b[key], f"{prefix}{key}.")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in differing_keys(x, y, f"{prefix}[{i}].")
        ]
    return [prefix.rstrip(".")]


def _content(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row dict without its timestamps."""
    return {k: v for k, v in row.items() if k not in ("last_edited_at", "created_at")}


def _generic(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", UUID.sub("{id}", re.sub(r"(?<=\.)[A-Za-z0-9]{8}(?=\.|$)", "{hash}", path)))


# -- profiles ----------------------------------------------------------------------------------------------

HOTSPOTS = (
    ("imports", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("waiting on the socket (server time + loopback)", "~", "<method 'recv_into' of '_socket.socket' objects>"),
    ("labelsync: read + parse the label files", "reconciler/desired/loading.py", "load_desired"),
    ("SDK: initialise_labels (one row)", "encord/objects/ontology_labels_impl.py", "initialise_labels"),
    ("SDK: run a bundle (fetch or save)", "encord/http/bundle.py", "execute"),
    ("SDK: from_labels_dict (parse a row dict)", "encord/objects/ontology_labels_impl.py", "from_labels_dict"),
    ("SDK: to_encord_dict (serialise a row)", "encord/objects/ontology_labels_impl.py", "to_encord_dict"),
    ("SDK: save (one row)", "encord/objects/ontology_labels_impl.py", "save"),
    ("labelsync: list the tag collections", "reconciler/remotes/encord/tags.py", "_load"),
    ("labelsync: decode_row", "reconciler/encord_format/decode.py", "decode_row"),
    ("labelsync: encode_row", "reconciler/encord_format/encode.py", "encode_row"),
)


def hotspots(path: str) -> tuple[float, list[tuple[str, int, float]]]:
    """(total seconds, [(what, calls, cumulative seconds)]) from a cProfile dump, for HOTSPOTS."""
    stats = pstats.Stats(path)
    found = []
    for label, file_part, func in HOTSPOTS:
        calls, seconds = 0, 0.0
        for (filename, _, name), (_, ncalls, own, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
            if name == func and (file_part in filename if file_part != "~" else filename == "~"):
                calls += ncalls
                seconds += own if file_part == "~" else cum
        if calls:
            found.append((label, calls, seconds))
    return stats.total_tt, found  # type: ignore[attr-defined]


def code_under_test() -> str:
    """Where `reconciler` is imported from (PYTHONPATH can point at another copy), and its git state."""
    import reconciler

    package = Path(reconciler.__file__).resolve().parent
    if package != REPO / "reconciler":
        return str(package)
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "reconciler"], cwd=REPO, capture_output=True, text=True
        ).stdout.splitlines()
    except OSError:
        return str(package)
    return f"{package} at {head.stdout.strip()} + {len(dirty)} modified/new file(s) under reconciler/"


# -- output ---------------------------------------------------------------------------------------------


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f}"


def print_table(steps: list[Step]) -> None:
    heads = (
        "step",
        "total",
        "meta.GET",
        "row.GET",
        "row.POST",
        "row.PUT",
        "coll.",
        "otherREST",
        "sent MB",
        "recv MB",
        "wall s",
        "server s",
        "client s",
    )
    widths = (22, 7, 9, 8, 9, 8, 7, 10, 8, 8, 8, 9, 9)
    print(
        "  "
        + " ".join(
            h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(heads, widths, strict=True))
        )
    )
    for step in steps:
        cols = step.by_column()
        cells = (
            step.name,
            str(step.total),
            *(str(cols.get(c, 0)) for c in COLUMNS),
            _mb(step.sent),
            _mb(step.received),
            f"{step.seconds:.2f}",
            f"{step.server_seconds:.2f}",
            f"{step.seconds - step.server_seconds:.2f}",
        )
        print(
            "  "
            + " ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
    others = sum(s.by_column().get("other RPC", 0) for s in steps)
    if others:
        print(f"  (other RPC routes: {others} requests, see the routes below)")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["seed-script"]:
        profile_out = argv[2] if len(argv) > 2 else None
        print(json.dumps(seed_script(Path(argv[1]), profile_out)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--objects", type=int, default=40_000, help="over all rows (default: 20 per row)")
    parser.add_argument("--change-percent", type=float, default=1.0)
    parser.add_argument("--bundle-size", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=100, help="the fake's REST page size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--python", default=sys.executable, help="the interpreter with labelsync installed")
    parser.add_argument("--dir", type=Path, default=None, help="work here instead of a temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--scan-units",
        action="store_true",
        help="keep the fake's data unit lookup as it is (a scan of every unit per lookup: slow at 2,000 units)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="make the server wait this long before every answer in the measured steps (a round trip)",
    )
    parser.add_argument(
        "--model-rtt", type=float, default=50.0, metavar="MS", help="also print wall + requests x this (modelled)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile a plan and the seed loop (extra runs)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    work = args.dir or Path(tempfile.mkdtemp(prefix="labelsync-encord-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    project = work / "project"
    (work / "server").mkdir(exist_ok=True)
    server = metered_server(work / "server", args.page_size).start()
    try:
        run(args, work, project, server)
    finally:
        server.stop()
        if args.keep or args.dir:
            print(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path, project: Path, server: Any) -> None:
    print(
        f"Encord request benchmark: {args.rows} rows, {args.objects} objects, bundle size {args.bundle_size}, in {work}"
    )
    print(f"  labelsync under test: {code_under_test()}")
    stats = generate.generate(project, args.rows, args.objects, seed=args.seed, force=True)
    print(
        f"Generated {stats.images} images, {stats.videos} videos, {stats.objects} objects, "
        f"{stats.label_files_bytes / 1e6:.1f} MB of YAML"
    )
    project_hash = seed_server(server, project)
    if not args.scan_units:
        server.index_units(project_hash)
    point_config_at(project, server, project_hash, args.bundle_size)
    bench = Bench(server, project, work, args.python)

    print("Setup (not the target):")
    setup = bench.labelsync("setup: apply --yes", "apply", "--yes")
    rows_before = stored_rows(server, project_hash)
    if len(rows_before) != args.rows:
        raise SystemExit(f"setup: {len(rows_before)} rows on the server, expected {args.rows}")
    bench.labelsync("check: plan after setup", "plan", "--detailed-exitcode")
    collections = server.collections(project_hash)

    # The no-change plan: on a fresh runner (no .labelsync/: nothing remembered, no desired cache),
    # then again with what that plan remembered (`remote.remember_rows`; rows settled first, see SETTLED).
    from reconciler.remotes.encord.remembered import SETTLED

    time.sleep(SETTLED)
    shutil.rmtree(project / ".labelsync", ignore_errors=True)
    fresh = bench.labelsync("no-change plan, fresh runner", "plan", "--detailed-exitcode")
    remembered = bench.labelsync("no-change plan, rows remembered", "plan", "--detailed-exitcode")
    items = sum(len(server.collection_items(c["uuid"])) for c in collections)

    changed = generate.mutate(project, args.change_percent, seed=args.seed + 1)
    print(f"Changed {len(changed)} label files ({args.change_percent:g}%).")

    if args.latency:
        from fake_encord import Fault

        server.faults.add(Fault.delay("*", args.latency / 1000, times=None))
        print(f"Every request now waits {args.latency:g} ms on the server (--latency).")
    print("labelsync:")
    plan_json = work / "plan.json"
    plan = bench.labelsync("labelsync plan", "plan", "--detailed-exitcode", "--out", str(plan_json), expect=(2,))
    summary = json.loads(plan_json.read_text(encoding="utf-8"))["summary"]
    apply = bench.labelsync("labelsync apply", "apply", str(plan_json), "--yes")
    bench.labelsync("check: plan after labelsync", "plan", "--detailed-exitcode")
    after_labelsync = stored_rows(server, project_hash)
    written = sorted(h for h in rows_before if after_labelsync[h][1] != rows_before[h][1])

    restored = restore(server, project_hash, rows_before)
    print(f"Put back the {restored} rows labelsync changed: the server holds the pre-change rows again.")

    print("Seed-style script:")
    seed_started = datetime.now(timezone.utc)
    seed = bench.measure("seed script", [args.python, str(Path(__file__).resolve()), "seed-script", str(project)])
    seed.details = json.loads(Path(seed.log).read_text(encoding="utf-8").strip().splitlines()[-1])
    server.faults.clear()
    bench.labelsync("check: plan after seed", "plan", "--detailed-exitcode")
    after_seed = stored_rows(server, project_hash)
    seed_written = sum(after_seed[h][1] != rows_before[h][1] for h in rows_before)
    seed_content = sum(_content(after_seed[h][1]) != _content(rows_before[h][1]) for h in rows_before)
    stamped = sum(r.last_edited_at >= seed_started for r in server.store.rows(project_hash))
    differ = {h: differing_keys(after_labelsync[h][1], after_seed[h][1]) for h in rows_before}
    differ = {h: paths for h, paths in differ.items() if paths}
    diff_paths = Counter(p for paths in differ.values() for p in {_generic(x) for x in paths})

    both = plan + apply
    both.name = "labelsync plan+apply"
    print()
    print(
        f"Figures: {args.rows} rows ({stats.images} images, {stats.videos} videos of 100 frames), "
        f"{stats.objects} objects, {len(changed)} files changed, bundle size {args.bundle_size}, "
        f"REST page size {args.page_size}; {len(collections)} tag collections holding {items} items"
    )
    print_table([fresh, remembered, plan, apply, both, seed])
    print(
        f"  ratio seed / labelsync plan+apply: requests {seed.total / both.total:.1f}x, "
        f"bytes sent {seed.sent / max(both.sent, 1):.1f}x, received {seed.received / max(both.received, 1):.1f}x, "
        f"wall time {seed.seconds / both.seconds:.2f}x"
    )
    if args.model_rtt and not args.latency:
        rtt = args.model_rtt / 1000
        modelled_both, modelled_seed = both.seconds + both.total * rtt, seed.seconds + seed.total * rtt
        print(
            f"  modelled with a {args.model_rtt:g} ms round trip per request (wall + requests x RTT, sequential "
            f"requests): labelsync {modelled_both:.1f}s, seed {modelled_seed:.1f}s, ratio {modelled_seed / modelled_both:.1f}x"
        )
    rpc = ("labelrowmetadata.GET", "labelrow.GET", "labelrow.POST", "labelrow.PUT")
    rpc_both = sum(both.by_column()[c] for c in rpc)
    rpc_seed = sum(seed.by_column()[c] for c in rpc)
    print(f"  label-row requests only (RPC): seed {rpc_seed} / labelsync {rpc_both} = {rpc_seed / rpc_both:.1f}x")
    d = seed.details
    print(
        f"  seed script's own clock: imports {d['imports_s']:.2f}s, connect {d['connect_s']:.2f}s, "
        f"load desired {d['load_desired_s']:.2f}s, list {d['list_s']:.2f}s, initialise_labels {d['initialise_s']:.2f}s, "
        f"encode + from_labels_dict {d['replace_s']:.2f}s, save {d['save_s']:.2f}s (loop {d['loop_s']:.2f}s over {d['rows']} rows)"
    )
    print(
        f"  server time within the seed script: labelrow.GET {seed.server_by_route['labelrow.GET']:.2f}s, "
        f"labelrow.POST {seed.server_by_route['labelrow.POST']:.2f}s; within labelsync plan: labelrow.GET "
        f"{plan.server_by_route['labelrow.GET']:.2f}s, collections "
        f"{sum(v for r, v in plan.server_by_route.items() if column(r) == 'collections'):.2f}s"
    )

    n, k, b = args.rows, len(changed), args.bundle_size
    expected_plan = {
        "labelrowmetadata.GET": 1,
        "labelrow.GET": math.ceil(n / b),
        "labelrow.POST": 0,
        "labelrow.PUT": 0,
    }
    expected_apply = {
        # apply's own listing (the plan's rows' label hashes), then each bundle's metadata right before its save
        "labelrowmetadata.GET": 1 + math.ceil(k / b),
        "labelrow.GET": math.ceil(k / b),
        "labelrow.POST": math.ceil(k / b),
        "labelrow.PUT": 0,
    }
    print()
    print(
        f"Formula check (rows {n}, changed {k}, bundle {b}): plan = 1 listing + ceil({n}/{b}) fetches; apply = 1 listing + ceil({k}/{b}) fetch + metadata read + save"
    )
    print(f"  {'route':<22} {'plan exp':>9} {'plan got':>9} {'apply exp':>10} {'apply got':>10}")
    for route in rpc:
        print(
            f"  {route:<22} {expected_plan[route]:>9} {plan.routes.get(route, 0):>9} "
            f"{expected_apply[route]:>10} {apply.routes.get(route, 0):>10}"
        )
    print(
        f"  {'RPC total':<22} {sum(expected_plan.values()):>9} {sum(plan.routes.get(r, 0) for r in rpc):>9} "
        f"{sum(expected_apply.values()):>10} {sum(apply.routes.get(r, 0) for r in rpc):>10}"
    )

    print()
    print("Requests by route (count, MB received):")
    routes = sorted(set(plan.routes) | set(apply.routes) | set(seed.routes) | set(setup.routes))
    print(f"  {'route':<56} {'setup':>16} {'plan':>16} {'apply':>16} {'seed':>16}")
    for route in routes:
        cells = [
            f"{s.routes[route]} / {s.received_by_route[route] / 1e6:.2f}" if route in s.routes else "-"
            for s in (setup, plan, apply, seed)
        ]
        print(f"  {route:<56} " + " ".join(f"{c:>16}" for c in cells))
    print(
        f"  setup (apply everything, not the target): {setup.total} requests, {setup.seconds:.1f}s "
        f"(server {setup.server_seconds:.1f}s)"
    )

    print()
    print("Checks:")
    planned_ok = summary["rows"] == k
    print(
        f"  plan.json: {summary['rows']} rows to change (change {summary.get('change')}, add {summary.get('add')}, delete {summary.get('delete')}); expected {k}: {'yes' if planned_ok else 'NO'}"
    )
    print(f"  rows whose stored dict labelsync changed: {len(written)} (expected {k})")
    print(
        f"  the seed script saved {seed.routes.get('labelrow.POST', 0)} rows: labels changed in {seed_content}, "
        f"stored dict changed in {seed_written} (the others only in the row's `last_edited_at`, which the SDK "
        f"copies into the dict it saves); rows the server stamped as edited: {stamped}"
    )
    print("  `plan --detailed-exitcode` after labelsync and after the seed script: exit 0 both (no changes)")
    failed = setup.failed + plan.failed + apply.failed + seed.failed
    print(f"  error answers from the server during the measured steps: {failed}")
    if differ:
        print(
            f"  stored dicts after labelsync vs after the seed script differ in {len(differ)} rows; paths (rows):"
        )
        for path, count in diff_paths.most_common(8):
            print(f"    {path}: {count}")
    else:
        print("  stored dicts after labelsync and after the seed script are identical")

    figures = {
        "rows": n,
        "objects": args.objects,
        "changed": k,
        "bundle_size": b,
        "page_size": args.page_size,
        "steps": {
            s.name: {
                "requests": s.total,
                "routes": dict(s.routes),
                "sent": s.sent,
                "received": s.received,
                "seconds": s.seconds,
                "server_seconds": s.server_seconds,
                "server_seconds_by_route": dict(s.server_by_route),
                "received_by_route": dict(s.received_by_route),
                "details": s.details,
            }
            for s in (setup, plan, apply, both, seed)
        },
    }

    if args.profile:
        print()
        print("Profiles (extra runs, not the figures above): cumulative time in a few hot spots")
        prof = work / "plan.prof"
        bench.measure(
            "profile: plan (no change, serial parsing)",
            [
                args.python,
                str(HERE / "profile_plan.py"),
                "--serial",
                "--top",
                "5",
                "--out",
                str(prof),
                "--",
                "plan",
            ],
        )
        plan_spots = _print_hotspots("labelsync plan (no change)", prof)
        seed_prof = work / "seed.prof"
        bench.measure(
            "profile: seed loop",
            [args.python, str(Path(__file__).resolve()), "seed-script", str(project), str(seed_prof)],
        )
        seed_spots = _print_hotspots("seed loop (list, then initialise/replace/save each row)", seed_prof)
        figures["profiles"] = {"plan": plan_spots, "seed": seed_spots}

    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


def _print_hotspots(name: str, path: Path) -> list[tuple[str, int, float]]:
    total, found = hotspots(str(path))
    print(f"  {name}: {total:.2f}s under the profiler (cumulative times, they nest)")
    for label, calls, seconds in found:
        print(f"    {label:<50} {calls:>7} calls {seconds:>7.2f}s {100 * seconds / total:>4.0f}%")
    return found


if __name__ == "__main__":
    main()
