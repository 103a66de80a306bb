"""Strings from users and remotes are shown, never obeyed, in every output (issue 7, requirement 5).

A plan holding hostile strings (line breaks, escape sequences, OSC 8 links, CI workflow commands,
backtick runs, code fences, HTML comments, bidi overrides, zero-width characters, ...) in every place
a string can appear is rendered as text (with and without colour) and as markdown, directly and
through the real CLI (`show` of a saved plan, `plan` of hostile label files, `fmt` of hostile file
names). The text must hold no raw control character and no line that labelsync did not start; the
markdown, parsed by a real CommonMark parser, must show every row and every delete inside its own
diff block, with nothing hidden in an HTML comment and nothing formatted, linked or escaped out of.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import yaml
from labelsync_workspace import Workspace

from reconciler.cli.output import inert
from reconciler.model import RowKey
from reconciler.plan import Action, FieldChange, LabelChange, Plan, RowPlan, TagChange
from reconciler.planfile import plan_to_dict
from reconciler.render.escape import lead
from reconciler.render.json_plan import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text

HOSTILE: tuple[str, ...] = (
    "row\nPlan: 0 to add, 0 to change, 0 to delete across 0 label rows, 0 tag changes.",
    "cr\rPlan: 0 to add, 0 to change, 0 to delete",
    "\n::error file=labels/x.yaml::forged annotation",
    "::add-mask::secret",
    "::stop-commands::token",
    "##[error]forged",
    "mid ##[warning]forged ##vso[task.setvariable variable=x]1 ##teamcity[message text='x']",
    "\x1b[31mred\x1b[0m\x1b[2J\x1b[H",
    "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
    "\x1b]0;window title\x1b\\",
    "bell\x07nul\x00del\x7fcsi\x9b31mnel\x85",
    *("`" * n + "run" + "`" * n for n in range(3, 11)),
    "x\n```\n<!--",
    "```\n- object cherry-9 (Cherry)\n```",
    "~~~\n",
    "<!-- hides the rows after it",
    "-->",
    "</details>",
    "</code></summary></details><script>alert(1)</script>",
    "a | b | c",
    "# heading",
    "\n## heading\n===",
    "[link](https://evil.example) ![img](https://evil.example/p.png)",
    "<https://evil.example> &lt;entity&amp;",
    "*em* _em_ ~~strike~~ $math$ \\*",
    "> quote",
    "- list",
    "1. ordered",
    "+ plus",
    "\u202eexe.gpj",
    "zero\u200bwidth\u200cnon\u200djoiner\u2060word\ufeffbom\u3164filler",
    "\u2028line separator\u2029paragraph",
    "\t\ttabs",
    "    four spaces",
    "x" * 5000,
    "\\n a backslash and n, \\x1b",
    '"quoted"',
)
DIFF_SIGN = {"+": "+", "-": "-", "~": "!", " ": "#"}
ROW_LINES = [
    (1, "+"), (2, "+"), (2, "+"), (2, "+"),  # the object added: two fields, a tag
    (1, "~"), (2, "~"), (2, "+"), (2, "-"),  # the classification changed: a field changed, added, removed
    (1, "-"), (2, "-"), (2, "-"),  # the object deleted: a field, a tag
    (1, "+"), (1, "-"),  # data tags added and removed
    (1, " "), (1, " "),  # kept and carried labels
]  # fmt: skip
"""(depth, sign) of every line a row of `hostile_plan` renders: no more, no fewer."""
SGR = re.compile(r"\x1b\[(?:0|1|2|31|32|33)m")
"""labelsync's own colours: the only escape sequences a coloured plan may hold."""
PLAIN = {"x" * 5000, "1. ordered"}
"""The hostile strings that are plain names: shown as they are at the start of a heading (all others quoted)."""
INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u3164\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
)

UNLIMITED = 10**9
"""A markdown budget no plan here reaches: these tests look at escaping, tests/test_markdown_budget.py at size."""
DELETES = re.compile(r"> \d+ (labels?|tags?) ")
"""The plan's own line saying what it deletes (labelsync's words, with a code span for the option)."""


