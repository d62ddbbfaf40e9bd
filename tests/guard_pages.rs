//! Guard-page tests: every input and output of a compiled kernel is placed
//! flush against an inaccessible (`PROT_NONE`) page — its last element just
//! before a trailing guard page or its first element just after a leading
//! one — with forward, negative and non-unit strides, at sizes around the
//! vector width and unroll factor. A kernel that reads or writes one byte
//! outside its arrays (a vector load past the end, a remainder loop off by
//! one, a gather with the wrong stride) dies with SIGSEGV. Results are also
//! compared with the interpreter.
//!
//! The kernels are driven through the public `fuse` → `loops` → `jit`
//! layers with raw pointers, exactly as the runtime launches them.

use lazyfuse::internals::fuse::{self, Val};
use lazyfuse::internals::jit;
use lazyfuse::internals::loops;
use lazyfuse::ir::Graph;
use lazyfuse::{Array, DType, Scalar};
use memmap2::MmapMut;

const PAGE: usize = 4096;

/// A region of `bytes` placed against a guard page.
struct Guarded {
    map: MmapMut,
    /// Start of the data inside the map.
    start: usize,
}

impl Guarded {
    /// `at_end`: data ends exactly at a trailing guard page; else it starts
    /// exactly after a leading guard page.
    fn new(bytes: usize, at_end: bool) -> Guarded {
        let body = bytes.div_ceil(PAGE).max(1) * PAGE;
        let total = body + 2 * PAGE;
        let mut map = MmapMut::map_anon(total).expect("mmap");
        let base = map.as_mut_ptr();
        // SAFETY: both pages are inside the mapping we own.
        unsafe {
            assert_eq!(libc::mprotect(base as *mut libc::c_void, PAGE, libc::PROT_NONE), 0);
            assert_eq!(
                libc::mprotect(base.add(PAGE + body) as *mut libc::c_void, PAGE, libc::PROT_NONE),
                0
            );
        }
        let start = if at_end { PAGE + body - bytes } else { PAGE };
        Guarded { map, start }
    }

    fn ptr(&mut self) -> *mut u8 {
        // SAFETY: `start` is inside the mapping.
        unsafe { self.map.as_mut_ptr().add(self.start) }
    }
}

/// One operand: `n` logical elements at element stride `stride`.
struct Operand {
    dtype: DType,
    n: usize,
    stride: isize,
    mem: Guarded,
    /// Element offset of logical element 0 from the data start.
    origin: isize,
}

impl Operand {
    fn new(dtype: DType, n: usize, stride: isize, at_end: bool) -> Operand {
        let span = if n == 0 { 0 } else { (n - 1) * stride.unsigned_abs() + 1 };
        let mem = Guarded::new(span * dtype.size(), at_end);
        let origin = if stride < 0 && n > 0 {
            ((n - 1) * stride.unsigned_abs()) as isize
        } else {
            0
        };
        Operand {
            dtype,
            n,
            stride,
            mem,
            origin,
        }
    }

    fn elem_ptr(&mut self, i: usize) -> *mut u8 {
        let off = (self.origin + i as isize * self.stride) * self.dtype.size() as isize;
        self.mem.ptr().wrapping_offset(off)
    }

    fn write(&mut self, vals: &[Scalar]) {
        for (i, v) in vals.iter().enumerate() {
            let bytes = v.bits().to_le_bytes();
            let p = self.elem_ptr(i);
            // SAFETY: logical element i is inside the data region.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, self.dtype.size()) };
        }
    }

    fn read(&mut self) -> Vec<Scalar> {
        (0..self.n)
            .map(|i| {
                let mut b = [0u8; 8];
                let p = self.elem_ptr(i);
                // SAFETY: as in `write`.
                unsafe { std::ptr::copy_nonoverlapping(p, b.as_mut_ptr(), self.dtype.size()) };
                Scalar::from_bits(self.dtype, u64::from_le_bytes(b))
            })
            .collect()
    }
}

