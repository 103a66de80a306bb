"""labelsync against an Encord project, as a user meets it when things go wrong.

The real CLI drives the real `encord` SDK against tests/fake_encord, a local server speaking Encord's
wire protocol, seeded with the example project (`encord_ws`). Each test injects one kind of failure
(credentials, network, rate limits, server errors, timeouts, a rejected row, a payload limit, an
annotator racing the apply) and checks three things: what the user sees (exit code, message lines),
what the server stores, and that running labelsync again converges with nothing lost. The rest pins
down how many requests a plan and an apply cost, that every row labelsync writes is one the SDK
reads back, consensus branches, tag collections, bad request settings, and the warning about a
drifted ontology copy.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from math import ceil
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_encord import FakeEncord, Fault, RequestRecord, generate_ssh_key
from labelsync_workspace import EncordBackend, Result, Workspace, make_workspace

from reconciler.encord_format import decode_row
from reconciler.identity import label_hash
from reconciler.ontology import Ontology

CHERRY = "labels/images/cherry_001.jpg.yaml"
PERSIMMON = "labels/images/persimmon_004.jpg.yaml"
VIDEO = "labels/videos/orchard_walk.mp4.yaml"
TITLES = (
    "cherry_001.jpg",
    "blueberry_002.jpg",
    "blueberry_003.jpg",
    "persimmon_004.jpg",
    "branch_005.jpg",
    "strawberry_006.jpg",
    "orchard_walk.mp4",
    "market_stall",
)
"""The data units the example's label files manage (cherry_007.jpg and fruit_bowl_008.jpg are unmanaged)."""

EXAMPLE_WRITTEN = "Apply complete: 8 label rows written (23 added, 0 changed, 0 deleted, 11 tag changes)"
NO_CHANGES = "No changes: the remote matches the label files."
KEY_ENV = EncordBackend.KEY_ENV


# -- fixtures and helpers ----------------------------------------------------------------------------


@pytest.fixture
def encord_ws(tmp_path: Path) -> Iterator[Workspace]:
    """The example project on a fresh fake Encord project (no label rows yet), reached through the SDK."""
    backend = EncordBackend()
    yield from make_workspace(tmp_path, backend)
    assert not backend.server.errors, f"fake-encord crashed or a hook failed: {backend.server.errors!r}"


@pytest.fixture
def applied(encord_ws: Workspace) -> Workspace:
    """The example applied: the project matches the label files; the request log starts empty."""
    result = apply(encord_ws)
    assert result.exit_code == 0, result.output
    server(encord_ws).clear_log()
    return encord_ws


def server(ws: Workspace) -> FakeEncord:
    assert isinstance(ws.backend, EncordBackend)
    return ws.backend.server


def project(ws: Workspace) -> str:
    assert isinstance(ws.backend, EncordBackend)
    return ws.backend.project


def plan(ws: Workspace, *args: str) -> Result:
    return ws.run("plan", "--detailed-exitcode", *args)


def apply(ws: Workspace, *args: str) -> Result:
    return ws.run("apply", "--yes", *args)


def set_remote(ws: Workspace, **settings: Any) -> None:
    """Change settings of `remote:` in the workspace's labelsync.yaml."""
    path = ws.path("labelsync.yaml")
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["remote"].update(settings)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def item(doc: dict[str, Any], label_id: str) -> dict[str, Any]:
    (found,) = [x for x in [*doc.get("objects", []), *doc.get("classifications", [])] if x["id"] == label_id]
    assert isinstance(found, dict)
    return found


def assert_lines(text: str, *lines: str) -> None:
    """Each line is in `text` as a whole line (leading indentation aside)."""
    printed = [line.strip() for line in text.splitlines()]
    missing = [line for line in lines if line not in printed]
    assert not missing, f"missing {missing} in:\n{text}"


def stored(ws: Workspace, title: str, branch: str = "main") -> dict[str, Any] | None:
    """The label row dict the server holds for a data unit, as a fetch would return it."""
    return server(ws).get_label_row(project(ws), ws.data_units()[title].hash, branch)


def label_count(row: dict[str, Any] | None) -> int:
    """Objects and classifications in a stored row dict (0 for no row)."""
    if row is None:
        return 0
    return len(row["object_answers"]) + len(row["classification_answers"])


def assert_converged(ws: Workspace) -> None:
    """A plan finds nothing to do, and so does an apply (which then writes nothing)."""
    planned = plan(ws)
    assert planned.exit_code == 0, planned.output
    assert NO_CHANGES in planned.stdout
    before = ws.dump()
    again = apply(ws)
    assert again.exit_code == 0, again.output
    assert "Nothing to apply." in again.stdout
    assert ws.dump() == before


def assert_example_landed(ws: Workspace) -> None:
    """Every managed row is on the server with its labels, and labelsync sees nothing left to do."""
    counts = {title: label_count(stored(ws, title)) for title in TITLES}
    assert all(counts.values()), counts
    assert_converged(ws)


