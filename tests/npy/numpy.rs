//! Interoperability with NumPy: files NumPy wrote (`tests/data/npy/`), and
//! files of ours that `numpy.load` must read.

use super::common::*;
use lazyfuse::internals::array::npy::NpyHeader;
use lazyfuse::{Array, DType};
use std::path::PathBuf;

#[test]
fn numpy_fixtures_every_dtype() {
    fn check<T: lazyfuse::Element + PartialEq>(name: &str, want: &[T]) {
        let path = fixture(name);
        for a in [
            Array::read_npy(&path).unwrap(),
            unsafe { Array::open_npy(&path) }.unwrap(),
        ] {
            assert_eq!(a.dtype(), T::DTYPE, "{name}");
            assert_eq!(a.shape(), &[want.len()]);
            assert_eq!(a.to_vec::<T>().unwrap(), want, "{name}");
            // Our writer produces NumPy's bytes exactly.
            assert_eq!(a.to_npy_bytes(), std::fs::read(&path).unwrap(), "{name}");
        }
    }
    check("bool_3.npy", &[true, false, true]);
    check("i8_3.npy", &[i8::MIN, 1, i8::MAX]);
    check("i16_3.npy", &[i16::MIN, 1, i16::MAX]);
    check("i32_3.npy", &[i32::MIN, 1, i32::MAX]);
    check("i64_3.npy", &[i64::MIN, 1, i64::MAX]);
    check("u8_3.npy", &[0u8, 1, u8::MAX]);
    check("u16_3.npy", &[0u16, 1, u16::MAX]);
    check("u32_3.npy", &[0u32, 1, u32::MAX]);
    check("u64_3.npy", &[0u64, 1, u64::MAX]);
    check("f32_3.npy", &[-1.5f32, 0.1, f32::INFINITY]);
    check("f64_3.npy", &[-1.5f64, 0.1, f64::INFINITY]);
}

#[test]
fn numpy_fixtures_layouts_orders_versions() {
    let rd = |n: &str| Array::read_npy(fixture(n)).unwrap();
    let bytes = |n: &str| std::fs::read(fixture(n)).unwrap();

    let a = rd("f64_2x3_c.npy");
    assert_eq!(a.shape(), &[2, 3]);
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]);
    assert_eq!(a.to_npy_bytes(), bytes("f64_2x3_c.npy"));

    let f = rd("i32_3x4_f.npy");
    assert_eq!((f.shape(), f.strides()), (&[3, 4][..], &[1, 3][..]));
    assert_eq!(f.get(&[2, 1]).unwrap(), lazyfuse::Scalar::I32(9 - 100));

    let be = rd("be_i16_2x3.npy");
    assert_eq!(be.to_vec::<i16>().unwrap(), vec![0, -3, -6, -9, -12, -15]);
    let be = rd("be_f64_3x2_f.npy");
    assert_eq!(be.strides(), &[1, 3]);
    assert_eq!(be.to_vec::<f64>().unwrap(), vec![0.25, 1.25, 2.25, 3.25, 4.25, 5.25]);
    let be = rd("be_u64_3.npy");
    assert_eq!(be.to_vec::<u64>().unwrap(), vec![1, 1 << 40, u64::MAX]);

    let v2 = rd("v2_u16_4.npy");
    assert_eq!(NpyHeader::parse(&bytes("v2_u16_4.npy")).unwrap().version, (2, 0));
    assert_eq!(v2.to_vec::<u16>().unwrap(), vec![1, 2, 3, 65535]);
    let v3 = rd("v3_f32_2x2.npy");
    assert_eq!(NpyHeader::parse(&bytes("v3_f32_2x2.npy")).unwrap().version, (3, 0));
    assert_eq!(v3.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.5]);

    let b = rd("bool_0d.npy");
    assert_eq!(b.shape(), &[] as &[usize]);
    assert!(b.to_scalar::<bool>().unwrap());
    assert_eq!(b.to_npy_bytes(), bytes("bool_0d.npy"));
    let i = rd("i8_0d.npy");
    assert_eq!(i.to_scalar::<i8>().unwrap(), -7);
    assert_eq!(i.to_npy_bytes(), bytes("i8_0d.npy"));
    let e = rd("u8_0x3.npy");
    assert_eq!((e.shape(), e.dtype()), (&[0, 3][..], DType::U8));
    assert_eq!(e.to_npy_bytes(), bytes("u8_0x3.npy"));
    assert_eq!(unsafe { Array::open_npy(fixture("u8_0x3.npy")) }.unwrap().len(), 0);
}

