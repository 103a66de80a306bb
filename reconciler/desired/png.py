"""A PNG mask image -> a 0/1 bitmap: 1 where the pixel is not black and not transparent.

Every PNG the standard allows is read (decoded by Pillow): 1- to 16-bit grayscale, palette, RGB and
RGBA, with or without alpha or a `tRNS` transparent colour, interlaced or not. A palette pixel is set by
its colour (not its index): set unless black or transparent. Grayscale reads at full depth; 16-bit colour
channels are read at 8 bits (their high byte), so a channel below 256 of 65535 reads as 0.

Nothing is decoded before it is known to be small enough: the file is read only when it is a regular
file inside the repository of at most `limits.mask_bytes`, and its width and height (from the header)
must be within `limits.mask_pixels` and, where the data unit's size is known, equal to it. Decoding is
bounded by the image's size; Pillow bounds what its text and profile chunks may inflate to.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.desired.bounded import ReadLimits, read_inside
from reconciler.desired.cache import content_digest

if TYPE_CHECKING:
    from PIL.Image import Image

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IHDR = struct.Struct(">I4sII")
_DEFAULTS = ReadLimits()


class PngError(ValueError):
    pass


@dataclass(frozen=True)
class MaskRules:
    """What a mask must be to be read; set for the masks of one label file with `reading_masks`."""

    root: Path | None = None
    """Masks must resolve inside it (the repository); None: anywhere."""
    max_bytes: int = _DEFAULTS.mask_bytes
    max_pixels: int = _DEFAULTS.mask_pixels
    unit: tuple[str, int, int] | None = None
    """(title, width, height) of the data unit when each of its frames has that size."""


MaskRead = tuple[Path, str]
"""A mask read: its path as given and the digest of its bytes."""

_RULES: ContextVar[tuple[MaskRules, list[MaskRead]] | None] = ContextVar("mask_rules", default=None)


@contextmanager
def reading_masks(rules: MaskRules) -> Iterator[list[MaskRead]]:
    """Apply `rules` to every `read_mask` inside the block; yields the masks read, as they are read."""
    read: list[MaskRead] = []
    token = _RULES.set((rules, read))
    try:
        yield read
    finally:
        _RULES.reset(token)


def read_mask(path: Path, *, expected: tuple[int, int] | None = None) -> tuple[int, int, bytes]:
    """(width, height, row-major bytes with 1 where the pixel is not black/transparent).

    `expected`: the (width, height) the mask must have (else the data unit's, when the rules know it),
    checked from the header before decoding. Raises FileNotFoundError when there is no file, PngError
    (a ValueError) for everything else: a file that may not be read, too large, not a PNG, corrupt."""
    current = _RULES.get()
    rules, read = current if current is not None else (MaskRules(), None)
    data = read_inside(path, rules.root, rules.max_bytes, "limits.mask_bytes")
    width, height = png_size(data)
    if width * height > rules.max_pixels:
        raise PngError(
            f"it is {width}x{height} pixels, more than limits.mask_pixels ({rules.max_pixels}) in"
            " labelsync.yaml: not decoded"
        )
    where, size = _expected(expected, rules)
    if size is not None and all(size) and (width, height) != size:
        raise PngError(f"it is {width}x{height} pixels but {where} is {size[0]}x{size[1]}: not decoded")
    mask = _decode(data)
    if read is not None:
        read.append((path, content_digest(data)))
    return width, height, mask


def _expected(expected: tuple[int, int] | None, rules: MaskRules) -> tuple[str, tuple[int, int] | None]:
    if expected is not None:
        return "the data unit", expected
    if rules.unit is not None:
        title, width, height = rules.unit
        return title, (width, height)
    return "", None


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header, without decoding it."""
    if not data.startswith(_SIGNATURE):
        raise PngError("it is not a PNG file")
    if len(data) < 8 + _IHDR.size:
        raise PngError("it is not a valid PNG: it ends inside its header")
    length, kind, width, height = _IHDR.unpack_from(data, 8)
    if kind != b"IHDR" or length != 13:
        raise PngError("it is not a valid PNG: it does not start with its header (IHDR)")
    if not width or not height:
        raise PngError(f"it is not a valid PNG: it is {width}x{height} pixels")
    return width, height


def _decode(data: bytes) -> bytes:
    from PIL import Image as pil

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pil.DecompressionBombWarning)  # the size is checked above
            with pil.open(BytesIO(data), formats=["PNG"]) as image:
                image.load()
                return _set_pixels(image).tobytes()
    except pil.DecompressionBombError:
        raise PngError("it has more pixels than the image library decodes") from None
    except Exception as exc:  # a third-party decoder on untrusted bytes: any failure is the file's
        raise PngError(f"it is not a valid PNG: {_reason(exc)}") from None


def _set_pixels(image: Image) -> Image:
    """A mode L image of 0 and 1: 1 where any colour channel and the alpha (if any) are not 0."""
    from PIL import ImageChops

    if "transparency" in image.info or image.mode in ("PA", "La", "RGBa"):
        image = image.convert("RGBA")
    elif image.mode == "P":
        image = image.convert("RGB")
    elif image.mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("L")  # 1-bit, 16-bit and 32-bit grayscale: values above 255 clip to 255
    bands = image.split()
    colour = bands[0]
    if len(bands) >= 3:
        colour = ImageChops.lighter(ImageChops.lighter(bands[0], bands[1]), bands[2])
    if len(bands) in (2, 4):
        colour = ImageChops.darker(colour, bands[-1])
    return colour.point(lambda value: 1 if value else 0)


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
