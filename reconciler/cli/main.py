"""Typer wiring: arguments in, one call to a command module out. No logic lives here."""

from __future__ import annotations

import contextlib
import importlib
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from reconciler import __version__, collector
from reconciler.cli.commands import apply as apply_cmd
from reconciler.cli.commands import plan as plan_cmd
from reconciler.cli.commands import validate as validate_cmd
from reconciler.cli.commands.apply import ApplyFormat
from reconciler.cli.commands.plan import Format
from reconciler.cli.commands.validate import ValidateFormat
from reconciler.cli.errors import (
    EXIT_BLOCKED,
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_STALE,
    exit_code_help,
    exit_codes,
)
from reconciler.cli.output import Settings, configure
from reconciler.config import MAX_BUNDLE_SIZE
from reconciler.errors import ConfigError
from reconciler.shards import Shard


def _usage_errors_exit_1() -> None:
    """A typo is an error (exit 1): click's usage errors exit 2, which means "changes present" here. Typer
    vendors click (typer._click) in newer versions and depends on it in older ones."""
    for module in ("typer._click.exceptions", "click.exceptions"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module).UsageError.exit_code = EXIT_ERROR


_usage_errors_exit_1()
_HELP = {"help_option_names": ["-h", "--help"]}


def _examples(*lines: str) -> str:
    """An `Examples:` paragraph click prints as it is (`\\b`: no rewrapping), in help epilogs."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def _epilog(examples: str, *codes: int) -> str:
    return f"{examples}\n\n{exit_code_help(codes or None)}"


MAIN_EPILOG = _epilog(
    _examples(
        "labelsync validate                         # check the label files offline",
        "labelsync plan                             # what apply would change",
        "labelsync plan --out plan.json             # save it for review and apply",
        "labelsync apply plan.json --yes            # apply exactly the reviewed plan",
        "labelsync pull --database project.db       # adopt an existing project",
        "labelsync --install-completion             # tab completion for your shell",
    )
)
app = typer.Typer(
    name="labelsync",
    help="Labels and tags as code: plan and apply YAML label files to Encord label rows.",
    epilog=MAIN_EPILOG,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=_HELP,
)
local_app = typer.Typer(
    help="The embedded local project (a SQLite file in Encord's label-row format).", context_settings=_HELP
)
app.add_typer(local_app, name="local")

ConfigOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--config", "-c", help="The config file [default: labelsync.yaml here or in a parent]."),
]
BundleOption = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--bundle-size", min=1, max=MAX_BUNDLE_SIZE, help="Label rows per bundle [default: from config, 100]."
    ),
]


def _shard(value: str | None) -> str | None:
    """A mistyped `--shard` is a usage error (exit 1), before any work."""
    if value is not None:
        try:
            Shard.parse(value)
        except ConfigError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


ShardOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--shard",
        metavar="K/N",
        callback=_shard,
        help="Only shard K of N (1 <= K <= N <= 256) of the label rows, by data hash: for a CI matrix of N runners.",
    ),
]
FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="Output format (github: workflow annotations).")
]


def _quiet(value: bool) -> None:
    if value:
        Settings.quiet = True


QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", callback=_quiet, help="No progress or notices on stderr (results and errors stay)."
    ),
]


class ColourMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def _version(value: bool) -> None:
    if value:
        print(f"labelsync {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or notices on stderr (results and errors stay).")
    ] = False,
    color: Annotated[
        ColourMode,
        typer.Option(
            "--color",
            "--colour",
            help="Colour: auto (on a terminal; NO_COLOR and FORCE_COLOR are honoured), always, never.",
        ),
    ] = ColourMode.auto,
) -> None:
    """Labels and tags as code: plan and apply YAML label files to Encord label rows."""
    configure(colour=color.value, quiet=quiet)


@app.command(
    epilog=_epilog(
        _examples(
            "labelsync validate",
            "labelsync validate --format github         # annotations on the pull request's files",
            "labelsync validate --format json | jq .findings",
        ),
        EXIT_OK,
        EXIT_ERROR,
    )
)
def validate(
    config: ConfigOption = None,
    fmt: Annotated[
        ValidateFormat,
        typer.Option("--format", "-f", help="text; json (one document on stdout); github (workflow annotations)."),
    ] = ValidateFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Check every label file offline: schema, ontology names, shapes, frames, ids. Exit 1 on problems."""
    with exit_codes():
        validate_cmd.validate(config, fmt)


