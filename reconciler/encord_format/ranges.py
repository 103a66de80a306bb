"""Ranged objects: an Encord `object_answers` entry's `range` / `range_html` <-> the canonical `Geometry` value.

On audio, plain-text and time-series rows an object is not a shape on a frame but ranges of the whole file,
kept in its `object_answers` entry beside its answers: `range: [[start, end], ...]` (milliseconds of audio,
characters of text, a time series' own units; inclusive), or for an HTML document `range: []` and
`range_html: [{start: {xpath, offset}, end: {xpath, offset}}, ...]`. Canonically the value is the sorted
list of [start, end] pairs, or of {start, end} nodes for HTML, and it stands on frame 0.
"""

from __future__ import annotations

from typing import Any

from reconciler.model import Geometry, canonical_html, canonical_ranges, is_html_value
from reconciler.ontology import ObjectClass

RANGE_KEYS = ("range", "range_html")


def decode_range(cls: ObjectClass, entry: dict[str, Any]) -> Geometry:
    """The canonical geometry of a ranged object's answers entry; raises KeyError/ValueError/TypeError if
    malformed."""
    if entry.get("range_html"):
        return Geometry(cls.shape, canonical_html(entry["range_html"]))
    return Geometry(cls.shape, canonical_ranges(entry["range"]))


def encode_range(geometry: Geometry) -> dict[str, Any]:
    """The `range` (and for HTML `range_html`) keys of a ranged object's answers entry."""
    if is_html_value(geometry.value):
        return {
            "range_html": [{side: dict(node[side]) for side in ("start", "end")} for node in geometry.value],
            "range": [],
        }
    return {"range": [list(pair) for pair in geometry.value]}