fn values(dtype: DType, n: usize, seed: u64) -> Vec<Scalar> {
    (0..n as u64)
        .map(|i| {
            let r = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
            match dtype {
                DType::F32 | DType::F64 => Scalar::F64((r >> 11) as f64 / (1u64 << 50) as f64 - 4.0).cast(dtype),
                DType::Bool => Scalar::Bool(r >> 63 == 1),
                _ => Scalar::from_bits(dtype, r >> 13),
            }
        })
        .collect()
}

fn array_of(dtype: DType, vals: &[Scalar]) -> Array {
    Array::from_scalars(dtype, &[vals.len()], vals).expect("values of the dtype")
}

/// Runs the one-kernel, one-output 1-D graph `text` with every operand
/// against a guard page, and checks the result.
fn run_guarded(text: &str, strides: &[isize], out_stride: isize, at_end: bool, chunks: usize) {
    let g = Graph::parse(text).expect("graph");
    let p = fuse::fuse(&g).expect("fuse");
    let k = p.kernels().next().expect("one kernel");
    assert_eq!(p.kernels().count(), 1);
    let n = k.shape[0];
    let mut ins: Vec<Operand> = g
        .inputs()
        .iter()
        .zip(strides)
        .map(|(&i, &s)| Operand::new(g.node(i).dtype, n, s, at_end))
        .collect();
    let mut logical = vec![];
    for (k, op) in ins.iter_mut().enumerate() {
        let v = values(op.dtype, n, k as u64 * 77 + 1);
        op.write(&v);
        logical.push(array_of(op.dtype, &v));
    }
    let out_dt = g.node(g.outputs()[0]).dtype;
    let mut out = Operand::new(out_dt, n, out_stride, at_end);
    let layout = |v: Val| -> (Vec<isize>, isize) {
        match v {
            Val::Input(i) => (vec![ins[i as usize].stride], 0),
            Val::Tmp(_) => (vec![out_stride], 0),
        }
    };
    let (mut f, binds) = loops::lower(&p, k, "k0", &layout);
    loops::optimize(&mut f);
    let c = jit::compile(&f, false).expect("compile");
    let mut ptrs: Vec<*mut u8> = vec![];
    let mut bstrides: Vec<isize> = vec![];
    for (prm, b) in f.params.iter().zip(&binds) {
        assert_eq!(b.offset, 0);
        let ptr = match b.val {
            Val::Input(i) => ins[i as usize].elem_ptr(0),
            Val::Tmp(_) => out.elem_ptr(0),
        };
        ptrs.push(ptr);
        bstrides.extend(prm.strides.iter().map(|&s| s * prm.dtype.size() as isize));
    }
    let status = std::sync::atomic::AtomicU32::new(0);
    let outer = f.dims[0];
    let per = outer.div_ceil(chunks.max(1)).max(1);
    let mut lo = 0;
    while lo < outer {
        let hi = (lo + per).min(outer);
        // SAFETY: pointers and strides describe the guarded operands; a
        // stray access faults (the point of the test).
        unsafe { (c.func())(ptrs.as_ptr(), bstrides.as_ptr(), f.dims.as_ptr(), lo, hi, &status) };
        lo = hi;
    }
    let want = lazyfuse::internals::interp::interpret(&g, &logical).expect("interpret");
    let got = out.read();
    let want = want[0].to_scalars();
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        let nan = |s: &Scalar| matches!(*s, Scalar::F64(v) if v.is_nan()) || matches!(*s, Scalar::F32(v) if v.is_nan());
        assert!(a == b || (nan(a) && nan(b)), "{text}\nelement {i}: {a:?} != {b:?}");
    }
}

fn sizes() -> Vec<usize> {
    let mut v: Vec<usize> = (1..=40).collect();
    v.extend([63, 64, 65, 127, 128, 129, 1000, 1001, 4095, 4097]);
    v
}

