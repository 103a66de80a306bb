"""What a desired-cache entry depends on: a cached file is set aside only in the context it was found clean in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.desired.bounded import ReadLimits
from reconciler.desired.loading import ParseContext
from reconciler.model import DataType, DataUnit
from reconciler.remotes.open import load_ontology

ONTOLOGY = load_ontology(Path(__file__).resolve().parent.parent / "labels" / "ontology.json")
UNIT = DataUnit("h1", "a.jpg", DataType.IMAGE, 1, 640, 480, 0.0, (), "image/jpeg", "http://x/a.jpg")
OTHER: dict[str, Any] = {
    "hash": "h2",
    "title": "b.jpg",
    "type": DataType.IMAGE_GROUP,
    "frames": 2,
    "width": 641,
    "height": 481,
    "fps": 25.0,
    "sizes": ((640, 480),),
    "file_type": "image/png",
}


@pytest.mark.parametrize("name", [name for name in DataUnit._fields if name != "media"])
def test_every_field_of_the_data_unit_but_its_media_is_part_of_the_context(name: str) -> None:
    context = ParseContext(ONTOLOGY, (UNIT,))
    assert context.cache_context(UNIT._replace(**{name: OTHER[name]}), ReadLimits()) != context.cache_context(
        UNIT, ReadLimits()
    )


def test_the_media_link_is_not_part_of_the_context() -> None:
    """Encord signs a new URL at every listing: were it part of the context, no Encord plan would hit."""
    context = ParseContext(ONTOLOGY, (UNIT,))
    moved = UNIT._replace(media="http://x/a.jpg?signature=2")
    assert context.cache_context(moved, ReadLimits()) == context.cache_context(UNIT, ReadLimits())


def test_the_defaults_and_limits_are_part_of_the_context() -> None:
    key = ParseContext(ONTOLOGY, (UNIT,)).cache_context(UNIT, ReadLimits())
    assert ParseContext(ONTOLOGY, (UNIT,), default_branch="review").cache_context(UNIT, ReadLimits()) != key
    assert ParseContext(ONTOLOGY, (UNIT,), default_prune=False).cache_context(UNIT, ReadLimits()) != key
    assert ParseContext(ONTOLOGY, (UNIT,)).cache_context(UNIT, ReadLimits(label_file_bytes=1)) != key
