"""Encord's bitmask RLE strings (COCO's compressed RLE), written and measured without importing the SDK.

A mask is row-major bytes, 1 where set. Its RLE is the lengths of alternating runs, zeros first (so a mask
that starts set begins with a run of 0 zeros); the string packs each length, after the third as the
difference to the length two before, in 5-bit groups offset by 48 ("0"), a 0x20 bit meaning "more".
This is `encord.common.bitmask_operations.serialise_bitmask` / `_string_to_rle`, which tests check it
against: importing the SDK for them costs every command on the local project more than a second.
"""

from __future__ import annotations

from itertools import groupby


def mask_to_rle_string(mask: bytes) -> str:
    """The Encord RLE string of a row-major 0/1 mask."""
    counts = [len(list(run)) for _, run in groupby(mask)]
    if mask and mask[0] == 1:
        counts.insert(0, 0)
    return _counts_to_string(counts)


def rle_string_length(rle: str) -> int:
    """How many pixels an Encord RLE string covers (the sum of its run lengths); -1 for one with a negative
    run, which no mask has."""
    counts = _string_to_counts(rle)
    return -1 if any(count < 0 for count in counts) else sum(counts)


def _counts_to_string(counts: list[int]) -> str:
    out = []
    for i, count in enumerate(counts):
        x = count - counts[i - 2] if i > 2 else count
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def _string_to_counts(rle: str) -> list[int]:
    counts: list[int] = []
    p = 0
    while p < len(rle):
        x = k = 0
        more = True
        while more and p < len(rle):
            c = ord(rle[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts
