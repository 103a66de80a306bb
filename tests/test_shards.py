"""Sharding: `plan --shard K/N` and `apply --shard K/N` take a stable 1/N of the label rows (by data hash),
and `show` merges the N shards' plans into the unsharded plan, on every remote."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from labelsync_workspace import Workspace

from reconciler.errors import ConfigError
from reconciler.planfile import plan_digest
from reconciler.shards import Shard, assign

CHERRY = "labels/images/cherry_001.jpg.yaml"
IGNORED = ("created_at", "source", "digest")


def uuids(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


# -- the cut ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 4, 8])
@pytest.mark.parametrize("seed", range(5))
def test_the_largest_shard_of_1000_rows_is_within_1_1x_the_mean(n: int, seed: int) -> None:
    shards = assign(uuids(1000, seed), n)
    sizes = [sum(1 for k in shards.values() if k == shard) for shard in range(1, n + 1)]
    assert sum(sizes) == 1000
    assert max(sizes) <= 1.1 * 1000 / n, sizes
    assert max(sizes) - min(sizes) <= 1, sizes  # blocks of the hash order: equal but for one


def test_a_plain_hash_modulus_would_not_be_balanced_enough() -> None:
    """Why the shards are blocks of the hash order rather than blake2b(data hash) mod N (shards.py)."""
    import hashlib

    over = 0
    for seed in range(20):
        counts = [0] * 8
        for data_hash in uuids(1000, seed):
            counts[int.from_bytes(hashlib.blake2b(data_hash.encode(), digest_size=16).digest(), "big") % 8] += 1
        over += max(counts) > 1.1 * 125
    assert over >= 3  # of 20 listings: so mod N cannot promise 1.1x


def test_the_cut_is_stable_across_orders_runs_and_machines() -> None:
    hashes = uuids(300)
    cut = assign(hashes, 4)
    shuffled = list(hashes)
    random.Random(1).shuffle(shuffled)
    assert assign(shuffled, 4) == cut
    code = (
        "import json, sys; from reconciler.shards import assign; "
        "print(json.dumps(assign(json.load(sys.stdin), 4), sort_keys=True))"
    )
    for seed in ("0", "12345"):  # Python's salted hash() would differ between these
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(shuffled),
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        )
        assert json.loads(done.stdout) == cut


@pytest.mark.parametrize("n", [2, 4, 8])
def test_adding_or_removing_a_data_unit_moves_at_most_n_minus_1_other_rows(n: int) -> None:
    hashes = uuids(1000)
    before = assign(hashes, n)
    added = assign([*hashes, str(uuid.UUID(int=99, version=4))], n)
    assert sum(1 for h in hashes if added[h] != before[h]) <= n - 1
    removed = assign(hashes[1:], n)
    assert sum(1 for h in hashes[1:] if removed[h] != before[h]) <= n - 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/4", "0/4: K must be between 1 and N (4): shards are numbered from 1"),
        ("5/4", "5/4: K must be between 1 and N (4): shards are numbered from 1"),
        ("1/0", "1/0: N must be between 1 and 256"),
        ("2/300", "2/300: N must be between 1 and 256"),
        ("2", "'2' is not K/N: give shard K of N, e.g. 2/4"),
        ("a/b", "'a/b' is not K/N: give shard K of N, e.g. 2/4"),
    ],
)
def test_a_bad_shard_is_a_usage_error(local_workspace: Workspace, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        Shard.parse(text)
    for command in (["plan"], ["apply", "--yes"]):
        result = local_workspace.run(*command, "--shard", text)
        assert result.exit_code == 1, result.output
        assert f"Invalid value for '--shard': {message}" in result.stderr
    assert Shard.parse(" 2 / 4 ") == Shard(2, 4)


# -- plan, show, apply -----------------------------------------------------------------------------------


def plan_shards(ws: Workspace, n: int, *extra: str) -> list[str]:
    names = []
    for k in range(1, n + 1):
        name = f"plan-{k}.json"
        result = ws.run("plan", "--shard", f"{k}/{n}", "--out", name, *extra)
        assert result.exit_code == 0, result.output
        assert f"This is the plan of shard {k}/{n}" in result.stderr
        names.append(name)
    return names


def comparable(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return {key: value for key, value in data.items() if key not in IGNORED}


def summary_line(text: str) -> str:
    (line,) = [line for line in text.splitlines() if line.startswith(("Plan:", "No changes"))]
    return line


def assert_merged_equals_unsharded(ws: Workspace, n: int) -> list[dict[str, Any]]:
    full = ws.run("plan", "--out", "full.json")
    assert full.exit_code == 0, full.output
    names = plan_shards(ws, n)
    unsharded = ws.run("show", "full.json", "--format", "json")
    merged = ws.run("show", *reversed(names), "--format", "json")  # in any order
    assert merged.exit_code == 0, merged.output
    assert comparable(merged.stdout) == comparable(unsharded.stdout)
    assert f"Merged the plans of {n} shards" in merged.stderr
    text = ws.run("show", *names)
    assert summary_line(text.stdout) == summary_line(ws.run("show", "full.json").stdout)
    assert summary_line(text.stdout) == summary_line(full.stdout)
    shards = [json.loads(ws.path(name).read_text(encoding="utf-8")) for name in names]
    for k, data in enumerate(shards, 1):
        assert data["source"]["shard"]["k"] == k and data["source"]["shard"]["n"] == n
        assert (
            data["source"]["files_digest"]
            == json.loads(ws.path("full.json").read_text())["source"]["files_digest"]
        )
    assert len({data["source"]["shard"]["basis"] for data in shards}) == 1
    rows = [{r["data_hash"] for r in data["rows"]} for data in shards]
    assert sum(len(r) for r in rows) == len(set().union(*rows))  # no row in two shards
    return shards


@pytest.mark.parametrize("n", [2, 3])
def test_the_shards_plans_merged_are_the_unsharded_plan(workspace: Workspace, n: int) -> None:
    shards = assert_merged_equals_unsharded(workspace, n)
    sizes = [len(data["rows"]) for data in shards]
    assert max(sizes) - min(sizes) <= 1, sizes  # 8 label files: 4/4 or 3/3/2
    unmanaged = [data["summary"]["unmanaged_rows"] for data in shards]
    assert sum(unmanaged) == 2 and max(unmanaged) <= 1  # the manifest's 2 units without a file, split too


def test_merged_with_unchanged_rows_edits_and_deletes(workspace: Workspace) -> None:
    assert workspace.run("apply", "--yes").exit_code == 0
    workspace.edit_label_file(CHERRY, lambda d: d["objects"][0]["box"].update(x=0.3))
    workspace.edit_label_file("labels/images/blueberry_002.jpg.yaml", lambda d: d.update(objects=[], tags=[]))
    shards = assert_merged_equals_unsharded(workspace, 3)
    assert sum(len(data["rows"]) for data in shards) == 2
    assert sum(data["summary"]["unchanged_rows"] for data in shards) == 6


def test_apply_by_shard_converges_and_refuses_another_shards_plan(workspace: Workspace) -> None:
    names = plan_shards(workspace, 3)
    before = workspace.dump()
    other = workspace.run("apply", names[0], "--yes", "--shard", "2/3")
    assert other.exit_code == 1, other.output
    assert "--shard 2/3: this is the plan of shard 1/3, not 2/3: apply each shard's own plan" in other.stderr
    full = workspace.run("plan", "--out", "full.json")
    assert full.exit_code == 0
    unsharded = workspace.run("apply", "full.json", "--yes", "--shard", "1/3")
    assert unsharded.exit_code == 1, unsharded.output
    assert "--shard 1/3: this plan is of every row, not of shard 1/3" in unsharded.stderr
    assert workspace.dump() == before

    first = workspace.run("apply", names[0], "--yes", "--shard", "1/3")  # the saved plan of its own shard
    assert first.exit_code == 0, first.output
    for k in (2, 3):  # planned now
        applied = workspace.run("apply", "--yes", "--shard", f"{k}/3")
        assert applied.exit_code == 0, applied.output
        assert "label rows written" in applied.stdout or "label row written" in applied.stdout
    done = workspace.run("plan", "--detailed-exitcode")
    assert done.exit_code == 0, done.output
    for k in (1, 2, 3):
        again = workspace.run("plan", "--detailed-exitcode", "--shard", f"{k}/3")
        assert again.exit_code == 0, again.output


def test_show_refuses_shards_that_are_not_one_plan(local_workspace: Workspace) -> None:
    ws = local_workspace
    names = plan_shards(ws, 3)
    assert ws.run("plan", "--out", "full.json").exit_code == 0

    def refused(*files: str) -> str:
        result = ws.run("show", *files)
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        return result.stderr

    assert "error: shard 2/3 is missing: show merges the plans of all 3 shards" in refused(names[0], names[2])
    assert "plan-1.json and plan-1.json are both shard 1/3" in refused(names[0], names[0], names[1])
    assert "full.json is not the plan of a shard (made without --shard)" in refused(names[0], "full.json")

    two = plan_shards(ws, 2)  # overwrites plan-1 and plan-2 with shards of 2
    assert "are not shards of one plan: the shard counts differ (N = 3 and N = 2)" in refused(two[0], names[2])
    plan_shards(ws, 3)
    ws.edit_label_file(CHERRY, lambda d: d["objects"][0]["box"].update(x=0.4))
    assert ws.run("plan", "--shard", "3/3", "--out", "plan-3.json").exit_code == 0
    message = refused("plan-1.json", "plan-2.json", "plan-3.json")
    assert "plan-3.json and plan-1.json are not shards of one plan: the label files differ" in message

    data = json.loads(ws.path("plan-1.json").read_text(encoding="utf-8"))
    data["source"]["shard"]["k"] = 4
    data["digest"] = plan_digest(data)
    ws.path("forged.json").write_text(json.dumps(data), encoding="utf-8")
    message = refused("forged.json")
    assert "this plan file is damaged" in message and "shard 4 of 3 does not exist" in message


def test_one_shards_plan_is_shown_as_what_it_is(local_workspace: Workspace) -> None:
    names = plan_shards(local_workspace, 2)
    shown = local_workspace.run("show", names[1])
    assert shown.exit_code == 0, shown.output
    assert "This is the plan of shard 2/2 only: give the 2 shards' plans to show them as one." in shown.stderr


def test_files_of_other_shards_are_not_parsed_and_unknown_data_is_every_shards(local_workspace: Workspace) -> None:
    ws = local_workspace
    names = plan_shards(ws, 2)
    files = [{row["file"] for row in json.loads(ws.path(name).read_text())["rows"]} for name in names]
    k = 1 if CHERRY in files[0] else 2
    original = ws.path(CHERRY).read_text(encoding="utf-8")
    ws.edit_label_file(CHERRY, lambda d: d["objects"][0].update({"class": "Cherri"}))  # found by a full parse only
    broken = ws.run("plan", "--shard", f"{k}/2")
    assert broken.exit_code == 1 and "Cherri" in broken.output, broken.output
    other = ws.run("plan", "--shard", f"{3 - k}/2")
    assert other.exit_code == 0, other.output  # never parsed past its `data:`
    ws.path(CHERRY).write_text(original, encoding="utf-8")

    ws.path("labels/images/nowhere.yaml").write_text("data: nowhere.jpg\n", encoding="utf-8")
    for shard in ("1/2", "2/2"):
        result = ws.run("plan", "--shard", shard)
        assert result.exit_code == 1, result.output
        assert 'no data unit titled "nowhere.jpg" in the project' in result.stderr


def test_shard_and_paths_are_not_combined(local_workspace: Workspace) -> None:
    result = local_workspace.run("plan", CHERRY, "--shard", "1/2")
    assert result.exit_code == 1, result.output
    assert "--shard plans a share of every label file: it cannot be combined with PATH arguments" in result.stderr


def test_the_readme_shows_the_matrix() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "## Sharding a large project" in readme
    for text in (
        "shard: [1, 2, 3, 4]",
        "labelsync plan --shard ${{ matrix.shard }}/4 --out plan-${{ matrix.shard }}.json",
        "labelsync show plan-*.json --format markdown",
    ):
        assert text in readme
