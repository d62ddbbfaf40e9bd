//! Helpers shared by the `.npy` tests: fixtures, temporary paths, sample
//! arrays in every layout, hand-built files.

use lazyfuse::internals::array::npy::NpyHeader;
use lazyfuse::{Array, DType, Error};
use std::path::{Path, PathBuf};

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npy").join(name)
}

/// A fresh path in the temp directory, removed on drop.
pub(crate) struct TempPath(pub(crate) PathBuf);

impl TempPath {
    pub(crate) fn new(tag: &str) -> TempPath {
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
pub(crate) fn values(dtype: DType, n: usize) -> Array {
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
pub(crate) fn layouts(dtype: DType) -> Vec<(&'static str, Array)> {
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

pub(crate) fn npy_msg(r: Result<Array, Error>) -> String {
    match r {
        Err(Error::Npy(m)) => m,
        Err(e) => panic!("expected Error::Npy, got {e:?}"),
        Ok(a) => panic!("expected an error, got {a:?}"),
    }
}

/// A `.npy` file from a header dict literal and data, padded like NumPy's.
pub(crate) fn npy_file(version: u8, dict: &str, data: &[u8]) -> Vec<u8> {
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
pub(crate) fn to_big_endian(le: &[u8], dtype: DType) -> Vec<u8> {
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
