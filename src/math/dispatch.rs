//! The code paths of the math functions and the run-time choice between
//! them.
//!
//! Every function is written once, as an `#[inline(always)]` scalar kernel
//! without branches on the value (selects only) whose every rounding is an
//! explicit IEEE operation (`+ - * / sqrt`, and `mul_add` for each fused
//! multiply-add). The block macros below compile a loop over that kernel
//! three times: for AVX-512F, for AVX2+FMA (LLVM vectorises the loop) and
//! without target features (the portable path; `mul_add` is then the C
//! library's correctly rounded `fma`). IEEE operations give the same bits
//! in any vector width, so every path — and the scalar kernel itself, which
//! the interpreter and constant folding call — agrees bit for bit.
//!
//! The path is chosen once per process from the CPU's features, or forced
//! with `LAZYFUSE_MATH=portable|avx2|avx512` (a path the CPU lacks is
//! refused: the best available one is used instead). Tests call
//! `*_block_on(path, …)` to run each path side by side.

/// A code path of the block functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// No target features (SSE2 on x86-64); `mul_add` calls libm's `fma`.
    Portable,
    /// AVX2 and FMA (256-bit vectors).
    Avx2,
    /// AVX-512F/DQ/VL plus AVX2 and FMA (512-bit vectors).
    Avx512,
}

impl Path {
    /// Every path, slowest first.
    pub const ALL: [Path; 3] = [Path::Portable, Path::Avx2, Path::Avx512];

    /// Whether this CPU can run the path.
    pub fn available(self) -> bool {
        match self {
            Path::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Path::Avx512 => {
                Path::Avx2.available()
                    && std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512dq")
                    && std::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The path block functions use: the best this CPU has, unless
    /// `LAZYFUSE_MATH` names another available one. Read once.
    pub fn current() -> Path {
        static PATH: std::sync::OnceLock<Path> = std::sync::OnceLock::new();
        *PATH.get_or_init(|| {
            let best = Path::ALL
                .into_iter()
                .rev()
                .find(|p| p.available())
                .unwrap_or(Path::Portable);
            let forced = crate::env::math_path();
            forced.filter(|p| p.available()).unwrap_or(best)
        })
    }

    /// The path's name, as `LAZYFUSE_MATH` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Path::Portable => "portable",
            Path::Avx2 => "avx2",
            Path::Avx512 => "avx512",
        }
    }
}

/// Where a block function's elements come from when it does not work in
/// place: a slice (`&[T]`: each element as it is) or an [`Affine`] view of
/// one (`v * mul + add`).
pub trait BlockSource<T: Copy>: Copy {
    /// The elements, at least as many as the block.
    fn data(&self) -> &[T];
    /// Element `v` of [`BlockSource::data`] as the function takes it.
    fn map(&self, v: T) -> T;
}

impl<T: Copy> BlockSource<T> for &[T] {
    #[inline(always)]
    fn data(&self) -> &[T] {
        self
    }
    #[inline(always)]
    fn map(&self, v: T) -> T {
        v
    }
}

/// An input block seen through `v * mul + add`, the product and the sum
/// each rounded (two IEEE operations, as NumPy computes `a * mul + add`;
/// never fused). `mul = 1` and `add = -0.0` leave every value as it is.
/// A math function of `a * 2 - 1` then reads `a` itself
/// (`loops::outline::Outline::source`).
#[derive(Clone, Copy, Debug)]
pub struct Affine<'a, T> {
    /// The input's elements.
    pub data: &'a [T],
    /// The factor.
    pub mul: T,
    /// The addend.
    pub add: T,
}

impl<T: num_traits::Float> BlockSource<T> for Affine<'_, T> {
    #[inline(always)]
    fn data(&self) -> &[T] {
        self.data
    }
    #[inline(always)]
    fn map(&self, v: T) -> T {
        v * self.mul + self.add
    }
}

/// How far ahead of the element it reads a block function mapping an
/// input (`src`) prefetches it: 2 KiB, one block of float64 (measured at
/// 10^7 float64 elements, one thread, on an Intel Xeon: `tanh(a)` 2.0 →
/// 1.35 ns per element, `log1p(a)` 1.36 → 1.21, `exp(a)` 1.05 → 0.97;
/// 256 bytes gained less, 4 KiB no more).
pub const PREFETCH_BYTES: usize = 2048;