fn binary(dt: DType, op: &str, n: usize) -> String {
    format!("graph @f(%a: {dt}[{n}], %b: {dt}[{n}]) {{\n %0 = {op} %a, %b : {dt}[{n}]\n return %0\n}}")
}

#[test]
fn forward_contiguous_at_end() {
    for dt in [DType::F64, DType::F32, DType::I16, DType::U8, DType::I64] {
        for n in sizes() {
            run_guarded(&binary(dt, "add", n), &[1, 1], 1, true, 1);
        }
    }
}

#[test]
fn forward_contiguous_at_start() {
    for dt in [DType::F64, DType::F32, DType::I8] {
        for n in sizes() {
            run_guarded(&binary(dt, "mul", n), &[1, 1], 1, false, 1);
        }
    }
}

#[test]
fn negative_strides() {
    for dt in [DType::F64, DType::F32, DType::U16] {
        for n in sizes() {
            for at_end in [false, true] {
                run_guarded(&binary(dt, "sub", n), &[-1, 1], -1, at_end, 1);
                run_guarded(&binary(dt, "sub", n), &[1, -2], 1, at_end, 1);
            }
        }
    }
}

#[test]
fn strided_and_chunked() {
    for n in sizes() {
        for at_end in [false, true] {
            run_guarded(&binary(DType::F64, "maximum", n), &[3, -1], 2, at_end, 3);
            run_guarded(&binary(DType::I32, "floordiv", n), &[2, 1], -1, at_end, 2);
        }
    }
}

#[test]
fn mixed_widths_partial_vectors() {
    // Narrow operands of a wide kernel are read and written `lanes` elements
    // at a time (partial registers): exactly their bytes, never more.
    for n in sizes() {
        for at_end in [false, true] {
            let t = format!(
                "graph @f(%a: f32[{n}], %b: i8[{n}]) {{\n %0 = cast %a : f64[{n}]\n %1 = cast %b : f64[{n}]\n %2 = mul %0, %1 : f64[{n}]\n %3 = cast %2 : f32[{n}]\n return %3\n}}"
            );
            run_guarded(&t, &[1, 1], 1, at_end, 1);
            run_guarded(&t, &[-1, 2], -1, at_end, 2);
            let t = format!(
                "graph @f(%a: u16[{n}], %b: i32[{n}]) {{\n %0 = cast %a : i32[{n}]\n %1 = add %0, %b : i32[{n}]\n %2 = cast %1 : i16[{n}]\n return %2\n}}"
            );
            run_guarded(&t, &[1, 1], 1, at_end, 1);
        }
    }
}

#[test]
fn bool_and_casts() {
    for n in sizes() {
        let t =
            format!("graph @f(%a: bool[{n}], %b: bool[{n}]) {{\n %0 = logical_xor %a, %b : bool[{n}]\n return %0\n}}");
        run_guarded(&t, &[1, -1], 1, true, 1);
        let t = format!("graph @f(%a: f32[{n}], %b: f32[{n}]) {{\n %0 = gt %a, %b : bool[{n}]\n return %0\n}}");
        run_guarded(&t, &[1, 1], -1, false, 1);
        let t = format!(
            "graph @f(%a: i16[{n}], %b: i16[{n}]) {{\n %0 = add %a, %b : i16[{n}]\n %1 = cast %0 : f64[{n}]\n return %1\n}}"
        );
        run_guarded(&t, &[1, 2], 1, true, 1);
    }
}