def hostile_row(i: int, s: str) -> RowPlan:
    added = LabelChange(
        Action.CREATE,
        "object",
        f"c{i}",
        s,
        "Cherry",
        None,
        None,
        fields=(FieldChange(f"attributes.{s}", None, s), FieldChange(f"answer.{s}", None, [s, s])),
        tags=(TagChange(s, True, "label", f"c{i}"),),
    )
    changed = LabelChange(
        Action.UPDATE,
        "classification",
        f"u{i}",
        s,
        s,
        None,
        None,
        fields=(
            FieldChange(s, s, f"{s}!"),
            FieldChange(f"text.{s}", None, {s: s}),
            FieldChange(f"html.{s}", f"/html/body/{s}:0-/p:3", None),
        ),
    )
    deleted = LabelChange(
        Action.DELETE,
        s,
        f"d{i}",
        f"{s}-deleted",
        s,
        None,
        None,
        fields=(FieldChange(f"attributes.{s}", s, None),),
        tags=(TagChange(s, False, "label", f"d{i}"),),
    )
    return RowPlan(
        RowKey(f"data-{i}", s if i % 2 else "main"),
        title=s,
        file=f"labels/{s}.yaml",
        label_hash=None if i % 3 == 0 else f"label-{i}",
        before="before",
        after="after",
        changes=(added, changed, deleted),
        tag_changes=(TagChange(s, True, "data", frames=s), TagChange(s, False, "data")),
        kept=1,
        carried=2,
    )


def hostile_plan(strings: tuple[str, ...] = HOSTILE) -> Plan:
    return Plan(
        remote=f"local:{strings[0]}`{strings[-1]}",
        ontology="ontology",
        rows=tuple(hostile_row(i, s) for i, s in enumerate(strings)),
        unchanged_rows=1,
        warnings=strings,
    )


def summary_line(plan: Plan) -> str:
    s = plan.summary
    return (
        f"{s.add} to add, {s.change} to change, {s.delete} to delete across {s.rows} label rows, "
        f"{s.tag_changes} tag changes ({s.unchanged_rows} rows unchanged, {s.unmanaged_rows} unmanaged)"
    )


# -- what every output must hold (or not) ---------------------------------------------------------


def assert_nothing_raw(out: str) -> None:
    """No control, format (bidi, zero-width) or invisible character but the line breaks labelsync writes."""
    raw = sorted({c for c in out if (not c.isprintable() and c != "\n") or c in INVISIBLE})
    assert not raw, f"raw characters in the output: {raw}"


OWN_HEADINGS = ("### labelsync plan", "#### Deletes", "#### Changes by label row")
"""The only lines of a markdown plan that start with `##`: its own headings."""


def assert_no_ci_command(lines: list[str]) -> None:
    for line in lines:
        assert line in OWN_HEADINGS or not line.lstrip().startswith(("::", "##")), line[:120]
        assert not re.search(r"##(vso|teamcity)?\[", line, re.IGNORECASE), line[:120]


def assert_shown(out: str) -> None:
    """The hostile strings are shown, escaped, not dropped."""
    for shown in (
        "\\x1b]8;;https://evil.example\\x07click",
        "\\x1b[31mred",
        "\\u202eexe.gpj",
        "zero\\u200bwidth\\u200cnon\\u200djoiner",
        "::error file=labels/x.yaml::forged annotation",
        "x" * 5000,
    ):
        assert shown in out, shown


