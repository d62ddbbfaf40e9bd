//! `Array::open_npy`: zero-copy views of the mapping, copies of misaligned
//! data.

use super::common::*;
use lazyfuse::Array;

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
