//! `.npy` reading, writing and memory-mapping (`src/array/npy.rs`).
//!
//! Fixtures in `tests/data/npy/` were written by NumPy
//! (`scripts/gen_npy_fixtures.py`); the expected values are spelled out here.
//!
//! Safety of every `unsafe { Array::open_npy(..) }` here: no test truncates
//! or modifies a file in place while an array maps it (replacing it by
//! rename, as `write_npy` does, is allowed).

use lazyfuse::internals::array::npy::{header_bytes, NpyHeader};
use lazyfuse::{Array, DType, Error, Index};
use std::path::{Path, PathBuf};

// ----------------------------------------------------------------- helpers

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npy").join(name)
}

/// A fresh path in the temp directory, removed on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(tag: &str) -> TempPath {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        TempPath(std::env::temp_dir().join(format!("lazyfuse-npy-test-{}-{n}-{tag}.npy", std::process::id())))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `n` deterministic values of `dtype` covering negatives and extremes.
fn values(dtype: DType, n: usize) -> Array {
    let i = |k: usize| k as i64 * 7919 - 3 * n as i64;
    match dtype {
        DType::Bool => Array::from_vec((0..n).map(|k| k % 3 == 0).collect::<Vec<_>>()),
        DType::I8 => Array::from_vec((0..n).map(|k| i(k) as i8).collect::<Vec<_>>()),
        DType::I16 => Array::from_vec((0..n).map(|k| i(k) as i16).collect::<Vec<_>>()),
        DType::I32 => Array::from_vec((0..n).map(|k| (i(k) as i32).wrapping_mul(65599)).collect::<Vec<_>>()),
        DType::I64 => Array::from_vec((0..n).map(|k| i(k).wrapping_shl(40)).collect::<Vec<_>>()),
        DType::U8 => Array::from_vec((0..n).map(|k| i(k) as u8).collect::<Vec<_>>()),
        DType::U16 => Array::from_vec((0..n).map(|k| i(k) as u16).collect::<Vec<_>>()),
        DType::U32 => Array::from_vec((0..n).map(|k| i(k).wrapping_mul(65599) as u32).collect::<Vec<_>>()),
        DType::U64 => Array::from_vec((0..n).map(|k| i(k).wrapping_shl(45) as u64).collect::<Vec<_>>()),
        DType::F32 => Array::from_vec((0..n).map(|k| i(k) as f32 * -0.3).collect::<Vec<_>>()),
        DType::F64 => Array::from_vec((0..n).map(|k| i(k) as f64 * 1e-3 + 0.1).collect::<Vec<_>>()),
        other => panic!("no test values for dtype {other}"),
    }
}

/// The five layouts every dtype is round-tripped in.
fn layouts(dtype: DType) -> Vec<(&'static str, Array)> {
    let fortran = values(dtype, 12).reshape(&[4, 3]).unwrap().t();
    assert!(fortran.is_f_contiguous() && !fortran.is_c_contiguous());
    vec![
        ("1-d", values(dtype, 7)),
        ("2-d C", values(dtype, 12).reshape(&[3, 4]).unwrap()),
        ("2-d Fortran", fortran),
        ("0-d", values(dtype, 1).reshape(&[]).unwrap()),
        ("empty", Array::zeros(dtype, &[0])),
        ("empty 3-d", Array::zeros(dtype, &[2, 0, 3])),
    ]
}

fn npy_msg(r: Result<Array, Error>) -> String {
    match r {
        Err(Error::Npy(m)) => m,
        Err(e) => panic!("expected Error::Npy, got {e:?}"),
        Ok(a) => panic!("expected an error, got {a:?}"),
    }
}

