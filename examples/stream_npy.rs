//! Streaming a large `.npy` file through an expression, into another
//! `.npy` file, without holding either in memory.
//!
//! `Expr::npy` makes the file an input read when the expression is
//! evaluated; `Expr::eval_to_npy_with` evaluates the expression window by
//! window within a memory budget (here 16 MiB): it reads each window of the
//! input with `pread` and appends each window of the result to the output
//! file, which appears complete or not at all. A progress callback reports
//! the bytes moved.
//!
//! ```text
//! cargo run --release --example stream_npy             # 150,000 x 64: a 77 MB result
//! cargo run --release --example stream_npy -- 2000000  # 2,000,000 x 64: a 1 GB result
//! ```
//!
//! (`cargo test` runs it with the default size, through the `#[test]` at the
//! bottom.)

use lazyfuse::{Array, DType, ExecOptions, Expr};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = match std::env::args().nth(1) {
        Some(s) => s.parse().map_err(|_| format!("rows '{s}' is not a count"))?,
        None => 150_000,
    };
    stream(rows)
}

fn stream(rows: usize) -> Result<(), Box<dyn std::error::Error>> {
    let cols = 64;
    let dir = TempDir::new()?;
    let (input, output) = (dir.0.join("signal.npy"), dir.0.join("filtered.npy"));

    // Some float32 data on disk (written here; in real use, by NumPy or an
    // instrument).
    let data: Vec<f32> = (0..rows * cols).map(|k| ((k % 1000) as f32 - 500.0) * 0.01).collect();
    Array::from_shape_vec(&[rows, cols], data)?.write_npy(&input)?;

    let x = Expr::npy("signal", &input)?.astype(DType::F64);
    // A soft clip plus a log-magnitude: float64 results of float32 input.
    let y = x.tanh() * 2.0 + (x.abs() + 1.0).log();
    let windows = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let w = windows.clone();
    let opts = ExecOptions::default()
        .with_memory(16 << 20)
        .with_progress(move |_done, _total| {
            w.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
    let start = std::time::Instant::now();
    y.eval_to_npy_with(&output, &opts)?;
    let bytes = std::fs::metadata(&output)?.len();
    println!(
        "{rows}x{cols} f32 -> f64: {:.1} MB written in {:.3} s, {} windows",
        bytes as f64 / 1e6,
        start.elapsed().as_secs_f64(),
        windows.load(std::sync::atomic::Ordering::Relaxed)
    );

    // Spot checks against the same formula in plain Rust.
    let signal = Array::read_npy(&input)?;
    let result = Array::read_npy(&output)?;
    assert_eq!(result.shape(), &[rows, cols]);
    for (i, j) in [(0, 0), (rows / 2, 17), (rows - 1, cols - 1)] {
        let v = signal.get(&[i, j])?.as_f64();
        let want = v.tanh() * 2.0 + (v.abs() + 1.0).ln();
        let got = result.get(&[i, j])?.as_f64();
        assert!(
            (got - want).abs() <= 1e-15 * want.abs().max(1.0),
            "[{i}, {j}]: {got} vs {want}"
        );
    }
    println!("spot checks pass");
    Ok(())
}

/// A directory under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let d = std::env::temp_dir().join(format!("lazyfuse-example-stream-{}", std::process::id()));
        std::fs::create_dir_all(&d)?;
        Ok(TempDir(d))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn runs() {
    // Many 16 MiB windows, so the streaming path runs.
    stream(150_000).unwrap();
}