#[test]
fn numpy_fixtures_unsupported_dtypes_are_errors() {
    for (name, cause) in [
        ("unsupported_f16.npy", "float16"),
        ("unsupported_c16.npy", "complex"),
        ("unsupported_str.npy", "strings"),
        ("unsupported_struct.npy", "structured"),
        ("unsupported_object.npy", "Python objects"),
        ("unsupported_datetime.npy", "datetimes"),
    ] {
        let path = fixture(name);
        for r in [
            Array::read_npy(&path),
            unsafe { Array::open_npy(&path) },
            Array::from_npy_bytes(&std::fs::read(&path).unwrap()),
        ] {
            let m = npy_msg(r);
            assert!(m.contains(cause), "{name}: {m}");
        }
        let m = npy_msg(Array::read_npy(&path));
        assert!(m.contains(name), "path in message: {m}");
    }
}

/// Manual check that `numpy.load` reads what we write (CI has no Python):
///
/// ```text
/// LAZYFUSE_NPY_CHECK_DIR=/tmp/npy-check cargo test --test npy numpy_can_load
/// /tmp/npy-venv/bin/python - <<'PY'
/// import glob, io, json, numpy as np
/// for f in sorted(glob.glob('/tmp/npy-check/*.npy')):
///     want = json.load(open(f[:-4] + '.json'))
///     a = np.load(f)
///     assert str(a.dtype) == want['dtype'] and list(a.shape) == want['shape'], f
///     assert [repr(x) for x in a.ravel().tolist()] == want['values'], f
///     b = io.BytesIO(); np.save(b, a)
///     assert b.getvalue() == open(f, 'rb').read(), f   # byte-identical
/// print('ok')
/// PY
/// ```
///
/// Without the variable this test only checks that the expectations can
/// be produced.
#[test]
fn numpy_can_load_our_files() {
    let dir = std::env::var_os("LAZYFUSE_NPY_CHECK_DIR").map(PathBuf::from);
    if let Some(d) = &dir {
        std::fs::create_dir_all(d).unwrap();
    }
    for dt in DType::ALL {
        for (what, a) in layouts(dt) {
            // Python's repr of each value, as `ndarray.tolist()` gives them.
            let values: Vec<String> = a
                .to_scalars()
                .iter()
                .map(|s| match *s {
                    lazyfuse::Scalar::Bool(b) => (if b { "True" } else { "False" }).into(),
                    lazyfuse::Scalar::F32(v) => py_float(v as f64),
                    lazyfuse::Scalar::F64(v) => py_float(v),
                    s => s.to_string(),
                })
                .collect();
            let json = format!(
                "{{\"dtype\": \"{}\", \"shape\": {:?}, \"values\": {:?}}}",
                dt.numpy_name(),
                a.shape(),
                values
            );
            if let Some(d) = &dir {
                let stem = format!("{dt}_{}", what.replace([' ', '-'], "_"));
                a.write_npy(d.join(format!("{stem}.npy"))).unwrap();
                std::fs::write(d.join(format!("{stem}.json")), json).unwrap();
            }
        }
    }
}

/// Python's `repr(float)`: shortest round trip, `inf`, `nan`, always a `.`
/// or an exponent. Rust's `{:?}` matches except for the exponent form.
fn py_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{v:e}");
        let (m, e) = s.split_once('e').unwrap();
        let e: i32 = e.parse().unwrap();
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    format!("{v:?}")
}