/// A `.npy` file from a header dict literal and data, padded like NumPy's.
fn npy_file(version: u8, dict: &str, data: &[u8]) -> Vec<u8> {
    let prefix = if version == 1 { 10 } else { 12 };
    let mut text = dict.as_bytes().to_vec();
    while !(prefix + text.len() + 1).is_multiple_of(64) {
        text.push(b' ');
    }
    text.push(b'\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.extend([version, 0]);
    if version == 1 {
        out.extend((text.len() as u16).to_le_bytes());
    } else {
        out.extend((text.len() as u32).to_le_bytes());
    }
    out.extend(text);
    out.extend(data);
    out
}

/// A big-endian copy of a little-endian file written by `to_npy_bytes`.
fn to_big_endian(le: &[u8], dtype: DType) -> Vec<u8> {
    let h = NpyHeader::parse(le).unwrap();
    let mut out = le.to_vec();
    if dtype.size() > 1 {
        let at = out[..h.data_offset]
            .windows(2)
            .position(|w| w == b"'<")
            .map(|p| p + 1)
            .unwrap();
        out[at] = b'>';
        for e in out[h.data_offset..].chunks_exact_mut(dtype.size()) {
            e.reverse();
        }
    }
    out
}

// ------------------------------------------------------------- round trips

#[test]
fn round_trip_every_dtype_and_layout_through_bytes() {
    for dt in DType::ALL {
        for (what, a) in layouts(dt) {
            let bytes = a.to_npy_bytes();
            assert_eq!(bytes.len(), 128 + a.nbytes(), "{dt} {what}");
            let b = Array::from_npy_bytes(&bytes).unwrap();
            assert_eq!(a, b, "{dt} {what}");
            assert_eq!(b.shape(), a.shape());
            assert!(b.is_c_contiguous(), "written in C order: {dt} {what}");
            assert!(b.is_writable());
        }
    }
}

#[test]
fn round_trip_every_dtype_and_layout_through_files() {
    for dt in DType::ALL {
        for (what, a) in layouts(dt) {
            let p = TempPath::new("rt");
            a.write_npy(&p.0).unwrap();
            assert_eq!(std::fs::read(&p.0).unwrap(), a.to_npy_bytes());
            let read = Array::read_npy(&p.0).unwrap();
            assert_eq!(a, read, "read_npy {dt} {what}");
            let mapped = unsafe { Array::open_npy(&p.0) }.unwrap();
            assert_eq!(a, mapped, "open_npy {dt} {what}");
            assert!(!mapped.is_writable(), "open_npy maps {dt} {what}");
        }
    }
}

#[test]
fn strided_views_are_written_in_logical_c_order() {
    let a = Array::from_shape_vec(&[4, 5], (0..20).collect::<Vec<i32>>()).unwrap();
    let v = a
        .slice(&[
            Index::Slice {
                start: None,
                stop: None,
                step: -2,
            },
            Index::range(1, 5, 2),
        ])
        .unwrap();
    let b = Array::from_npy_bytes(&v.to_npy_bytes()).unwrap();
    assert_eq!(b.to_vec::<i32>().unwrap(), vec![16, 18, 6, 8]);
    let bc = Array::from_vec(vec![1u16, 2, 3]).broadcast_to(&[2, 3]).unwrap();
    let b = Array::from_npy_bytes(&bc.to_npy_bytes()).unwrap();
    assert_eq!(b.to_vec::<u16>().unwrap(), vec![1, 2, 3, 1, 2, 3]);
    // Large enough to go through several staging chunks.
    let big = Array::from_shape_vec(&[300, 500], (0..150_000).map(|x| x as f64).collect())
        .unwrap()
        .t();
    let b = Array::from_npy_bytes(&big.to_npy_bytes()).unwrap();
    assert_eq!(b, big);
}

#[test]
fn fortran_files_become_fortran_strided_arrays() {
    // A (2, 3) i16 array stored column by column.
    let data: Vec<u8> = [1i16, 4, 2, 5, 3, 6].iter().flat_map(|v| v.to_le_bytes()).collect();
    let bytes = npy_file(1, "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }", &data);
    let a = Array::from_npy_bytes(&bytes).unwrap();
    assert_eq!(a.shape(), &[2, 3]);
    assert_eq!(a.strides(), &[1, 2]);
    assert!(a.is_f_contiguous());
    assert_eq!(a.to_vec::<i16>().unwrap(), vec![1, 2, 3, 4, 5, 6]);

    let p = TempPath::new("fortran");
    std::fs::write(&p.0, &bytes).unwrap();
    for b in [
        Array::read_npy(&p.0).unwrap(),
        unsafe { Array::open_npy(&p.0) }.unwrap(),
    ] {
        assert_eq!(b.strides(), &[1, 2]);
        assert_eq!(b, a);
    }
    // Writing it back gives C order.
    let c = Array::from_npy_bytes(&a.to_npy_bytes()).unwrap();
    assert_eq!(c.strides(), &[3, 1]);
    assert_eq!(c, a);
}

#[test]
fn big_endian_files_are_swapped_on_read() {
    for dt in DType::ALL {
        for (what, a) in layouts(dt) {
            let be = to_big_endian(&a.to_npy_bytes(), dt);
            let h = NpyHeader::parse(&be).unwrap();
            assert_eq!(h.big_endian, dt.size() > 1);
            assert_eq!(Array::from_npy_bytes(&be).unwrap(), a, "{dt} {what}");
            let p = TempPath::new("be");
            std::fs::write(&p.0, &be).unwrap();
            assert_eq!(Array::read_npy(&p.0).unwrap(), a, "{dt} {what}");
            // Cannot be viewed natively: open_npy falls back to a copy.
            let m = unsafe { Array::open_npy(&p.0) }.unwrap();
            assert_eq!(m, a, "{dt} {what}");
            assert_eq!(m.is_writable(), dt.size() > 1 && cfg!(target_endian = "little"));
        }
    }
}

#[test]
fn format_versions_2_and_3() {
    let data: Vec<u8> = [1.5f64, -2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    for v in [1, 2, 3] {
        let bytes = npy_file(v, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", &data);
        let a = Array::from_npy_bytes(&bytes).unwrap();
        assert_eq!(a.to_vec::<f64>().unwrap(), vec![1.5, -2.0]);
        assert_eq!(NpyHeader::parse(&bytes).unwrap().version, (v, 0));
    }
}

#[test]
fn header_variants_numpy_accepts() {
    // Key order, quotes, list shapes, Python 2 longs, dtype names, '=' order.
    let data = 7i32.to_le_bytes().repeat(2);
    for dict in [
        "{'shape': (2,), 'fortran_order': False, 'descr': '<i4'}",
        "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": [2]}",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (2L,), }",
        "{'descr': 'int32', 'fortran_order': False, 'shape': (2,), }",
        "{'descr': '=i4', 'fortran_order': False, 'shape': ( 2 , ), }",
        "{'descr': '<i4', 'fortran_order': True, 'shape': (2,)}",
    ] {
        let a = Array::from_npy_bytes(&npy_file(1, dict, &data)).unwrap();
        assert_eq!(a.to_vec::<i32>().unwrap(), vec![7, 7], "{dict}");
    }
    // Headers not padded to 64 bytes (older NumPy padded to 16).
    let mut raw = b"\x93NUMPY\x01\x00".to_vec();
    let text = b"{'descr': '|u1', 'fortran_order': False, 'shape': (3,)}\n";
    raw.extend((text.len() as u16).to_le_bytes());
    raw.extend(text);
    raw.extend([1, 2, 3]);
    assert_eq!(
        Array::from_npy_bytes(&raw).unwrap().to_vec::<u8>().unwrap(),
        vec![1, 2, 3]
    );
}

/// The type string (`descr`) grammar: byte order, kind, size.
#[test]
fn type_strings_are_parsed_by_byte_order_kind_and_size() {
    let header = |descr: &str| {
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}");
        NpyHeader::parse(&npy_file(1, &dict, &[])).map(|h| (h.dtype, h.big_endian))
    };
    let native_big = cfg!(target_endian = "big");
    for (descr, dtype, big) in [
        ("<f8", DType::F64, false),
        (">f8", DType::F64, true),
        ("=f8", DType::F64, native_big),
        ("f8", DType::F64, native_big),
        ("<f4", DType::F32, false),
        ("|b1", DType::Bool, false),
        ("<b1", DType::Bool, false),
        (">b1", DType::Bool, false), // one byte: no order to swap
        ("|i1", DType::I8, false),
        ("<i2", DType::I16, false),
        ("<i4", DType::I32, false),
        ("|i4", DType::I32, native_big), // '|' is "not applicable": native
        (">i8", DType::I64, true),
        ("|u1", DType::U8, false),
        (">u2", DType::U16, true),
        ("<u4", DType::U32, false),
        ("<u8", DType::U64, false),
        ("float64", DType::F64, native_big),
        ("int32", DType::I32, native_big),
        ("uint8", DType::U8, false),
        ("bool", DType::Bool, false),
    ] {
        assert_eq!(header(descr).unwrap(), (dtype, big), "{descr}");
    }
    for (descr, cause) in [
        ("", "not a type string"),
        ("<", "not a type string"),
        ("|", "not a type string"),
        ("<f", "not a type string"),
        ("f", "not a type string"),
        ("<f8x", "not a type string"),
        ("<f8 ", "not a type string"),
        ("<<f8", "not a type string"),
        ("<x8", "not a type string"),
        ("<8", "not a type string"),
        ("<float64", "not a type string"),
        ("<é8", "not a type string"),
        ("<f-8", "not a type string"),
        ("<i8[ns]", "not a type string"),
        ("<i3", "(no such size)"),
        ("<i16", "(no such size)"),
        ("|b2", "(no such size)"),
        ("<f0", "(no such size)"),
        ("<u99999999999999999999999999", "(no such size)"),
        ("<f2", "(float16)"),
        ("<f16", "(extended-precision floats)"),
        ("<c16", "(complex numbers)"),
        ("|S10", "(strings)"),
        ("<U3", "(strings)"),
        ("|O", "(Python objects)"),
        ("<M8[ns]", "(datetimes)"),
        ("<m8", "(datetimes)"),
        ("|V16", "(raw bytes (void))"),
    ] {
        let m = match header(descr) {
            Err(Error::Npy(m)) => m,
            other => panic!("{descr}: expected Error::Npy, got {other:?}"),
        };
        assert!(m.contains(&format!("unsupported dtype '{descr}'")), "{descr}: {m}");
        assert!(m.contains(cause), "{descr}: expected '{cause}' in: {m}");
    }
    // A long type string is clipped in the message.
    let long = format!("<f{}", "9".repeat(300));
    let m = format!("{}", header(&long).unwrap_err());
    assert!(m.len() < 200 && m.contains('…'), "{m}");
}

#[test]
fn bool_bytes_other_than_0_and_1_read_as_true() {
    let bytes = npy_file(
        1,
        "{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }",
        &[0, 1, 2, 255],
    );
    let want = vec![false, true, true, true];
    assert_eq!(Array::from_npy_bytes(&bytes).unwrap().to_vec::<bool>().unwrap(), want);
    let p = TempPath::new("bool");
    std::fs::write(&p.0, &bytes).unwrap();
    let m = unsafe { Array::open_npy(&p.0) }.unwrap();
    assert!(m.is_writable(), "normalised copy, not a view");
    assert_eq!(m.to_vec::<bool>().unwrap(), want);
}

// ---------------------------------------------------------------- open_npy

#[test]
fn open_npy_views_the_mapping_without_a_copy() {
    let a = Array::from_shape_vec(&[3, 4], (0..12).map(|x| x as f32).collect()).unwrap();
    let p = TempPath::new("mmap");
    a.write_npy(&p.0).unwrap();
    let file_len = std::fs::metadata(&p.0).unwrap().len() as usize;
    let m = unsafe { Array::open_npy(&p.0) }.unwrap();
    assert!(!m.is_writable());
    // The buffer is the whole file; the array starts right after the header.
    assert_eq!(m.buffer().len(), file_len);
    assert_eq!(m.as_ptr(), m.buffer().as_ptr().wrapping_add(128) as *const u8);
    assert_eq!(m.offset(), 128 / 4);
    assert_eq!(m.as_slice::<f32>().unwrap(), a.as_slice::<f32>().unwrap());
    // Writing copies first (copy-on-write): the mapping is untouched.
    let mut mm = m.clone();
    mm.as_slice_mut::<f32>().unwrap()[0] = 7.0;
    assert!(!mm.shares_memory(&m) && mm.is_writable());
    assert_eq!(m.as_slice::<f32>().unwrap()[0], 0.0);
    // Views of the mapping share it.
    assert!(m.t().shares_memory(&m));

    // Replacing the file while it is mapped is safe: the mapping keeps the
    // old contents.
    Array::from_shape_vec(&[3, 4], vec![-1.0f32; 12])
        .unwrap()
        .write_npy(&p.0)
        .unwrap();
    assert_eq!(m, a);
    assert_eq!(Array::read_npy(&p.0).unwrap().to_vec::<f32>().unwrap()[0], -1.0);
}

#[test]
fn open_npy_copies_misaligned_data() {
    // A hand-made header that leaves the f64 data at an odd offset.
    let mut raw = b"\x93NUMPY\x01\x00".to_vec();
    let mut text = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,)}".to_vec();
    if text.len() % 2 == 1 {
        text.push(b' ');
    }
    text.push(b'\n');
    raw.extend((text.len() as u16).to_le_bytes());
    raw.extend(text);
    assert_eq!(raw.len() % 2, 1);
    raw.extend([1.5f64, -2.5].iter().flat_map(|v| v.to_le_bytes()));
    let p = TempPath::new("misaligned");
    std::fs::write(&p.0, &raw).unwrap();
    let m = unsafe { Array::open_npy(&p.0) }.unwrap();
    assert!(m.is_writable(), "a copy, not a view");
    assert_eq!(m.as_slice::<f64>().unwrap(), &[1.5, -2.5]);
}