#[test]
fn outlined_sqrt_and_division() {
    // Blocked, phased kernels (64-element blocks with stack scratch, then
    // the ordinary loop for the rest) read and write only their arrays.
    for dt in [DType::F64, DType::F32] {
        for n in sizes() {
            for at_end in [false, true] {
                let t = format!(
                    "graph @f(%a: {dt}[{n}], %b: {dt}[{n}]) {{\n %0 = mul %a, %a : {dt}[{n}]\n %1 = sqrt %0 : {dt}[{n}]\n %2 = div %1, %b : {dt}[{n}]\n %3 = gt %a, %b : bool[{n}]\n %4 = where %3, %2, %a : {dt}[{n}]\n return %4\n}}"
                );
                run_guarded(&t, &[1, 1], 1, at_end, 1);
                run_guarded(&t, &[-1, 2], -1, at_end, 2);
                // The result goes straight into the output's block.
                let t = format!(
                    "graph @f(%a: {dt}[{n}], %b: {dt}[{n}]) {{\n %0 = mul %a, %a : {dt}[{n}]\n %1 = mul %b, %b : {dt}[{n}]\n %2 = add %0, %1 : {dt}[{n}]\n %3 = sqrt %2 : {dt}[{n}]\n return %3\n}}"
                );
                run_guarded(&t, &[1, 1], 1, at_end, 1);
                run_guarded(&t, &[1, -1], 1, at_end, 3);
            }
        }
    }
}

/// Math helpers that read their input block themselves (`tanh(a)`: no
/// element loop) prefetch `PREFETCH_BYTES` ahead of what they read — past
/// the input's end, into the guard page, on the last blocks. A prefetch
/// never faults; the results are the interpreter's.
#[test]
fn math_helpers_reading_inputs_prefetch_past_the_end() {
    for dt in [DType::F64, DType::F32] {
        for n in [1usize, 63, 256, 1000, 4099] {
            for op in ["tanh", "exp", "log1p"] {
                let t = format!("graph @f(%a: {dt}[{n}]) {{\n %0 = {op} %a : {dt}[{n}]\n return %0\n}}");
                for at_end in [true, false] {
                    run_guarded(&t, &[1], 1, at_end, 1);
                    run_guarded(&t, &[1], 1, at_end, 3);
                }
            }
        }
    }
}

/// A whole-array reduction of one guarded input into a guarded 0-d
/// accumulator (filled with `identity` first, as the runtime does).
fn run_guarded_reduce(text: &str, stride: isize, at_end: bool, identity: Scalar) {
    let g = Graph::parse(text).expect("graph");
    let p = fuse::fuse(&g).expect("fuse");
    assert_eq!(p.kernels().count(), 1);
    let k = p.kernels().next().expect("one kernel");
    let n = k.shape[0];
    let dt = g.node(g.inputs()[0]).dtype;
    let mut input = Operand::new(dt, n, stride, at_end);
    let v = values(dt, n, 5);
    input.write(&v);
    let out_dt = g.node(g.outputs()[0]).dtype;
    let mut acc = Operand::new(out_dt, 1, 1, at_end);
    acc.write(&[identity]);
    let layout = |v: Val| -> (Vec<isize>, isize) {
        match v {
            Val::Input(_) => (vec![stride], 0),
            Val::Tmp(_) => (vec![], 0),
        }
    };
    let (mut f, binds) = loops::lower(&p, k, "k0", &layout);
    loops::optimize(&mut f);
    let c = jit::compile(&f, false).expect("compile");
    let mut ptrs: Vec<*mut u8> = vec![];
    let mut bstrides: Vec<isize> = vec![];
    for (prm, b) in f.params.iter().zip(&binds) {
        ptrs.push(match b.val {
            Val::Input(_) => input.elem_ptr(0),
            Val::Tmp(_) => acc.elem_ptr(0),
        });
        bstrides.extend(prm.strides.iter().map(|&s| s * prm.dtype.size() as isize));
    }
    let status = std::sync::atomic::AtomicU32::new(0);
    // SAFETY: pointers and strides describe the guarded operands.
    unsafe { (c.func())(ptrs.as_ptr(), bstrides.as_ptr(), f.dims.as_ptr(), 0, f.dims[0], &status) };
    let want = lazyfuse::internals::interp::interpret(&g, &[array_of(dt, &v)]).expect("interpret");
    let nan = |s: &Scalar| matches!(*s, Scalar::F64(v) if v.is_nan()) || matches!(*s, Scalar::F32(v) if v.is_nan());
    let (a, b) = (acc.read()[0], want[0].to_scalars()[0]);
    assert!(a == b || (nan(&a) && nan(&b)), "{text}: {a:?} != {b:?}");
}

