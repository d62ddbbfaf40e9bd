//! IR filetests: every `ir/<folder>/*.ir` file is a named test.
//!
//! A file starts with `test <name>` and holds one IR text; directive lines
//! state what the output must contain, Cranelift's way:
//!
//! - `; check: TEXT` — TEXT occurs after the previous match (any line);
//! - `; nextln: TEXT` — TEXT occurs on the line after the previous match's;
//! - `; sameln: TEXT` — TEXT occurs on the previous match's line, after it;
//! - `; not: TEXT` — TEXT does not occur between the previous match and the
//!   next one (or the end of the output).
//!
//! Headers:
//!
//! - `test simplify`: a graph → the simplified graph;
//! - `test fuse`: a graph → the fused program (which must print and parse
//!   back to itself);
//! - `test lower`: a graph → its kernels lowered to loop IR, C-order inputs,
//!   no passes;
//! - `test <loop-pass>` (`collapse-dims`, `order-loops`, `vectorize`,
//!   `unroll`, `hoist-invariants`): a loop function → the pass's output;
//! - `test run`: a graph → JIT result compared bit for bit with the
//!   interpreter on deterministic pseudo-random inputs (the crate's own
//!   generator, `array::random`; 1 and 3 threads); the output is `ok`, then
//!   each result's dtype, shape and first eight values, which the checks
//!   pin;
//! - `test compile`: a loop function → the Cranelift IR it compiles to (as
//!   optimized, with helper calls named).
//!
//! `BLESS=1 cargo test --test filetests` rewrites each file's directives to
//! the current output (`check:` for its first line, `nextln:` after).

use lazyfuse::internals::array::layout::c_strides;
use lazyfuse::internals::fuse::{self, Program, Val};
use lazyfuse::internals::loops::{self, LoopFunc};
use lazyfuse::internals::runtime::{eval_graph, ExecOptions};
use lazyfuse::ir::Graph;
use lazyfuse::{Array, DType, Scalar};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("ir");
    let mut files = vec![];
    collect(&root, &mut files);
    files.sort();
    let trials = files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(&root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            Trial::test(name, move || run_file(&p))
        })
        .collect::<Vec<_>>();
    let mut trials = trials;
    trials.push(Trial::test("directives", directives_self_test));
    libtest_mimic::run(&args, trials).exit();
}

/// The directive matcher on fixed outputs: what each directive accepts
/// and rejects.
fn directives_self_test() -> Result<(), Failed> {
    let out = "loop {\n    dims [4]\n    v0 = load %a\n    v1 = add v0, v0\n}\n";
    let ok = |c: &[(&str, &str)]| {
        let c: Vec<(&str, String)> = c.iter().map(|(d, t)| (*d, t.to_string())).collect();
        match_directives(out, &c).is_ok()
    };
    let cases: &[(&[(&str, &str)], bool)] = &[
        (&[("check", "dims"), ("nextln", "v0 = load"), ("sameln", "%a")], true),
        (&[("check", "dims"), ("nextln", "v1")], false),
        (&[("check", "loop"), ("not", "add"), ("check", "v0")], true),
        (&[("check", "loop"), ("not", "load"), ("check", "v1")], false),
        (&[("check", "v1"), ("not", "load")], true),
        (&[("check", "v0"), ("not", "add")], false),
        (&[("check", "v1"), ("check", "dims")], false),
        (&[("check", "v0"), ("sameln", "dims")], false),
        (&[("nextln", "loop")], true),
    ];
    for (c, want) in cases {
        if ok(c) != *want {
            return fail(format!("directives {c:?}: expected {want}"));
        }
    }
    Ok(())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "ir") {
            out.push(p);
        }
    }
}

fn fail<T>(m: impl Into<String>) -> Result<T, Failed> {
    Err(Failed::from(m.into()))
}

fn run_file(path: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| Failed::from(e.to_string()))?;
    let mut header = None;
    let mut body = String::new();
    let mut checks = vec![];
    for line in text.lines() {
        let t = line.trim();
        if header.is_none() && !t.is_empty() && !t.starts_with(';') {
            match t.strip_prefix("test ") {
                Some(h) => header = Some(h.trim().to_string()),
                None => return fail("the file must start with 'test <name>'"),
            }
            continue;
        }
        let directive = ["check", "nextln", "sameln", "not"]
            .iter()
            .find_map(|d| t.strip_prefix(&format!("; {d}:")).map(|c| (*d, c.trim().to_string())));
        if let Some(d) = directive {
            checks.push(d);
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    let header = header.ok_or_else(|| Failed::from("missing 'test' header"))?;
    let output = produce(&header, &body).map_err(|e| Failed::from(format!("{header}: {e}")))?;
    if std::env::var_os("BLESS").is_some() {
        let mut new = format!("test {header}\n{}", body.trim_end());
        new.push('\n');
        for (k, l) in output.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let d = if k == 0 { "check" } else { "nextln" };
            new.push_str(&format!("; {d}: {}\n", l.trim()));
        }
        std::fs::write(path, new).map_err(|e| Failed::from(e.to_string()))?;
        return Ok(());
    }
    if !checks.iter().any(|(d, _)| *d != "not") {
        return fail(format!("no '; check:' lines; output was:\n{output}"));
    }
    match_directives(&output, &checks).map_err(|m| Failed::from(format!("{m}\noutput:\n{output}")))
}

