//! Malformed files and I/O errors name their cause; header padding.

use super::common::*;
use lazyfuse::internals::array::npy::{header_bytes, NpyHeader};
use lazyfuse::{Array, DType, Error};

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
