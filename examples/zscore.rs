//! Column-wise z-scores of a matrix that comes from `ndarray`:
//! `z = (x - mean(x, axis=0)) / std(x, axis=0)`.
//!
//! The matrix moves into lazyfuse without a copy (its `Vec` becomes the
//! buffer), the means and standard deviations of all columns come out of
//! one pass over it, the z-scores out of a second, and the result goes
//! back to `ndarray` as a view of lazyfuse's buffer.
//!
//! ```text
//! cargo run --release --example zscore
//! ```
//!
//! (`cargo test` runs it too, through the `#[test]` at the bottom.)

use lazyfuse::{lazy, Array};
use ndarray::{Array2, Axis, Ix2};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (rows, cols) = (100_000, 8);
    // Column j has values around 10·j with spread j + 1.
    let m = Array2::from_shape_fn((rows, cols), |(i, j)| {
        let u = ((i * 7919 + j * 104_729) % 1000) as f64 / 1000.0;
        10.0 * j as f64 + (j + 1) as f64 * (u - 0.5)
    });
    let expected = zscores_in_ndarray(&m);

    let ptr = m.as_ptr();
    let a = Array::from(m); // adopts the matrix's buffer: no copy
    assert_eq!(a.as_ptr(), ptr as *const u8);

    let x = lazy(&a);
    let mean = x.mean_axes(&[0], true); // shape [1, 8]: broadcasts over rows
    let std = x.std_axes(&[0], true, 0);
    let z = (&x - &mean) / &std;

    // What will run, and what memory it needs.
    let report = z.memory_report()?;
    println!(
        "{rows}x{cols} z-scores: {} buffers, {} temporaries eliminated, peak {} bytes \
         (eager evaluation: {} arrays, {} bytes)",
        report.buffers, report.temporaries_eliminated, report.peak_bytes, report.eager_arrays, report.eager_bytes
    );

    let out = z.eval()?;
    // A view of lazyfuse's buffer, no copy.
    let view = out.as_ndarray::<f64>()?.into_dimensionality::<Ix2>()?;

    let worst = view
        .iter()
        .zip(expected.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!("largest difference from plain ndarray: {worst:.2e}");
    assert!(worst < 1e-9, "z-scores differ from ndarray's by {worst}");
    for (j, col) in view.axis_iter(Axis(1)).enumerate() {
        let (mean, std) = (col.mean().unwrap_or(f64::NAN), col.std(0.0));
        println!("column {j}: mean {mean:+.1e}, std {std:.6}");
        assert!(mean.abs() < 1e-9 && (std - 1.0).abs() < 1e-9);
    }
    Ok(())
}

/// The same computation with `ndarray` alone, one temporary per step.
fn zscores_in_ndarray(m: &Array2<f64>) -> Array2<f64> {
    let mean = m.mean_axis(Axis(0)).expect("rows > 0");
    let std = m.std_axis(Axis(0), 0.0);
    (m - &mean) / &std
}

#[test]
fn runs() {
    main().unwrap();
}
