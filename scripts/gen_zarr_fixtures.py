#!/usr/bin/env python3
"""Zarr interop fixtures for tests/zarr.rs, made with Python's zarr (v3).

    python3 scripts/gen_zarr_fixtures.py            # (re)write tests/data/zarr/
    python3 scripts/gen_zarr_fixtures.py check OUT.zarr EXPECTED.npy [...]
                                                    # read arrays lazyfuse wrote

The first mode writes small Zarr v3 arrays into tests/data/zarr/, each with
a .npy of its expected values beside it (the Rust tests read both; CI needs
no Python):

  f64_zstd.zarr     float64 [37, 5], chunks [8, 3] (uneven last chunks), zstd
  i32_blosc.zarr    int32 [50], chunks [16], blosc (lz4, shuffle)
  u8_missing.zarr   uint8 [6, 7], chunks [2, 4], fill value 7, two chunks
                    never written (they read as the fill value)
  bool_gzip.zarr    bool [9, 2, 3], chunks [4, 2, 2], gzip, fill value True,
                    one chunk missing
  f32_scalar.zarr   float32, 0-d, no compression

The second mode reads each OUT.zarr with zarr and compares it with
EXPECTED.npy (dtype, shape and values, bit for bit), printing one line per
array; it exits non-zero on any difference.

Needs the packages zarr (3.x) and numpy, e.g. in a virtual environment:
    python3 -m venv /tmp/zarr-venv && /tmp/zarr-venv/bin/pip install zarr numpy
"""

import os
import shutil
import sys

import numpy as np
import zarr
from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "data", "zarr")


def write(name, data, chunks, compressors, fill_value=0, skip=()):
    """Writes `data` as tests/data/zarr/NAME.zarr (chunk by chunk, leaving
    out the chunks whose indices are in `skip`) and NAME.npy with the
    values a reader must see."""
    path = os.path.join(OUT, name + ".zarr")
    shutil.rmtree(path, ignore_errors=True)
    z = zarr.create_array(
        store=path,
        shape=data.shape,
        chunks=chunks,
        dtype=data.dtype,
        compressors=compressors,
        fill_value=fill_value,
        # Chunks equal to the fill value are not written either.
        config={"write_empty_chunks": False},
    )
    expected = np.full(data.shape, fill_value, dtype=data.dtype)
    if data.ndim == 0:
        z[...] = data
        expected[...] = data
    else:
        grid = [range(-(-n // c)) for n, c in zip(data.shape, chunks)]
        for idx in np.ndindex(*[len(g) for g in grid]):
            if idx in skip:
                continue
            sl = tuple(slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(idx, chunks, data.shape))
            z[sl] = data[sl]
            expected[sl] = data[sl]
    np.save(os.path.join(OUT, name + ".npy"), expected)
    back = zarr.open_array(path, mode="r")[...]
    assert back.dtype == expected.dtype and np.array_equal(back, expected), name
    print(f"wrote {name}.zarr {data.dtype} {list(data.shape)}")


def generate():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240613)
    write("f64_zstd", rng.standard_normal((37, 5)), (8, 3), [ZstdCodec(level=3)])
    write(
        "i32_blosc",
        rng.integers(-(2**31), 2**31 - 1, size=50, dtype=np.int32),
        (16,),
        [BloscCodec(cname="lz4", clevel=5, shuffle="shuffle", typesize=4)],
    )
    write(
        "u8_missing",
        rng.integers(0, 255, size=(6, 7), dtype=np.uint8),
        (2, 4),
        [ZstdCodec(level=1)],
        fill_value=7,
        skip={(0, 1), (2, 0)},
    )
    write(
        "bool_gzip",
        rng.integers(0, 2, size=(9, 2, 3)).astype(bool),
        (4, 2, 2),
        [GzipCodec(level=5)],
        fill_value=True,
        skip={(1, 0, 1)},
    )
    write("f32_scalar", np.array(2.5, dtype=np.float32), (), None)


def check(pairs):
    bad = 0
    for out, exp in pairs:
        z = zarr.open_array(out, mode="r")
        got = z[...]
        want = np.load(exp)
        same = got.dtype == want.dtype and got.shape == want.shape
        if same:
            # Bit for bit (NaN == NaN, -0.0 != 0.0).
            same = got.tobytes() == want.tobytes()
        codecs = [type(c).__name__ for c in z.compressors]
        print(f"{'ok  ' if same else 'DIFF'} {out}: {got.dtype} {list(got.shape)} chunks {list(z.chunks)} {codecs}")
        bad += not same
    return bad


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "check":
        args = sys.argv[2:]
        if not args or len(args) % 2:
            sys.exit("usage: gen_zarr_fixtures.py check OUT.zarr EXPECTED.npy [...]")
        sys.exit(1 if check(list(zip(args[::2], args[1::2]))) else 0)
    generate()
