//! Zarr v3 arrays as streamed inputs and outputs: the fixtures Python's
//! zarr wrote (`scripts/gen_zarr_fixtures.py`) read as their `.npy`
//! files; what lazyfuse writes reads back the same for every dtype, shape,
//! codec and memory budget; streaming over a Zarr input gives the bits of
//! in-memory evaluation; and every failure is an error that leaves the
//! target as it was and no temporary behind.

use lazyfuse::internals::array::random::random;
use lazyfuse::internals::pipeline::eval_streamed_report;
use lazyfuse::{lazy, Array, DType, ExecOptions, Expr, ZarrCodec, ZarrOptions};
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/zarr");

struct Dir(PathBuf);
impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("lazyfuse-zarr-{}-{tag}", std::process::id()));
        std::fs::remove_dir_all(&d).ok();
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    /// The names in the directory (temporaries included).
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}
impl Drop for Dir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn read_zarr(path: &Path) -> Array {
    Expr::zarr("z", path).unwrap().eval().unwrap()
}

fn f64_data(shape: &[usize], seed: u64) -> Array {
    random(DType::F64, shape, seed).unwrap()
}

/// Every file under `dir`, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(tree(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

const FIXTURE_NAMES: [&str; 5] = ["f64_zstd", "i32_blosc", "u8_missing", "bool_gzip", "f32_scalar"];

#[test]
fn python_fixtures_read_as_their_npy() {
    for name in FIXTURE_NAMES {
        let want = Array::read_npy(format!("{FIXTURES}/{name}.npy")).unwrap();
        let z = Expr::zarr("a", format!("{FIXTURES}/{name}.zarr")).unwrap();
        assert_eq!(z.eval().unwrap(), want, "{name}");
        // Streamed in small windows (whole rows, partial chunk rows).
        for budget in [64, 1 << 10, 1 << 20] {
            let opts = ExecOptions::default().with_memory(budget);
            let (got, report) = eval_streamed_report(std::slice::from_ref(&z), &opts).unwrap();
            assert_eq!(got[0], want, "{name} budget {budget}");
            assert!(report.bytes_read > 0, "{name}: nothing read");
        }
    }
    // Missing chunks are the fill value.
    let u8s = read_zarr(&Path::new(FIXTURES).join("u8_missing.zarr"));
    assert_eq!(u8s.get(&[0, 4]).unwrap().as_f64(), 7.0);
    assert_eq!(u8s.get(&[5, 3]).unwrap().as_f64(), 7.0);
}

#[test]
fn round_trips_for_dtypes_shapes_codecs_and_budgets() {
    let d = Dir::new("rt");
    let shapes: [(&[usize], Option<&[usize]>); 9] = [
        (&[0], None),
        (&[0, 3], None),
        (&[1], None),
        (&[1, 5], None),
        (&[], None),
        (&[1000], None),
        (&[37, 5], Some(&[8, 3])),
        (&[5, 6, 7], Some(&[2, 4, 3])),
        (&[3, 1, 4], Some(&[1, 1, 3])),
    ];
    let codecs = [ZarrCodec::Zstd, ZarrCodec::Blosc, ZarrCodec::Gzip, ZarrCodec::None];
    let mut k = 0;
    for dt in DType::ALL {
        for (shape, chunks) in shapes {
            let a = random(dt, shape, k).unwrap();
            for budget in [4 << 10, 1 << 16, 256 << 20] {
                let codec = codecs[k as usize % codecs.len()];
                k += 1;
                let mut z = ZarrOptions::default().with_codec(codec);
                z.chunk_shape = chunks.map(<[usize]>::to_vec);
                let path = d.path("rt.zarr");
                let opts = ExecOptions::default().with_memory(budget);
                lazy(&a).eval_to_zarr_with(&path, &z, &opts).unwrap();
                assert_eq!(read_zarr(&path), a, "{dt} {shape:?} {codec:?} budget {budget}");
            }
        }
    }
    assert_eq!(d.names(), ["rt.zarr"], "temporaries left");
}

