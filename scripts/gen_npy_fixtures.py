#!/usr/bin/env python3
"""Generate the small .npy fixtures in tests/data/npy/ with real NumPy.

``tests/npy/`` reads every file and checks dtype, shape, layout and values
(hard-coded there), and that lazyfuse writes back byte-identical files for
the little-endian C-order ones. Keep the files tiny.

* ``<dtype>_3.npy``    -- one 1-D array per supported dtype (lazyfuse names:
                          ``i8`` is int8): [min, 1, max]
                          for integers, [True, False, True], [-1.5, 0.1, inf]
* ``f64_2x3_c.npy``    -- C order 2-D
* ``i32_3x4_f.npy``    -- Fortran order (``fortran_order: True``)
* ``be_*.npy``         -- big-endian (``'>i2'``, ``'>f8'`` Fortran, ``'>u8'``)
* ``v2_u16_4.npy``, ``v3_f32_2x2.npy`` -- format versions 2.0 and 3.0
* ``bool_0d.npy``, ``i8_0d.npy``, ``u8_0x3.npy`` -- 0-d and empty
* ``unsupported_*.npy`` -- float16, complex, strings, structured, object,
                          datetime: lazyfuse must reject them with an error

Re-run (deterministic)::

    python3 -m venv /tmp/npy-venv && /tmp/npy-venv/bin/pip install numpy
    /tmp/npy-venv/bin/python scripts/gen_npy_fixtures.py
"""
import os

import numpy as np
from numpy.lib import format as npformat

# File names use lazyfuse's dtype names (i8 = int8), not NumPy's codes.
NAMES = {"i1": "i8", "i2": "i16", "i4": "i32", "i8": "i64",
         "u1": "u8", "u2": "u16", "u4": "u32", "u8": "u64", "f4": "f32", "f8": "f64"}

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "npy")


def save(name, arr, version=None, allow_pickle=False):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        if version is None:
            np.save(f, arr, allow_pickle=allow_pickle)
        else:
            npformat.write_array(f, arr, version=version, allow_pickle=allow_pickle)


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".npy"):
            os.remove(os.path.join(OUT, old))

    save("bool_3.npy", np.array([True, False, True]))
    for dt in ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]:
        info = np.iinfo(dt)
        save("%s_3.npy" % NAMES[dt], np.array([info.min, 1, info.max], dtype="<" + dt))
    for dt in ["f4", "f8"]:
        save("%s_3.npy" % NAMES[dt], np.array([-1.5, 0.1, np.inf], dtype="<" + dt))

    save("f64_2x3_c.npy", np.arange(6, dtype="<f8").reshape(2, 3) * 0.5)
    save("i32_3x4_f.npy", np.asfortranarray(np.arange(12, dtype="<i4").reshape(3, 4) - 100))

    save("be_i16_2x3.npy", (np.arange(6).reshape(2, 3) * -3).astype(">i2"))
    save("be_f64_3x2_f.npy", np.asfortranarray((np.arange(6).reshape(3, 2) + 0.25).astype(">f8")))
    save("be_u64_3.npy", np.array([1, 2**40, 2**64 - 1], dtype=">u8"))

    save("v2_u16_4.npy", np.array([1, 2, 3, 65535], dtype="<u2"), version=(2, 0))
    save("v3_f32_2x2.npy", np.array([[1.0, 2.0], [3.0, 4.5]], dtype="<f4"), version=(3, 0))

    save("bool_0d.npy", np.array(True))
    save("i8_0d.npy", np.array(-7, dtype="i1"))
    save("u8_0x3.npy", np.zeros((0, 3), dtype="u1"))

    save("unsupported_f16.npy", np.array([1.0, 2.0], dtype="<f2"))
    save("unsupported_c16.npy", np.array([1 + 2j], dtype="<c16"))
    save("unsupported_str.npy", np.array(["ab", "c"]))
    save("unsupported_struct.npy", np.zeros(2, dtype=[("x", "<i4"), ("y", "<f8")]))
    save("unsupported_object.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    save("unsupported_datetime.npy", np.array(["2024-01-01"], dtype="datetime64[D]"))


if __name__ == "__main__":
    main()