def failed_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("failed: ")]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def move_box(row: dict[str, Any], object_hash: str, x: float) -> dict[str, Any]:
    """An annotator's edit of a stored row dict: one box moved sideways."""
    edited = copy.deepcopy(row)
    moved = 0
    for unit in edited["data_units"].values():
        for obj in unit["labels"].get("objects", []):
            if obj["objectHash"] == object_hash:
                obj["boundingBox"]["x"] = x
                moved += 1
    assert moved == 1, object_hash
    return edited


def collection_reads(ws: Workspace) -> int:
    """Requests to read every collection with its items: pages of collections, then pages of each one's
    items (the fake groups items per data unit and pages by `page_size`)."""
    srv = server(ws)

    def pages(n: int) -> int:
        return max(1, ceil(n / srv.page_size))

    collections = srv.collections(project(ws))
    units = [{data_hash for data_hash, _, _ in srv.collection_items(c["uuid"])} for c in collections]
    return pages(len(collections)) + sum(pages(len(u)) for u in units)


def routes(ws: Workspace) -> dict[str, int]:
    """Requests since the log was cleared, per kind."""
    srv = server(ws)
    return {
        "open": srv.count("GET /v2/public/projects/*") + srv.count("GET /v2/public/ontologies/*"),
        "list": srv.count("labelrowmetadata.GET"),
        "fetch": srv.count("labelrow.GET"),
        "create": srv.count("labelrow.PUT"),
        "save": srv.count("labelrow.POST"),
        "collection reads": srv.count("GET /v2/public/active/*"),
        "collection writes": srv.count("POST /v2/public/active/*") + srv.count("PATCH *") + srv.count("DELETE *"),
        "total": srv.count(),
    }


# -- 1. credentials ------------------------------------------------------------------------------------


def secret_of(private_key: str) -> str:
    """A stretch of the key's base64 body inside its private part (the opening of every Ed25519 key in
    OpenSSH format is the same, so it would prove nothing)."""
    body = "".join(private_key.strip().splitlines()[1:-1])
    assert len(body) > 260
    return body[200:250]


def crash_logs() -> list[Path]:
    """Every crash log labelsync wrote in this test: in the cache directory (conftest points XDG_CACHE_HOME
    under tmp_path) or, where that cannot be used, in a private temporary folder."""
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "labelsync"
    return sorted([*cache.glob("crash-*.log"), *Path(tempfile.gettempdir()).glob("labelsync-*/crash-*.log")])


def use_key(key: str | None) -> None:
    """Put `key` in the variable labelsync reads the key from (None: unset it). Not with monkeypatch,
    which would set it again after the backend removed it: the backend removes it when the test ends."""
    if key is None:
        os.environ.pop(KEY_ENV, None)
    else:
        os.environ[KEY_ENV] = key


def test_no_key_in_the_environment_names_the_variables_before_any_request(encord_ws: Workspace) -> None:
    use_key(None)
    for command in (["plan"], ["apply", "--yes"]):
        result = encord_ws.run(*command)
        assert result.exit_code == 1, result.output
        assert_lines(
            result.stderr,
            f"error: no Encord credentials: set {KEY_ENV} (the private key) or ENCORD_SSH_KEY_FILE (its path)"
            " to a service account's Ed25519 key",
        )
    assert server(encord_ws).count() == 0


def test_a_key_the_server_does_not_know_is_refused_and_nothing_is_written(encord_ws: Workspace) -> None:
    private, _ = generate_ssh_key()  # a real key, never registered with the server
    use_key(private)
    before = encord_ws.dump()
    outputs = [encord_ws.run("plan"), encord_ws.run("apply", "--yes"), encord_ws.run("plan", "--out", "plan.json")]
    for result in outputs:
        assert result.exit_code == 1, result.output
        assert "error: Encord refused the credentials while opening project" in result.stderr
        assert "check that the key is the service account's private key" in result.stderr
        assert "Traceback" not in result.output
    assert not encord_ws.path("plan.json").exists()
    assert server(encord_ws).count("labelrow*") == 0  # refused at the first request: opening the project
    assert encord_ws.dump() == before
    assert_no_secret(encord_ws, secret_of(private), outputs)


@pytest.mark.parametrize("kind", ["not a key", "an RSA key"])
def test_a_key_that_is_not_an_ed25519_key_is_refused_before_any_request(encord_ws: Workspace, kind: str) -> None:
    if kind == "not a key":
        key, secret = "not a key", "not a key"
    else:  # the SDK's own error for this one quotes the whole key
        key = (
            rsa.generate_private_key(public_exponent=65537, key_size=1024)
            .private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
            )
            .decode()
        )
        secret = secret_of(key)
    use_key(key)
    outputs = [encord_ws.run("plan"), encord_ws.run("apply", "--yes")]
    for result in outputs:
        assert result.exit_code == 1, result.output
        assert_lines(result.stderr, f"error: the key in {KEY_ENV} is not an Ed25519 private key in OpenSSH format")
    assert server(encord_ws).count() == 0
    assert_no_secret(encord_ws, secret, outputs)


