//! Streaming to `.npy` through the sequencer: small budgets equal `eval`,
//! errors mid-stream leave the target alone, concurrent writers never
//! collide, mapped inputs are read completely first.

use crate::{lazy, Array};

#[test]
fn streaming_to_npy_in_small_chunks_equals_eval() {
    let a = Array::from_shape_vec(&[37, 5], (0..185).map(|x| x as f64 * 0.5).collect()).unwrap();
    let r = Array::from_vec(vec![1.0f64, -2.0, 3.0, 0.5, 4.0]);
    let x = lazy(&a);
    let e = (&x * lazy(&r) + x.sin()).slice(&[crate::Index::Slice {
        start: None,
        stop: None,
        step: -1,
    }]);
    let path = std::env::temp_dir().join(format!("lazyfuse-stream-{}.npy", std::process::id()));
    e.eval_to_npy_chunked(&path, 7 * 5 * 8, &Default::default()).unwrap();
    let got = Array::read_npy(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(got, e.eval().unwrap());
}

/// A fresh directory for one test, removed on drop.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("lazyfuse-pipeline-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }

    fn list(&self) -> Vec<String> {
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
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_streaming_error_after_some_chunks_leaves_the_target_and_no_temporary() {
    let d = Dir::new("stream-err");
    let path = d.0.join("out.npy");
    std::fs::write(&path, b"old").unwrap();
    // The last row raises (a negative integer power) after earlier
    // chunks were written to the temporary.
    let a = Array::from_shape_vec(&[20, 2], vec![2i64; 40]).unwrap();
    let mut ev = vec![1i64; 40];
    ev[39] = -1;
    let b = Array::from_shape_vec(&[20, 2], ev).unwrap();
    let e = crate::Expr::parse("a ** b", &[("a", &a), ("b", &b)]).unwrap();
    assert!(e.eval_to_npy_chunked(&path, 3 * 16, &Default::default()).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(d.list(), ["out.npy"]);
}

#[test]
fn streaming_from_threads_to_names_in_one_directory_never_collides() {
    let d = Dir::new("stream-threads");
    let a = Array::from_shape_vec(&[50, 4], (0..200).map(|x| x as f64).collect()).unwrap();
    std::fs::write(d.0.join("res.npy.partial"), b"user data").unwrap();
    std::thread::scope(|s| {
        for t in 0..8 {
            let (d, a) = (&d, &a);
            s.spawn(move || {
                for round in 0..4 {
                    let k = (10 * t + round) as f64;
                    let p = d.0.join(format!("res.v{t}"));
                    (lazy(a) + k)
                        .eval_to_npy_chunked(&p, 7 * 4 * 8, &Default::default())
                        .unwrap();
                    let got = Array::read_npy(&p).unwrap().to_vec::<f64>().unwrap();
                    assert_eq!((got[0], got[199]), (k, 199.0 + k), "thread {t} round {round}");
                }
            });
        }
    });
    let mut want: Vec<String> = (0..8).map(|t| format!("res.v{t}")).collect();
    want.insert(0, "res.npy.partial".into());
    assert_eq!(d.list(), want);
    assert_eq!(std::fs::read(d.0.join("res.npy.partial")).unwrap(), b"user data");
}

#[test]
fn streaming_over_a_mapped_input_reads_it_completely_first() {
    let d = Dir::new("stream-inout");
    let path = d.0.join("x.npy");
    let a = Array::from_shape_vec(&[40, 3], (0..120).map(|x| x as f64).collect()).unwrap();
    a.write_npy(&path).unwrap();
    // SAFETY: the file is only replaced by rename while `m` is alive.
    let m = unsafe { Array::open_npy(&path) }.unwrap();
    assert!(!m.is_writable(), "mapped");
    let e = lazy(&m) * 2.0;
    e.eval_to_npy_chunked(&path, 5 * 3 * 8, &Default::default()).unwrap();
    let got = Array::read_npy(&path).unwrap();
    assert_eq!(got, (lazy(&a) * 2.0).eval().unwrap());
    assert_eq!(m, a);
    assert_eq!(d.list(), ["x.npy"]);
}
