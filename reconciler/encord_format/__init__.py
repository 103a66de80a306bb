"""Encord's label-row dict <-> the canonical model: the only place that knows Encord's label format.

A label-row dict is what `LabelRowV2.to_encord_dict()` writes and `save()` uploads, what the server returns
and what "export labels as JSON" writes. Labels live in three places:

- `data_units[hash].labels`: the objects' geometry per frame. A video has one data unit whose labels map the
  frame number (a string) to `{"objects": [...], "classifications": []}`; an image has one data unit whose
  labels are that shape (frame 0); an image group has one data unit per image, each with that shape, the
  frame being the unit's `data_sequence`.
- `object_answers[objectHash].classifications`: an object's static attribute answers (nested ones flat),
  `object_actions[objectHash].actions`: its dynamic answers with frame ranges. On audio, plain-text and
  time-series rows the object itself lives there too: its `range` of the file (`ranges`).
- `classification_answers[classificationHash]`: a classification's answers and its frame `range` (empty for
  a global classification, and for one on the whole of an audio, plain-text or time-series file).

Writes are patches (`encode`): only the labels a plan changes are touched; what labelsync cannot declare
(`decode` counts it in `LabelRow.carried`) is carried over unchanged.

All pure functions without I/O. See `geometry`, `ranges` and `answers` for the per-shape and per-attribute forms.
"""

from reconciler.encord_format._common import EPOCH, EncordFormatError, encord_timestamp
from reconciler.encord_format.decode import decode_row
from reconciler.encord_format.empty import empty_row_dict
from reconciler.encord_format.encode import encode_row

__all__ = ["EPOCH", "EncordFormatError", "decode_row", "empty_row_dict", "encode_row", "encord_timestamp"]