def test_the_key_never_appears_in_output_plan_files_or_the_crash_log(encord_ws: Workspace) -> None:
    secret = secret_of(os.environ[KEY_ENV])
    outputs = [
        encord_ws.run("plan", "--out", "plan.json"),
        encord_ws.run("plan", "--format", "json"),
        encord_ws.run("plan", "--format", "markdown"),
        encord_ws.run("apply", "plan.json", "--yes"),
        encord_ws.run("show", "plan.json"),
    ]
    server(encord_ws).faults.add(Fault.http_status("labelrow.POST", 500, times=None))
    encord_ws.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    outputs.append(apply(encord_ws))  # a failure's messages too
    assert [r.exit_code for r in outputs] == [0, 0, 0, 0, 0, 1]
    assert encord_ws.path("plan.json").is_file()
    assert_no_secret(encord_ws, secret, outputs)


def assert_no_secret(ws: Workspace, secret: str, outputs: list[Result]) -> None:
    """Not in any output, in any file of the workspace (plan.json, caches), or in the crash log."""
    for result in outputs:
        assert secret not in result.output
    for path in [p for p in ws.root.rglob("*") if p.is_file()] + crash_logs():
        if path.exists():
            assert secret not in path.read_text(encoding="utf-8", errors="replace"), path


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("write_timeout", "soon", "a whole number of seconds, 1 or more, not 'soon'"),
        ("read_timeout", 0, "a whole number of seconds, 1 or more, not 0"),
        ("backoff_factor", "fast", "a number of seconds, 0 or more, not 'fast'"),
        ("max_retries", -1, "a whole number of retries, 0 or more, not -1"),
    ],
)
def test_a_bad_request_setting_is_named_before_any_request(
    encord_ws: Workspace, setting: str, value: object, expected: str
) -> None:
    set_remote(encord_ws, **{setting: value})
    result = apply(encord_ws)
    assert result.exit_code == 1, result.output
    assert_lines(result.stderr, f"error: remote.{setting}: expected {expected}")
    assert server(encord_ws).count() == 0


# -- 2. an unreachable remote -------------------------------------------------------------------------


def test_an_unreachable_remote_fails_with_a_clear_message(encord_ws: Workspace) -> None:
    domain = f"http://127.0.0.1:{closed_port()}"
    set_remote(encord_ws, domain=domain)
    for command in (["plan"], ["apply", "--yes"]):
        result = encord_ws.run(*command)
        assert result.exit_code == 1, result.output
        assert_lines(
            result.stderr,
            f"error: cannot reach Encord while opening project {project(encord_ws)} at {domain}: "
            "Connection refused",
        )
        assert "Traceback" not in result.output
    assert crash_logs() == []
    assert server(encord_ws).count() == 0


# -- 3. rate limits --------------------------------------------------------------------------------------


def test_a_rate_limit_on_saves_is_waited_out_and_everything_lands(encord_ws: Workspace) -> None:
    srv = server(encord_ws)
    fault = srv.faults.add(Fault.http_status("labelrow.POST", 429, times=2, headers={"Retry-After": "1"}))
    started = time.monotonic()
    result = apply(encord_ws)
    assert result.exit_code == 0, result.output
    assert EXAMPLE_WRITTEN in result.stdout
    assert fault.fired == 2
    assert srv.count("labelrow.POST") == 3  # the SDK waited Retry-After twice, then the save landed
    assert time.monotonic() - started >= 2
    assert_example_landed(encord_ws)


def test_a_rate_limit_beyond_every_retry_names_the_rows_not_written(encord_ws: Workspace) -> None:
    set_remote(encord_ws, max_retries=0)  # one attempt: labelsync retries (the SDK's own retries are off)
    srv = server(encord_ws)
    srv.faults.add(Fault.http_status("labelrow.POST", 429, times=None, headers={"Retry-After": "1"}))
    result = apply(encord_ws)
    assert result.exit_code == 1, result.output
    assert "Apply complete: 0 label rows written (0 added, 0 changed, 0 deleted, 0 tag changes), 8 failed" in (
        result.stdout
    )
    assert sorted(failed_lines(result)) == sorted(
        f"failed: {title} was not written: rate limited while saving 8 label rows" for title in TITLES
    )
    assert "error: 8 label rows could not be written" in result.stderr
    assert srv.count("labelrow.POST") == 1  # max_retries + 1 attempts in all
    assert not any(label_count(stored(encord_ws, title)) for title in TITLES)  # rows created, empty

    srv.faults.clear()
    again = apply(encord_ws)
    assert again.exit_code == 0, again.output
    assert EXAMPLE_WRITTEN in again.stdout
    assert_example_landed(encord_ws)


# -- 4. server errors -------------------------------------------------------------------------------------


def test_a_transient_server_error_on_saves_is_retried_and_everything_lands(encord_ws: Workspace) -> None:
    srv = server(encord_ws)
    srv.faults.add(Fault.http_status("labelrow.POST", 500, times=2))
    result = apply(encord_ws)
    assert result.exit_code == 0, result.output
    assert EXAMPLE_WRITTEN in result.stdout
    assert srv.count("labelrow.POST") == 3
    assert_example_landed(encord_ws)


