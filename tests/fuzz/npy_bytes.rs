//! Target 4: `.npy` bytes — header-aware mutations of files of every dtype.

use super::common::*;
use lazyfuse::internals::runtime::ExecOptions;
use lazyfuse::{Array, Expr};

/// The header's dictionary text, its position and length.
fn header_span(b: &[u8]) -> Option<(usize, usize)> {
    let start = b.iter().position(|&x| x == b'{')?;
    let end = b[start..].iter().position(|&x| x == b'\n')? + start;
    Some((start, end))
}

const DESCRS: &[&str] = &[
    "'<f8'",
    "'<f4'",
    "'>f8'",
    "'>i4'",
    "'<i8'",
    "'|b1'",
    "'|u1'",
    "'|i1'",
    "'<u2'",
    "'>u8'",
    "'<f2'",
    "'|O'",
    "'<c16'",
    "'<U3'",
    "'|V8'",
    "'<M8[s]'",
    "'<i0'",
    "'<f8",
    "[('x', '<f8')]",
    "'='",
    "''",
    "b'<f8'",
    "42",
];

const SHAPES: &[&str] = &[
    "()",
    "(0,)",
    "(3,)",
    "(2, 3)",
    "(2, 3,)",
    "(,)",
    "(3)",
    "(-1,)",
    "(1, -1)",
    "(18446744073709551615,)",
    "(18446744073709551616,)",
    "(9223372036854775807,)",
    "(4294967296, 4294967296)",
    "(0, 9223372036854775807)",
    "(0, 18446744073709551615, 18446744073709551615)",
    "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)",
    "(2, 2, 2, 2, 2, 2)",
    "[2, 3]",
    "(2.0,)",
    "(True,)",
    "None",
];

/// A header-aware mutation of a `.npy` file.
fn mutate_npy(r: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for _ in 0..1 + r.below(2) {
        match r.below(9) {
            // Header fields.
            0..=2 => {
                let Some((s, e)) = header_span(&b) else { continue };
                let h = String::from_utf8_lossy(&b[s..e]).into_owned();
                let new = match r.below(4) {
                    0 => {
                        let v = r.pick(DESCRS);
                        replace_field(&h, "'descr': ", v)
                    }
                    1 => {
                        let v = r.pick(&["True", "False", "1", "None", "'yes'", "Tru"]);
                        replace_field(&h, "'fortran_order': ", v)
                    }
                    2 => {
                        let v = r.pick(SHAPES);
                        replace_field(&h, "'shape': ", v)
                    }
                    _ => {
                        // Drop, duplicate or add a key.
                        match r.below(3) {
                            0 => h.replacen("'descr'", "'dscr'", 1),
                            1 => h.replacen("{", "{'shape': (1,), ", 1),
                            _ => h.replacen("{", "{'extra': 1, ", 1),
                        }
                    }
                };
                // Keep the header length consistent, or not.
                let fix_len = r.chance(0.7);
                let mut nb = b[..s].to_vec();
                nb.extend_from_slice(new.as_bytes());
                nb.extend_from_slice(&b[e..]);
                if fix_len && b[6] == 1 && s == 10 {
                    let hl =
                        (nb.len() - s) as isize - (b.len() - s) as isize + u16::from_le_bytes([b[8], b[9]]) as isize;
                    if (0..=u16::MAX as isize).contains(&hl) {
                        nb[8..10].copy_from_slice(&(hl as u16).to_le_bytes());
                    }
                }
                b = nb;
            }
            // Header length bytes.
            3 => {
                if b.len() >= 10 {
                    let v = r.pick(&[0u16, 1, 10, 118, 119, 127, 128, 65535]);
                    b[8..10].copy_from_slice(&v.to_le_bytes());
                }
            }
            // Version bytes.
            4 => {
                if b.len() >= 8 {
                    b[6] = r.pick(&[0u8, 1, 2, 3, 4, 255]);
                    b[7] = r.pick(&[0u8, 0, 1]);
                }
            }
            // Truncate or extend the data.
            5 => {
                if r.chance(0.5) {
                    let n = r.below(b.len() + 1);
                    b.truncate(n);
                } else {
                    let n = 1 + r.below(16);
                    b.extend((0..n).map(|_| r.u64() as u8));
                }
            }
            // Byte flips anywhere.
            _ => {
                if !b.is_empty() {
                    for _ in 0..1 + r.below(4) {
                        let i = r.below(b.len());
                        let v = if r.chance(0.5) {
                            b[i] ^ (1 << r.below(8))
                        } else {
                            r.u64() as u8
                        };
                        b[i] = v;
                    }
                }
            }
        }
    }
    b
}

