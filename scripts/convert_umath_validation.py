#!/usr/bin/env python3
"""Copy NumPy's own accuracy suite into tests/golden/umath/.

NumPy ships ``numpy/_core/tests/data/umath-validation-set-<ufunc>.csv``
(used by ``numpy/_core/tests/test_umath_accuracy.py``): one row per case,
``dtype,input,output,ulperrortol`` with the input and the correctly rounded
output as the hexadecimal bit pattern of an ``np.float32`` or
``np.float64``, and lines starting with ``#`` or ``$`` as comments.  NumPy's
test checks every row of a (file, dtype) subset against the largest
tolerance of that subset, with ``numpy.testing.assert_array_max_ulp``.

This script copies the files byte for byte (``tests/math_accuracy.rs``
parses them as NumPy does; CI has no Python) and writes
``tests/golden/umath/README.md``: where they came from (NumPy version,
SHA-256 of each file), NumPy's licence (BSD-3-Clause), and NumPy's own
max ULP error on each (function, dtype) subset on the machine that ran
the script (for comparison with ours).

Usage (any Python with NumPy >= 2 installed; nothing else is needed):

    python3 scripts/convert_umath_validation.py [--src DIR]

``--src`` defaults to the ``_core/tests/data`` folder of the installed
NumPy.  A NumPy wheel works too: ``pip download --no-deps numpy``, unzip
it, and pass ``--src <unzipped>/numpy/_core/tests/data``.
"""

import argparse
import hashlib
import os
import platform
import shutil
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEST = os.path.join(ROOT, "tests", "golden", "umath")
PREFIX = "umath-validation-set-"

LICENSE = """Copyright (c) 2005-2025, NumPy Developers.
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are
met:

    * Redistributions of source code must retain the above copyright
       notice, this list of conditions and the following disclaimer.

    * Redistributions in binary form must reproduce the above
       copyright notice, this list of conditions and the following
       disclaimer in the documentation and/or other materials provided
       with the distribution.

    * Neither the name of the NumPy Developers nor the names of any
       contributors may be used to endorse or promote products derived
       from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
"AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY
THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
(INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""


def read_rows(path):
    """(dtype, input bits, output bits, tol) per data row, as NumPy's test
    reads them: comment lines (# or $) dropped, then the header line."""
    rows = []
    with open(path) as f:
        lines = [line for line in f if line[0] not in ("$", "#")]
    for line in lines[1:]:
        line = line.strip()
        if not line:
            continue
        t, i, o, u = line.split(",")
        rows.append((t.strip(), int(i, 16), int(o, 16), int(u)))
    return rows


def numpy_max_ulp(name, rows):
    """NumPy's max ULP error (assert_array_max_ulp's measure) per dtype."""
    out = {}
    func = getattr(np, name)
    for dt, (ft, it) in {"np.float32": (np.float32, np.uint32), "np.float64": (np.float64, np.uint64)}.items():
        sub = [r for r in rows if r[0] == dt]
        if not sub:
            continue
        x = np.array([r[1] for r in sub], dtype=it).view(ft)
        want = np.array([r[2] for r in sub], dtype=it).view(ft)
        with np.errstate(all="ignore"):
            got = func(x)
            ulp = np.testing._private.utils.nulp_diff(got, want)
        out[dt] = (len(sub), max(r[3] for r in sub), float(np.max(ulp)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = os.path.join(os.path.dirname(np.__file__), "_core", "tests", "data")
    ap.add_argument("--src", default=default, help="folder holding umath-validation-set-*.csv")
    args = ap.parse_args()

    files = sorted(f for f in os.listdir(args.src) if f.startswith(PREFIX) and f.endswith(".csv"))
    if not files:
        sys.exit(f"no {PREFIX}*.csv in {args.src}")
    os.makedirs(DEST, exist_ok=True)
    for f in os.listdir(DEST):
        if f.endswith(".csv"):
            os.remove(os.path.join(DEST, f))

    table = []
    total = 0
    for f in files:
        shutil.copyfile(os.path.join(args.src, f), os.path.join(DEST, f))
        with open(os.path.join(DEST, f), "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        name = f[len(PREFIX) : -len(".csv")]
        rows = read_rows(os.path.join(DEST, f))
        total += len(rows)
        for dt, (n, tol, mx) in sorted(numpy_max_ulp(name, rows).items()):
            table.append((name, dt.replace("np.", ""), n, tol, mx))
        table.append((name, None, digest, None, None))

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    feats = np._core._multiarray_umath.__cpu_features__
    simd = ", ".join(k for k in ("AVX512_SKX", "AVX512F", "AVX2", "FMA3") if feats.get(k))

    lines = [
        "# NumPy's accuracy suite (umath validation sets)",
        "",
        "Generated by `scripts/convert_umath_validation.py`: do not edit by hand.",
        "",
        f"The `{PREFIX}*.csv` files are copied byte for byte from NumPy {np.__version__}",
        "(`numpy/_core/tests/data/`), where `numpy/_core/tests/test_umath_accuracy.py`",
        f"uses them. {len(files)} files, {total} rows.",
        "",
        "Format: `dtype,input,output,ulperrortol`; `dtype` is `np.float32` or",
        "`np.float64`, `input` and `output` are the hexadecimal bit patterns of the",
        "argument and of the correctly rounded result; lines starting with `#` or `$`",
        "are comments and the first remaining line is the header. NumPy checks every",
        "row of a (file, dtype) subset against the largest tolerance of the subset,",
        "with `assert_array_max_ulp` (NaNs all equal, -0 == +0, ULPs counted across",
        "zero). `tests/math_accuracy.rs` does the same with lazyfuse's kernels.",
        "",
        "## NumPy's own error on these rows",
        "",
        f"NumPy {np.__version__} on {cpu} (NumPy SIMD: {simd or 'none'}), max ULP as",
        "`assert_array_max_ulp` counts it:",
        "",
        "| function | dtype | rows | tolerance | NumPy max ULP |",
        "|---|---|---:|---:|---:|",
    ]
    for name, dt, n, tol, mx in table:
        if dt is not None:
            lines.append(f"| {name} | {dt} | {n} | {tol} | {mx:g} |")
    lines += ["", "## SHA-256", ""]
    for name, dt, digest, _, _ in table:
        if dt is None:
            lines.append(f"- `{PREFIX}{name}.csv`: `{digest}`")
    lines += [
        "",
        "## Licence",
        "",
        "These files are part of NumPy and are distributed under NumPy's licence",
        "(BSD-3-Clause):",
        "",
        "```",
        LICENSE.rstrip(),
        "```",
        "",
    ]
    with open(os.path.join(DEST, "README.md"), "w") as fh:
        fh.write("\n".join(lines))
    print(f"{len(files)} files, {total} rows -> {DEST}")


if __name__ == "__main__":
    main()