def test_a_persistent_server_error_names_the_rows_and_a_rerun_converges(encord_ws: Workspace) -> None:
    srv = server(encord_ws)
    srv.faults.add(Fault.http_status("labelrow.POST", 500, times=None))
    result = apply(encord_ws)
    assert result.exit_code == 1, result.output
    assert "8 failed" in result.stdout
    for title in TITLES:
        assert any(
            line.endswith(
                f": {title} was not written: Encord answered with a server error while saving 8 label rows"
            )
            for line in failed_lines(result)
        ), title
    assert "upgrade the SDK" not in result.stderr
    # max_retries + 1 = 4 attempts in all (labelsync retries; the SDK's own retries are off, not multiplied).
    assert srv.count("labelrow.POST") == 4
    assert not any(label_count(stored(encord_ws, title)) for title in TITLES)

    srv.faults.clear()
    again = apply(encord_ws)
    assert again.exit_code == 0, again.output
    assert EXAMPLE_WRITTEN in again.stdout
    assert_example_landed(encord_ws)


def test_a_persistent_server_error_stops_apply_after_three_failed_saves(encord_ws: Workspace) -> None:
    """Once a save has failed after its retries, the next ones get one attempt each; the third failure in a
    row stops apply (exit 1) instead of spending every retry on every bundle that is left."""
    srv = server(encord_ws)
    srv.faults.add(Fault.http_status("labelrow.POST", 500, times=None))
    result = apply(encord_ws, "--bundle-size", "2")
    assert result.exit_code == 1, result.output
    assert_lines(
        result.stderr,
        "error: Encord answered with a server error while saving 2 label rows; 3 saves in a row failed, so "
        "apply stopped: 0 label rows written before it stopped (they stay written), the rest of the plan was "
        "not written; run apply again once Encord answers",
    )
    assert srv.count("labelrow.POST") == 4 + 1 + 1  # the first bundle's attempts, then one each
    assert srv.count("labelrow.PUT") == 3  # the fourth bundle was never read
    assert not any(label_count(stored(encord_ws, title)) for title in TITLES)

    srv.faults.clear()
    again = apply(encord_ws)
    assert again.exit_code == 0, again.output
    assert EXAMPLE_WRITTEN in again.stdout
    assert_example_landed(encord_ws)


def test_a_save_that_succeeds_gives_later_saves_their_retries_back(encord_ws: Workspace) -> None:
    srv = server(encord_ws)
    srv.faults.add(Fault.http_status("labelrow.POST", 500, times=4))  # the first bundle, every attempt
    later = Fault.http_status("labelrow.POST", 500, times=2)

    def arm(record: RequestRecord) -> None:  # the second bundle (one attempt) landed: fail the third twice
        srv.faults.add(later)

    srv.faults.add(Fault.after("labelrow.POST", arm))
    result = apply(encord_ws, "--bundle-size", "2")
    assert result.exit_code == 1, result.output
    assert "Apply complete: 6 label rows written" in result.stdout
    assert "2 failed" in result.stdout
    assert later.fired == 2
    assert srv.count("labelrow.POST") == 4 + 1 + 3 + 1  # the third bundle is retried again, and lands
    srv.faults.clear()
    assert apply(encord_ws).exit_code == 0
    assert_example_landed(encord_ws)


def test_an_html_error_page_is_reported_as_such(applied: Workspace) -> None:
    server(applied).faults.add(
        Fault.http_status("labelrow.POST", 502, times=None, body="<html>Bad gateway</html>")
    )
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    result = apply(applied)
    assert result.exit_code == 1, result.output
    (failed,) = failed_lines(result)
    assert failed.endswith(
        "cherry_001.jpg was not written: "
        "Encord answered with an error page instead of JSON while saving 1 label row"
    )
    server(applied).faults.clear()
    assert apply(applied).exit_code == 0
    assert applied.labels("cherry_001.jpg")["cherry-1"]["box.x"] == 0.3
    assert_converged(applied)


# -- 5. timeouts -------------------------------------------------------------------------------------------


def test_a_save_that_landed_but_answered_too_late_counts_as_written(encord_ws: Workspace) -> None:
    set_remote(encord_ws, write_timeout=1)
    srv = server(encord_ws)
    srv.faults.add(Fault.delay("labelrow.POST", 1.5, landed=True))
    result = apply(encord_ws)
    assert result.exit_code == 0, result.output
    assert EXAMPLE_WRITTEN in result.stdout
    # The first save landed but its answer came too late; the SDK sent the same rows again.
    assert [r.n for r in srv.records("labelrow.POST")] == [8, 8]
    assert_example_landed(encord_ws)


def test_saves_that_always_answer_too_late_are_found_written_on_recovery(encord_ws: Workspace) -> None:
    set_remote(encord_ws, write_timeout=1, max_retries=0)
    srv = server(encord_ws)
    srv.faults.add(Fault.delay("labelrow.POST", 1.2, landed=True, times=None))
    result = apply(encord_ws)
    assert result.exit_code == 0, result.output
    assert EXAMPLE_WRITTEN in result.stdout  # every attempt timed out, the re-fetch found the rows there
    assert srv.count("labelrow.POST") == 1  # max_retries + 1 attempts
    saves = [i for i, r in enumerate(srv.requests) if r.route == "labelrow.POST"]
    assert srv.requests[saves[-1] + 1].route == "labelrow.GET"  # the recovery fetch
    srv.faults.clear()
    assert_example_landed(encord_ws)


# -- 6. one rejected row ----------------------------------------------------------------------------------