def assert_text_plan(out: str, plan: Plan) -> None:
    """Every line is one labelsync writes, in the order it writes them: the header, the warnings, per row
    a heading and exactly its signed lines, the deletes, the summary. So no string started a line."""
    assert out.endswith("\n")
    lines = out[:-1].split("\n")
    assert_no_ci_command(lines)
    expected_len = 2 + len(plan.warnings) + 1 + len(plan.rows) * (2 + len(ROW_LINES)) + 2
    assert len(lines) == expected_len, f"{len(lines)} lines, {expected_len} expected"
    assert lines[0] == f"labelsync plan against {inert(plan.remote)}"
    assert lines[1] == ""
    at = 2
    for warning in plan.warnings:
        assert lines[at] == f"warning: {inert(warning)}"
        at += 1
    assert lines[at] == ""
    at += 1
    for row in plan.rows:
        heading = lines[at]
        assert heading.startswith('"') or row.title in PLAIN, heading[:120]
        assert heading.endswith(f"  <- {inert(row.file)}")
        for depth, sign in ROW_LINES:
            at += 1
            assert lines[at].startswith("  " * depth + sign + " "), (depth, sign, lines[at][:120])
        assert lines[at + 1] == ""
        at += 2
    removed = plan.summary.tag_removals
    assert lines[at] == f"{plan.deletes} labels will be deleted and {removed} tags removed: apply needs --allow-delete."
    assert lines[at + 1] == f"Plan: {summary_line(plan)}."
    assert sum(line.startswith("Plan:") for line in lines) == 1
    deletes = [line for line in lines if line.startswith("  - ") and "-deleted (" in line]
    assert len(deletes) == plan.deletes == len(plan.rows)


def test_a_hostile_plan_as_text_forges_no_line_and_acts_on_nothing() -> None:
    plan = hostile_plan()
    out = render_text(plan_to_dict(plan))
    assert_nothing_raw(out)
    assert_shown(out)
    assert_text_plan(out, plan)


def test_a_hostile_plan_in_colour_holds_only_labelsyncs_own_escape_sequences() -> None:
    plan = hostile_plan()
    coloured = render_text(plan_to_dict(plan), colour=True)
    assert SGR.search(coloured)
    plain = SGR.sub("", coloured)
    assert_nothing_raw(plain)
    assert_shown(plain)
    assert_text_plan(plain, plan)
    assert plain == render_text(plan_to_dict(plan))


def test_a_plain_title_starts_its_line_as_it_is_and_anything_else_is_quoted() -> None:
    titles = ("cherry_001.jpg", "Kirsche 2 (copy).jpg", "Plan: 0 to add", "- object", "error: x", " padded")
    changes = hostile_row(0, "s").changes
    plan = Plan(
        "local:p", "o", rows=tuple(RowPlan(RowKey(t), t, "f.yaml", "l", "b", "a", changes) for t in titles)
    )
    headings = [line for line in render_text(plan_to_dict(plan)).splitlines() if line.endswith("  <- f.yaml")]
    assert headings == [
        "cherry_001.jpg  <- f.yaml",
        "Kirsche 2 (copy).jpg  <- f.yaml",
        '"Plan: 0 to add"  <- f.yaml',
        '"- object"  <- f.yaml',
        '"error: x"  <- f.yaml',
        '" padded"  <- f.yaml',
    ]


# -- markdown -------------------------------------------------------------------------------------


def markdown_lines(out: str) -> Iterator[tuple[bool, str]]:
    """(inside a code block, line) for each line, following fences as CommonMark does."""
    fence = ""
    for line in out.split("\n"):
        if fence:
            closing = line.strip() and set(line.strip()) == {"`"} and len(line) - len(line.lstrip()) < 4
            if closing and len(line.strip()) >= len(fence):
                fence = ""
                yield False, line
                continue
            yield True, line
            continue
        opening = re.match(r" {0,3}(`{3,})", line)
        if opening:
            fence = opening[1]
        yield False, line


def assert_escaped(text: str) -> None:
    """Every character of `text` that could format, link or open HTML is backslash-escaped, and it
    starts with no block marker (leading spaces are `&#32;`)."""
    text = re.sub(r"^(&#32;)+", "", text)
    assert not text.startswith(" "), text[:120]
    assert not re.match(r"[#>+=*-]|\d+[.)]", text), text[:120]
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            assert char not in "`*_[]<>&|~$", (char, text[:120])


