"""Typer wiring: arguments in, one call to a command module out. No logic lives here."""

from __future__ import annotations

import contextlib
import importlib
from pathlib import Path
from typing import Annotated, Optional

import typer

from reconciler import __version__
from reconciler.cli.commands import apply as apply_cmd
from reconciler.cli.commands import local as local_cmd
from reconciler.cli.commands import plan as plan_cmd
from reconciler.cli.commands import show as show_cmd
from reconciler.cli.commands import validate as validate_cmd
from reconciler.cli.commands.plan import Format
from reconciler.cli.errors import EXIT_ERROR, exit_codes
from reconciler.config import MAX_BUNDLE_SIZE


def _usage_errors_exit_1() -> None:
    """A typo is an error (exit 1): click's usage errors exit 2, which means "changes present" here. Typer
    vendors click (typer._click) in newer versions and depends on it in older ones."""
    for module in ("typer._click.exceptions", "click.exceptions"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module).UsageError.exit_code = EXIT_ERROR


_usage_errors_exit_1()
_HELP = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    name="labelsync",
    help="Labels and tags as code: plan and apply YAML label files to Encord label rows.",
    no_args_is_help=True,
    add_completion=False,
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
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _version(value: bool) -> None:
    if value:
        print(f"labelsync {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Labels and tags as code: plan and apply YAML label files to Encord label rows."""


@app.command()
def validate(config: ConfigOption = None) -> None:
    """Check every label file offline: schema, ontology names, shapes, frames, ids. Exit 1 on problems."""
    with exit_codes():
        validate_cmd.validate(config)


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
) -> None:
    """Rewrite label files in the canonical layout (key order, numbers, quotes); comments are kept."""
    from reconciler.cli.commands import fmt as fmt_cmd

    with exit_codes():
        fmt_cmd.fmt(config, paths or [], check, diff)


@app.command()
def plan(
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
) -> None:
    """Show what apply would add, change and delete. Never writes to the remote."""
    with exit_codes():
        plan_cmd.plan(config, fmt, out, detailed_exitcode, bundle_size, base)


@app.command()
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
) -> None:
    """Apply a plan in bundles. Rows edited since the plan are skipped, never overwritten."""
    with exit_codes():
        apply_cmd.apply(plan_file, config, dry_run, bundle_size, allow_delete, max_deletes, yes, allow_mass_delete)


@app.command()
def show(
    plan_file: Annotated[Path, typer.Argument(help="A plan saved with `plan --out`.")],
    fmt: FormatOption = Format.text,
) -> None:
    """Render a saved plan (e.g. `--format markdown` for a pull-request comment)."""
    with exit_codes():
        show_cmd.show(plan_file, fmt)


@app.command()
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
        typer.Option("--encord", metavar="PROJECT_HASH", help="Without labelsync.yaml: pull from this Encord project."),
    ] = None,
    domain: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--domain", help="With --encord: eu (the default), us, or https://host."),
    ] = None,
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
    with exit_codes():
        local_cmd.init(config, ontology, manifest, export, database, force)


@local_app.command("export")
def local_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the JSON export.")],
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Write every label row as Encord's JSON label export (a list of label-row dicts)."""
    with exit_codes():
        local_cmd.export(config, out, database)


def main() -> None:
    app()
