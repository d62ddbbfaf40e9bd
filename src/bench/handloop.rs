//! Hand-written Rust loops for the suite cases: what a careful programmer
//! writes without lazyfuse (single thread, reused output, several
//! accumulators for reductions, tiles for the transpose), each compiled
//! plain and for AVX2+FMA and picked at run time.
//!
//! Invariant: a loop reads the inputs and writes the output of its suite
//! case (same dtypes and shapes), so `ratio` compares like with like.

use crate::array::Array;

pub type Loop = fn(&[Array], &mut Array);

/// The loop for a suite case id.
pub fn find(id: &str) -> Option<Loop> {
    Some(match id {
        "add" => add,
        "axpby" | "small" => axpby,
        "poly4" | "medium" => poly4,
        "horner" => horner,
        "hypot" => hypot,
        "where" => where_,
        "gauss" => gauss,
        "trig" => trig,
        "log1p" => log1p,
        "tanh" => tanh,
        "f32_axpby" => f32_axpby,
        "f32_exp" => f32_exp,
        "int_mix" => int_mix,
        "mixed" => mixed,
        "dot" => dot,
        "rowsum" => rowsum,
        "colsum" => colsum,
        "standardize" => standardize,
        "bcast_row" => bcast_row,
        "transpose" => transpose,
        "transpose_mul" => transpose_mul,
        "fortran_add" => fortran_add,
        "strided" => strided,
        _ => return None,
    })
}

fn s<T: crate::array::Element>(a: &Array) -> &[T] {
    a.as_slice::<T>().expect("contiguous input of the suite dtype")
}
fn o<T: crate::array::Element>(a: &mut Array) -> &mut [T] {
    a.as_slice_mut::<T>().expect("contiguous output")
}

/// Compiles `$body` twice, plain and with AVX2+FMA, and picks at run time.
macro_rules! native {
    ($name:ident($ins:ident, $out:ident) $body:block) => {
        fn $name($ins: &[Array], $out: &mut Array) {
            #[inline(always)]
            fn body($ins: &[Array], $out: &mut Array) $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($ins: &[Array], $out: &mut Array) {
                    body($ins, $out)
                }
                if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                    // SAFETY: the features were just detected.
                    return unsafe { avx2($ins, $out) };
                }
            }
            body($ins, $out)
        }
    };
}