/// Checks `output` against the directives (see the module docs). Blank
/// output lines are ignored for `nextln`.
fn match_directives(output: &str, checks: &[(&str, String)]) -> Result<(), String> {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    // The position after the previous match: (line, byte in that line).
    let (mut line, mut col) = (0usize, 0usize);
    let mut nots: Vec<&str> = vec![];
    // Whether `text` occurs between (l0, c0) and (l1, c1).
    let between = |text: &str, (l0, c0): (usize, usize), (l1, c1): (usize, usize)| -> bool {
        (l0..lines.len().min(l1 + 1)).any(|l| {
            let s = if l == l0 { c0.min(lines[l].len()) } else { 0 };
            let e = if l == l1 {
                c1.min(lines[l].len())
            } else {
                lines[l].len()
            };
            s <= e && lines[l][s..e].contains(text)
        })
    };
    for (d, text) in checks {
        let found = match *d {
            "not" => {
                nots.push(text);
                continue;
            }
            "check" => (line..lines.len()).find_map(|l| {
                let s = if l == line { col.min(lines[l].len()) } else { 0 };
                lines[l][s..].find(text.as_str()).map(|i| (l, s + i))
            }),
            "nextln" => {
                let l = if line == 0 && col == 0 { 0 } else { line + 1 };
                lines.get(l).and_then(|x| x.find(text.as_str())).map(|i| (l, i))
            }
            _ => lines
                .get(line)
                .and_then(|x| x[col.min(x.len())..].find(text.as_str()))
                .map(|i| (line, col + i)),
        };
        let Some((l, c)) = found else {
            return Err(format!("{d}: '{text}' not found after line {}", line + 1));
        };
        for n in nots.drain(..) {
            if between(n, (line, col), (l, c)) {
                return Err(format!("not: '{n}' found before '{text}'"));
            }
        }
        (line, col) = (l, c + text.len());
    }
    for n in nots {
        if between(n, (line, col), (lines.len(), 0)) {
            return Err(format!("not: '{n}' found after the last match"));
        }
    }
    Ok(())
}

