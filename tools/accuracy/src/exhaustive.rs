//! `--exhaustive-f32`: every f32 input of the one-argument functions
//! against glibc's f64 function.

use crate::inputs::*;
use crate::report::*;
use crate::throughput::*;
use lazyfuse::internals::expr::UnaryOp;

/// glibc's f64 function, the reference of the exhaustive f32 run.
pub(crate) fn glibc_f64(name: &str) -> fn(f64) -> f64 {
    match name {
        "exp" => f64::exp,
        "exp2" => f64::exp2,
        "expm1" => f64::exp_m1,
        "log" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "log1p" => f64::ln_1p,
        "cbrt" => f64::cbrt,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "arcsin" => f64::asin,
        "arccos" => f64::acos,
        "arctan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "arcsinh" => f64::asinh,
        "arccosh" => f64::acosh,
        "arctanh" => f64::atanh,
        _ => panic!("no glibc reference for {name}"),
    }
}

/// ULP error of an f32 result against an f64 reference value, in f32 ULPs
/// (the same conventions as `ulp_error`, in f64 arithmetic: exact enough
/// for a reference that is itself within 2^-29 f32 ULP).
pub(crate) fn ulp_error_f32(ours: f32, reference: f64) -> (f64, bool) {
    if reference.is_nan() || ours.is_nan() {
        return if reference.is_nan() && ours.is_nan() {
            (0.0, false)
        } else {
            (f64::INFINITY, true)
        };
    }
    let rounded = reference as f32;
    let special = rounded.is_infinite() != ours.is_infinite()
        || (rounded.is_infinite() && rounded != ours)
        || (reference == 0.0 && ours == 0.0 && reference.is_sign_negative() != ours.is_sign_negative());
    let big = 2f64.powi(128);
    let clamp = |v: f64| if v.abs() > big { big.copysign(v) } else { v };
    let e = clamp(reference);
    let o = clamp(f64::from(ours));
    let ulp = if e == 0.0 {
        2f64.powi(-149)
    } else {
        let ex = e.abs().log2().floor() as i32;
        2f64.powi((ex - 23).max(-149))
    };
    ((o - e).abs() / ulp, special)
}

pub(crate) fn exhaustive_f32(only: &[String], threads: usize, stride: u64) -> Vec<Row> {
    let mut rows = Vec::new();
    for f in UnaryOp::ALL.iter().filter_map(|o| o.math()) {
        if !(only.is_empty() || only.iter().any(|o| o == f.name)) {
            continue;
        }
        let reference = glibc_f64(f.name);
        let t0 = std::time::Instant::now();
        let parts: Vec<Stat> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads as u64)
                .map(|t| {
                    s.spawn(move || {
                        let mut st = Stat::default();
                        let mut x = t * stride;
                        let step = threads as u64 * stride;
                        let mut block = [0f32; 4096];
                        let mut bits = [0u32; 4096];
                        while x < 1 << 32 {
                            let mut k = 0;
                            while k < block.len() && x < 1 << 32 {
                                bits[k] = x as u32;
                                block[k] = f32::from_bits(x as u32);
                                k += 1;
                                x += step;
                            }
                            let mut out = block;
                            lazyfuse_block_f32(f, &mut out[..k]);
                            for j in 0..k {
                                let xin = f32::from_bits(bits[j]);
                                let (err, special) = ulp_error_f32(out[j], reference(f64::from(xin)));
                                st.add(err, special, || format!("{}({:e} = {:#010x})", f.name, xin, bits[j]));
                            }
                        }
                        st
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut st = Stat::default();
        for p in parts {
            st.n += p.n;
            st.sum += p.sum;
            st.specials += p.specials;
            if st.special_example.is_empty() {
                st.special_example = p.special_example;
            }
            if p.max > st.max || st.worst.is_empty() {
                st.max = p.max;
                st.worst = p.worst;
            }
        }
        eprintln!(
            "{:>10} float32 exhaustive: max {:.3} ULP over {} inputs ({:.0?})",
            f.name,
            st.max,
            st.n,
            t0.elapsed()
        );
        rows.push(Row {
            name: f.name,
            fmt: Fmt::F32,
            stat: st,
        });
    }
    rows
}