native!(add(i, out) {
    let (a, b) = (s::<f64>(&i[0]), s::<f64>(&i[1]));
    for ((o, &a), &b) in o::<f64>(out).iter_mut().zip(a).zip(b) {
        *o = a + b;
    }
});
native!(axpby(i, out) {
    let (a, b) = (s::<f64>(&i[0]), s::<f64>(&i[1]));
    for ((o, &a), &b) in o::<f64>(out).iter_mut().zip(a).zip(b) {
        *o = 2.0 * a + 3.0 * b;
    }
});
native!(poly4(i, out) {
    let (a, b, c, d) = (s::<f64>(&i[0]), s::<f64>(&i[1]), s::<f64>(&i[2]), s::<f64>(&i[3]));
    for (k, o) in o::<f64>(out).iter_mut().enumerate() {
        *o = 2.0 * a[k] + 3.0 * b[k] * c[k] - d[k] / 4.0 + 1.0;
    }
});
native!(horner(i, out) {
    let a = s::<f64>(&i[0]);
    for (o, &a) in o::<f64>(out).iter_mut().zip(a) {
        *o = ((((a * 0.5 + 1.5) * a - 2.5) * a + 3.5) * a - 4.5) * a + 5.5;
    }
});
native!(hypot(i, out) {
    let (a, b) = (s::<f64>(&i[0]), s::<f64>(&i[1]));
    for ((o, &a), &b) in o::<f64>(out).iter_mut().zip(a).zip(b) {
        *o = (a * a + b * b).sqrt();
    }
});
native!(where_(i, out) {
    let (a, b, c) = (s::<f64>(&i[0]), s::<f64>(&i[1]), s::<f64>(&i[2]));
    for (k, o) in o::<f64>(out).iter_mut().enumerate() {
        // Both sides computed, then selected: branch-free, as a careful
        // programmer writes it for random data.
        let (t, f) = (a[k] * b[k], c[k] - b[k]);
        *o = if a[k] > 0.6 { t } else { f };
    }
});
native!(gauss(i, out) {
    let a = s::<f64>(&i[0]);
    for (o, &a) in o::<f64>(out).iter_mut().zip(a) {
        *o = (-(a * a) / 2.0).exp() * 0.3989422804014327;
    }
});
native!(trig(i, out) {
    let (a, b) = (s::<f64>(&i[0]), s::<f64>(&i[1]));
    for ((o, &a), &b) in o::<f64>(out).iter_mut().zip(a).zip(b) {
        let (x, y) = (a.sin(), b.cos());
        *o = x * x + y * y;
    }
});
native!(log1p(i, out) {
    let a = s::<f64>(&i[0]);
    for (o, &a) in o::<f64>(out).iter_mut().zip(a) {
        *o = (a - 0.6).abs().ln_1p();
    }
});
native!(tanh(i, out) {
    let a = s::<f64>(&i[0]);
    for (o, &a) in o::<f64>(out).iter_mut().zip(a) {
        *o = (a * 2.0 - 1.0).tanh();
    }
});
native!(f32_axpby(i, out) {
    let (a, b) = (s::<f32>(&i[0]), s::<f32>(&i[1]));
    for ((o, &a), &b) in o::<f32>(out).iter_mut().zip(a).zip(b) {
        *o = 2.0 * a + 3.0 * b;
    }
});
native!(f32_exp(i, out) {
    let (a, b) = (s::<f32>(&i[0]), s::<f32>(&i[1]));
    for ((o, &a), &b) in o::<f32>(out).iter_mut().zip(a).zip(b) {
        *o = a.exp() * b;
    }
});
native!(int_mix(i, out) {
    let (x, y) = (s::<i64>(&i[0]), s::<i64>(&i[1]));
    for ((o, &x), &y) in o::<i64>(out).iter_mut().zip(x).zip(y) {
        // Positive constant divisors: Euclid's division is floor division.
        *o = x.rem_euclid(7) * 3 + y.div_euclid(5) - (x & 255);
    }
});
native!(mixed(i, out) {
    let (a, x, k) = (s::<f64>(&i[0]), s::<f32>(&i[1]), s::<i32>(&i[2]));
    for (j, o) in o::<f64>(out).iter_mut().enumerate() {
        *o = a[j] * x[j] as f64 + k[j] as f64;
    }
});
native!(dot(i, out) {
    let (a, b) = (s::<f64>(&i[0]), s::<f64>(&i[1]));
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut t: f64 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        t += x * y;
    }
    o::<f64>(out)[0] = t;
});
native!(rowsum(i, out) {
    let a = s::<f64>(&i[0]);
    let n = i[0].shape()[1];
    for (row, o) in a.chunks_exact(n).zip(o::<f64>(out).iter_mut()) {
        let mut acc = [0.0f64; 8];
        let c = row.chunks_exact(8);
        let r = c.remainder();
        for x in c {
            for l in 0..8 {
                acc[l] += x[l] * x[l];
            }
        }
        *o = acc.iter().sum::<f64>() + r.iter().map(|x| x * x).sum::<f64>();
    }
});
native!(colsum(i, out) {
    let a = s::<f64>(&i[0]);
    let n = i[0].shape()[1];
    let o = o::<f64>(out);
    o.fill(0.0);
    for row in a.chunks_exact(n) {
        for (o, &x) in o.iter_mut().zip(row) {
            *o += x * 2.0 + 1.0;
        }
    }
});
native!(standardize(i, out) {
    let a = s::<f64>(&i[0]);
    let n = a.len() as f64;
    let mut acc = [0.0f64; 8];
    for c in a.chunks_exact(8) {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    let mean = (acc.iter().sum::<f64>() + a.chunks_exact(8).remainder().iter().sum::<f64>()) / n;
    let mut acc = [0.0f64; 8];
    for c in a.chunks_exact(8) {
        for l in 0..8 {
            let d = c[l] - mean;
            acc[l] += d * d;
        }
    }
    let rest: f64 = a.chunks_exact(8).remainder().iter().map(|x| (x - mean) * (x - mean)).sum();
    let std = ((acc.iter().sum::<f64>() + rest) / n).sqrt();
    for (o, &x) in o::<f64>(out).iter_mut().zip(a) {
        *o = (x - mean) / std;
    }
});
native!(bcast_row(i, out) {
    let (a, r, c) = (s::<f64>(&i[0]), s::<f64>(&i[1]), s::<f64>(&i[2]));
    let n = r.len();
    for ((orow, arow), &c) in o::<f64>(out).chunks_exact_mut(n).zip(a.chunks_exact(n)).zip(c) {
        for ((o, &a), &r) in orow.iter_mut().zip(arow).zip(r) {
            *o = a * r + c;
        }
    }
});
native!(transpose(i, out) {
    let a = s::<f64>(&i[0]);
    let n = i[0].shape()[0];
    let o = o::<f64>(out);
    const T: usize = 64;
    for bi in (0..n).step_by(T) {
        for bj in (0..n).step_by(T) {
            for r in bi..(bi + T).min(n) {
                for c in bj..(bj + T).min(n) {
                    o[r * n + c] = a[r * n + c] + a[c * n + r];
                }
            }
        }
    }
});
native!(transpose_mul(i, out) {
    // out[r, c] = a[c, r] * b[r, c], in 64 x 64 tiles.
    let (a, b) = (s::<f64>(&i[0]), s::<f64>(&i[1]));
    let n = i[0].shape()[0];
    let o = o::<f64>(out);
    const T: usize = 64;
    for bi in (0..n).step_by(T) {
        for bj in (0..n).step_by(T) {
            for r in bi..(bi + T).min(n) {
                for c in bj..(bj + T).min(n) {
                    o[r * n + c] = a[c * n + r] * b[r * n + c];
                }
            }
        }
    }
});
native!(fortran_add(i, out) {
    // f is [m, n] C-order, so f.T is an [n, m] Fortran-order array:
    // out[r, c] = f[c, r] + c[r, c], in 64 x 64 tiles.
    let (f, c) = (s::<f32>(&i[0]), s::<f32>(&i[1]));
    let (rows, cols) = (i[1].shape()[0], i[1].shape()[1]);
    let o = o::<f32>(out);
    const T: usize = 64;
    for bi in (0..rows).step_by(T) {
        for bj in (0..cols).step_by(T) {
            for r in bi..(bi + T).min(rows) {
                for k in bj..(bj + T).min(cols) {
                    o[r * cols + k] = f[k * rows + r] + c[r * cols + k];
                }
            }
        }
    }
});
native!(strided(i, out) {
    let (a, b) = (s::<f64>(&i[0]), s::<f64>(&i[1]));
    for (k, o) in o::<f64>(out).iter_mut().enumerate() {
        *o = a[2 * k] * b[2 * k + 1];
    }
});