#[test]
fn default_chunks_hold_whole_rows() {
    let d = Dir::new("chunks");
    let path = d.path("c.zarr");
    lazy(f64_data(&[70_000, 8], 1)).eval_to_zarr(&path).unwrap();
    let meta = std::fs::read_to_string(path.join("zarr.json")).unwrap();
    let compact: String = meta.split_whitespace().collect();
    assert!(compact.contains(r#""chunk_shape":[65536,8]"#), "{meta}");
    assert!(compact.contains(r#""name":"zstd""#), "{meta}");
    // Two chunk rows: the second one partial.
    assert!(path.join("c/0/0").is_file() && path.join("c/1/0").is_file());
}

/// Writes `a` as a Zarr array with small, uneven chunks.
fn zarr_file(d: &Dir, name: &str, a: &Array, chunks: &[usize]) -> PathBuf {
    let path = d.path(name);
    let z = ZarrOptions::default().with_chunk_shape(chunks);
    lazy(a).eval_to_zarr_with(&path, &z, &ExecOptions::default()).unwrap();
    path
}

#[test]
fn streaming_over_zarr_inputs_equals_in_memory() {
    let d = Dir::new("stream");
    let a = f64_data(&[1001, 5], 2);
    let b = f64_data(&[1001, 5], 3);
    let v = f64_data(&[20_001], 4);
    let pa = zarr_file(&d, "a.zarr", &a, &[7, 3]);
    let pb = zarr_file(&d, "b.zarr", &b, &[64, 5]);
    let pv = zarr_file(&d, "v.zarr", &v, &[999]);
    let cases = [
        "sqrt(a*a + b*b) * 0.5",
        "sum(a * b)",
        "a - mean(a)",
        "(a - mean(a)) / std(a)",
        "sum(a, axis=0)",
        "a / sum(a, axis=0)",
        "sum(b, axis=1) + 1",
        "a.T * 2",
        "v - mean(v)",
        "sum(v[::-1] * 2)",
    ];
    for src in cases {
        let mem = [("a", &a), ("b", &b), ("v", &v)];
        let want = Expr::parse(src, &mem).unwrap().eval().unwrap();
        let (za, zb, zv) = (
            Expr::zarr("a", &pa).unwrap(),
            Expr::zarr("b", &pb).unwrap(),
            Expr::zarr("v", &pv).unwrap(),
        );
        let e = Expr::parse_exprs(src, &[("a", &za), ("b", &zb), ("v", &zv)]).unwrap();
        for budget in [1 << 10, 1 << 14, 1 << 20, 256 << 20] {
            for threads in [1, 2] {
                let opts = ExecOptions::default().with_memory(budget).with_threads(threads);
                let (got, report) = eval_streamed_report(std::slice::from_ref(&e), &opts).unwrap();
                assert_eq!(got[0], want, "{src} budget {budget} threads {threads}: {report:?}");
                assert!(report.bytes_read > 0, "{src}: nothing read");
            }
        }
        assert_eq!(e.eval().unwrap(), want, "{src} eval");
    }
}

#[test]
fn zarr_in_zarr_out_and_in_place() {
    let d = Dir::new("inout");
    let a = f64_data(&[3001, 4], 5);
    let pa = zarr_file(&d, "a.zarr", &a, &[100, 4]);
    let want = (lazy(&a) - lazy(&a).mean()).eval().unwrap();
    let e = |p: &Path| {
        let z = Expr::zarr("a", p).unwrap();
        &z - z.mean()
    };
    let out = d.path("out.zarr");
    let opts = ExecOptions::default().with_memory(1 << 14);
    let z = ZarrOptions::default().with_codec(ZarrCodec::Blosc);
    e(&pa).eval_to_zarr_with(&out, &z, &opts).unwrap();
    assert_eq!(read_zarr(&out), want);
    // Over an existing array: replaced.
    e(&pa).eval_to_zarr_with(&out, &ZarrOptions::default(), &opts).unwrap();
    assert_eq!(read_zarr(&out), want);
    // The output is the input: read completely before it is replaced.
    e(&pa).eval_to_zarr_with(&pa, &ZarrOptions::default(), &opts).unwrap();
    assert_eq!(read_zarr(&pa), want);
    assert_eq!(d.names(), ["a.zarr", "out.zarr"], "temporaries left");
}

#[test]
fn a_corrupt_chunk_is_an_error() {
    let d = Dir::new("corrupt");
    let a = f64_data(&[100, 3], 6);
    let pa = zarr_file(&d, "a.zarr", &a, &[10, 3]);
    std::fs::write(pa.join("c/9/0"), b"this is not zstd data at all").unwrap();
    let z = Expr::zarr("a", &pa).unwrap();
    let err = z.sum().eval().unwrap_err().to_string();
    assert!(err.contains("a.zarr") && !err.contains('\n'), "{err}");
    // The chunks before it are fine.
    let head = z.slice_rows(0, 90);
    assert_eq!(head.eval().unwrap(), lazy(&a).slice_rows(0, 90).eval().unwrap());
}

trait Rows {
    fn slice_rows(&self, a: usize, b: usize) -> Expr;
}
impl Rows for Expr {
    fn slice_rows(&self, a: usize, b: usize) -> Expr {
        Expr::parse_exprs(&format!("x[{a}:{b}]"), &[("x", self)]).unwrap()
    }
}

#[test]
fn unsupported_dtypes_and_non_arrays_are_errors() {
    let d = Dir::new("dtype");
    let p = zarr_file(&d, "h.zarr", &f64_data(&[4], 7), &[4]);
    let meta = std::fs::read_to_string(p.join("zarr.json")).unwrap();
    for (from, to) in [("float64", "float16"), ("float64", "bfloat16")] {
        std::fs::write(p.join("zarr.json"), meta.replace(from, to)).unwrap();
        let err = Expr::zarr("h", &p).expect_err("an error").to_string();
        assert!(err.contains(to) && err.contains("not supported"), "{err}");
    }
    // A directory without zarr.json, a file, nothing.
    std::fs::create_dir(d.path("empty")).unwrap();
    std::fs::write(d.path("f.zarr"), b"x").unwrap();
    for name in ["empty", "f.zarr", "missing.zarr"] {
        let err = Expr::zarr("x", d.path(name)).expect_err("an error").to_string();
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn targets_that_are_not_zarr_arrays_are_refused_untouched() {
    let d = Dir::new("refuse");
    let e = lazy(f64_data(&[10], 8)) * 2.0;
    let file = d.path("file.zarr");
    std::fs::write(&file, b"precious").unwrap();
    let err = e.eval_to_zarr(&file).unwrap_err().to_string();
    assert!(err.contains("file.zarr") && err.contains("not a directory"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"precious");
    let dir = d.path("notes.zarr");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), b"precious").unwrap();
    let err = e.eval_to_zarr(&dir).unwrap_err().to_string();
    assert!(err.contains("not a Zarr array"), "{err}");
    assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"precious");
    // A Zarr group is not an array either.
    let group = d.path("group.zarr");
    std::fs::create_dir(&group).unwrap();
    std::fs::write(group.join("zarr.json"), br#"{"zarr_format": 3, "node_type": "group"}"#).unwrap();
    assert!(e.eval_to_zarr(&group).is_err());
    // An empty directory is replaced.
    let empty = d.path("empty.zarr");
    std::fs::create_dir(&empty).unwrap();
    e.eval_to_zarr(&empty).unwrap();
    assert_eq!(read_zarr(&empty), e.eval().unwrap());
    assert_eq!(d.names(), ["empty.zarr", "file.zarr", "group.zarr", "notes.zarr"]);
}

#[test]
fn a_failure_mid_write_leaves_the_old_target_and_no_temporary() {
    let d = Dir::new("midwrite");
    let a = f64_data(&[400, 2], 9);
    let pa = zarr_file(&d, "a.zarr", &a, &[10, 2]);
    // The last chunk of the input is corrupt: the output's first chunks
    // are written before the evaluation fails.
    std::fs::write(pa.join("c/39/0"), b"garbage").unwrap();
    let out = d.path("out.zarr");
    lazy(f64_data(&[5], 10)).eval_to_zarr(&out).unwrap();
    let before = tree(&out);
    let opts = ExecOptions::default().with_memory(1 << 10);
    let z = ZarrOptions::default().with_chunk_shape(&[4, 2]);
    let err = (Expr::zarr("a", &pa).unwrap() * 2.0)
        .eval_to_zarr_with(&out, &z, &opts)
        .unwrap_err();
    assert!(err.to_string().contains("a.zarr"), "{err}");
    assert_eq!(tree(&out), before, "the old target changed");
    assert_eq!(d.names(), ["a.zarr", "out.zarr"], "temporaries left");
    // A value error mid-stream (a negative integer power in the last rows).
    let mut v: Vec<i64> = vec![2; 1000];
    v[990] = -1;
    let b = Array::from_vec(v);
    let err = lazy(&b)
        .pow(lazy(&b))
        .eval_to_zarr_with(&out, &z.clone().with_chunk_shape(&[8]), &opts);
    assert!(err.is_err());
    assert_eq!(tree(&out), before, "the old target changed");
    assert_eq!(d.names(), ["a.zarr", "out.zarr"], "temporaries left");
}

#[test]
fn chunk_shapes_that_do_not_fit_are_errors() {
    let d = Dir::new("badchunks");
    let e = lazy(f64_data(&[100, 100], 11));
    for c in [&[10][..], &[0, 10], &[10, 10, 10]] {
        let z = ZarrOptions::default().with_chunk_shape(c);
        let err = e.eval_to_zarr_with(d.path("x.zarr"), &z, &ExecOptions::default());
        assert!(err.unwrap_err().to_string().contains("chunk shape"));
    }
    // A row of chunks larger than the budget allows.
    let z = ZarrOptions::default().with_chunk_shape(&[50, 10]);
    let err = e.eval_to_zarr_with(d.path("x.zarr"), &z, &ExecOptions::default().with_memory(1 << 12));
    assert!(err.unwrap_err().to_string().contains("memory budget"));
    assert!(d.names().is_empty(), "{:?}", d.names());
}

#[cfg(feature = "cli")]
#[test]
fn cli_reads_and_writes_zarr() {
    use std::process::Command;
    let d = Dir::new("cli");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_lazyfuse"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let a = f64_data(&[500, 3], 12);
    let npy = d.path("a.npy");
    a.write_npy(&npy).unwrap();
    let za = d.path("a.zarr");
    let (ok, msg) = run(&[
        "eval",
        "a*1",
        "-i",
        &format!("a={}", npy.display()),
        "-o",
        za.to_str().unwrap(),
    ]);
    assert!(ok, "{msg}");
    assert_eq!(read_zarr(&za), a);
    let out = d.path("z.zarr");
    let (ok, msg) = run(&[
        "eval",
        "(a - mean(a)) / std(a)",
        "-i",
        &format!("a={}", za.display()),
        "-o",
        out.to_str().unwrap(),
        "--codec",
        "gzip",
        "--memory",
        "16K",
    ]);
    assert!(ok, "{msg}");
    let want = {
        let x = lazy(&a);
        ((&x - x.mean()) / x.std(0)).eval().unwrap()
    };
    assert_eq!(read_zarr(&out), want);
    assert!(std::fs::read_to_string(out.join("zarr.json")).unwrap().contains("gzip"));
    let (ok, msg) = run(&["eval", "sum(a)", "-i", &format!("a={}", za.display())]);
    assert!(ok && msg.contains("values: ["), "{msg}");
    let (ok, msg) = run(&[
        "eval",
        "a",
        "-i",
        "a=f64[3]",
        "-o",
        d.path("x.npy").to_str().unwrap(),
        "--codec",
        "zstd",
    ]);
    assert!(!ok && msg.contains("--codec applies to a Zarr output"), "{msg}");
}