#[test]
fn open_npy_of_a_numpy_fortran_file_is_zero_copy() {
    let m = unsafe { Array::open_npy(fixture("i32_3x4_f.npy")) }.unwrap();
    assert!(!m.is_writable());
    assert_eq!(m.strides(), &[1, 3]);
    let want: Vec<i32> = (0..12).map(|x| x - 100).collect();
    assert_eq!(m.to_vec::<i32>().unwrap(), want);
}

// ------------------------------------------------------- files from NumPy

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

// ------------------------------------------------------------------ errors

#[test]
fn malformed_files_name_the_cause() {
    let ok_dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    let data = [0u8; 16];
    let cases: Vec<(Vec<u8>, &str)> =
        vec![
        (b"PK\x03\x04 a zip file, not npy".to_vec(), "bad magic"),
        (vec![], "truncated"),
        (b"\x93NUM".to_vec(), "truncated"),
        (b"\x93NUMPY\x01\x00\x10".to_vec(), "truncated"),
        (
            {
                let mut f = npy_file(1, ok_dict, &data);
                f[6] = 4;
                f
            },
            "version 4.0",
        ),
        (
            {
                let mut f = npy_file(1, ok_dict, &data);
                f[8] = 0xff;
                f[9] = 0xff;
                f
            },
            "truncated header",
        ),
        (
            npy_file(1, "{'descr': '<f8', 'shape': (2,), }", &data),
            "missing key 'fortran_order'",
        ),
        (
            npy_file(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}",
                &data,
            ),
            "unexpected key 'x'",
        ),
        (
            npy_file(1, "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}", &data),
            "'fortran_order' is an integer",
        ),
        (
            npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-2,)}", &data),
            "invalid dimension -2",
        ),
        (
            npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': 2}", &data),
            "'shape' is an integer",
        ),
        (
            npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2.0,)}", &data),
            "floats",
        ),
        (
            npy_file(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776)}",
                &data,
            ),
            "too large",
        ),
        (
            npy_file(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1099511627776, 1099511627776)}",
                &data,
            ),
            "too large",
        ),
        (
            npy_file(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999999,)}",
                &data,
            ),
            "invalid dimension",
        ),
        (
            npy_file(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999999999999999999999999,)}",
                &data,
            ),
            "fits in 128 bits",
        ),
        (
            npy_file(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,)}", &data),
            "float16",
        ),
        (
            npy_file(1, "{'descr': '<i3', 'fortran_order': False, 'shape': (2,)}", &data),
            "unsupported dtype '<i3'",
        ),
        (
            npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}", &data),
            "truncated data",
        ),
        (
            npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", &data),
            "8 unexpected bytes",
        ),
        (npy_file(1, "{'descr': '<f8', ", &data), "bad header"),
        (b"\x93NUMPY\x01\x00\x00\x00{}".to_vec(), "bad header"),
        (b"\x93NUMPY\x01\x00\x01\x00{}".to_vec(), "bad header"),
        (b"\x93NUMPY\x01\x00\x00\x00".to_vec(), "bad header"),
        (b"\x93NUMPY\x03\x00\x00\x00\x00\x00".to_vec(), "bad header"),
        (npy_file(1, "[1, 2]", &data), "expected a dict"),
        (npy_file(1, "{'descr': '<f8'} trailing", &data), "bad header"),
        (
            npy_file(1, &format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({})}}", "1, ".repeat(65)), &data),
            "65 dimensions",
        ),
    ];
    for (bytes, cause) in cases {
        let m = npy_msg(Array::from_npy_bytes(&bytes));
        assert!(m.contains(cause), "expected '{cause}' in: {m}");
        // The path-based readers agree and add the path.
        let p = TempPath::new("bad");
        std::fs::write(&p.0, &bytes).unwrap();
        for r in [Array::read_npy(&p.0), unsafe { Array::open_npy(&p.0) }] {
            let m = npy_msg(r);
            assert!(m.contains(cause), "expected '{cause}' in: {m}");
            assert!(m.contains(&*p.0.to_string_lossy()), "path in: {m}");
        }
    }
}

