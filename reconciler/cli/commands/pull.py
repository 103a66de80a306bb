"""`labelsync pull`: write the remote's label rows as label files (adopt an existing project)."""

from __future__ import annotations

from pathlib import Path

from reconciler.cli.output import ProgressBar, inert, plural, say
from reconciler.config import Config, load_config
from reconciler.desired.loading import display_path
from reconciler.errors import ConfigError, LabelsyncError
from reconciler.pull.config_file import (
    config_path,
    config_text,
    encord_remote,
    local_remote,
    new_config,
    relative_to_root,
)
from reconciler.pull.files import Written, create_file
from reconciler.pull.run import PullOptions, PullReport
from reconciler.pull.run import pull as run_pull
from reconciler.remotes.open import open_remote

_SHOWN = 10
"""Skipped rows named in the summary line at most (each has its own line above it)."""


def pull(
    config_path_: Path | None,
    data: list[str],
    branch: str | None,
    directory: Path | None,
    drifted: bool,
    database: Path | None,
    encord: str | None,
    domain: str | None,
) -> None:
    config = load_config(config_path_)
    fresh = config.source is None
    if fresh:
        config = _adopting(config, directory, database, encord, domain)
    elif (database is not None or encord is not None or domain is not None) and not _names(
        config, database, encord, domain
    ):
        raise ConfigError(
            f"{config.source} names another remote: drop --database/--encord/--domain (they are for a "
            "directory without labelsync.yaml), or edit `remote:` in it"
        )
    target = Path.cwd() / directory if directory is not None else config.labels_dir
    options = PullOptions(directory=target, branch=branch or config.branch, data=tuple(data), drifted=drifted)
    remote = open_remote(config, say)
    try:
        bar = ProgressBar("Pulling label rows")
        try:
            report = run_pull(
                config, remote, options, progress=lambda done, total: bar.update(done, total, "rows")
            )
        finally:
            bar.close()
        if fresh:  # after the pull, so a pull that fails can be run again with the same options
            path = config_path(config)
            create_file(path, config_text(config, f"`labelsync pull` from {remote.description}"))
            say(
                f"Wrote {inert(display_path(path, Path.cwd()))}: `labelsync plan` now reads "
                f"{inert(remote.description)}."
            )
    finally:
        remote.close()
    if report.ontology in (Written.NEW, Written.UPDATED):
        say(f"Wrote the project's ontology to {inert(str(config.ontology))}.")
    for warning in report.warnings:
        say(f"warning: {inert(warning)}")
    for skipped in report.skipped:
        say(f"skipped: {inert(skipped.row)}: {inert(skipped.reason)}", important=True)
    for failed in report.failed:
        say(f"failed: {inert(failed.row)}: {inert(failed.reason)}", important=True)
    print(inert(summary(report, display_path(target, config.root))))
    if report.failed:
        raise LabelsyncError(
            f"{plural(len(report.failed), 'label file')} could not be written: fix what the messages above say, "
            "then pull again (files already written stay written)"
        )


def summary(report: PullReport, directory: str) -> str:
    written = report.written
    counts = ", ".join(
        (
            plural(written[Written.NEW], "new file"),
            f"{written[Written.UPDATED]} updated",
            f"{written[Written.UNCHANGED]} unchanged",
        )
    )
    line = f"Pulled {plural(report.pulled, 'label row')} into {directory.rstrip('/')}/ ({counts})"
    if report.skipped:
        names = ", ".join(s.row for s in report.skipped[:_SHOWN])
        more = f" and {len(report.skipped) - _SHOWN} more" if len(report.skipped) > _SHOWN else ""
        line += f"; {plural(len(report.skipped), 'row')} skipped: {names}{more}"
    if report.failed:
        line += f"; {len(report.failed)} failed"
    return line + "."


def _adopting(
    config: Config, directory: Path | None, database: Path | None, encord: str | None, domain: str | None
) -> Config:
    """The config for a directory without labelsync.yaml, from the remote options."""
    if database is not None and encord is not None:
        raise ConfigError("give one of --database PATH (a local project) or --encord PROJECT_HASH, not both")
    if domain is not None and encord is None:
        raise ConfigError("--domain goes with --encord PROJECT_HASH")
    labels = relative_to_root(directory, config.root, "--dir") if directory is not None else config.labels
    if encord is not None:
        return new_config(config.root, encord_remote(encord, domain), labels=labels)
    default = Path(str(config.remote.settings["database"]))
    if database is None and not config.path(default).is_file():
        raise ConfigError(
            f"no labelsync.yaml in {config.root} or a parent directory: name the project to pull from with "
            "--database PATH (a local project) or --encord PROJECT_HASH [--domain eu|us|URL]"
        )
    return new_config(config.root, local_remote(database or default, config.root), labels=labels)


def _names(config: Config, database: Path | None, encord: str | None, domain: str | None) -> bool:
    """Whether the remote options name the remote the config names (a pull run again as it was first run)."""
    settings = config.remote.settings
    if database is not None:
        given = (Path.cwd() / database).resolve()
        return config.remote.kind == "local" and given == config.path(str(settings["database"])).resolve()
    return (
        config.remote.kind == "encord"
        and encord == str(settings.get("project_hash"))
        and (domain is None or domain == settings.get("domain"))
    )
