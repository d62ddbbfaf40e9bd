//! Command-line values: `-i` specs (`NAME=FILE.npy`, `NAME=DIR.zarr`,
//! `NAME=DTYPE[SHAPE]` for random data) as expressions, type specs, byte
//! sizes (`--memory 64M`), and the summary printed for a result.
//!
//! Invariant: every malformed value is an `Error::Parse` naming it
//! (clipped), never a panic.

use crate::array::{random, Array, DType};
use crate::error::{Error, Result};
use crate::expr::parse::clip;
use crate::expr::Expr;
use std::path::Path;

/// Parses `f64[1000,1000]` into a dtype and shape. Dimensions are
/// non-negative decimal integers separated by commas, with optional spaces
/// around them and an optional trailing comma (Python's `(3,)`); `f64[]` is
/// a 0-d array.
///
/// ```
/// use lazyfuse::{internals::cli::parse_type_spec, DType};
/// assert_eq!(parse_type_spec("f64[2, 3]")?, (DType::F64, vec![2, 3]));
/// assert_eq!(parse_type_spec("u8[4,]")?, (DType::U8, vec![4]));
/// assert!(parse_type_spec("f64[1,,2]").is_err());
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn parse_type_spec(s: &str) -> Result<(DType, Vec<usize>)> {
    let bad = |why: String| {
        Error::Parse(format!(
            "bad type '{}': {why} (expected DTYPE[SHAPE] like f64[1000,1000])",
            clip(s)
        ))
    };
    let (open, body) = match s.find('[') {
        Some(open) => match s[open + 1..].strip_suffix(']') {
            Some(body) => (open, body),
            None => return Err(bad("no ']' at the end".into())),
        },
        None => return Err(bad("no '['".into())),
    };
    let dtype: DType = s[..open].parse()?;
    if body.trim().is_empty() {
        return Ok((dtype, vec![]));
    }
    let mut dims: Vec<&str> = body.split(',').map(str::trim).collect();
    if dims.len() > 1 && dims.last() == Some(&"") {
        dims.pop();
    }
    let shape = dims
        .iter()
        .map(|&d| {
            if d.is_empty() {
                Err(bad("empty dimension".into()))
            } else if !d.bytes().all(|b| b.is_ascii_digit()) {
                Err(bad(format!("dimension '{}' is not a non-negative integer", clip(d))))
            } else {
                d.parse::<usize>()
                    .map_err(|_| bad(format!("dimension {} is too large", clip(d))))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((dtype, shape))
}

/// `64M`, `1G`, `4096`: a byte count with an optional K, M, G or T suffix
/// (powers of 1024).
pub(super) fn parse_bytes(s: &str) -> std::result::Result<usize, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => {
                    return Err(format!(
                        "'{}' is not a size: use bytes or a K, M, G or T suffix",
                        clip(s)
                    ))
                }
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("'{}' is not a size: use bytes or a K, M, G or T suffix", clip(s)))?;
    n.checked_mul(mult)
        .and_then(|b| usize::try_from(b).ok())
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("'{}' is not a usable size (more than 0, less than 2^64 bytes)", clip(s)))
}

/// Inputs as expressions: `NAME=FILE.npy` streamed from the file (read
/// with `pread` window by window, never mapped: an input file truncated by
/// another program is an error, not a crash; a pipe or device is read
/// whole), or random data for `NAME=DTYPE[SHAPE]`.
pub(super) fn input_exprs(specs: &[String]) -> Result<Vec<(String, Expr)>> {
    let mut out = vec![];
    for (k, spec) in specs.iter().enumerate() {
        let (name, val) = split_input(spec, k, &out)?;
        let e = if val.ends_with(']') && val.contains('[') {
            let (dt, shape) = parse_type_spec(val)?;
            Expr::named(name, &random::random(dt, &shape, 0x5eed + k as u64)?)
        } else if std::fs::metadata(val).is_ok_and(|m| m.is_file()) {
            Expr::npy(name, val)?
        } else if cfg!(feature = "zarr") && Path::new(val).join("zarr.json").is_file() {
            zarr_input(name, val)?
        } else {
            Expr::named(name, &Array::read_npy(val)?)
        };
        out.push((name.to_string(), e));
    }
    Ok(out)
}

/// `NAME=DIR.zarr`: a Zarr array, decoded chunk by chunk.
#[cfg(feature = "zarr")]
fn zarr_input(name: &str, path: &str) -> Result<Expr> {
    Expr::zarr(name, path)
}

#[cfg(not(feature = "zarr"))]
fn zarr_input(_: &str, path: &str) -> Result<Expr> {
    Err(Error::Value(format!(
        "{path}: Zarr arrays need lazyfuse built with the zarr feature"
    )))
}

/// `NAME=VALUE`, with a valid name not given before.
fn split_input<'a, T>(spec: &'a str, _k: usize, before: &[(String, T)]) -> Result<(&'a str, &'a str)> {
    let (name, val) = spec.split_once('=').ok_or_else(|| {
        Error::Parse(format!(
            "bad input '{}': expected NAME=FILE.npy or NAME=DTYPE[SHAPE]",
            clip(spec)
        ))
    })?;
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(Error::Parse(format!("bad input name '{}'", clip(name))));
    }
    if before.iter().any(|(n, _)| n == name) {
        return Err(Error::Parse(format!("input '{}' is given twice", clip(name))));
    }
    Ok((name, val))
}

pub(super) fn parse_input_exprs(expr: &str, inputs: &[(String, Expr)]) -> Result<Expr> {
    let bind: Vec<(&str, &Expr)> = inputs.iter().map(|(n, e)| (n.as_str(), e)).collect();
    Expr::parse_exprs(expr, &bind)
}

/// Prints dtype, shape and the first values of an array (only those are
/// converted).
pub fn summary(a: &Array) -> String {
    let n = a.len();
    let mut shown: Vec<String> = Vec::with_capacity(10);
    let mut idx = vec![0usize; a.ndim()];
    for _ in 0..n.min(10) {
        shown.push(a.get(&idx).map(|v| v.to_string()).unwrap_or_else(|e| e.to_string()));
        // The next index in C order.
        for d in (0..idx.len()).rev() {
            idx[d] += 1;
            if idx[d] < a.shape()[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    format!(
        "dtype: {}\nshape: {}\nvalues: [{}{}]\n",
        a.dtype(),
        crate::array::layout::shape_str(a.shape()),
        shown.join(", "),
        if n > 10 {
            format!(", … ({} more)", n - 10)
        } else {
            String::new()
        }
    )
}