/// `h` with the value after `key` (up to the next `,` at depth 0 or `}`)
/// replaced.
fn replace_field(h: &str, key: &str, with: &str) -> String {
    let Some(k) = h.find(key) else {
        return h.to_string();
    };
    let v = k + key.len();
    let mut depth = 0i32;
    let mut end = h.len();
    for (i, ch) in h[v..].char_indices() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth <= 0 => {
                end = v + i;
                break;
            }
            _ => {}
        }
    }
    format!("{}{}{}", &h[..v], with, &h[end..])
}

fn npy_case(r: &mut Rng, c: &mut Case) -> Result<(), String> {
    let d = r.pick(&DTYPES);
    let s = shape(r);
    let a = array(r, d, &s);
    let mut bytes = a.to_npy_bytes();
    if r.chance(0.15) && s.len() >= 2 {
        // Fortran order: the transpose's C bytes with the shape reversed
        // back.
        let t = a.t().to_contiguous();
        let (hs, he) = header_span(&bytes).expect("a header");
        let h = String::from_utf8_lossy(&bytes[hs..he]).into_owned();
        let h = h.replace("'fortran_order': False", "'fortran_order': True");
        let mut nb = bytes[..hs].to_vec();
        nb.extend_from_slice(h.as_bytes());
        nb.extend_from_slice(&bytes[he..bytes.len() - a.nbytes()]);
        nb.extend_from_slice(&t.to_npy_bytes()[bytes.len() - a.nbytes()..]);
        bytes = nb;
    }
    let bytes = if r.chance(0.1) { bytes } else { mutate_npy(r, &bytes) };
    c.input = format!("npy bytes: {:?}", String::from_utf8_lossy(&bytes));
    let Ok(x) = Array::from_npy_bytes(&bytes) else {
        return Ok(());
    };
    c.stats.parsed += 1;
    let back = Array::from_npy_bytes(&x.to_npy_bytes()).map_err(|e| format!("re-reading what was written: {e}"))?;
    if back != x {
        return Err(format!("round trip changed the array: {x:?} became {back:?}"));
    }
    let k = numel(x.shape()).unwrap_or(usize::MAX);
    for src in ["a + a", "sum(a)", "a * 2 + 1"] {
        // Huge empty shapes are fine to evaluate; only elementwise work
        // on more than 2^16 elements is skipped (there is none in data
        // this small, but a mutated shape could claim it).
        if k > 1 << 16 {
            break;
        }
        let e = Expr::parse(src, &[("a", &x)]).map_err(|e| format!("{src}: {e}"))?;
        let threads = if r.chance(0.3) { 2 } else { 1 };
        let got = e
            .eval_with(&ExecOptions::default().with_threads(threads))
            .map(|a| vec![a]);
        let (g, arrays) =
            lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)).map_err(|e| format!("{src}: {e}"))?;
        let want = lazyfuse::internals::interp::interpret(&g, &arrays);
        agree(&format!("{src}: JIT ({threads} threads)"), &g, &want, &got, c)?;
    }
    Ok(())
}

/// The `.npy` reader on mutated files of every dtype, 0-d, empty and
/// Fortran-ordered.
#[test]
fn npy_bytes() {
    run("npy_bytes", 4, 40000, npy_case);
}
