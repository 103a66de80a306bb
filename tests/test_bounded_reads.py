"""labelsync trusts nothing it is given: label files and PNG masks that are not regular files inside the
repository, too large, corrupt or of a size other than their data unit's are findings (file:line), never a
hang, a traceback or a read of something else; a changed mask is always seen (the desired cache keeps
its digest); a file's `branch:` is read as YAML reads it; a silent Encord server is a clear error soon.

Each test drives the real CLI in a copy of the example project (`local_workspace`, the embedded SQLite
project; the Encord test uses the fake server). Cases that hung or ate memory before run the CLI in a
subprocess with a timeout and a memory cap, so a regression fails the test instead of the machine.
"""

from __future__ import annotations

import os
import resource
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labelsync_workspace import EncordBackend, Result, Workspace, make_workspace
from PIL import Image

from reconciler.identity import label_hash

BLUEBERRY = "labels/images/blueberry_002.jpg.yaml"
MASK = "labels/images/masks/blueberry_002.png"
MASK_LINE = "bitmask: {png: masks/blueberry_002.png}"
MB = 1024 * 1024
NO_CHANGES = "No changes: the remote matches the label files."


# -- helpers ---------------------------------------------------------------------------------------


def plan(ws: Workspace) -> Result:
    return ws.run("plan", "--detailed-exitcode")


def apply(ws: Workspace) -> Result:
    return ws.run("apply", "--yes")


def run_bounded(ws: Workspace, *args: str) -> Result:
    """The CLI in a subprocess that may use 4 GB and 60 s at most: what hung or read /dev/zero until memory
    ran out fails the test, not the machine."""

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    done = subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=ws.root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        preexec_fn=cap_memory,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def errors(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def assert_found(result: Result, *lines: str) -> None:
    """Exit 1 with exactly these findings (`error: ` lines), no traceback, nothing written."""
    assert result.exit_code == 1, result.output
    assert errors(result) == [f"error: {line}" for line in lines], result.output
    assert "Traceback" not in result.output


def use_mask(ws: Workspace, png: str) -> str:
    """Point blueberry_002's bitmask at `png` (as written in the file); the finding's prefix at its line."""
    ws.replace_in_file(BLUEBERRY, MASK_LINE, f"bitmask: {{png: {png}}}")
    return f"{BLUEBERRY}:{ws.line_of(BLUEBERRY, 'bitmask:')}: objects[0].bitmask.png"


def mask_path(ws: Workspace, png: str) -> Path:
    """The path geometry shows in a mask's finding: the label file's folder joined with `png`."""
    return ws.path("labels/images") / png


def outside(ws: Workspace, name: str) -> Path:
    """A path beside the workspace, outside its repository."""
    return ws.root.parent / name


def example_mask() -> list[list[bool]]:
    """The example mask's pixels: set where not 0 (it is 8-bit grayscale)."""
    with Image.open(Path(__file__).resolve().parent.parent / MASK) as image:
        gray = image.convert("L")
        width, height = gray.size
        data = gray.tobytes()
    return [[data[y * width + x] != 0 for x in range(width)] for y in range(height)]


# -- PNG files, written byte by byte (Pillow writes neither interlaced nor every bit depth) -----------

_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _row(samples: list[int], depth: int) -> bytes:
    if depth == 16:
        return struct.pack(f">{len(samples)}H", *samples)
    if depth == 8:
        return bytes(samples)
    bits = "".join(format(s, f"0{depth}b") for s in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))