def test_a_rejected_row_fails_alone_and_a_rerun_applies_it(encord_ws: Workspace) -> None:
    srv = server(encord_ws)
    cherry = encord_ws.data_units()["cherry_001.jpg"].hash
    srv.faults.add(Fault.reject_row(cherry))
    result = apply(encord_ws)
    assert result.exit_code == 1, result.output
    assert "Apply complete: 7 label rows written (19 added, 0 changed, 0 deleted, 7 tag changes), 1 failed" in (
        result.stdout
    )
    assert failed_lines(result) == [
        "failed: cherry_001.jpg was not written: Encord rejected the request while saving 1 label row: "
        f"the label row of data unit {cherry} was rejected"
    ]
    assert "error: 1 label row could not be written" in result.stderr
    # The bundle was split, halves and quarters, until the rejected row was alone.
    saves = [(r.n, r.rpc_status, cherry in r.data_hashes) for r in srv.records("labelrow.POST")]
    assert saves[0] == (8, 400, True)
    assert (1, 400, True) in saves
    assert all(status == 200 for n, status, has_cherry in saves if not has_cherry)
    assert len(saves) > 2
    assert label_count(stored(encord_ws, "cherry_001.jpg")) == 0
    assert all(label_count(stored(encord_ws, t)) for t in TITLES if t != "cherry_001.jpg")

    srv.faults.clear()
    again = apply(encord_ws)
    assert again.exit_code == 0, again.output
    assert "Apply complete: 1 label row written (4 added, 0 changed, 0 deleted, 4 tag changes)" in again.stdout
    assert sorted(encord_ws.labels("cherry_001.jpg")) == ["cherry-1", "cherry-2", "fruit-kind", "fruit-types"]
    assert_example_landed(encord_ws)


# -- 7. payload too large ---------------------------------------------------------------------------------


def test_a_bundle_too_large_for_the_server_is_split_until_it_fits(encord_ws: Workspace) -> None:
    limit = 12_000  # the example's 8 rows are about 28 kB in one save, the largest row about 10 kB
    srv = server(encord_ws)
    srv.faults.add(Fault.payload_limit(limit, route="labelrow.POST"))
    result = apply(encord_ws)
    assert result.exit_code == 0, result.output
    assert EXAMPLE_WRITTEN in result.stdout
    saves = srv.records("labelrow.POST")
    assert (saves[0].n, saves[0].status) == (8, 413)
    assert [r.n for r in saves].count(8) == 1  # split at once: a 413 is never sent again
    landed = [r for r in saves if r.status == 200]
    assert all(r.bytes <= limit for r in landed)
    assert sum(r.n for r in landed) == 8
    assert_example_landed(encord_ws)


# -- 8. an annotator's edit between plan and apply ----------------------------------------------------------


@pytest.fixture
def planned(applied: Workspace) -> Workspace:
    """A saved plan changing cherry_001.jpg (cherry-1 moved) and persimmon_004.jpg (an answer)."""
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    applied.edit_label_file(PERSIMMON, lambda d: item(d, "fruit-types").update(answer=["Persimmon", "Cherry"]))
    result = applied.run("plan", "--out", "plan.json")
    assert result.exit_code == 0, result.output
    server(applied).clear_log()
    return applied


def annotator_moves_cherry_2(ws: Workspace) -> Callable[[], dict[str, Any]]:
    """An edit in Encord's editor: cherry-2 of cherry_001.jpg moved to x = 0.5. Returns the stored row."""
    cherry = ws.data_units()["cherry_001.jpg"].hash
    cherry_2 = ws.label_hash("cherry_001.jpg", "cherry-2")

    def edit() -> dict[str, Any]:
        row = server(ws).get_label_row(project(ws), cherry)
        assert row is not None
        server(ws).put_label_row(project(ws), move_box(row, cherry_2, 0.5))
        edited = server(ws).get_label_row(project(ws), cherry)
        assert edited is not None
        return edited

    return edit


def test_an_edit_between_plan_and_apply_is_never_overwritten(planned: Workspace) -> None:
    edited = annotator_moves_cherry_2(planned)()
    result = planned.run("apply", "plan.json", "--yes")
    assert result.exit_code == 4, result.output
    assert "Apply complete: 1 label row written" in result.stdout
    assert "1 skipped (edited after the plan)" in result.stdout
    assert_lines(
        result.stderr,
        "skipped: cherry_001.jpg was edited after the plan; nothing was overwritten. "
        "Run `labelsync plan` to see the edit.",
        "error: 1 row changed on the remote after the plan and was skipped",
    )
    assert stored(planned, "cherry_001.jpg") == edited  # the annotator's row, as they left it
    cherry = planned.labels("cherry_001.jpg")
    assert (cherry["cherry-1"]["box.x"], cherry["cherry-2"]["box.x"]) == (0.12, 0.5)
    assert planned.labels("persimmon_004.jpg")["fruit-types"]["answer"] == ["Cherry", "Persimmon"]
    assert server(planned).count("labelrow.POST") == 1  # persimmon only

    replanned = plan(planned)
    assert replanned.exit_code == 2, replanned.output
    assert_lines(replanned.stdout, "~ box.x: 0.12 -> 0.3", "~ box.x: 0.5 -> 0.38")
    assert "0 to add, 2 to change, 0 to delete across 1 label row" in replanned.stdout
    assert apply(planned).exit_code == 0  # the files win once someone has seen the plan
    assert_converged(planned)


