"""A plan written a row at a time, so that one too big to hold is never held: the same JSON, and the same
digest, as `planfile.plan_to_dict` and `json.dumps(..., indent=2)` give for the whole plan.

`PlanStream.add` takes each row's dict as its bundle is planned and spools it to two unnamed temporary
files: as the digest reads it (canonical JSON) and as the file shows it (indented). The rest of the plan (its
summary and late warnings are known only once every row has gone by) is given to `chunks`, which hashes and
yields the whole text with the rows read back from the spools a piece at a time.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from reconciler.planfile import canonical_json

_MARK = "labelsync:rows"
"""Stands for the rows while the rest of the plan is serialised; the text around it is the plan's."""
_CANONICAL_ROWS = f'"rows":["{_MARK}"]'
_SHOWN_ROWS = f'\n  "rows": [\n    "{_MARK}"\n  ]'
_PIECE = 1 << 20


class PlanStream:
    def __init__(self) -> None:
        # unnamed, so gone with the process however it ends; closed by `close` (a context manager)
        self._canonical: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._shown: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        separator = "," if self.rows else ""
        self._canonical.write((separator + canonical_json(row)).encode("ascii"))
        shown = json.dumps(row, indent=2, ensure_ascii=False).replace("\n", "\n    ")
        self._shown.write((f"{separator}\n    {shown}").encode())
        self.rows += 1

    def chunks(self, body: dict[str, Any]) -> Iterator[str]:
        """The plan's JSON text (indented, a final newline), in pieces: `body` is the plan's dict without
        rows or digest (`planfile.plan_body` of the plan without its rows, with the streamed summary)."""
        placed = {**body, "rows": [_MARK]}
        digest = self._digest(placed)
        text = json.dumps({**placed, "digest": digest}, indent=2, ensure_ascii=False)
        # the first occurrence: only our own keys and strings come before `rows` in the file
        before, found, after = text.partition(_SHOWN_ROWS)
        assert found, "the rows' place is not in the plan's text"
        yield before + '\n  "rows": ['
        if self.rows:
            yield from _read_back(self._shown)
            yield "\n  ]"
        else:
            yield "]"
        yield after + "\n"

    def close(self) -> None:
        self._canonical.close()
        self._shown.close()

    def __enter__(self) -> PlanStream:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _digest(self, placed: dict[str, Any]) -> str:
        """`plan_digest` of the plan with its rows: the rows' canonical text read back from the spool."""
        # the last occurrence: the ontology editor (the remote's, untrusted) sorts before `rows`, and
        # only our own keys and strings sort after it
        before, found, after = canonical_json(placed).rpartition(_CANONICAL_ROWS)
        assert found, "the rows' place is not in the plan's canonical text"
        sha = hashlib.sha256(f'{before}"rows":['.encode("ascii"))
        for piece in _read_back(self._canonical):
            sha.update(piece.encode("ascii"))
        sha.update(f"]{after}".encode("ascii"))
        return sha.hexdigest()


def _read_back(spool: IO[bytes]) -> Iterator[str]:
    spool.flush()
    spool.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    while piece := spool.read(_PIECE):
        yield decoder.decode(piece)
    yield decoder.decode(b"", final=True)
