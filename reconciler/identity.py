"""Deterministic label hashes: the same (data unit, branch, id) always gives the same hash."""

from __future__ import annotations

import hashlib
import string

_ALPHABET = string.ascii_letters + string.digits


def label_hash(data_hash: str, branch: str, label_id: str) -> str:
    """An 8-character objectHash / classificationHash, like the ones Encord's editor makes."""
    digest = hashlib.blake2b(f"{data_hash}\0{branch}\0{label_id}".encode(), digest_size=8).digest()
    return "".join([_ALPHABET[byte % 62] for byte in digest])
