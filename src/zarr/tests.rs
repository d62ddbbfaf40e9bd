//! Unit tests of the chunk arithmetic: read rectangles and default output
//! chunks.

use super::read::rectangles;
use super::write::default_chunks;

#[test]
fn rectangles_cover_ranges_in_order() {
    let shape = [3u64, 4, 5];
    let n: u64 = shape.iter().product();
    for a in 0..=n {
        for b in a..=n {
            let mut out = vec![];
            rectangles(&shape, 0, &mut vec![], a, b, &mut out);
            // The rectangles' elements, in C order, are exactly a..b.
            let mut got = vec![];
            for r in &out {
                for i in r[0].clone() {
                    for j in r[1].clone() {
                        for k in r[2].clone() {
                            got.push(i * 20 + j * 5 + k);
                        }
                    }
                }
            }
            assert_eq!(got, (a..b).collect::<Vec<_>>(), "{a}..{b}");
            assert!(out.len() <= 5);
        }
    }
}

#[test]
fn default_chunks_are_whole_rows_of_about_4_mib() {
    assert_eq!(default_chunks(&[125_000_000], 8, 256 << 20), vec![524_288]);
    assert_eq!(default_chunks(&[1000, 8], 8, 256 << 20), vec![1000, 8]);
    assert_eq!(default_chunks(&[10_000_000, 8], 8, 256 << 20), vec![65536, 8]);
    // A row larger than the target: single rows, cut along axis 1.
    assert_eq!(default_chunks(&[3, 1 << 20, 2], 8, 256 << 20), vec![1, 262_144, 2]);
    // A tiny budget: small chunks.
    assert_eq!(default_chunks(&[1000], 8, 1024), vec![16]);
    assert_eq!(default_chunks(&[], 8, 256 << 20), Vec::<usize>::new());
    assert_eq!(default_chunks(&[0, 5], 4, 256 << 20), vec![1, 5]);
}
