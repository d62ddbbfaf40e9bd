#!/usr/bin/env python3
"""Generate NumPy-derived golden test cases for lazyfuse.

Writes (and first clears) these files under tests/golden/:

* ``cases.tsv``  -- one line per case: ``id  expr  inputs  expect  tol``
  (tab separated, header line first, rows sorted by id);
* ``in/*.npy``   -- input arrays, de-duplicated by content (one file is
  shared by every case that uses the same array);
* ``out/<id>.npy`` -- NumPy's result for every case that does not raise;
* ``NUMEXPR.md`` -- where the numexpr expression matrix came from;
* ``README.md``  -- the file formats, the evaluation namespace, the
  tolerance definitions and a generated summary (counts, NumPy quirks).

How a case is evaluated (this *is* the oracle): ``expr`` is evaluated with
Python ``eval`` in a namespace mapping every function name lazyfuse accepts
to the NumPy function (``abs``->np.abs, ``round``->np.round, ``sum``->np.sum,
``asin``->np.arcsin, ``pow``->np.power, ...; see ``build_namespace``) and each
input name to its array (0-d inputs are 0-d arrays, never NumPy scalars);
the result is ``np.asarray(result)``.  Any exception -> ``expect`` is
``error``.  Warnings are silenced (``np.errstate(all='ignore')``).

Results are stored C-ordered and in native (little-endian) byte order.
Cases whose result dtype is not one of the 11 supported dtypes (NumPy gives
float16 for e.g. ``sqrt`` of int8/uint8/bool) are left out and counted in the
README summary.

Tolerances (column ``tol``) -- see README.md for the exact definitions:
``exact``, ``ulp:N`` or ``rel:X``.  They are derived from the expression
(which operations it uses) and then *checked*: single transcendental ops are
compared against mpmath, compound expressions are re-evaluated with every
transcendental result perturbed by up to +-8 ulp to measure how errors
propagate (the bound is widened when needed, ill-conditioned cases are
dropped), reductions are compared against a long-double evaluation.

Deterministic: fixed seeds, content-addressed input names, sorted output;
re-running produces identical files.  Re-run with::

    /tmp/golden-venv/bin/python scripts/gen_golden.py

(venv: ``python3 -m venv /tmp/golden-venv`` then
``/tmp/golden-venv/bin/pip install -r scripts/requirements-golden.txt``).
The README is ``scripts/golden_readme_head.md`` followed by a generated
summary.  Set ``GOLDEN_DEBUG=/some/file.tsv`` to also write every error
case with NumPy's exception message (not part of the committed data).
"""
import ast
import hashlib
import io
import math
import os
import re
import shutil
import sys
import warnings
import zlib
from collections import Counter, defaultdict

import mpmath
import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
GOLDEN = os.path.join(ROOT, "tests", "golden")

DTYPES = ["bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64"]
NP_OF = {
    "bool": np.bool_, "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
    "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
    "f32": np.float32, "f64": np.float64,
}
NPNAME = {  # NumPy dtype names, as used in astype('...') strings
    "bool": "bool", "i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64",
    "u8": "uint8", "u16": "uint16", "u32": "uint32", "u64": "uint64",
    "f32": "float32", "f64": "float64",
}
NAME_OF = {np.dtype(v): k for k, v in NP_OF.items()}
INTS = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"]
FLOATS = ["f32", "f64"]


def nd(name):
    return np.dtype(NP_OF[name])


def dname(dt):
    dt = np.dtype(dt)
    return NAME_OF.get(dt.newbyteorder("=") if dt.byteorder not in "=|" else dt, str(dt))


# ---------------------------------------------------------------------------
# The namespace expressions are evaluated in.
# ---------------------------------------------------------------------------

UNARY_FUNCS = [
    "abs", "sign", "sqrt", "square", "reciprocal", "exp", "exp2", "expm1", "log", "log2",
    "log10", "log1p", "cbrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "arcsinh", "arccosh", "arctanh", "degrees", "radians", "rad2deg", "deg2rad",
    "floor", "ceil", "trunc", "rint", "round",
    "isnan", "isinf", "isfinite", "signbit", "logical_not",
    "copy", "ones_like", "zeros_like", "conj", "real", "imag",
]
BINARY_FUNCS = [
    "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "fmod", "copysign",
    "logaddexp", "logaddexp2", "heaviside", "logical_and", "logical_or", "logical_xor", "nextafter",
]
REDUCTIONS = ["sum", "prod", "min", "max", "mean", "var", "std", "any", "all", "argmin", "argmax"]
SHORT_ALIASES = {  # lazyfuse name -> numpy attribute
    "asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
    "acosh": "arccosh", "atanh": "arctanh", "atan2": "arctan2", "pow": "power",
}
# NumPy's long names of the operators and other aliases NumPy has (alias_* cases).
LONG_ALIASES = [
    "absolute", "negative", "positive", "conjugate", "around", "power", "add", "subtract",
    "multiply", "divide", "true_divide", "floor_divide", "remainder", "mod", "equal",
    "not_equal", "less", "less_equal", "greater", "greater_equal", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "invert", "bitwise_invert", "left_shift",
    "right_shift", "bitwise_left_shift", "bitwise_right_shift",
]


def build_namespace():
    ns = {}
    for n in UNARY_FUNCS + BINARY_FUNCS + REDUCTIONS + ["where", "clip"]:
        ns[n] = getattr(np, n)
    ns["abs"] = np.abs
    ns["round"] = np.round
    ns["conj"] = np.conj
    for k, v in SHORT_ALIASES.items():
        ns[k] = getattr(np, v)
    for n in LONG_ALIASES:
        ns[n] = getattr(np, n)
    return ns


NS = build_namespace()

TRANSCENDENTAL = {
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "cbrt", "sin", "cos", "tan",
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
    "arctan2", "hypot", "logaddexp", "logaddexp2", "power", "pow",
    "asin", "acos", "atan", "asinh", "acosh", "atanh", "atan2",
}
INEXACT_REDUCTIONS = {"sum", "prod", "mean", "var", "std"}
EXACT_POW_EXPONENTS = (-1, 0, 0.5, 1, 2)


# ---------------------------------------------------------------------------
# Float helpers: ordinals, ulp distance, perturbation.
# ---------------------------------------------------------------------------

def _int_view(x):
    x = np.asarray(x)
    return x.view(np.int32 if x.dtype == np.float32 else np.int64)


def ordinals(x):
    """Monotone integer image of floats (+0 and -0 both map to 0)."""
    i = _int_view(x).astype(np.int64)
    mask = np.int64(0x7FFFFFFF if np.asarray(x).dtype == np.float32 else 0x7FFFFFFFFFFFFFFF)
    return np.where(i < 0, -(i & mask), i)


def from_ordinals(o, dtype):
    o = np.asarray(o, dtype=np.int64)
    if np.dtype(dtype) == np.float32:
        bits = np.where(o < 0, (-o) | np.int64(0x80000000), o).astype(np.uint32).view(np.float32)
    else:
        mag = (-o).astype(np.uint64) | np.uint64(0x8000000000000000)
        bits = np.where(o < 0, mag, o.astype(np.uint64)).view(np.float64)
    return bits


def ulp_distance(got, exp):
    """Per-element distance in ulps (float64 array; inf = incompatible)."""
    got = np.asarray(got)
    exp = np.asarray(exp)
    g = got.ravel()
    e = exp.ravel()
    out = np.zeros(e.shape, dtype=np.float64)
    gn, en = np.isnan(g), np.isnan(e)
    out[gn != en] = np.inf
    gi, ei = np.isinf(g), np.isinf(e)
    bad_inf = (gi | ei) & ~(gn | en) & (g != e)
    out[bad_inf] = np.inf
    fin = ~(gn | en | gi | ei)
    if fin.any():
        og = ordinals(g[fin]).tolist()
        oe = ordinals(e[fin]).tolist()
        out[fin] = [abs(a - b) for a, b in zip(og, oe)]
    return out


