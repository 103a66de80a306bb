"""A label-file document -> its text, in the canonical layout `labelsync fmt` writes (`reconciler.layout`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.layout import dump_label_file


def _dump(doc: Mapping[str, Any], header: str | None = None) -> str:
    """The one place label-file text is made."""
    return dump_label_file(doc, header)


def label_file_text(doc: Mapping[str, Any], header: str | None = None) -> str:
    return _dump(doc, header)