fn produce(header: &str, body: &str) -> Result<String, String> {
    let e = |x: lazyfuse::Error| x.to_string();
    match header {
        "fuse" => {
            let g = Graph::parse(body).map_err(e)?;
            let p = fuse::fuse(&g).map_err(e)?;
            let printed = p.to_string();
            let back = Program::parse(&printed).map_err(e)?;
            if back != p {
                return Err(format!("fused text does not parse back:\n{printed}"));
            }
            Ok(printed)
        }
        // `plan`: every input borrowed; `plan-donated`: every input handed
        // over by value (may be overwritten in place).
        "plan" | "plan-donated" => {
            let g = Graph::parse(body).map_err(e)?;
            let p = fuse::fuse(&g).map_err(e)?;
            let donated = vec![header == "plan-donated"; g.inputs().len()];
            let plan = lazyfuse::internals::plan::plan_buffers(&p, &g, &donated);
            let printed = plan.to_string();
            match lazyfuse::internals::plan::BufferPlan::parse(&printed) {
                Ok(back) if back == plan => Ok(format!("{p}{printed}")),
                _ => Err(format!("plan text does not parse back:\n{printed}")),
            }
        }
        "simplify" => {
            let g = Graph::parse(body).map_err(e)?;
            let s = lazyfuse::internals::expr::simplify::simplify(&g).map_err(e)?;
            let printed = s.to_string();
            match Graph::parse(&printed) {
                Ok(back) if back == s => Ok(printed),
                _ => Err(format!("simplified graph does not parse back:\n{printed}")),
            }
        }
        "lower" => {
            let g = Graph::parse(body).map_err(e)?;
            let p = fuse::fuse(&g).map_err(e)?;
            let mut out = String::new();
            for (kid, k) in p.kernels().enumerate() {
                let layout = |v: Val| -> (Vec<isize>, isize) {
                    let (_, shape) = p.val_type(v);
                    (c_strides(shape), 0)
                };
                let (f, _) = loops::lower(&p, k, &format!("k{kid}"), &layout);
                loops::verify(&f).map_err(e)?;
                round_trip(&f)?;
                out.push_str(&f.to_string());
            }
            Ok(out)
        }
        "run" => {
            let g = Graph::parse(body).map_err(e)?;
            let inputs: Vec<Array> = g
                .inputs()
                .iter()
                .enumerate()
                .map(|(k, &i)| {
                    let n = g.node(i);
                    random_array(n.dtype, &n.shape, k as u64 + 1)
                })
                .collect();
            let want = lazyfuse::internals::interp::interpret(&g, &inputs);
            for threads in [1, 3] {
                let got = eval_graph(&g, &inputs, &ExecOptions::default().with_threads(threads));
                match (&want, &got) {
                    (Ok(w), Ok(gt)) if w == gt => {}
                    (Err(w), Err(gt)) if w == gt => {}
                    _ => return Err(format!("JIT {got:?} != interpreter {want:?}")),
                }
            }
            Ok(match want {
                Ok(outs) => {
                    let mut s = String::from("ok\n");
                    let names = g.outputs().to_vec();
                    for (k, a) in outs.iter().enumerate() {
                        let vals: Vec<String> = a.to_scalars().iter().take(8).map(|v| v.to_string()).collect();
                        s.push_str(&format!(
                            "{}: {}{:?} [{}{}]\n",
                            names.get(k).map_or(k, |n| n.index()),
                            a.dtype(),
                            a.shape(),
                            vals.join(", "),
                            if a.len() > 8 { ", …" } else { "" }
                        ));
                    }
                    s
                }
                Err(x) => format!("error: {x}\n"),
            })
        }
        "compile" => {
            let f = LoopFunc::parse(body).map_err(e)?;
            loops::verify(&f).map_err(e)?;
            let c = lazyfuse::internals::jit::compile(&f, true).map_err(e)?;
            c.clif.clone().ok_or_else(|| "no CLIF text".to_string())
        }
        pass => {
            let run = loops::pass_by_name(pass).ok_or(format!("unknown test '{pass}'"))?;
            let mut f = LoopFunc::parse(body).map_err(e)?;
            round_trip(&f)?;
            run(&mut f);
            loops::verify(&f).map_err(e)?;
            round_trip(&f)?;
            Ok(f.to_string())
        }
    }
}

fn round_trip(f: &LoopFunc) -> Result<(), String> {
    let printed = f.to_string();
    match LoopFunc::parse(&printed) {
        Ok(back) if back == *f => Ok(()),
        Ok(_) => Err(format!("loop text does not parse back to the same value:\n{printed}")),
        Err(x) => Err(format!("loop text does not parse: {x}\n{printed}")),
    }
}

/// Deterministic values with edge cases mixed in.
fn random_array(dtype: DType, shape: &[usize], seed: u64) -> Array {
    let n: usize = shape.iter().product();
    let mut rng = lazyfuse::internals::array::random::SplitMix64(seed);
    let mut next = || rng.next_u64();
    let vals: Vec<Scalar> = (0..n)
        .map(|_| {
            let r = next();
            match dtype {
                DType::F32 | DType::F64 => {
                    let v = match r % 16 {
                        0 => f64::NAN,
                        1 => -0.0,
                        2 => f64::INFINITY,
                        _ => ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 20.0,
                    };
                    Scalar::F64(v).cast(dtype)
                }
                DType::Bool => Scalar::Bool(r & 1 == 1),
                _ => Scalar::from_bits(dtype, if r % 8 == 0 { r >> 3 } else { (r >> 40) % 21 }.wrapping_sub(10)),
            }
        })
        .collect();
    let bytes: Vec<u8> = vals
        .iter()
        .flat_map(|v| v.bits().to_le_bytes()[..dtype.size()].to_vec())
        .collect();
    from_bytes(dtype, shape, &bytes)
}

fn from_bytes(dtype: DType, shape: &[usize], bytes: &[u8]) -> Array {
    macro_rules! mk {
        ($t:ty) => {{
            let v: Vec<$t> = bytes
                .chunks_exact(std::mem::size_of::<$t>())
                .map(|c| <$t>::from_le_bytes(c.try_into().expect("size")))
                .collect();
            Array::from_shape_vec(shape, v).expect("shape")
        }};
    }
    match dtype {
        DType::Bool => Array::from_shape_vec(shape, bytes.iter().map(|&b| b != 0).collect()).expect("shape"),
        DType::I8 => mk!(i8),
        DType::I16 => mk!(i16),
        DType::I32 => mk!(i32),
        DType::I64 => mk!(i64),
        DType::U8 => mk!(u8),
        DType::U16 => mk!(u16),
        DType::U32 => mk!(u32),
        DType::U64 => mk!(u64),
        DType::F32 => mk!(f32),
        DType::F64 => mk!(f64),
        other => panic!("no test data for dtype {other}"),
    }
}