@app.command("fmt")
def fmt_command(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(metavar="PATH", help="Label files or directories [default: every label file]."),
    ] = None,
    config: ConfigOption = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if a file is not formatted (for CI).")
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Write nothing; show the changes as a diff.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Rewrite label files in the canonical layout (key order, numbers, quotes); comments are kept."""
    from reconciler.cli.commands import fmt as fmt_cmd

    with exit_codes():
        fmt_cmd.fmt(config, paths or [], check, diff)


@app.command(
    epilog=_epilog(
        _examples(
            "labelsync plan",
            "labelsync plan labels/images/cherry_001.jpg.yaml labels/videos   # some files only",
            "labelsync plan --out plan.json --format markdown > plan.md",
            "labelsync plan --format github             # annotations at the changed lines",
            "labelsync plan --detailed-exitcode         # exit 2 when there are changes",
            "labelsync plan --report report/            # an HTML report: report/index.html",
            "labelsync plan --shard 2/4 --out plan-2.json   # the second quarter of the rows (a CI matrix)",
        ),
        EXIT_OK,
        EXIT_ERROR,
        EXIT_CHANGES,
    )
)
def plan(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(
            metavar="PATH",
            help="Plan only these label files or directories (under the labels directory) [default: all].",
        ),
    ] = None,
    config: ConfigOption = None,
    fmt: FormatOption = Format.text,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Save the plan as JSON for apply.")] = None,  # noqa: UP045
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="Exit 0 for no changes, 2 for changes, 1 for an error.")
    ] = False,
    bundle_size: BundleOption = None,
    base: Annotated[
        str,
        typer.Option(
            "--base",
            metavar="REV",
            help="The git revision to find deleted label files against (in a pull request: its base branch).",
        ),
    ] = "HEAD",
    report: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--report", metavar="DIR", help="Write an HTML report of every change to DIR/index.html."),
    ] = None,
    shard: ShardOption = None,
    quiet: QuietOption = False,
) -> None:
    """Show what apply would add, change and delete. Never writes to the remote."""
    with exit_codes():
        plan_cmd.plan(config, fmt, out, detailed_exitcode, bundle_size, base, paths or [], report, shard=shard)


@app.command(
    epilog=_epilog(
        _examples(
            "labelsync apply plan.json --yes            # the plan reviewed in the pull request",
            'labelsync apply plan.json --yes --commit "$SHA"   # only if it was made at that commit',
            "labelsync apply --dry-run                  # plan now, check everything, write nothing",
            "labelsync apply plan.json --yes --allow-delete --max-deletes 20",
            "labelsync apply plan.json --yes --format json > result.json",
            "labelsync apply plan-2.json --yes --shard 2/4   # refuses the plan of another shard",
        ),
        EXIT_OK,
        EXIT_ERROR,
        EXIT_BLOCKED,
        EXIT_STALE,
    )
)
def apply(
    plan_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Argument(help="A plan saved with `plan --out`; without it, plan now and apply that."),
    ] = None,
    config: ConfigOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")] = False,
    bundle_size: BundleOption = None,
    allow_delete: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option(
            "--allow-delete/--no-allow-delete",
            help="Allow deleting labels and removing tags the files no longer declare.",
        ),
    ] = None,
    max_deletes: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--max-deletes", min=0, help="Refuse the apply if it would delete more labels and tags than this."
        ),
    ] = None,
    allow_mass_delete: Annotated[
        bool,
        typer.Option(
            "--allow-mass-delete",
            help="Allow, for this run, a plan deleting more than `deletes.max_share` of the managed labels.",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: Annotated[
        ApplyFormat, typer.Option("--format", "-f", help="text; json (the result as one document on stdout).")
    ] = ApplyFormat.text,
    commit: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--commit",
            metavar="SHA",
            help="Apply only if the plan was made at this git commit (in CI after merge: the reviewed pull "
            "request's head commit).",
        ),
    ] = None,
    shard: ShardOption = None,
    quiet: QuietOption = False,
) -> None:
    """Apply a plan in bundles. Rows edited since the plan are skipped, never overwritten."""
    with exit_codes():
        apply_cmd.apply(
            plan_file,
            config,
            dry_run,
            bundle_size,
            allow_delete,
            max_deletes,
            yes,
            allow_mass_delete,
            fmt=fmt,
            expected_commit=commit,
            shard=shard,
        )


@app.command(
    epilog=_epilog(
        _examples(
            "labelsync show plan.json",
            "labelsync show plan.json --format markdown > comment.md",
            "labelsync show plan.json --format github",
            "labelsync show plan-*.json --format markdown   # the shards' plans (plan --shard K/N), merged",
        ),
        EXIT_OK,
        EXIT_ERROR,
    )
)
def show(
    plan_files: Annotated[
        list[Path],
        typer.Argument(
            metavar="PLAN_FILE...",
            help="A plan saved with `plan --out`; or the plans of shards 1..N (`plan --shard K/N`), shown as one.",
        ),
    ],
    fmt: FormatOption = Format.text,
    quiet: QuietOption = False,
) -> None:
    """Render a saved plan (e.g. `--format markdown` for a pull-request comment); merge the shards' plans."""
    from reconciler.cli.commands import show as show_cmd

    with exit_codes():
        show_cmd.show(plan_files, fmt)