#[test]
fn reduction_kernels_stay_inside_their_arrays() {
    for n in sizes() {
        for (stride, at_end) in [(1, true), (1, false), (-1, true), (3, false)] {
            let sum = format!("graph @f(%a: i32[{n}]) {{\n %0 = sum %a, axes=[0] : i64[]\n return %0\n}}");
            run_guarded_reduce(&sum, stride, at_end, Scalar::I64(0));
            let max = format!("graph @f(%a: f32[{n}]) {{\n %0 = max %a, axes=[0] : f32[]\n return %0\n}}");
            run_guarded_reduce(&max, stride, at_end, Scalar::F32(f32::NEG_INFINITY));
            let any = format!("graph @f(%a: u8[{n}]) {{\n %0 = any %a, axes=[0] : bool[]\n return %0\n}}");
            run_guarded_reduce(&any, stride, at_end, Scalar::Bool(false));
        }
    }
}

// ------------------------------------------------------------------------
// End to end: arrays over guarded read-only buffers, through the public
// API (`Expr::eval`, every stage), for the layouts hostile inputs make:
// huge slice steps, empty results, and broadcasts whose size overflows.

/// A read-only array of `vals` (f64) whose data lies flush against a guard
/// page: ending at a trailing one (`at_end`) or starting after a leading
/// one. An empty array's data pointer is the guard page itself.
fn guarded_f64(vals: &[f64], at_end: bool) -> Array {
    use std::sync::Arc;
    let bytes = std::mem::size_of_val(vals);
    let body = bytes.div_ceil(PAGE).max(1) * PAGE;
    let total = body + 2 * PAGE;
    let mut map = MmapMut::map_anon(total).expect("mmap");
    let start = if at_end { PAGE + body - bytes } else { PAGE };
    for (i, v) in vals.iter().enumerate() {
        map[start + 8 * i..start + 8 * i + 8].copy_from_slice(&v.to_le_bytes());
    }
    let map = map.make_read_only().expect("read-only");
    let base = map.as_ptr();
    // SAFETY: both pages are inside the mapping, which the buffer owns.
    unsafe {
        assert_eq!(libc::mprotect(base as *mut libc::c_void, PAGE, libc::PROT_NONE), 0);
        assert_eq!(
            libc::mprotect(base.add(PAGE + body) as *mut libc::c_void, PAGE, libc::PROT_NONE),
            0
        );
    }
    let buf = Arc::new(lazyfuse::internals::array::Buffer::from_mmap(map));
    Array::from_buffer(buf, DType::F64, &[vals.len()], &[1], (start / 8) as isize).unwrap()
}

fn sl(start: Option<isize>, stop: Option<isize>, step: isize) -> lazyfuse::Index {
    lazyfuse::Index::Slice { start, stop, step }
}

#[test]
fn huge_steps_read_only_their_elements() {
    use lazyfuse::lazy;
    for at_end in [true, false] {
        for n in [1usize, 2, 5, 17] {
            let vals: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
            let a = guarded_f64(&vals, at_end);
            let last = vals[n - 1];
            for (ix, want) in [
                (sl(None, None, isize::MAX), vals[0]),
                (sl(None, None, isize::MIN), last),
                (sl(None, None, -isize::MAX), last),
                (sl(Some(-1), None, isize::MAX), last),
                (sl(Some(isize::MIN), Some(isize::MAX), isize::MAX), vals[0]),
            ] {
                let e = lazy(&a).slice(&[ix]);
                assert_eq!(e.eval().unwrap().to_vec::<f64>().unwrap(), vec![want], "{ix} n={n}");
                assert_eq!(e.sum().eval().unwrap().to_scalar::<f64>().unwrap(), want);
                assert_eq!(
                    (e.sin() * 2.0).eval().unwrap().to_vec::<f64>().unwrap(),
                    vec![want.sin() * 2.0]
                );
                assert!(e.explain().is_ok());
            }
        }
    }
}

