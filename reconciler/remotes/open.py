"""Build the remote a config names. The only module that knows every kind of remote."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from reconciler.config import Config
from reconciler.errors import ConfigError
from reconciler.remotes.base import Remote

Notice = Callable[[str], None]


def open_remote(config: Config, notice: Notice = lambda _: None) -> Remote:
    kind = config.remote.kind
    if kind == "local":
        return _open_local(config, notice)
    from reconciler.remotes.encord import EncordProject

    return EncordProject(config.remote.settings)


def _open_local(config: Config, notice: Notice) -> Remote:
    from reconciler.remotes.local import LocalProject, create_project
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
        create_project(database, read_ontology(config.ontology_file), units, extra_units=extra)
        notice(f"Created the local project {_short(database, config.root)} from {_short(manifest, config.root)}.")
    return LocalProject(database, _short(database, config.root))


def read_ontology(path: Path) -> dict[str, object]:
    if not path.is_file():
        raise ConfigError(f"no ontology at {path}: set `ontology:` in labelsync.yaml")
    try:
        editor = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(editor, dict) or not isinstance(editor.get("objects", []), list):
        raise ConfigError(f"{path}: expected an Encord ontology structure with `objects` and `classifications`")
    return editor


def _short(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
