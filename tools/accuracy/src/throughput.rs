//! `--throughput`: nanoseconds per element of each block function.

use lazyfuse::internals::expr::UnaryOp;
use lazyfuse::internals::math::UnaryFn;

/// The block function the JIT calls (current path), on any length.
pub(crate) fn lazyfuse_block_f32(f: &UnaryFn, x: &mut [f32]) {
    let mut chunks = x.chunks_exact_mut(lazyfuse::internals::math::BLOCK);
    for c in &mut chunks {
        // SAFETY: `c` holds BLOCK initialised values.
        unsafe { (f.block_f32)(c.as_mut_ptr(), c.as_mut_ptr(), c.len()) };
    }
    for v in chunks.into_remainder() {
        *v = (f.f32)(*v);
    }
}

/// `--throughput`: nanoseconds per element of each block function (the
/// code the JIT calls) on data in L1, after subtracting the refill of the
/// block. Inputs are uniform in [0.05, 0.95] (plus 1 for arccosh), so every
/// function runs its ordinary range; the kernels have no branches on the
/// value, so the range matters little.
pub(crate) fn throughput(only: &[String]) {
    use std::hint::black_box;
    use std::time::Instant;
    const N: usize = 4096;
    const REPS: usize = 2000;
    let block = lazyfuse::internals::math::BLOCK;
    let src: Vec<f64> = (0..N)
        .map(|i| 0.05 + 0.9 * ((i * 2_654_435_761) % N) as f64 / N as f64)
        .collect();
    let best = |f: &mut dyn FnMut()| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    println!("| function | f64 ns/elem | f32 ns/elem |");
    println!("|---|---:|---:|");
    for f in UnaryOp::ALL.iter().filter_map(|o| o.math()) {
        if !(only.is_empty() || only.iter().any(|o| o == f.name)) {
            continue;
        }
        let shift = if f.name == "arccosh" { 1.0 } else { 0.0 };
        let s64: Vec<f64> = src.iter().map(|v| v + shift).collect();
        let s32: Vec<f32> = s64.iter().map(|&v| v as f32).collect();
        let mut b64 = s64.clone();
        let mut b32 = s32.clone();
        let copy64 = best(&mut || {
            for _ in 0..REPS {
                b64.copy_from_slice(black_box(&s64));
                black_box(&mut b64);
            }
        });
        let t64 = best(&mut || {
            for _ in 0..REPS {
                b64.copy_from_slice(black_box(&s64));
                for c in b64.chunks_exact_mut(block) {
                    // SAFETY: `c` holds BLOCK initialised values.
                    unsafe { (f.block_f64)(c.as_mut_ptr(), c.as_mut_ptr(), c.len()) };
                }
                black_box(&mut b64);
            }
        });
        let copy32 = best(&mut || {
            for _ in 0..REPS {
                b32.copy_from_slice(black_box(&s32));
                black_box(&mut b32);
            }
        });
        let t32 = best(&mut || {
            for _ in 0..REPS {
                b32.copy_from_slice(black_box(&s32));
                for c in b32.chunks_exact_mut(block) {
                    // SAFETY: `c` holds BLOCK initialised values.
                    unsafe { (f.block_f32)(c.as_mut_ptr(), c.as_mut_ptr(), c.len()) };
                }
                black_box(&mut b32);
            }
        });
        let per = |t: f64, c: f64| (t - c) * 1e9 / (REPS * N) as f64;
        println!("| {} | {:.3} | {:.3} |", f.name, per(t64, copy64), per(t32, copy32));
    }
    println!(
        "\nBlock functions on the {} path, {N} elements in L1, best of 5 runs of {REPS} passes.",
        lazyfuse::internals::math::Path::current().name()
    );
}