#[test]
fn empty_results_touch_nothing() {
    use lazyfuse::lazy;
    for at_end in [true, false] {
        for n in [0usize, 1, 9] {
            let vals: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let a = guarded_f64(&vals, at_end);
            let x = lazy(&a);
            let empties = [
                x.slice(&[sl(Some(n as isize), None, 1)]),
                x.slice(&[sl(None, None, isize::MAX)]).slice(&[sl(Some(1), None, 1)]),
                x.slice(&[sl(Some(0), Some(0), -1)]),
                x.insert_axis(0).broadcast_to(&[0, n]),
                (x.insert_axis(1) + x.slice(&[sl(Some(0), Some(0), 1)])).sqrt(),
            ];
            for e in &empties {
                let r = e.eval().unwrap();
                assert!(r.is_empty());
                assert_eq!((e * 2.0).sum().eval().unwrap().to_scalar::<f64>().unwrap(), 0.0);
                assert!(e.max().eval().is_err(), "max of an empty array is an error");
            }
            // Reductions of the empty axis keep the other one.
            let m = x.insert_axis(0).broadcast_to(&[0, n]);
            assert_eq!(
                m.sum_axes(&[0], false).eval().unwrap().to_vec::<f64>().unwrap(),
                vec![0.0; n]
            );
        }
    }
}

#[test]
fn overflowing_broadcasts_are_errors_before_any_kernel() {
    use lazyfuse::lazy;
    let a = guarded_f64(&[1.0, 2.0], true);
    let big = a.slice(&[sl(None, Some(1), 1)]).unwrap();
    let col = big.broadcast_to(&[1 << 31, 1]).unwrap();
    let row = big.broadcast_to(&[1, 1 << 31]).unwrap();
    for e in [
        lazy(&col) + lazy(&row),
        (lazy(&col) * lazy(&row)).sum(),
        (lazy(&col) - lazy(&row)).max(),
    ] {
        let err = e.eval().unwrap_err().to_string();
        assert!(err.contains("too big"), "{err}");
    }
}

/// A compiled function (and the plan cache under `eval`) runs a plan
/// prepared for one offset on views at other offsets, moving each input's
/// pointer by the difference: windows sliding up to the guard page at either
/// end, forward and reversed, read only their own elements.
#[test]
fn plans_reused_at_other_offsets_stay_inside_their_arrays() {
    use lazyfuse::{lazy, DType as D, Expr, Function};
    let x = Expr::input("x", D::F64);
    let f: Function = (x.sqrt() * 2.0 + &x).compile().unwrap();
    let g = Function::parse("sum(x[::-1] * 3)", &[("x", D::F64)]).unwrap();
    for at_end in [true, false] {
        let n = 300;
        let vals: Vec<f64> = (0..n).map(|i| i as f64 * 0.25).collect();
        let a = guarded_f64(&vals, at_end);
        for w in [1usize, 7, 64, 129] {
            for start in [0, 1, 2, n - w - 1, n - w] {
                let v = a
                    .slice(&[sl(Some(start as isize), Some((start + w) as isize), 1)])
                    .unwrap();
                let want = (lazy(&v).sqrt() * 2.0 + lazy(&v)).eval().unwrap();
                assert_eq!(f.call(&[("x", &v)]).unwrap(), want, "w={w} start={start}");
                let want = (lazy(&v).slice(&[sl(None, None, -1)]) * 3).sum().eval().unwrap();
                assert_eq!(g.call(&[("x", &v)]).unwrap(), want, "w={w} start={start}");
            }
        }
    }
}
