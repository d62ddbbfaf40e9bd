//! Byte-level fuzzing of the reader: truncation, corruption, random headers,
//! path readers. Nothing may panic.

use super::common::*;
use lazyfuse::{Array, DType, Error};

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