/// Prefetches the two cache lines [`PREFETCH_BYTES`] after `p` (a step of
/// the block loops reads 128 bytes). A heavy function (`tanh`: about 1.3
/// ns per element) reads its input so slowly that the hardware
/// prefetchers fall behind and every line arrives late; spread over the
/// arithmetic, these requests keep it in the cache. Reads nothing the
/// program sees and never faults, whatever the address (past the end of
/// the array included).
#[doc(hidden)]
#[inline(always)]
pub fn prefetch_ahead<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let b = (p as *const i8).wrapping_add(PREFETCH_BYTES);
        // SAFETY: a prefetch is a hint, not an access.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(b);
            _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add(64));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Defines `$block(src, x)`, which applies the scalar kernel `$f` to every
/// element on [`Path::current`] — `x[i] = f(x[i])` in place when `src` is
/// `None`, `x[i] = f(src[i])` with `Some(src)` (`src` at least as long) —
/// and `$on(path, src, x)` for a given path (the portable one when `path`
/// is not available).
#[macro_export]
#[doc(hidden)]
macro_rules! math_unary_block {
    // With a fast kernel: a block whose every element satisfies `$ok` runs
    // `$fast` (which must give `$f`'s bits there), any other block `$f`.
    ($(#[$d:meta])* $block:ident, $on:ident, $from:ident, $f:path, $t:ty, fast $fast:path, if $ok:path) => {
        $crate::math_unary_block!(@paths $(#[$d])* $block, $on, $from, $t, |src, x| {
            let n = x.len();
            // A fold without early exit, so that it vectorises.
            let mut all = true;
            match src {
                Some(s) => {
                    for &v in &s.data()[..n] {
                        all &= $ok(s.map(v));
                    }
                }
                None => {
                    for &v in x.iter() {
                        all &= $ok(v);
                    }
                }
            }
            if all {
                $crate::math_unary_block!(@map $t, $fast, src, x);
            } else {
                $crate::math_unary_block!(@map $t, $f, src, x);
            }
        });
    };
    ($(#[$d:meta])* $block:ident, $on:ident, $from:ident, $f:path, $t:ty) => {
        $crate::math_unary_block!(@paths $(#[$d])* $block, $on, $from, $t, |src, x| {
            $crate::math_unary_block!(@map $t, $f, src, x);
        });
    };
    // `x[i] = $f(src[i])` (or in place), two 512-bit vectors of elements
    // per step: the two independent chains side by side give the
    // out-of-order core twice the work to overlap (tanh: 5% faster).
    // Plain loops, no closures: a closure that is not inlined would be
    // compiled without the path's target features (and its `mul_add`s
    // would call libm's `fma`).
    (@map $t:ty, $f:path, $src:ident, $x:ident) => {
        const K: usize = 128 / std::mem::size_of::<$t>();
        match $src {
            Some(m) => {
                let s = &m.data()[..$x.len()];
                let mut xs = $x.chunks_exact_mut(K);
                let mut ss = s.chunks_exact(K);
                for (c, d) in (&mut xs).zip(&mut ss) {
                    // The input comes from memory, not scratch.
                    $crate::math::dispatch::prefetch_ahead(d.as_ptr());
                    let c: &mut [$t; K] = c.try_into().expect("K elements");
                    let d: &[$t; K] = d.try_into().expect("K elements");
                    for k in 0..K {
                        c[k] = $f(m.map(d[k]));
                    }
                }
                for (v, &w) in xs.into_remainder().iter_mut().zip(ss.remainder()) {
                    *v = $f(m.map(w));
                }
            }
            None => {
                let mut xs = $x.chunks_exact_mut(K);
                for c in &mut xs {
                    let c: &mut [$t; K] = c.try_into().expect("K elements");
                    for v in c.iter_mut() {
                        *v = $f(*v);
                    }
                }
                for v in xs.into_remainder() {
                    *v = $f(*v);
                }
            }
        }
    };
    // `fn run($src, $x) $body`, compiled for each path (a function, not a
    // closure: a closure might not be inlined into the target-feature
    // functions, and its `mul_add`s would then call libm's `fma`).
    (@paths $(#[$d:meta])* $block:ident, $on:ident, $from:ident, $t:ty, |$src:ident, $x:ident| $body:block) => {
        $(#[$d])*
        ///
        /// With `Some(src)`, `x[i]` is computed from `src[i]` instead
        /// (`src` at least as long as `x`).
        pub fn $block(src: Option<&[$t]>, x: &mut [$t]) {
            $from($crate::math::Path::current(), src, x)
        }

        /// As the function without `_on`, on a given code path.
        pub fn $on(path: $crate::math::Path, src: Option<&[$t]>, x: &mut [$t]) {
            $from(path, src, x)
        }

        /// As the function without `_from`, from any `BlockSource`: a
        /// slice or an `Affine` view of one (`math::dispatch`).
        pub fn $from<S: $crate::math::dispatch::BlockSource<$t>>(
            path: $crate::math::Path,
            src: Option<S>,
            x: &mut [$t],
        ) {
            #[inline(always)]
            fn run<S: $crate::math::dispatch::BlockSource<$t>>($src: Option<S>, $x: &mut [$t]) $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
                unsafe fn avx512<S: $crate::math::dispatch::BlockSource<$t>>(src: Option<S>, x: &mut [$t]) {
                    run(src, x)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2<S: $crate::math::dispatch::BlockSource<$t>>(src: Option<S>, x: &mut [$t]) {
                    run(src, x)
                }
                if path == $crate::math::Path::Avx512 && path.available() {
                    // SAFETY: the CPU has the features (checked just above).
                    return unsafe { avx512(src, x) };
                }
                if path == $crate::math::Path::Avx2 && path.available() {
                    // SAFETY: as above.
                    return unsafe { avx2(src, x) };
                }
            }
            let _ = path;
            run(src, x)
        }
    };
}

/// Defines `$block(x: &mut [$t], y: &[$t])`: `x[i] = $f(x[i], y[i])` for
/// `i < x.len()` (`y` at least as long), and `$on(path, x, y)`.
#[macro_export]
#[doc(hidden)]
macro_rules! math_binary_block {
    ($(#[$d:meta])* $block:ident, $on:ident, $f:path, $t:ty) => {
        $(#[$d])*
        pub fn $block(x: &mut [$t], y: &[$t]) {
            $on($crate::math::Path::current(), x, y)
        }

        /// As the function without `_on`, on a given code path.
        pub fn $on(path: $crate::math::Path, x: &mut [$t], y: &[$t]) {
            let y = &y[..x.len()];
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
                unsafe fn avx512(x: &mut [$t], y: &[$t]) {
                    for (v, &w) in x.iter_mut().zip(y) {
                        *v = $f(*v, w);
                    }
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2(x: &mut [$t], y: &[$t]) {
                    for (v, &w) in x.iter_mut().zip(y) {
                        *v = $f(*v, w);
                    }
                }
                if path == $crate::math::Path::Avx512 && path.available() {
                    // SAFETY: the CPU has the features (checked just above).
                    return unsafe { avx512(x, y) };
                }
                if path == $crate::math::Path::Avx2 && path.available() {
                    // SAFETY: as above.
                    return unsafe { avx2(x, y) };
                }
            }
            let _ = path;
            for (v, &w) in x.iter_mut().zip(y) {
                *v = $f(*v, w);
            }
        }
    };
}

/// `y[i] = f(x[i])` for `i < n` with `f` a block function: in place when
/// `x == y`, from `x` when the two do not overlap, and otherwise as if `x`
/// were copied to `y` first (as `memmove`; the JIT never asks for that).
///
/// # Safety
///
/// `x` points to `n` initialised values and `y` to `n` writable ones.
#[inline(always)]
pub unsafe fn map_block<T: Copy>(x: *const T, y: *mut T, n: usize, f: impl Fn(Option<&[T]>, &mut [T])) {
    let bytes = n * std::mem::size_of::<T>();
    let (xa, ya) = (x as usize, y as usize);
    if xa == ya {
        // SAFETY: `y` is valid for `n` initialised, writable values.
        f(None, unsafe { std::slice::from_raw_parts_mut(y, n) })
    } else if xa.abs_diff(ya) >= bytes {
        // SAFETY: two valid ranges (the contract) that do not overlap.
        let (src, dst) = unsafe { (std::slice::from_raw_parts(x, n), std::slice::from_raw_parts_mut(y, n)) };
        f(Some(src), dst)
    } else {
        // SAFETY: both valid for `n` values; `copy` allows overlap.
        unsafe { std::ptr::copy(x, y, n) };
        // SAFETY: `y` is now `n` initialised, writable values.
        f(None, unsafe { std::slice::from_raw_parts_mut(y, n) })
    }
}

/// `y[i] = f(x[i] * mul + add)` for `i < n` (an [`Affine`] source), with
/// `f` a block function: from `x` when the two do not overlap, otherwise
/// as if `x` were copied to `y` and transformed there first (in place when
/// `x == y`: an output written over its input).
///
/// # Safety
///
/// As [`map_block`].
#[inline(always)]
pub unsafe fn map_block_affine<T: num_traits::Float>(
    x: *const T,
    y: *mut T,
    n: usize,
    mul: T,
    add: T,
    f: impl Fn(Option<Affine<'_, T>>, &mut [T]),
    g: impl Fn(Option<&[T]>, &mut [T]),
) {
    let bytes = n * std::mem::size_of::<T>();
    let (xa, ya) = (x as usize, y as usize);
    if xa != ya && xa.abs_diff(ya) >= bytes {
        // SAFETY: two valid ranges (the contract) that do not overlap.
        let (src, dst) = unsafe { (std::slice::from_raw_parts(x, n), std::slice::from_raw_parts_mut(y, n)) };
        f(Some(Affine { data: src, mul, add }), dst)
    } else {
        // SAFETY: both valid for `n` values; `copy` allows overlap (and
        // is a no-op when they are equal).
        unsafe { std::ptr::copy(x, y, n) };
        // SAFETY: `y` is now `n` initialised, writable values.
        let dst = unsafe { std::slice::from_raw_parts_mut(y, n) };
        for v in dst.iter_mut() {
            *v = *v * mul + add;
        }
        g(None, dst)
    }
}

/// Defines a [`UnaryFn`](crate::math::UnaryFn) constant from a function's
/// scalar kernels and block functions (both dtypes).
#[macro_export]
#[doc(hidden)]
macro_rules! math_unary_fn {
    ($(#[$d:meta])* $NAME:ident, $name:literal, $f64:path, $f32:path, $b64:path, $b32:path, $a64:path, $a32:path, $c64:literal, $c32:literal) => {
        $(#[$d])*
        pub const $NAME: $crate::math::UnaryFn = {
            fn s64(x: f64) -> f64 {
                #[cfg(target_arch = "x86_64")]
                {
                    #[target_feature(enable = "avx2,fma")]
                    unsafe fn fast(x: f64) -> f64 {
                        $f64(x)
                    }
                    if $crate::math::Path::current() != $crate::math::Path::Portable {
                        // SAFETY: every path but the portable one has AVX2+FMA.
                        return unsafe { fast(x) };
                    }
                }
                $f64(x)
            }
            fn s32(x: f32) -> f32 {
                #[cfg(target_arch = "x86_64")]
                {
                    #[target_feature(enable = "avx2,fma")]
                    unsafe fn fast(x: f32) -> f32 {
                        $f32(x)
                    }
                    if $crate::math::Path::current() != $crate::math::Path::Portable {
                        // SAFETY: as above.
                        return unsafe { fast(x) };
                    }
                }
                $f32(x)
            }
            extern "C" fn c64(x: f64) -> f64 {
                s64(x)
            }
            extern "C" fn c32(x: f32) -> f32 {
                s32(x)
            }
            unsafe extern "C" fn blk64(x: *const f64, y: *mut f64, n: usize) {
                // SAFETY: the caller's contract (`UnaryFn::block_f64`).
                unsafe { $crate::math::dispatch::map_block(x, y, n, |s: Option<&[f64]>, d: &mut [f64]| $b64(s, d)) }
            }
            unsafe extern "C" fn blk32(x: *const f32, y: *mut f32, n: usize) {
                // SAFETY: as above.
                unsafe { $crate::math::dispatch::map_block(x, y, n, |s: Option<&[f32]>, d: &mut [f32]| $b32(s, d)) }
            }
            unsafe extern "C" fn aff64(x: *const f64, y: *mut f64, n: usize, m: f64, c: f64) {
                // SAFETY: the caller's contract (`UnaryFn::affine_f64`).
                unsafe {
                    $crate::math::dispatch::map_block_affine(
                        x,
                        y,
                        n,
                        m,
                        c,
                        |s: Option<$crate::math::dispatch::Affine<'_, f64>>, d: &mut [f64]| {
                            $a64($crate::math::Path::current(), s, d)
                        },
                        |s: Option<&[f64]>, d: &mut [f64]| $b64(s, d),
                    )
                }
            }
            unsafe extern "C" fn aff32(x: *const f32, y: *mut f32, n: usize, m: f32, c: f32) {
                // SAFETY: as above.
                unsafe {
                    $crate::math::dispatch::map_block_affine(
                        x,
                        y,
                        n,
                        m,
                        c,
                        |s: Option<$crate::math::dispatch::Affine<'_, f32>>, d: &mut [f32]| {
                            $a32($crate::math::Path::current(), s, d)
                        },
                        |s: Option<&[f32]>, d: &mut [f32]| $b32(s, d),
                    )
                }
            }
            $crate::math::UnaryFn {
                name: $name,
                f64: s64,
                f32: s32,
                c_f64: c64,
                c_f32: c32,
                block_f64: blk64,
                block_f32: blk32,
                affine_f64: aff64,
                affine_f32: aff32,
                cost: [$c64, $c32],
            }
        };
    };
}

/// Defines a [`BinaryFn`](crate::math::BinaryFn) constant, as
/// [`math_unary_fn!`].
#[macro_export]
#[doc(hidden)]
macro_rules! math_binary_fn {
    ($(#[$d:meta])* $NAME:ident, $name:literal, $f64:path, $f32:path, $b64:path, $b32:path, $c64:literal, $c32:literal) => {
        $(#[$d])*
        pub const $NAME: $crate::math::BinaryFn = {
            fn s64(x: f64, y: f64) -> f64 {
                #[cfg(target_arch = "x86_64")]
                {
                    #[target_feature(enable = "avx2,fma")]
                    unsafe fn fast(x: f64, y: f64) -> f64 {
                        $f64(x, y)
                    }
                    if $crate::math::Path::current() != $crate::math::Path::Portable {
                        // SAFETY: every path but the portable one has AVX2+FMA.
                        return unsafe { fast(x, y) };
                    }
                }
                $f64(x, y)
            }
            fn s32(x: f32, y: f32) -> f32 {
                #[cfg(target_arch = "x86_64")]
                {
                    #[target_feature(enable = "avx2,fma")]
                    unsafe fn fast(x: f32, y: f32) -> f32 {
                        $f32(x, y)
                    }
                    if $crate::math::Path::current() != $crate::math::Path::Portable {
                        // SAFETY: as above.
                        return unsafe { fast(x, y) };
                    }
                }
                $f32(x, y)
            }
            extern "C" fn c64(x: f64, y: f64) -> f64 {
                s64(x, y)
            }
            extern "C" fn c32(x: f32, y: f32) -> f32 {
                s32(x, y)
            }
            unsafe extern "C" fn blk64(x: *mut f64, y: *const f64, n: usize) {
                // SAFETY: callers pass `n` values each, `x` writable.
                unsafe { $b64(std::slice::from_raw_parts_mut(x, n), std::slice::from_raw_parts(y, n)) }
            }
            unsafe extern "C" fn blk32(x: *mut f32, y: *const f32, n: usize) {
                // SAFETY: as above.
                unsafe { $b32(std::slice::from_raw_parts_mut(x, n), std::slice::from_raw_parts(y, n)) }
            }
            $crate::math::BinaryFn {
                name: $name,
                f64: s64,
                f32: s32,
                c_f64: c64,
                c_f32: c32,
                block_f64: blk64,
                block_f32: blk32,
                cost: [$c64, $c32],
            }
        };
    };
}
