//! Round trips through bytes and files, every dtype and layout; byte orders,
//! format versions, header variants and type strings.

use super::common::*;
use lazyfuse::internals::array::npy::NpyHeader;
use lazyfuse::{Array, DType, Error, Index};

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
