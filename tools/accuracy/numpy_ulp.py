#!/usr/bin/env python3
"""NumPy's ULP error on the inputs the accuracy tool used.

    lazyfuse-accuracy --dump DIR --out ours.md
    python3 numpy_ulp.py DIR ours.md > table.md

DIR holds, per function and dtype, ``NAME.DTYPE.bin``: little-endian f64
records ``x [y] hi lo`` (the input(s), exactly representable in DTYPE, and
the exact result as a double-double from MPFR). The error is measured as
the tool measures it (|ours - exact| / ulp(exact) in DTYPE, infinities as
+-2^emax, special-value mismatches counted apart), in x87 long double
arithmetic (64-bit mantissa: about 2^-11 ULP of slack, invisible at three
decimals). The output is the tool's markdown table with two more columns,
NumPy's max and mean ULP on the same inputs.
"""

import os
import sys

import numpy as np

BINARY = {"arctan2", "power", "hypot", "fmod", "logaddexp", "logaddexp2"}


def numpy_error(path, name, dtype):
    cols = 4 if name in BINARY else 3
    data = np.fromfile(path, dtype="<f8").reshape(-1, cols)
    ft = np.float64 if dtype == "float64" else np.float32
    emax, emin_ulp, mant = (1024, -1074, 52) if ft is np.float64 else (128, -149, 23)
    args = [data[:, i].astype(ft) for i in range(cols - 2)]
    hi, lo = data[:, -2], data[:, -1]
    with np.errstate(all="ignore"):
        v = getattr(np, name)(*args)
        ld = np.longdouble
        big = ld(2) ** emax
        e = hi.astype(ld) + lo.astype(ld)
        e = np.where(np.isinf(e) | (np.abs(e) > big), np.copysign(big, e), e)
        o = v.astype(ld)
        o = np.where(np.isinf(o) | (np.abs(o) > big), np.copysign(big, o), o)
        _, ex = np.frexp(e)
        ulp_exp = np.where(e == 0, emin_ulp, np.maximum(ex.astype(np.int64) - 1 - mant, emin_ulp))
        err = np.abs(o - e) / np.ldexp(ld(1), ulp_exp)
        rounded = hi.astype(ft)
        nan_e, nan_v = np.isnan(hi), np.isnan(v)
        special = (
            (nan_e != nan_v)
            | (~nan_e & ~nan_v & (np.isinf(rounded) != np.isinf(v)))
            | (np.isinf(rounded) & np.isinf(v) & (rounded != v))
            | ((hi == 0) & (v == 0) & (np.signbit(hi) != np.signbit(v)))
        )
        ok = ~special & ~(nan_e & nan_v)
        err = np.where(nan_e & nan_v, 0, err)
    good = err[~special]
    return float(np.max(good)) if good.size else 0.0, float(np.mean(good)) if good.size else 0.0, int(special.sum()), int(ok.sum())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    dump, ours = sys.argv[1], sys.argv[2]
    with open(ours) as f:
        lines = f.read().splitlines()
    out = []
    for line in lines:
        if line.startswith("| function"):
            out.append(line + " NumPy max ULP | NumPy mean ULP | NumPy special-value mismatches |")
        elif line.startswith("|---"):
            out.append(line + "---:|---:|---:|")
        elif line.startswith("| "):
            cells = [c.strip() for c in line.strip("|").split("|")]
            name, dtype = cells[0], cells[1]
            path = os.path.join(dump, f"{name}.{dtype}.bin")
            mx, mean, sp, _ = numpy_error(path, name, dtype)
            out.append(line + f" {mx:.3f} | {mean:.4f} | {sp} |")
        else:
            out.append(line)
    out.append(f"NumPy {np.__version__} on the same inputs (`tools/accuracy/numpy_ulp.py`).")
    print("\n".join(out))


if __name__ == "__main__":
    main()
