"""Deterministic label hashes: the same (data unit, branch, id) always gives the same hash."""

from __future__ import annotations

import hashlib
import string

_ALPHABET = string.ascii_letters + string.digits
_LETTER_OF_BYTE = bytes(ord(_ALPHABET[byte % 62]) for byte in range(256))
"""Each byte's letter, as a `bytes.translate` table: the hash is spelled in C, not a character at a time."""


def label_hash(data_hash: str, branch: str, label_id: str) -> str:
    """An 8-character objectHash / classificationHash, like the ones Encord's editor makes."""
    digest = hashlib.blake2b(f"{data_hash}\0{branch}\0{label_id}".encode(), digest_size=8).digest()
    return digest.translate(_LETTER_OF_BYTE).decode("ascii")
