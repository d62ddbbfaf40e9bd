#!/usr/bin/env python3
"""Generate tests/golden/promotion.tsv: NumPy 2 result dtypes (or errors).

Every row is obtained by *running* the operation in NumPy on small arrays
(1-D, length 3, values 1, 2, 3 cast to the dtype) -- not by asking
``np.result_type`` -- and recording the dtype of the result, or ``error``
when NumPy raises (any exception).  Warnings are silenced.

Columns (tab separated, header line first)::

    class   lhs   rhs   result

* ``class``: the operation (``add``, ``sub``, ..., ``where``, unary classes).
* ``lhs`` / ``rhs``: a dtype name (bool i8 i16 i32 i64 u8 u16 u32 u64 f32
  f64) or a Python scalar written as ``py_bool:True``, ``py_int:<value>``,
  ``py_float:<value>`` (value = Python repr).  Unary classes have rhs ``-``.
  For ``where`` the lhs/rhs are the x/y operands of ``np.where(cond, x, y)``
  (cond is a bool array).
* ``result``: a dtype name, or ``error``.  NumPy sometimes produces a dtype
  outside the 11 supported ones: it is then written with the same naming
  scheme (``f16`` for float16) so that it is visible; no other extra dtype
  occurs with NumPy 2.4.

Binary classes cover every ordered pair of the 11 dtypes, plus every dtype
with each Python scalar on the right (lhs=dtype, rhs=scalar) and on the left
(lhs=scalar, rhs=dtype).  ``where`` additionally covers scalar x scalar.

Re-run (deterministic, output sorted in a fixed order)::

    /tmp/golden-venv/bin/python scripts/gen_promotion.py

The venv is made with ``python3 -m venv /tmp/golden-venv`` and
``/tmp/golden-venv/bin/pip install -r scripts/requirements-golden.txt``.
"""
import os
import sys
import warnings

import numpy as np

DTYPES = ["bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64"]
NP_OF = {
    "bool": np.bool_, "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
    "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
    "f32": np.float32, "f64": np.float64,
}
NAME_OF = {np.dtype(v): k for k, v in NP_OF.items()}
NAME_OF[np.dtype(np.float16)] = "f16"
NAME_OF[np.dtype(np.complex64)] = "c64"
NAME_OF[np.dtype(np.complex128)] = "c128"
NAME_OF[np.dtype(np.longdouble)] = "f128"

PY_SCALARS = [
    ("py_bool:True", True),
    ("py_int:1", 1),
    ("py_int:-1", -1),
    ("py_int:300", 300),
    ("py_int:70000", 70000),
    ("py_int:%d" % 2**40, 2**40),
    ("py_int:%d" % -(2**63), -(2**63)),
    ("py_int:%d" % (2**64 - 1), 2**64 - 1),
    ("py_float:1.5", 1.5),
]

BINARY = [
    ("add", lambda x, y: x + y),
    ("sub", lambda x, y: x - y),
    ("mul", lambda x, y: x * y),
    ("truediv", lambda x, y: x / y),
    ("floordiv", lambda x, y: x // y),
    ("mod", lambda x, y: x % y),
    ("pow", lambda x, y: x ** y),
    ("lt", lambda x, y: x < y),
    ("eq", lambda x, y: x == y),
    ("and", lambda x, y: x & y),
    ("lshift", lambda x, y: x << y),
    ("maximum", np.maximum),
    ("fmax", np.fmax),
    ("arctan2", np.arctan2),
    ("logaddexp", np.logaddexp),
    ("copysign", np.copysign),
    ("hypot", np.hypot),
    ("fmod", np.fmod),
    ("logical_and", np.logical_and),
]

UNARY = [
    ("neg", lambda x: -x),
    ("invert", lambda x: ~x),
    ("abs", np.abs),
    ("sign", np.sign),
    ("sqrt", np.sqrt),
    ("sin", np.sin),
    ("floor", np.floor),
    ("rint", np.rint),
    ("isnan", np.isnan),
    ("signbit", np.signbit),
    ("logical_not", np.logical_not),
    ("square", np.square),
    ("reciprocal", np.reciprocal),
    ("exp2", np.exp2),
    ("sum", np.sum),
    ("prod", np.prod),
    ("min", np.min),
    ("max", np.max),
    ("mean", np.mean),
    ("var", np.var),
    ("std", np.std),
    ("any", np.any),
    ("all", np.all),
    ("argmin", np.argmin),
    ("argmax", np.argmax),
    ("round", np.round),
]


def arr(name):
    return np.array([1, 2, 3]).astype(NP_OF[name])


def run(fn, *args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                res = fn(*args)
        dt = np.asarray(res).dtype
    except Exception:
        return "error"
    if dt not in NAME_OF:
        raise SystemExit("unexpected result dtype %r" % (dt,))
    return NAME_OF[dt]


def operands():
    """(lhs_name, lhs_value_factory, rhs_name, rhs_value_factory) for binary rows."""
    rows = []
    for l in DTYPES:
        for r in DTYPES:
            rows.append((l, lambda l=l: arr(l), r, lambda r=r: arr(r)))
    for d in DTYPES:
        for sname, sval in PY_SCALARS:
            rows.append((d, lambda d=d: arr(d), sname, lambda v=sval: v))
    for sname, sval in PY_SCALARS:
        for d in DTYPES:
            rows.append((sname, lambda v=sval: v, d, lambda d=d: arr(d)))
    return rows


def main():
    out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "promotion.tsv")
    out_path = os.path.normpath(out_path)
    lines = ["class\tlhs\trhs\tresult"]
    for cls, fn in BINARY:
        for ln, lf, rn, rf in operands():
            lines.append("%s\t%s\t%s\t%s" % (cls, ln, rn, run(fn, lf(), rf())))
    cond = np.array([True, False, True])
    where_rows = operands()
    for sn1, sv1 in PY_SCALARS:
        for sn2, sv2 in PY_SCALARS:
            where_rows.append((sn1, lambda v=sv1: v, sn2, lambda v=sv2: v))
    for ln, lf, rn, rf in where_rows:
        lines.append("where\t%s\t%s\t%s" % (ln, rn, run(np.where, cond, lf(), rf())))
    for cls, fn in UNARY:
        for d in DTYPES:
            lines.append("%s\t%s\t-\t%s" % (cls, d, run(fn, arr(d))))
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print("numpy %s: wrote %d rows to %s" % (np.__version__, len(lines) - 1, out_path), file=sys.stderr)


if __name__ == "__main__":
    main()
