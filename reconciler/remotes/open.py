"""Build the remote a config names. The only module that knows every kind of remote."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reconciler.config import Config
from reconciler.errors import ConfigError
from reconciler.ontology import Ontology
from reconciler.remotes.base import Remote

Notice = Callable[[str], None]


def open_remote(config: Config, notice: Notice = lambda _: None) -> Remote:
    kind = config.remote.kind
    if kind == "local":
        return _open_local(config, notice)
    from reconciler.remotes.encord import EncordProject
    from reconciler.remotes.encord.remembered import FILE

    remember = config.remote.settings.get("remember_rows", True)
    return EncordProject(config.remote.settings, memory=config.path(FILE) if remember else None)


def _open_local(config: Config, notice: Notice) -> Remote:
    from reconciler.remotes.local import LocalProject, ProjectExists, create_project
    from reconciler.remotes.manifest import read_manifest

    database = config.path(config.remote.settings["database"])
    if not database.exists():
        manifest = config.path(config.remote.settings.get("manifest", "labels/manifest.yaml"))
        if not manifest.is_file():
            where = "" if config.source else f"no labelsync.yaml in {config.root} or a parent directory, and "
            raise ConfigError(
                f"{where}no local project at {database} and no manifest at {manifest} to create it from: "
                "run labelsync in your labels repository, `labelsync local init`, or set remote.manifest"
            )
        units, extra = read_manifest(manifest)
        try:
            create_project(database, read_ontology(config.ontology_file), units, extra_units=extra)
        except ProjectExists:
            pass  # another labelsync created it meanwhile: use that one
        else:
            notice(
                f"Created the local project {_short(database, config.root)} from {_short(manifest, config.root)}."
            )
    return LocalProject(database, _short(database, config.root))


def open_read_only(config: Config) -> Remote | None:
    """What `validate` reads: the local project opened read-only, or None where there is none yet (or the
    remote is Encord). It creates nothing and writes nothing."""
    if config.remote.kind != "local":
        return None
    from reconciler.remotes.local import LocalProject

    database = config.path(config.remote.settings["database"])
    if not database.exists():
        return None
    return LocalProject(database, _short(database, config.root), read_only=True)


def read_ontology(path: Path) -> dict[str, Any]:
    """The ontology structure in `path`, checked (see `load_ontology`)."""
    return load_ontology(path).editor


def load_ontology(path: Path) -> Ontology:
    """The ontology in `path`: a ConfigError that names the file for anything but an ontology structure."""
    if not path.is_file():
        raise ConfigError(f"no ontology at {path}: set `ontology:` in labelsync.yaml")
    try:
        editor = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the ontology {path}: {_reason(exc)}") from None
    return Ontology.from_editor_dict(editor, str(path))


def _reason(exc: OSError | UnicodeDecodeError) -> str:
    return exc.strerror or str(exc) if isinstance(exc, OSError) else f"not UTF-8 text ({exc.reason})"


def _short(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
