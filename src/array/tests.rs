//! Unit tests of `Array`: views share memory, `linspace` matches NumPy.

use super::*;

#[test]
fn views_share_memory() {
    let a = Array::from_shape_vec(&[3, 4], (0..12).map(|x| x as f64).collect()).unwrap();
    for v in [
        a.t(),
        a.index_axis(0, 1).unwrap(),
        a.slice(&[
            Index::range(0, 3, 2),
            Index::Slice {
                start: None,
                stop: None,
                step: -1,
            },
        ])
        .unwrap(),
        a.broadcast_to(&[2, 3, 4]).unwrap(),
        a.reshape(&[4, 3]).unwrap(),
        a.insert_axis(0).unwrap().squeeze(),
        a.permute(&[1, 0]).unwrap(),
    ] {
        assert!(v.shares_memory(&a));
    }
    let s = a
        .slice(&[
            Index::range(0, 3, 2),
            Index::Slice {
                start: None,
                stop: None,
                step: -1,
            },
        ])
        .unwrap();
    assert_eq!(
        s.to_vec::<f64>().unwrap(),
        vec![3.0, 2.0, 1.0, 0.0, 11.0, 10.0, 9.0, 8.0]
    );
    // Writing through a clone copies first: the base keeps its values.
    let mut b = a.clone();
    b.as_slice_mut::<f64>().unwrap()[1] = 100.0;
    assert_eq!(a.t().get(&[1, 0]).unwrap(), Scalar::F64(1.0));
    assert_eq!(b.t().get(&[1, 0]).unwrap(), Scalar::F64(100.0));
    // A transposed array reshaped to 1-D is a copy.
    let r = a.t().reshape(&[12]).unwrap();
    assert!(!r.shares_memory(&a));
    assert_eq!(r.to_vec::<f64>().unwrap()[..3], [0.0, 4.0, 8.0]);
}

#[test]
fn linspace_matches_numpy() {
    // np.linspace(0, 1, 7)
    let v = Array::linspace(0.0, 1.0, 7).unwrap().to_vec::<f64>().unwrap();
    assert_eq!(v[1].to_bits(), (1.0f64 / 6.0).to_bits());
    assert_eq!(v[6], 1.0);
}