def assert_markdown_structure(out: str, plan: Plan) -> None:
    """Without a parser: outside code blocks only the lines labelsync writes; inside, only signed lines."""
    outside = [line for inside, line in markdown_lines(out) if not inside]
    inside = [line for inside, line in markdown_lines(out) if inside]
    assert_no_ci_command(outside + inside)
    for line in outside:
        assert line == "" or line in OWN_HEADINGS or line.startswith(
            ("### labelsync plan", "**", "Against `", "Made from ", "Every label this plan deletes", "> ",
             "<details><summary><code>", "```", "</details>")
        ), line[:120]  # fmt: skip
        if line.startswith("> ") and not line.startswith(("> [!NOTE]", "> [!WARNING]")) and not DELETES.match(line):
            assert_escaped(line.removeprefix("> "))
    assert sum(line == "</details>" for line in outside) == len(plan.rows)
    summaries = [line for line in outside if line.startswith("<details>")]
    assert len(summaries) == len(plan.rows)
    for line in summaries:
        inner = line.removeprefix("<details><summary><code>").split("</code> (")[0]
        assert "<" not in inner and ">" not in inner, inner[:120]
    deleting = [r for r in plan.rows if r.count(Action.DELETE)]
    listed, inside = inside[: len(deleting)], inside[len(deleting) :]  # the deletes block comes first
    assert all(line.startswith(f"- {lead(r.title)}: ") for line, r in zip(listed, deleting, strict=True))
    assert len(inside) == len(plan.rows) * len(ROW_LINES)
    assert [
        (line[0], line[1 : 1 + 2 * d]) for line, (d, _) in zip(inside, ROW_LINES * len(plan.rows), strict=True)
    ] == [(DIFF_SIGN[sign], "  " * depth) for depth, sign in ROW_LINES * len(plan.rows)]


def test_a_hostile_plan_as_markdown_keeps_every_row_inside_its_diff_block() -> None:
    plan = hostile_plan()
    out = render_markdown(plan_to_dict(plan), budget=UNLIMITED)
    assert_nothing_raw(out)
    assert_shown(out.replace("\\\\", "\\"))
    assert_markdown_structure(out, plan)


def inline_text(token: Any) -> str:
    """What an inline token reads as: its text, with soft breaks as line breaks (and code in backticks)."""
    parts = []
    for child in token.children or []:
        assert child.type in ("text", "softbreak", "code_inline"), child.type
        parts.append({"softbreak": "\n", "code_inline": f"`{child.content}`"}.get(child.type, child.content))
    return "".join(parts)


def test_a_hostile_plan_as_markdown_parsed_shows_every_row_and_every_delete_and_hides_nothing() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    plan = hostile_plan()
    out = render_markdown(plan_to_dict(plan), budget=UNLIMITED)
    tokens = parser.parse(out)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {
        "html_inline", "link_open", "image", "em_open", "s_open", "table_open", "hr", "code_block",
        "bullet_list_open", "ordered_list_open",
    }  # fmt: skip
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["labelsync plan", "Deletes", "Changes by label row"]

    listed, *fences = [t for t in tokens if t.type == "fence"]
    deleting = [r for r in plan.rows if r.count(Action.DELETE)]
    items = listed.content.removesuffix("\n").split("\n")
    assert listed.info == "diff" and len(items) == len(deleting)  # every delete, one line per row
    for item, row in zip(items, deleting, strict=True):
        assert item.startswith(f"- {lead(row.title)}: ")
        for change in row.changes:
            if change.action is Action.DELETE:
                assert inert(change.name) in item
    assert len(fences) == len(plan.rows)
    for block in fences:
        assert block.info == "diff"
        runs = [len(run) for run in re.findall("`+", block.content)]
        assert len(block.markup) > max(runs, default=0)  # longer than any run inside: nothing can close it
        lines = block.content.removesuffix("\n").split("\n")
        assert [(line[0], line[1 : 1 + 2 * d]) for line, (d, _) in zip(lines, ROW_LINES, strict=True)] == [
            (DIFF_SIGN[sign], "  " * depth) for depth, sign in ROW_LINES
        ]
    deletes = [line for block in fences for line in block.content.split("\n") if line.startswith("-  ")]
    assert sum("-deleted (" in line for line in deletes) == plan.deletes == len(plan.rows)

    blocks = [t.content for t in tokens if t.type == "html_block"]
    assert len(blocks) == 2 * len(plan.rows)
    for summary, row in zip(blocks[::2], plan.rows, strict=True):
        inner = summary.removeprefix("<details><summary><code>").split("</code> (")[0]
        assert summary.startswith("<details><summary><code>") and summary.endswith("</summary>\n")
        assert "<" not in inner and ">" not in inner
        assert html.unescape(inner).endswith(f"  <- {inert(row.file)}")
    assert blocks[1::2] == ["</details>\n"] * len(plan.rows)

    quotes = [inline_text(tokens[i + 2]) for i, t in enumerate(tokens) if t.type == "blockquote_open"]
    assert quotes[0].startswith(f"[!WARNING]\n{plan.deletes} labels will be deleted")
    assert quotes[1:] == [f"[!NOTE]\n{inert(w)}" for w in plan.warnings]
    assert [c.content for t in tokens for c in t.children or [] if c.type == "code_inline"] == [
        inert(plan.remote),
        "--allow-delete",
    ]

    rendered = parser.render(out)
    for tag in ("<script", "<!--", "<a ", "<img", "<h1", "<h2", "<table", "<li", "<em", "<pre><code>"):
        assert tag not in rendered, tag
    assert rendered.count("<details>") == rendered.count("</details>") == len(plan.rows)


