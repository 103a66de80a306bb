"""The few exceptions that end a command, each with its exit code.

Raised by the core and the remotes; `cli.main` is the one place that turns them into a message
and an exit code. Anything else reaching the user is a bug and is reported as one.
"""

from __future__ import annotations

from reconciler.diagnostics import Finding


class LabelsyncError(Exception):
    """A failure the user can act on. The message says what, where and how to fix it."""

    exit_code = 1


class ConfigError(LabelsyncError):
    pass


class InvalidInput(LabelsyncError):
    """The desired state has findings; nothing was read from or written to the remote."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        count = len(findings)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the label files")


class RemoteError(LabelsyncError):
    """The remote could not be reached or refused a request."""


class PlanFileError(LabelsyncError):
    pass


class DeletesRefused(LabelsyncError):
    """The plan deletes labels and the apply was not allowed to. Nothing was written."""

    exit_code = 3


class NotReviewed(LabelsyncError):
    """A saved plan is not the reviewed one for the files at hand (another commit, changed files)."""

    exit_code = 3


class StaleRows(LabelsyncError):
    """Some rows changed on the remote after the plan; they were skipped, the rest applied."""

    exit_code = 4