#[test]
fn io_errors_name_the_path() {
    let missing = std::env::temp_dir().join("lazyfuse-no-such-dir/missing.npy");
    for r in [Array::read_npy(&missing), unsafe { Array::open_npy(&missing) }] {
        match r {
            Err(Error::Io(m)) => assert!(m.contains("missing.npy"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    match Array::from_vec(vec![1u8]).write_npy(&missing) {
        Err(Error::Io(m)) => assert!(m.contains("missing.npy"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A directory is not a .npy file.
    assert!(Array::read_npy(std::env::temp_dir()).is_err());
    assert!(unsafe { Array::open_npy(std::env::temp_dir()) }.is_err());
    assert!(Array::from_vec(vec![1u8]).write_npy(std::env::temp_dir()).is_err());
    assert!(Array::from_vec(vec![1u8]).write_npy("/").is_err());
}

#[test]
fn header_bytes_pads_to_64_like_numpy() {
    for shape in [&[][..], &[0], &[7], &[3, 4], &[1 << 40, 2, 1, 5, 9]] {
        for dt in DType::ALL {
            let h = header_bytes(dt, shape);
            assert_eq!(h.len() % 64, 0);
            let parsed = NpyHeader::parse(&h).unwrap();
            assert_eq!((parsed.dtype, &parsed.shape[..]), (dt, shape));
            assert_eq!(parsed.data_offset, h.len());
            assert!(!parsed.fortran_order && !parsed.big_endian);
        }
    }
}

// -------------------------------------------------------------------- fuzz

/// The crate's generator (one RNG for every test).
use lazyfuse::internals::array::random::SplitMix64 as Rng;

/// Reads `bytes` every way; any outcome but a panic is fine, and an `Ok`
/// array must be fully readable.
fn read_any(bytes: &[u8]) -> bool {
    match Array::from_npy_bytes(bytes) {
        Ok(a) => {
            let _ = a.to_scalars();
            let _ = a.t().to_npy_bytes();
            true
        }
        Err(Error::Npy(m)) => {
            assert!(!m.is_empty());
            false
        }
        Err(e) => panic!("expected Error::Npy, got {e:?}"),
    }
}

fn seed_files() -> Vec<Vec<u8>> {
    let mut seeds = vec![
        values(DType::F64, 3).to_npy_bytes(),
        values(DType::Bool, 5).reshape(&[5, 1]).unwrap().to_npy_bytes(),
        values(DType::I16, 6).reshape(&[2, 3]).unwrap().to_npy_bytes(),
        Array::zeros(DType::U8, &[0, 4]).to_npy_bytes(),
        values(DType::U32, 1).reshape(&[]).unwrap().to_npy_bytes(),
        to_big_endian(&values(DType::I64, 2).to_npy_bytes(), DType::I64),
        npy_file(
            2,
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
            &[0; 16],
        ),
    ];
    seeds.push(std::fs::read(fixture("v3_f32_2x2.npy")).unwrap());
    seeds.push(std::fs::read(fixture("unsupported_struct.npy")).unwrap());
    seeds
}

#[test]
fn fuzz_truncation_at_every_byte_is_an_error() {
    for seed in seed_files() {
        let valid = Array::from_npy_bytes(&seed).is_ok();
        for len in 0..seed.len() {
            let r = Array::from_npy_bytes(&seed[..len]);
            assert!(r.is_err() || !valid, "prefix of {len} bytes accepted");
            read_any(&seed[..len]);
        }
    }
}

#[test]
fn fuzz_corruption_at_every_byte_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for seed in seed_files() {
        for pos in 0..seed.len() {
            for v in [0u8, 0xff, b'(', b'9', b'\'', b',', b' ', seed[pos] ^ 1] {
                let mut f = seed.clone();
                f[pos] = v;
                accepted += read_any(&f) as usize;
            }
            // Insertions and deletions shift everything after them.
            let mut f = seed.clone();
            f.insert(pos, rng.next_u64() as u8);
            read_any(&f);
            let mut f = seed.clone();
            f.remove(pos);
            read_any(&f);
        }
    }
    assert!(accepted > 0, "some corruptions (of data bytes) must still parse");
}

#[test]
fn fuzz_random_headers_never_panic() {
    let mut rng = Rng(42);
    let tokens: [&str; 30] = [
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        " ",
        "'descr'",
        "'shape'",
        "'fortran_order'",
        "'<f8'",
        "'|b1'",
        "'>i4'",
        "'<c16'",
        "True",
        "False",
        "None",
        "0",
        "1",
        "-1",
        "18446744073709551616",
        "4294967296",
        "99999999999",
        "'",
        "\\",
        "L",
        "\n",
        "'x'",
    ];
    for _ in 0..20_000 {
        let mut text = String::new();
        if rng.below(2) == 0 {
            text.push_str("{'descr': '<f8', 'fortran_order': False, 'shape': (");
        }
        for _ in 0..rng.below(24) {
            text.push_str(tokens[rng.below(tokens.len())]);
        }
        let data: Vec<u8> = (0..rng.below(40)).map(|_| rng.next_u64() as u8).collect();
        read_any(&npy_file(1 + rng.below(3) as u8, &text, &data));
    }
    // Pure noise, with and without the magic.
    for _ in 0..5_000 {
        let mut f: Vec<u8> = (0..rng.below(200)).map(|_| rng.next_u64() as u8).collect();
        if rng.below(2) == 0 {
            f.splice(0..0, *b"\x93NUMPY\x01\x00");
        }
        read_any(&f);
    }
}

#[test]
fn fuzz_path_readers_never_panic() {
    let mut rng = Rng(7);
    let p = TempPath::new("fuzz");
    for seed in seed_files() {
        for _ in 0..40 {
            let mut f = seed.clone();
            match rng.below(3) {
                0 => f.truncate(rng.below(f.len())),
                1 => {
                    let i = rng.below(f.len());
                    f[i] = rng.next_u64() as u8;
                }
                _ => f.extend((0..rng.below(9)).map(|_| rng.next_u64() as u8)),
            }
            std::fs::write(&p.0, &f).unwrap();
            let direct = Array::from_npy_bytes(&f);
            for r in [Array::read_npy(&p.0), unsafe { Array::open_npy(&p.0) }] {
                match (&r, &direct) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b),
                    (Err(Error::Npy(_)), Err(Error::Npy(_))) => {}
                    _ => panic!("readers disagree: {r:?} vs {direct:?}"),
                }
            }
        }
    }
}

// ------------------------------------------------------- NumPy reads ours

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
