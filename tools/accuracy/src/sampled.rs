//! The sampled run: every function of the op table on its inputs against
//! MPFR, optionally dumping the exact values for `numpy_ulp.py`.

use crate::inputs::*;
use crate::reference::*;
use crate::report::*;
use lazyfuse::internals::expr::{BinaryOp, UnaryOp};
use lazyfuse::internals::math::{BinaryFn, UnaryFn};
use rug::Float;
use std::io::Write as _;

/// Writes `DIR/NAME.DTYPE.bin`: for each input x (and y), the exact value
/// as a double-double (hi = exact rounded to f64, lo = the rest), all
/// little-endian f64; for `numpy_ulp.py`.
pub(crate) struct Dump(pub(crate) Option<std::path::PathBuf>);
impl Dump {
    pub(crate) fn write(&self, name: &str, fmt: Fmt, cols: &[Vec<f64>]) {
        let Some(dir) = &self.0 else { return };
        let path = dir.join(format!("{name}.{}.bin", fmt.name()));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create dump file"));
        let n = cols[0].len();
        for i in 0..n {
            for c in cols {
                f.write_all(&c[i].to_le_bytes()).unwrap();
            }
        }
    }
}

pub(crate) fn split(exact: &Float) -> (f64, f64) {
    let hi = exact.to_f64();
    let lo = if hi.is_finite() && exact.is_finite() {
        Float::with_val(PREC, exact - hi).to_f64()
    } else {
        0.0
    };
    (hi, lo)
}

pub(crate) fn sampled(n: usize, only: &[String], dump: &Dump) -> Vec<Row> {
    let mut rows = Vec::new();
    let unary: Vec<&'static UnaryFn> = UnaryOp::ALL.iter().filter_map(|o| o.math()).collect();
    let binary: Vec<&'static BinaryFn> = BinaryOp::ALL.iter().filter_map(|o| o.math()).collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    for (i, f) in unary.iter().enumerate() {
        if !wanted(f.name) {
            continue;
        }
        for fmt in [Fmt::F64, Fmt::F32] {
            let xs = unary_inputs(f.name, fmt, n, 0xACC0_0000 + i as u64 * 2 + (fmt == Fmt::F32) as u64);
            let mut st = Stat::default();
            let mut cols = vec![Vec::new(), Vec::new(), Vec::new()];
            for &x in &xs {
                let ours = match fmt {
                    Fmt::F64 => (f.f64)(x),
                    Fmt::F32 => f64::from((f.f32)(x as f32)),
                };
                let exact = exact_unary(f.name, x);
                let (err, special) = ulp_error(ours, &exact, fmt);
                st.add(err, special, || format!("{}({})", f.name, show(x, fmt)));
                if dump.0.is_some() {
                    let (hi, lo) = split(&exact);
                    cols[0].push(x);
                    cols[1].push(hi);
                    cols[2].push(lo);
                }
            }
            dump.write(f.name, fmt, &cols);
            eprintln!(
                "{:>10} {}: max {:.3} ULP over {} inputs",
                f.name,
                fmt.name(),
                st.max,
                st.n
            );
            rows.push(Row {
                name: f.name,
                fmt,
                stat: st,
            });
        }
    }
    for (i, f) in binary.iter().enumerate() {
        if !wanted(f.name) {
            continue;
        }
        for fmt in [Fmt::F64, Fmt::F32] {
            let ps = binary_inputs(f.name, fmt, n, 0xB1AA_0000 + i as u64 * 2 + (fmt == Fmt::F32) as u64);
            let mut st = Stat::default();
            let mut cols = vec![Vec::new(), Vec::new(), Vec::new(), Vec::new()];
            for &(x, y) in &ps {
                let ours = match fmt {
                    Fmt::F64 => (f.f64)(x, y),
                    Fmt::F32 => f64::from((f.f32)(x as f32, y as f32)),
                };
                let exact = exact_binary(f.name, x, y);
                let (err, special) = ulp_error(ours, &exact, fmt);
                st.add(err, special, || {
                    format!("{}({}, {})", f.name, show(x, fmt), show(y, fmt))
                });
                if dump.0.is_some() {
                    let (hi, lo) = split(&exact);
                    cols[0].push(x);
                    cols[1].push(y);
                    cols[2].push(hi);
                    cols[3].push(lo);
                }
            }
            dump.write(f.name, fmt, &cols);
            eprintln!(
                "{:>10} {}: max {:.3} ULP over {} inputs",
                f.name,
                fmt.name(),
                st.max,
                st.n
            );
            rows.push(Row {
                name: f.name,
                fmt,
                stat: st,
            });
        }
    }
    rows
}
