"""`labelsync local init|export`: create the embedded local project, or export its label rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.cli.output import say
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
        f"Wrote {display_path(path, Path.cwd())}: `labelsync pull` writes the label files, `labelsync plan` reads them."
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
    editor = read_ontology(ontology)
    rows: list[dict[str, Any]] = []
    if manifest is not None:
        units, extra = read_manifest(manifest)
    else:
        assert export is not None
        try:
            rows = json.loads(export.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{export}: cannot read the export: {exc}") from None
        if not isinstance(rows, list):
            raise ConfigError(f"{export}: expected a list of label rows, as Encord's JSON export writes")
        units, extra = units_from_export(rows)
    create_project(target, editor, units, rows, extra_units=extra)
    say(f"Created the local project {target}: {len(units)} data units, {len(rows)} label rows.")
    config = load_config(config_path)
    if config.source is None:
        _write_config(config, target, ontology, manifest)


def export(config_path: Path | None, out: Path, database: Path | None) -> None:
    project = LocalProject(_database(config_path, database))
    try:
        rows = project.export()
    finally:
        project.close()
    out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"Wrote {len(rows)} label rows to {out}.")