@app.command(
    epilog=_epilog(
        _examples(
            "labelsync pull --database project.db       # no labelsync.yaml yet: writes one",
            "labelsync pull --encord PROJECT_HASH --domain us",
            "labelsync pull --data cherry_001.jpg        # one row",
            "labelsync pull --drifted                   # only rows edited in Encord",
        ),
        EXIT_OK,
        EXIT_ERROR,
    )
)
def pull(
    config: ConfigOption = None,
    data: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--data", metavar="TITLE|HASH", help="Only this data unit's row (repeat for more)."),
    ] = None,
    branch: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--branch", help="The branch whose rows to pull [default: branch: in the config, main]."),
    ] = None,
    directory: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--dir", help="Where new label files go [default: labels: in the config, labels]."),
    ] = None,
    drifted: Annotated[
        bool,
        typer.Option("--drifted", help="Write only rows that differ from their files, and rows without a file."),
    ] = False,
    database: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--database", help="Without labelsync.yaml: pull from this local project (SQLite file)."),
    ] = None,
    encord: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--encord", metavar="PROJECT_HASH", help="Without labelsync.yaml: pull from this Encord project."
        ),
    ] = None,
    domain: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--domain", help="With --encord: eu (the default), us, or https://host."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Write the remote's label rows as label files, and its ontology: adopt an existing project.

    Rows that have a file are written to it; in a directory without labelsync.yaml, one is written too.
    """
    from reconciler.cli.commands import pull as pull_cmd

    with exit_codes():
        pull_cmd.pull(config, data or [], branch, directory, drifted, database, encord, domain)


DatabaseOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--database", help="The SQLite file [default: remote.database in the config]."),
]


@local_app.command("init")
def local_init(
    ontology: Annotated[Path, typer.Option("--ontology", help="Encord ontology structure (JSON).")],
    manifest: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--manifest", help="Data units to create (YAML)."),
    ] = None,
    export: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--export", help="An Encord JSON label export to import."),
    ] = None,
    database: DatabaseOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing project.")] = False,
    config: ConfigOption = None,
) -> None:
    """Create the local project from a data manifest or an Encord JSON label export."""
    from reconciler.cli.commands import local as local_cmd

    with exit_codes():
        local_cmd.init(config, ontology, manifest, export, database, force)


@local_app.command("export")
def local_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the JSON export.")],
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Write every label row as Encord's JSON label export (a list of label-row dicts)."""
    from reconciler.cli.commands import local as local_cmd

    with exit_codes():
        local_cmd.export(config, out, database)


class SchemaName(str, Enum):
    label_file = "label-file"
    config = "config"
    plan = "plan"


@app.command(
    epilog=_examples(
        "labelsync schema label-file > label-file.schema.json",
        "labelsync schema --path                    # for `# yaml-language-server: $schema=...` lines",
    )
)
def schema(
    name: Annotated[
        SchemaName, typer.Argument(help="Which schema: label-file, config (labelsync.yaml) or plan (plan --out).")
    ] = SchemaName.label_file,
    path: Annotated[
        bool, typer.Option("--path", help="Print the installed schema file's path instead of its JSON.")
    ] = False,
) -> None:
    """Print a JSON Schema shipped with labelsync (for editors and other tools)."""
    from reconciler.cli.commands import schema as schema_cmd

    with exit_codes():
        schema_cmd.schema(name.value, path)


def main() -> None:
    collector.tune()
    app()