def test_an_edit_right_after_the_read_before_a_save_is_overwritten_and_the_report_stays_true(
    planned: Workspace,
) -> None:
    """The window labelsync cannot close: Encord's save has no version check. Right before each bundle's
    save, apply reads the rows' metadata again and skips a row edited since its fetch
    (tests/test_concurrent_apply.py); an edit that lands after that read and before the save request is
    overwritten. What apply reports is still true: the rows it says it wrote hold exactly what the plan
    said, and a new plan agrees."""
    srv = server(planned)
    edits: list[dict[str, Any]] = []
    edit = annotator_moves_cherry_2(planned)

    def after_the_read(record: RequestRecord) -> None:
        edits.append(edit())  # after the server computed the metadata's answer, before it is sent

    def hook(record: RequestRecord) -> None:  # the fetch answered: arm the edit on the next metadata read
        srv.faults.add(Fault.after("labelrowmetadata.GET", after_the_read, times=1))

    srv.faults.add(Fault.after("labelrow.GET", hook, times=1))
    result = planned.run("apply", "plan.json", "--yes")
    assert len(edits) == 1
    assert result.exit_code == 0, result.output
    assert "Apply complete: 2 label rows written (0 added, 2 changed, 0 deleted, 0 tag changes)" in result.stdout
    # The fetch, the metadata read, then the save: nothing between the read and the save could see the edit.
    sent = [r.route for r in srv.records("labelrow*")]
    assert sent[sent.index("labelrow.GET") :] == ["labelrow.GET", "labelrowmetadata.GET", "labelrow.POST"]
    cherry = planned.labels("cherry_001.jpg")
    assert (cherry["cherry-1"]["box.x"], cherry["cherry-2"]["box.x"]) == (0.3, 0.38)  # the edit is gone
    assert stored(planned, "cherry_001.jpg") != edits[0]
    assert_converged(planned)


# -- 9. request counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bundle_size", [2, 3])
def test_a_plan_costs_the_listing_and_one_fetch_per_bundle(applied: Workspace, bundle_size: int) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    result = plan(applied, "--bundle-size", str(bundle_size))
    assert result.exit_code == 2, result.output
    # Every managed row is fetched, changed or not: Encord's listing carries no fingerprints.
    expected = {
        "open": 2,  # the project, its ontology
        "list": 1,  # one listing per branch: main
        "fetch": ceil(8 / bundle_size),
        "create": 0,
        "save": 0,
        "collection reads": collection_reads(applied),
        "collection writes": 0,
    }
    expected["total"] = sum(expected.values())
    assert routes(applied) == expected
    # Bundles are fetched several at once (remote.concurrency): they may reach the server in any order.
    assert sorted(r.n for r in server(applied).records("labelrow.GET")) == sorted(
        min(bundle_size, 8 - start) for start in range(0, 8, bundle_size)
    )


def test_an_apply_costs_one_fetch_one_metadata_read_and_one_save_per_bundle_of_changed_rows(
    applied: Workspace,
) -> None:
    applied.edit_label_file(CHERRY, lambda d: item(d, "cherry-1")["box"].update(x=0.3))
    applied.edit_label_file(CHERRY, lambda d: d.update(tags=["outdoor", "reviewed", "orchard"]))  # one tag
    applied.edit_label_file(PERSIMMON, lambda d: item(d, "fruit-types").update(answer=["Persimmon", "Cherry"]))
    applied.edit_label_file(VIDEO, lambda d: item(d, "person-1").update(dynamic={"Position": {"3-9": "Walking"}}))
    saved = applied.run("plan", "--out", "plan.json")
    assert saved.exit_code == 0, saved.output
    reads = collection_reads(applied)
    server(applied).clear_log()

    k, bundle_size = 3, 2
    result = applied.run("apply", "plan.json", "--yes", "--bundle-size", str(bundle_size))
    assert result.exit_code == 0, result.output
    assert "Apply complete: 3 label rows written (0 added, 3 changed, 0 deleted, 1 tag change)" in result.stdout
    assert routes(applied) == {
        "open": 2,
        "list": 1 + ceil(k / bundle_size),  # the plan's rows' label hashes; each bundle's metadata before its save
        "fetch": ceil(k / bundle_size),
        "create": 0,
        "save": ceil(k / bundle_size),
        "collection reads": reads,  # read once, for the fetched rows' tags
        "collection writes": 1,  # `orchard` exists: one add-items request
        "total": 2 + 1 + 3 * ceil(k / bundle_size) + reads + 1,
    }
    assert [r.n for r in server(applied).records("labelrow.POST")] == [2, 1]
    assert_converged(applied)


def untagged(doc: Any) -> Any:
    """A label file's content without any tag: no `tags` or `frame_tags` anywhere."""
    if isinstance(doc, dict):
        for key in ("tags", "frame_tags"):
            doc.pop(key, None)
        for value in doc.values():
            untagged(value)
    elif isinstance(doc, list):
        for value in doc:
            untagged(value)
    return doc


