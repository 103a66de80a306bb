"""`labelsync.yaml`: where the labels are, which remote, and the defaults for plan and apply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler import yamlio
from reconciler.desired.bounded import ReadLimits
from reconciler.errors import ConfigError
from reconciler.ontology import suggest

CONFIG_NAME = "labelsync.yaml"
MAX_BUNDLE_SIZE = 1000

_TOP_KEYS = ("labels", "ontology", "remote", "branch", "bundle_size", "deletes", "prune", "limits")
_REMOTE_KEYS = {
    "local": ("kind", "database", "manifest"),
    "encord": (
        "kind",
        "project_hash",
        "domain",
        "key_env",
        "key_file_env",
        "token_env",
        "max_retries",
        "backoff_factor",
        "connect_timeout",
        "read_timeout",
        "write_timeout",
        "concurrency",
        "remember_rows",
    ),
}
MAX_CONCURRENCY = 16
_DELETE_KEYS = ("allow", "max", "max_share")
DEFAULT_MAX_DELETE_SHARE = 0.5
_LIMIT_KEYS = ("label_file_bytes", "mask_bytes", "mask_pixels")


@dataclass(frozen=True)
class RemoteConfig:
    kind: str = "local"
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    root: Path
    source: Path | None = None
    labels: Path = Path("labels")
    ontology: Path = Path("labels/ontology.json")
    remote: RemoteConfig = RemoteConfig(
        "local", {"database": ".labelsync/project.db", "manifest": "labels/manifest.yaml"}
    )
    branch: str = "main"
    bundle_size: int = 100
    allow_delete: bool = False
    max_deletes: int | None = None
    max_delete_share: float = DEFAULT_MAX_DELETE_SHARE
    """Apply refuses a plan deleting more than this share of the managed labels without --allow-mass-delete."""
    prune: bool = True
    limits: ReadLimits = field(default_factory=ReadLimits)

    def path(self, relative: str | Path) -> Path:
        return self.root / relative

    @property
    def labels_dir(self) -> Path:
        return self.root / self.labels

    @property
    def ontology_file(self) -> Path:
        return self.root / self.ontology


def load_config(explicit: Path | None = None, cwd: Path | None = None) -> Config:
    """Read `--config FILE`, or `labelsync.yaml` in the current directory or a parent, or defaults."""
    source = explicit or _find(cwd or Path.cwd())
    if source is None:
        return Config(root=cwd or Path.cwd())
    if not source.is_file():
        raise ConfigError(f"{source}: no such config file")
    text = source.read_text(encoding="utf-8")
    try:
        doc = yamlio.load(text) or {}
    except yamlio.YamlSyntaxError as exc:
        raise ConfigError(f"{source}:{exc.line or 1}: invalid YAML: {exc}") from None
    return _parse(doc, source, text)


def _find(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
        if (folder / ".git").exists():
            return None
    return None


def _parse(doc: Any, source: Path, text: str) -> Config:
    def fail(path: tuple[str | int, ...], message: str) -> ConfigError:
        (line,) = yamlio.lines_of(text, [path])
        field_name = ".".join(map(str, path))
        return ConfigError(f"{source}:{line or 1}: {field_name}: {message}")

    if not isinstance(doc, dict):
        raise fail((), "expected a mapping of settings")
    for key in doc:
        if key not in _TOP_KEYS:
            raise fail((key,), f"unknown setting{suggest(str(key), _TOP_KEYS)}; known: {', '.join(_TOP_KEYS)}")
    remote_doc = doc.get("remote") or {"kind": "local"}
    if not isinstance(remote_doc, dict):
        raise fail(("remote",), "expected a mapping with `kind: local` or `kind: encord`")
    kind = remote_doc.get("kind", "local")
    if kind not in _REMOTE_KEYS:
        raise fail(("remote", "kind"), f"unknown remote kind {kind!r}: use local or encord")
    for key in remote_doc:
        if key not in _REMOTE_KEYS[kind]:
            known = _REMOTE_KEYS[kind]
            raise fail(("remote", key), f"unknown setting for a {kind} remote{suggest(str(key), known)}")
    concurrency = remote_doc.get("concurrency", 1)
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= MAX_CONCURRENCY
    ):
        raise fail(
            ("remote", "concurrency"), f"expected a whole number of requests at once, 1 to {MAX_CONCURRENCY}"
        )
    if not isinstance(remote_doc.get("remember_rows", True), bool):
        raise fail(("remote", "remember_rows"), "expected true or false")
    defaults = Config(root=source.parent)
    settings = {**(defaults.remote.settings if kind == "local" else {}), **remote_doc}
    settings.pop("kind", None)
    deletes = doc.get("deletes") or {}
    if not isinstance(deletes, dict):
        raise fail(("deletes",), "expected a mapping with allow and max")
    for key in deletes:
        if key not in _DELETE_KEYS:
            raise fail(("deletes", key), f"unknown setting{suggest(str(key), _DELETE_KEYS)}")
    bundle_size = doc.get("bundle_size", defaults.bundle_size)
    if (
        not isinstance(bundle_size, int)
        or isinstance(bundle_size, bool)
        or not 1 <= bundle_size <= MAX_BUNDLE_SIZE
    ):
        raise fail(("bundle_size",), f"expected a whole number from 1 to {MAX_BUNDLE_SIZE}")
    max_deletes = deletes.get("max")
    if max_deletes is not None and (not isinstance(max_deletes, int) or max_deletes < 0):
        raise fail(("deletes", "max"), "expected a whole number of deletes, or null for no cap")
    max_share = deletes.get("max_share", DEFAULT_MAX_DELETE_SHARE)
    if isinstance(max_share, bool) or not isinstance(max_share, (int, float)) or not 0 <= max_share <= 1:
        raise fail(("deletes", "max_share"), "expected a share of the managed labels from 0 to 1, like 0.5")
    for path, value in ((("prune",), doc.get("prune", True)), (("deletes", "allow"), deletes.get("allow", False))):
        if not isinstance(value, bool):
            raise fail(path, "expected true or false")
    limits = _limits(doc.get("limits"), fail)
    branch = doc.get("branch", "main")
    if not isinstance(branch, str) or not branch:
        raise fail(("branch",), "expected a branch name")
    return Config(
        root=source.parent,
        source=source,
        labels=Path(str(doc.get("labels", defaults.labels))),
        ontology=Path(str(doc.get("ontology", defaults.ontology))),
        remote=RemoteConfig(kind, settings),
        branch=branch,
        bundle_size=bundle_size,
        allow_delete=bool(deletes.get("allow", False)),
        max_deletes=max_deletes,
        max_delete_share=float(max_share),
        prune=bool(doc.get("prune", True)),
        limits=limits,
    )


def _limits(doc: Any, fail: Callable[[tuple[str | int, ...], str], ConfigError]) -> ReadLimits:
    if doc is None:
        return ReadLimits()
    if not isinstance(doc, dict):
        raise fail(("limits",), f"expected a mapping with {', '.join(_LIMIT_KEYS)}")
    for key, value in doc.items():
        if key not in _LIMIT_KEYS:
            known = ", ".join(_LIMIT_KEYS)
            raise fail(("limits", key), f"unknown setting{suggest(str(key), _LIMIT_KEYS)}; known: {known}")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise fail(("limits", key), "expected a whole number, 1 or more")
    return ReadLimits(**{str(key): value for key, value in doc.items()})