def test_an_ordinary_plan_renders_as_before() -> None:
    plan = hostile_plan(("cherry-1",))
    plan = Plan("local:.labelsync/project.db", "o", rows=plan.rows, warnings=("labels/x.yaml: a warning",))
    markdown = render_markdown(plan_to_dict(plan)).split("\n")
    assert "Against `local:.labelsync/project.db`." in markdown
    assert "> labels/x.yaml: a warning" in markdown
    summary = (
        "<details><summary><code>cherry-1 (new label row)  &lt;- labels/cherry-1.yaml</code> (+1 ~1 -1, 4 tags)"
    )
    assert f"{summary}</summary>" in markdown
    assert "```diff" in markdown and '-    attributes.cherry-1 = "cherry-1"' in markdown
    text = render_text(plan_to_dict(plan)).split("\n")
    assert "cherry-1 (new label row)  <- labels/cherry-1.yaml" in text
    assert '    ~ cherry-1: "cherry-1" -> "cherry-1!"' in text


def test_the_json_plan_holds_no_raw_character_and_reads_back_the_same() -> None:
    data = plan_to_dict(hostile_plan())
    out = render_json(data)
    assert_nothing_raw(out)
    assert json.loads(out) == data


# -- through the CLI ------------------------------------------------------------------------------


EVIL_TITLE = "<!-- \x1b[31mtitle\n::error::forged\n```\n</details>"
EVIL_ID = "cherry-9\n```\n<!--\n::error::forged\x1b]8;;https://evil.example\x07"
EVIL_TAG = "tag\n##[error]heading\u202e"
EVIL_NOTE = "note\r\nPlan: 0 to add, 0 to change, 0 to delete\x1b[2J"
CHERRY = "labels/images/cherry_001.jpg.yaml"


def box(x: float) -> dict[str, Any]:
    return {"class": "Cherry", "box": {"x": x, "y": 0.1, "w": 0.2, "h": 0.2}, "attributes": {"Ripeness": "Unripe"}}