def bits_equal(a, b):
    """Bit-exact equality after NaN canonicalisation (sign of zero matters)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        an, bn = np.isnan(a), np.isnan(b)
        if not np.array_equal(an, bn):
            return False
        return bool(np.all(an | ((a == b) & (np.signbit(a) == np.signbit(b)))))
    return bool(np.array_equal(a, b))


class Perturber:
    """Moves finite non-zero float results by a random number of ulps."""

    def __init__(self, seed, mode, k=8):
        self.rng = np.random.default_rng(seed)
        self.mode = mode  # 'up', 'down' or 'rand'
        self.k = k

    def __call__(self, r):
        is_scalar = isinstance(r, np.generic)
        a = np.asarray(r)
        if a.dtype.kind != "f" or a.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            return r
        a = a.copy()
        sel = np.isfinite(a) & (a != 0)
        if sel.any():
            n = int(sel.sum())
            if self.mode == "up":
                d = np.full(n, self.k)
            elif self.mode == "down":
                d = np.full(n, -self.k)
            else:
                d = self.rng.integers(-self.k, self.k + 1, size=n)
            o = ordinals(a[sel]) + d
            lim = int(ordinals(np.array(np.finfo(a.dtype).max, dtype=a.dtype)))
            o = np.clip(o, -lim, lim)
            a[sel] = from_ordinals(o, a.dtype)
        return a[()] if is_scalar else a


# ---------------------------------------------------------------------------
# Expression analysis
# ---------------------------------------------------------------------------

def _const_value(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _const_value(node.operand)
        if v is not None:
            return -v if isinstance(node.op, ast.USub) else v
    return None


class Info:
    def __init__(self, expr):
        tree = ast.parse(expr, mode="eval")
        self.tree = tree
        self.calls = []
        self.names = set()
        self.inexact_pow = 0
        self.exact_pow = 0
        self.n_ops = 0  # every operation node
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                self.calls.append(node.func.id)
                self.n_ops += 1
            elif isinstance(node, ast.Name):
                self.names.add(node.id)
            elif isinstance(node, ast.BinOp):
                self.n_ops += 1
                if isinstance(node.op, ast.Pow):
                    v = _const_value(node.right)
                    if v is not None and v in EXACT_POW_EXPONENTS:
                        self.exact_pow += 1
                    else:
                        self.inexact_pow += 1
            elif isinstance(node, (ast.UnaryOp, ast.Compare, ast.Subscript, ast.Attribute)):
                self.n_ops += 1
        self.names -= set(self.calls)
        self.transc = [c for c in self.calls if c in TRANSCENDENTAL]
        self.n_transc = len(self.transc) + self.inexact_pow
        self.reductions = [c for c in self.calls if c in INEXACT_REDUCTIONS]


class PowToCall(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            return ast.copy_location(
                ast.Call(func=ast.Name(id="__pow_w", ctx=ast.Load()), args=[node.left, node.right], keywords=[]),
                node)
        return node


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------

def np_eval(expr, inputs, ns=None, code=None):
    env = dict(NS if ns is None else ns)
    env.update(inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                r = eval(code if code is not None else expr, {}, env)
                return np.asarray(r), None
            except Exception as e:  # noqa: BLE001 - any NumPy error is an expected 'error'
                return None, e


def perturbed_eval(expr, inputs, info, seed, mode):
    pert = Perturber(seed, mode)
    ns = dict(NS)
    for name in set(info.transc):
        f = NS[name]
        ns[name] = (lambda f: (lambda *a, **k: pert(f(*a, **k))))(f)

    def pow_w(x, y):
        r = x ** y
        if isinstance(y, (int, float)) and not isinstance(y, bool) and y in EXACT_POW_EXPONENTS:
            return r
        return pert(r)

    ns["__pow_w"] = pow_w
    tree = PowToCall().visit(ast.parse(expr, mode="eval"))
    ast.fix_missing_locations(tree)
    code = compile(tree, "<expr>", "eval")
    return np_eval(expr, inputs, ns=ns, code=code)


# mpmath references for single transcendental operations ----------------------

mpmath.mp.prec = 256


def _mp_logaddexp(x, y):
    m = max(x, y)
    return m + mpmath.log1p(mpmath.exp(-abs(x - y)))


def _mp_logaddexp2(x, y):
    m = max(x, y)
    return m + mpmath.log1p(mpmath.power(2, -abs(x - y))) / mpmath.log(2)


MP_FUNCS = {
    "exp": mpmath.exp, "exp2": lambda x: mpmath.power(2, x), "expm1": mpmath.expm1,
    "log": mpmath.log, "log2": lambda x: mpmath.log(x, 2), "log10": mpmath.log10,
    "log1p": mpmath.log1p, "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan,
    "arcsin": mpmath.asin, "arccos": mpmath.acos, "arctan": mpmath.atan,
    "sinh": mpmath.sinh, "cosh": mpmath.cosh, "tanh": mpmath.tanh,
    "arcsinh": mpmath.asinh, "arccosh": mpmath.acosh, "arctanh": mpmath.atanh,
    "arctan2": mpmath.atan2, "hypot": mpmath.hypot, "logaddexp": _mp_logaddexp,
    "logaddexp2": _mp_logaddexp2, "cbrt": mpmath.cbrt,
    "power": mpmath.power,
}
for _k, _v in SHORT_ALIASES.items():
    if _v in MP_FUNCS:
        MP_FUNCS[_k] = MP_FUNCS[_v]
MP_FUNCS["pow"] = mpmath.power


SIGNED_ZERO_FUNCS = {"arctan2", "atan2", "power", "pow"}


def mp_reference(fname, args, out_dtype):
    """Correctly rounded (up to double rounding for f32) reference, or None per element."""
    f = MP_FUNCS[fname]
    bargs = np.broadcast_arrays(*[np.asarray(a).astype(out_dtype) for a in args])
    shape = bargs[0].shape
    flat = [b.ravel() for b in bargs]
    ref = np.full(int(np.prod(shape)), np.nan, dtype=out_dtype)
    ok = np.zeros(ref.shape, dtype=bool)
    for i in range(ref.size):
        vals = [float(fl[i]) for fl in flat]
        if not all(math.isfinite(v) for v in vals):
            continue
        if fname in SIGNED_ZERO_FUNCS and any(v == 0 for v in vals):
            continue  # mpmath has no signed zero
        try:
            r = f(*[mpmath.mpf(v) for v in vals])
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
        if isinstance(r, mpmath.mpc):
            if r.imag != 0:
                ref[i] = np.nan
                ok[i] = True
            continue
        try:
            fr = float(r)
        except OverflowError:
            fr = math.copysign(math.inf, float(mpmath.sign(r)))
        ref[i] = np.asarray(fr).astype(out_dtype)
        ok[i] = True
    return ref.reshape(shape), ok.reshape(shape)


# ---------------------------------------------------------------------------
# Case collection
# ---------------------------------------------------------------------------

ID_RE = re.compile(r"^[a-z0-9_]+$")


class Collector:
    def __init__(self):
        self.cases = {}

    def add(self, cid, expr, inputs, cat):
        cid = cid.lower()
        assert ID_RE.match(cid), cid
        assert cid not in self.cases, cid
        inputs = {k: (v if isinstance(v, np.ndarray) else np.asarray(v)) for k, v in inputs.items()}
        self.cases[cid] = (expr, inputs, cat)


C = Collector()


# Edge values -----------------------------------------------------------------

def float_edges(d):
    if d == "f64":
        v = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.5, 1e-310, -1e-310, 1e300, -1e300,
             math.inf, -math.inf, math.nan, math.pi, 1e-8, 0.99, 1.5, 100.0,
             0.1, -0.7, 3.0, 30.0, 710.0, -745.0]
    else:
        v = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.5, 1e-40, -1e-40, 3e38, -3e38,
             math.inf, -math.inf, math.nan, math.pi, 1e-8, 0.99, 1.5, 100.0,
             0.1, -0.7, 3.0, 30.0, 89.0, -104.0]
    return np.array(v, dtype=nd(d))


def float_grid_edges(d):
    tiny, huge = (1e-310, 1e300) if d == "f64" else (1e-40, 3e38)
    return np.array([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, tiny, huge, math.inf, -math.inf, math.nan],
                    dtype=nd(d))


def int_limits(d):
    i = np.iinfo(nd(d))
    return int(i.min), int(i.max)


def uniq(seq):
    out = []
    for x in seq:
        if x not in out:
            out.append(x)
    return out


def int_edges(d):
    lo, hi = int_limits(d)
    v = [0, 1, -1, lo, hi, lo + 1, 2, 7, -7, 100]
    return np.array(uniq([x for x in v if lo <= x <= hi]), dtype=nd(d))


def int_grid_edges(d):
    lo, hi = int_limits(d)
    v = [0, 1, -1, lo, hi, 2, 7, -7]
    return np.array(uniq([x for x in v if lo <= x <= hi]), dtype=nd(d))


def edges(d):
    if d == "bool":
        return np.array([True, False])
    return float_edges(d) if d in FLOATS else int_edges(d)


def grid_edges(d):
    if d == "bool":
        return np.array([False, True])
    return float_grid_edges(d) if d in FLOATS else int_grid_edges(d)


def bitwidth(d):
    return 8 if d == "bool" else nd(d).itemsize * 8


def promote(d1, d2):
    try:
        return dname(np.result_type(nd(d1), nd(d2)))
    except Exception:
        return None


# (a) unary ops ------------------------------------------------------------------

UNARY_OPS = [  # (id, expression template)
    ("neg", "-a"), ("pos", "+a"), ("invert", "~a"),
] + [(f, "%s(a)" % f) for f in UNARY_FUNCS] + [
    ("attr_real", "a.real"), ("attr_imag", "a.imag"), ("attr_t", "a.T"),
]


def gen_unary():
    for d in DTYPES:
        for op, tmpl in UNARY_OPS:
            x = edges(d)
            if op == "reciprocal" and d in INTS:
                # integer reciprocal of 0 is 1.0/0 cast to int: undefined in NumPy (C UB)
                x = x[x != 0]
            C.add("una_%s_%s" % (op, d), tmpl, {"a": x}, "a_unary")


# (b) binary ops on edge grids ---------------------------------------------------

BINOPS = [
    ("add", "+"), ("sub", "-"), ("mul", "*"), ("truediv", "/"), ("floordiv", "//"),
    ("mod", "%"), ("pow", "**"), ("eq", "=="), ("ne", "!="), ("lt", "<"), ("le", "<="),
    ("gt", ">"), ("ge", ">="), ("and", "&"), ("or", "|"), ("xor", "^"), ("lshift", "<<"),
    ("rshift", ">>"),
] + [(f, None) for f in BINARY_FUNCS]


def binexpr(op, sym, l, r):
    return "%s %s %s" % (l, sym, r) if sym else "%s(%s, %s)" % (op, l, r)


def shift_counts(d2, res):
    bw = bitwidth(res) if res else 64
    v = [0, 1, bw - 1, bw, bw + 1, 100, -1, -5, 3]
    if d2 == "bool":
        return np.array([False, True])
    lo, hi = int_limits(d2) if d2 in INTS else (-math.inf, math.inf)
    return np.array(uniq([x for x in v if lo <= x <= hi]), dtype=nd(d2))


def gen_binary():
    for op, sym in BINOPS:
        for d1 in DTYPES:
            for d2 in DTYPES:
                lhs = grid_edges(d1)
                rhs = grid_edges(d2)
                res = promote(d1, d2)
                if op in ("lshift", "rshift") and d2 in INTS:
                    rhs = shift_counts(d2, res)
                if op == "pow" and d1 in INTS + ["bool"] and d2 in INTS:
                    # integer power: negative exponents raise -> separate case
                    lo, hi = int_limits(d2)
                    neg = [x for x in (-1, -2) if lo <= x]
                    if neg:
                        C.add("bin_pow_%s_%s_negexp" % (d1, d2), "a ** b",
                              {"a": lhs.reshape(-1, 1), "b": np.array(neg, dtype=nd(d2)).reshape(1, -1)},
                              "b_binary")
                    rhs = np.array(uniq([x for x in (0, 1, 2, 3, 7, 63, 64, 100, hi) if x <= hi]), dtype=nd(d2))
                if op in ("fmax", "fmin"):
                    # fmax/fmin(-0.0, +0.0) depends on NumPy's code path (SIMD body vs
                    # tail): keep opposite-signed zero pairs out of the grid.
                    rhs = rhs[rhs != 0] if rhs.dtype != np.bool_ else rhs
                C.add("bin_%s_%s_%s" % (op, d1, d2), binexpr(op, sym, "a", "b"),
                      {"a": lhs.reshape(-1, 1), "b": rhs.reshape(1, -1)}, "b_binary")


def gen_binary_extra():
    """Mixed signed/unsigned 64-bit and int/float comparisons near the precision limits."""
    i = np.array([2**63 - 1, -1, 0, 2**53 + 1, -(2**63)], dtype=np.int64)
    u = np.array([2**63, 2**64 - 1, 0, 2**53, 2**63 - 1], dtype=np.uint64)
    f = np.array([2.0**63, -1.0, -0.0, 2.0**53, -(2.0**63)], dtype=np.float64)
    for op, sym in (("eq", "=="), ("ne", "!="), ("lt", "<"), ("ge", ">=")):
        C.add("bin_x_%s_i64_u64_big" % op, "a %s b" % sym, {"a": i, "b": u}, "b_binary")
        C.add("bin_x_%s_u64_i64_big" % op, "b %s a" % sym, {"a": i, "b": u}, "b_binary")
        C.add("bin_x_%s_i64_f64_big" % op, "a %s b" % sym, {"a": i, "b": f}, "b_binary")
        C.add("bin_x_%s_u64_f64_big" % op, "b %s a" % sym, {"a": f, "b": u}, "b_binary")
        C.add("bin_x_%s_i32_f32_big" % op, "a %s b" % sym,
              {"a": np.array([16777217, -16777217, 2**31 - 1], np.int32),
               "b": np.array([16777216, -16777216, 2.0**31], np.float32)}, "b_binary")
    C.add("bin_x_maximum_i64_u64_big", "maximum(a, b)", {"a": i, "b": u}, "b_binary")
    C.add("bin_x_add_i64_u64_big", "a + b", {"a": i, "b": u}, "b_binary")
    C.add("bin_x_floordiv_i64_u64_big", "a // b", {"a": i, "b": np.where(u == 0, 3, u).astype(np.uint64)}, "b_binary")


# (c) Python scalars on either side ---------------------------------------------

SCALAR_RICH_OPS = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "lt", "eq", "and", "lshift",
                   "maximum"]
OOR_LITERALS = [
    ("im1", "-1"), ("i300", "300"), ("i70000", "70000"), ("i2p40", str(2**40)),
    ("imin64", "-9223372036854775808"), ("iu64max", str(2**64 - 1)), ("i2p64", str(2**64)),
    ("f1e300", "1e+300"), ("fm0", "-0.0"), ("false", "False"),
]
OOR_OPS = ["add", "floordiv", "lt", "eq", "maximum"]


def scalar_operand(d):
    return edges(d) if d not in FLOATS else float_grid_edges(d)


def gen_scalar():
    ops = dict(BINOPS)
    for op, sym in BINOPS:
        for d in DTYPES:
            x = scalar_operand(d)
            if op in ("fmax", "fmin"):
                x = x[x != 0] if x.dtype != np.bool_ else x
            lits = [("r", "i7", "7"), ("l", "f2p5", "2.5")]
            if op in SCALAR_RICH_OPS:
                lits += [("l", "i3", "3"), ("r", "f2p5", "2.5"), ("r", "im2", "-2"), ("r", "true", "True")]
            for side, tag, lit in lits:
                e = binexpr(op, sym, "a", lit) if side == "r" else binexpr(op, sym, lit, "a")
                C.add("scal_%s_%s_%s_%s" % (op, d, side, tag), e, {"a": x}, "c_scalar")
    for op in OOR_OPS:
        sym = ops[op]
        for d in DTYPES:
            x = scalar_operand(d)
            for tag, lit in OOR_LITERALS:
                C.add("scal_%s_%s_r_%s" % (op, d, tag), binexpr(op, sym, "a", lit), {"a": x}, "c_scalar")
                if op in ("add", "lt"):
                    C.add("scal_%s_%s_l_%s" % (op, d, tag), binexpr(op, sym, lit, "a"), {"a": x}, "c_scalar")
    # literal arithmetic inside the expression (constant folding must keep NEP 50 weakness)
    for d in DTYPES:
        x = scalar_operand(d)
        C.add("scal_fold_%s_a" % d, "a + (2 * 3 - 1)", {"a": x}, "c_scalar")
        C.add("scal_fold_%s_b" % d, "a * (1 + 0.5)", {"a": x}, "c_scalar")
        C.add("scal_fold_%s_c" % d, "(100 + 200) + a", {"a": x}, "c_scalar")
        C.add("scal_fold_%s_d" % d, "a - -1", {"a": x}, "c_scalar")
        C.add("scal_fold_%s_e" % d, "a + (True + True)", {"a": x}, "c_scalar")


# power fast paths -----------------------------------------------------------------

def gen_pow():
    exps = [("2", "2"), ("m1", "-1"), ("0p5", "0.5"), ("2p0", "2.0"), ("0", "0"), ("1", "1"),
            ("m1p0", "-1.0"), ("0p0", "0.0"), ("1p0", "1.0"), ("3", "3"), ("m0p5", "-0.5"),
            ("3p0", "3.0"), ("true", "True")]
    for d in DTYPES:
        x = edges(d)
        for tag, e in exps:
            C.add("pow_%s_lit_%s" % (d, tag), "a ** %s" % e, {"a": x}, "d_pow_fastpath")
        C.add("pow_%s_func_2" % d, "power(a, 2)", {"a": x}, "d_pow_fastpath")
        C.add("pow_%s_func_0p5" % d, "power(a, 0.5)", {"a": x}, "d_pow_fastpath")
    for d in FLOATS:
        x = float_edges(d)
        for v, tag in ((0.5, "0p5"), (-1.0, "m1"), (2.0, "2"), (0.0, "0"), (1.0, "1"), (3.0, "3")):
            # exponent array broadcast (stride 0 -> NumPy's power-loop fast path) ...
            C.add("pow_%s_bcast1_%s" % (d, tag), "a ** b", {"a": x, "b": np.array([v], dtype=nd(d))},
                  "d_pow_fastpath")
            C.add("pow_%s_zerod_%s" % (d, tag), "a ** b", {"a": x, "b": np.array(v, dtype=nd(d))},
                  "d_pow_fastpath")
            # ... versus a full exponent array (no fast path: C pow semantics)
            C.add("pow_%s_full_%s" % (d, tag), "a ** b", {"a": x, "b": np.full(x.shape, v, dtype=nd(d))},
                  "d_pow_fastpath")


# (d) where, clip, astype, aliases --------------------------------------------------

def cyc(x, n):
    return np.resize(x, n)


def gen_where_clip_cast():
    cond = np.array([True, False, False, True, True, False, True, False])
    for d1 in DTYPES:
        for d2 in DTYPES:
            C.add("where_%s_%s" % (d1, d2), "where(c, x, y)",
                  {"c": cond, "x": cyc(edges(d1), 8), "y": cyc(edges(d2)[::-1], 8)}, "d_where")
    for d in DTYPES:
        x = cyc(edges(d), 8)
        C.add("where_cond_%s" % d, "where(a, 1, 2)", {"a": edges(d)}, "d_where")
        C.add("where_cond_%s_arr" % d, "where(a, a, 0)", {"a": edges(d)}, "d_where")
        for tag, lit in [("i300", "300"), ("im1", "-1"), ("f2p5", "2.5"), ("true", "True"),
                         ("iu64max", str(2**64 - 1)), ("i2p70", str(2**70)), ("f1e300", "1e+300")]:
            C.add("where_%s_r_%s" % (d, tag), "where(c, x, %s)" % lit, {"c": cond, "x": x}, "d_where")
            C.add("where_%s_l_%s" % (d, tag), "where(c, %s, x)" % lit, {"c": cond, "x": x}, "d_where")
    C.add("where_lit_lit_a", "where(c, 1, 2.5)", {"c": cond}, "d_where")
    C.add("where_lit_lit_b", "where(c, True, 2)", {"c": cond}, "d_where")
    C.add("where_lit_lit_c", "where(c, 3, -4)", {"c": cond}, "d_where")
    C.add("where_lit_lit_d", "where(c, False, True)", {"c": cond}, "d_where")
    C.add("where_bcast", "where(c, x, y)",
          {"c": np.array([[True], [False], [True]]), "x": np.arange(4.0), "y": np.array(-1, dtype=np.int32)},
          "d_where")
    C.add("where_bcast_err", "where(c, x, y)",
          {"c": np.array([True, False, True]), "x": np.arange(4.0), "y": np.arange(3.0)}, "d_where")
    C.add("where_nested", "where(a > 0, sqrt(a), -a)", {"a": float_edges("f64")}, "d_where")
    C.add("where_nan_cond", "where(isnan(a), 0.0, a)", {"a": float_edges("f32")}, "d_where")

    # clip
    for d in DTYPES:
        x = edges(d)
        if d in FLOATS:
            x = x[x != 0]  # keep +-0 ties with the bounds out (tie result is path-dependent)
            lits = [("a", "-1.5", "2.5"), ("b", "1", "2"), ("c", "2.5", "-1.5"), ("d", "-1e+300", "1e+300"),
                    ("e", "0.25", "7")]
        elif d == "bool":
            lits = [("a", "False", "True"), ("b", "0", "1"), ("c", "0.5", "2")]
        else:
            lits = [("a", "2", "7"), ("b", "-7", "100"), ("c", "-300", "300"), ("d", "7", "2"),
                    ("e", "0.5", "3.5"), ("f", "-1", str(2**64)), ("g", "True", "3")]
        for tag, lo, hi in lits:
            C.add("clip_%s_%s" % (d, tag), "clip(a, %s, %s)" % (lo, hi), {"a": x}, "d_clip")
        for d2 in ["i8", "u8", "i32", "f32", "f64"]:
            lo = np.array([2, 7, 1], dtype=nd(d2)).reshape(3, 1)
            hi = np.array(100 if d2 != "i8" else 99, dtype=nd(d2))
            C.add("clip_%s_arr_%s" % (d, d2), "clip(a, lo, hi)", {"a": x, "lo": lo, "hi": hi}, "d_clip")
    fx = np.array([1.0, math.nan, -3.0, 5.0, math.inf, -math.inf, 2.5])
    C.add("clip_f64_nan_bounds", "clip(a, lo, hi)",
          {"a": fx, "lo": np.array([0.5, 0.5, math.nan, 0.5, 0.5, 0.5, math.nan]), "hi": np.array(3.0)}, "d_clip")
    C.add("clip_f64_signed_zero", "clip(a, lo, hi)",
          {"a": np.array([-0.0, 0.0, -0.0, 0.0]), "lo": np.array([0.0, -0.0, -1.0, -1.0]),
           "hi": np.array([1.0, 1.0, 0.0, -0.0])}, "d_clip")
    C.add("clip_f32_nan_bounds", "clip(a, lo, hi)",
          {"a": fx.astype(np.float32), "lo": np.array(math.nan, dtype=np.float32),
           "hi": np.array(3.0, dtype=np.float32)}, "d_clip")

    # astype: every dtype to every dtype
    for s in DTYPES:
        for t in DTYPES:
            x = edges(s)
            if s in FLOATS and t in INTS + []:
                lo, hi = int_limits(t)
                with np.errstate(all="ignore"):
                    tr = np.trunc(x.astype(np.float64))
                keep = np.isfinite(x) & (tr >= lo) & (tr <= hi) & (tr > lo - 1)
                if t.startswith("u"):
                    keep &= x > -1
                # float64 rounding of 2**63 / 2**64 makes the top end unsafe: stay below it
                keep &= np.abs(tr) < 2.0 ** (bitwidth(t) - (0 if t.startswith("u") else 1))
                x = x[keep]
            if s in INTS and t in FLOATS:
                extra = {"i64": [2**53 + 1, 2**62 + 2**9 + 1, -(2**63) + 1, 2**63 - 2**10],
                         "u64": [2**53 + 1, 2**64 - 1, 2**63 + 2**10 + 1],
                         "i32": [2**24 + 1, -(2**31) + 1, 2**31 - 65],
                         "u32": [2**24 + 1, 2**32 - 1]}.get(s, [])
                x = np.concatenate([x, np.array(extra, dtype=nd(s))])
            if s == "f64" and t == "f32":
                x = np.concatenate([x, np.array([3.4028235677973366e38, 3.4028235e38, 1e-45, 7e-46, 0.1, 1 / 3,
                                                 1.0000000596046448, -1.0000000596046448, 2.0**-149 * 1.5])])
            C.add("cast_%s_%s" % (s, t), "a.astype('%s')" % NPNAME[t], {"a": x}, "d_cast")
    C.add("cast_f64_i32_negzero", "a.astype('int32')", {"a": np.array([-0.0, -0.5, -0.99, 0.99, 2.5, -2.5])},
          "d_cast")
    C.add("cast_f32_bool_nan", "a.astype('bool')", {"a": np.array([math.nan, -0.0, 1e-45], np.float32)}, "d_cast")
    C.add("cast_in_expr", "a.astype('float32') * b", {"a": edges("i64"), "b": np.array(1.5, np.float32)}, "d_cast")
    C.add("cast_bad_name", "a.astype('float128x')", {"a": edges("f64")}, "d_cast")

    # aliases
    fx = float_edges("f64")
    ix = int_edges("i32")
    for k, v in SHORT_ALIASES.items():
        if v in ("arctan2", "power"):
            C.add("alias_%s_f64" % k, "%s(a, b)" % k, {"a": fx.reshape(-1, 1), "b": float_grid_edges("f64").reshape(1, -1)},
                  "d_alias")
            C.add("alias_%s_f32" % k, "%s(a, 2.5)" % k, {"a": float_edges("f32")}, "d_alias")
        else:
            C.add("alias_%s_f64" % k, "%s(a)" % k, {"a": fx}, "d_alias")
            C.add("alias_%s_f32" % k, "%s(a)" % k, {"a": float_edges("f32")}, "d_alias")
    unary_long = {"absolute", "negative", "positive", "conjugate", "around", "bitwise_not", "invert", "bitwise_invert"}
    for n in LONG_ALIASES:
        for d, x in (("f64", fx), ("i32", ix)):
            if n in unary_long:
                C.add("alias_%s_%s" % (n, d), "%s(a)" % n, {"a": x}, "d_alias")
            else:
                y = np.array([3, -2, 1, 0, 7, 2], dtype=nd(d)) if d != "f64" else np.array([3.0, -2.0, 0.5, -0.0, 7.0, 2.5])
                if n in ("power",) and d == "i32":
                    y = np.abs(y)
                if "shift" in n and d == "i32":
                    y = np.array([0, 1, 31, 32, 3, 2], dtype=np.int32)
                C.add("alias_%s_%s" % (n, d), "%s(a, b)" % n, {"a": x.reshape(-1, 1), "b": y.reshape(1, -1)}, "d_alias")


# (e) broadcasting ----------------------------------------------------------------------

def seq(shape, dtype=np.float64, start=1):
    n = int(np.prod(shape))
    return (np.arange(start, start + n) % 17 - 5).astype(dtype).reshape(shape)


def gen_broadcast():
    B = [
        ("col_row", "a + b", (3, 1), (1, 4)),
        ("3d_1d", "a * b", (2, 3, 4), (4,)),
        ("3d_3d", "a - b", (5, 1, 3), (1, 2, 1)),
        ("0d_2d", "a + b", (), (3, 4)),
        ("2d_0d", "a / b", (3, 4), ()),
        ("0d_0d", "a * b", (), ()),
        ("empty_1", "a + b", (0,), (1,)),
        ("empty_2", "a + b", (0, 3), (1, 3)),
        ("empty_3", "a + b", (0, 3), (3,)),
        ("empty_4", "a * b", (2, 0), (2, 1)),
        ("empty_0d", "a + b", (0,), ()),
        ("incompat", "a + b", (3,), (4,)),
        ("incompat_2d", "a + b", (2, 3), (3, 2)),
        ("incompat_empty", "a + b", (0,), (2,)),
        ("ones", "a + b", (1, 1, 1), (1,)),
        ("4d", "a + b", (2, 1, 3, 1), (4, 1, 5)),
        ("3way_where", "where(a > 0, b, c)", (3, 1, 1), (1, 4, 1)),
        ("3way_clip", "clip(a, b, c)", (4, 1), (1, 3)),
        ("maximum", "maximum(a, b)", (4, 1), (5,)),
        ("arctan2", "arctan2(a, b)", (4, 1), (1, 3)),
        ("reduce_after", "sum(a * b, axis=0)", (4, 1), (1, 3)),
        ("mixed_dtypes", "a + b", (3, 1), (4,)),
        ("self", "a + a.T", (3, 4), None),
    ]
    for tag, expr, sa, sb in B:
        inputs = {"a": seq(sa)}
        if sb is not None:
            inputs["b"] = seq(sb, start=7)
        if "c" in expr.replace("clip", ""):
            inputs["c"] = seq((1, 1, 5) if tag.startswith("3way_where") else (4, 3), start=3)
        if tag == "mixed_dtypes":
            inputs = {"a": seq(sa, np.int16), "b": seq(sb, np.float32)}
        if tag == "3way_clip":
            inputs["c"] = np.array(2.0)
        C.add("bcast_%s" % tag, expr, inputs, "e_broadcast")


# (f) views ----------------------------------------------------------------------------------

def layouts(x, tag):
    """(suffix, array) variants: C order, Fortran order, big-endian."""
    out = [(tag, x)]
    if x.ndim >= 2:
        out.append((tag + "_fo", np.asfortranarray(x)))
    be = x.astype(x.dtype.newbyteorder(">"))
    out.append((tag + "_be", be))
    return out


def gen_views():
    a1 = seq((10,), np.float64)
    a2 = seq((4, 5), np.int32)
    a3 = seq((2, 3, 4), np.uint16, start=3)
    a2f = seq((4, 5), np.float32, start=2)
    V1 = [("step2", "a[::2]"), ("rev", "a[::-1]"), ("slice3", "a[1:-1:3]"), ("idx", "a[2]"),
          ("idxneg", "a[-1]"), ("newaxis", "a[None, :] * a[:, None]"), ("oob", "a[10]"),
          ("oob_neg", "a[-11]"), ("slice_oob", "a[2:100]"), ("slice_empty", "a[5:2]"),
          ("revstep", "a[8:1:-3]"), ("t", "a.T + a"), ("idx_arith", "a[3] * a")]
    V2 = [("row", "a[2]"), ("col", "a[:, 1]"), ("mix", "a[-1, ::-2]"), ("t_add", "a.T + b"),
          ("rev2", "a[::-1, ::-1]"), ("step", "a[1:4:2, ::3]"), ("newaxis", "a[:, None, :4] + b[None, :, :]"),
          ("oob", "a[4]"), ("oob2", "a[0, 5]"), ("scalar", "a[3, 4]"), ("tdot", "sum(a.T * b, axis=0)"),
          ("toomany", "a[1, 2, 3]"), ("colsum", "a[:, 0] + a[:, -1]")]
    V3 = [("t", "a.T"), ("plane", "a[1]"), ("mix", "a[1, ::-1, 1:3]"), ("newaxis", "a[:, None, 0]"),
          ("col", "a[:, :, 2] * 2"), ("rev", "a[::-1, :, ::-2]"), ("oob", "a[:, 3]"), ("tt", "a.T.T - a"),
          ("idx3", "a[-1, -1, -1]")]
    for tagx, x, vs in (("1d", a1, V1), ("2d", a2, V2), ("3d", a3, V3), ("2df", a2f, V2)):
        b = seq((5, 4), x.dtype, start=4) if tagx.startswith("2d") else None
        for ltag, xv in layouts(x, tagx):
            for vtag, expr in vs:
                inputs = {"a": xv}
                if "b" in expr:
                    bb = b if not ltag.endswith("_fo") else np.asfortranarray(b)
                    if ltag.endswith("_be"):
                        bb = bb.astype(bb.dtype.newbyteorder(">"))
                    inputs["b"] = bb
                C.add("view_%s_%s" % (ltag, vtag), expr, inputs, "f_views")
    # more big-endian / Fortran inputs in plain arithmetic
    for d, bo in (("f64", ">f8"), ("i32", ">i4"), ("u16", ">u2"), ("f32", ">f4"), ("i64", ">i8"), ("u64", ">u8")):
        x = edges(d).astype(bo)
        C.add("view_be_%s_neg" % d, "-a", {"a": x}, "f_views")
        C.add("view_be_%s_add" % d, "a + b", {"a": x, "b": edges(d)}, "f_views")
        C.add("view_be_%s_sum" % d, "sum(a)", {"a": x if d in INTS else x[np.isfinite(x)]}, "f_views")


# (g) reductions ------------------------------------------------------------------------------

def red_data(d, shape, seed):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if d == "bool":
        return (rng.integers(0, 3, n) > 0).reshape(shape)
    if d in INTS:
        lo, hi = int_limits(d)
        v = rng.integers(max(lo, -100), min(hi, 100) + 1, n)
        return v.astype(nd(d)).reshape(shape)
    if d == "f32":
        # dyadic values: f32 sums are exact in any order
        return (rng.integers(-80, 81, n) / 8.0).astype(np.float32).reshape(shape)
    return rng.uniform(-10, 10, n).reshape(shape)


RED_FULL_DTYPES = ["bool", "i8", "u64", "f32", "f64"]


def gen_reductions():
    shape3 = (2, 3, 4)
    for di, d in enumerate(DTYPES):
        x = red_data(d, shape3, 100 + di)
        full = d in RED_FULL_DTYPES
        for f in REDUCTIONS:
            arg = f in ("argmin", "argmax")
            if arg:
                axes = [("none", None), ("1", "1")] + ([("0", "0"), ("m1", "-1"), ("2", "2")] if full else [])
                kds = [("1", "1")] + ([("none", None)] if full else [])
            else:
                axes = [("none", None), ("02", "(0, 2)")]
                if full:
                    axes += [("0", "0"), ("1", "1"), ("m1", "-1"), ("m1m3", "(-1, -3)"), ("012", "(0, 1, 2)"),
                             ("empty", "()")]
                kds = [("1", "1")] + ([("none", None), ("02", "(0, 2)")] if full else [])
            for atag, ax in axes:
                kw = "" if ax is None else ", axis=%s" % ax
                C.add("red_%s_%s_3d_ax%s" % (f, d, atag), "%s(a%s)" % (f, kw), {"a": x}, "g_reduce")
            for atag, ax in kds:
                kw = "" if ax is None else ", axis=%s" % ax
                C.add("red_%s_%s_3d_ax%s_kd" % (f, d, atag), "%s(a%s, keepdims=True)" % (f, kw), {"a": x}, "g_reduce")
            if f in ("var", "std"):
                for ddof, atag, ax in ((1, "none", None), (1, "12", "(1, 2)"), (2, "0", "0")):
                    kw = "" if ax is None else ", axis=%s" % ax
                    C.add("red_%s_%s_3d_ax%s_ddof%d" % (f, d, atag, ddof), "%s(a%s, ddof=%d)" % (f, kw, ddof),
                          {"a": x}, "g_reduce")
            C.add("red_%s_%s_3d_bad_axis" % (f, d), "%s(a, axis=3)" % f, {"a": x}, "g_reduce")
            if arg:
                C.add("red_%s_%s_3d_tuple_axis" % (f, d), "%s(a, axis=(0, 1))" % f, {"a": x}, "g_reduce")
            else:
                C.add("red_%s_%s_3d_dup_axis" % (f, d), "%s(a, axis=(1, -2))" % f, {"a": x}, "g_reduce")
            # 1-D, 2-D (Fortran), 0-d and empty inputs
            x1 = red_data(d, (37,), 200 + di)
            C.add("red_%s_%s_1d" % (f, d), "%s(a)" % f, {"a": x1}, "g_reduce")
            x0 = red_data(d, (), 400 + di)
            C.add("red_%s_%s_0d" % (f, d), "%s(a)" % f, {"a": x0}, "g_reduce")
            xe = np.zeros((0,), dtype=nd(d))
            C.add("red_%s_%s_empty" % (f, d), "%s(a)" % f, {"a": xe}, "g_reduce")
            xe2 = np.zeros((0, 3), dtype=nd(d))
            C.add("red_%s_%s_empty2d_ax0" % (f, d), "%s(a, axis=0)" % f, {"a": xe2}, "g_reduce")
            if full:
                x2 = np.asfortranarray(red_data(d, (5, 7), 300 + di))
                C.add("red_%s_%s_2d_ax1" % (f, d), "%s(a, axis=1)" % f, {"a": x2}, "g_reduce")
                C.add("red_%s_%s_0d_ax0" % (f, d), "%s(a, axis=0)" % f, {"a": x0}, "g_reduce")
                if not arg:
                    C.add("red_%s_%s_0d_axnone_kd" % (f, d), "%s(a, keepdims=True)" % f, {"a": x0}, "g_reduce")
                C.add("red_%s_%s_empty2d_ax1" % (f, d), "%s(a, axis=1)" % f, {"a": xe2}, "g_reduce")
            if f in ("var", "std") and full:
                C.add("red_%s_%s_1d_ddof_n" % (f, d), "%s(a, ddof=37)" % f, {"a": x1}, "g_reduce")
                C.add("red_%s_%s_1d_ddof_gt_n" % (f, d), "%s(a, ddof=40)" % f, {"a": x1}, "g_reduce")
    # NaN / inf inside float reductions
    for d in FLOATS:
        x = np.array([[1.0, math.nan, -3.0, 2.0], [math.inf, 0.5, -math.inf, 7.0], [4.0, 5.0, 6.0, math.nan]],
                     dtype=nd(d))
        for f in REDUCTIONS:
            for atag, ax in (("none", None), ("0", "0"), ("1", "1")):
                kw = "" if ax is None else ", axis=%s" % ax
                C.add("red_%s_%s_nan_ax%s" % (f, d, atag), "%s(a%s)" % (f, kw), {"a": x}, "g_reduce")
        y = np.array([3.0, -math.inf, 2.0, math.inf, -math.inf, 1.0], dtype=nd(d))
        for f in ("min", "max", "argmin", "argmax", "sum", "any", "all"):
            C.add("red_%s_%s_inf" % (f, d), "%s(a)" % f, {"a": y}, "g_reduce")
        z = np.array([0.0, 0.0, 1e-45 if d == "f32" else 5e-324, 0.0], dtype=nd(d))
        for f in ("any", "all", "argmax", "max"):
            C.add("red_%s_%s_zeros" % (f, d), "%s(a)" % f, {"a": z}, "g_reduce")
    # integer wrap-around in sum/prod, ties in argmin/argmax
    big = np.array([2**62, 2**62, 2**62, 5], dtype=np.int64)
    C.add("red_sum_i64_wrap", "sum(a)", {"a": big}, "g_reduce")
    C.add("red_prod_i64_wrap", "prod(a)", {"a": big}, "g_reduce")
    C.add("red_sum_u64_wrap", "sum(a)", {"a": np.array([2**63, 2**63, 7], dtype=np.uint64)}, "g_reduce")
    C.add("red_sum_i8_no_wrap", "sum(a)", {"a": np.full(10, 127, dtype=np.int8)}, "g_reduce")
    C.add("red_sum_u8_no_wrap", "sum(a)", {"a": np.full(10, 255, dtype=np.uint8)}, "g_reduce")
    C.add("red_prod_i32_no_wrap", "prod(a)", {"a": np.full(5, 1000, dtype=np.int32)}, "g_reduce")
    C.add("red_mean_i64_big", "mean(a)", {"a": big}, "g_reduce")
    ties = np.array([[3, 1, 1, 3], [2, 2, 0, 0]], dtype=np.int16)
    for f in ("argmin", "argmax"):
        C.add("red_%s_ties_none" % f, "%s(a)" % f, {"a": ties}, "g_reduce")
        C.add("red_%s_ties_ax1" % f, "%s(a, axis=1)" % f, {"a": ties}, "g_reduce")
        C.add("red_%s_ties_ax0_kd" % f, "%s(a, axis=0, keepdims=True)" % f, {"a": ties}, "g_reduce")
    # fused element-wise work feeding a reduction, and reductions used again
    f = red_data("f64", (4, 6), 7)
    C.add("red_fused_sumsq", "sum(a * a, axis=1)", {"a": f}, "g_reduce")
    C.add("red_fused_normalize", "(a - mean(a)) / std(a)", {"a": f}, "g_reduce")
    C.add("red_fused_center_kd", "a - mean(a, axis=1, keepdims=True)", {"a": f}, "g_reduce")
    C.add("red_fused_minmax", "(a - min(a)) / (max(a) - min(a))", {"a": f}, "g_reduce")
    C.add("red_fused_any", "any(a > 9, axis=0)", {"a": f}, "g_reduce")
    C.add("red_fused_argmax_abs", "argmax(abs(a), axis=1)", {"a": f}, "g_reduce")
    C.add("red_fused_mean_int", "mean(a * 2, axis=0)", {"a": red_data("i16", (4, 6), 8)}, "g_reduce")
    C.add("red_fused_sum_bool", "sum(a > 0)", {"a": f}, "g_reduce")
    C.add("red_fused_var_f32", "var(a + 1, axis=(0, 1), ddof=1)", {"a": red_data("f32", (4, 6), 9)}, "g_reduce")


# (h) 0-d and empty inputs for element-wise ops -----------------------------------------------------

def gen_zerod_empty():
    for d in DTYPES:
        x0 = edges(d)[-2:-1].reshape(())
        C.add("zerod_%s_neg" % d, "-a", {"a": x0}, "h_zerod_empty")
        C.add("zerod_%s_add_lit" % d, "a + 1", {"a": x0}, "h_zerod_empty")
        C.add("zerod_%s_mul_arr" % d, "a * b", {"a": x0, "b": edges(d)}, "h_zerod_empty")
        C.add("zerod_%s_sqrt" % d, "sqrt(a)", {"a": x0}, "h_zerod_empty")
        C.add("zerod_%s_cmp" % d, "a < b", {"a": x0, "b": edges(d)}, "h_zerod_empty")
        C.add("zerod_%s_where" % d, "where(a > 0, a, b)", {"a": x0, "b": np.array(3, dtype=nd(d))}, "h_zerod_empty")
        C.add("zerod_%s_f64" % d, "a + b", {"a": x0, "b": np.array(0.5)}, "h_zerod_empty")
        C.add("zerod_%s_i8" % d, "a + b", {"a": edges("i8"), "b": np.asarray(edges(d)[0])}, "h_zerod_empty")
        xe = np.zeros((0,), dtype=nd(d))
        C.add("empty_%s_neg" % d, "-a", {"a": xe}, "h_zerod_empty")
        C.add("empty_%s_sin" % d, "sin(a)", {"a": xe}, "h_zerod_empty")
        C.add("empty_%s_add_0d" % d, "a + b", {"a": xe, "b": np.array(1, dtype=nd(d))}, "h_zerod_empty")
        C.add("empty_%s_2d" % d, "a * 2 + b", {"a": np.zeros((3, 0), dtype=nd(d)), "b": np.zeros((1, 0), dtype=np.float32)},
              "h_zerod_empty")
        C.add("empty_%s_where" % d, "where(a, a, 1)", {"a": np.zeros((0, 2), dtype=nd(d))}, "h_zerod_empty")
        C.add("empty_%s_cast" % d, "a.astype('float32')", {"a": xe}, "h_zerod_empty")
    # Python scalar with a 0-d array: still NEP 50 weak
    C.add("zerod_i8_oor_lit", "a + 300", {"a": np.array(5, np.int8)}, "h_zerod_empty")
    C.add("zerod_f32_f64lit", "a * 0.1", {"a": np.array(3, np.float32)}, "h_zerod_empty")
    C.add("zerod_literal_only", "2 + 3", {}, "h_zerod_empty")
    C.add("zerod_literal_float", "2.5 * 2", {}, "h_zerod_empty")
    C.add("zerod_literal_bool", "True & False", {}, "h_zerod_empty")
    C.add("zerod_literal_call", "sqrt(2)", {}, "h_zerod_empty")
    C.add("zerod_literal_call_mix", "a * cos(0)", {"a": np.arange(3, dtype=np.float32)}, "h_zerod_empty")


# (i) numexpr's expression matrix -------------------------------------------------------------------

NUMEXPR_SECTIONS = {"MISC": "misc", "OPERATIONS": "ops", "COMPARISONS": "cmp", "1_ARG_FUNCS": "f1",
                    "2_ARG_FUNCS": "f2", "POW_TESTS": "pow"}


def load_numexpr_tests():
    import numexpr
    import numexpr.tests.test_numexpr as T
    return numexpr.__version__, T.tests, T.__file__


def numexpr_vars(dtype, test_scalar):
    """Exactly the variable set-up of numexpr's test_expressions()."""
    array_size = 100
    a = np.arange(2 * array_size, dtype=dtype)[::2]
    a2 = np.zeros([array_size, array_size], dtype=dtype)
    b = np.arange(array_size, dtype=dtype) / array_size
    c = np.arange(array_size, dtype=dtype)
    d = np.arange(array_size, dtype=dtype)
    e = np.arange(array_size, dtype=dtype)
    if test_scalar == 1:
        a = np.asarray(a[array_size // 2])
    if test_scalar == 2:
        b = np.asarray(b[array_size // 2])
    return {"a": a, "a2": a2, "b": b, "c": c, "d": d, "e": e}


NUMEXPR_META = {}


def gen_numexpr():
    version, tests, path = load_numexpr_tests()
    NUMEXPR_META["version"] = version
    NUMEXPR_META["path"] = os.path.relpath(path, os.path.dirname(np.__file__) + "/..")
    NUMEXPR_META["sections"] = []
    seen = {}
    for section, exprs in tests:
        sec = NUMEXPR_SECTIONS[section]
        NUMEXPR_META["sections"].append((section, sec, len(exprs)))
        for i, expr in enumerate(exprs):
            for dtag, dtype in (("i64", np.int64), ("f32", np.float32), ("f64", np.float64)):
                for vtag, ts in (("arr", 0), ("a0d", 1), ("b0d", 2)):
                    allv = numexpr_vars(dtype, ts)
                    names = Info(expr).names
                    inputs = {k: v for k, v in allv.items() if k in names}
                    key = (expr, tuple(sorted((k, v.dtype.str, v.shape, hashlib.sha1(v.tobytes()).hexdigest())
                                              for k, v in inputs.items())))
                    if key in seen:
                        continue
                    cid = "numexpr_%s_%04d_%s_%s" % (sec, i, dtag, vtag)
                    seen[key] = cid
                    C.add(cid, expr, inputs, "i_numexpr_" + sec)


# ---------------------------------------------------------------------------
# Tolerances
# ---------------------------------------------------------------------------

STATS = defaultdict(Counter)
DEBUG_ERRORS = []
NOTES = defaultdict(list)


def case_seed(cid):
    return zlib.crc32(cid.encode())


def _fmt_rel(x):
    return "rel:%g" % x


def decide_tol(cid, expr, inputs, res):
    """Return the tolerance string, or None if the case must be dropped."""
    info = Info(expr)
    is_float = res.dtype.kind == "f"
    if info.reductions and (is_float):
        if info.n_transc:
            raise SystemExit("reduction mixed with transcendental: %s" % cid)
        return rel_tol(cid, expr, inputs, res)
    if info.n_transc == 0:
        return "exact"
    # transcendental functions involved
    if not is_float:
        # integer/bool result computed from transcendental values: must be stable
        for mode in ("up", "down", "rand"):
            r, e = perturbed_eval(expr, inputs, info, case_seed(cid), mode)
            if e is not None or not bits_equal(r, res):
                NOTES["dropped_unstable"].append(cid)
                return None
        return "exact"
    single = info.n_ops == 1 and (len(info.transc) == 1 or info.inexact_pow == 1)
    base = 8 if single else 16
    need = 0.0
    mp_need = mp_check(cid, expr, inputs, res, info) if single else 0.0
    for mode in () if single else ("up", "down", "rand", "rand2"):
        r, e = perturbed_eval(expr, inputs, info, case_seed(cid) + len(mode), "rand" if mode.startswith("rand") else mode)
        if e is not None:
            NOTES["dropped_unstable"].append(cid)
            return None
        if r.shape != res.shape or r.dtype != res.dtype:
            raise SystemExit("perturbed evaluation changed shape/dtype: %s" % cid)
        dmax = float(np.max(ulp_distance(r, res))) if res.size else 0.0
        need = max(need, dmax)
    if not math.isfinite(need) or need > 1e11:
        # (1e11 f64 ulps ~ 1e-5 relative: still meaningful for float32 values promoted to float64)
        NOTES["dropped_illconditioned"].append("%s (%s ulp)" % (cid, need))
        return None
    tol = max(base, int(math.ceil(mp_need)), int(math.ceil(need * 1.25)))
    if tol > base:
        STATS["tol_widened"][cid] = tol
    return "ulp:%d" % tol


def mp_check(cid, expr, inputs, res, info):
    """ULP error of NumPy's own result against mpmath; returns the bound it implies."""
    tree = info.tree.body
    if isinstance(tree, ast.Call):
        fname = tree.func.id
        argnodes = tree.args
    elif isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Pow):
        fname = "power"
        argnodes = [tree.left, tree.right]
    else:
        return 0.0
    env = dict(inputs)
    args = [np.asarray(eval(compile(ast.Expression(n), "<a>", "eval"), {}, env)) for n in argnodes]
    ref, ok = mp_reference(fname, args, res.dtype)
    if ref.shape != res.shape:
        return 0.0
    dist = ulp_distance(res[ok], ref[ok]) if ok.any() else np.zeros(0)
    worst = float(dist.max()) if dist.size else 0.0
    key = "%s/%s" % (fname, dname(res.dtype))
    STATS["np_vs_mpmath_max_ulp"][key] = max(STATS["np_vs_mpmath_max_ulp"].get(key, 0), worst)
    if not math.isfinite(worst):
        bad = np.argwhere(~np.isfinite(ulp_distance(res, ref)) & ok)
        for idx in bad[:3]:
            idx = tuple(idx)
            xs = ", ".join(repr(float(np.broadcast_to(a, res.shape)[idx])) for a in args)
            NOTES["np_vs_mpmath_special"].append("%s(%s): numpy %r, mpmath %r" % (fname, xs, float(res[idx]), float(ref[idx])))
        return 0.0
    # NumPy (err <= worst) vs another implementation within 4 ulp of correct rounding
    return worst + 4 + 1


def rel_tol(cid, expr, inputs, res):
    x = 1e-12 if res.dtype == np.float64 else 1e-5
    ld = {k: (v.astype(np.longdouble) if v.dtype.kind in "iuf" else v) for k, v in inputs.items()}
    ref, err = np_eval(expr, ld)
    if err is not None or ref.shape != res.shape:
        return _fmt_rel(x)
    r = res.astype(np.longdouble)
    nan_ok = np.array_equal(np.isnan(r), np.isnan(ref))
    if not nan_ok:
        NOTES["rel_nan_mismatch_vs_longdouble"].append(cid)
    fin = np.isfinite(r) & np.isfinite(ref)
    while True:
        ok = np.all(np.abs(r[fin] - ref[fin]) <= (x / 4) * np.maximum(1, np.abs(ref[fin])))
        if ok or x >= 1e-2:
            break
        x *= 10
    if not ok:
        NOTES["rel_failed"].append(cid)
    if x > (1e-12 if res.dtype == np.float64 else 1e-5):
        STATS["rel_widened"][cid] = x
    return _fmt_rel(x)


# ---------------------------------------------------------------------------
# Consistency checks on NumPy itself (path dependence)
# ---------------------------------------------------------------------------

def strided_copy(x):
    if x.ndim == 0:
        return x
    buf = np.repeat(x, 2, axis=-1)
    return buf[..., ::2]


ELEMENTWISE_CAT = re.compile(r"^(a_unary|b_binary|c_scalar|d_pow|d_where|d_clip|d_cast|d_alias)")


def path_check(cid, expr, inputs, res, tol, cat):
    """Re-evaluate with non-contiguous / Fortran / 1-element inputs and compare."""
    variants = []
    if any(v.ndim >= 1 and v.size > 1 for v in inputs.values()):
        variants.append(("strided", {k: strided_copy(v) for k, v in inputs.items()}))
        variants.append(("fortran", {k: np.asfortranarray(v) if v.ndim >= 2 else v for k, v in inputs.items()}))
    if any(v.ndim == 0 for v in inputs.values()):
        variants.append(("zerod_as_1elem", {k: (v.reshape(1) if v.ndim == 0 else v) for k, v in inputs.items()}))
    if ELEMENTWISE_CAT.match(cat) and res.ndim >= 0:
        try:
            flat = {k: np.tile(np.broadcast_to(v, res.shape).ravel(), 9)[1:] for k, v in inputs.items()}
            variants.append(("long", flat))
        except ValueError:
            pass
    for vname, inp in variants:
        if vname == "long":
            r, e = np_eval(expr, inp)
            want = np.tile(res.ravel(), 9)[1:]
            if e is None and r.shape == want.shape and r.dtype == want.dtype:
                if tol == "exact" and not bits_equal(r, want):
                    NOTES["numpy_path_dependent"].append("%s [%s]" % (cid, vname))
                elif tol.startswith("ulp:") and res.dtype.kind == "f" and res.size:
                    d = float(np.max(ulp_distance(r, want)))
                    if d > 0:
                        NOTES["numpy_path_dependent_ulp"].append("%s [%s] %s ulp" % (cid, vname, d))
            continue
        r, e = np_eval(expr, inp)
        if e is not None or r.size != res.size:
            continue
        r = r.reshape(res.shape) if r.size == res.size else r
        r = r.astype(res.dtype) if r.dtype != res.dtype else r
        if tol == "exact":
            if not bits_equal(r, res):
                NOTES["numpy_path_dependent"].append("%s [%s]" % (cid, vname))
        elif tol.startswith("ulp:") and res.dtype.kind == "f":
            d = float(np.max(ulp_distance(r, res))) if res.size else 0
            if d > 0:
                NOTES["numpy_path_dependent_ulp"].append("%s [%s] %s ulp" % (cid, vname, d))


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

def npy_bytes(arr):
    bio = io.BytesIO()
    np.save(bio, arr, allow_pickle=False)
    return bio.getvalue()


def input_name(arr):
    data = npy_bytes(arr)
    h = hashlib.sha1(data).hexdigest()[:10]
    dt = arr.dtype
    tag = dname(dt)
    if dt.byteorder == ">":
        tag += "be"
    shape = "x".join(str(s) for s in arr.shape) or "0d"
    order = "_F" if (arr.ndim >= 2 and arr.flags.f_contiguous and not arr.flags.c_contiguous) else ""
    return "in/%s_%s%s_%s.npy" % (tag, shape, order, h), data


def normalize_output(res):
    dt = res.dtype
    if dt.byteorder == ">":
        dt = dt.newbyteorder("=")
    return np.array(res, dtype=dt, order="C", copy=True)


def main():
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    gen_unary()
    gen_binary()
    gen_binary_extra()
    gen_scalar()
    gen_pow()
    gen_where_clip_cast()
    gen_broadcast()
    gen_views()
    gen_reductions()
    gen_zerod_empty()
    gen_numexpr()

    for sub in ("in", "out"):
        p = os.path.join(GOLDEN, sub)
        if os.path.isdir(p):
            shutil.rmtree(p)
        os.makedirs(p)

    rows = []
    in_files = {}
    cat_counts = Counter()
    cat_errors = Counter()
    tol_counts = Counter()
    skipped = defaultdict(list)
    for cid in sorted(C.cases):
        expr, inputs, cat = C.cases[cid]
        for v in inputs.values():
            assert v.dtype.kind != "f" or v.dtype.itemsize in (4, 8)
        res, err = np_eval(expr, inputs)
        if err is None and res.dtype.newbyteorder("=") not in NAME_OF and res.dtype not in NAME_OF:
            skipped[str(res.dtype)].append(cid)
            continue
        inames = []
        for k in sorted(inputs):
            name, data = input_name(inputs[k])
            in_files[name] = data
            inames.append("%s=%s" % (k, name))
        ispec = ",".join(inames) if inames else "-"
        if err is not None:
            rows.append((cid, expr, ispec, "error", "exact"))
            cat_counts[cat] += 1
            cat_errors[cat] += 1
            STATS["error_types"][type(err).__name__] += 1
            DEBUG_ERRORS.append("%s\t%s\t%s: %s" % (cid, expr, type(err).__name__, str(err).replace("\n", " ")[:200]))
            continue
        res = normalize_output(res)
        tol = decide_tol(cid, expr, inputs, res)
        if tol is None:
            continue
        path_check(cid, expr, inputs, res, tol, cat)
        with open(os.path.join(GOLDEN, "out", cid + ".npy"), "wb") as f:
            f.write(npy_bytes(res))
        rows.append((cid, expr, ispec, "out/%s.npy" % cid, tol))
        cat_counts[cat] += 1
        tol_counts[tol.split(":")[0]] += 1
    for name, data in in_files.items():
        with open(os.path.join(GOLDEN, name), "wb") as f:
            f.write(data)
    with open(os.path.join(GOLDEN, "cases.tsv"), "w", newline="\n") as f:
        f.write("id\texpr\tinputs\texpect\ttol\n")
        for r in rows:
            assert all("\t" not in c and "\n" not in c for c in r)
            f.write("\t".join(r) + "\n")
    write_numexpr_md(rows)
    if os.environ.get("GOLDEN_DEBUG"):
        with open(os.environ["GOLDEN_DEBUG"], "w") as f:
            f.write("\n".join(DEBUG_ERRORS) + "\n")
    write_readme(rows, cat_counts, cat_errors, tol_counts, skipped, len(in_files))
    print("numpy %s: %d cases (%d error), %d input files" % (np.__version__, len(rows), sum(cat_errors.values()),
                                                             len(in_files)), file=sys.stderr)


def write_numexpr_md(rows):
    by_sec = Counter()
    err_sec = Counter()
    for cid, expr, ispec, expect, tol in rows:
        if cid.startswith("numexpr_"):
            sec = cid.split("_")[1]
            by_sec[sec] += 1
            if expect == "error":
                err_sec[sec] += 1
    lines = [
        "# numexpr expression matrix",
        "",
        "Generated by `scripts/gen_golden.py` (category i). Do not edit by hand.",
        "",
        "Source: the module-level `tests` list of `numexpr/tests/test_numexpr.py` from",
        "**numexpr %s** (installed from PyPI into the generator venv), evaluated with" % NUMEXPR_META["version"],
        "**NumPy %s**." % np.__version__,
        "",
        "Variable set-up reproduced from that file's `test_expressions`: `array_size = 100`,",
        "`a = arange(2*array_size, dtype)[::2]`, `a2 = zeros([array_size, array_size], dtype)`,",
        "`b = arange(array_size, dtype) / array_size`, `c = d = e = arange(array_size, dtype)`;",
        "variant `a0d`: `a = a[array_size // 2]`, variant `b0d`: `b = b[array_size // 2]`",
        "(as 0-d arrays instead of the NumPy scalars the test uses; NumPy 2 treats both as",
        "strongly typed).  dtypes: int64 (`i64`), float32 (`f32`), float64 (`f64`).",
        "Only the inputs an expression names are passed.  A case whose expression and",
        "inputs are identical to an earlier one (e.g. `1+1` for every dtype) is kept once.",
        "Expressions are used verbatim (including `.real`).",
        "",
        "Case id: `numexpr_<section>_<index in section>_<dtype>_<variant>`.",
        "",
        "| section | tag | expressions in numexpr | cases | of which `error` |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for section, sec, n in NUMEXPR_META["sections"]:
        lines.append("| %s | `%s` | %d | %d | %d |" % (section, sec, n, by_sec[sec], err_sec[sec]))
    lines.append("| total | | %d | %d | %d |" % (sum(n for _, _, n in NUMEXPR_META["sections"]),
                                                 sum(by_sec.values()), sum(err_sec.values())))
    lines.append("")
    with open(os.path.join(GOLDEN, "NUMEXPR.md"), "w", newline="\n") as f:
        f.write("\n".join(lines))


def write_readme(rows, cat_counts, cat_errors, tol_counts, skipped, n_inputs):
    L = []
    L.append(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_readme_head.md")).read().rstrip())
    L.append("")
    L.append("## Generated summary")
    L.append("")
    L.append("NumPy %s, numexpr %s, mpmath %s; %d cases, %d input files." % (
        np.__version__, NUMEXPR_META.get("version"), mpmath.__version__, len(rows), n_inputs))
    L.append("")
    L.append("| category | cases | expect `error` |")
    L.append("| --- | ---: | ---: |")
    for cat in sorted(cat_counts):
        L.append("| %s | %d | %d |" % (cat, cat_counts[cat], cat_errors[cat]))
    L.append("| total | %d | %d |" % (sum(cat_counts.values()), sum(cat_errors.values())))
    L.append("")
    L.append("Tolerances of non-error cases: " + ", ".join("%s %d" % kv for kv in sorted(tol_counts.items())) + ".")
    L.append("")
    L.append("Error types raised by NumPy: " + ", ".join("%s %d" % kv for kv in sorted(STATS["error_types"].items())) + ".")
    L.append("")
    L.append("### Left out")
    L.append("")
    for dt, ids in sorted(skipped.items()):
        L.append("* %d cases whose NumPy result dtype is `%s` (not a lazyfuse dtype), e.g. %s." % (
            len(ids), dt, ", ".join("`%s`" % i for i in ids[:6])))
    for k in ("dropped_unstable", "dropped_illconditioned"):
        if NOTES[k]:
            L.append("* %s: %d (%s)." % (k, len(NOTES[k]), ", ".join("`%s`" % i for i in NOTES[k][:10])))
    L.append("")
    L.append("### NumPy's own accuracy (max ulp error vs mpmath, single-op cases, finite results)")
    L.append("")
    L.append(", ".join("%s %.0f" % (k, v) for k, v in sorted(STATS["np_vs_mpmath_max_ulp"].items())) + ".")
    L.append("")
    if NOTES["np_vs_mpmath_special"]:
        L.append("Special-value disagreements NumPy vs mpmath (golden data keeps NumPy's value):")
        L.append("")
        for n in NOTES["np_vs_mpmath_special"][:40]:
            L.append("* " + n)
        L.append("")
    if STATS["tol_widened"]:
        L.append("ulp bounds widened beyond 8/16 (%d cases): " % len(STATS["tol_widened"]) +
                 ", ".join("`%s` %d" % kv for kv in sorted(STATS["tol_widened"].items())[:60]) + ".")
        L.append("")
    if STATS["rel_widened"]:
        L.append("rel bounds widened (%d cases): " % len(STATS["rel_widened"]) +
                 ", ".join("`%s` %g" % kv for kv in sorted(STATS["rel_widened"].items())[:60]) + ".")
        L.append("")
    for k in ("numpy_path_dependent", "numpy_path_dependent_ulp", "rel_failed", "rel_nan_mismatch_vs_longdouble"):
        if NOTES[k]:
            L.append("%s (%d): " % (k, len(NOTES[k])) + ", ".join("`%s`" % i for i in NOTES[k][:80]) + ".")
            L.append("")
    with open(os.path.join(GOLDEN, "README.md"), "w", newline="\n") as f:
        f.write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
