"""`labelsync local init|export`: create the embedded local project, or export its label rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.cli.output import inert, say
from reconciler.config import Config, load_config
from reconciler.desired.loading import display_path
from reconciler.errors import ConfigError, LabelsyncError
from reconciler.pull.config_file import config_path, config_text, local_remote, new_config, relative_to_root
from reconciler.pull.files import create_file
from reconciler.remotes.local import LocalProject, create_project
from reconciler.remotes.manifest import read_manifest, units_from_export
from reconciler.remotes.open import read_ontology


def _database(config_path: Path | None, database: Path | None) -> Path:
    config = load_config(config_path)
    return database or config.path(config.remote.settings.get("database", ".labelsync/project.db"))


def _write_config(config: Config, database: Path, ontology: Path, manifest: Path | None) -> None:
    """In a directory without labelsync.yaml, one naming the project just created (never replacing one)."""
    new = new_config(
        config.root,
        local_remote(database, config.root, manifest),
        ontology=relative_to_root(ontology, config.root, "--ontology", must_be_inside=False),
    )
    path = config_path(new)
    create_file(path, config_text(new, "`labelsync local init`"))
    say(
        f"Wrote {inert(display_path(path, Path.cwd()))}: `labelsync pull` writes the label files, `labelsync plan` reads them."
    )


def init(
    config_path: Path | None,
    ontology: Path,
    manifest: Path | None,
    export: Path | None,
    database: Path | None,
    force: bool,
) -> None:
    if (manifest is None) == (export is None):
        raise ConfigError("give exactly one of --manifest FILE or --export FILE")
    target = _database(config_path, database)
    if target.exists() and not force:
        raise LabelsyncError(f"{target} exists already: add --force to replace it")
    if target.exists() and not target.is_file():
        raise LabelsyncError(f"{target} is not a file: give --database a file to create")
    editor = read_ontology(ontology)
    rows: list[dict[str, Any]] = []
    if manifest is not None:
        units, extra = read_manifest(manifest)
    else:
        assert export is not None
        rows = _read_export(export)
        units, extra = units_from_export(rows, str(export))
    create_project(target, editor, units, rows, extra_units=extra, source=str(export or manifest), replace=force)
    say(f"Created the local project {inert(str(target))}: {len(units)} data units, {len(rows)} label rows.")
    config = load_config(config_path)
    if config.source is None:
        _write_config(config, target, ontology, manifest)


def _read_export(export: Path) -> list[dict[str, Any]]:
    """The label rows of an Encord JSON label export: a list (each row is checked as it is imported)."""
    try:
        rows = json.loads(export.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{export}:{exc.lineno}: invalid JSON ({exc.msg}): give the file of an Encord JSON label export"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 text ({exc.reason})"
        raise ConfigError(f"cannot read the export {export}: {reason}") from None
    if not isinstance(rows, list):
        kind = "an object" if isinstance(rows, dict) else type(rows).__name__
        raise ConfigError(
            f"{export}: expected a list of label rows, as Encord's JSON label export writes, not {kind}"
        )
    return rows


def export(config_path: Path | None, out: Path, database: Path | None) -> None:
    project = LocalProject(_database(config_path, database))
    try:
        rows = project.export()
    finally:
        project.close()
    try:
        out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise LabelsyncError(f"cannot write the export {out}: {exc.strerror or exc}") from None
    say(f"Wrote {len(rows)} label rows to {inert(str(out))}.")