def test_a_project_without_collections_costs_one_collection_request(encord_ws: Workspace) -> None:
    """The tag collections are read once per command, and only when a main-branch row is read: a plan of
    rows that do not exist yet reads none; with no collection in the project, the listing's one empty
    page is all (no file declares a tag here, yet one that prunes would remove any tag the rows had)."""
    for path in sorted(encord_ws.root.glob("labels/**/*.yaml")):
        if path.name != "manifest.yaml":
            encord_ws.edit_label_file(str(path.relative_to(encord_ws.root)), untagged)
    srv = server(encord_ws)
    first = plan(encord_ws)
    assert first.exit_code == 2, first.output
    assert routes(encord_ws)["collection reads"] == 0  # no row exists yet: nothing is fetched
    srv.clear_log()
    result = apply(encord_ws)
    assert result.exit_code == 0, result.output
    assert routes(encord_ws)["collection reads"] == 1  # read once, when the created rows are decoded
    assert srv.collections(project(encord_ws)) == []
    srv.clear_log()
    again = plan(encord_ws)
    assert again.exit_code == 0, again.output
    assert routes(encord_ws) == {
        "open": 2,
        "list": 1,
        "fetch": 1,
        "create": 0,
        "save": 0,
        "collection reads": 1,
        "collection writes": 0,
        "total": 5,
    }


def test_bundles_fetched_together_are_those_fetched_one_at_a_time(applied: Workspace) -> None:
    """`fetch_bundles`: one request per bundle, up to `remote.concurrency` at once, results in order."""
    set_remote(applied, concurrency=3)
    remote = applied.remote()
    keys = [applied.key(title) for title in sorted(TITLES)]
    bundles = [keys[start : start + 3] for start in range(0, len(keys), 3)]
    one_by_one = [remote.fetch(bundle) for bundle in bundles]
    server(applied).clear_log()
    together = list(remote.fetch_bundles(bundles))  # type: ignore[attr-defined]
    assert together == one_by_one
    assert [list(rows) for rows in together] == bundles
    assert sorted(r.n for r in server(applied).records("labelrow.GET")) == sorted(len(b) for b in bundles)
    assert server(applied).count() == len(bundles)  # the collections were read once, by the first fetch


@pytest.mark.parametrize("value", [0, 17, "four", True])
def test_a_bad_concurrency_is_named_before_any_request(encord_ws: Workspace, value: object) -> None:
    set_remote(encord_ws, concurrency=value)
    result = plan(encord_ws)
    assert result.exit_code == 1, result.output
    assert "remote.concurrency: expected a whole number of requests at once, 1 to 16" in result.stderr
    assert server(encord_ws).count() == 0


# -- 10. every row labelsync writes is one the SDK reads -----------------------------------------------------


def test_every_row_written_parses_with_the_sdk_offline(applied: Workspace) -> None:
    ontology = Ontology.from_editor_dict(json.loads(applied.path("labels/ontology.json").read_text()))
    rows = [r.row for r in server(applied).store.rows(project(applied))]
    assert sorted(r["data_title"] for r in rows) == sorted(TITLES)
    for title in TITLES:
        row = stored(applied, title)
        assert row is not None and label_count(row), title
        round_trip = applied.sdk_row(row).to_encord_dict()
        assert decode_row(round_trip, ontology) == decode_row(row, ontology), title


# -- 11. consensus branches -------------------------------------------------------------------------------


REVIEW = "labels/images/cherry_001.review.yaml"
REVIEW_FILE = """\
data: cherry_001.jpg
branch: encord-review
objects:
  - id: review-1
    class: Cherry
    box: {x: 0.1, y: 0.1, w: 0.2, h: 0.2}
    attributes: {Ripeness: Unripe}
"""


def test_a_file_on_a_consensus_branch_creates_that_branchs_row_on_apply_only(applied: Workspace) -> None:
    main_before = stored(applied, "cherry_001.jpg")
    applied.path(REVIEW).write_text(REVIEW_FILE, encoding="utf-8")
    server(applied).clear_log()
    planned = plan(applied)
    assert planned.exit_code == 2, planned.output
    assert_lines(
        planned.stdout,
        f"cherry_001.jpg @ encord-review (new label row)  <- {REVIEW}",
        "+ object review-1 (Cherry)  <- line 4",
        "+ box = {x: 0.1, y: 0.1, w: 0.2, h: 0.2}",
    )
    assert "1 to add, 0 to change, 0 to delete across 1 label row" in planned.stdout
    assert server(applied).count("labelrowmetadata.GET") == 2  # main and encord-review
    assert stored(applied, "cherry_001.jpg", "encord-review") is None  # plan never creates a row
    assert server(applied).count("labelrow.PUT") == 0

    result = apply(applied)
    assert result.exit_code == 0, result.output
    assert "Apply complete: 1 label row written (1 added, 0 changed, 0 deleted, 0 tag changes)" in result.stdout
    review = stored(applied, "cherry_001.jpg", "encord-review")
    assert review is not None and review["branch_name"] == "encord-review"
    (obj,) = review["data_units"][review["data_hash"]]["labels"]["objects"]
    assert obj["objectHash"] == label_hash(review["data_hash"], "encord-review", "review-1")
    assert obj["boundingBox"] == {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}
    assert stored(applied, "cherry_001.jpg") == main_before  # main untouched
    assert_converged(applied)