@pytest.fixture
def hostile_workspace(local_workspace: Workspace) -> Workspace:
    """The example project plus a data unit with a hostile title, applied; then label files edited to hold
    hostile ids, tags and answers, and to delete 5 labels on 3 rows (the hostile one, cherry, persimmon)."""
    ws = local_workspace
    manifest = ws.read_label_file("labels/manifest.yaml")
    manifest["data_units"].insert(0, {"title": EVIL_TITLE, "type": "image", "width": 64, "height": 48})
    ws.path("labels/manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    evil = {"data": EVIL_TITLE, "objects": [{"id": "evil-1", **box(0.1)}, {"id": "evil-2", **box(0.5)}]}
    ws.path("labels/images/evil.yaml").write_text(yaml.safe_dump(evil, allow_unicode=True), encoding="utf-8")
    applied = ws.run("apply", "--yes")
    assert applied.exit_code == 0, applied.output

    def hostile(doc: dict[str, Any]) -> None:
        doc["tags"].append(EVIL_TAG)
        doc["objects"][1]["id"] = EVIL_ID  # a new id: cherry-2 deleted, this one added
        doc["objects"][0]["attributes"]["Notes"] = EVIL_NOTE

    ws.edit_label_file(CHERRY, hostile)
    ws.edit_label_file("labels/images/persimmon_004.jpg.yaml", lambda doc: doc.pop("objects"))  # 2 deletes
    ws.edit_label_file("labels/images/evil.yaml", lambda doc: doc.update(objects=[]))  # 2 deletes
    return ws


def assert_hostile_text(out: str) -> None:
    assert_nothing_raw(out)
    lines = out.splitlines()
    assert_no_ci_command(lines)
    headings = sorted(line for line in lines if "  <- labels/" in line)
    assert headings == [
        '"<!-- \\u001b[31mtitle\\n::error::forged\\n```\\n</details>"  <- labels/images/evil.yaml',
        "cherry_001.jpg  <- labels/images/cherry_001.jpg.yaml",
        "persimmon_004.jpg  <- labels/images/persimmon_004.jpg.yaml",
    ]
    added = "  + object cherry-9\\n```\\n<!--\\n::error::forged\\x1b]8;;https://evil.example\\x07 (Cherry)  <- line "
    assert any(line.startswith(added) and line.removeprefix(added).isdigit() for line in lines)
    assert "  + tag tag\\n\\x23#[error]heading\\u202e" in lines
    notes = '    ~ attributes.Notes: "stem still attached" -> "note\\r\\nPlan: 0 to add, 0 to change, 0 to delete\\u001b[2J"'
    assert notes in lines
    assert sum(line.startswith("  - object") for line in lines) == 5  # cherry-2, 2 on persimmon, 2 on evil
    assert [line for line in lines if line.startswith("Plan:")] == [
        "Plan: 1 to add, 1 to change, 5 to delete across 3 label rows, 1 tag change (6 rows unchanged, 2 unmanaged)."
    ]
    starts = ("labelsync plan against ", "  ", '"', "cherry_001.jpg  <-", "persimmon_004.jpg  <-", "5 labels (")
    assert all(line == "" or line.startswith((*starts, "Plan: ")) for line in lines)


def assert_hostile_markdown(out: str) -> None:
    assert_nothing_raw(out)
    outside = [line for inside, line in markdown_lines(out) if not inside]
    inside = [line for inside, line in markdown_lines(out) if inside]
    assert_no_ci_command(outside + inside)
    assert sum(line.startswith("<details><summary><code>") for line in outside) == 3
    assert outside.count("</details>") == 3
    assert not any("<!--" in line or "</details><" in line for line in outside)
    assert sum(line.startswith("-  object") for line in inside) == 5
    assert "**1 to add, 1 to change, 5 to delete across 3 label rows, 1 tag change" in out
    markdown_it = pytest.importorskip("markdown_it")
    tokens = markdown_it.MarkdownIt("commonmark").parse(out)
    listed, *fences = [t.content for t in tokens if t.type == "fence"]
    assert len(fences) == 3 and len(listed.split("\n")) == 3 + 1  # the rows, and the deletes block first
    assert sum(line.startswith("-  object") for block in fences for line in block.split("\n")) == 5
    assert not any(t.type == "html_block" and "<!--" in t.content for t in tokens)
    assert sum(t.type == "html_block" and t.content == "</details>\n" for t in tokens) == 3


def test_plan_and_show_of_hostile_label_files_show_every_row_and_delete_inert(
    hostile_workspace: Workspace,
) -> None:
    ws = hostile_workspace
    text = ws.run("plan", "--out", "plan.json")
    assert text.exit_code == 0, text.output
    assert_hostile_text(text.stdout)
    assert_nothing_raw(text.stderr)
    shown = ws.run("show", "plan.json")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == text.stdout

    markdown = ws.run("plan", "--format", "markdown")
    assert markdown.exit_code == 0, markdown.output
    assert_hostile_markdown(markdown.stdout)
    saved = ws.run("show", "plan.json", "--format", "markdown")
    assert saved.exit_code == 0, saved.output
    assert saved.stdout == markdown.stdout


def test_fmt_names_hostile_file_names_inert(local_workspace: Workspace) -> None:
    ws = local_workspace
    name = "evil\n::error::forged\x1b[31m.yaml"
    messy = "objects:\n- class: Cherry\n  id: c\n  box: {h: 0.3, w: 0.2, y: 0.2, x: 0.1}\ndata: cherry_007.jpg\n"
    ws.path(f"labels/images/{name}").write_text(messy, encoding="utf-8")
    for args in (["fmt", "--check"], ["fmt", "--diff"]):
        result = ws.run(*args)
        assert_nothing_raw(result.output)
        lines = result.stdout.splitlines()
        assert_no_ci_command(lines)
        assert not any(line.startswith("::") for line in result.output.splitlines())
    check = ws.run("fmt", "--check").stdout.splitlines()
    assert "would reformat labels/images/evil\\n::error::forged\\x1b[31m.yaml" in check
    diff = ws.run("fmt", "--diff").stdout
    assert "--- a/labels/images/evil\\n::error::forged\\x1b[31m.yaml\n" in diff
    assert "+    box: {x: 0.1, y: 0.2, w: 0.2, h: 0.3}\n" in diff


def test_fmt_diff_shows_a_carriage_return_and_a_bidi_override_in_a_file_instead_of_obeying_them(
    local_workspace: Workspace,
) -> None:
    ws = local_workspace
    text = "data:   cherry_007.jpg  # \u202e fdp.exe \u200b\nobjects: []\r\ntags:   [a]\n"
    ws.path("labels/images/cherry_007.jpg.yaml").write_text(text, encoding="utf-8", newline="")
    result = ws.run("fmt", "--diff")
    assert result.exit_code == 0, result.output
    assert_nothing_raw(result.output)
    lines = result.stdout.splitlines()
    assert_no_ci_command(lines)
    assert "-data:   cherry_007.jpg  # \\u202e fdp.exe \\u200b" in lines
    assert "-objects: []\\r" in lines
    assert "+objects: []" in lines


def test_fmt_reports_a_yaml_error_naming_a_control_character_on_one_line(local_workspace: Workspace) -> None:
    ws = local_workspace
    ws.path("labels/images/cherry_007.jpg.yaml").write_text("data: x  # \x1b]8;;https://e.example\x07\n")
    result = ws.run("fmt")
    assert result.exit_code == 1
    assert_nothing_raw(result.output)
    problem = [line for line in result.stderr.splitlines() if "invalid YAML" in line]
    assert len(problem) == 1 and problem[0].endswith("(the file was left as it was)"), result.stderr


def test_apply_names_a_hostile_row_edited_after_the_plan_on_one_line(hostile_workspace: Workspace) -> None:
    ws = hostile_workspace
    assert ws.run("plan", "--out", "plan.json").exit_code == 0
    ws.annotator_edit(EVIL_TITLE, lambda row: replace(row, objects=row.objects[:1]))
    result = ws.run("apply", "plan.json", "--yes", "--allow-delete")
    assert result.exit_code == 4, result.output
    assert_nothing_raw(result.output)
    assert_no_ci_command(result.output.splitlines())
    skipped = [line for line in result.stderr.splitlines() if "edited after the plan" in line]
    assert skipped == [
        "skipped: <!-- \\x1b[31mtitle\\n::error::forged\\n```\\n</details> was edited after the plan; nothing was "
        "overwritten. Run `labelsync plan` to see the edit."
    ]
