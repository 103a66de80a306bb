"""A first `labelsync.yaml` for a directory that has none: naming the project pulled from (or created).

Pure: `new_config` builds the `Config` and `config_text` its file, which `load_config` reads back as the
same settings, so the next `plan` needs no extra step.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from reconciler.config import CONFIG_NAME, Config, RemoteConfig
from reconciler.errors import ConfigError


def relative_to_root(path: Path, root: Path, what: str, *, must_be_inside: bool = True) -> Path:
    """`path` as labelsync.yaml gives it: relative to the root when inside it, else absolute."""
    absolute = Path(os.path.normpath(path if path.is_absolute() else Path.cwd() / path))
    relative = Path(os.path.relpath(absolute, root))
    if relative.parts[:1] == ("..",):
        if must_be_inside:
            raise ConfigError(f"{what} {path} is outside {root}, where labelsync.yaml goes: give one inside it")
        return absolute
    return relative


def local_remote(database: Path, root: Path, manifest: Path | None = None) -> RemoteConfig:
    settings: dict[str, Any] = {"database": relative_to_root(database, root, "--database", must_be_inside=False)}
    if manifest is not None:
        settings["manifest"] = relative_to_root(manifest, root, "--manifest", must_be_inside=False)
    return RemoteConfig("local", settings)


def encord_remote(project_hash: str, domain: str | None) -> RemoteConfig:
    settings: dict[str, Any] = {"project_hash": project_hash}
    if domain:
        settings["domain"] = domain
    return RemoteConfig("encord", settings)


def new_config(
    root: Path, remote: RemoteConfig, *, labels: Path = Path("labels"), ontology: Path | None = None
) -> Config:
    return Config(
        root=root,
        source=None,
        labels=labels,
        ontology=ontology if ontology is not None else labels / "ontology.json",
        remote=remote,
    )


def config_text(config: Config, origin: str) -> str:
    """labelsync.yaml for `config`: the labels, the ontology, the remote and the branch, with defaults for
    the rest (see README.md, Configuration)."""
    doc: dict[str, Any] = {
        "labels": config.labels.as_posix(),
        "ontology": config.ontology.as_posix(),
        "remote": {
            "kind": config.remote.kind,
            **{k: v.as_posix() if isinstance(v, Path) else v for k, v in config.remote.settings.items()},
        },
        "branch": config.branch,
    }
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    return f"# {CONFIG_NAME}, written by {origin}. Settings: README.md, Configuration.\n{body}"


def config_path(config: Config) -> Path:
    return config.root / CONFIG_NAME