def png_bytes(
    pixels: list[list[tuple[int, ...]]],
    depth: int,
    colour: int,
    *,
    palette: list[tuple[int, int, int]] | None = None,
    trns: bytes | None = None,
    interlace: bool = False,
) -> bytes:
    """A PNG of `pixels` (rows of per-pixel sample tuples), filter 0, optionally Adam7-interlaced."""
    height, width = len(pixels), len(pixels[0])
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        for y in range(y0, height, dy):
            samples = [s for x in range(x0, width, dx) for s in pixels[y][x]]
            if samples:
                raw += b"\x00" + _row(samples, depth)
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 1 if interlace else 0)
    chunks = [_chunk(b"IHDR", header)]
    if palette is not None:
        chunks.append(_chunk(b"PLTE", b"".join(bytes(c) for c in palette)))
    if trns is not None:
        chunks.append(_chunk(b"tRNS", trns))
    chunks += [_chunk(b"IDAT", zlib.compress(bytes(raw))), _chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def header_only_png(width: int, height: int) -> bytes:
    """A PNG that says it is `width` x `height` pixels, whose image data is not zlib at all: decoding it
    fails, so a finding about its size proves it was not decoded."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"not zlib") + _chunk(b"IEND", b"")


Pick = Callable[[bool, int], tuple[int, ...]]
"""(pixel set?, x + y) -> the pixel's samples: alternating between two encodings of "set" and "unset"."""

MASKS: dict[str, tuple[Pick, dict[str, Any]]] = {
    "gray 1-bit": (lambda on, i: (int(on),), {"depth": 1, "colour": 0}),
    "gray 2-bit, faint": (lambda on, i: (int(on),), {"depth": 2, "colour": 0}),
    "gray 4-bit": (lambda on, i: (15 if on else 0,), {"depth": 4, "colour": 0}),
    "gray 8-bit, faint": (lambda on, i: (int(on),), {"depth": 8, "colour": 0}),
    "gray 16-bit, low and high bytes": (lambda on, i: ((1, 256)[i % 2] if on else 0,), {"depth": 16, "colour": 0}),
    "gray with a transparent value": (
        lambda on, i: (200,) if on else ((0,), (7,))[i % 2],
        {"depth": 8, "colour": 0, "trns": struct.pack(">H", 7)},
    ),
    "gray and alpha": (
        lambda on, i: (200, 255) if on else ((0, 255), (200, 0))[i % 2],
        {"depth": 8, "colour": 4},
    ),
    "palette 8-bit, by colour and transparency": (
        lambda on, i: ((1,), (3,))[i % 2] if on else ((0,), (2,))[i % 2],
        {
            "depth": 8,
            "colour": 3,
            "palette": [(0, 0, 0), (255, 0, 0), (255, 255, 255), (0, 9, 0)],
            "trns": bytes([255, 255, 0, 255]),
        },
    ),
    "palette 4-bit": (
        lambda on, i: (1,) if on else (0,),
        {"depth": 4, "colour": 3, "palette": [(0, 0, 0), (0, 0, 1)]},
    ),
    "RGB": (lambda on, i: ((0, 0, 1), (9, 0, 0))[i % 2] if on else (0, 0, 0), {"depth": 8, "colour": 2}),
    "RGB with a transparent colour": (
        lambda on, i: (5, 5, 6) if on else ((0, 0, 0), (5, 5, 5))[i % 2],
        {"depth": 8, "colour": 2, "trns": struct.pack(">HHH", 5, 5, 5)},
    ),
    "RGBA": (
        lambda on, i: (0, 1, 0, 1) if on else ((0, 0, 0, 255), (255, 255, 255, 0))[i % 2],
        {"depth": 8, "colour": 6},
    ),
    "RGBA 16-bit": (
        lambda on, i: (0, 0, 65535, 4096) if on else ((0, 0, 0, 65535), (65535, 65535, 65535, 0))[i % 2],
        {"depth": 16, "colour": 6},
    ),
    "gray 8-bit, interlaced": (lambda on, i: (255 if on else 0,), {"depth": 8, "colour": 0, "interlace": True}),
    "gray 1-bit, interlaced": (lambda on, i: (int(on),), {"depth": 1, "colour": 0, "interlace": True}),
    "RGBA, interlaced": (
        lambda on, i: (3, 0, 0, 255) if on else ((0, 0, 0, 255), (255, 255, 255, 0))[i % 2],
        {"depth": 8, "colour": 6, "interlace": True},
    ),
}


def mask_png(pick: Pick, options: dict[str, Any], flip: tuple[int, int] | None = None) -> bytes:
    """The example mask in another encoding (one pixel flipped, if `flip` says which)."""
    grid = example_mask()
    pixels = [
        [pick(on != ((x, y) == flip), x + y) for x, on in enumerate(row)] for y, row in enumerate(grid)
    ]
    return png_bytes(pixels, **options)


@pytest.fixture
def ws(local_workspace: Workspace) -> Workspace:
    """The example project on the embedded local project."""
    return local_workspace


@pytest.fixture
def applied(ws: Workspace) -> Workspace:
    """The example project applied: the remote matches the label files (and their masks)."""
    result = apply(ws)
    assert result.exit_code == 0, result.output
    return ws


def outside_it(ws: Workspace, target: Path | str) -> str:
    return f"it resolves to {target}, outside the repository ({ws.root})"


def mask_finding(ws: Workspace, png: str, reason: str) -> str:
    """Point blueberry_002's bitmask at `png`; the finding that says why it is not read."""
    return f"{use_mask(ws, png)}: cannot read {mask_path(ws, png)}: {reason}"


# -- label files -----------------------------------------------------------------------------------


def test_a_fifo_as_a_label_file_is_a_finding_not_a_hang(ws: Workspace) -> None:
    os.mkfifo(ws.path("labels/images/pipe.yaml"))
    result = run_bounded(ws, "validate")
    assert_found(result, "labels/images/pipe.yaml: not read: it is a FIFO (named pipe), not a regular file")


def test_a_label_file_linked_to_dev_zero_is_refused_unread(ws: Workspace) -> None:
    os.symlink("/dev/zero", ws.path("labels/images/zero.yaml"))
    result = run_bounded(ws, "validate")
    assert_found(result, f"labels/images/zero.yaml: not read: {outside_it(ws, '/dev/zero')}")


def test_a_label_file_linked_outside_the_repository_is_refused_and_its_content_never_shown(ws: Workspace) -> None:
    secret = outside(ws, "secret.yaml")
    secret.write_text("data: hunter2-the-secret\n", encoding="utf-8")
    os.symlink(secret, ws.path("labels/images/linked.yaml"))
    before = ws.dump()
    result = ws.run("plan")
    assert_found(result, f"labels/images/linked.yaml: not read: {outside_it(ws, secret)}")
    assert "hunter2" not in result.output
    assert ws.dump() == before


def test_a_label_file_linked_inside_the_repository_is_read(applied: Workspace) -> None:
    target = applied.path("elsewhere/blueberry.yaml")
    target.parent.mkdir()
    applied.path(BLUEBERRY).rename(target)
    applied.path(BLUEBERRY).symlink_to(target)  # its mask is still beside the link: masks/blueberry_002.png
    result = plan(applied)
    assert result.exit_code == 0, result.output
    assert NO_CHANGES in result.stdout


def test_a_directory_named_like_a_label_file_is_a_finding(ws: Workspace) -> None:
    ws.path("labels/images/folder.yaml").mkdir()
    result = ws.run("validate")
    assert_found(result, "labels/images/folder.yaml: not read: it is a directory, not a regular file")


def test_a_dangling_symbolic_link_named_like_a_label_file_is_a_finding(ws: Workspace) -> None:
    os.symlink("gone.yaml", ws.path("labels/images/dangling.yaml"))
    result = ws.run("validate")
    reason = "it is a symbolic link to a file that does not exist"
    assert_found(result, f"labels/images/dangling.yaml: not read: {reason}")


def test_a_label_file_above_the_size_limit_is_refused_unread(ws: Workspace) -> None:
    with ws.path("labels/images/huge.yaml").open("wb") as f:
        f.truncate(10 * MB + 1)  # sparse: costs no disk
    result = ws.run("validate")
    assert_found(
        result,
        f"labels/images/huge.yaml: not read: it is {10 * MB + 1} bytes, more than limits.label_file_bytes"
        f" ({10 * MB} bytes) in labelsync.yaml",
    )


def test_the_label_file_size_limit_is_set_in_labelsync_yaml(ws: Workspace) -> None:
    size = ws.path(BLUEBERRY).stat().st_size
    with ws.path("labelsync.yaml").open("a", encoding="utf-8") as f:
        f.write(f"limits:\n  label_file_bytes: {size - 1}\n")
    result = ws.run("validate")
    assert result.exit_code == 1, result.output
    assert (
        f"error: {BLUEBERRY}: not read: it is {size} bytes, more than limits.label_file_bytes ({size - 1} bytes)"
        " in labelsync.yaml"
    ) in errors(result)


def test_a_limit_that_is_not_a_whole_number_is_named_with_its_line(ws: Workspace) -> None:
    with ws.path("labelsync.yaml").open("a", encoding="utf-8") as f:
        f.write("limits:\n  mask_bytes: lots\n")
    line = ws.line_of("labelsync.yaml", "mask_bytes")
    result = ws.run("validate")
    assert result.exit_code == 1, result.output
    assert f"labelsync.yaml:{line}: limits.mask_bytes: expected a whole number, 1 or more" in result.stderr
    assert "Traceback" not in result.output


# -- masks: where they are and what they are --------------------------------------------------------


def test_a_mask_given_by_an_absolute_path_outside_the_repository_is_refused(ws: Workspace) -> None:
    elsewhere = outside(ws, "mask.png")
    elsewhere.write_bytes(ws.path(MASK).read_bytes())
    expected = mask_finding(ws, str(elsewhere), outside_it(ws, elsewhere))
    assert_found(ws.run("validate"), expected)


def test_a_mask_path_that_climbs_out_of_the_repository_is_refused(ws: Workspace) -> None:
    elsewhere = outside(ws, "mask.png")
    elsewhere.write_bytes(ws.path(MASK).read_bytes())
    expected = mask_finding(ws, "../../../mask.png", outside_it(ws, elsewhere))
    assert_found(ws.run("validate"), expected)


def test_a_mask_linked_to_outside_the_repository_is_refused(ws: Workspace) -> None:
    elsewhere = outside(ws, "mask.png")
    elsewhere.write_bytes(ws.path(MASK).read_bytes())
    os.symlink(elsewhere, ws.path("labels/images/masks/linked.png"))
    expected = mask_finding(ws, "masks/linked.png", outside_it(ws, elsewhere))
    assert_found(ws.run("validate"), expected)


def test_a_mask_linked_inside_the_repository_is_read(applied: Workspace) -> None:
    applied.path("labels/images/masks/current.png").symlink_to("blueberry_002.png")
    use_mask(applied, "masks/current.png")
    result = plan(applied)
    assert result.exit_code == 0, result.output
    assert NO_CHANGES in result.stdout


def test_dev_zero_as_a_mask_is_refused_unread(ws: Workspace) -> None:
    expected = mask_finding(ws, "/dev/zero", outside_it(ws, "/dev/zero"))
    assert_found(run_bounded(ws, "validate"), expected)


def test_a_fifo_as_a_mask_is_a_finding_not_a_hang(ws: Workspace) -> None:
    os.mkfifo(ws.path("labels/images/masks/pipe.png"))
    expected = mask_finding(ws, "masks/pipe.png", "it is a FIFO (named pipe), not a regular file")
    assert_found(run_bounded(ws, "validate"), expected)


def test_a_mask_that_is_a_directory_is_a_finding(ws: Workspace) -> None:
    ws.path("labels/images/masks/folder.png").mkdir()
    expected = mask_finding(ws, "masks/folder.png", "it is a directory, not a regular file")
    assert_found(ws.run("validate"), expected)


def test_a_mask_above_the_size_limit_is_refused_unread(ws: Workspace) -> None:
    with ws.path("labels/images/masks/huge.png").open("wb") as f:
        f.truncate(50 * MB + 1)
    reason = f"it is {50 * MB + 1} bytes, more than limits.mask_bytes ({50 * MB} bytes) in labelsync.yaml"
    expected = mask_finding(ws, "masks/huge.png", reason)
    assert_found(ws.run("validate"), expected)


def test_a_truncated_mask_is_a_finding(ws: Workspace) -> None:
    ws.path("labels/images/masks/cut.png").write_bytes(ws.path(MASK).read_bytes()[:60])
    expected = mask_finding(ws, "masks/cut.png", "it is not a valid PNG: image file is truncated")
    assert_found(ws.run("validate"), expected)


def test_a_corrupt_mask_is_a_finding(ws: Workspace) -> None:
    ws.path("labels/images/masks/bad.png").write_bytes(header_only_png(64, 48))
    expected = mask_finding(ws, "masks/bad.png", "it is not a valid PNG: ")
    result = ws.run("validate")
    assert result.exit_code == 1, result.output
    (line,) = errors(result)
    assert line.startswith(f"error: {expected}"), line
    assert "Traceback" not in result.output


def test_a_file_that_is_not_a_png_is_a_finding(ws: Workspace) -> None:
    ws.path("labels/images/masks/text.png").write_text("not an image\n", encoding="utf-8")
    expected = mask_finding(ws, "masks/text.png", "it is not a PNG file")
    assert_found(ws.run("validate"), expected)


def test_a_mask_above_the_pixel_limit_is_refused_before_it_is_decoded(ws: Workspace) -> None:
    ws.path("labels/images/masks/big.png").write_bytes(header_only_png(20000, 20000))
    reason = "it is 20000x20000 pixels, more than limits.mask_pixels (100000000) in labelsync.yaml: not decoded"
    expected = mask_finding(ws, "masks/big.png", reason)
    started = time.monotonic()
    assert_found(ws.run("validate"), expected)
    assert time.monotonic() - started < 30


def test_the_mask_pixel_limit_is_set_in_labelsync_yaml(ws: Workspace) -> None:
    with ws.path("labelsync.yaml").open("a", encoding="utf-8") as f:
        f.write("limits:\n  mask_pixels: 3000\n")  # the example mask is 64x48 = 3072 pixels
    reason = "it is 64x48 pixels, more than limits.mask_pixels (3000) in labelsync.yaml: not decoded"
    expected = mask_finding(ws, "masks/blueberry_002.png", reason)
    assert_found(ws.run("validate"), expected)


def test_a_mask_of_another_size_than_its_data_unit_is_refused_before_it_is_decoded(ws: Workspace) -> None:
    ws.path("labels/images/masks/wide.png").write_bytes(header_only_png(5000, 4000))
    reason = "it is 5000x4000 pixels but blueberry_002.jpg is 64x48: not decoded"
    expected = mask_finding(ws, "masks/wide.png", reason)
    assert_found(ws.run("plan"), expected)


@pytest.mark.parametrize("kind", sorted(MASKS))
def test_every_kind_of_png_reads_as_the_same_mask(applied: Workspace, kind: str) -> None:
    pick, options = MASKS[kind]
    applied.path(MASK).write_bytes(mask_png(pick, options))
    result = plan(applied)
    assert result.exit_code == 0, result.output
    assert NO_CHANGES in result.stdout


# -- the desired cache sees every mask ------------------------------------------------------------------


def test_a_changed_mask_is_planned_even_when_its_key_is_quoted(applied: Workspace) -> None:
    applied.replace_in_file(BLUEBERRY, MASK_LINE, 'bitmask: {"png": masks/blueberry_002.png}')
    assert plan(applied).exit_code == 0  # the file is now in the desired cache
    assert plan(applied).exit_code == 0  # ... and read from it
    pick, options = MASKS["gray 8-bit, faint"]
    applied.path(MASK).write_bytes(mask_png(pick, options, flip=(0, 0)))
    result = plan(applied)
    assert result.exit_code == 2, result.output
    assert "1 to change" in result.stdout
    assert apply(applied).exit_code == 0
    assert plan(applied).exit_code == 0


def test_a_mask_link_pointed_at_another_mask_is_planned(applied: Workspace) -> None:
    masks = applied.path("labels/images/masks")
    pick, options = MASKS["gray 8-bit, faint"]
    (masks / "v2.png").write_bytes(mask_png(pick, options, flip=(1, 1)))
    (masks / "current.png").symlink_to("blueberry_002.png")
    use_mask(applied, "masks/current.png")
    assert plan(applied).exit_code == 0
    assert plan(applied).exit_code == 0  # cached
    (masks / "current.png").unlink()
    (masks / "current.png").symlink_to("v2.png")
    result = plan(applied)
    assert result.exit_code == 2, result.output
    assert "1 to change" in result.stdout


# -- branches are read as YAML reads them ---------------------------------------------------------------


BRANCH_FILE = """data: branch_005.jpg
{branch}
objects:
  - id: pedicel-dev
    class: Pedicel
    point: {{x: 0.5, y: 0.5}}
"""


@pytest.mark.parametrize(
    ("how", "text", "branch"),
    [
        ("quoted", BRANCH_FILE.format(branch='branch: "dev"'), "dev"),
        ("spaced, with a comment", BRANCH_FILE.format(branch="branch:  dev  # the dev branch"), "dev"),
        ("with a space in the name", BRANCH_FILE.format(branch='branch: "feature dev"'), "feature dev"),
        ("with a hash in the name", BRANCH_FILE.format(branch="branch: 'dev#2'"), "dev#2"),
        (
            "in flow style",
            "{data: branch_005.jpg, branch: dev,\n"
            " objects: [{id: pedicel-dev, class: Pedicel, point: {x: 0.5, y: 0.5}}]}\n",
            "dev",
        ),
    ],
)
def test_a_branch_however_written_converges(ws: Workspace, how: str, text: str, branch: str) -> None:
    ws.path("labels/images/branch_005.dev.yaml").write_text(text, encoding="utf-8")
    first = apply(ws)
    assert first.exit_code == 0, first.output
    again = plan(ws)
    assert again.exit_code == 0, again.output
    assert NO_CHANGES in again.stdout
    assert apply(ws).exit_code == 0
    key = ws.key("branch_005.jpg", branch)
    with ws._remote() as remote:
        row = remote.fetch([key])[key]
    assert [label.hash for label in row.labels] == [label_hash(key.data_hash, branch, "pedicel-dev")]


# -- a silent Encord server -----------------------------------------------------------------------------


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers: its http:// address."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        for connection in held:
            connection.close()


@pytest.fixture
def encord_ws(tmp_path: Path) -> Iterator[Workspace]:
    yield from make_workspace(tmp_path, EncordBackend())


def set_remote(ws: Workspace, **settings: Any) -> None:
    path = ws.path("labelsync.yaml")
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["remote"].update(settings)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def test_a_silent_encord_server_ends_in_a_clear_error_within_the_timeout(
    encord_ws: Workspace, silent_server: str
) -> None:
    set_remote(encord_ws, domain=silent_server, read_timeout=2, max_retries=1)
    assert isinstance(encord_ws.backend, EncordBackend)
    project = encord_ws.backend.project
    started = time.monotonic()
    result = encord_ws.run("plan")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert errors(result) == [
        f"error: Encord did not answer in time while opening project {project} at {silent_server}"
        " (see remote.connect_timeout, read_timeout and write_timeout in labelsync.yaml)"
    ]
    assert "Traceback" not in result.output
    assert 2 * 2 <= elapsed < 2 * 2 + 20  # two attempts of 2 s, and the SDK's start-up


def test_a_connect_timeout_that_is_not_a_whole_number_is_named_before_any_request(encord_ws: Workspace) -> None:
    set_remote(encord_ws, connect_timeout=0)
    result = encord_ws.run("plan")
    assert result.exit_code == 1, result.output
    expected = "error: remote.connect_timeout: expected a whole number of seconds, 1 or more, not 0"
    assert errors(result) == [expected]
    assert isinstance(encord_ws.backend, EncordBackend)
    assert encord_ws.backend.server.count() == 0
