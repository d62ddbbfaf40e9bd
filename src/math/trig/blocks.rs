//! Part of the trigonometric functions (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------
// Block functions of sin, cos, tan, sincos: each chunk is scanned for huge
// arguments first (see the module comment).

pub(super) const CHUNK: usize = 64;

/// Applies `small` to every element of a chunk, then, where the chunk has
/// a huge argument, `full` (the branching scalar entry point) to those
/// arguments, kept aside before `small` overwrote them. With `Some(src)`
/// the arguments are `src`'s (at least as long as `x`), nothing to keep.
#[inline(always)]
pub(super) fn run_unary<T: Copy + Default, S: crate::math::dispatch::BlockSource<T>>(
    src: Option<S>,
    x: &mut [T],
    huge: impl Fn(T) -> bool,
    small: impl Fn(T) -> T,
    full: impl Fn(T) -> T,
) {
    if let Some(m) = src {
        for (c, sc) in x.chunks_mut(CHUNK).zip(m.data().chunks(CHUNK)) {
            for (v, &w) in c.iter_mut().zip(sc) {
                *v = small(m.map(w));
            }
            if sc[..c.len()].iter().fold(false, |a, &v| a | huge(m.map(v))) {
                for (v, &o) in c.iter_mut().zip(sc) {
                    let o = m.map(o);
                    if huge(o) {
                        *v = full(o);
                    }
                }
            }
        }
        return;
    }
    for c in x.chunks_mut(CHUNK) {
        let any = c.iter().fold(false, |a, &v| a | huge(v));
        let mut orig = [T::default(); CHUNK];
        if any {
            orig[..c.len()].copy_from_slice(c);
        }
        for v in c.iter_mut() {
            *v = small(*v);
        }
        if any {
            for (v, &o) in c.iter_mut().zip(&orig) {
                if huge(o) {
                    *v = full(o);
                }
            }
        }
    }
}

#[inline(always)]
pub(super) fn run_sincos<T: Copy + Default>(
    x: &mut [T],
    c: &mut [T],
    huge: impl Fn(T) -> bool,
    small: impl Fn(T) -> (T, T),
    full: impl Fn(T) -> (T, T),
) {
    let c = &mut c[..x.len()];
    for (xc, cc) in x.chunks_mut(CHUNK).zip(c.chunks_mut(CHUNK)) {
        let any = xc.iter().fold(false, |a, &v| a | huge(v));
        let mut orig = [T::default(); CHUNK];
        if any {
            orig[..xc.len()].copy_from_slice(xc);
        }
        for (v, w) in xc.iter_mut().zip(cc.iter_mut()) {
            (*v, *w) = small(*v);
        }
        if any {
            for ((v, w), &o) in xc.iter_mut().zip(cc.iter_mut()).zip(&orig) {
                if huge(o) {
                    (*v, *w) = full(o);
                }
            }
        }
    }
}

macro_rules! trig_unary_block {
    ($(#[$d:meta])* $block:ident, $on:ident, $from:ident, $huge:path, $small:path, $full:path, $t:ty) => {
        $(#[$d])*
        ///
        /// With `Some(src)`, `x[i]` is computed from `src[i]` instead
        /// (`src` at least as long as `x`).
        pub fn $block(src: Option<&[$t]>, x: &mut [$t]) {
            $from(crate::math::Path::current(), src, x)
        }

        /// As the function without `_on`, on a given code path.
        pub fn $on(path: crate::math::Path, src: Option<&[$t]>, x: &mut [$t]) {
            $from(path, src, x)
        }

        /// As the function without `_from`, from any block source (a
        /// slice or an affine view of one).
        pub fn $from<S: crate::math::dispatch::BlockSource<$t>>(path: crate::math::Path, src: Option<S>, x: &mut [$t]) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
                unsafe fn avx512<S: crate::math::dispatch::BlockSource<$t>>(src: Option<S>, x: &mut [$t]) {
                    run_unary(src, x, $huge, |v| $small(v), $full)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2<S: crate::math::dispatch::BlockSource<$t>>(src: Option<S>, x: &mut [$t]) {
                    run_unary(src, x, $huge, |v| $small(v), $full)
                }
                if path == crate::math::Path::Avx512 && path.available() {
                    // SAFETY: the CPU has the features (checked just above).
                    return unsafe { avx512(src, x) };
                }
                if path == crate::math::Path::Avx2 && path.available() {
                    // SAFETY: as above.
                    return unsafe { avx2(src, x) };
                }
            }
            let _ = path;
            run_unary(src, x, $huge, |v| $small(v), $full)
        }
    };
}

macro_rules! trig_sincos_block {
    ($(#[$d:meta])* $block:ident, $on:ident, $huge:path, $small:path, $full:path, $t:ty) => {
        $(#[$d])*
        pub fn $block(x: &mut [$t], c: &mut [$t]) {
            $on(crate::math::Path::current(), x, c)
        }

        /// As the function without `_on`, on a given code path.
        pub fn $on(path: crate::math::Path, x: &mut [$t], c: &mut [$t]) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
                unsafe fn avx512(x: &mut [$t], c: &mut [$t]) {
                    run_sincos(x, c, $huge, |v| $small(v), $full)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2(x: &mut [$t], c: &mut [$t]) {
                    run_sincos(x, c, $huge, |v| $small(v), $full)
                }
                if path == crate::math::Path::Avx512 && path.available() {
                    // SAFETY: the CPU has the features (checked just above).
                    return unsafe { avx512(x, c) };
                }
                if path == crate::math::Path::Avx2 && path.available() {
                    // SAFETY: as above.
                    return unsafe { avx2(x, c) };
                }
            }
            let _ = path;
            run_sincos(x, c, $huge, |v| $small(v), $full)
        }
    };
}

trig_unary_block!(
    /// `x[i] = sin(x[i])`.
    sin_f64_block, sin_f64_block_on, sin_f64_block_from, is_huge, sin_f64_small, sin_f64, f64
);
trig_unary_block!(
    /// `x[i] = cos(x[i])`.
    cos_f64_block, cos_f64_block_on, cos_f64_block_from, is_huge, cos_f64_small, cos_f64, f64
);
trig_unary_block!(
    /// `x[i] = tan(x[i])`.
    tan_f64_block, tan_f64_block_on, tan_f64_block_from, is_huge, tan_f64_small, tan_f64, f64
);
trig_sincos_block!(
    /// `(x[i], c[i]) = (sin(x[i]), cos(x[i]))` for `i < x.len()` (`c` at
    /// least as long), one argument reduction for both.
    sincos_f64_block, sincos_f64_block_on, is_huge, sincos_f64_small, sincos_f64, f64
);
trig_unary_block!(
    /// `x[i] = sin(x[i])`.
    sin_f32_block, sin_f32_block_on, sin_f32_block_from, is_huge_f32, sin_f32_small, sin_f32, f32
);
trig_unary_block!(
    /// `x[i] = cos(x[i])`.
    cos_f32_block, cos_f32_block_on, cos_f32_block_from, is_huge_f32, cos_f32_small, cos_f32, f32
);
trig_unary_block!(
    /// `x[i] = tan(x[i])`.
    tan_f32_block, tan_f32_block_on, tan_f32_block_from, is_huge_f32, tan_f32_small, tan_f32, f32
);
trig_sincos_block!(
    /// `(x[i], c[i]) = (sin(x[i]), cos(x[i]))` for `i < x.len()` (`c` at
    /// least as long), one argument reduction for both.
    sincos_f32_block, sincos_f32_block_on, is_huge_f32, sincos_f32_small, sincos_f32, f32
);