def test_rows_of_one_data_unit_on_two_branches_are_created_in_one_apply(encord_ws: Workspace) -> None:
    """The SDK sends a bundle's row creations with one branch and matches them by data hash: labelsync
    creates each branch's rows in a bundle of their own."""
    encord_ws.path(REVIEW).write_text(REVIEW_FILE, encoding="utf-8")
    result = apply(encord_ws)
    assert result.exit_code == 0, result.output
    assert "Apply complete: 9 label rows written (24 added, 0 changed, 0 deleted, 11 tag changes)" in result.stdout
    creations = [(r.n, r.status) for r in server(encord_ws).records("labelrow.PUT")]
    assert sorted(creations) == [(1, 200), (8, 200)]
    main, review = stored(encord_ws, "cherry_001.jpg"), stored(encord_ws, "cherry_001.jpg", "encord-review")
    assert main is not None and review is not None
    assert (main["branch_name"], label_count(main)) == ("main", 4)
    assert (review["branch_name"], label_count(review)) == ("encord-review", 1)
    assert sorted(encord_ws.labels("cherry_001.jpg")) == ["cherry-1", "cherry-2", "fruit-kind", "fruit-types"]
    assert_example_landed(encord_ws)


def test_tags_on_a_branch_are_reported_as_not_stored(applied: Workspace) -> None:
    """Collections tag main-branch data units and labels only: apply says so instead of claiming them."""
    applied.path(REVIEW).write_text(REVIEW_FILE + "tags: [disputed]\n", encoding="utf-8")
    result = apply(applied)
    assert result.exit_code == 1, result.output
    (failed,) = failed_lines(result)
    assert failed.endswith(
        "cherry_001.jpg @ encord-review: labels saved, but tag changes failed: tags on branch encord-review "
        "cannot be stored: Encord's collections tag data units and labels of the main branch only "
        "(tag the main branch's label file instead)"
    )
    assert label_count(stored(applied, "cherry_001.jpg", "encord-review")) == 1
    assert "disputed" not in [c["name"] for c in server(applied).collections(project(applied))]
    applied.replace_in_file(REVIEW, "tags: [disputed]\n", "")
    assert_converged(applied)


# -- 12. the repository's ontology copy drifting from the project's ------------------------------------------


def test_plan_warns_when_the_ontology_copy_differs_from_the_projects(applied: Workspace) -> None:
    warning = "labels/ontology.json differs from the project's ontology; the project's is used"
    assert warning not in plan(applied).stdout
    path = applied.path("labels/ontology.json")
    text = path.read_text(encoding="utf-8")
    assert '"color": "#D33115"' in text
    path.write_text(text.replace('"color": "#D33115"', '"color": "#00FF00"', 1), encoding="utf-8")

    as_text = plan(applied)
    assert as_text.exit_code == 0, as_text.output  # a colour changes no label
    assert_lines(as_text.stdout, f"warning: {warning}")
    as_markdown = plan(applied, "--format", "markdown")
    assert_lines(as_markdown.stdout, "> [!NOTE]", f"> {warning}")
    saved = applied.run("plan", "--out", "plan.json")
    assert json.loads(applied.path("plan.json").read_text(encoding="utf-8"))["warnings"] == [warning]
    assert saved.exit_code == 0


# -- tags: a collection whose creation half failed ----------------------------------------------------------


def test_a_collection_created_despite_an_error_is_not_created_twice(applied: Workspace) -> None:
    """create_collection is a POST then a GET; when the GET fails the collection exists anyway. The rows
    whose tags went into it are reported (labels saved, tags not); a re-run finds the collection by
    listing, adds the items, and converges with one collection of that name."""
    srv = server(applied)
    for path in (CHERRY, PERSIMMON):
        applied.edit_label_file(path, lambda d: d.update(tags=[*d.get("tags", []), "sunny"]))

    def fail_the_get_after_creating(record: RequestRecord) -> None:
        srv.faults.add(Fault.http_status("GET /v2/public/active/*/collections", 500, times=4))

    srv.faults.add(Fault.after("POST /v2/public/active/*/collections", fail_the_get_after_creating))
    result = apply(applied)
    assert result.exit_code == 1, result.output
    assert "Apply complete: 0 label rows written" in result.stdout
    assert "2 failed" in result.stdout
    for title, line in zip(("cherry_001.jpg", "persimmon_004.jpg"), sorted(failed_lines(result)), strict=True):
        assert f"{title}: labels saved, but tag changes failed: Encord answered with a server error while " in line
    srv.faults.clear()

    again = apply(applied)
    assert again.exit_code == 0, again.output
    assert "Apply complete: 2 label rows written (0 added, 0 changed, 0 deleted, 2 tag changes)" in again.stdout
    assert applied.row("cherry_001.jpg").tags == ("outdoor", "reviewed", "sunny")
    assert applied.row("persimmon_004.jpg").tags == ("sunny",)
    assert [c["name"] for c in srv.collections(project(applied))].count("sunny") == 1
    assert_converged(applied)
